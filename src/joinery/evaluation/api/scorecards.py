"""API: scorecards, an indicator's series and thread, and the indicators a commitment serves.

Read-only, and the same selectors as the web pages, so the statuses, trends and sentences agree
(see `evaluation.selectors.scorecards` for the status rule). Values are returned as strings
("120", "8.5"); a missing period is null, never zero. Whoever may see the partnership may read;
a private partnership answers 404 to anyone else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from joinery.agreements.selectors import can_see_agreement
from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
    Id,
    IdPath,
    SlugPath,
    Text,
    bounded_date,
    organisation_by_slug,
    visible_partnership,
)
from joinery.api.errors import ERROR_RESPONSES
from joinery.core.exceptions import ValidationError
from joinery.network.api import OrganisationBrief

from ..models import Framework, Indicator, Outcome
from ..selectors import scorecards as selectors
from ..selectors import thread as threads

router = Router(tags=["Evaluation"])


#: A date between 1900 and 2200.
Date = bounded_date(1900, 2200)


def _num(value) -> str | None:
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


# --- schemas -------------------------------------------------------------------------------

class IndicatorBrief(Schema):
    id: int
    code: str
    name: str
    unit: str
    direction: str
    serves: str
    question: str
    outcome_id: int
    reporting_partner: OrganisationBrief | None
    fed_by_citizen_feedback: bool

    @staticmethod
    def resolve_fed_by_citizen_feedback(obj) -> bool:
        return obj.fed_by_feedback


class PointOut(Schema):
    period: str = Field(description="The period key: 2025-07, 2025-Q3 or 2025.")
    label: str = Field(description="The period in words, in the language of the request.")
    value: str | None = Field(description="null when no value was reported (never zero).")
    target: str | None


class CardOut(Schema):
    indicator: IndicatorBrief
    period: str | None = Field(description="The latest period due (or with a value) by `as_of`; null if none.")
    period_label: str | None
    value: str | None
    target: str | None
    baseline: str | None
    previous: str | None = Field(description="The value of the previous period that has one.")
    previous_period: str | None
    status: str = Field(description="on_track, at_risk, off_track or no_data.")
    trend: str = Field(description="improving, worsening, steady or unknown.")
    gap_percent: str | None = Field(description="How far from the target, in % of it; positive is better.")
    sentence: str


class CountsOut(Schema):
    on_track: int
    at_risk: int
    off_track: int
    no_data: int


class BottomLineOut(Schema):
    key: str
    label: str
    is_process_outcome: bool
    total: int
    counts: CountsOut
    sentence: str


class QuestionOut(Schema):
    key: str
    question: str
    answer: str = Field(description="yes, no, mixed or unknown.")
    total: int
    improving: int
    worsening: int
    from_citizen_feedback: int
    counts: CountsOut
    sentence: str


class OutcomeGroupOut(Schema):
    outcome_id: int
    level: str
    title: str
    counts: CountsOut
    indicator_ids: list[int]


class ScorecardOut(Schema):
    framework_id: int
    framework_status: str
    as_of: dt.date
    outcome_id: int | None
    partner: OrganisationBrief | None
    sentence: str
    counts: CountsOut
    bottom_lines: list[BottomLineOut]
    questions: list[QuestionOut]
    by_outcome: list[OutcomeGroupOut]
    cards: list[CardOut]


class SeriesRowOut(PointOut):
    status: str
    due: bool = Field(description="Whether the period's values were due by `as_of`.")
    measurement_id: int | None = Field(description="The current measurement (null for citizen feedback).")
    reported_by: OrganisationBrief | None
    corrected: bool


class SeriesOut(Schema):
    card: CardOut
    chart_sentence: str
    series: list[SeriesRowOut]


class ServedCommitmentBrief(Schema):
    id: int
    agreement_id: int
    agreement_title: str
    party: OrganisationBrief
    kind: str
    description: str
    quantity: str
    unit: str
    period_start: dt.date
    period_end: dt.date


class WorkItemBrief(Schema):
    id: int
    kind: str
    title: str
    status: str
    owner: OrganisationBrief
    due_date: dt.date | None


class MoneyOut(Schema):
    currency: str
    value: str


class CreditOut(Schema):
    name: str
    organisation: OrganisationBrief | None = Field(description="null for citizens giving their own time.")
    values: list[MoneyOut]
    hours: str
    count: int
    unvalued: int


class ThreadOut(Schema):
    indicator: IndicatorBrief
    commitments: list[ServedCommitmentBrief]
    work_items: list[WorkItemBrief]
    contribution_count: int
    unvalued: int
    totals: list[MoneyOut]
    credits: list[CreditOut]
    baseline: str | None
    latest_value: str | None
    latest_period: str | None
    improvement: str | None = Field(description="Latest value minus the baseline, in the good direction.")
    cost_per_unit: str | None
    cost_currency: str
    cost_sentence: str


class CommitmentIndicatorsOut(Schema):
    commitment: ServedCommitmentBrief
    as_of: dt.date
    sentence: str
    work_items: list[WorkItemBrief]
    totals: list[MoneyOut]
    credits: list[CreditOut]
    cards: list[CardOut]


# --- converting ----------------------------------------------------------------------------

def _card(c: selectors.IndicatorCard) -> dict:
    return {"indicator": c.indicator, "period": c.period.key if c.period else None,
            "period_label": c.period.label if c.period else None, "value": _num(c.value), "target": _num(c.target),
            "baseline": _num(c.baseline), "previous": _num(c.previous),
            "previous_period": c.previous_period.key if c.previous_period else None, "status": c.status,
            "trend": c.trend, "gap_percent": _num(c.gap_percent), "sentence": c.sentence}


def _money(values) -> list[dict]:
    return [{"currency": v["currency"], "value": format(v["value"], "f")} for v in values]


def _credits(credits) -> list[dict]:
    return [{"name": c.name, "organisation": c.organisation, "values": _money(c.values), "hours": _num(c.hours),
             "count": c.count, "unvalued": c.unvalued} for c in credits]


def _commitment(c) -> dict:
    return {"id": c.pk, "agreement_id": c.agreement_id, "agreement_title": c.agreement.title, "party": c.party,
            "kind": c.kind, "description": c.description, "quantity": _num(c.quantity), "unit": c.unit,
            "period_start": c.period_start, "period_end": c.period_end}


def _indicator(person, pk: int) -> Indicator:
    try:
        i = selectors.indicator_get(pk=pk)
    except Indicator.DoesNotExist as exc:
        raise Http404 from exc
    if not person.has_perm("network.see_scorecards", i.framework.partnership):
        raise Http404
    return i


# --- endpoints -----------------------------------------------------------------------------

@router.get("/partnerships/{slug}/evaluation/scorecard", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: ScorecardOut, **ERROR_RESPONSES}, summary="A partnership's scorecard")
def scorecard(request, slug: SlugPath, outcome: Id | None = None,
              partner: Annotated[Text, Field(max_length=80)] | None = None, as_of: Date | None = None):
    """Every live indicator's latest value due by `as_of` (default today) against its target, with
    status, trend and sentence; counts by status, the four bottom lines and the three questions.
    `outcome` (an outcome id) keeps that outcome and the steps contributing to it; `partner` (an
    organisation's short name) keeps the indicators it reports."""
    p = visible_partnership(request.auth, slug, "scorecards")
    f = Framework.objects.filter(partnership=p).first()
    if f is None:
        raise Http404
    o = None
    if outcome is not None:
        o = Outcome.objects.filter(pk=outcome, framework=f, retired_at__isnull=True).first()
        if o is None:
            raise ValidationError({"outcome": _("No live outcome of this framework has this id.")})
    org = organisation_by_slug(partner, field="partner") if partner else None
    s = selectors.scorecard(framework=f, outcome=o, organisation=org, as_of=as_of or timezone.localdate())
    return {
        "framework_id": f.pk, "framework_status": f.status, "as_of": s.as_of, "outcome_id": o.pk if o else None,
        "partner": org, "sentence": s.sentence, "counts": s.counts,
        "bottom_lines": [{"key": b.key, "label": b.label, "is_process_outcome": b.is_process, "total": b.total,
                          "counts": b.counts, "sentence": b.sentence} for b in s.bottom_lines],
        "questions": [{"key": q.key, "question": q.label, "answer": q.answer, "total": q.total,
                       "improving": q.improving, "worsening": q.worsening, "from_citizen_feedback": q.from_citizens,
                       "counts": q.counts, "sentence": q.sentence} for q in s.questions],
        "by_outcome": [{"outcome_id": g.outcome.pk, "level": g.outcome.level, "title": g.outcome.title,
                        "counts": g.counts, "indicator_ids": [c.indicator.pk for c in g.cards]}
                       for g in s.by_outcome],
        "cards": [_card(c) for c in s.cards],
    }


@router.get("/evaluation/indicators/{id}/series", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: SeriesOut, **ERROR_RESPONSES}, summary="An indicator's values and targets by period")
def indicator_series(request, id: IdPath, as_of: Date | None = None):  # noqa: A002 (the path's name)
    """Every period of the framework: value (null if missing), target, status, who reported it and
    whether it was corrected; with the indicator's card as of `as_of` (default today)."""
    i = _indicator(request.auth, id)
    page = selectors.indicator_page(i, as_of=as_of or timezone.localdate())
    return {"card": _card(page.card), "chart_sentence": page.card.chart_sentence, "series": [
        {"period": r.period.key, "label": r.period.label, "value": _num(r.value), "target": _num(r.target),
         "status": r.status, "due": r.due, "measurement_id": r.measurement.pk if r.measurement else None,
         "reported_by": r.measurement.reported_for if r.measurement else None, "corrected": r.corrected}
        for r in page.rows]}


