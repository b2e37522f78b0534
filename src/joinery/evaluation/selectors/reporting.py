"""Reads for partners' own reports: their requirements, and each report made from the one dataset.

A partner's report takes the shared indicators it mapped, and for each of its own periods
(say, years from a quarterly framework) rolls the framework periods' values up with the
indicator's aggregation (`values.roll_up`). Missing periods are left out and counted, never
read as zero, so the report says "3 of 4 quarters reported". Targets roll up the same way,
but only when every inner period has one: a partial target would mislead.

Queries: a report costs a constant number of queries whatever its number of items and periods
(requirement, items, values, targets, corrections).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from joinery.core.exceptions import ValidationError
from joinery.network.models import PartnerRole, PartnerStatus
from joinery.organisations.models import Representative

from ..models import IndicatorTarget, Measurement, ReportingRequirement, RequirementItem
from ..periods import Period, PeriodKind, parse, periods_between
from .scorecards import AT_RISK, NO_DATA, OFF_TRACK, ON_TRACK, status_for
from .values import roll_up, values_for

#: Statuses of a report line: the scorecards' own, plus "no target" (nothing to judge the value against).
NO_TARGET = "no_target"

TAG_CLASSES = {ON_TRACK: "govuk-tag--green", AT_RISK: "govuk-tag--yellow", OFF_TRACK: "govuk-tag--red",
               NO_DATA: "govuk-tag--grey", NO_TARGET: "govuk-tag--grey"}


def number(value: Decimal | None) -> str:
    """A value in the active language's format, without needless decimals (1,234.5; 1 234,5 in French)."""
    if value is None:
        return ""
    value = Decimal(value).normalize()
    places = max(0, -value.as_tuple().exponent)
    return formats.number_format(value, min(places, 4), use_l10n=True, force_grouping=True)


def status_label(status: str) -> str:
    return {ON_TRACK: _("On track"), AT_RISK: _("At risk"), OFF_TRACK: _("Off track"), NO_DATA: _("No data"),
            NO_TARGET: _("No target")}.get(status, status)


def status_against(value: Decimal | None, target: Decimal | None, *, direction: str,
                   baseline: Decimal | None = None) -> str:
    """The scorecards' rule (`scorecards.status_for`), except that a value with neither a target nor a
    baseline is labelled "no target" rather than "no data"."""
    if value is not None and target is None and baseline is None:
        return NO_TARGET
    return status_for(value, target, direction=direction, baseline=baseline)


@dataclass
class ReportRow:
    item: RequirementItem
    external_name: str
    external_code: str
    indicator: object
    unit: str
    value: Decimal | None
    reported: int  # framework periods with a value
    expected: int  # framework periods in the report's period
    target: Decimal | None
    status: str
    corrected: bool  # a value in it was corrected

    @property
    def complete(self) -> bool:
        return self.reported == self.expected

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def tag_class(self) -> str:
        return TAG_CLASSES.get(self.status, "govuk-tag--grey")

    @property
    def value_text(self) -> str:
        return number(self.value)

    @property
    def target_text(self) -> str:
        return number(self.target)

    @property
    def coverage(self) -> str:
        """"3 of 4 quarters reported", in the active language."""
        return coverage_text(self.reported, self.expected, self.inner_kind)

    inner_kind: str = PeriodKind.QUARTER


def coverage_text(reported: int, expected: int, kind: str) -> str:
    if kind == PeriodKind.MONTH:
        return ngettext("%(k)d of %(n)d month reported", "%(k)d of %(n)d months reported", expected) % {
            "k": reported, "n": expected}
    if kind == PeriodKind.YEAR:
        return ngettext("%(k)d of %(n)d year reported", "%(k)d of %(n)d years reported", expected) % {
            "k": reported, "n": expected}
    return ngettext("%(k)d of %(n)d quarter reported", "%(k)d of %(n)d quarters reported", expected) % {
        "k": reported, "n": expected}


@dataclass
class ReportPeriod:
    period: Period
    inner: list[Period]
    rows: list[ReportRow]

    @property
    def incomplete(self) -> bool:
        return any(not r.complete for r in self.rows)

    @property
    def corrected(self) -> bool:
        return any(r.corrected for r in self.rows)


@dataclass
class PartnerReport:
    requirement: ReportingRequirement
    framework: object
    partnership: object
    organisation: object
    periods: list[ReportPeriod]
    generated_on: dt.date
    all_periods: list[Period] = field(default_factory=list)  # every period of the requirement's kind

    @property
    def incomplete(self) -> bool:
        return any(p.incomplete for p in self.periods)

    @property
    def corrected(self) -> bool:
        return any(p.corrected for p in self.periods)

    @property
    def empty(self) -> bool:
        return not self.requirement.items.all()


# --- requirements --------------------------------------------------------------------------

def requirement_get(*, pk: int) -> ReportingRequirement:
    return (ReportingRequirement.objects.select_related("framework__partnership", "organisation", "created_by")
            .prefetch_related(Prefetch("items", queryset=RequirementItem.objects.select_related("indicator")
                                       .order_by("position", "id")))
            .get(pk=pk))


