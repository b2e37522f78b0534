"""One evaluation framework per partnership: outcomes, indicators, targets, measurements.

The framework is a logic model: activities → outputs → outcomes → impact (`Outcome`, each
optionally contributing to one at the next level). Each outcome has `Indicator`s: what is
measured, in which unit, whether higher or lower is better, the baseline, a target per
period, the data source, the partner that reports it, the bottom line it serves (the four
bottom lines of Radical Efficiency, or a process outcome: relationships or capacity) and
which of the three questions it answers.

The partners adopt the framework by a partnership decision under the charter's rule. After
adoption every change is kept: `FrameworkVersion` holds a snapshot of the whole framework,
numbered, with the SHA-256 of its canonical JSON.

`Measurement`s are append-only. A correction adds a row that replaces the current one; the
old row stays (with `is_current=False`) so the history is readable. A partial unique index
keeps at most one current value per indicator and period.

Partners map their own reporting requirements (a funder's or ministry's indicator names and
periods) onto the shared indicators (`ReportingRequirement`, `RequirementItem`), and get
their own report from the same data. `OpenDataPublication` says what the partnership
publishes, under which licence.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from joinery.core.models import TimeStampedModel, VersionedModel

from .periods import PeriodKind


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Proposed for adoption")
    ADOPTED = "adopted", _("Adopted")


class LogicLevel(models.TextChoices):
    ACTIVITY = "activity", _("Activity")
    OUTPUT = "output", _("Output")
    OUTCOME = "outcome", _("Outcome")
    IMPACT = "impact", _("Impact")


LOGIC_ORDER = [LogicLevel.ACTIVITY, LogicLevel.OUTPUT, LogicLevel.OUTCOME, LogicLevel.IMPACT]


class Serves(models.TextChoices):
    """The bottom line an indicator serves, or the process outcome it measures."""

    PRODUCTIVITY = "productivity", _("Productivity")
    SERVICE_EXPERIENCE = "service_experience", _("Service experience")
    RESULTS = "results", _("Results")
    DEMOCRACY = "democracy", _("Democracy")
    RELATIONSHIPS = "relationships", _("Relationships (process outcome)")
    CAPACITY = "capacity", _("Capacity (process outcome)")


BOTTOM_LINES = [Serves.PRODUCTIVITY, Serves.SERVICE_EXPERIENCE, Serves.RESULTS, Serves.DEMOCRACY]
PROCESS_OUTCOMES = [Serves.RELATIONSHIPS, Serves.CAPACITY]


class Question(models.TextChoices):
    """The three questions every service is asked (seed 002)."""

    BETTER = "better", _("Is it getting better?")
    FEEL = "feel", _("Is it making people feel better about it?")
    VALUE = "value", _("Is it building public value?")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class ValueType(models.TextChoices):
    WHOLE = "whole", _("Whole number")
    DECIMAL = "decimal", _("Number")
    PERCENTAGE = "percentage", _("Percentage (0 to 100)")


class Aggregation(models.TextChoices):
    """How a longer period's value is made from the framework's periods."""

    SUM = "sum", _("Add the periods up")
    MEAN = "mean", _("Average of the periods reported")
    LAST = "last", _("Latest period reported")


class FeedbackMeasure(models.TextChoices):
    """What a service experience indicator reads from a citizen feedback form."""

    GOING = "going", _("Average rating of how the service is going (1 to 5)")
    FEELING = "feeling", _("Average of how people feel about it (1 to 5)")
    BETTER_SHARE = "better_share", _("Percentage who say it is getting better")
    RESPONSES = "responses", _("Number of responses")


class Framework(VersionedModel):
    partnership = models.OneToOneField("network.Partnership", on_delete=models.PROTECT,
                                       related_name="evaluation_framework")
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True,
                               help_text=_("What the partners want to learn and show, in plain words."))
    period_kind = models.CharField(_("reporting period"), max_length=8, choices=PeriodKind.choices,
                                   default=PeriodKind.QUARTER)
    starts_on = models.DateField(_("first period starts"))
    ends_on = models.DateField(_("last period ends"))
    reporting_days = models.PositiveSmallIntegerField(
        _("days to report"), default=30,
        help_text=_("How many days after a period ends its values are due."))
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder days"), default=7,
        help_text=_("How many days before the due date reporting partners are reminded."))
    status = models.CharField(_("status"), max_length=10, choices=FrameworkStatus.choices,
                              default=FrameworkStatus.DRAFT)
    adopted_at = models.DateTimeField(_("adopted"), null=True, blank=True)
    adoption_decision = models.ForeignKey("network.Decision", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    revision = models.PositiveIntegerField(_("framework version"), default=0,
                                           help_text=_("0 until adopted; each change after adoption adds one."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("evaluation framework")
        verbose_name_plural = _("evaluation frameworks")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluation:framework", args=[self.partnership.slug])


class Outcome(VersionedModel):
    """A step of the logic model (activity, output, outcome or impact)."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="outcomes")
    level = models.CharField(_("level"), max_length=10, choices=LogicLevel.choices, default=LogicLevel.OUTCOME)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    contributes_to = models.ForeignKey("self", verbose_name=_("contributes to"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="contributors")
    position = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["framework", "position", "id"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self) -> str:
        return self.title


class Indicator(VersionedModel):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="indicators")
    outcome = models.ForeignKey(Outcome, verbose_name=_("outcome"), on_delete=models.PROTECT,
                                related_name="indicators")
    code = models.SlugField(_("code"), max_length=60,
                            help_text=_("A short code used in imports and the API, for example meals-served."))
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"), help_text=_("Exactly what is counted or measured, and how."))
    unit = models.CharField(_("unit"), max_length=40, help_text=_("For example people, meals, days or %."))
    value_type = models.CharField(_("kind of value"), max_length=10, choices=ValueType.choices,
                                  default=ValueType.WHOLE)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    aggregation = models.CharField(_("over longer periods"), max_length=4, choices=Aggregation.choices,
                                   default=Aggregation.SUM)
    baseline = models.DecimalField(_("baseline"), max_digits=18, decimal_places=4, null=True, blank=True)
    baseline_period = models.CharField(_("baseline period"), max_length=10, blank=True)
    data_source = models.CharField(_("data source"), max_length=300)
    reporting_partner = models.ForeignKey("organisations.Organisation", verbose_name=_("reporting partner"),
                                          null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="reported_indicators")
    serves = models.CharField(_("serves"), max_length=20, choices=Serves.choices)
    question = models.CharField(_("answers the question"), max_length=6, choices=Question.choices)
    # Service experience fed by citizens: values come from a feedback form, not from a partner.
    feedback_channel = models.ForeignKey("feedback.FeedbackChannel", verbose_name=_("citizen feedback form"),
                                         null=True, blank=True, on_delete=models.PROTECT, related_name="indicators")
    feedback_measure = models.CharField(_("feedback measure"), max_length=14, choices=FeedbackMeasure.choices,
                                        blank=True)
    work_items = models.ManyToManyField("programme.WorkItem", verbose_name=_("work it depends on"), blank=True,
                                        related_name="indicators")
    commitments = models.ManyToManyField("agreements.Commitment", verbose_name=_("commitments it serves"),
                                         blank=True, related_name="indicators")
    is_published = models.BooleanField(_("published as open data"), default=False)
    position = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["framework", "position", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("evaluation:indicator", args=[self.pk])

    @property
    def fed_by_feedback(self) -> bool:
        return self.feedback_channel_id is not None


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    period = models.CharField(_("period"), max_length=10)
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["indicator", "period"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="target_period_unique")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period}: {self.value}"


