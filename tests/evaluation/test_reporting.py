"""Partners' own reporting requirements: the services, and exact roll-ups of their reports
(sums, means over the periods reported, the latest value; missing periods; corrections)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.evaluation.models import ReportingRequirement
from joinery.evaluation.selectors.reporting import partner_report, status_against
from joinery.evaluation.services import framework as fw
from joinery.evaluation.services import reporting as services
from joinery.notifications.models import Notification
from tests.conftest import admin_of

from ._reporting import correct, fill, report, requirement

pytestmark = pytest.mark.django_db


def _rows(rp):
    return {row.indicator.code: row for row in rp.rows}


# --- the report's numbers ----------------------------------------------------------------------

def test_a_yearly_report_rolls_the_quarters_up_exactly(adopted):
    w = adopted.world
    fill(w)
    r = requirement(w)
    rep = partner_report(r)
    assert [p.period.key for p in rep.periods] == ["2025", "2026"]
    y2025 = _rows(rep.periods[0])
    meals = y2025["meals"]
    # 100 + 140 (the correction, not 130) + 150; Q3 missing is left out, not zero
    assert (meals.value, meals.reported, meals.expected) == (Decimal("390"), 3, 4)
    assert meals.target == Decimal("480") and meals.status == "off_track"  # 390 misses 480 by more than 48
    assert meals.corrected is True and meals.external_name == "Hot meals provided" and meals.external_code == "M1"
    wait = y2025["wait-days"]
    # the mean of the three quarters reported: (7.5 + 8.25 + 9) / 3 = 8.25, target mean 8, lower is better
    assert (wait.value, wait.reported, wait.target, wait.status) == (Decimal("8.25"), 3, Decimal("8"), "at_risk")
    assert wait.corrected is False
    trust = y2025["trust"]
    assert (trust.value, trust.reported, trust.target, trust.status) == (Decimal("55"), 2, None, "no_target")
    assert rep.periods[0].incomplete and rep.periods[0].corrected
    y2026 = _rows(rep.periods[1])
    assert all(row.value is None and row.reported == 0 and row.expected == 4 and row.status == "no_data"
               for row in y2026.values())
    assert y2026["meals"].target == Decimal("480")
    assert y2026["meals"].coverage == "0 of 4 quarters reported"
    assert meals.coverage == "3 of 4 quarters reported"


def test_a_quarterly_report_shows_the_framework_values_as_reported(adopted):
    w = adopted.world
    fill(w)
    r = requirement(w, period_kind="quarter", name="Quarterly board return")
    rep = partner_report(r)
    assert len(rep.periods) == 8
    q = {p.period.key: _rows(p) for p in rep.periods}
    assert q["2025-Q2"]["meals"].value == Decimal("140") and q["2025-Q2"]["meals"].corrected
    assert q["2025-Q2"]["meals"].status == "on_track"  # 140 beats 120
    assert q["2025-Q1"]["meals"].status == "off_track"  # 100 misses 120 by more than 12
    assert q["2025-Q3"]["meals"].value is None and q["2025-Q3"]["meals"].status == "no_data"
    assert q["2025-Q3"]["wait-days"].status == "off_track"  # 9 days against 8: worse by more than 0.8
    assert q["2025-Q2"]["wait-days"].status == "at_risk"  # 8.25 against 8
    assert q["2025-Q1"]["wait-days"].status == "on_track"  # 7.5, lower is better
    assert (q["2025-Q1"]["meals"].reported, q["2025-Q1"]["meals"].expected) == (1, 1)


def test_a_correction_after_the_report_changes_the_next_report(adopted):
    w = adopted.world
    report(w, "meals", "2025-Q1", "120")
    r = requirement(w)
    assert _rows(partner_report(r, period_key="2025").periods[0])["meals"].value == Decimal("120")
    correct(w, "meals", "2025-Q1", "125")
    row = _rows(partner_report(r, period_key="2025").periods[0])["meals"]
    assert (row.value, row.corrected, row.reported) == (Decimal("125"), True, 1)


def test_one_period_or_a_clear_error(adopted):
    w = adopted.world
    r = requirement(w)
    assert [p.period.key for p in partner_report(r, period_key="2026").periods] == ["2026"]
    for bad in ("2024", "2025-Q1", "nonsense", "2027"):
        with pytest.raises(ValidationError) as exc:
            partner_report(r, period_key=bad)
        assert "period" in exc.value.message_dict


def test_the_report_costs_the_same_queries_whatever_its_size(adopted, django_assert_max_num_queries):
    w = adopted.world
    fill(w)
    r = ReportingRequirement.objects.select_related("framework__partnership", "organisation").get(
        pk=requirement(w).pk)
    with django_assert_max_num_queries(4):
        partner_report(r)


def test_status_rule():
    d = Decimal
    assert status_against(None, d(10), direction="higher") == "no_data"
    assert status_against(d(10), d(10), direction="higher") == "on_track"
    assert status_against(d(9), d(10), direction="higher") == "at_risk"
    assert status_against(d("8.9"), d(10), direction="higher") == "off_track"
    assert status_against(d(11), d(10), direction="lower") == "at_risk"
    assert status_against(d(12), d(10), direction="lower") == "off_track"
    assert status_against(d(1), d(0), direction="lower", baseline=d(10)) == "at_risk"
    assert status_against(d(5), None, direction="lower", baseline=d(10)) == "on_track"
    assert status_against(d(5), None, direction="higher", baseline=d(10)) == "off_track"
    assert status_against(d(5), None, direction="higher") == "no_target"


# --- the services ------------------------------------------------------------------------------

def test_a_partner_records_its_requirement_and_it_is_audited(adopted):
    w = adopted.world
    r = requirement(w, items=False)
    assert (r.organisation, r.period_kind, r.version) == (w.charity, "year", 1)
    assert AuditEvent.objects.filter(action="evaluation.requirement_created", object_id=str(r.pk)).exists()
    r = services.requirement_items_set(actor=admin_of(w.charity), acting_for=w.charity, requirement=r, items=[
        {"indicator": w.indicator("meals"), "external_name": "Meals", "external_code": "M"}])
    assert r.version == 2 and [i.external_name for i in r.items.all()] == ["Meals"]
    assert AuditEvent.objects.filter(action="evaluation.requirement_items_set", object_id=str(r.pk)).exists()


def test_refusals_write_nothing(adopted):
    w = adopted.world
    before = (ReportingRequirement.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.requirement_create(actor=admin_of(w.charity), acting_for=w.charity, framework=w.fw, name=" ",
                                    report_to="", period_kind="month")
    assert set(exc.value.message_dict) == {"name", "report_to", "period_kind"}
    with pytest.raises(PermissionDenied):
        services.requirement_create(actor=admin_of(w.outsider), acting_for=w.outsider, framework=w.fw, name="X",
                                    report_to="Y", period_kind="year")
    with pytest.raises(PermissionDenied):  # acting for an organisation one does not represent
        services.requirement_create(actor=admin_of(w.outsider), acting_for=w.charity, framework=w.fw, name="X",
                                    report_to="Y", period_kind="year")
    assert (ReportingRequirement.objects.count(), AuditEvent.objects.count()) == before


def test_only_its_partner_or_the_convener_changes_it(adopted):
    w = adopted.world
    r = requirement(w)
    with pytest.raises(PermissionDenied):
        services.requirement_update(actor=admin_of(w.business), acting_for=w.business, requirement=r, name="Mine")
    r = services.requirement_update(actor=w.lead, acting_for=w.city, requirement=r, expected_version=r.version,
                                    reference="LOT-2025-78")
    assert r.reference == "LOT-2025-78" and r.version == 3
    assert Notification.objects.filter(recipient=admin_of(w.charity), url__contains=f"/requirements/{r.pk}/").exists()
    with pytest.raises(StaleEdit):
        services.requirement_update(actor=admin_of(w.charity), acting_for=w.charity, requirement=r,
                                    expected_version=1, name="Old copy")
    with pytest.raises(ValidationError) as exc:
        services.requirement_update(actor=admin_of(w.charity), acting_for=w.charity, requirement=r,
                                    period_kind="month")
    assert "period_kind" in exc.value.message_dict


def test_items_must_be_live_indicators_of_this_framework_once_each(adopted):
    w = adopted.world
    r = requirement(w, items=False)
    meals = w.indicator("meals")
    with pytest.raises(ValidationError) as exc:
        services.requirement_items_set(actor=admin_of(w.charity), acting_for=w.charity, requirement=r, items=[
            {"indicator": meals, "external_name": "A"}, {"indicator": meals, "external_name": "B"},
            {"indicator": w.indicator("trust"), "external_name": "  "}])
    assert set(exc.value.message_dict) == {"items.1.indicator", "items.2.external_name"}
    fw.indicator_retire(actor=w.lead, acting_for=w.city, indicator=w.indicator("trust"))
    with pytest.raises(ValidationError) as exc:
        services.requirement_items_set(actor=admin_of(w.charity), acting_for=w.charity, requirement=r, items=[
            {"indicator": w.indicator("trust"), "external_name": "Trust"}])
    assert "retired" in exc.value.message_dict["items.0.indicator"][0]
    assert r.items.count() == 0


def test_a_requirement_can_be_deleted_with_an_audit_trail(adopted):
    w = adopted.world
    r = requirement(w)
    services.requirement_delete(actor=admin_of(w.charity), acting_for=w.charity, requirement=r)
    assert not ReportingRequirement.objects.filter(pk=r.pk).exists()
    event = AuditEvent.objects.get(action="evaluation.requirement_deleted", object_id=str(r.pk))
    assert len(event.before["items"]) == 3