def requirements_for(*, framework) -> list[ReportingRequirement]:
    """The framework's requirements, by partner then name, each with its number of items."""
    return list(ReportingRequirement.objects.filter(framework=framework).select_related("organisation")
                .annotate(item_count=Count("items")).order_by("organisation__name", "name", "id"))


def my_partner_organisations(*, person, partnership, convener_only: bool = False) -> list:
    """The active partners `person` represents (the convener only: as administrator or coordinator)."""
    if not person.is_authenticated:
        return []
    reps = Representative.objects.current().filter(person=person)
    if convener_only:
        reps = reps.filter(role__in=["admin", "coordinator"])
    partners = partnership.partners.filter(status=PartnerStatus.ACTIVE, organisation_id__in=reps.values(
        "organisation_id")).select_related("organisation").order_by("organisation__name")
    if convener_only:
        partners = partners.filter(role=PartnerRole.CONVENER)
    return [p.organisation for p in partners]


def may_manage(requirement, mine: list, convener: list) -> list:
    """The organisations (of the person's) that may change this requirement: its owner, or the convener."""
    ids = {requirement.organisation_id} | {o.pk for o in convener}
    return [o for o in mine if o.pk in ids]


def requirement_periods(requirement) -> list[Period]:
    """The requirement's periods that overlap the framework (e.g. 2025 and 2026 for a yearly return)."""
    f = requirement.framework
    return periods_between(requirement.period_kind, f.starts_on, f.ends_on)


# --- the report ----------------------------------------------------------------------------

def partner_report(requirement, *, period_key: str | None = None) -> PartnerReport:
    """The partner's own report, for one of its periods or all of them, from the shared values.

    Raises ValidationError({"period": …}) when `period_key` is not one of the requirement's periods.
    """
    f = requirement.framework
    all_periods = requirement_periods(requirement)
    if period_key:
        wanted = parse(requirement.period_kind, period_key)
        if wanted is None or wanted.key not in {p.key for p in all_periods}:
            raise ValidationError({"period": _("Choose one of the report's periods, from %(first)s to %(last)s.")
                                   % {"first": all_periods[0].label, "last": all_periods[-1].label}})
        outer = [wanted]
    else:
        outer = all_periods
    framework_keys = {p.key for p in periods_between(f.period_kind, f.starts_on, f.ends_on)}
    # Only framework periods wholly inside the report's period count (should the framework later report
    # less often than the requirement, its periods would not fit, and the report says nothing was reported).
    inner_of = {o.key: [p for p in periods_between(f.period_kind, o.start, o.end)
                        if p.key in framework_keys and o.start <= p.start and p.end <= o.end]
                for o in outer}
    inner_all = {p.key: p for inner in inner_of.values() for p in inner}
    if "items" in getattr(requirement, "_prefetched_objects_cache", {}):
        items = list(requirement.items.all())
    else:
        items = list(requirement.items.select_related("indicator").order_by("position", "id"))
    indicators = [i.indicator for i in items]
    for ind in indicators:
        ind.framework = f  # values_for reads the framework of feedback-fed indicators: no query each
    values = values_for(indicators, list(inner_all.values())) if indicators else {}
    targets: dict[int, dict[str, Decimal]] = {i.pk: {} for i in indicators}
    corrected: set[tuple[int, str]] = set()
    if indicators:
        for ind_id, period, value in IndicatorTarget.objects.filter(
                indicator__in=indicators, period__in=list(inner_all)).values_list("indicator_id", "period", "value"):
            targets[ind_id][period] = value
        corrected = set(Measurement.objects.filter(indicator__in=indicators, period__in=list(inner_all),
                                                   is_current=True, replaces__isnull=False)
                        .values_list("indicator_id", "period"))
    report_periods = []
    for o in outer:
        inner = inner_of[o.key]
        rows = []
        for item in items:
            ind = item.indicator
            got = roll_up(ind.aggregation, inner, values.get(ind.pk, {}))
            aimed = roll_up(ind.aggregation, inner, targets.get(ind.pk, {}))
            target = aimed.value if aimed.complete and inner else None
            # Use the baseline (to judge a value without a target, or to scale the miss of a zero
            # target) only where it means the same thing: a quarterly baseline says nothing about a yearly sum.
            baseline = ind.baseline if len(inner) == 1 or ind.aggregation != "sum" else None
            rows.append(ReportRow(
                item=item, external_name=item.external_name, external_code=item.external_code, indicator=ind,
                unit=ind.unit, value=got.value, reported=got.reported, expected=got.expected, target=target,
                status=status_against(got.value, target, direction=ind.direction, baseline=baseline),
                corrected=any((ind.pk, p.key) in corrected for p in inner), inner_kind=f.period_kind))
        report_periods.append(ReportPeriod(period=o, inner=inner, rows=rows))
    return PartnerReport(requirement=requirement, framework=f, partnership=f.partnership,
                         organisation=requirement.organisation, periods=report_periods,
                         generated_on=timezone.localdate(), all_periods=all_periods)
