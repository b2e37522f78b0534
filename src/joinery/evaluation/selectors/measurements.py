"""Reads for the measurements pages, the API and the command line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef
from django.utils import formats, timezone

from joinery.network.models import PartnerRole, PartnerStatus
from joinery.organisations.models import Organisation

from ..models import Framework, Indicator, Measurement, MeasurementImport
from ..periods import Period, parse, periods_between

PAGE_SIZE = 50


def shown(value) -> str:
    """A value for reading, in the active language, without needless decimals (1,250.5; 1 250,5 in French)."""
    if value is None:
        return "—"
    value = value.normalize()
    places = max(0, -value.as_tuple().exponent)
    return formats.number_format(value, min(places, 4), use_l10n=True, force_grouping=True)


def with_labels(rows, period_kind: str) -> list:
    """Each measurement with `period_label` and `value_shown` for the templates."""
    for m in rows:
        p = parse(period_kind, m.period)
        m.period_label = p.label if p else m.period
        m.value_shown = shown(m.value)
    return rows


def framework_of(partnership) -> Framework | None:
    return Framework.objects.filter(partnership=partnership).select_related("partnership").first()


@dataclass
class MeasurementFilters:
    indicator: Indicator | None = None
    period: str = ""
    organisation: Organisation | None = None
    include_replaced: bool = False


@dataclass
class MeasurementPage:
    rows: list
    next_cursor: str = ""
    first_page: bool = True


def measurements_queryset(*, framework: Framework, filters: MeasurementFilters | None = None):
    """The framework's measurements, newest first; current values only unless `include_replaced`."""
    f = filters or MeasurementFilters()
    # The framework's indicators as a short list of ids (not a join), so that the planner can use the
    # (indicator, period) index on a table shared by every partnership.
    if f.indicator is not None:
        ids = [f.indicator.pk] if f.indicator.framework_id == framework.pk else []
    else:
        ids = list(framework.indicators.values_list("pk", flat=True))
    qs = Measurement.objects.filter(indicator_id__in=ids)
    if not f.include_replaced:
        qs = qs.filter(is_current=True)
    if f.period:
        qs = qs.filter(period=f.period)
    if f.organisation is not None:
        qs = qs.filter(reported_for=f.organisation)
    # Newest first, but not by walking the primary key backwards: on a table shared by every
    # partnership that walk can pass millions of other frameworks' rows before it finds this
    # one's (2.3 s at national scale). Ordering by an expression makes the planner fetch this
    # framework's rows by indicator (a few thousand at most) and sort them (30 ms).
    return qs.annotate(newest=F("pk") + 0).order_by("-newest")


def _with_related(qs):
    return qs.select_related("indicator", "reported_for", "reported_by")


def measurement_page(*, framework: Framework, filters: MeasurementFilters | None = None, after: str | None = None,
                     limit: int = PAGE_SIZE) -> MeasurementPage:
    """One page by keyset (`after`: the id of the last row shown). No COUNT(*): deep pages cost the same."""
    qs = measurements_queryset(framework=framework, filters=filters)
    position = int(after) if after and after.isdigit() and len(after) < 12 else None
    if position is not None:
        qs = qs.filter(pk__lt=position)
    rows = list(_with_related(qs)[:limit + 1])
    more = len(rows) > limit
    rows = with_labels(rows[:limit], framework.period_kind)
    return MeasurementPage(rows=rows, next_cursor=str(rows[-1].pk) if more else "", first_page=position is None)


def measurement_get(*, pk: int) -> Measurement:
    return (Measurement.objects.select_related("indicator__framework__partnership", "indicator__outcome",
                                               "reported_for", "reported_by", "batch")
            .annotate(was_replaced=Exists(Measurement.objects.filter(replaces=OuterRef("pk")))).get(pk=pk))


