"""Scorecard arithmetic: statuses, trends, gaps and sentences, compared with hand-computed values.

The first part needs no database (unsaved indicators); the second reads real measurements,
including missing periods and corrections, and counts the queries of a whole scorecard.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from joinery.evaluation.models import Direction, Framework, Indicator
from joinery.evaluation.selectors import scorecards as sc

from .scorecard_helpers import AS_OF, build_reported, report

D = dt.date


def _framework(**kw):
    fields = {"period_kind": "quarter", "starts_on": D(2025, 1, 1), "ends_on": D(2025, 12, 31),
              "reporting_days": 30}
    fields.update(kw)
    return Framework(**fields)


def _indicator(direction=Direction.HIGHER, baseline=None, framework=None, **kw):
    return Indicator(name="Meals served", unit="meals", direction=direction,
                     baseline=Decimal(baseline) if baseline is not None else None,
                     framework=framework or _framework(), **kw)


def _d(values: dict) -> dict:
    return {k: Decimal(str(v)) for k, v in values.items()}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- the status rule -------------------------------------------------------------------------------

@pytest.mark.parametrize(("direction", "value", "target", "baseline", "expected"), [
    # higher is better, target 110: 10% of it is 11
    ("higher", "110", "110", None, "on_track"),      # meets
    ("higher", "125", "110", None, "on_track"),      # beats
    ("higher", "100", "110", None, "at_risk"),       # misses by 10 ≤ 11
    ("higher", "99", "110", None, "at_risk"),        # misses by exactly 11
    ("higher", "98.99", "110", None, "off_track"),   # misses by 11.01
    # lower is better, target 50: 10% is 5
    ("lower", "45", "50", None, "on_track"),
    ("lower", "55", "50", None, "at_risk"),
    ("lower", "55.01", "50", None, "off_track"),
    # a zero target uses 10% of the baseline (20 → 2)
    ("lower", "0", "0", "20", "on_track"),
    ("lower", "2", "0", "20", "at_risk"),
    ("lower", "3", "0", "20", "off_track"),
    ("lower", "1", "0", None, "off_track"),          # zero target, no baseline: any miss
    # a negative target: 10% of its absolute value
    ("higher", "-10.5", "-10", None, "at_risk"),
    ("higher", "-11.5", "-10", None, "off_track"),
    # no target: against the baseline
    ("higher", "101", None, "100", "on_track"),
    ("higher", "100", None, "100", "at_risk"),
    ("higher", "99", None, "100", "off_track"),
    ("lower", "99", None, "100", "on_track"),
    ("higher", "99", None, None, "no_data"),
    # no value
    ("higher", None, "110", "100", "no_data"),
])
def test_period_status(direction, value, target, baseline, expected):
    i = _indicator(direction, baseline)
    assert sc.period_status(i, Decimal(value) if value else None, Decimal(target) if target else None) == expected


def test_gap_percent_is_positive_in_the_good_direction():
    up, down = _indicator("higher"), _indicator("lower")
    assert sc.gap_percent(up, Decimal(125), Decimal(112)) == Decimal("11.6")    # 13/112 = 11.607…
    assert sc.gap_percent(down, Decimal(125), Decimal(112)) == Decimal("-11.6")
    assert sc.gap_percent(down, Decimal(45), Decimal(50)) == Decimal("10.0")
    assert sc.gap_percent(up, Decimal(1), Decimal(0)) is None
    assert sc.gap_percent(up, None, Decimal(3)) is None


def test_trend_respects_direction():
    assert sc.trend_of(_indicator("higher"), Decimal(5), Decimal(4)) == "improving"
    assert sc.trend_of(_indicator("lower"), Decimal(5), Decimal(4)) == "worsening"
    assert sc.trend_of(_indicator("lower"), Decimal(4), Decimal(4)) == "steady"
    assert sc.trend_of(_indicator("lower"), Decimal(4), None) == "unknown"


# --- the card --------------------------------------------------------------------------------------

VALUES = _d({"2025-Q1": 110, "2025-Q3": 125})  # Q2 missing, Q4 not due yet
TARGETS = _d({"2025-Q1": 105, "2025-Q2": 110, "2025-Q3": 112, "2025-Q4": 120})


def test_card_takes_the_latest_due_period_and_skips_a_missing_one_for_the_trend():
    card = sc.indicator_card(_indicator(baseline=100), VALUES, TARGETS, as_of=D(2025, 11, 15))
    assert card.period.key == "2025-Q3"
    assert (card.value, card.target, card.previous, card.previous_period.key) == (125, 112, 110, "2025-Q1")
    assert (card.status, card.trend, card.gap_percent) == ("on_track", "improving", Decimal("11.6"))
    assert card.sentence == "Improving: 12% above target in Q3 2025."
    assert [(p.period.key, p.value, p.target) for p in card.series] == [
        ("2025-Q1", 110, 105), ("2025-Q2", None, 110), ("2025-Q3", 125, 112), ("2025-Q4", None, 120)]
    assert (card.reported, card.expected) == (2, 3)
    assert "2 of 3 periods reported" in card.chart_sentence


def test_a_period_not_yet_due_counts_only_once_it_has_a_value():
    # as of 15 October, Q3 (ends 30 September) is due on 30 October: not due yet.
    i = _indicator(baseline=100)
    assert sc.indicator_card(i, VALUES, TARGETS, as_of=D(2025, 10, 15)).period.key == "2025-Q3"  # has a value
    card = sc.indicator_card(i, _d({"2025-Q1": 110}), TARGETS, as_of=D(2025, 10, 15))
    assert card.period.key == "2025-Q2"  # the latest due, with no value
    assert (card.status, card.trend, card.value, card.previous) == ("no_data", "unknown", None, 110)
    assert card.sentence == "No data for Q2 2025: no value has been reported yet."


def test_a_missing_period_is_no_data_never_zero():
    card = sc.indicator_card(_indicator(baseline=100), _d({"2025-Q1": 110}), TARGETS, as_of=D(2026, 3, 1))
    assert card.period.key == "2025-Q4"
    assert card.status == "no_data" and card.value is None
    assert (card.reported, card.expected) == (1, 4)


def test_nothing_due_yet():
    card = sc.indicator_card(_indicator(), {}, TARGETS, as_of=D(2025, 2, 1))
    assert card.period is None and card.status == "no_data"
    assert card.sentence == "No value is due yet."


def test_lower_is_better_sentences_say_above_or_below_plainly():
    i = _indicator("lower", baseline=60)
    card = sc.indicator_card(i, _d({"2025-Q1": 60, "2025-Q2": 54}), _d({"2025-Q2": 50}), as_of=D(2025, 8, 15))
    assert (card.status, card.trend, card.gap_percent) == ("at_risk", "improving", Decimal("-8.0"))
    assert card.sentence == "Improving: 8% above target in Q2 2025."


def test_sentences_without_target_or_with_zero_target():
    i = _indicator("higher", baseline=100)
    card = sc.indicator_card(i, _d({"2025-Q1": 90}), {}, as_of=D(2025, 6, 1))
    assert card.status == "off_track"
    assert card.sentence == "90 meals in Q1 2025, worse than the baseline of 100 (no target set)."
    card = sc.indicator_card(i, _d({"2025-Q1": 3, "2025-Q2": 3}), _d({"2025-Q2": 0}), as_of=D(2025, 8, 1))
    assert card.trend == "steady"
    assert card.sentence == "Steady: 3 meals in Q2 2025, above the target of 0."
    card = sc.indicator_card(i, _d({"2025-Q1": "112.5000"}), _d({"2025-Q1": "112.5"}), as_of=D(2025, 6, 1))
    assert card.sentence == "On target in Q1 2025 (112.5 meals)."


def test_sentences_name_the_late_partner_in_french():
    from joinery.organisations.models import Organisation

    org = Organisation(pk=7, name="Food Bank")
    i = _indicator(reporting_partner=org)
    with translation.override("fr"):
        card = sc.indicator_card(i, {}, TARGETS, as_of=D(2025, 6, 1))
    assert card.period.key == "2025-Q1"
    assert "Food Bank" in card.sentence


def test_monthly_framework_card():
    f = _framework(period_kind="month", starts_on=D(2025, 1, 1), ends_on=D(2025, 6, 30), reporting_days=10)
    card = sc.indicator_card(_indicator(framework=f), _d({"2025-02": 5}), _d({"2025-02": 4}), as_of=D(2025, 4, 10))
    # March ends 31 March, due 10 April: due, no value.
    assert card.period.key == "2025-03" and card.status == "no_data"
    assert card.previous == 5 and card.trend == "unknown"


# --- real measurements: missing periods, corrections, query counts ---------------------------------



@pytest.fixture
def reported(adopted):
    return build_reported(adopted)


def _by_code(card):
    return {c.indicator.code: c for c in card.cards}


def test_partnership_scorecard_hand_computed(reported):
    s = sc.scorecard(framework=reported, as_of=AS_OF)
    cards = _by_code(s)
    meals, wait, trust = cards["meals"], cards["wait-days"], cards["trust"]
    assert meals.period.key == "2025-Q4"
    # the correction replaced 130; Q3 is missing, so the trend compares with Q2 (118)
    assert (meals.value, meals.target, meals.previous, meals.previous_period.key) == (125, 120, 118, "2025-Q2")
    assert (meals.status, meals.trend, meals.gap_percent) == ("on_track", "improving", Decimal("4.2"))  # 5/120
    assert meals.sentence == "Improving: 4% above target in Q4 2025."
    assert [p.value for p in meals.series] == [110, 118, None, 125, None, None, None, None]
    # lower is better: 9 against 8 misses by 1 > 0.8 (10% of 8)
    assert (wait.value, wait.status, wait.trend, wait.gap_percent) == (9, "off_track", "worsening", Decimal("-12.5"))
    assert wait.sentence == "Getting worse: 13% above target in Q4 2025."
    assert (trust.value, trust.status, trust.previous) == (None, "no_data", 60)
    assert trust.sentence == f"No data for Q4 2025: {reported.world.residents.name} has not reported yet."
    assert s.counts == {"on_track": 1, "at_risk": 0, "off_track": 1, "no_data": 1}
    lines = {b.key: b for b in s.bottom_lines}
    assert list(lines) == ["productivity", "service_experience", "results", "democracy", "relationships",
                           "capacity"]
    assert lines["results"].counts["on_track"] == 1 and lines["results"].total == 1
    assert lines["productivity"].counts["off_track"] == 1
    assert lines["democracy"].counts["no_data"] == 1
    assert lines["service_experience"].total == 0 and lines["relationships"].is_process
    q = {a.key: a for a in s.questions}
    assert (q["better"].total, q["better"].improving, q["better"].worsening, q["better"].answer) == (2, 1, 1, "mixed")
    assert (q["value"].total, q["value"].answer) == (1, "unknown")
    assert (q["feel"].total, q["feel"].sentence) == (0, "No indicator answers this question yet.")
    groups = {g.outcome.title: [c.indicator.code for c in g.cards] for g in s.by_outcome}
    assert groups == {"People eat well": ["meals", "wait-days"], "Nobody in Eastside goes hungry": ["trust"]}


def test_the_correction_is_the_only_value_read_and_history_stays(reported):
    from joinery.evaluation.models import Measurement

    meals = reported.world.indicator("meals")
    assert list(Measurement.objects.filter(indicator=meals, period="2025-Q4").values_list("value", "is_current")
                .order_by("id")) == [(130, False), (125, True)]
    page = sc.indicator_page(meals, as_of=AS_OF)
    q4 = next(r for r in page.rows if r.period.key == "2025-Q4")
    assert q4.value == 125 and q4.corrected and q4.measurement.value == 125
    q3 = next(r for r in page.rows if r.period.key == "2025-Q3")
    assert (q3.value, q3.status, q3.measurement, q3.due) == (None, "no_data", None, True)
    assert page.chart["values"] == [110.0, 118.0, None, 125.0, None, None, None, None]
    assert page.chart["targets"] == [120.0] * 8


def test_outcome_scorecard_includes_the_steps_contributing_to_it(reported):
    w = reported.world
    assert {c.indicator.code for c in sc.scorecard(framework=reported, outcome=w.impact, as_of=AS_OF).cards} == {
        "meals", "wait-days", "trust"}
    assert [c.indicator.code for c in sc.scorecard(framework=reported, outcome=w.outcome, as_of=AS_OF).cards] == [
        "meals", "wait-days"]


def test_partner_scorecard_has_the_indicators_it_reports(reported):
    w = reported.world
    s = sc.scorecard(framework=reported, organisation=w.charity, as_of=AS_OF)
    assert [c.indicator.code for c in s.cards] == ["meals"]
    assert s.counts == {"on_track": 1, "at_risk": 0, "off_track": 0, "no_data": 0}
    assert {o.pk for o in s.reporting_partners} == {w.charity.pk, w.city.pk, w.residents.pk}


def test_the_question_is_answered_yes_when_mostly_improving(reported):
    w = reported.world
    report(w, w.indicator("wait-days"), "2026-Q1", "7")  # Q1 2026 now has a value: it becomes the card's period
    s = sc.scorecard(framework=reported, as_of=AS_OF)
    wait = _by_code(s)["wait-days"]
    assert (wait.period.key, wait.status, wait.trend, wait.gap_percent) == ("2026-Q1", "on_track", "improving",
                                                                              Decimal("12.5"))
    meals = _by_code(s)["meals"]
    assert (meals.period.key, meals.status) == ("2025-Q4", "on_track")  # meals has nothing for Q1 2026 yet
    better = next(q for q in s.questions if q.key == "better")
    assert (better.answer, better.improving, better.counts["on_track"]) == ("yes", 2, 2)
    assert better.sentence.startswith("Yes, mostly: of 2 indicators, 2 improving and 0 getting worse")


def _more_indicators(adopted, n):
    from joinery.evaluation.services import framework as fw

    w = adopted.world
    for k in range(n):
        i = fw.indicator_create(
            actor=w.lead, acting_for=w.city, framework=adopted, outcome=w.outcome, code=f"extra-{k}",
            name=f"Extra {k}", definition="More.", unit="visits", value_type="whole", direction="higher",
            aggregation="sum", baseline="1", baseline_period="2024-Q4", data_source="Counts",
            reporting_partner=w.charity, serves="results", question="better")
        fw.indicator_targets_set(actor=w.lead, acting_for=w.city, indicator=i, targets={"2025-Q4": "3"})
        report(w, i, "2025-Q4", str(k))


def test_scorecard_queries_do_not_grow_with_indicators(reported, django_assert_num_queries):
    from joinery.evaluation.models import Framework

    f = Framework.objects.get(pk=reported.pk)
    with django_assert_num_queries(4):  # outcomes, indicators, values, targets
        assert len(sc.scorecard(framework=f, as_of=AS_OF).cards) == 3
    _more_indicators(reported, 9)
    f = Framework.objects.get(pk=reported.pk)
    with django_assert_num_queries(4):
        s = sc.scorecard(framework=f, as_of=AS_OF)
        assert len(s.cards) == 12
    assert s.counts == {"on_track": 7, "at_risk": 0, "off_track": 4, "no_data": 1}  # extras 3..8 meet 3


def test_no_period_due_yet_and_empty_framework(framework):
    s = sc.scorecard(framework=framework, as_of=D(2025, 2, 1))
    assert s.counts == {"on_track": 0, "at_risk": 0, "off_track": 0, "no_data": 3}
    assert all(c.period is None and c.sentence == "No value is due yet." for c in s.cards)


def test_citizen_feedback_answers_the_feel_question(reported, django_assert_num_queries):
    """A service experience indicator fed by a feedback form: going ratings 5, 4 and 3 in November
    2025 average 4 (target 4: on track); 2 and 3 in August average 2.5 (target 4: off track)."""
    import datetime as dt_

    from django.utils import timezone

    from joinery.evaluation.models import Framework
    from joinery.evaluation.services import framework as fw
    from joinery.feedback import services as feedback

    w = reported.world
    channel = feedback.channel_create(actor=w.lead, acting_for=w.city, partnership=w.p, title="Kitchen feedback",
                                      service_name="Community kitchen")
    going = fw.indicator_create(
        actor=w.lead, acting_for=w.city, framework=reported, outcome=w.outcome, code="going", name="How it is going",
        definition="Average rating from the feedback form.", unit="out of 5", value_type="decimal",
        direction="higher", aggregation="mean", data_source="Citizen feedback", serves="service_experience",
        question="feel", feedback_channel=channel, feedback_measure="going")
    fw.indicator_targets_set(actor=w.lead, acting_for=w.city, indicator=going,
                             targets={"2025-Q3": "4", "2025-Q4": "4"})
    for rating, day in ([(2, D(2025, 8, 3)), (3, D(2025, 8, 4)), (5, D(2025, 11, 3)),
                         (4, D(2025, 11, 4)), (3, D(2025, 11, 5))]):
        moment = timezone.make_aware(dt_.datetime.combine(day, dt_.time(12)))
        # answers given on paper in 2025, typed in by a partner
        feedback.response_record(actor=w.lead, acting_for=w.city, channel=channel, submitted_at=moment,
                                 going=rating, trend="better", feeling=4)
    f = Framework.objects.get(pk=reported.pk)
    with django_assert_num_queries(5):  # outcomes, indicators, measurements, targets, one feedback form
        s = sc.scorecard(framework=f, as_of=AS_OF)
    card = _by_code(s)["going"]
    assert (card.period.key, card.value, card.previous, card.status, card.trend) == (
        "2025-Q4", Decimal(4), Decimal("2.5"), "on_track", "improving")
    assert card.sentence == "Improving: on target in Q4 2025 (4 out of 5)."
    feel = next(q for q in s.questions if q.key == "feel")
    assert (feel.total, feel.from_citizens, feel.answer) == (1, 1, "yes")
    assert feel.sentence.endswith("1 of them comes from citizen feedback.")
    experience = next(b for b in s.bottom_lines if b.key == "service_experience")
    assert experience.counts["on_track"] == 1
