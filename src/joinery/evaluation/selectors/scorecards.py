"""Scorecards: each indicator's latest value against its target, with a status, a trend and a sentence.

The status rule (the same on every page, report, API answer and command):

- The card's period is the latest period of the framework that has started by the "as of" date
  and is either due (its end + the framework's days to report ≤ as of) or already has a value.
- **No data**: the indicator has no value for that period (or no period is due yet).
- With a target for that period, compare the value with it, respecting the direction:
  **on track** when the value meets or beats the target; **at risk** when it misses it by at
  most 10% of the target's absolute value (with a zero target, 10% of the baseline's absolute
  value; with neither, any miss is off track); **off track** when it misses by more.
- Without a target: **on track** when the value is better than the baseline, **off track**
  when worse, **at risk** when equal (no progress); with no baseline either, **no data**
  (nothing to judge it against).

The trend compares the card's value with the previous period that has a value: improving,
worsening, steady, or unknown (no previous value). The gap is how far the value is from the
target as a percentage of the target's absolute value, positive in the good direction.

"As of" chooses the card's period; the values are the current ones (a correction made later
shows in an earlier "as of" too), so every page agrees with the measurements list.

Values come from `values.values_for` (corrections replace, missing periods stay missing and are
never zero). A scorecard reads the indicators, their values and their targets in a constant
number of queries, whatever the number of indicators.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import (
    BOTTOM_LINES,
    PROCESS_OUTCOMES,
    Direction,
    Indicator,
    IndicatorTarget,
    Measurement,
    Outcome,
    Question,
)
from ..periods import Period, periods_between
from .values import values_for

ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA = "on_track", "at_risk", "off_track", "no_data"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA)
IMPROVING, WORSENING, STEADY, UNKNOWN = "improving", "worsening", "steady", "unknown"
TOLERANCE = Decimal("0.10")  # a miss of up to 10% of the target is "at risk", not "off track"
ONE_PLACE = Decimal("0.1")


def status_label(status: str) -> str:
    return {ON_TRACK: _("On track"), AT_RISK: _("At risk"), OFF_TRACK: _("Off track"),
            NO_DATA: _("No data")}.get(status, status)


def trend_label(trend: str) -> str:
    return {IMPROVING: _("Improving"), WORSENING: _("Getting worse"), STEADY: _("Steady"),
            UNKNOWN: _("Not known yet")}.get(trend, trend)


def fmt(value: Decimal | None) -> str:
    """A value in words for a sentence: localised, without trailing zeros."""
    if value is None:
        return "—"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return number_format(Decimal(text), use_l10n=True)


def _better(direction: str, a: Decimal, b: Decimal) -> Decimal:
    """How much better `a` is than `b`, in the indicator's good direction (negative: worse)."""
    return a - b if direction != Direction.LOWER else b - a


def period_status(indicator, value: Decimal | None, target: Decimal | None) -> str:
    """The status of one value against its period's target (see the module docstring)."""
    return status_for(value, target, direction=indicator.direction, baseline=indicator.baseline)


def status_for(value: Decimal | None, target: Decimal | None, *, direction: str,
               baseline: Decimal | None = None) -> str:
    """The status rule itself, for callers (partners' reports) that choose which baseline applies."""
    if value is None:
        return NO_DATA
    if target is None:
        if baseline is None:
            return NO_DATA
        gain = _better(direction, value, baseline)
        return ON_TRACK if gain > 0 else OFF_TRACK if gain < 0 else AT_RISK
    gain = _better(direction, value, target)
    if gain >= 0:
        return ON_TRACK
    scale = abs(target) if target != 0 else abs(baseline) if baseline is not None else Decimal(0)
    return AT_RISK if -gain <= TOLERANCE * scale else OFF_TRACK


def trend_of(indicator, value: Decimal | None, previous: Decimal | None) -> str:
    if value is None or previous is None:
        return UNKNOWN
    gain = _better(indicator.direction, value, previous)
    return IMPROVING if gain > 0 else WORSENING if gain < 0 else STEADY


