"""Reads of citizen feedback."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Subquery, Sum
from django.db.models.functions import Coalesce

from .models import FeedbackChannel, FeedbackResponse, FeedbackTally

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


# --- pages and API ---------------------------------------------------------------------------

PAGE_SIZE = 50


def channel_get(*, pk: int) -> FeedbackChannel:
    return FeedbackChannel.objects.select_related("partnership", "programme", "created_by").get(pk=pk)


def channel_by_slug(*, slug: str) -> FeedbackChannel:
    return FeedbackChannel.objects.select_related("partnership", "programme").get(slug=slug)


def channels(*, partnership) -> list[FeedbackChannel]:
    """The partnership's feedback forms, each with `response_count` (visible responses) summed from the
    monthly tallies in the same query: never a COUNT over the responses."""
    return list(FeedbackChannel.objects.filter(partnership=partnership).select_related("programme")
                .annotate(response_count=Coalesce(Sum("tallies__responses"), 0)).order_by("title", "id"))


def responses_page(*, channel, before: int | None = None, limit: int = PAGE_SIZE,
                   include_hidden: bool = True) -> tuple[list[FeedbackResponse], int | None]:
    """One page of a form's responses, newest first, and the id to ask for the next page with (or None).

    Keyset paging on (submitted_at, id) — `before` is the last id of the previous page — so a form
    with a million responses pages as fast at the end as at the start, with no COUNT.
    """
    qs = FeedbackResponse.objects.filter(channel=channel)
    if not include_hidden:
        qs = qs.filter(hidden_at__isnull=True)
    if before is not None:
        anchor = FeedbackResponse.objects.filter(pk=before, channel=channel).values("submitted_at")[:1]
        qs = qs.filter(Q(submitted_at__lt=Subquery(anchor)) | Q(submitted_at=Subquery(anchor), id__lt=before))
    rows = list(qs.select_related("hidden_by").order_by("-submitted_at", "-id")[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more and rows else None)


def _means(responses: int, going_sum: int, feeling_sum: int, better: int, same: int, worse: int) -> dict:
    n = Decimal(responses)
    answered = better + same + worse
    return {
        "responses": responses,
        "going": (Decimal(going_sum) / n).quantize(FOUR_PLACES) if responses else None,
        "feeling": (Decimal(feeling_sum) / n).quantize(FOUR_PLACES) if responses else None,
        # The same share as the indicators read ("I don't know" left out).
        "better_share": (Decimal(100 * better) / answered).quantize(FOUR_PLACES) if answered else None,
    }


def channel_summary(*, channel) -> dict:
    """The visible responses of a form, in total and by month (newest first), from the tallies (one query).

    Each row: month (a date, the 1st), responses, going and feeling (mean 1–5), better_share (% saying it is
    getting better among better/same/worse), and the four trend counts.
    """
    fields = ("responses", "going_sum", "feeling_sum", "better", "same", "worse", "unsure")
    total = dict.fromkeys(fields, 0)
    months = []
    for t in FeedbackTally.objects.filter(channel=channel, responses__gt=0).order_by("-month"):
        for f in fields:
            total[f] += getattr(t, f)
        row = _means(t.responses, t.going_sum, t.feeling_sum, t.better, t.same, t.worse)
        row.update(month=t.month, better=t.better, same=t.same, worse=t.worse, unsure=t.unsure)
        months.append(row)
    overall = _means(total["responses"], total["going_sum"], total["feeling_sum"], total["better"], total["same"],
                     total["worse"])
    overall.update(better=total["better"], same=total["same"], worse=total["worse"], unsure=total["unsure"])
    return {"total": overall, "months": months}


def programmes(*, partnership) -> list:
    from joinery.programme.models import WorkProgramme

    return list(WorkProgramme.objects.filter(partnership=partnership).order_by("title", "id"))