class MeasurementSource(models.TextChoices):
    FORM = "form", _("Web form")
    IMPORT = "import", _("File import")
    API = "api", _("API")
    COMMAND = "command", _("Command line")


class MeasurementImport(TimeStampedModel):
    """One uploaded file of measurements. All-or-nothing: a rejected file keeps its report."""

    class Status(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected")

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="imports")
    acting_for = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    report = models.JSONField(default=list, blank=True)  # [{"row", "column", "problem", "fix"}]
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("measurement import")
        verbose_name_plural = _("measurement imports")

    def __str__(self) -> str:
        return self.filename


class Measurement(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="measurements")
    period = models.CharField(_("period"), max_length=10)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    reported_for = models.ForeignKey("organisations.Organisation", verbose_name=_("reported by"),
                                     on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("reported"))
    source = models.CharField(_("how it was reported"), max_length=8, choices=MeasurementSource.choices)
    note = models.TextField(_("note"), blank=True)
    batch = models.ForeignKey(MeasurementImport, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="measurements")
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["indicator", "period", "-reported_at", "-id"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], condition=Q(is_current=True),
                                    name="measurement_current_unique"),
        ]
        indexes = [
            models.Index(fields=["reported_for", "-reported_at"], name="measurement_org_reported"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period}: {self.value}"


class FrameworkVersion(models.Model):
    """A numbered snapshot of the whole framework, taken at adoption and at each later change."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField()
    sha256 = models.CharField(max_length=64)
    summary = models.CharField(_("what changed"), max_length=300)
    decision = models.ForeignKey("network.Decision", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["framework", "-number"]
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="framework_version_unique")]

    def __str__(self) -> str:
        return f"{self.framework_id} v{self.number}"


class ReportingRequirement(VersionedModel):
    """What one partner must report to its own funder or ministry, mapped onto shared indicators."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="requirements")
    organisation = models.ForeignKey("organisations.Organisation", verbose_name=_("partner"),
                                     on_delete=models.PROTECT, related_name="reporting_requirements")
    name = models.CharField(_("name"), max_length=200, help_text=_("For example: Annual return to the funder."))
    report_to = models.CharField(_("reported to"), max_length=200,
                                 help_text=_("The funder, ministry or board that asks for it."))
    reference = models.CharField(_("reference"), max_length=100, blank=True,
                                 help_text=_("Their grant or programme number, if any."))
    period_kind = models.CharField(_("their reporting period"), max_length=8, choices=PeriodKind.choices)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["framework", "organisation", "name", "id"]
        verbose_name = _("reporting requirement")
        verbose_name_plural = _("reporting requirements")

    def __str__(self) -> str:
        return self.name


class RequirementItem(models.Model):
    """One line of a partner's own report: their name for a shared indicator."""

    requirement = models.ForeignKey(ReportingRequirement, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(Indicator, verbose_name=_("shared indicator"), on_delete=models.PROTECT,
                                  related_name="requirement_items")
    external_name = models.CharField(_("their name for it"), max_length=200)
    external_code = models.CharField(_("their code"), max_length=60, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["requirement", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["requirement", "indicator"], name="requirement_item_unique")]

    def __str__(self) -> str:
        return self.external_name


class MeasurementReminder(models.Model):
    """That a reporting partner was reminded of one period, so it is reminded once."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="reminders")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=10)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["framework", "organisation", "period"],
                                               name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.framework_id} {self.organisation_id} {self.period}"


class Licence(models.TextChoices):
    CC_BY_4 = "CC-BY-4.0", _("Creative Commons Attribution 4.0")
    CC0 = "CC0-1.0", _("Creative Commons Zero (public domain)")
    OGL_3 = "OGL-UK-3.0", _("Open Government Licence v3.0")
    ETALAB_2 = "etalab-2.0", _("Licence Ouverte / Open Licence 2.0")
    ODBL = "ODbL-1.0", _("Open Database License 1.0")


class OpenDataPublication(VersionedModel):
    """What a partnership publishes: the chosen indicators (`Indicator.is_published`) and their values."""

    framework = models.OneToOneField(Framework, on_delete=models.PROTECT, related_name="publication")
    is_published = models.BooleanField(_("published"), default=False)
    title = models.CharField(_("dataset title"), max_length=200)
    description = models.TextField(_("description"))
    licence = models.CharField(_("licence"), max_length=20, choices=Licence.choices, default=Licence.CC_BY_4)
    publisher = models.CharField(_("publisher"), max_length=200)
    contact_email = models.EmailField(_("contact email"))
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("open data publication")
        verbose_name_plural = _("open data publications")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluation:open_data", args=[self.framework.partnership.slug])