def gap_percent(indicator, value: Decimal | None, target: Decimal | None) -> Decimal | None:
    """How far the value is from the target, in % of the target, positive in the good direction."""
    if value is None or target is None or target == 0:
        return None
    return (_better(indicator.direction, value, target) * 100 / abs(target)).quantize(ONE_PLACE, ROUND_HALF_UP)


class SeriesPoint(NamedTuple):
    period: Period
    value: Decimal | None
    target: Decimal | None


@dataclass
class IndicatorCard:
    indicator: Indicator
    period: Period | None
    value: Decimal | None
    target: Decimal | None
    baseline: Decimal | None
    previous: Decimal | None
    previous_period: Period | None
    status: str
    trend: str
    gap_percent: Decimal | None
    sentence: str
    series: list[SeriesPoint]

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def trend_label(self) -> str:
        return trend_label(self.trend)

    @property
    def reported(self) -> int:
        """How many periods up to the card's period have a value."""
        if self.period is None:
            return 0
        return sum(1 for p in self.series if p.value is not None and p.period <= self.period)

    @property
    def expected(self) -> int:
        if self.period is None:
            return 0
        return sum(1 for p in self.series if p.period <= self.period)

    @property
    def chart_sentence(self) -> str:
        """What the indicator's chart shows, for those who cannot see it."""
        if self.period is None:
            return _("The chart shows the targets for each period; no value is due yet.")
        first = self.series[0].period
        return ngettext(
            "The chart shows the value of %(name)s in each period from %(first)s to %(last)s against its target: "
            "%(n)s of %(m)s period reported.",
            "The chart shows the value of %(name)s in each period from %(first)s to %(last)s against its target: "
            "%(n)s of %(m)s periods reported.", self.expected) % {
            "name": self.indicator.name, "first": first.label, "last": self.period.label,
            "n": self.reported, "m": self.expected}


def framework_periods(framework) -> list[Period]:
    return periods_between(framework.period_kind, framework.starts_on, framework.ends_on)


def _card_period(periods: list[Period], values: dict, reporting_days: int, as_of: dt.date) -> Period | None:
    due_by = as_of - dt.timedelta(days=reporting_days)
    for p in reversed(periods):
        if p.start <= as_of and (p.end <= due_by or p.key in values):
            return p
    return None


def _sentence(indicator, *, period, value, target, status, trend, gap) -> str:
    if period is None:
        return _("No value is due yet.")
    label = period.label
    if value is None:
        if indicator.feedback_channel_id:
            return _("No data for %(period)s: no citizen feedback has been received for it yet.") % {"period": label}
        if indicator.reporting_partner_id:
            return _("No data for %(period)s: %(partner)s has not reported yet.") % {
                "period": label, "partner": indicator.reporting_partner.name}
        return _("No data for %(period)s: no value has been reported yet.") % {"period": label}
    prefix = "" if trend == UNKNOWN else trend_label(trend) + ": "
    args = {"value": fmt(value), "unit": indicator.unit, "period": label, "target": fmt(target),
            "baseline": fmt(indicator.baseline)}
    if target is None:
        if indicator.baseline is None:
            return _join(prefix, _("%(value)s %(unit)s in %(period)s, with no target or baseline to compare with.")
                         % args)
        gain = _better(indicator.direction, value, indicator.baseline)
        text = (_("%(value)s %(unit)s in %(period)s, better than the baseline of %(baseline)s (no target set).")
                if gain > 0 else
                _("%(value)s %(unit)s in %(period)s, worse than the baseline of %(baseline)s (no target set).")
                if gain < 0 else
                _("%(value)s %(unit)s in %(period)s, the same as the baseline (no target set)."))
        return _join(prefix, text % args)
    if value == target:
        return _join(prefix, _("on target in %(period)s (%(value)s %(unit)s).") % args)
    if gap is None:  # a zero target: say the figures, not a percentage
        text = (_("%(value)s %(unit)s in %(period)s, above the target of %(target)s.") if value > target else
                _("%(value)s %(unit)s in %(period)s, below the target of %(target)s."))
        return _join(prefix, text % args)
    # Above or below in plain terms (whatever the direction); the status says whether that is good.
    args["n"] = fmt((abs(value - target) * 100 / abs(target)).quantize(Decimal("1"), ROUND_HALF_UP))
    text = _("%(n)s%% above target in %(period)s.") if value > target else _("%(n)s%% below target in %(period)s.")
    return _join(prefix, text % args)


