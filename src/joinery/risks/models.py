"""The risk register, with the partnership's risk appetite.

Seed 003: partnering needs risk-taking and "will not be enhanced by over-emphasis on risk
management". So a risk can be consciously accepted "for innovation", with the reason and
who accepted it recorded, instead of being mitigated away. The appetite is a score
threshold (likelihood × impact, 1–25) and a statement; each change adds a row, so the
appetite in force at any time stays readable.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from joinery.core.models import TimeStampedModel, VersionedModel

SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class Likelihood(models.IntegerChoices):
    RARE = 1, _("Rare")
    UNLIKELY = 2, _("Unlikely")
    POSSIBLE = 3, _("Possible")
    LIKELY = 4, _("Likely")
    ALMOST_CERTAIN = 5, _("Almost certain")


class Impact(models.IntegerChoices):
    MINIMAL = 1, _("Minimal")
    MINOR = 2, _("Minor")
    MODERATE = 3, _("Moderate")
    MAJOR = 4, _("Major")
    SEVERE = 5, _("Severe")


class RiskAppetite(TimeStampedModel):
    partnership = models.ForeignKey("network.Partnership", on_delete=models.PROTECT, related_name="risk_appetites")
    threshold = models.PositiveSmallIntegerField(
        _("highest acceptable score"), validators=[MinValueValidator(1), MaxValueValidator(25)],
        help_text=_("Risks scoring above this (likelihood × impact, 1 to 25) are above the partnership's appetite."))
    statement = models.TextField(_("appetite statement"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        verbose_name = _("risk appetite")
        verbose_name_plural = _("risk appetites")

    def __str__(self) -> str:
        return f"{self.partnership}: {self.threshold}"


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MITIGATING = "mitigating", _("Being mitigated")
    ACCEPTED = "accepted", _("Accepted")
    CLOSED = "closed", _("Closed")


class Risk(VersionedModel):
    partnership = models.ForeignKey("network.Partnership", on_delete=models.PROTECT, related_name="risks")
    title = models.CharField(_("risk"), max_length=250)
    cause = models.TextField(_("cause"))
    consequence = models.TextField(_("consequence"))
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), choices=Likelihood.choices, validators=SCALE)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices, validators=SCALE)
    score = models.PositiveSmallIntegerField(_("score"))  # likelihood × impact, stored to sort and filter
    owner = models.ForeignKey("organisations.Organisation", verbose_name=_("owner organisation"),
                              on_delete=models.PROTECT, related_name="risks")
    owner_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner person"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    mitigations = models.TextField(_("mitigations"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    accepted_for_innovation = models.BooleanField(_("accepted for innovation"), default=False)
    acceptance_reason = models.TextField(_("why the partnership accepts this risk"), blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    work_item = models.ForeignKey("programme.WorkItem", verbose_name=_("work it concerns"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="risks")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        indexes = [models.Index(fields=["partnership", "status", "-score"], name="risk_partnership_status_score")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("risks:detail", args=[self.pk])
