from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    INVITATION_ANSWERED = "invitation_answered", _("Invitation answered")
    DECISION_OPENED = "decision_opened", _("Decision opened")
    DECISION_CLOSING = "decision_closing", _("Decision closing soon")
    DECISION_CLOSED = "decision_closed", _("Decision closed")
    MEMBERSHIP = "membership", _("Membership change")
    CHARTER = "charter", _("Charter change")
    AGREEMENT = "agreement", _("Agreement")
    WORK = "work", _("Work programme")
    VOLUNTEERING = "volunteering", _("Volunteering")
    CONTRIBUTION = "contribution", _("Contribution")
    RISK = "risk", _("Risk")
    MEETING = "meeting", _("Review meeting")
    EVALUATION = "evaluation", _("Evaluation")
    FEEDBACK = "feedback", _("Citizen feedback")


# Which email preference on Person governs which kind.
EMAIL_PREFERENCE = {
    NotificationKind.INVITATION: "email_invitations",
    NotificationKind.INVITATION_ANSWERED: "email_invitations",
    NotificationKind.MEMBERSHIP: "email_invitations",
    NotificationKind.DECISION_OPENED: "email_decisions",
    NotificationKind.DECISION_CLOSING: "email_decisions",
    NotificationKind.DECISION_CLOSED: "email_decisions",
    NotificationKind.CHARTER: "email_decisions",
    NotificationKind.AGREEMENT: "email_decisions",
    NotificationKind.WORK: "email_decisions",
    NotificationKind.VOLUNTEERING: "email_invitations",
    NotificationKind.CONTRIBUTION: "email_decisions",
    NotificationKind.RISK: "email_decisions",
    NotificationKind.MEETING: "email_decisions",
    NotificationKind.EVALUATION: "email_decisions",
    NotificationKind.FEEDBACK: "email_decisions",
}


class Notification(models.Model):
    """An in-app notification; written in the recipient's language when it is created."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class OutboxMessage(models.Model):
    """A copy of every email sent, readable by administrators on the outbox page."""

    to = models.TextField(_("to"))
    subject = models.CharField(_("subject"), max_length=500)
    body = models.TextField(_("body"))
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("sent email")
        verbose_name_plural = _("sent emails")

    def __str__(self) -> str:
        return self.subject