def _join(prefix: str, body: str) -> str:
    return prefix + body if prefix else body[:1].upper() + body[1:]


def indicator_card(indicator, values: dict[str, Decimal], targets: dict[str, Decimal], *,
                   as_of: dt.date, periods: list[Period] | None = None) -> IndicatorCard:
    """The card of one indicator from its values and targets by period key (no query if
    `indicator.framework`, and `indicator.reporting_partner` when set, are already loaded)."""
    framework = indicator.framework
    periods = periods if periods is not None else framework_periods(framework)
    series = [SeriesPoint(p, values.get(p.key), targets.get(p.key)) for p in periods]
    period = _card_period(periods, values, framework.reporting_days, as_of)
    value = target = previous = previous_period = None
    if period is not None:
        value, target = values.get(period.key), targets.get(period.key)
        for p in reversed(periods):
            if p < period and p.key in values:
                previous, previous_period = values[p.key], p
                break
    status = period_status(indicator, value, target)
    trend = trend_of(indicator, value, previous)
    gap = gap_percent(indicator, value, target)
    sentence = _sentence(indicator, period=period, value=value, target=target, status=status, trend=trend, gap=gap)
    return IndicatorCard(indicator=indicator, period=period, value=value, target=target, baseline=indicator.baseline,
                         previous=previous, previous_period=previous_period, status=status, trend=trend,
                         gap_percent=gap, sentence=sentence, series=series)


def targets_for(indicators) -> dict[int, dict[str, Decimal]]:
    """{indicator id: {period key: target}} in one query."""
    out: dict[int, dict[str, Decimal]] = {i.pk: {} for i in indicators}
    rows = IndicatorTarget.objects.filter(indicator_id__in=list(out)).values_list("indicator_id", "period", "value")
    for indicator_id, period, value in rows:
        out[indicator_id][period] = value
    return out


def cards_for(indicators, *, framework, as_of: dt.date) -> list[IndicatorCard]:
    """The cards of indicators of one framework: values in one query (plus one per feedback form),
    targets in one."""
    indicators = list(indicators)
    for i in indicators:
        i.framework = framework  # spare a query per indicator
    periods = framework_periods(framework)
    values = values_for(indicators, periods)
    targets = targets_for(indicators)
    return [indicator_card(i, values[i.pk], targets[i.pk], as_of=as_of, periods=periods) for i in indicators]


# --- the scorecard ---------------------------------------------------------------------------------

def count_statuses(cards) -> dict[str, int]:
    c = Counter(card.status for card in cards)
    return {s: c.get(s, 0) for s in STATUSES}


