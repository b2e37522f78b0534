"""Building the framework through the API: the happy path, refusals with the shared error shape, stale
versions (409), visibility (404), query counts, and schemathesis over the framework operations."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinery.evaluation.models import Framework, Indicator
from joinery.evaluation.services import framework as fw
from joinery.network.models import Decision
from tests.api import test_schemathesis
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of, make_person
from tests.evaluation.conftest import QUARTERS

pytestmark = pytest.mark.django_db

wsgi_app = test_schemathesis.wsgi_app  # the fixture, for the schemathesis run below


def as_(person) -> ApiClient:
    return ApiClient().as_(person)


def test_build_adopt_and_version_a_framework(world):
    w = world
    api = as_(admin_of(w.charity))
    base = f"/partnerships/{w.p.slug}/evaluation"
    assert api.get(f"{base}/framework").status_code == 404
    r = api.post(f"{base}/framework", {"acting_for": w.charity.slug, "title": "Kitchen outcomes",
                                       "starts_on": "2025-01-01", "ends_on": "2025-12-31"})
    assert r.status_code == 201, r.json()
    f = r.json()
    assert (f["status"], f["period_kind"], f["revision"], f["periods"]) == (
        "draft", "quarter", 0, ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"])
    r = api.post(f"{base}/outcomes", {"acting_for": w.charity.slug, "level": "impact", "title": "Nobody hungry"})
    assert r.status_code == 201, r.json()
    impact = r.json()
    r = api.post(f"{base}/outcomes", {"acting_for": w.charity.slug, "title": "People eat well",
                                      "contributes_to": impact["id"]})
    assert r.status_code == 201 and r.json()["contributes_to_id"] == impact["id"]
    outcome = r.json()
    r = api.post(f"{base}/indicators", {
        "acting_for": w.charity.slug, "outcome": outcome["id"], "code": "meals", "name": "Meals served",
        "definition": "Hot meals.", "unit": "meals", "baseline": 100, "baseline_period": "2024-Q4",
        "data_source": "Till", "reporting_partner": w.charity.slug, "serves": "results", "question": "better"})
    assert r.status_code == 201, r.json()
    ind = r.json()
    assert (ind["baseline"], ind["reporting_partner"]["slug"], ind["targets"]) == ("100", w.charity.slug, {})
    r = api.put(f"/evaluation/indicators/{ind['id']}/targets", {
        "acting_for": w.charity.slug, "expected_version": ind["version"],
        "targets": {"2025-Q1": 120, "2025-Q2": "130.0"}})
    assert r.status_code == 200, r.json()
    assert r.json()["targets"] == {"2025-Q1": "120", "2025-Q2": "130"}
    r = api.put(f"/evaluation/indicators/{ind['id']}/links", {
        "acting_for": w.charity.slug, "work_items": [w.initiative.pk], "commitments": [w.commitment(w.city).pk]})
    assert r.status_code == 200, r.json()
    assert r.json()["work_item_ids"] == [w.initiative.pk] and r.json()["commitment_ids"] == [w.commitment(w.city).pk]
    r = api.patch(f"/evaluation/indicators/{ind['id']}", {"acting_for": w.charity.slug,
                                                           "expected_version": r.json()["version"],
                                                           "name": "Hot meals served"})
    assert r.status_code == 200 and r.json()["name"] == "Hot meals served"
    assert [i["code"] for i in api.get(f"{base}/indicators").json()] == ["meals"]
    assert api.get(f"/evaluation/indicators/{ind['id']}").json()["name"] == "Hot meals served"

    r = api.post(f"{base}/framework/adopt", {"acting_for": w.charity.slug})
    assert r.status_code == 202, r.json()
    decision = Decision.objects.get(pk=r.json()["decision_id"])
    assert r.json()["decision_url"] == decision.get_absolute_url()
    assert api.get(f"{base}/framework").json()["status"] == "proposed"
    w.close(decision)
    f = api.get(f"{base}/framework").json()
    assert (f["status"], f["revision"], f["adoption_decision_id"]) == ("adopted", 1, decision.pk)
    r = api.patch(f"{base}/framework", {"acting_for": w.charity.slug, "expected_version": f["version"],
                                        "purpose": "Learn."})
    assert r.status_code == 200 and r.json()["revision"] == 2
    versions = api.get(f"{base}/versions").json()
    assert [v["number"] for v in versions] == [2, 1] and versions[1]["decision_id"] == decision.pk
    v1 = api.get(f"{base}/versions/1").json()
    assert v1["snapshot"]["indicators"][0]["targets"] == {"2025-Q1": "120", "2025-Q2": "130"}
    assert len(v1["sha256"]) == 64
    assert api.get(f"{base}/versions/9").status_code == 404


def test_field_errors_and_refusals(framework):
    w = framework.world
    api = as_(w.lead)
    base = f"/partnerships/{w.p.slug}/evaluation"
    r = api.post(f"{base}/indicators", {
        "acting_for": w.city.slug, "outcome": w.outcome.pk, "code": "meals", "name": "Again", "definition": "x",
        "unit": "meals", "data_source": "x", "reporting_partner": w.outsider.slug, "serves": "results",
        "question": "better", "baseline": "12.5"})
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert {"code", "reporting_partner", "baseline"} <= set(errors)
    r = api.put(f"/evaluation/indicators/{w.meals.pk}/targets", {"acting_for": w.city.slug,
                                                                  "targets": {"2030-Q1": 5, "2025-Q1": "1.5"}})
    assert r.status_code == 400
    assert "outside the framework" in r.json()["errors"]["2030-Q1"][0]
    assert "whole number" in r.json()["errors"]["2025-Q1"][0]
    r = api.put(f"/evaluation/indicators/{w.meals.pk}/targets", {"acting_for": w.city.slug,
                                                                  "targets": {"2025-Q1": "lots"}})
    assert r.status_code == 422
    r = api.post(f"{base}/indicators", {"acting_for": w.city.slug, "outcome": 999999, "code": "x", "name": "x",
                                        "definition": "x", "unit": "x", "data_source": "x", "serves": "results",
                                        "question": "better", "reporting_partner": w.city.slug})
    assert r.status_code == 400 and "outcome" in r.json()["errors"]
    r = api.post(f"{base}/outcomes", {"acting_for": w.city.slug, "level": "activity", "title": "Cook",
                                      "contributes_to": w.impact.pk})
    assert r.status_code == 400 and "contributes_to" in r.json()["errors"]
    r = as_(admin_of(w.charity)).patch(f"{base}/framework", {"acting_for": w.city.slug,  # not theirs to act for
                                                              "expected_version": framework.version, "title": "X"})
    assert r.status_code == 403 and r.json()["detail"]
    r = api.patch(f"{base}/framework", {"acting_for": w.city.slug, "expected_version": 1, "title": None})
    assert r.status_code == 422 and "title" in r.json()["errors"]
    r = api.post(f"{base}/framework", {"acting_for": w.city.slug, "title": "Again", "starts_on": "2025-01-01",
                                       "ends_on": "2025-12-31"})
    assert r.status_code == 400 and "already has" in r.json()["detail"]
    assert Framework.objects.count() == 1


def test_a_stale_change_is_409(framework):
    w = framework.world
    fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=w.meals, name="Theirs")
    api = as_(admin_of(w.charity))
    r = api.patch(f"/evaluation/indicators/{w.meals.pk}", {"acting_for": w.charity.slug,
                                                            "expected_version": w.meals.version, "name": "Mine"})
    assert r.status_code == 409 and r.json()["detail"]
    r = api.put(f"/evaluation/indicators/{w.meals.pk}/targets", {"acting_for": w.charity.slug,
                                                                  "expected_version": w.meals.version,
                                                                  "targets": {"2025-Q1": 1}})
    assert r.status_code == 409
    assert Indicator.objects.get(pk=w.meals.pk).name == "Theirs"


def test_retire_through_the_api(framework):
    w = framework.world
    api = as_(w.lead)
    r = api.post(f"/evaluation/outcomes/{w.impact.pk}/retire", {"acting_for": w.city.slug})
    assert r.status_code == 400 and "indicators first" in r.json()["detail"]
    r = api.post(f"/evaluation/indicators/{w.trust.pk}/retire", {"acting_for": w.city.slug})
    assert r.status_code == 200 and r.json()["retired_at"]
    codes = [i["code"] for i in api.get(f"/partnerships/{w.p.slug}/evaluation/indicators").json()]
    assert codes == ["meals", "wait-days"]
    codes = [i["code"] for i in api.get(f"/partnerships/{w.p.slug}/evaluation/indicators",
                                        include_retired="true").json()]
    assert codes == ["meals", "wait-days", "trust"]
    r = api.patch(f"/evaluation/outcomes/{w.outcome.pk}", {"acting_for": w.city.slug,
                                                            "expected_version": w.outcome.version,
                                                            "contributes_to": None})
    assert r.status_code == 200 and r.json()["contributes_to_id"] is None


def test_a_private_framework_answers_404_to_others(framework):
    w = framework.world
    stranger = as_(make_person())
    base = f"/partnerships/{w.p.slug}/evaluation"
    for path in (f"{base}/framework", f"{base}/indicators", f"{base}/outcomes", f"{base}/versions",
                 f"/evaluation/indicators/{w.meals.pk}"):
        assert stranger.get(path).status_code == 404, path
    assert ApiClient().get(f"{base}/framework").status_code == 404
    r = stranger.patch(f"/evaluation/indicators/{w.meals.pk}", {"acting_for": w.city.slug, "expected_version": 1})
    assert r.status_code == 404


def test_indicator_list_query_count_is_flat(framework):
    w = framework.world
    api = as_(w.lead)
    url = f"/partnerships/{w.p.slug}/evaluation/indicators"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(5):
        i = fw.indicator_create(actor=w.lead, acting_for=w.city, framework=framework, outcome=w.outcome,
                                code=f"extra-{n}", name=f"Extra {n}", definition="x", unit="x", data_source="x",
                                reporting_partner=w.charity, serves="capacity", question="value")
        fw.indicator_targets_set(actor=w.lead, acting_for=w.city, indicator=i, targets={q: n for q in QUARTERS})
        fw.indicator_links_set(actor=w.lead, acting_for=w.city, indicator=i, work_items=[w.work_task])
    assert count() == few


def test_framework_operations_conform_to_the_description_with_real_ids(wsgi_app, adopted):
    """Schemathesis over the framework operations, with real ids so requests reach past the 404s."""
    from collections import Counter

    import schemathesis

    w = adopted.world
    key = token_for(w.lead)
    known = {"slug": [w.p.slug], "indicator_id": [w.meals.pk, w.trust.pk], "outcome_id": [w.outcome.pk],
             "number": [1]}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations
                  if (op.definition.raw.get("operationId") or "").startswith("joinery_evaluation_api_framework_")]
    assert len(operations) >= 15
    cases = {"count": 0}
    statuses: dict[str, Counter] = {}
    for operation in operations:
        test_schemathesis.run_operation(operation, known, key, cases, statuses)
    print(f"\nschemathesis (framework, real ids): {cases['count']} cases over {len(operations)} operations")
    for label, counter in statuses.items():
        print(f"  {label}: {dict(sorted(counter.items()))}")
    assert not any(s >= 500 for c in statuses.values() for s in c)
