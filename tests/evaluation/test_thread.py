"""The thread: from an indicator to the commitments, work and contributions behind it, and back from
a commitment to the indicators it serves. Totals and cost per unit are hand-computed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from joinery.contributions import services as contributions
from joinery.evaluation.selectors import thread as th
from tests.conftest import admin_of, make_person

from .scorecard_helpers import AS_OF, build_reported, link, report

D = dt.date


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def reported(adopted):
    return build_reported(adopted)


@pytest.fixture
def linked(reported):
    """meals serves the food bank's kitchen grant and depends on "Buy ovens"; contributions:

    food bank 1,000 CAD on the grant; 300 CAD on the grant, corrected to 400; 700 CAD withdrawn;
    food bank 500 CAD on the task; city 2,000 CAD on the task; a citizen's 10 volunteer hours on the
    task (valued at 20 CAD an hour: 200 CAD); the city's 9,999 CAD on its own core funding (not linked).
    Current and linked: 1,000 + 400 + 500 + 2,000 + 200 = 4,100 CAD."""
    w = reported.world
    w.rates()
    grant = w.commitment(w.charity)
    link(w, w.indicator("meals"), commitments=[grant], work_items=[w.work_task])
    w.record(w.charity, quantity=Decimal("1000"), commitment=grant)
    wrong = w.record(w.charity, quantity=Decimal("300"), commitment=grant)
    contributions.contribution_correct(actor=admin_of(w.charity), acting_for=w.charity, contribution=wrong,
                                       reason="Typo in the amount.", quantity=Decimal("400"))
    gone = w.record(w.charity, quantity=Decimal("700"), commitment=grant)
    contributions.contribution_withdraw(actor=admin_of(w.charity), acting_for=w.charity, contribution=gone,
                                        reason="Recorded twice.")
    w.record(w.charity, quantity=Decimal("500"), work_item=w.work_task)
    w.record(w.city, quantity=Decimal("2000"), work_item=w.work_task)
    w.record(w.charity, kind="volunteer_hours", quantity=Decimal("10"), unit="hours", currency="",
             work_kind="volunteer-general", person=make_person(name="Vera Volunteer"), work_item=w.work_task)
    w.record(w.city, quantity=Decimal("9999"), commitment=w.commitment(w.city))
    return reported


def test_indicator_thread_credits_each_partner_and_citizens(linked):
    w = linked.world
    t = th.indicator_thread(w.indicator("meals"))
    assert [c.pk for c in t.commitments] == [w.commitment(w.charity).pk]
    assert [(a.pk, [c.pk for c in cs]) for a, cs in t.agreements] == [(w._agreement.pk, [w.commitment(w.charity).pk])]
    assert [i.pk for i in t.work_items] == [w.work_task.pk]
    assert t.contribution_count == 5 and t.unvalued == 0
    assert t.totals == [{"currency": "CAD", "value": Decimal("4100.00")}]
    assert [(c.name, c.values, c.count) for c in t.credits] == [
        (w.city.name, [{"currency": "CAD", "value": Decimal("2000.00")}], 1),
        (w.charity.name, [{"currency": "CAD", "value": Decimal("1900.00")}], 3),
        ("Citizens (volunteers)", [{"currency": "CAD", "value": Decimal("200.00")}], 1),
    ]
    assert t.credits[-1].is_citizens and t.credits[-1].hours == 10
    assert len(t.contributions) == 5 and all(c.withdrawn_at is None for c in t.contributions)


def test_cost_per_unit_of_improvement(linked):
    w = linked.world
    # the latest value is Q4 2025's corrected 125: 25 meals above the baseline of 100 → 4,100 / 25 = 164 CAD
    t = th.indicator_thread(w.indicator("meals"))
    assert (t.latest_period.key, t.latest_value, t.improvement) == ("2025-Q4", 125, 25)
    assert (t.cost_per_unit, t.cost_currency) == (Decimal("164.00"), "CAD")
    assert t.cost_sentence == ("CAD 164 for each unit of improvement (meals): CAD 4100 contributed for an improvement "
                               "of 25 meals on the baseline.")
    report(w, w.indicator("meals"), "2026-Q1", "141")  # now 41 above: 4,100 / 41 = 100
    t = th.indicator_thread(w.indicator("meals"))
    assert (t.improvement, t.cost_per_unit) == (41, Decimal("100.00"))


def test_no_cost_per_unit_and_why(linked):
    w = linked.world
    report(w, w.indicator("meals"), "2026-Q1", "90")  # worse than the baseline
    t = th.indicator_thread(w.indicator("meals"))
    assert t.improvement == -10 and t.cost_per_unit is None
    assert t.cost_sentence == "There is no improvement on the baseline yet, so there is no cost per unit."
    # trust has no baseline and nothing linked
    t = th.indicator_thread(w.indicator("trust"))
    assert (t.commitments, t.work_items, t.contribution_count, t.cost_per_unit) == ([], [], 0, None)
    assert "No valued contribution" in t.cost_sentence
    link(w, w.indicator("trust"), commitments=[w.commitment(w.charity)])
    t = th.indicator_thread(w.indicator("trust"))
    assert t.totals and t.cost_per_unit is None and "no baseline" in t.cost_sentence


def test_lower_is_better_improvement(linked):
    w = linked.world
    link(w, w.indicator("wait-days"), work_items=[w.work_task])
    # wait-days: baseline 10, latest 9 (Q4 2025): improvement 1; contributions on the task: 500 + 2,000 + 200
    t = th.indicator_thread(w.indicator("wait-days"))
    assert (t.improvement, t.totals, t.cost_per_unit) == (1, [{"currency": "CAD", "value": Decimal("2700.00")}],
                                                          Decimal("2700.00"))


def test_commitment_thread_finds_indicators_directly_and_through_work(linked):
    from joinery.programme import services as programme

    w = linked.world
    grant = w.commitment(w.charity)
    ct = th.commitment_thread(grant, as_of=AS_OF)
    assert [c.indicator.code for c in ct.cards] == ["meals"]
    assert ct.cards[0].status == "on_track" and ct.cards[0].value == 125
    assert ct.totals == [{"currency": "CAD", "value": Decimal("1400.00")}]  # 1,000 + 400 (700 withdrawn)
    assert ct.contribution_count == 2
    # wait-days depends on a work item that fulfils the grant: it serves the grant too
    cook = programme.work_item_create(actor=w.lead, acting_for=w.city, programme=w.programme, kind="task",
                                      title="Hire a cook", owner=w.charity, parent=w.milestone, commitments=[grant])
    link(w, w.indicator("wait-days"), work_items=[cook])
    ct = th.commitment_thread(grant, as_of=AS_OF)
    assert [c.indicator.code for c in ct.cards] == ["meals", "wait-days"]
    assert [i.pk for i in ct.work_items] == [cook.pk]
    # the city's commitment serves nothing
    assert th.commitment_thread(w.commitment(w.city), as_of=AS_OF).cards == []


def test_thread_queries_are_bounded(linked, django_assert_max_num_queries):
    w = linked.world
    from joinery.evaluation.selectors.scorecards import indicator_get

    meals = indicator_get(pk=w.indicator("meals").pk)  # as the page loads it, with its framework
    with django_assert_max_num_queries(6):  # commitments, work items, credits, organisations, recent, values
        th.indicator_thread(meals)
