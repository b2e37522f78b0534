"""Citizens assess the services they use (co-assessment).

A `FeedbackChannel` is the public feedback form for one programme or one named service
of a partnership. Anyone may answer it without an account: how the service is going, whether
it is getting better, how they feel about it, a comment and (optionally) a way to reach them.

Each answer is a `FeedbackResponse`. Answers are never deleted: moderation hides an abusive
one (with a reason, audited) and hidden answers stop counting. `FeedbackTally` keeps exact
monthly sums per channel, updated in the same transaction as each answer or moderation, so
the service experience indicators fed by a channel read a handful of rows, not a million.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from joinery.core.models import VersionedModel


class Rating(models.IntegerChoices):
    VERY_POOR = 1, _("Very poor")
    POOR = 2, _("Poor")
    OKAY = 3, _("Neither good nor poor")
    GOOD = 4, _("Good")
    VERY_GOOD = 5, _("Very good")


class Feeling(models.IntegerChoices):
    VERY_UNHAPPY = 1, _("Very unhappy")
    UNHAPPY = 2, _("Unhappy")
    NEUTRAL = 3, _("Neither happy nor unhappy")
    HAPPY = 4, _("Happy")
    VERY_HAPPY = 5, _("Very happy")


class Trend(models.TextChoices):
    BETTER = "better", _("Getting better")
    SAME = "same", _("Staying the same")
    WORSE = "worse", _("Getting worse")
    UNSURE = "unsure", _("I don't know")


class FeedbackChannel(VersionedModel):
    partnership = models.ForeignKey("network.Partnership", on_delete=models.PROTECT,
                                    related_name="feedback_channels")
    programme = models.ForeignKey("programme.WorkProgramme", verbose_name=_("work programme"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="feedback_channels")
    service_name = models.CharField(_("service"), max_length=200, blank=True,
                                    help_text=_("The service people are asked about, when it is not a whole "
                                                "work programme."))
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True,
                                    help_text=_("Shown above the form: what the service is and why you ask."))
    is_open = models.BooleanField(_("open for feedback"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("feedback form")
        verbose_name_plural = _("feedback forms")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("feedback:public_form", args=[self.slug])


class FeedbackResponse(models.Model):
    channel = models.ForeignKey(FeedbackChannel, on_delete=models.PROTECT, related_name="responses")
    submitted_at = models.DateTimeField(_("sent"))
    going = models.PositiveSmallIntegerField(_("how the service is going"), choices=Rating.choices)
    trend = models.CharField(_("is it getting better"), max_length=6, choices=Trend.choices)
    feeling = models.PositiveSmallIntegerField(_("how you feel about it"), choices=Feeling.choices)
    comment = models.TextField(_("comment"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True)
    # A keyed hash of the sender's network address and the day: enough to slow a flood,
    # never enough to find the person.
    client_hash = models.CharField(max_length=64, blank=True)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("feedback response")
        verbose_name_plural = _("feedback responses")
        indexes = [
            models.Index(fields=["channel", "-submitted_at", "-id"], name="feedback_channel_sent"),
            models.Index(fields=["client_hash", "submitted_at"], name="feedback_client_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.submitted_at:%Y-%m-%d}"


class FeedbackTally(models.Model):
    """Exact sums of the visible responses of one channel in one calendar month."""

    channel = models.ForeignKey(FeedbackChannel, on_delete=models.CASCADE, related_name="tallies")
    month = models.DateField()  # the first day of the month
    responses = models.PositiveIntegerField(default=0)
    going_sum = models.PositiveIntegerField(default=0)
    feeling_sum = models.PositiveIntegerField(default=0)
    better = models.PositiveIntegerField(default=0)
    same = models.PositiveIntegerField(default=0)
    worse = models.PositiveIntegerField(default=0)
    unsure = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["channel", "month"]
        constraints = [models.UniqueConstraint(fields=["channel", "month"], name="feedback_tally_month")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.month:%Y-%m}: {self.responses}"

