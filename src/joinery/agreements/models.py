"""Partnering agreements: clauses drafted together, positions, versions, signatures, reviews.

An agreement is between organisations (its parties), not people, so it survives staff
turnover. Its draft text lives in `Clause` rows; moving to a new round or sending for
signature freezes an `AgreementVersion` whose canonical text has a SHA-256 fingerprint.
It is in force when every party's `Signature` is on the same version.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from joinery.core.models import TimeStampedModel, VersionedModel


class AgreementKind(models.TextChoices):
    MOU = "mou", _("Memorandum of understanding")
    PARTNERING = "partnering", _("Partnering agreement")
    CONTRIBUTION = "contribution", _("Contribution agreement (several funders)")
    PROTOCOL = "protocol", _("Information-sharing protocol")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NEGOTIATING = "negotiating", _("Negotiating")
    AWAITING_SIGNATURES = "awaiting_signatures", _("Awaiting signatures")
    IN_FORCE = "in_force", _("In force")
    UNDER_REVIEW = "under_review", _("Under review")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")
    SUPERSEDED = "superseded", _("Superseded by a variation")


# Statuses in which the draft text can still change.
EDITABLE_STATUSES = {AgreementStatus.DRAFT, AgreementStatus.NEGOTIATING}
# Statuses in which the agreement's text in force applies.
IN_FORCE_STATUSES = {AgreementStatus.IN_FORCE, AgreementStatus.UNDER_REVIEW}


class Agreement(VersionedModel):
    partnership = models.ForeignKey("network.Partnership", verbose_name=_("partnership"), on_delete=models.PROTECT,
                                    related_name="agreements")
    title = models.CharField(_("title"), max_length=250)
    kind = models.CharField(_("type"), max_length=20, choices=AgreementKind.choices)
    language = models.CharField(_("language of the agreement"), max_length=8, choices=settings.LANGUAGES,
                                default="en")
    drafting_lead = models.ForeignKey("organisations.Organisation", verbose_name=_("drafting lead"),
                                      on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=24, choices=AgreementStatus.choices,
                              default=AgreementStatus.DRAFT, db_index=True)
    template = models.CharField(_("template"), max_length=40, blank=True)
    variation_of = models.ForeignKey("self", verbose_name=_("varies"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="variations")
    signature_version = models.ForeignKey("AgreementVersion", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    in_force_version = models.ForeignKey("AgreementVersion", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    in_force_since = models.DateTimeField(_("in force since"), null=True, blank=True)
    review_date = models.DateField(_("review date"), null=True, blank=True, db_index=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        indexes = [models.Index(fields=["partnership", "status"], name="agreement_partnership_status"),
                   # Lists show the most recently changed first: an index lets the database stop at a page.
                   models.Index(fields=["-updated_at", "-id"], name="agreement_recent")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreements:detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class AgreementParty(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="parties")
    organisation = models.ForeignKey("organisations.Organisation", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="agreement_parties")

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [models.UniqueConstraint(fields=["agreement", "organisation"], name="party_unique")]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.agreement}"


class Clause(TimeStampedModel):
    """One clause of the draft. `revision` refuses a stale save (two editors never overwrite)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="clauses")
    position = models.PositiveIntegerField(_("order"))
    heading = models.CharField(_("heading"), max_length=250)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    guidance = models.TextField(_("guidance"), blank=True)
    revision = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agreement", "position", "id"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        indexes = [models.Index(fields=["agreement", "deleted_at", "position"], name="clause_order")]

    def __str__(self) -> str:
        return self.heading


class Comment(TimeStampedModel):
    """A comment on a clause or on a selected passage of it (quote + offsets), with replies."""

    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acting_for = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    quote = models.TextField(_("passage"), blank=True)
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:60]


class AmendmentKind(models.TextChoices):
    REPLACE = "replace", _("Replace the text of a clause")
    INSERT = "insert", _("Add a new clause")
    DELETE = "delete", _("Delete a clause")


class AmendmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Amendment(TimeStampedModel):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="amendments")
    clause = models.ForeignKey(Clause, null=True, blank=True, on_delete=models.PROTECT, related_name="amendments",
                               help_text=_("The clause replaced or deleted; for a new clause, the one it follows."))
    kind = models.CharField(_("kind"), max_length=10, choices=AmendmentKind.choices)
    heading = models.CharField(_("heading"), max_length=250, blank=True)
    body = models.TextField(_("proposed text"), blank=True)
    rationale = models.TextField(_("why"), blank=True)
    clause_revision = models.PositiveIntegerField(null=True, blank=True)
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acting_for = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=AmendmentStatus.choices,
                              default=AmendmentStatus.PROPOSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.heading or self.clause}"


class ClauseStance(models.TextChoices):
    AGREE = "agree", _("Agree")
    LIVE_WITH = "live_with", _("Can live with it")
    OBJECT = "object", _("Object")


class ClausePosition(TimeStampedModel):
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="positions")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(_("position"), max_length=10, choices=ClauseStance.choices)
    reason = models.TextField(_("reason"), blank=True)
    clause_revision = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("clause position")
        verbose_name_plural = _("clause positions")
        constraints = [models.UniqueConstraint(fields=["clause", "organisation"], name="one_clause_position")]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_stance_display()}"


class CommitmentKind(models.TextChoices):
    MONEY = "money", _("Money")
    STAFF_HOURS = "staff_hours", _("Staff hours")
    VOLUNTEER_HOURS = "volunteer_hours", _("Volunteer hours")
    IN_KIND = "in_kind", _("In-kind")
    DATA = "data", _("Data")
    SERVICE = "service", _("A service")


class Commitment(TimeStampedModel):
    """What a party undertakes in a clause: data, so actuals can be recorded against it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="commitments")
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="commitments")
    party = models.ForeignKey("organisations.Organisation", verbose_name=_("party"), on_delete=models.PROTECT,
                              related_name="commitments")
    kind = models.CharField(_("what"), max_length=20, choices=CommitmentKind.choices)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("how much"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=40, help_text=_("For example: CAD, hours, sessions."))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["party__name", "period_start", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self) -> str:
        return f"{self.party}: {self.quantity} {self.unit} — {self.description}"


class AgreementVersion(models.Model):
    """A frozen text of the agreement, with the SHA-256 of its canonical text."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    canonical_text = models.TextField()
    fingerprint = models.CharField(_("fingerprint (SHA-256)"), max_length=64, db_index=True)
    snapshot = models.JSONField()  # clauses and commitments as frozen, for redlines and the PDF
    frozen_at = models.DateTimeField(auto_now_add=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    for_signature = models.BooleanField(default=False)

    class Meta:
        ordering = ["agreement", "-number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="agreement_version_unique")]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class SignatureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for signature")
    SIGNED = "signed", _("Signed")
    DECLINED = "declined", _("Declined")
    VOID = "void", _("No longer needed")


class Signature(TimeStampedModel):
    """A party's signature on a frozen version: requested, then signed or declined."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="signatures")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=SignatureStatus.choices,
                              default=SignatureStatus.PENDING)
    requested_from = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="signature_requests", blank=True)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    signer_name = models.CharField(_("name"), max_length=200, blank=True)
    signer_role = models.CharField(_("role"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("date"), null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["version", "organisation__name"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [models.UniqueConstraint(fields=["version", "organisation"], name="one_signature_per_party")]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_status_display()}"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue as it is")
    VARY = "vary", _("Vary the agreement")
    TERMINATE = "terminate", _("Terminate the agreement")


class Review(TimeStampedModel):
    """A review of an agreement in force, decided by the partners under the charter's rule."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="reviews")
    proposed_outcome = models.CharField(_("proposed outcome"), max_length=10, choices=ReviewOutcome.choices)
    decision = models.OneToOneField("network.Decision", on_delete=models.PROTECT, related_name="agreement_review")
    outcome = models.CharField(_("outcome"), max_length=10, choices=ReviewOutcome.choices, blank=True)
    next_review_date = models.DateField(_("next review date"), null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"Review of {self.agreement}"


class SimilarityFingerprint(models.Model):
    """A MinHash signature of an agreement's text, for the cut-and-paste warning."""

    agreement = models.OneToOneField(Agreement, on_delete=models.CASCADE, related_name="similarity")
    minhash = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("similarity fingerprint")

    def __str__(self) -> str:
        return f"similarity of agreement {self.agreement_id}"
