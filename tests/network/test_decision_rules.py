"""Property-based tests of the charter decision rules (docs/decision-rules.md).

`compute_outcome` is a pure function, so these run without a database and
hypothesis can try thousands of combinations of positions.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinery.network.decision_rules import (
    DecisionRule,
    Outcome,
    PositionInput,
    Stance,
    allowed_stances,
    compute_outcome,
)

SUPPORT = {Stance.AGREE, Stance.RESERVATIONS}
AGAINST = {Stance.OBJECT, Stance.BLOCK}
reasons = st.sampled_from(["", "   ", "It would cut the food bank's opening hours."])


def positions_for(stances):
    return st.lists(st.builds(PositionInput, stance=st.sampled_from(sorted(stances)), reason=reasons),
                    max_size=12)


@st.composite
def ballots(draw, rule: str, stances=None):
    """Positions allowed under `rule`, and a number of participants at least as large."""
    positions = draw(positions_for(stances or allowed_stances(rule)))
    participants = len(positions) + draw(st.integers(min_value=0, max_value=5))
    return participants, positions


def count(positions, *stances):
    return sum(1 for p in positions if p.stance in stances)


# --- which positions each rule offers --------------------------------------------------------

def test_block_is_offered_only_under_consensus_and_consent():
    assert Stance.BLOCK in allowed_stances(DecisionRule.CONSENSUS)
    assert Stance.BLOCK in allowed_stances(DecisionRule.CONSENT)
    assert Stance.BLOCK not in allowed_stances(DecisionRule.MAJORITY)
    assert Stance.BLOCK not in allowed_stances(DecisionRule.LEAD)
    for rule in DecisionRule.values:
        assert {Stance.AGREE, Stance.RESERVATIONS, Stance.STAND_ASIDE, Stance.OBJECT} <= set(allowed_stances(rule))


# --- consensus -----------------------------------------------------------------------------

@given(ballots(DecisionRule.CONSENSUS))
def test_consensus_fails_on_any_objection_or_block(ballot):
    participants, positions = ballot
    result = compute_outcome(rule=DecisionRule.CONSENSUS, participants=participants, positions=positions)
    if count(positions, Stance.BLOCK):
        assert result.outcome == Outcome.BLOCKED
    elif count(positions, Stance.OBJECT):
        assert result.outcome == Outcome.NOT_CARRIED


@given(ballots(DecisionRule.CONSENSUS))
def test_consensus_carried_iff_everyone_responded_nobody_objected_and_someone_agreed(ballot):
    participants, positions = ballot
    result = compute_outcome(rule=DecisionRule.CONSENSUS, participants=participants, positions=positions)
    everyone_responded = len(positions) == participants
    no_objection = not count(positions, *AGAINST)
    someone_agreed = count(positions, *SUPPORT) >= 1
    assert (result.outcome == Outcome.CARRIED) == (everyone_responded and no_objection and someone_agreed)


@given(st.integers(min_value=1, max_value=10))
def test_consensus_where_everyone_stood_aside_is_not_carried(n):
    result = compute_outcome(rule=DecisionRule.CONSENSUS, participants=n,
                             positions=[PositionInput(Stance.STAND_ASIDE)] * n)
    assert result.outcome == Outcome.NOT_CARRIED


# --- consent -------------------------------------------------------------------------------

@given(ballots(DecisionRule.CONSENT))
def test_consent_fails_only_on_a_reasoned_objection_or_a_block(ballot):
    participants, positions = ballot
    result = compute_outcome(rule=DecisionRule.CONSENT, participants=participants, positions=positions)
    blocked = any(p.stance == Stance.BLOCK for p in positions)
    reasoned_objection = any(p.stance == Stance.OBJECT and p.reason.strip() for p in positions)
    if blocked:
        assert result.outcome == Outcome.BLOCKED
    elif reasoned_objection:
        assert result.outcome == Outcome.NOT_CARRIED
    else:
        # Silence and objections without a reason do not stop a consent decision.
        assert result.outcome == Outcome.CARRIED


@given(st.integers(min_value=0, max_value=10))
def test_consent_is_given_by_silence(participants):
    result = compute_outcome(rule=DecisionRule.CONSENT, participants=participants, positions=[])
    assert result.outcome == Outcome.CARRIED
    assert result.silent == participants


# --- majority with quorum ------------------------------------------------------------------

@given(ballots(DecisionRule.MAJORITY), st.integers(min_value=1, max_value=15))
def test_majority_needs_quorum_then_more_support_than_opposition(ballot, quorum):
    participants, positions = ballot
    result = compute_outcome(rule=DecisionRule.MAJORITY, participants=participants, positions=positions,
                             quorum=quorum)
    if len(positions) < quorum:
        assert result.outcome == Outcome.NO_QUORUM
    else:
        support, against = count(positions, *SUPPORT), count(positions, *AGAINST)
        assert result.outcome == (Outcome.CARRIED if support > against else Outcome.NOT_CARRIED)


@given(ballots(DecisionRule.MAJORITY), st.integers(min_value=1, max_value=15))
def test_majority_quorum_counts_positions_taken_not_partners_asked(ballot, quorum):
    """Standing aside counts towards quorum; silence does not."""
    participants, positions = ballot
    with_silence = compute_outcome(rule=DecisionRule.MAJORITY, participants=participants + 20,
                                   positions=positions, quorum=quorum)
    without = compute_outcome(rule=DecisionRule.MAJORITY, participants=participants, positions=positions,
                              quorum=quorum)
    assert with_silence.outcome == without.outcome
    stand_asides = positions + [PositionInput(Stance.STAND_ASIDE)] * quorum
    assert compute_outcome(rule=DecisionRule.MAJORITY, participants=len(stand_asides), positions=stand_asides,
                           quorum=quorum).outcome != Outcome.NO_QUORUM


@given(ballots(DecisionRule.MAJORITY), st.randoms())
def test_majority_outcome_does_not_depend_on_the_order_positions_came_in(ballot, rnd):
    participants, positions = ballot
    shuffled = list(positions)
    rnd.shuffle(shuffled)
    first = compute_outcome(rule=DecisionRule.MAJORITY, participants=participants, positions=positions, quorum=2)
    second = compute_outcome(rule=DecisionRule.MAJORITY, participants=participants, positions=shuffled, quorum=2)
    assert first == second


def test_majority_tie_is_not_carried():
    positions = [PositionInput(Stance.AGREE), PositionInput(Stance.OBJECT, "too costly")]
    result = compute_outcome(rule=DecisionRule.MAJORITY, participants=2, positions=positions, quorum=2)
    assert result.outcome == Outcome.NOT_CARRIED
    assert "1 for, 1 against" in result.explanation


# --- lead decides after consultation -------------------------------------------------------

@given(ballots(DecisionRule.LEAD), st.booleans(), st.sampled_from([None, True, False]))
def test_lead_decides_only_after_every_partner_was_asked_and_only_with_a_ruling(ballot, asked_all, ruling):
    participants, positions = ballot
    result = compute_outcome(rule=DecisionRule.LEAD, participants=participants, positions=positions,
                             asked_all=asked_all, lead_ruling=ruling)
    if not asked_all or ruling is None:
        assert result.outcome == Outcome.AWAITING_LEAD
    else:
        # The partners' positions inform the lead; the ruling alone decides.
        assert result.outcome == (Outcome.CARRIED if ruling else Outcome.NOT_CARRIED)


# --- every rule ----------------------------------------------------------------------------

@given(st.sampled_from(DecisionRule.values).flatmap(
    lambda rule: st.tuples(st.just(rule), ballots(rule), st.sampled_from([None, True, False]))))
def test_tally_accounts_for_every_participant_exactly_once(case):
    rule, (participants, positions), ruling = case
    result = compute_outcome(rule=rule, participants=participants, positions=positions, quorum=3,
                             lead_ruling=ruling)
    assert (result.agree + result.reservations + result.stand_aside + result.object + result.block
            + result.silent) == participants
    assert result.silent == participants - len(positions)
    assert result.outcome in Outcome.values
    assert result.explanation.strip()


@given(st.sampled_from([DecisionRule.CONSENSUS, DecisionRule.CONSENT]).flatmap(
    lambda rule: st.tuples(st.just(rule), ballots(rule))))
def test_one_block_is_enough_to_block_under_consensus_and_consent(case):
    rule, (participants, positions) = case
    positions = [*positions, PositionInput(Stance.BLOCK, "Breaks our funding conditions.")]
    result = compute_outcome(rule=rule, participants=participants + 1, positions=positions)
    assert result.outcome == Outcome.BLOCKED


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError):
        compute_outcome(rule="coin_toss", participants=1, positions=[])
