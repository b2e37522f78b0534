"""Reporting and correcting measurements through the services: who may, which values, which periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.evaluation.models import Measurement
from joinery.evaluation.selectors import measurements as selectors
from joinery.evaluation.services import measurements as services
from joinery.notifications.models import Notification
from tests.conftest import admin_of

D = dt.date


def report(world, org, code, period, value, **kw):
    return services.measurement_report(actor=admin_of(org), acting_for=org, indicator=world.indicator(code),
                                       period=period, value=value, **kw)


def test_reporting_partner_reports_a_value_audited(adopted):
    w = adopted.world
    before = Notification.objects.count()
    m = report(w, w.charity, "meals", "2025-Q1", "130", note="Counted at the till")
    assert (m.value, m.period, m.reported_for, m.source, m.is_current) == (Decimal("130"), "2025-Q1", w.charity,
                                                                             "form", True)
    assert m.note == "Counted at the till"
    event = AuditEvent.objects.get(action="evaluation.measurement_reported")
    assert event.object_id == str(m.pk) and event.acting_for == w.charity and event.partnership == w.p
    assert Notification.objects.count() == before  # one value is not news


def test_convener_reports_on_behalf_of_the_reporting_partner(adopted):
    w = adopted.world
    m = report(w, w.city, "meals", "2025-Q2", 118)
    assert m.reported_for == w.city


def test_other_partner_and_outsider_are_refused(adopted):
    w = adopted.world
    with pytest.raises(ValidationError) as exc:
        report(w, w.business, "meals", "2025-Q1", 10)
    assert "not the reporting partner" in exc.value.message_dict["indicator"][0]
    with pytest.raises(PermissionDenied):
        report(w, w.outsider, "meals", "2025-Q1", 10)
    assert not Measurement.objects.exists()


def test_draft_framework_takes_no_values(framework):
    w = framework.world
    with pytest.raises(ValidationError, match="not adopted"):
        report(w, w.charity, "meals", "2025-Q1", 10)


@pytest.mark.parametrize(("code", "value", "field_text"), [
    ("meals", "12.5", "whole number"),
    ("meals", "-3", "cannot be negative"),
    ("meals", "NaN", "not a number"),
    ("meals", "abc", "not a number"),
    ("meals", "", "missing"),
    ("meals", "123456789012345", "too large"),
    ("trust", "101", "between 0 and 100"),
    ("trust", "-1", "between 0 and 100"),
    ("wait-days", "1.23456", "four decimal places"),
])
def test_bad_values_are_refused_with_a_field_error(adopted, code, value, field_text):
    w = adopted.world
    org = {"meals": w.charity, "trust": w.residents, "wait-days": w.city}[code]
    with pytest.raises(ValidationError) as exc:
        report(w, org, code, "2025-Q1", value)
    assert field_text in exc.value.message_dict["value"][0]
    assert not Measurement.objects.exists()


def test_negative_decimal_and_percentage_bounds_are_accepted(adopted):
    w = adopted.world
    assert report(w, w.city, "wait-days", "2025-Q1", "-0.5").value == Decimal("-0.5")
    assert report(w, w.residents, "trust", "2025-Q1", "100").value == Decimal("100")
    assert report(w, w.residents, "trust", "2025-Q2", Decimal("0")).value == Decimal("0")


@pytest.mark.parametrize(("period", "text"), [
    ("2025-07", "not a period of this framework"),
    ("Q1 2025", "not a period of this framework"),
    ("2027-Q1", "outside the framework"),
    ("2024-Q4", "outside the framework"),
    ("", "missing"),
])
def test_bad_periods_are_refused(adopted, period, text):
    w = adopted.world
    with pytest.raises(ValidationError) as exc:
        report(w, w.charity, "meals", period, 10)
    assert text in exc.value.message_dict["period"][0]


def test_a_period_that_has_not_started_is_refused(adopted):
    period, problem = services.check_period(adopted, "2026-Q4", today=D(2026, 9, 30))
    assert period is None and "has not started" in problem[0]
    period, problem = services.check_period(adopted, "2026-Q4", today=D(2026, 10, 1))
    assert problem is None and period.key == "2026-Q4"


def test_a_second_report_for_the_same_period_is_refused(adopted):
    w = adopted.world
    report(w, w.charity, "meals", "2025-Q1", 130)
    with pytest.raises(ValidationError) as exc:
        report(w, w.city, "meals", "2025-Q1", 131)
    assert "correct it instead" in exc.value.message_dict["period"][0]
    assert Measurement.objects.count() == 1


def test_feedback_fed_indicator_refuses_reports(framework):
    w = framework.world
    w.feedback_indicator(framework)
    w.adopt(framework)
    with pytest.raises(ValidationError) as exc:
        report(w, w.city, "feel", "2025-Q1", 4)
    assert "comes from citizen feedback" in exc.value.message_dict["indicator"][0]


# --- corrections ---------------------------------------------------------------------------------

def test_correction_keeps_both_rows_and_tells_the_convener(adopted):
    w = adopted.world
    old = report(w, w.charity, "meals", "2025-Q1", 130)
    Notification.objects.all().delete()
    new = services.measurement_correct(actor=admin_of(w.charity), acting_for=w.charity, measurement=old,
                                       value="103", reason="Typo: 103, not 130")
    old.refresh_from_db()
    assert (old.is_current, new.is_current, new.replaces, new.value) == (False, True, old, Decimal("103"))
    assert new.correction_reason == "Typo: 103, not 130"
    assert Measurement.objects.filter(indicator=w.indicator("meals"), period="2025-Q1").count() == 2
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"evaluation.measurement_corrected", "evaluation.measurement_replaced"} <= actions
    assert Notification.objects.filter(recipient=w.lead, title__contains="corrected").exists()
    assert [m.pk for m in selectors.history(measurement=new)] == [new.pk, old.pk]


def test_correction_needs_a_reason_and_a_change(adopted):
    w = adopted.world
    old = report(w, w.charity, "meals", "2025-Q1", 130)
    with pytest.raises(ValidationError) as exc:
        services.measurement_correct(actor=admin_of(w.charity), acting_for=w.charity, measurement=old, value="103",
                                     reason="  ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError, match="nothing to correct"):
        services.measurement_correct(actor=admin_of(w.charity), acting_for=w.charity, measurement=old, value="130",
                                     reason="Same")
    with pytest.raises(ValidationError) as exc:
        services.measurement_correct(actor=admin_of(w.business), acting_for=w.business, measurement=old,
                                     value="1", reason="Not mine")
    assert "indicator" in exc.value.message_dict
    assert Measurement.objects.count() == 1


def test_correcting_a_replaced_value_is_stale(adopted):
    w = adopted.world
    old = report(w, w.charity, "meals", "2025-Q1", 130)
    services.measurement_correct(actor=admin_of(w.charity), acting_for=w.charity, measurement=old, value="103",
                                 reason="Typo")
    with pytest.raises(StaleEdit):
        services.measurement_correct(actor=w.lead, acting_for=w.city, measurement=old, value="104",
                                     reason="Also a typo")
    assert Measurement.objects.count() == 2


# --- API push -----------------------------------------------------------------------------------

def test_push_is_all_or_nothing_with_row_reports(adopted):
    w = adopted.world
    rows = [{"indicator": "meals", "period": "2025-Q1", "value": "120"},
            {"indicator": "meals", "period": "2025-Q2", "value": "12.5"},
            {"indicator": "nope", "period": "2025-Q2", "value": "1"}]
    with pytest.raises(services.RowsRejected) as exc:
        services.measurements_push(actor=admin_of(w.charity), acting_for=w.charity, framework=adopted, rows=rows)
    assert [(r["row"], r["column"]) for r in exc.value.report] == [(2, "value"), (3, "indicator")]
    assert "rows" in exc.value.message_dict
    assert not Measurement.objects.exists()
    objs = services.measurements_push(actor=admin_of(w.charity), acting_for=w.charity, framework=adopted,
                                      rows=rows[:1] + [{"indicator": "MEALS", "period": "2025-Q2", "value": 125}])
    assert [m.value for m in objs] == [Decimal(120), Decimal(125)]
    assert AuditEvent.objects.filter(action="evaluation.measurements_pushed").count() == 1


# --- late reports ---------------------------------------------------------------------------------

def test_late_reports_list_missing_values_past_due(adopted):
    w = adopted.world
    report(w, w.charity, "meals", "2025-Q1", 130)
    late = selectors.late_reports(adopted, today=D(2025, 5, 1))  # Q1 due 2025-04-30
    assert [(r.organisation, r.period.key, [i.code for i in r.indicators]) for r in late] == [
        (w.city, "2025-Q1", ["wait-days"]), (w.residents, "2025-Q1", ["trust"])]
    assert selectors.late_reports(adopted, today=D(2025, 4, 30)) == []