def history(*, measurement: Measurement) -> list[Measurement]:
    """Every value reported for the measurement's indicator and period, newest first (the whole chain)."""
    rows = list(Measurement.objects.filter(indicator_id=measurement.indicator_id, period=measurement.period)
                .select_related("reported_for", "reported_by", "batch").order_by("-reported_at", "-pk"))
    return with_labels(rows, measurement.indicator.framework.period_kind)


def current_for(*, indicator: Indicator, period: str) -> Measurement | None:
    return Measurement.objects.filter(indicator=indicator, period=period, is_current=True).first()


def convener_ids(partnership) -> set[int]:
    return set(partnership.partners.filter(status=PartnerStatus.ACTIVE, role=PartnerRole.CONVENER)
               .values_list("organisation_id", flat=True))


def reportable_indicators(*, framework: Framework, organisations) -> list[Indicator]:
    """The indicators one of `organisations` may report (a convener: all partner-reported ones), by outcome."""
    ids = {o.pk for o in organisations}
    qs = (framework.indicators.filter(retired_at__isnull=True, feedback_channel__isnull=True)
          .select_related("outcome", "reporting_partner").order_by("outcome__position", "outcome_id", "position",
                                                                   "pk"))
    if not ids & convener_ids(framework.partnership):
        qs = qs.filter(reporting_partner_id__in=ids)
    return list(qs)


def indicator_choices(indicators) -> list:
    """Choices grouped by outcome, for a select with optgroups."""
    groups: dict = {}
    for i in indicators:
        groups.setdefault(i.outcome.title, []).append((str(i.pk), f"{i.name} ({i.unit})"))
    return list(groups.items())


def periods_so_far(*, framework: Framework, today: dt.date | None = None) -> list[Period]:
    """The framework's periods that have started, latest first."""
    today = today or timezone.localdate()
    return [p for p in reversed(periods_between(framework.period_kind, framework.starts_on, framework.ends_on))
            if p.start <= today]


def recent_imports(*, framework: Framework, limit: int = 20) -> list[MeasurementImport]:
    return list(framework.imports.select_related("acting_for", "imported_by")[:limit])


def reporter_choices(*, framework: Framework) -> list[Organisation]:
    """Organisations that are or were partners: the list's filter."""
    return list(Organisation.objects.filter(pk__in=framework.partnership.partners.values("organisation_id"))
                .order_by("name"))


@dataclass
class LateReport:
    organisation: Organisation
    period: Period
    due: dt.date
    indicators: list[Indicator] = field(default_factory=list)


def late_reports(framework: Framework, today: dt.date | None = None) -> list[LateReport]:
    """(organisation, period, indicators missing) for every period past its due date, latest first.

    An indicator without a reporting partner is the convener's to report. Indicators fed by
    citizen feedback are never late. Two queries, plus one for the organisations.
    """
    from ..services.measurements import due_dates

    today = today or timezone.localdate()
    periods = [p for p in periods_between(framework.period_kind, framework.starts_on, framework.ends_on)
               if due_dates(framework, p)[1] < today]
    if not periods:
        return []
    indicators = list(framework.indicators.filter(retired_at__isnull=True, feedback_channel__isnull=True)
                      .order_by("position", "pk"))
    if not indicators:
        return []
    conveners = convener_ids(framework.partnership)
    fallback = min(conveners) if conveners else None
    reported = set(Measurement.objects.filter(indicator__in=indicators, is_current=True,
                                              period__in=[p.key for p in periods])
                   .values_list("indicator_id", "period"))
    late: dict[tuple[int, str], list[Indicator]] = defaultdict(list)
    for p in periods:
        for i in indicators:
            org = i.reporting_partner_id or fallback
            if org and (i.pk, p.key) not in reported:
                late[(org, p.key)].append(i)
    orgs = Organisation.objects.in_bulk({org for org, _k in late})
    by_key = {p.key: p for p in periods}
    out = [LateReport(organisation=orgs[org], period=by_key[key], due=due_dates(framework, by_key[key])[1],
                      indicators=items) for (org, key), items in late.items()]
    out.sort(key=lambda r: (-r.period.start.toordinal(), r.organisation.name))
    return out
