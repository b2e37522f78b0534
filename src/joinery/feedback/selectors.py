"""Reads of citizen feedback."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .models import FeedbackTally

FOUR_PLACES = Decimal("0.0001")


def measure_by_period(channel_id: int, measures: set[str], periods) -> dict[str, dict[str, Decimal]]:
    """{period key: {measure: value}} for one feedback form, from the monthly tallies (one query).

    Measures (see `evaluation.models.FeedbackMeasure`): "going" and "feeling" are the mean
    rating (1 to 5) of the visible responses; "better_share" is the percentage saying it is
    getting better among those who said better, the same or worse ("I don't know" is left
    out); "responses" is the count. A period with no responses has no value.
    """
    periods = list(periods)
    if not periods:
        return {}
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = FeedbackTally.objects.filter(channel_id=channel_id, month__gte=first.replace(day=1), month__lte=last)
    for t in rows:
        for p in periods:
            if p.start <= t.month <= p.end:
                s = sums[p.key]
                for field in ("responses", "going_sum", "feeling_sum", "better", "same", "worse"):
                    s[field] += getattr(t, field)
    out: dict[str, dict[str, Decimal]] = {}
    for key, s in sums.items():
        if not s["responses"]:
            continue
        values: dict[str, Decimal] = {}
        n = Decimal(s["responses"])
        if "responses" in measures:
            values["responses"] = n
        if "going" in measures:
            values["going"] = (Decimal(s["going_sum"]) / n).quantize(FOUR_PLACES)
        if "feeling" in measures:
            values["feeling"] = (Decimal(s["feeling_sum"]) / n).quantize(FOUR_PLACES)
        answered = s["better"] + s["same"] + s["worse"]
        if "better_share" in measures and answered:
            values["better_share"] = (Decimal(100 * s["better"]) / answered).quantize(FOUR_PLACES)
        out[key] = values
    return out
