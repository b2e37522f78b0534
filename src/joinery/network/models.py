"""The partnership network: partnerships, partners, invitations, charters, decisions."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from joinery.core.models import TimeStampedModel, VersionedModel

from .decision_rules import DecisionRule, Outcome, Stance


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can see it")
    PRIVATE = "private", _("Private: only partners can see it")


class Partnership(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    purpose = models.TextField(_("purpose"))
    geography = models.CharField(_("geography"), max_length=300, blank=True,
                                 help_text=_("Where the partnership works, for example a neighbourhood or a region."))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PRIVATE, db_index=True)
    # What a public partnership shows beyond its partners: {area: True|False}, only where the
    # convener changed an area's default (see network/visibility.py for the areas and defaults).
    publication = models.JSONField(_("what the public sees"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:partnership", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class PartnerRole(models.TextChoices):
    CONVENER = "convener", _("Convener / lead agency")
    PARTNER = "partner", _("Partner")
    FACILITATOR = "facilitator", _("Facilitator")
    FUNDER = "funder", _("Funder")
    COMMUNITY = "community", _("Community representative")


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrew")
    REMOVED = "removed", _("Removed")


class PartnerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=PartnerStatus.ACTIVE)


class Partner(TimeStampedModel):
    """An organisation's membership of a partnership. Kept after it ends, as history."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="partners")
    organisation = models.ForeignKey("organisations.Organisation", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="partnerships")
    role = models.CharField(_("role"), max_length=20, choices=PartnerRole.choices)
    status = models.CharField(_("status"), max_length=20, choices=PartnerStatus.choices,
                              default=PartnerStatus.ACTIVE)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    left_reason = models.TextField(_("reason for leaving"), blank=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "organisation__name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(fields=["partnership", "organisation"],
                                    condition=models.Q(status="active"), name="one_active_partner"),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="partner_org_status")]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.partnership}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Invitation(TimeStampedModel):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="invitations")
    organisation = models.ForeignKey("organisations.Organisation", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="invitations")
    role = models.CharField(_("role offered"), max_length=20, choices=PartnerRole.choices)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=InvitationStatus.choices,
                              default=InvitationStatus.PENDING)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    response_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["partnership", "organisation"],
                                    condition=models.Q(status="pending"), name="one_pending_invitation"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} invited to {self.partnership}"


class CharterVersion(models.Model):
    """One version of a partnership's charter. A change adds a version; none is edited."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="charter_versions")
    number = models.PositiveIntegerField(_("version"))
    purpose = models.TextField(_("purpose"))
    scope = models.TextField(_("scope"), blank=True)
    limits = models.TextField(_("limits"), blank=True,
                              help_text=_("Set by the convener: the network operates within these limits."))
    decision_rule = models.CharField(_("decision rule"), max_length=20, choices=DecisionRule.choices,
                                     default=DecisionRule.CONSENSUS)
    quorum = models.PositiveIntegerField(_("quorum"), null=True, blank=True,
                                         help_text=_("For majority decisions: how many partners must take a position."))
    review_date = models.DateField(_("review date"), null=True, blank=True)
    changes_need_decision = models.BooleanField(
        _("changes to this charter need a decision of the partners"), default=False)
    change_note = models.CharField(_("what changed and why"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["partnership", "-number"]
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")
        constraints = [models.UniqueConstraint(fields=["partnership", "number"], name="charter_version_unique")]

    def __str__(self) -> str:
        return f"{self.partnership} charter v{self.number}"


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AWAITING_LEAD = "awaiting_lead", _("Awaiting the lead")
    CLOSED = "closed", _("Closed")


class DecisionKind(models.TextChoices):
    GENERAL = "general", _("General question")
    CHARTER = "charter", _("Charter change")
    AGREEMENT_REVIEW = "agreement_review", _("Agreement review")
    PROGRAMME_CHANGE = "programme_change", _("Work programme change")
    FRAMEWORK_ADOPTION = "framework_adoption", _("Evaluation framework adoption")
    PUBLICATION = "publication", _("What the public sees")


class Decision(VersionedModel):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="decisions")
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"))
    background = models.TextField(_("background"), blank=True)
    options = models.TextField(_("options considered"), blank=True)
    kind = models.CharField(max_length=20, choices=DecisionKind.choices, default=DecisionKind.GENERAL)
    payload = models.JSONField(null=True, blank=True)  # e.g. the proposed charter for a charter change
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_for = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("proposed by"))
    rule = models.CharField(_("decision rule"), max_length=20, choices=DecisionRule.choices)
    quorum = models.PositiveIntegerField(_("quorum"), null=True, blank=True)
    charter_version = models.ForeignKey(CharterVersion, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=DecisionStatus.choices,
                              default=DecisionStatus.OPEN, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_explanation = models.TextField(_("how the rule applied"), blank=True)
    outcome_tally = models.JSONField(null=True, blank=True)
    outcome_positions = models.JSONField(null=True, blank=True)  # the positions as they stood at closing
    rationale = models.TextField(_("rationale"), blank=True)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    lead_ruling = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        indexes = [models.Index(fields=["partnership", "-opened_at"], name="decision_partnership_recent")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("network:decision", kwargs={"slug": self.partnership.slug, "pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status == DecisionStatus.OPEN and timezone.now() < self.closes_at


class DecisionParticipant(models.Model):
    """A partner organisation asked to take a position (the electorate, fixed when asked)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="participants")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["decision", "organisation"], name="participant_unique")]

    def __str__(self) -> str:
        return f"{self.organisation} on {self.decision}"


class Position(TimeStampedModel):
    """One partner organisation's position on a decision; changeable until closing."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="positions")
    organisation = models.ForeignKey("organisations.Organisation", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(_("position"), max_length=20, choices=Stance.choices)
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [models.UniqueConstraint(fields=["decision", "organisation"], name="one_position_per_partner")]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_stance_display()}"
