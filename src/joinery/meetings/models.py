"""Review meetings of an agreement or a work programme.

A meeting is scheduled (with an iCalendar invitation and a feed), gets an agenda generated
from what is due (overdue tasks, commitments behind, risks above appetite, decisions to
revisit, agreement review dates), and once held records minutes, attendance by
organisation, and actions, each of which becomes a task in the work programme.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from joinery.core.models import TimeStampedModel, VersionedModel


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class ReviewMeeting(VersionedModel):
    partnership = models.ForeignKey("network.Partnership", on_delete=models.PROTECT, related_name="review_meetings")
    agreement = models.ForeignKey("agreements.Agreement", verbose_name=_("agreement reviewed"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="review_meetings")
    programme = models.ForeignKey("programme.WorkProgramme", verbose_name=_("programme reviewed"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="review_meetings")
    title = models.CharField(_("title"), max_length=250)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("place or link"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MeetingStatus.choices,
                              default=MeetingStatus.SCHEDULED)
    agenda = models.JSONField(_("agenda"), default=list, blank=True)  # facts, not sentences: see agenda.py
    agenda_generated_at = models.DateTimeField(null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True, help_text=_("Markdown."))
    held_at = models.DateTimeField(_("minutes recorded"), null=True, blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the iCalendar UID
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE: bumped on each change
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")
        indexes = [models.Index(fields=["partnership", "starts_at"], name="meeting_partnership_start")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])


class Attendance(models.Model):
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="attendance")
    organisation = models.ForeignKey("organisations.Organisation", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"), default=False)
    attendees = models.CharField(_("who attended"), max_length=500, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "organisation"], name="one_attendance_per_org")]

    def __str__(self) -> str:
        return f"{self.organisation}: {'present' if self.present else 'absent'}"


class MeetingAction(TimeStampedModel):
    """An action agreed at a meeting; recording it creates a task in the work programme."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(_("action"), max_length=250)
    owner = models.ForeignKey("organisations.Organisation", verbose_name=_("owner organisation"),
                              on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    task = models.OneToOneField("programme.WorkItem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="meeting_action")

    class Meta:
        ordering = ["id"]
        verbose_name = _("meeting action")
        verbose_name_plural = _("meeting actions")

    def __str__(self) -> str:
        return self.title
