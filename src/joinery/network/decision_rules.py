"""How a decision's outcome follows from the positions, under each charter rule.

Pure functions, no database: the semantics are documented in
docs/decision-rules.md and checked by property-based tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class DecisionRule(models.TextChoices):
    CONSENSUS = "consensus", gettext_lazy("Consensus")
    CONSENT = "consent", gettext_lazy("Consent")
    MAJORITY = "majority", gettext_lazy("Majority with quorum")
    LEAD = "lead", gettext_lazy("Lead decides after consultation")


class Stance(models.TextChoices):
    AGREE = "agree", gettext_lazy("Agree")
    RESERVATIONS = "reservations", gettext_lazy("Agree with reservations")
    STAND_ASIDE = "stand_aside", gettext_lazy("Stand aside")
    OBJECT = "object", gettext_lazy("Object")
    BLOCK = "block", gettext_lazy("Block")


class Outcome(models.TextChoices):
    CARRIED = "carried", gettext_lazy("Carried")
    NOT_CARRIED = "not_carried", gettext_lazy("Not carried")
    BLOCKED = "blocked", gettext_lazy("Blocked")
    NO_QUORUM = "no_quorum", gettext_lazy("No quorum")
    AWAITING_LEAD = "awaiting_lead", gettext_lazy("Awaiting the lead's decision")


# A block is a veto: only rules built on agreement of all allow it.
RULES_ALLOWING_BLOCK = {DecisionRule.CONSENSUS, DecisionRule.CONSENT}
STANCES_NEEDING_REASON = {Stance.OBJECT, Stance.BLOCK}


def allowed_stances(rule: str) -> list[str]:
    stances = [Stance.AGREE, Stance.RESERVATIONS, Stance.STAND_ASIDE, Stance.OBJECT]
    if rule in RULES_ALLOWING_BLOCK:
        stances.append(Stance.BLOCK)
    return [str(s) for s in stances]


@dataclass(frozen=True)
class PositionInput:
    stance: str
    reason: str = ""

    @property
    def reasoned(self) -> bool:
        return bool(self.reason.strip())


@dataclass(frozen=True)
class Result:
    outcome: str
    explanation: str
    agree: int
    reservations: int
    stand_aside: int
    object: int
    block: int
    silent: int


def compute_outcome(
    *,
    rule: str,
    participants: int,
    positions: list[PositionInput],
    quorum: int | None = None,
    asked_all: bool = True,
    lead_ruling: bool | None = None,
) -> Result:
    """The outcome of a decision with `participants` partners who took `positions`."""
    count = {s: 0 for s in Stance.values}
    for p in positions:
        count[p.stance] += 1
    silent = max(participants - len(positions), 0)
    tally = dict(
        agree=count[Stance.AGREE], reservations=count[Stance.RESERVATIONS],
        stand_aside=count[Stance.STAND_ASIDE], object=count[Stance.OBJECT],
        block=count[Stance.BLOCK], silent=silent,
    )
    support = count[Stance.AGREE] + count[Stance.RESERVATIONS]

    def result(outcome, explanation):
        return Result(outcome=str(outcome), explanation=str(explanation), **tally)

    if rule == DecisionRule.CONSENSUS:
        if count[Stance.BLOCK]:
            return result(Outcome.BLOCKED, _("A partner blocked the proposal."))
        if count[Stance.OBJECT]:
            return result(Outcome.NOT_CARRIED, _("Consensus fails on any objection."))
        if silent:
            return result(Outcome.NOT_CARRIED, _("Consensus needs a position from every partner; %(n)d did not respond.") % {"n": silent})
        if not support:
            return result(Outcome.NOT_CARRIED, _("No partner agreed: every partner stood aside."))
        return result(Outcome.CARRIED, _("Every partner agreed or stood aside, with no objection."))

    if rule == DecisionRule.CONSENT:
        if count[Stance.BLOCK]:
            return result(Outcome.BLOCKED, _("A partner blocked the proposal."))
        if any(p.stance == Stance.OBJECT and p.reasoned for p in positions):
            return result(Outcome.NOT_CARRIED, _("Consent fails on a reasoned objection."))
        return result(Outcome.CARRIED, _("No partner raised a reasoned objection."))

    if rule == DecisionRule.MAJORITY:
        needed = quorum or 1
        if len(positions) < needed:
            return result(Outcome.NO_QUORUM, _("%(n)d of %(q)d partners needed for quorum took a position.") % {"n": len(positions), "q": needed})
        against = count[Stance.OBJECT] + count[Stance.BLOCK]
        if support > against:
            return result(Outcome.CARRIED, _("A majority of those voting agreed (%(f)d for, %(a)d against).") % {"f": support, "a": against})
        return result(Outcome.NOT_CARRIED, _("No majority of those voting agreed (%(f)d for, %(a)d against).") % {"f": support, "a": against})

    if rule == DecisionRule.LEAD:
        if not asked_all:
            return result(Outcome.AWAITING_LEAD, _("The lead decides only after every partner has been asked."))
        if lead_ruling is None:
            return result(Outcome.AWAITING_LEAD, _("Consultation is over; the lead has not yet decided."))
        if lead_ruling:
            return result(Outcome.CARRIED, _("The lead agency decided to proceed after consulting every partner."))
        return result(Outcome.NOT_CARRIED, _("The lead agency decided not to proceed after consulting every partner."))

    raise ValueError(f"Unknown decision rule: {rule}")