def _counts_sentence(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return _("No indicator yet.")
    return ngettext(
        "%(total)s indicator: %(on)s on track, %(risk)s at risk, %(off)s off track, %(none)s with no data.",
        "%(total)s indicators: %(on)s on track, %(risk)s at risk, %(off)s off track, %(none)s with no data.",
        total) % {"total": total, "on": counts[ON_TRACK], "risk": counts[AT_RISK], "off": counts[OFF_TRACK],
                  "none": counts[NO_DATA]}


@dataclass
class OutcomeGroup:
    outcome: Outcome
    cards: list[IndicatorCard]
    counts: dict[str, int]


@dataclass
class BottomLine:
    key: str
    label: str
    is_process: bool
    counts: dict[str, int]
    total: int
    sentence: str


@dataclass
class QuestionAnswer:
    key: str
    label: str
    answer: str  # "yes", "no", "mixed", "unknown"
    answer_label: str
    counts: dict[str, int]
    total: int
    improving: int
    worsening: int
    from_citizens: int
    sentence: str


@dataclass
class Scorecard:
    framework: object
    as_of: dt.date
    cards: list[IndicatorCard]
    by_outcome: list[OutcomeGroup]
    bottom_lines: list[BottomLine]
    questions: list[QuestionAnswer]
    counts: dict[str, int]
    outcome: Outcome | None = None
    organisation: object = None
    reporting_partners: list = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        return _counts_sentence(self.counts)


def _bottom_lines(cards) -> list[BottomLine]:
    out = []
    for serves in [*BOTTOM_LINES, *PROCESS_OUTCOMES]:
        mine = [c for c in cards if c.indicator.serves == serves]
        counts = count_statuses(mine)
        out.append(BottomLine(key=str(serves.value), label=str(serves.label), is_process=serves in PROCESS_OUTCOMES,
                              counts=counts, total=len(mine),
                              sentence=_counts_sentence(counts) if mine else _("No indicator serves this yet.")))
    return out


def _question(question, cards) -> QuestionAnswer:
    mine = [c for c in cards if c.indicator.question == question]
    counts = count_statuses(mine)
    improving = sum(1 for c in mine if c.trend == IMPROVING)
    worsening = sum(1 for c in mine if c.trend == WORSENING)
    citizens = sum(1 for c in mine if c.indicator.feedback_channel_id)
    good, bad = counts[ON_TRACK] + improving, counts[OFF_TRACK] + worsening
    judged = len(mine) - counts[NO_DATA]
    if not mine or (not judged and not improving and not worsening):
        answer = "unknown"
    elif good > bad:
        answer = "yes"
    elif bad > good:
        answer = "no"
    else:
        answer = "mixed"
    labels = {"yes": _("Yes, mostly"), "no": _("Not yet"), "mixed": _("Mixed"), "unknown": _("Not known yet")}
    if not mine:
        sentence = _("No indicator answers this question yet.")
    else:
        sentence = ngettext(
            "%(answer)s: of %(total)s indicator, %(improving)s improving and %(worsening)s getting worse; "
            "%(on)s on track, %(risk)s at risk, %(off)s off track, %(none)s with no data.",
            "%(answer)s: of %(total)s indicators, %(improving)s improving and %(worsening)s getting worse; "
            "%(on)s on track, %(risk)s at risk, %(off)s off track, %(none)s with no data.", len(mine)) % {
            "answer": labels[answer], "total": len(mine), "improving": improving, "worsening": worsening,
            "on": counts[ON_TRACK], "risk": counts[AT_RISK], "off": counts[OFF_TRACK], "none": counts[NO_DATA]}
        if citizens:
            sentence += " " + ngettext("%(n)s of them comes from citizen feedback.",
                                       "%(n)s of them come from citizen feedback.", citizens) % {"n": citizens}
    return QuestionAnswer(key=str(question.value), label=str(question.label), answer=answer,
                          answer_label=labels[answer], counts=counts, total=len(mine), improving=improving,
                          worsening=worsening, from_citizens=citizens, sentence=sentence)


def _with_contributors(outcome: Outcome, outcomes: list[Outcome]) -> set[int]:
    """The outcome and every step that contributes to it, however indirectly."""
    children: dict[int | None, list[int]] = {}
    for o in outcomes:
        children.setdefault(o.contributes_to_id, []).append(o.pk)
    found, todo = set(), [outcome.pk]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found


def scorecard(*, framework, outcome=None, organisation=None, as_of: dt.date | None = None) -> Scorecard:
    """The scorecard of a framework, of one outcome (with the steps contributing to it) or of the
    indicators one partner reports. Constant queries: outcomes, indicators, values (one, plus one
    per citizen feedback form), targets."""
    as_of = as_of or timezone.localdate()
    outcomes = list(Outcome.objects.filter(framework=framework, retired_at__isnull=True).order_by("position", "id"))
    all_indicators = list(Indicator.objects.filter(framework=framework, retired_at__isnull=True)
                          .select_related("reporting_partner").order_by("position", "id"))
    by_pk = {o.pk: o for o in outcomes}
    reporting_partners = sorted({i.reporting_partner for i in all_indicators if i.reporting_partner_id},
                                key=lambda o: o.name)
    indicators = all_indicators
    if outcome is not None:
        keep = _with_contributors(outcome, outcomes)
        indicators = [i for i in indicators if i.outcome_id in keep]
    if organisation is not None:
        indicators = [i for i in indicators if i.reporting_partner_id == organisation.pk]
    for i in indicators:
        if i.outcome_id in by_pk:
            i.outcome = by_pk[i.outcome_id]
    indicators = [i for i in indicators if i.outcome_id in by_pk]  # a retired outcome takes its indicators
    cards = cards_for(indicators, framework=framework, as_of=as_of)
    groups = []
    for o in outcomes:
        mine = [c for c in cards if c.indicator.outcome_id == o.pk]
        if mine:
            groups.append(OutcomeGroup(outcome=o, cards=mine, counts=count_statuses(mine)))
    return Scorecard(framework=framework, as_of=as_of, cards=cards, by_outcome=groups,
                     bottom_lines=_bottom_lines(cards), questions=[_question(q, cards) for q in Question],
                     counts=count_statuses(cards), outcome=outcome, organisation=organisation,
                     reporting_partners=reporting_partners, outcomes=outcomes)


# --- one indicator ---------------------------------------------------------------------------------

@dataclass
class SeriesRow:
    period: Period
    value: Decimal | None
    target: Decimal | None
    status: str
    measurement: Measurement | None  # the current measurement (None for citizen feedback or no value)
    due: bool

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def corrected(self) -> bool:
        return bool(self.measurement is not None and self.measurement.replaces_id)


@dataclass
class IndicatorPage:
    indicator: Indicator
    card: IndicatorCard
    rows: list[SeriesRow]
    chart: dict


def indicator_get(*, pk: int) -> Indicator:
    return (Indicator.objects.select_related("framework__partnership", "outcome", "reporting_partner",
                                             "feedback_channel").get(pk=pk))


def indicator_page(indicator, *, as_of: dt.date | None = None) -> IndicatorPage:
    """The card, one row per period (value, target, status, who reported it, corrected or not)
    and the chart's data."""
    as_of = as_of or timezone.localdate()
    framework = indicator.framework
    card = cards_for([indicator], framework=framework, as_of=as_of)[0]
    current = {m.period: m for m in Measurement.objects.filter(indicator=indicator, is_current=True)
               .select_related("reported_for")}
    due_by = as_of - dt.timedelta(days=framework.reporting_days)
    rows = [SeriesRow(period=p.period, value=p.value, target=p.target,
                      status=period_status(indicator, p.value, p.target) if p.period.start <= as_of else NO_DATA,
                      measurement=current.get(p.period.key), due=p.period.end <= due_by) for p in card.series]
    return IndicatorPage(indicator=indicator, card=card, rows=rows, chart=chart_data(card))


def chart_data(card: IndicatorCard) -> dict:
    """What charts.js draws: labels, values and targets (numbers or null)."""
    def num(v):
        return float(v) if v is not None else None

    return {"name": card.indicator.name, "unit": card.indicator.unit,
            "labels": [p.period.label for p in card.series],
            "values": [num(p.value) for p in card.series],
            "targets": [num(p.target) for p in card.series],
            "text": {"value": _("Value"), "target": _("Target")}}
