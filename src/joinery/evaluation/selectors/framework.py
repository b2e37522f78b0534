"""Reads of the framework: the logic model, indicators with their targets, snapshots and versions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch

from ..models import LOGIC_ORDER, Framework, FrameworkVersion, Indicator, IndicatorTarget, Outcome
from ..periods import periods_between


def _num(value) -> str | None:
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


def canonical_json(snapshot: dict) -> str:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_sha256(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def framework_for(partnership) -> Framework | None:
    return (Framework.objects.select_related("partnership", "adoption_decision", "created_by")
            .filter(partnership=partnership).first())


def framework_periods(framework) -> list:
    return periods_between(framework.period_kind, framework.starts_on, framework.ends_on)


def indicators_of(framework, *, include_retired: bool = False):
    qs = (Indicator.objects.filter(framework=framework)
          .select_related("outcome", "reporting_partner", "feedback_channel")
          .annotate(target_count=Count("targets", distinct=True)))
    if not include_retired:
        qs = qs.filter(retired_at__isnull=True)
    return qs.order_by("position", "id")


def outcomes_of(framework, *, include_retired: bool = False):
    qs = Outcome.objects.filter(framework=framework).select_related("contributes_to")
    if not include_retired:
        qs = qs.filter(retired_at__isnull=True)
    return qs.order_by("position", "id")


@dataclass
class Step:
    """One step of the logic model with its indicators, for the overview page."""

    outcome: Outcome
    indicators: list = field(default_factory=list)


@dataclass
class Level:
    level: str
    label: str
    steps: list[Step] = field(default_factory=list)


def logic_model(framework) -> list[Level]:
    """The active steps by level, in logic order (activities first), each with its active indicators.
    Three queries whatever the size."""
    from ..models import LogicLevel

    steps = {o.pk: Step(o) for o in outcomes_of(framework)}
    for i in indicators_of(framework):
        if i.outcome_id in steps:
            steps[i.outcome_id].indicators.append(i)
    levels = [Level(level=lv.value, label=LogicLevel(lv).label) for lv in LOGIC_ORDER]
    by_level = {lv.level: lv for lv in levels}
    for step in steps.values():
        by_level[step.outcome.level].steps.append(step)
    return levels


def framework_snapshot(framework) -> dict:
    """The whole framework as plain JSON data: settings, outcomes, indicators with targets and links.

    Only active outcomes and indicators: a version says what the framework is, retirements show
    as their absence. Ids and titles of linked items are kept so a version reads on its own.
    """
    outcomes = list(outcomes_of(framework))
    indicators = list(
        Indicator.objects.filter(framework=framework, retired_at__isnull=True)
        .select_related("outcome", "reporting_partner", "feedback_channel")
        .prefetch_related(Prefetch("targets", queryset=IndicatorTarget.objects.order_by("period")),
                          "work_items", "commitments")
        .order_by("position", "id"))
    return {
        "framework": {
            "id": framework.pk, "partnership": framework.partnership_id, "title": framework.title,
            "purpose": framework.purpose, "period_kind": framework.period_kind,
            "starts_on": framework.starts_on.isoformat(), "ends_on": framework.ends_on.isoformat(),
            "reporting_days": framework.reporting_days, "reminder_days": framework.reminder_days,
        },
        "outcomes": [
            {"id": o.pk, "level": o.level, "title": o.title, "description": o.description,
             "contributes_to": o.contributes_to_id, "position": o.position}
            for o in outcomes
        ],
        "indicators": [
            {
                "id": i.pk, "outcome": i.outcome_id, "code": i.code, "name": i.name, "definition": i.definition,
                "unit": i.unit, "value_type": i.value_type, "direction": i.direction, "aggregation": i.aggregation,
                "baseline": _num(i.baseline), "baseline_period": i.baseline_period, "data_source": i.data_source,
                "reporting_partner": ({"id": i.reporting_partner_id, "name": i.reporting_partner.name}
                                      if i.reporting_partner_id else None),
                "serves": i.serves, "question": i.question,
                "feedback_channel": ({"id": i.feedback_channel_id, "title": i.feedback_channel.title}
                                     if i.feedback_channel_id else None),
                "feedback_measure": i.feedback_measure, "position": i.position,
                "targets": {t.period: _num(t.value) for t in i.targets.all()},
                "work_items": sorted(({"id": w.pk, "title": w.title} for w in i.work_items.all()),
                                     key=lambda x: x["id"]),
                "commitments": sorted(({"id": c.pk, "title": c.description} for c in i.commitments.all()),
                                      key=lambda x: x["id"]),
            }
            for i in indicators
        ],
    }


def versions_of(framework):
    return FrameworkVersion.objects.filter(framework=framework).select_related("created_by", "decision") \
        .order_by("-number")


def version_of(framework, number: int) -> FrameworkVersion | None:
    return versions_of(framework).filter(number=number).first()


def readable_snapshot(snapshot: dict) -> dict:
    """A version's snapshot arranged for reading: steps by level, each with its indicators."""
    from ..models import (
        Aggregation,
        Direction,
        FeedbackMeasure,
        LogicLevel,
        Question,
        Serves,
        ValueType,
    )
    from ..periods import PeriodKind

    def label(choices, value):
        return choices(value).label if value in choices.values else value

    indicators_by_outcome: dict = {}
    for i in snapshot.get("indicators", []):
        # Codes as stored; labels in the reader's language beside them.
        i = dict(i, labels={"value_type": label(ValueType, i.get("value_type")),
                            "direction": label(Direction, i.get("direction")),
                            "aggregation": label(Aggregation, i.get("aggregation")),
                            "serves": label(Serves, i.get("serves")), "question": label(Question, i.get("question")),
                            "feedback_measure": label(FeedbackMeasure, i.get("feedback_measure"))})
        indicators_by_outcome.setdefault(i.get("outcome"), []).append(i)
    titles = {o["id"]: o["title"] for o in snapshot.get("outcomes", [])}
    levels = []
    for lv in LOGIC_ORDER:
        steps = [dict(o, contributes_to_title=titles.get(o.get("contributes_to")),
                      indicators=indicators_by_outcome.get(o["id"], []))
                 for o in snapshot.get("outcomes", []) if o.get("level") == lv.value]
        levels.append({"level": lv.value, "label": LogicLevel(lv).label, "steps": steps})
    settings = dict(snapshot.get("framework", {}))
    settings["period_kind_label"] = label(PeriodKind, settings.get("period_kind"))
    return {"framework": settings, "levels": levels}


