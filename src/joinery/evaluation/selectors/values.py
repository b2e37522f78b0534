"""The value of each indicator in each period, from one dataset.

A partner-reported indicator's value for a period is its current measurement (corrections
replace, never add). An indicator fed by citizen feedback reads the feedback tallies for the
months of the period. Longer periods (a partner's yearly return from a quarterly framework)
are made by the indicator's aggregation: the sum, the mean of the periods reported, or the
latest period reported. Missing periods are never treated as zero: they are left out and
counted, so a report can say "3 of 4 quarters reported".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from ..models import Aggregation, Indicator, Measurement
from ..periods import Period

FOUR_PLACES = Decimal("0.0001")


def values_for(indicators, periods: list[Period] | None = None) -> dict[int, dict[str, Decimal]]:
    """{indicator id: {period key: value}} for the given indicators, in at most two queries
    (partners' measurements) plus one per feedback form.

    With `periods`, only those period keys; without, every period that has a value.
    """
    indicators = list(indicators)
    out: dict[int, dict[str, Decimal]] = {i.pk: {} for i in indicators}
    reported = [i.pk for i in indicators if not i.feedback_channel_id]
    if reported:
        rows = Measurement.objects.filter(indicator_id__in=reported, is_current=True)
        if periods is not None:
            rows = rows.filter(period__in=[p.key for p in periods])
        for indicator_id, period, value in rows.values_list("indicator_id", "period", "value"):
            out[indicator_id][period] = value
    fed = [i for i in indicators if i.feedback_channel_id]
    if fed:
        from joinery.feedback.selectors import measure_by_period

        by_channel: dict[int, list[Indicator]] = defaultdict(list)
        for i in fed:
            by_channel[i.feedback_channel_id].append(i)
        for channel_id, group in by_channel.items():
            wanted = periods if periods is not None else _framework_periods(group[0])
            measures = {i.feedback_measure for i in group}
            table = measure_by_period(channel_id, measures, wanted)
            for i in group:
                for key, values in table.items():
                    value = values.get(i.feedback_measure)
                    if value is not None:
                        out[i.pk][key] = value
    return out


def _framework_periods(indicator) -> list[Period]:
    from ..periods import periods_between

    f = indicator.framework
    return periods_between(f.period_kind, f.starts_on, f.ends_on)


@dataclass(frozen=True)
class Rollup:
    value: Decimal | None
    reported: int  # how many of the inner periods have a value
    expected: int  # how many inner periods there are

    @property
    def complete(self) -> bool:
        return self.reported == self.expected


def roll_up(aggregation: str, inner: list[Period], values: dict[str, Decimal]) -> Rollup:
    """One longer period's value from its inner periods' values (missing periods left out)."""
    present = [values[p.key] for p in inner if p.key in values]
    if not present:
        return Rollup(None, 0, len(inner))
    if aggregation == Aggregation.SUM:
        value = sum(present, Decimal(0))
    elif aggregation == Aggregation.MEAN:
        value = (sum(present, Decimal(0)) / len(present)).quantize(FOUR_PLACES)
    else:  # LAST: the latest inner period that has a value
        value = next(values[p.key] for p in reversed(inner) if p.key in values)
    return Rollup(value, len(present), len(inner))