@router.get("/evaluation/indicators/{id}/thread", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: ThreadOut, **ERROR_RESPONSES}, summary="From agreement to result, for one indicator")
def indicator_thread(request, id: IdPath):  # noqa: A002
    """The commitments the indicator serves, the work it depends on, the current contributions toward
    them with each contributor's credit, and the cost per unit of improvement when both are known."""
    i = _indicator(request.auth, id)
    t = threads.indicator_thread(i)
    return {
        "indicator": i, "commitments": [_commitment(c) for c in t.commitments],
        "work_items": t.work_items, "contribution_count": t.contribution_count, "unvalued": t.unvalued,
        "totals": _money(t.totals), "credits": _credits(t.credits), "baseline": _num(t.baseline),
        "latest_value": _num(t.latest_value), "latest_period": t.latest_period.key if t.latest_period else None,
        "improvement": _num(t.improvement), "cost_per_unit": _num(t.cost_per_unit),
        "cost_currency": t.cost_currency, "cost_sentence": t.cost_sentence,
    }


@router.get("/evaluation/commitments/{id}/indicators", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: CommitmentIndicatorsOut, **ERROR_RESPONSES},
            summary="The indicators a commitment serves")
def commitment_indicators(request, id: IdPath, as_of: Date | None = None):  # noqa: A002
    """The indicators serving the commitment directly or through a work item that fulfils it, with
    their cards as of `as_of` (default today), and what was contributed against the commitment."""
    try:
        c = threads.commitment_get(pk=id)
    except threads.Commitment.DoesNotExist as exc:
        raise Http404 from exc
    # A commitment's results show where both its agreement and the scorecards do.
    if not (request.auth.has_perm("network.see_scorecards", c.agreement.partnership)
            and can_see_agreement(person=request.auth, agreement=c.agreement)):
        raise Http404
    t = threads.commitment_thread(c, as_of=as_of or timezone.localdate())
    return {"commitment": _commitment(c), "as_of": t.as_of, "sentence": t.sentence, "work_items": t.work_items,
            "totals": _money(t.totals), "credits": _credits(t.credits), "cards": [_card(x) for x in t.cards]}
