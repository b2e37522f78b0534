"""Organisations, the jurisdictions they serve, and the people who represent them."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from joinery.core.models import TimeStampedModel, VersionedModel


class Sector(models.TextChoices):
    PUBLIC = "public", _("Public")
    NON_PROFIT = "non_profit", _("Non-profit")
    PRIVATE = "private", _("Private")
    COMMUNITY = "community", _("Community")


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional (provincial or state)")
    LOCAL = "local", _("Local (municipal)")
    INDIGENOUS = "indigenous", _("Indigenous")


class Jurisdiction(TimeStampedModel):
    """A territory, optionally inside a parent (a municipality in a province)."""

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name=_("inside"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        constraints = [
            models.UniqueConstraint(fields=["name", "parent"], name="jurisdiction_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.parent.name}" if self.parent_id else self.name


class Organisation(VersionedModel):
    name = models.CharField(_("name"), max_length=200, db_index=True)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, db_index=True)
    level = models.CharField(
        _("level of government"), max_length=20, choices=Level.choices, blank=True, db_index=True,
        help_text=_("For public bodies only."),
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="organisations",
    )
    identifier_scheme = models.CharField(
        _("identifier type"), max_length=100, blank=True,
        help_text=_("For example: charity number, business number, band number."),
    )
    identifier = models.CharField(_("identifier"), max_length=100, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(fields=["is_active", "name"], name="org_active_name"),
            models.Index(Upper("identifier"), name="org_identifier_upper"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", kwargs={"slug": self.slug})

    @property
    def is_public_body(self) -> bool:
        return self.sector == Sector.PUBLIC


class RepresentativeRole(models.TextChoices):
    ADMIN = "admin", _("Organisation administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    MEMBER = "member", _("Member")
    SIGNATORY = "signatory", _("Authorised signatory")


class RepresentativeQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_at__isnull=True)


class Representative(TimeStampedModel):
    """A person holding a role for an organisation, from `started_at` until `ended_at`.

    Rows are never deleted: ending a role keeps the history of who held what when,
    and `successor_of` links a handed-over role to the one it replaced.
    """

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"),
                               on_delete=models.PROTECT, related_name="representations")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="representatives")
    role = models.CharField(_("role"), max_length=20, choices=RepresentativeRole.choices)
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    successor_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="successors")

    objects = RepresentativeQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "person", "role"]
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "role"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_role_per_person",
            )
        ]
        indexes = [models.Index(fields=["organisation", "ended_at"], name="rep_org_current")]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}, {self.organisation}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None
