"""The thread from agreements to results: agreement → commitments → work → contributions → indicator.

From an indicator: the commitments it serves (with their agreement and party), the work items
it depends on, the contributions made toward those commitments or work items, each partner's
credit, and — when both are known — the cost per unit of improvement. From a commitment: the
indicators it serves, directly or through the work items that fulfil it, with their cards.

Only current contributions count: a withdrawn contribution (withdrawn by hand, or replaced by
a correction, which withdraws the row it replaces) is left out, as in the contributions ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.agreements.models import Commitment
from joinery.contributions.models import HOUR_KINDS, Contribution
from joinery.organisations.models import Organisation
from joinery.programme.models import WorkItem

from ..models import Indicator
from ..periods import Period
from .scorecards import IndicatorCard, cards_for, fmt, framework_periods
from .values import values_for

CENT = Decimal("0.01")
ZERO = Decimal(0)
RECENT = 20  # contributions listed on the page; the totals count them all


@dataclass
class Credit:
    """What one contributor put in toward the indicator's commitments and work."""

    name: str
    organisation: Organisation | None  # None: citizens giving their own time
    values: list[dict] = field(default_factory=list)  # [{"currency", "value"}], largest first
    hours: Decimal = ZERO
    count: int = 0
    unvalued: int = 0

    @property
    def is_citizens(self) -> bool:
        return self.organisation is None


@dataclass
class Thread:
    indicator: Indicator
    commitments: list[Commitment]
    work_items: list[WorkItem]
    contributions: list[Contribution]  # the most recent ones
    contribution_count: int
    credits: list[Credit]
    totals: list[dict]  # [{"currency", "value"}]
    unvalued: int
    baseline: Decimal | None
    latest_value: Decimal | None
    latest_period: Period | None
    improvement: Decimal | None
    cost_per_unit: Decimal | None
    cost_currency: str
    cost_sentence: str

    @property
    def agreements(self) -> list:
        """[(agreement, [commitments])] in the order the commitments come."""
        out: dict[int, tuple] = {}
        for c in self.commitments:
            out.setdefault(c.agreement_id, (c.agreement, []))[1].append(c)
        return list(out.values())


def _credits(contributions_qs) -> tuple[list[Credit], list[dict], int, int]:
    rows = (contributions_qs.order_by().values("organisation_id", "currency")
            .annotate(total=Sum("value"), n=Count("id"), hours=Sum("quantity", filter=Q(kind__in=HOUR_KINDS)),
                      unvalued=Count("id", filter=Q(value__isnull=True))))
    rows = list(rows)
    orgs = Organisation.objects.in_bulk([r["organisation_id"] for r in rows if r["organisation_id"]])
    credits: dict[int | None, Credit] = {}
    totals: dict[str, Decimal] = {}
    count = unvalued = 0
    for r in rows:
        org = orgs.get(r["organisation_id"])
        credit = credits.get(r["organisation_id"])
        if credit is None:
            credit = credits[r["organisation_id"]] = Credit(
                name=org.name if org else _("Citizens (volunteers)"), organisation=org)
        credit.count += r["n"]
        credit.unvalued += r["unvalued"]
        credit.hours += r["hours"] or ZERO
        count += r["n"]
        unvalued += r["unvalued"]
        if r["currency"] and r["total"] is not None:
            value = Decimal(r["total"]).quantize(CENT, ROUND_HALF_UP)
            credit.values.append({"currency": r["currency"], "value": value})
            totals[r["currency"]] = totals.get(r["currency"], ZERO) + value
    for c in credits.values():
        c.values.sort(key=lambda v: -v["value"])
    # Largest valued contributor first; citizens last, so they are never lost in the middle.
    ordered = sorted(credits.values(), key=lambda c: (c.is_citizens, -sum(v["value"] for v in c.values), c.name))
    total_list = sorted(({"currency": k, "value": v} for k, v in totals.items()), key=lambda v: -v["value"])
    return ordered, total_list, count, unvalued


def _cost(indicator, totals, improvement, latest_value) -> tuple[Decimal | None, str, str]:
    if not totals:
        return None, "", _("No valued contribution is linked to this indicator yet, so the cost per unit is not "
                           "known.")
    if len(totals) > 1:
        return None, "", _("The contributions are in more than one currency, so they are not added up into one "
                           "cost per unit.")
    if indicator.baseline is None:
        return None, "", _("The indicator has no baseline, so the improvement, and the cost per unit, are not "
                           "known.")
    if latest_value is None:
        return None, "", _("No value has been reported yet, so the improvement, and the cost per unit, are not "
                           "known.")
    if improvement <= 0:
        return None, "", _("There is no improvement on the baseline yet, so there is no cost per unit.")
    currency, total = totals[0]["currency"], totals[0]["value"]
    cost = (total / improvement).quantize(CENT, ROUND_HALF_UP)
    return cost, currency, _(
        "%(currency)s %(cost)s for each unit of improvement (%(unit)s): %(currency)s %(total)s contributed for "
        "an improvement of %(improvement)s %(unit)s on the baseline.") % {
        "currency": currency, "cost": fmt(cost), "unit": indicator.unit, "total": fmt(total),
        "improvement": fmt(improvement)}


