"""The framework services: building, validation, adoption by decision, versions after adoption."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.evaluation.models import (
    Framework,
    FrameworkVersion,
    Indicator,
    IndicatorTarget,
    Outcome,
)
from joinery.evaluation.selectors.framework import canonical_sha256, framework_snapshot
from joinery.evaluation.services import framework as fw
from joinery.network.models import Decision, DecisionKind
from joinery.notifications.models import Notification
from tests.conftest import add_role, admin_of, make_person
from tests.evaluation.conftest import QUARTERS

pytestmark = pytest.mark.django_db
D = dt.date


class NothingWritten:
    MODELS = (Framework, Outcome, Indicator, IndicatorTarget, FrameworkVersion, AuditEvent, Notification, Decision)

    def __enter__(self):
        self.before = self._counts()
        return self

    def __exit__(self, *exc):
        assert self._counts() == self.before
        return False

    def _counts(self):
        return {m.__name__: m.objects.count() for m in self.MODELS}


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


def indicator_kw(w, f, **kw):
    base = dict(outcome=w.outcome, code="new", name="New", definition="What is counted.", unit="people",
                data_source="Records", reporting_partner=w.charity, serves="results", question="better")
    return base | kw


def create(w, f, **kw):
    return fw.indicator_create(actor=w.lead, acting_for=w.city, framework=f, **indicator_kw(w, f, **kw))


# --- the framework ---------------------------------------------------------------------------

def test_create_audits_and_tells_the_partners(world):
    f = fw.framework_create(actor=world.lead, acting_for=world.city, partnership=world.p, title=" Outcomes ",
                            starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))
    assert (f.title, f.status, f.revision, f.period_kind) == ("Outcomes", "draft", 0, "quarter")
    e = AuditEvent.objects.get(action="evaluation.framework_created")
    assert e.after["starts_on"] == "2025-01-01"
    assert Notification.objects.filter(recipient=admin_of(world.charity), kind="evaluation").exists()


def test_any_active_partner_builds_but_not_an_outsider(world):
    food = admin_of(world.charity)
    f = fw.framework_create(actor=food, acting_for=world.charity, partnership=world.p, title="Ours",
                            starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))
    assert f.created_by == food
    with NothingWritten(), pytest.raises(PermissionDenied):
        fw.framework_update(actor=admin_of(world.outsider), acting_for=world.outsider, framework=f, title="Theirs")
    with NothingWritten(), pytest.raises(PermissionDenied):  # acting for a partner they do not represent
        fw.framework_update(actor=food, acting_for=world.city, framework=f, title="Theirs")
    with NothingWritten(), pytest.raises(PermissionDenied):
        fw.framework_update(actor=food, acting_for=None, framework=f, title="Theirs")
    member = make_person()
    add_role(world.residents, member)  # any role of a partner may build
    assert fw.framework_update(actor=member, acting_for=world.residents, framework=f, title="Shared").title == "Shared"


def test_one_framework_per_partnership(framework):
    w = framework.world
    with NothingWritten(), pytest.raises(ValidationError, match="already has an evaluation framework"):
        fw.framework_create(actor=w.lead, acting_for=w.city, partnership=w.p, title="Again",
                            starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))


@pytest.mark.parametrize("fields, field", [
    ({"title": "  "}, "title"),
    ({"period_kind": "week"}, "period_kind"),
    ({"ends_on": D(2024, 12, 31)}, "ends_on"),
    ({"ends_on": D(2025, 1, 1)}, "ends_on"),
    ({"ends_on": D(2060, 1, 1)}, "ends_on"),
    ({"starts_on": "first of May"}, "starts_on"),
    ({"reporting_days": -1}, "reporting_days"),
    ({"reminder_days": "soon"}, "reminder_days"),
])
def test_framework_field_errors(world, fields, field):
    kw = dict(title="Outcomes", starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31)) | fields
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.framework_create(actor=world.lead, acting_for=world.city, partnership=world.p, **kw)
    assert field in errors_of(exc)


def test_stale_framework_update_is_refused(framework):
    w = framework.world
    v = framework.version
    fw.framework_update(actor=w.lead, acting_for=w.city, framework=framework, expected_version=v, title="One")
    with NothingWritten(), pytest.raises(StaleEdit):
        fw.framework_update(actor=w.lead, acting_for=w.city, framework=framework, expected_version=v, title="Two")


# --- the logic model -------------------------------------------------------------------------

def test_contributes_to_must_be_the_next_level(framework):
    w = framework.world
    output = fw.outcome_create(actor=w.lead, acting_for=w.city, framework=framework, level="output",
                               title="Meals cooked", contributes_to=w.outcome)
    assert output.contributes_to == w.outcome
    fw.outcome_create(actor=w.lead, acting_for=w.city, framework=framework, level="activity", title="Cook",
                      contributes_to=output)
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.outcome_create(actor=w.lead, acting_for=w.city, framework=framework, level="activity", title="Shop",
                          contributes_to=w.outcome)  # skips the output level
    assert "next step" in errors_of(exc)["contributes_to"][0]
    with pytest.raises(ValidationError) as exc:
        fw.outcome_create(actor=w.lead, acting_for=w.city, framework=framework, level="impact", title="More",
                          contributes_to=w.impact)
    assert "contributes_to" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        fw.outcome_create(actor=w.lead, acting_for=w.city, framework=framework, level="stage", title="X")
    assert "level" in errors_of(exc)


def test_contributes_to_must_be_in_the_same_framework(framework):
    from tests.evaluation.conftest import EvalWorld

    other = EvalWorld(name="Westside").framework()
    w = framework.world
    foreign = Outcome.objects.get(framework=other, level="impact")
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.outcome_create(actor=w.lead, acting_for=w.city, framework=framework, level="outcome", title="X",
                          contributes_to=foreign)
    assert "contributes_to" in errors_of(exc)


def test_level_change_keeps_the_chain_valid(framework):
    w = framework.world
    with pytest.raises(ValidationError) as exc:  # the outcome contributes to it: it must stay an impact
        fw.outcome_update(actor=w.lead, acting_for=w.city, outcome=w.impact, level="outcome")
    assert "level" in errors_of(exc)
    o = fw.outcome_update(actor=w.lead, acting_for=w.city, outcome=w.outcome, title="People eat better",
                          description="Hot meals.")
    assert (o.title, o.version) == ("People eat better", 2)
    assert AuditEvent.objects.filter(action="evaluation.outcome_updated").count() == 1


def test_outcome_retire_needs_its_indicators_retired_first(framework):
    w = framework.world
    with NothingWritten(), pytest.raises(ValidationError, match="indicators first"):
        fw.outcome_retire(actor=w.lead, acting_for=w.city, outcome=w.impact)
    fw.indicator_retire(actor=w.lead, acting_for=w.city, indicator=w.trust)
    with pytest.raises(ValidationError, match="contribute to this one"):
        fw.outcome_retire(actor=w.lead, acting_for=w.city, outcome=w.impact)
    fw.outcome_update(actor=w.lead, acting_for=w.city, outcome=w.outcome, contributes_to=None)
    retired = fw.outcome_retire(actor=w.lead, acting_for=w.city, outcome=w.impact)
    assert retired.retired_at is not None and Outcome.objects.filter(pk=w.impact.pk).exists()
    with pytest.raises(ValidationError, match="retired"):
        fw.outcome_update(actor=w.lead, acting_for=w.city, outcome=w.outcome, contributes_to=retired)


# --- indicators ------------------------------------------------------------------------------

def test_world_indicators(framework):
    w = framework.world
    meals = Indicator.objects.get(pk=w.meals.pk)
    assert (meals.baseline, meals.baseline_period, meals.reporting_partner) == (Decimal("100"), "2024-Q4", w.charity)
    assert dict(meals.targets.values_list("period", "value")) == {q: Decimal("120") for q in QUARTERS}
    assert w.trust.targets.count() == 0 and w.trust.value_type == "percentage"


def test_code_is_unique_per_framework(framework):
    w = framework.world
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        create(w, framework, code="MEALS")
    assert "already uses the code" in errors_of(exc)["code"][0]
    with pytest.raises(ValidationError) as exc:
        create(w, framework, code="meals served!")
    assert "code" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=w.wait, code="meals")
    assert "code" in errors_of(exc)


@pytest.mark.parametrize("kw, field", [
    ({"name": ""}, "name"),
    ({"definition": " "}, "definition"),
    ({"unit": ""}, "unit"),
    ({"data_source": ""}, "data_source"),
    ({"value_type": "text"}, "value_type"),
    ({"direction": "sideways"}, "direction"),
    ({"aggregation": "median"}, "aggregation"),
    ({"serves": "profit"}, "serves"),
    ({"question": "why"}, "question"),
    ({"outcome": None}, "outcome"),
    ({"reporting_partner": None}, "reporting_partner"),
    ({"baseline": "12.5"}, "baseline"),                      # whole numbers only
    ({"baseline": "lots"}, "baseline"),
    ({"value_type": "percentage", "baseline": "101"}, "baseline"),
    ({"value_type": "decimal", "baseline": "1.23456"}, "baseline"),
    ({"baseline_period": "2025-13"}, "baseline_period"),
    ({"baseline_period": "2025"}, "baseline_period"),        # a year, not a quarter
    ({"baseline_period": "2027-Q1"}, "baseline_period"),     # after the framework
    ({"feedback_measure": "going"}, "feedback_measure"),     # without a feedback form
])
def test_indicator_field_errors(framework, kw, field):
    w = framework.world
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        create(w, framework, **kw)
    assert field in errors_of(exc), errors_of(exc)


def test_reporting_partner_must_be_an_active_partner(framework):
    w = framework.world
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        create(w, framework, reporting_partner=w.outsider)
    assert "not an active partner" in errors_of(exc)["reporting_partner"][0]


def test_outcome_of_another_framework_is_refused(framework):
    from tests.evaluation.conftest import EvalWorld

    other = EvalWorld(name="Westside").framework()
    w = framework.world
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        create(w, framework, outcome=Outcome.objects.filter(framework=other).first())
    assert "outcome" in errors_of(exc)


def test_baseline_may_precede_the_framework(framework):
    w = framework.world
    i = create(w, framework, baseline="7", baseline_period="2019-Q2")
    assert i.baseline == Decimal("7") and i.baseline_period == "2019-Q2"


def _channel(w, partnership=None):
    from joinery.feedback.models import FeedbackChannel

    p = partnership or w.p
    return FeedbackChannel.objects.create(partnership=p, slug=f"kitchen-{p.pk}", title="Kitchen feedback",
                                          created_by=w.lead)


def test_feedback_fed_indicator_rules(framework):
    w = framework.world
    channel = _channel(w)
    fed = dict(feedback_channel=channel, feedback_measure="going", reporting_partner=None,
               serves="service_experience", question="feel", value_type="decimal", aggregation="mean")
    i = create(w, framework, code="going", **fed)
    assert i.fed_by_feedback and i.reporting_partner is None
    for bad, field in (({"feedback_measure": ""}, "feedback_measure"), ({"serves": "results"}, "serves"),
                       ({"reporting_partner": w.charity}, "reporting_partner")):
        with NothingWritten(), pytest.raises(ValidationError) as exc:
            create(w, framework, code="going-2", **(fed | bad))
        assert field in errors_of(exc)
    from tests.evaluation.conftest import EvalWorld

    other = EvalWorld(name="Westside")
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        create(w, framework, code="going-3", **(fed | {"feedback_channel": _channel(other)}))
    assert "feedback_channel" in errors_of(exc)


def test_indicator_update_and_retire(framework):
    w = framework.world
    i = fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=w.meals, expected_version=w.meals.version,
                            name="Hot meals served", baseline="110")
    assert (i.name, i.baseline) == ("Hot meals served", Decimal("110"))
    e = AuditEvent.objects.filter(action="evaluation.indicator_updated").get()
    assert e.before == {"name": "Meals served", "baseline": "100"} and e.after["baseline"] == "110"
    with NothingWritten(), pytest.raises(StaleEdit):
        fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=i, expected_version=1, name="Again")
    # A whole-number indicator's targets (120) fit a percentage? No: 120 > 100.
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=i, value_type="percentage")
    assert "value_type" in errors_of(exc)
    with pytest.raises(TypeError):
        fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=i, is_published=True)
    r = fw.indicator_retire(actor=w.lead, acting_for=w.city, indicator=i)
    assert r.retired_at is not None and Indicator.objects.filter(pk=i.pk).exists()
    with pytest.raises(ValidationError, match="retired"):
        fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=r, name="Back")
    # The code of a retired indicator stays taken: imports and history keep meaning the same thing.
    with pytest.raises(ValidationError):
        create(w, framework, code="meals")


# --- targets and links -----------------------------------------------------------------------

def test_targets_set_change_and_remove(framework):
    w = framework.world
    i = fw.indicator_targets_set(actor=w.lead, acting_for=w.city, indicator=w.meals, expected_version=w.meals.version,
                                 targets={"2025-Q1": "130", "2025-Q2": None, "2025-Q3": "", "2025-Q4": "120"})
    got = dict(i.targets.values_list("period", "value"))
    assert got["2025-Q1"] == Decimal("130") and "2025-Q2" not in got and "2025-Q3" not in got
    assert got["2026-Q4"] == Decimal("120") and len(got) == 6
    e = AuditEvent.objects.filter(action="evaluation.targets_set").order_by("-id").first()
    assert e.before == {"2025-Q1": "120", "2025-Q2": "120", "2025-Q3": "120"}
    assert e.after == {"2025-Q1": "130", "2025-Q2": None, "2025-Q3": None}


@pytest.mark.parametrize("targets, key, message", [
    ({"2027-Q1": "120"}, "2027-Q1", "outside the framework"),
    ({"2024-Q4": "120"}, "2024-Q4", "outside the framework"),
    ({"2025-07": "120"}, "2025-07", "not a quarterly period"),
    ({"2025-Q1": "12.5"}, "2025-Q1", "whole number"),
    ({"2025-Q1": "many"}, "2025-Q1", "Enter a number"),
    ({"2025-Q1": "1e30"}, "2025-Q1", "too large"),
])
def test_target_errors_name_the_period(framework, targets, key, message):
    w = framework.world
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.indicator_targets_set(actor=w.lead, acting_for=w.city, indicator=w.meals, targets=targets)
    assert message in errors_of(exc)[key][0]


def test_percentage_targets_stay_within_0_and_100(framework):
    w = framework.world
    with pytest.raises(ValidationError, match="between 0 and 100"):
        fw.indicator_targets_set(actor=w.lead, acting_for=w.city, indicator=w.trust, targets={"2025-Q1": "100.5"})
    i = fw.indicator_targets_set(actor=w.lead, acting_for=w.city, indicator=w.trust, targets={"2025-Q1": "62.5"})
    assert i.targets.get().value == Decimal("62.5")


def test_links_to_work_and_commitments_of_the_same_partnership(framework):
    w = framework.world
    commitment = w.commitment(w.charity)
    i = fw.indicator_links_set(actor=w.lead, acting_for=w.city, indicator=w.meals,
                               work_items=[w.initiative, w.work_task.pk], commitments=[commitment])
    assert set(i.work_items.all()) == {w.initiative, w.work_task} and list(i.commitments.all()) == [commitment]
    assert list(w.initiative.indicators.all()) == [i] and list(commitment.indicators.all()) == [i]
    i = fw.indicator_links_set(actor=w.lead, acting_for=w.city, indicator=i, work_items=[])  # commitments unchanged
    assert i.work_items.count() == 0 and i.commitments.count() == 1
    from tests.evaluation.conftest import EvalWorld

    other = EvalWorld(name="Westside")
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.indicator_links_set(actor=w.lead, acting_for=w.city, indicator=i, work_items=[other.objective])
    assert "work_items" in errors_of(exc)
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.indicator_links_set(actor=w.lead, acting_for=w.city, indicator=i,
                               commitments=[other.commitment(other.charity)])
    assert "commitments" in errors_of(exc)
    with NothingWritten(), pytest.raises(ValidationError):
        fw.indicator_links_set(actor=w.lead, acting_for=w.city, indicator=i, work_items=["x"])


# --- adoption and versions -------------------------------------------------------------------

def test_adoption_by_decision(framework):
    w = framework.world
    d = fw.framework_propose_adoption(actor=admin_of(w.charity), acting_for=w.charity, framework=framework)
    assert d.kind == DecisionKind.FRAMEWORK_ADOPTION and d.payload == {"framework": framework.pk, "revision": 0}
    assert Framework.objects.get(pk=framework.pk).status == "proposed"
    # Frozen while the partners decide.
    with NothingWritten(), pytest.raises(ValidationError, match="before the partners"):
        fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=w.meals, name="Changed")
    with pytest.raises(ValidationError, match="already before the partners"):
        fw.framework_propose_adoption(actor=w.lead, acting_for=w.city, framework=framework)
    w.close(d)
    f = Framework.objects.get(pk=framework.pk)
    assert (f.status, f.revision, f.adoption_decision_id) == ("adopted", 1, d.pk) and f.adopted_at
    v = f.versions.get()
    assert v.number == 1 and v.decision_id == d.pk and v.summary.startswith("Adopted by decision")
    canonical = json.dumps(v.snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert v.sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    assert v.snapshot == framework_snapshot(f)
    assert AuditEvent.objects.filter(action="evaluation.framework_adopted", object_id=str(f.pk)).exists()
    assert Notification.objects.filter(recipient=admin_of(w.residents), kind="evaluation",
                                       title__contains="adopted").exists()
    with pytest.raises(ValidationError, match="already adopted"):
        fw.framework_propose_adoption(actor=w.lead, acting_for=w.city, framework=f)


def test_a_decision_not_carried_returns_to_draft(framework):
    w = framework.world
    d = fw.framework_propose_adoption(actor=w.lead, acting_for=w.city, framework=framework)
    w.close(d, stance="block")
    f = Framework.objects.get(pk=framework.pk)
    assert (f.status, f.revision, f.versions.count()) == ("draft", 0, 0)
    assert AuditEvent.objects.filter(action="evaluation.framework_not_adopted").exists()
    assert fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=w.meals, name="Changed").name == "Changed"


def test_no_adoption_without_indicators(world):
    f = fw.framework_create(actor=world.lead, acting_for=world.city, partnership=world.p, title="Empty",
                            starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))
    with NothingWritten(), pytest.raises(ValidationError, match="at least one indicator"):
        fw.framework_propose_adoption(actor=world.lead, acting_for=world.city, framework=f)
    with pytest.raises(PermissionDenied):
        fw.framework_propose_adoption(actor=admin_of(world.outsider), acting_for=world.outsider, framework=f)


def test_other_decisions_leave_the_framework_alone(framework):
    from tests.conftest import open_decision

    w = framework.world
    fw.framework_propose_adoption(actor=w.lead, acting_for=w.city, framework=framework)
    w.close(open_decision(w.p))
    assert Framework.objects.get(pk=framework.pk).status == "proposed"


def test_every_change_after_adoption_makes_a_version(adopted):
    w = adopted.world
    lead, city = w.lead, w.city
    steps = [
        lambda: fw.framework_update(actor=lead, acting_for=city, framework=adopted, purpose="Learn more."),
        lambda: fw.outcome_create(actor=lead, acting_for=city, framework=adopted, level="output", title="Meals cooked",
                                  contributes_to=w.outcome),
        lambda: fw.outcome_update(actor=lead, acting_for=city, outcome=w.outcome, title="People eat better"),
        lambda: create(w, adopted, code="volunteers"),
        lambda: fw.indicator_update(actor=lead, acting_for=city, indicator=w.trust, name="Trust"),
        lambda: fw.indicator_targets_set(actor=lead, acting_for=city, indicator=w.trust, targets={"2025-Q1": "50"}),
        lambda: fw.indicator_links_set(actor=lead, acting_for=city, indicator=w.meals, work_items=[w.initiative]),
        lambda: fw.indicator_retire(actor=lead, acting_for=city, indicator=Indicator.objects.get(code="volunteers")),
    ]
    for n, step in enumerate(steps, start=2):
        step()
        f = Framework.objects.get(pk=adopted.pk)
        assert f.revision == n
        v = f.versions.get(number=n)
        assert v.sha256 == canonical_sha256(v.snapshot) and v.snapshot == framework_snapshot(f)
    summaries = list(FrameworkVersion.objects.filter(framework=adopted).order_by("number")
                     .values_list("summary", flat=True))
    assert summaries[1] == "Framework settings changed: purpose."
    assert "volunteers" in summaries[4] and "Retired" in summaries[-1]
    last = FrameworkVersion.objects.get(framework=adopted, number=len(steps) + 1).snapshot
    codes = {i["code"] for i in last["indicators"]}
    assert codes == {"meals", "wait-days", "trust"}  # the retired one is gone from the framework
    meals = next(i for i in last["indicators"] if i["code"] == "meals")
    assert meals["work_items"] == [{"id": w.initiative.pk, "title": "Community kitchen"}]
    assert meals["targets"]["2025-Q1"] == "120"
    # Nothing changed, nothing versioned.
    fw.indicator_update(actor=lead, acting_for=city, indicator=w.trust, name="Trust")
    assert Framework.objects.get(pk=adopted.pk).revision == len(steps) + 1


def test_adopted_framework_keeps_its_periods(adopted):
    w = adopted.world
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.framework_update(actor=w.lead, acting_for=w.city, framework=adopted, period_kind="month")
    assert "period_kind" in errors_of(exc)
    with NothingWritten(), pytest.raises(ValidationError) as exc:  # would leave 2026's targets outside
        fw.framework_update(actor=w.lead, acting_for=w.city, framework=adopted, ends_on=D(2025, 12, 31))
    assert "2026-Q1" in errors_of(exc)["starts_on"][0]
    f = fw.framework_update(actor=w.lead, acting_for=w.city, framework=adopted, ends_on=D(2027, 12, 31))
    assert f.revision == 2


def test_parse_value():
    assert fw.parse_value("1,200", "whole") == Decimal("1200")
    assert fw.parse_value(Decimal("8.25"), "decimal") == Decimal("8.25")
    for raw, kind in (("NaN", "decimal"), ("Infinity", "decimal"), (True, "whole"), ("-1", "percentage")):
        with pytest.raises(ValueError):
            fw.parse_value(raw, kind)


def test_draft_dates_and_period_kind_keep_the_targets_meaningful(framework):
    w = framework.world
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.framework_update(actor=w.lead, acting_for=w.city, framework=framework, period_kind="year")
    assert "remove them" in errors_of(exc)["period_kind"][0]
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.framework_update(actor=w.lead, acting_for=w.city, framework=framework, starts_on=D(2025, 7, 1))
    assert "2025-Q1, 2025-Q2" in errors_of(exc)["starts_on"][0]
    f = fw.framework_update(actor=w.lead, acting_for=w.city, framework=framework, starts_on=D(2025, 2, 1))
    assert f.starts_on == D(2025, 2, 1) and f.revision == 0  # still in 2025-Q1; a draft has no versions


def test_a_change_to_an_indicator_leaves_the_settings_version_alone(adopted):
    w = adopted.world
    v = Framework.objects.get(pk=adopted.pk).version
    fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=w.meals, name="Changed")
    f = fw.framework_update(actor=w.lead, acting_for=w.city, framework=adopted, expected_version=v, title="Still mine")
    assert (f.title, f.revision) == ("Still mine", 3)


def test_value_type_change_must_fit_the_reported_values(adopted):
    from joinery.evaluation.services import measurements

    w = adopted.world
    measurements.measurement_report(actor=w.lead, acting_for=w.city, indicator=w.wait, period="2025-Q1", value="8.5")
    fw.indicator_targets_set(actor=w.lead, acting_for=w.city, indicator=w.wait, targets={q: None for q in QUARTERS})
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=w.wait, value_type="whole")
    assert "reported value for 2025-Q1 (8.5)" in errors_of(exc)["value_type"][0]


def test_the_reporting_partner_hears_of_changes_after_adoption(adopted):
    w = adopted.world
    fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=w.meals, definition="Hot meals, not snacks.")
    n = Notification.objects.filter(recipient=admin_of(w.charity), title__contains="has changed").get()
    assert "Meals served" in n.title
