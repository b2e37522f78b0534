"""Reporting requirements, partner reports and open data through the API: happy paths, refusals (4xx),
stale versions (409), the public dataset, and schemathesis over these operations with real ids."""

from __future__ import annotations

import pytest

from joinery.evaluation.models import Indicator, ReportingRequirement
from joinery.evaluation.services import reporting as services
from tests.api import test_schemathesis
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of

from ._reporting import fill, publish, requirement

pytestmark = pytest.mark.django_db

wsgi_app = test_schemathesis.wsgi_app  # the fixture, for the schemathesis run below


def as_(person) -> ApiClient:
    return ApiClient().as_(person)


def test_add_map_and_read_a_partner_report(adopted):
    w = adopted.world
    fill(w)
    api = as_(admin_of(w.charity))
    r = api.post(f"/partnerships/{w.p.slug}/evaluation/requirements", {
        "acting_for": w.charity.slug, "name": "Annual return", "report_to": "The Lottery", "period_kind": "year",
        "reference": "L-1"})
    assert r.status_code == 201, r.json()
    req = r.json()
    assert (req["organisation"]["slug"], req["period_kind"], req["items"], req["version"]) == (
        w.charity.slug, "year", [], 1)
    r = api.put(f"/evaluation/requirements/{req['id']}/items", {
        "acting_for": w.charity.slug, "expected_version": 1, "items": [
            {"indicator": "meals", "external_name": "Hot meals", "external_code": "M1"},
            {"indicator": "wait-days", "external_name": "Average wait"}]})
    assert r.status_code == 200, r.json()
    assert [(i["indicator"], i["external_name"], i["external_code"]) for i in r.json()["items"]] == [
        ("meals", "Hot meals", "M1"), ("wait-days", "Average wait", "")]
    assert r.json()["version"] == 2
    report = api.get(f"/evaluation/requirements/{req['id']}/report", period="2025").json()
    assert [p["period"] for p in report["periods"]] == ["2025"]
    rows = {row["indicator"]: row for row in report["periods"][0]["rows"]}
    assert rows["meals"] | {} == {"external_code": "M1", "external_name": "Hot meals", "indicator": "meals",
                                  "unit": "meals", "value": "390", "target": "480", "status": "off_track",
                                  "reported": 3, "expected": 4, "corrected": True}
    assert (rows["wait-days"]["value"], rows["wait-days"]["status"]) == ("8.25", "at_risk")
    assert report["periods"][0]["complete"] is False and report["framework_version"] == 1
    everything = api.get(f"/evaluation/requirements/{req['id']}/report").json()
    assert [p["period"] for p in everything["periods"]] == ["2025", "2026"]
    listed = as_(admin_of(w.business)).get(f"/partnerships/{w.p.slug}/evaluation/requirements").json()
    assert [x["name"] for x in listed] == ["Annual return"]
    r = api.patch(f"/evaluation/requirements/{req['id']}", {"acting_for": w.charity.slug, "expected_version": 2,
                                                             "reference": "L-2"})
    assert r.status_code == 200 and r.json()["reference"] == "L-2" and r.json()["version"] == 3


def test_refusals(adopted):
    w = adopted.world
    req = requirement(w)
    charity, business, outsider = as_(admin_of(w.charity)), as_(admin_of(w.business)), as_(admin_of(w.outsider))
    r = charity.post(f"/partnerships/{w.p.slug}/evaluation/requirements", {
        "acting_for": w.charity.slug, "name": "Monthly", "report_to": "X", "period_kind": "month"})
    assert r.status_code == 400 and "period_kind" in r.json()["errors"]
    r = charity.post(f"/partnerships/{w.p.slug}/evaluation/requirements", {
        "acting_for": w.charity.slug, "name": "Bad", "report_to": "X", "period_kind": "fortnight"})
    assert r.status_code == 422
    r = charity.put(f"/evaluation/requirements/{req.pk}/items", {"acting_for": w.charity.slug, "items": [
        {"indicator": "nope", "external_name": "A"}, {"indicator": "meals", "external_name": "B"},
        {"indicator": "meals", "external_name": "C"}]})
    assert r.status_code == 400 and set(r.json()["errors"]) == {"items.0.indicator"}
    r = charity.put(f"/evaluation/requirements/{req.pk}/items", {"acting_for": w.charity.slug, "items": [
        {"indicator": "meals", "external_name": "B"}, {"indicator": "meals", "external_name": "C"}]})
    assert r.status_code == 400 and set(r.json()["errors"]) == {"items.1.indicator"}
    r = business.patch(f"/evaluation/requirements/{req.pk}", {"acting_for": w.business.slug, "name": "Mine"})
    assert r.status_code == 403
    r = charity.patch(f"/evaluation/requirements/{req.pk}", {"acting_for": w.charity.slug, "expected_version": 1,
                                                             "name": "Old"})
    assert r.status_code == 409
    r = charity.patch(f"/evaluation/requirements/{req.pk}", {"acting_for": w.charity.slug, "name": None})
    assert r.status_code == 422 and "name" in r.json()["errors"]  # the schema refuses a null name
    r = charity.get(f"/evaluation/requirements/{req.pk}/report", period="1999")
    assert r.status_code == 400 and "period" in r.json()["errors"]
    for path in (f"/evaluation/requirements/{req.pk}", f"/evaluation/requirements/{req.pk}/report",
                 f"/partnerships/{w.p.slug}/evaluation/requirements", f"/partnerships/{w.p.slug}/evaluation/open-data"):
        assert outsider.get(path).status_code == 404, path
        assert ApiClient().get(path).status_code == 401, path
    assert ReportingRequirement.objects.get(pk=req.pk).name == "Annual return to the Lottery"