def _contributions(*, commitment_ids, work_item_ids):
    if not commitment_ids and not work_item_ids:
        return Contribution.objects.none()
    return Contribution.objects.filter(Q(commitment_id__in=commitment_ids) | Q(work_item_id__in=work_item_ids),
                                       withdrawn_at__isnull=True)


def indicator_thread(indicator, *, values: dict[str, Decimal] | None = None) -> Thread:
    """Everything linked to one indicator, and what it cost per unit of improvement. `values` (its
    values by period key, when the caller already read them) spares reading them again."""
    commitments = list(indicator.commitments.filter(deleted_at__isnull=True)
                       .select_related("agreement", "party").order_by("agreement_id", "party__name", "id"))
    work_items = list(indicator.work_items.select_related("owner", "owner_person").order_by("programme_id",
                                                                                             "position", "id"))
    qs = _contributions(commitment_ids=[c.pk for c in commitments], work_item_ids=[w.pk for w in work_items])
    credits, totals, count, unvalued = _credits(qs)
    recent = list(qs.select_related("organisation", "person", "commitment", "work_item")
                  .order_by("-date", "-id")[:RECENT]) if count else []
    # The latest value reported, whatever the period: improvement is measured from the baseline.
    periods = framework_periods(indicator.framework)
    if values is None:
        values = values_for([indicator], periods)[indicator.pk]
    latest_period = next((p for p in reversed(periods) if p.key in values), None)
    latest_value = values[latest_period.key] if latest_period else None
    improvement = None
    if latest_value is not None and indicator.baseline is not None:
        improvement = latest_value - indicator.baseline if indicator.direction != "lower" \
            else indicator.baseline - latest_value
    cost, currency, sentence = _cost(indicator, totals, improvement, latest_value)
    return Thread(indicator=indicator, commitments=commitments, work_items=work_items, contributions=recent,
                  contribution_count=count, credits=credits, totals=totals, unvalued=unvalued,
                  baseline=indicator.baseline, latest_value=latest_value, latest_period=latest_period,
                  improvement=improvement, cost_per_unit=cost, cost_currency=currency, cost_sentence=sentence)


@dataclass
class CommitmentThread:
    commitment: Commitment
    cards: list[IndicatorCard]
    work_items: list[WorkItem]
    credits: list[Credit]
    totals: list[dict]
    contribution_count: int
    unvalued: int
    as_of: dt.date

    @property
    def sentence(self) -> str:
        if not self.cards:
            return _("No indicator of the evaluation framework serves this commitment yet.")
        from django.utils.translation import ngettext

        return ngettext("This commitment serves %(n)s indicator of the evaluation framework.",
                        "This commitment serves %(n)s indicators of the evaluation framework.",
                        len(self.cards)) % {"n": len(self.cards)}


def commitment_get(*, pk: int) -> Commitment:
    return (Commitment.objects.select_related("agreement__partnership", "party", "clause")
            .get(pk=pk, deleted_at__isnull=True))


def commitment_indicators(commitment):
    """The live indicators serving the commitment directly or through a work item that fulfils it."""
    return (Indicator.objects.filter(Q(commitments=commitment) | Q(work_items__commitments=commitment),
                                     retired_at__isnull=True)
            .select_related("framework", "outcome", "reporting_partner").distinct().order_by("framework_id",
                                                                                             "position", "id"))


def commitment_thread(commitment, *, as_of: dt.date | None = None) -> CommitmentThread:
    """The commitment, the work that fulfils it, what was contributed, and the indicators it serves."""
    as_of = as_of or timezone.localdate()
    indicators = list(commitment_indicators(commitment))
    cards: list[IndicatorCard] = []
    by_framework: dict[int, list] = {}
    for i in indicators:
        by_framework.setdefault(i.framework_id, []).append(i)
    for group in by_framework.values():
        cards.extend(cards_for(group, framework=group[0].framework, as_of=as_of))
    work_items = list(commitment.work_items.select_related("owner").order_by("programme_id", "position", "id"))
    qs = Contribution.objects.filter(commitment=commitment, withdrawn_at__isnull=True)
    credits, totals, count, unvalued = _credits(qs)
    return CommitmentThread(commitment=commitment, cards=cards, work_items=work_items, credits=credits,
                            totals=totals, contribution_count=count, unvalued=unvalued, as_of=as_of)
