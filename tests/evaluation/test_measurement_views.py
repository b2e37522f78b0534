"""The measurements pages: list, report, correct, import, export; refusals, privacy and query counts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from joinery.evaluation.models import Measurement, MeasurementImport
from joinery.evaluation.services import measurements as services
from tests.accounts.html_audit import audit
from tests.conftest import admin_of, make_person

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def audited(response, status=200) -> str:
    assert response.status_code == status, response.status_code
    audit(type("R", (), {"status_code": 200, "content": response.content})())
    return body(response)


def url(name, *args):
    return reverse(f"evaluation:{name}", args=args)


def report(w, org, code, period, value, **kw):
    return services.measurement_report(actor=admin_of(org), acting_for=org, indicator=w.indicator(code),
                                       period=period, value=value, **kw)


def test_the_list_shows_values_filters_late_reports_and_links(client, adopted):
    w = adopted.world
    old = report(w, w.charity, "meals", "2025-Q1", 130, note="Till count")
    services.measurement_correct(actor=admin_of(w.charity), acting_for=w.charity, measurement=old, value="103",
                                 reason="Typo")
    report(w, w.city, "wait-days", "2025-Q1", "8.5")
    client.force_login(admin_of(w.charity))
    page = audited(client.get(url("measurements", w.p.slug)))
    assert "Meals served" in page and "Q1 2025" in page and "103 meals" in page and "8.5 days" in page
    assert "Corrected" in page and "130" not in page.split("Values, latest reported first")[1]
    assert "Late reports" in page and "Residents who trust the partnership" in page
    for link in (url("report", w.p.slug), url("import", w.p.slug), url("export", w.p.slug) + "?format=csv"):
        assert link in page
    filtered = body(client.get(url("measurements", w.p.slug), {"indicator": w.indicator("wait-days").pk}))
    table = filtered.split("Values, latest reported first")[1]
    assert "8.5 days" in table and "103 meals" not in table
    everything = body(client.get(url("measurements", w.p.slug), {"include_replaced": "on"}))
    assert "130 meals" in everything and "Replaced" in everything


def test_the_list_pages_by_keyset_in_few_queries(client, adopted):
    w = adopted.world
    rows = [{"indicator": "meals", "period": p, "value": n} for n, p in enumerate(
        ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"])]
    services.measurements_push(actor=admin_of(w.charity), acting_for=w.charity, framework=adopted, rows=rows)
    client.force_login(admin_of(w.charity))
    with CaptureQueriesContext(connection) as few:
        first = body(client.get(url("measurements", w.p.slug)))
    rows = [{"indicator": "wait-days", "period": p["period"], "value": 5} for p in rows]
    services.measurements_push(actor=w.lead, acting_for=w.city, framework=adopted, rows=rows)
    with CaptureQueriesContext(connection) as more:
        client.get(url("measurements", w.p.slug))
    assert len(more.captured_queries) == len(few.captured_queries) <= 20
    assert "after=" not in first
    from joinery.evaluation.selectors import measurements as selectors

    page = selectors.measurement_page(framework=adopted, limit=5)
    assert len(page.rows) == 5 and page.next_cursor
    rest = selectors.measurement_page(framework=adopted, after=page.next_cursor, limit=50)
    assert len(rest.rows) == 9 and not rest.next_cursor
    assert {m.pk for m in page.rows}.isdisjoint({m.pk for m in rest.rows})


def test_report_form_lists_only_my_indicators_and_reports(client, adopted):
    w = adopted.world
    client.force_login(admin_of(w.charity))
    page = audited(client.get(url("report", w.p.slug)))
    assert "Meals served" in page and "Days waiting" not in page and '<optgroup label="People eat well">' in page
    meals = w.indicator("meals")
    response = client.post(url("report", w.p.slug), {"acting_for": w.charity.pk, "indicator": meals.pk,
                                                     "period": "2025-Q2", "value": "125", "note": "ok"})
    m = Measurement.objects.get()
    assert response.status_code == 302 and response["Location"] == url("measurement", m.pk)
    assert (m.value, m.source, m.reported_for) == (Decimal("125"), "form", w.charity)
    again = client.post(url("report", w.p.slug), {"acting_for": w.charity.pk, "indicator": meals.pk,
                                                  "period": "2025-Q2", "value": "126"})
    page = audited(again, 400)
    assert "correct it instead" in page and url("correct", m.pk) in page
    bad = audited(client.post(url("report", w.p.slug), {"acting_for": w.charity.pk, "indicator": meals.pk,
                                                        "period": "2025-Q3", "value": "12.5"}), 400)
    assert "govuk-error-summary" in bad and "is not one" in bad
    assert Measurement.objects.count() == 1


def test_convener_sees_every_partner_indicator_and_outsiders_are_refused(client, adopted):
    w = adopted.world
    client.force_login(w.lead)
    page = body(client.get(url("report", w.p.slug)))
    assert "Meals served" in page and "Days waiting" in page and "Residents who trust" in page
    stranger = make_person()
    client.force_login(stranger)
    for name, arg in (("measurements", w.p.slug), ("report", w.p.slug), ("import", w.p.slug),
                      ("export", w.p.slug)):
        assert client.get(url(name, arg)).status_code == 404, name
    m = report(w, w.charity, "meals", "2025-Q1", 130)
    assert client.get(url("measurement", m.pk)).status_code == 404
    assert client.get(url("correct", m.pk)).status_code == 404


def test_detail_and_correction_keep_the_history(client, adopted):
    w = adopted.world
    m = report(w, w.charity, "meals", "2025-Q1", 130)
    client.force_login(admin_of(w.charity))
    page = audited(client.get(url("measurement", m.pk)))
    assert "Correct this value" in page and "130" in page
    assert audited(client.get(url("correct", m.pk)))
    missing = audited(client.post(url("correct", m.pk), {"acting_for": w.charity.pk, "value": "103",
                                                         "reason": ""}), 400)
    assert "govuk-error-summary" in missing
    response = client.post(url("correct", m.pk), {"acting_for": w.charity.pk, "value": "103",
                                                  "reason": "Typo in the till export"})
    new = Measurement.objects.get(is_current=True)
    assert response.status_code == 302 and response["Location"] == url("measurement", new.pk)
    page = audited(client.get(url("measurement", new.pk)))
    history = page.split("History")[1]
    assert history.index("103") < history.index("130") and "Typo in the till export" in history
    # The old value is no longer current: correcting it again is a stale edit.
    stale = client.post(url("correct", m.pk), {"acting_for": w.charity.pk, "value": "104", "reason": "again"})
    assert stale.status_code == 409
    assert Measurement.objects.count() == 2
    old_page = body(client.get(url("measurement", m.pk)))
    assert "no longer counts" in old_page and "Correct this value" not in old_page


def test_another_partner_cannot_correct(client, adopted):
    w = adopted.world
    m = report(w, w.charity, "meals", "2025-Q1", 130)
    client.force_login(admin_of(w.business))
    assert "Correct this value" not in body(client.get(url("measurement", m.pk)))
    assert client.get(url("correct", m.pk)).status_code == 302
    response = client.post(url("correct", m.pk), {"acting_for": w.business.pk, "value": "1", "reason": "x"})
    assert response.status_code == 400
    assert Measurement.objects.count() == 1


def test_import_page_reports_row_problems_then_imports(client, adopted):
    w = adopted.world
    client.force_login(admin_of(w.charity))
    assert audited(client.get(url("import", w.p.slug)))
    template = client.get(url("import", w.p.slug), {"template": "csv"})
    assert template["Content-Disposition"].endswith('measurements-template.csv"')
    bad = SimpleUploadedFile("values.csv", b"indicator,period,value\nmeals,2025-Q1,1.5\nmeals,2025-Q1,3\n")
    page = audited(client.post(url("import", w.p.slug), {"acting_for": w.charity.pk, "file": bad}), 400)
    assert "Nothing was imported" in page and "appears more than once" in page and "<caption" in page
    assert not Measurement.objects.exists()
    assert MeasurementImport.objects.get().status == "rejected"
    good = SimpleUploadedFile("values.csv", b"indicator,period,value\nmeals,2025-Q1,130\nmeals,2025-Q2,131\n")
    response = client.post(url("import", w.p.slug), {"acting_for": w.charity.pk, "file": good})
    assert response.status_code == 302
    assert Measurement.objects.count() == 2
    page = body(client.get(url("import", w.p.slug)))
    assert "Imported: 2 values" in page and "Rejected: 2 problems" in page
    empty = SimpleUploadedFile("values.csv", b"")
    assert client.post(url("import", w.p.slug), {"acting_for": w.charity.pk, "file": empty}).status_code == 400


def test_export_csv_and_xlsx(client, adopted):
    w = adopted.world
    report(w, w.charity, "meals", "2025-Q1", 130)
    client.force_login(admin_of(w.business))
    response = client.get(url("export", w.p.slug), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert re.search(r"meals,2025-Q1,130,meals", response.content.decode("utf-8-sig"))
    assert client.get(url("export", w.p.slug), {"format": "xlsx"}).content[:2] == b"PK"
    assert client.get(url("export", w.p.slug), {"format": "pdf"}).status_code == 400


def test_without_a_framework_the_list_says_so(client, world):
    client.force_login(admin_of(world.charity))
    page = audited(client.get(url("measurements", world.p.slug)))
    assert "no evaluation framework yet" in page
    assert client.get(url("report", world.p.slug)).status_code == 404