def work_item_choices(partnership):
    """The partnership's work items grouped by kind (objectives, initiatives, milestones, tasks)."""
    from joinery.programme.models import ItemKind, WorkItem

    items = list(WorkItem.objects.filter(partnership=partnership).select_related("programme")
                 .order_by("programme__title", "id"))
    return [(ItemKind(kind).label, [w for w in items if w.kind == kind]) for kind in ItemKind.values]


def commitment_choices(partnership):
    from joinery.agreements.models import Commitment

    return list(Commitment.objects.filter(agreement__partnership=partnership)
                .select_related("agreement", "party").order_by("agreement__title", "id"))


def builder_orgs(*, person, partnership) -> list:
    """The active partners `person` represents (any role): those they may build the framework for."""
    from joinery.network.models import PartnerStatus
    from joinery.organisations.models import Organisation, Representative

    if not person.is_authenticated:
        return []
    mine = Representative.objects.current().filter(person=person).values("organisation_id")
    return list(Organisation.objects.filter(
        pk__in=mine, partnerships__partnership=partnership, partnerships__status=PartnerStatus.ACTIVE)
        .order_by("name").distinct())


def active_partners(partnership) -> list:
    from joinery.network.models import PartnerStatus
    from joinery.organisations.models import Organisation

    return list(Organisation.objects.filter(partnerships__partnership=partnership,
                                            partnerships__status=PartnerStatus.ACTIVE).order_by("name").distinct())


def feedback_channels(partnership) -> list:
    from joinery.feedback.models import FeedbackChannel

    return list(FeedbackChannel.objects.filter(partnership=partnership).order_by("title", "id"))


def open_adoption_decision(framework):
    """The open adoption decision of a proposed framework, if any."""
    from joinery.network.models import Decision, DecisionKind

    if framework.status != "proposed":
        return None
    return (Decision.objects.filter(partnership_id=framework.partnership_id, kind=DecisionKind.FRAMEWORK_ADOPTION,
                                    payload__framework=framework.pk).order_by("-id").first())
