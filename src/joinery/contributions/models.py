"""The contributions ledger: what every partner, and the community, puts in.

A `Contribution` is money, staff hours, volunteer hours, in-kind (space, equipment,
goods) or data, given by an organisation or by a person (a volunteer), dated, with a
period, evidence and optionally the agreement commitment it meets and the task it served.

Hours are valued at the partnership's `ValuationRate` for that kind of work. Rates are
versioned: changing a rate closes the old row and opens a new one, and each contribution
keeps the rate row and the value computed when it was recorded, so a rate change never
silently rewrites past valuations (revaluing is an explicit, audited act).

Contributions are never edited in place: a correction withdraws the old row and records
a new one that points back to it, so the ledger keeps its history.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from joinery.core.models import TimeStampedModel


class ContributionKind(models.TextChoices):
    MONEY = "money", _("Money")
    STAFF_HOURS = "staff_hours", _("Staff hours")
    VOLUNTEER_HOURS = "volunteer_hours", _("Volunteer hours")
    IN_KIND = "in_kind", _("In-kind (space, equipment, goods)")
    DATA = "data", _("Data")


HOUR_KINDS = (ContributionKind.STAFF_HOURS, ContributionKind.VOLUNTEER_HOURS)


class ContributorSector(models.TextChoices):
    """The organisation's sector, or citizens for people contributing as themselves."""

    PUBLIC = "public", _("Public")
    NON_PROFIT = "non_profit", _("Non-profit")
    PRIVATE = "private", _("Private")
    COMMUNITY = "community", _("Community")
    CITIZENS = "citizens", _("Citizens")


class ValuationRate(TimeStampedModel):
    """What an hour of one kind of work is worth, from `valid_from` until superseded."""

    partnership = models.ForeignKey("network.Partnership", on_delete=models.PROTECT, related_name="valuation_rates")
    work_kind = models.SlugField(_("kind of work (code)"), max_length=60,
                                 help_text=_("A short code used in imports, for example volunteer-general."))
    label = models.CharField(_("kind of work"), max_length=200)
    hours_kind = models.CharField(_("applies to"), max_length=20,
                                  choices=[(k.value, k.label) for k in HOUR_KINDS])
    hourly_rate = models.DecimalField(_("value of one hour"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    basis = models.TextField(_("basis for the rate"), blank=True,
                             help_text=_("Where the figure comes from, so others can check it."))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["work_kind", "-valid_from", "-id"]
        verbose_name = _("valuation rate")
        verbose_name_plural = _("valuation rates")
        indexes = [models.Index(fields=["partnership", "work_kind", "valid_from"], name="rate_kind_from")]

    def __str__(self) -> str:
        return f"{self.label}: {self.hourly_rate} {self.currency}/h"


class ContributionImport(TimeStampedModel):
    """One uploaded file. Imports are all-or-nothing: rejected files keep their report."""

    class Status(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected")

    partnership = models.ForeignKey("network.Partnership", on_delete=models.PROTECT,
                                    related_name="contribution_imports")
    acting_for = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    report = models.JSONField(default=list, blank=True)  # [{"row", "column", "problem", "fix"}]
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contribution import")
        verbose_name_plural = _("contribution imports")

    def __str__(self) -> str:
        return self.filename


class Contribution(TimeStampedModel):
    partnership = models.ForeignKey("network.Partnership", on_delete=models.PROTECT, related_name="contributions")
    organisation = models.ForeignKey("organisations.Organisation", verbose_name=_("organisation"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="contributions")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("volunteer"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="contributions")
    sector = models.CharField(_("sector"), max_length=12, choices=ContributorSector.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=ContributionKind.choices)
    description = models.CharField(_("description"), max_length=500)
    date = models.DateField(_("date"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    quantity = models.DecimalField(_("amount"), max_digits=14, decimal_places=2,
                                   help_text=_("Money in the currency, hours, or a count of items."))
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    people = models.PositiveIntegerField(_("people"), default=1, help_text=_("How many people gave these hours."))
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    rate = models.ForeignKey(ValuationRate, verbose_name=_("valuation rate"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="contributions")
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    commitment = models.ForeignKey("agreements.Commitment", verbose_name=_("commitment it meets"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="contributions")
    work_item = models.ForeignKey("programme.WorkItem", verbose_name=_("task"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="contributions")
    evidence = models.FileField(_("evidence file"), upload_to="evidence/%Y/%m/", blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True, max_length=500)
    batch = models.ForeignKey(ContributionImport, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="contributions")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        indexes = [
            models.Index(fields=["partnership", "-date", "-id"], name="contrib_partnership_date"),
            models.Index(fields=["partnership", "organisation", "date"], name="contrib_partner_org_date"),
            models.Index(fields=["commitment", "date"], name="contrib_commitment_date"),
            models.Index(fields=["organisation", "-date"], name="contrib_org_date"),
        ]

    def __str__(self) -> str:
        return f"{self.contributor_name}: {self.quantity} {self.unit} — {self.description}"

    def get_absolute_url(self) -> str:
        return reverse("contributions:detail", args=[self.pk])

    @property
    def contributor_name(self) -> str:
        if self.organisation_id:
            return str(self.organisation)
        return str(self.person) if self.person_id else ""
