"""Scorecards, series and thread through the API: the same figures as the pages, refusals in the shared
error shape, 404 for private partnerships, query counts, and schemathesis with real ids."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api import test_schemathesis
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of

from .scorecard_helpers import build_reported, link

pytestmark = pytest.mark.django_db

wsgi_app = test_schemathesis.wsgi_app  # the fixture, for the schemathesis run below


@pytest.fixture
def reported(adopted):
    return build_reported(adopted)


def as_(person) -> ApiClient:
    return ApiClient().as_(person)


def test_scorecard(reported):
    w = reported.world
    api = as_(admin_of(w.business))
    r = api.get(f"/partnerships/{w.p.slug}/evaluation/scorecard", as_of="2026-02-15")
    assert r.status_code == 200, r.json()
    s = r.json()
    assert s["counts"] == {"on_track": 1, "at_risk": 0, "off_track": 1, "no_data": 1}
    assert (s["as_of"], s["framework_status"], s["outcome_id"], s["partner"]) == ("2026-02-15", "adopted", None,
                                                                                   None)
    cards = {c["indicator"]["code"]: c for c in s["cards"]}
    meals = cards["meals"]
    assert (meals["period"], meals["value"], meals["target"], meals["previous"], meals["previous_period"]) == (
        "2025-Q4", "125", "120", "118", "2025-Q2")
    assert (meals["status"], meals["trend"], meals["gap_percent"]) == ("on_track", "improving", "4.2")
    assert meals["sentence"] == "Improving: 4% above target in Q4 2025."
    assert cards["wait-days"]["gap_percent"] == "-12.5" and cards["trust"]["value"] is None
    assert [b["key"] for b in s["bottom_lines"]] == ["productivity", "service_experience", "results", "democracy",
                                                     "relationships", "capacity"]
    assert [q["answer"] for q in s["questions"]] == ["mixed", "unknown", "unknown"]
    r = api.get(f"/partnerships/{w.p.slug}/evaluation/scorecard", partner=w.charity.slug, as_of="2026-02-15")
    assert [c["indicator"]["code"] for c in r.json()["cards"]] == ["meals"]
    assert r.json()["partner"]["slug"] == w.charity.slug
    r = api.get(f"/partnerships/{w.p.slug}/evaluation/scorecard", outcome=w.outcome.pk)
    assert [c["indicator"]["code"] for c in r.json()["cards"]] == ["meals", "wait-days"]


def test_refusals(reported):
    w = reported.world
    api = as_(admin_of(w.city))
    url = f"/partnerships/{w.p.slug}/evaluation/scorecard"
    r = api.get(url, as_of="2026-13-01")
    assert r.status_code == 422 and "as_of" in r.json()["errors"]
    r = api.get(url, outcome=999999)
    assert r.status_code == 400 and "outcome" in r.json()["errors"]
    r = api.get(url, partner="nobody-here")
    assert r.status_code == 400 and "partner" in r.json()["errors"]
    assert api.get("/evaluation/indicators/999999/series").status_code == 404
    assert api.get("/evaluation/commitments/999999/indicators").status_code == 404


def test_private_partnership_answers_404(reported):
    w = reported.world
    meals = w.indicator("meals")
    for api in (ApiClient(), as_(admin_of(w.outsider))):
        assert api.get(f"/partnerships/{w.p.slug}/evaluation/scorecard").status_code == 404
        assert api.get(f"/evaluation/indicators/{meals.pk}/series").status_code == 404
        assert api.get(f"/evaluation/indicators/{meals.pk}/thread").status_code == 404
        assert api.get(f"/evaluation/commitments/{w.commitment(w.charity).pk}/indicators").status_code == 404


def test_no_framework_is_404(world):
    api = as_(admin_of(world.city))
    assert api.get(f"/partnerships/{world.p.slug}/evaluation/scorecard").status_code == 404


def test_series_thread_and_commitment_indicators(reported):
    w = reported.world
    meals = w.indicator("meals")
    grant = w.commitment(w.charity)
    link(w, meals, commitments=[grant], work_items=[w.work_task])
    w.rates()
    w.record(w.charity, commitment=grant)  # 1,000 CAD
    api = as_(admin_of(w.residents))
    r = api.get(f"/evaluation/indicators/{meals.pk}/series", as_of="2026-02-15")
    assert r.status_code == 200, r.json()
    series = r.json()["series"]
    assert [(p["period"], p["value"], p["target"]) for p in series[:4]] == [
        ("2025-Q1", "110", "120"), ("2025-Q2", "118", "120"), ("2025-Q3", None, "120"), ("2025-Q4", "125", "120")]
    assert series[3]["corrected"] and series[3]["reported_by"]["slug"] == w.charity.slug
    assert series[2]["status"] == "no_data" and series[2]["due"] is True
    assert r.json()["card"]["status"] == "on_track"
    r = api.get(f"/evaluation/indicators/{meals.pk}/thread")
    assert r.status_code == 200, r.json()
    t = r.json()
    assert [c["id"] for c in t["commitments"]] == [grant.pk] and [i["id"] for i in t["work_items"]] == [
        w.work_task.pk]
    assert t["totals"] == [{"currency": "CAD", "value": "1000.00"}]
    assert t["credits"][0]["organisation"]["slug"] == w.charity.slug
    # latest value 125 (Q4 2025), baseline 100: 1,000 / 25 = 40 CAD per meal
    assert (t["improvement"], t["cost_per_unit"], t["cost_currency"]) == ("25", "40", "CAD")
    r = api.get(f"/evaluation/commitments/{grant.pk}/indicators", as_of="2026-02-15")
    assert r.status_code == 200, r.json()
    assert [c["indicator"]["code"] for c in r.json()["cards"]] == ["meals"]
    assert r.json()["commitment"]["party"]["slug"] == w.charity.slug


def test_scorecard_query_count_is_flat(reported):
    from joinery.evaluation.services import framework as fw

    from .scorecard_helpers import report

    w = reported.world
    api = as_(admin_of(w.city))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"/partnerships/{w.p.slug}/evaluation/scorecard").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for k in range(9):
        i = fw.indicator_create(
            actor=w.lead, acting_for=w.city, framework=reported, outcome=w.outcome, code=f"extra-{k}",
            name=f"Extra {k}", definition="More.", unit="visits", value_type="whole", direction="lower",
            aggregation="sum", data_source="Counts", reporting_partner=w.charity, serves="relationships",
            question="value")
        report(w, i, "2025-Q4", str(k))
    assert count() == few


def test_scorecard_operations_conform_to_the_description_with_real_ids(wsgi_app, reported):
    from collections import Counter

    import schemathesis

    w = reported.world
    link(w, w.indicator("meals"), commitments=[w.commitment(w.charity)])
    key = token_for(admin_of(w.city))
    known = {"slug": [w.p.slug], "id": [w.indicator("meals").pk, w.commitment(w.charity).pk]}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    paths = ("/scorecard", "/series", "/thread", "/indicators")
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.method.upper() == "GET" and op.path.endswith(paths)
                  and ("/evaluation/" in op.path)]
    assert len(operations) >= 4
    cases = {"count": 0}
    statuses: dict[str, Counter] = {}
    for operation in operations:
        test_schemathesis.run_operation(operation, known, key, cases, statuses)
    assert sum(c[s] for c in statuses.values() for s in c if 200 <= s < 300) >= 1