def test_open_data_settings_and_the_public_dataset(adopted):
    w = adopted.world
    fill(w)
    lead = as_(w.lead)
    path = f"/partnerships/{w.p.slug}/evaluation/open-data"
    assert lead.get(path).json()["is_published"] is False
    assert ApiClient().get(f"/open-data/{w.p.slug}").status_code == 404
    body = {"acting_for": w.city.slug, "is_published": True, "title": "Eastside results", "description": "Results.",
            "licence": "CC0-1.0", "publisher": "Eastside", "contact_email": "data@eastside.example",
            "indicators": ["meals", "trust"]}
    r = as_(admin_of(w.charity)).put(path, {**body, "acting_for": w.charity.slug})
    assert r.status_code == 403
    r = lead.put(path, {**body, "indicators": ["meals", "ghost"]})
    assert r.status_code == 400 and "indicators" in r.json()["errors"]
    r = lead.put(path, {**body, "licence": "proprietary"})
    assert r.status_code == 422
    r = lead.put(path, body)
    assert r.status_code == 200, r.json()
    assert (r.json()["is_published"], r.json()["indicators"], r.json()["version"]) == (True, ["meals", "trust"], 1)
    r = lead.put(path, {**body, "expected_version": 0})
    assert r.status_code == 409
    public = ApiClient().get(f"/open-data/{w.p.slug}")
    assert public.status_code == 200
    data = public.json()
    assert data["licence"]["id"] == "CC0-1.0" and [i["code"] for i in data["indicators"]] == ["meals", "trust"]
    meals = data["indicators"][0]
    assert {v["period"]: v["value"] for v in meals["values"]}["2025-Q2"] == "140"
    assert set(Indicator.objects.filter(is_published=True).values_list("code", flat=True)) == {"meals", "trust"}


def test_operations_conform_to_the_description_with_real_ids(wsgi_app, adopted):
    from collections import Counter

    import schemathesis

    w = adopted.world
    fill(w)
    req = requirement(w)
    publish(w)
    services.requirement_update(actor=admin_of(w.charity), acting_for=w.charity, requirement=req, notes="n")
    key = token_for(w.lead)
    known = {"slug": [w.p.slug], "requirement_id": [req.pk]}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if "/requirements" in op.path or "open-data" in op.path]
    assert len(operations) == 9
    cases = {"count": 0}
    statuses: dict[str, Counter] = {}
    for operation in operations:
        test_schemathesis.run_operation(operation, known, key, cases, statuses)
    print(f"\nschemathesis (reporting, real ids): {cases['count']} cases over {len(operations)} operations")
    for label, counter in statuses.items():
        print(f"  {label}: {dict(sorted(counter.items()))}")
    assert sum(c[s] for c in statuses.values() for s in c if 200 <= s < 300) >= len(operations) // 2


def test_the_list_and_the_report_cost_a_constant_number_of_queries(adopted):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = adopted.world
    fill(w)
    req = requirement(w)
    api = as_(admin_of(w.charity))

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(path).status_code == 200
        return len(ctx.captured_queries)

    paths = (f"/partnerships/{w.p.slug}/evaluation/requirements", f"/evaluation/requirements/{req.pk}/report")
    few = [count(p) for p in paths]
    for n in range(4):
        requirement(w, org=w.business, name=f"Return {n}")
    assert [count(p) for p in paths] == few
