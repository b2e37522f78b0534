"""The measurements API: report, push many (all or nothing), correct (409 when stale), read with history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinery.evaluation.models import Measurement
from tests.api.conftest import ApiClient
from tests.conftest import admin_of, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(db):
    return ApiClient()


def test_report_list_and_read_a_value(api, adopted):
    w = adopted.world
    me = api.as_(admin_of(w.charity))
    r = me.post(f"/partnerships/{w.p.slug}/evaluation/measurements",
                {"acting_for": w.charity.slug, "indicator": "meals", "period": "2025-Q1", "value": "130",
                 "note": "Till"})
    assert r.status_code == 201, r.json()
    out = r.json()
    assert (out["value"], out["period"], out["period_label"], out["source"]) == ("130", "2025-Q1", "Q1 2025", "api")
    assert out["reported_for"]["slug"] == w.charity.slug and out["indicator"]["code"] == "meals"
    listed = me.get(f"/partnerships/{w.p.slug}/evaluation/measurements", indicator="meals").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == out["id"]
    assert me.get(f"/partnerships/{w.p.slug}/evaluation/measurements", period="2025-Q2").json()["count"] == 0
    detail = me.get(f"/evaluation/measurements/{out['id']}").json()
    assert [h["id"] for h in detail["history"]] == [out["id"]]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"value": "12.5"}, 400, "value"),
    ({"period": "2027-Q1"}, 400, "period"),
    ({"indicator": "soup"}, 400, "indicator"),
    ({"value": "NaN"}, 422, "value"),
    ({"acting_for": "nobody"}, 400, "acting_for"),
])
def test_bad_reports_answer_field_errors_and_write_nothing(api, adopted, body, status, field):
    w = adopted.world
    payload = {"acting_for": w.charity.slug, "indicator": "meals", "period": "2025-Q1", "value": "130", **body}
    r = api.as_(admin_of(w.charity)).post(f"/partnerships/{w.p.slug}/evaluation/measurements", payload)
    assert r.status_code == status, r.json()
    assert field in r.json()["errors"]
    assert not Measurement.objects.exists()


def test_another_partner_is_refused_and_strangers_see_nothing(api, adopted):
    w = adopted.world
    r = api.as_(admin_of(w.business)).post(f"/partnerships/{w.p.slug}/evaluation/measurements",
                                           {"acting_for": w.business.slug, "indicator": "meals",
                                            "period": "2025-Q1", "value": "1"})
    assert r.status_code == 400 and "not the reporting partner" in r.json()["errors"]["indicator"][0]
    r = api.as_(admin_of(w.outsider)).post(f"/partnerships/{w.p.slug}/evaluation/measurements",
                                           {"acting_for": w.outsider.slug, "indicator": "meals",
                                            "period": "2025-Q1", "value": "1"})
    assert r.status_code == 404  # a private partnership does not reveal itself
    assert api.get(f"/partnerships/{w.p.slug}/evaluation/measurements").status_code == 404


def test_batch_push_is_all_or_nothing(api, adopted):
    w = adopted.world
    me = api.as_(admin_of(w.charity))
    rows = [{"indicator": "meals", "period": "2025-Q1", "value": "130"},
            {"indicator": "meals", "period": "2025-Q1", "value": "131"},
            {"indicator": "meals", "period": "2025-Q2", "value": "1", "unit": "kg"}]
    r = me.post(f"/partnerships/{w.p.slug}/evaluation/measurements/batch", {"acting_for": w.charity.slug,
                                                                            "rows": rows})
    assert r.status_code == 422, r.json()
    report = r.json()["report"]
    assert [(x["row"], x["column"]) for x in report] == [(1, "period"), (2, "period"), (3, "unit")]
    assert "row 3: unit" in r.json()["errors"]
    assert not Measurement.objects.exists()
    rows = [rows[0], {**rows[2], "unit": "meals"}]
    r = me.post(f"/partnerships/{w.p.slug}/evaluation/measurements/batch", {"acting_for": w.charity.slug,
                                                                            "rows": rows})
    assert r.status_code == 201, r.json()
    assert [x["value"] for x in r.json()] == ["130", "1"]


def test_correct_then_409_when_stale(api, adopted):
    w = adopted.world
    me = api.as_(admin_of(w.charity))
    first = me.post(f"/partnerships/{w.p.slug}/evaluation/measurements",
                    {"acting_for": w.charity.slug, "indicator": "meals", "period": "2025-Q1", "value": "130"}).json()
    r = me.post(f"/evaluation/measurements/{first['id']}/correct",
                {"acting_for": w.charity.slug, "value": "103", "reason": "Typo"})
    assert r.status_code == 201, r.json()
    new = r.json()
    assert (new["replaces_id"], new["correction_reason"], new["is_current"]) == (first["id"], "Typo", True)
    stale = me.post(f"/evaluation/measurements/{first['id']}/correct",
                    {"acting_for": w.charity.slug, "value": "104", "reason": "Again"})
    assert stale.status_code == 409, stale.json()
    detail = me.get(f"/evaluation/measurements/{first['id']}").json()
    assert detail["is_current"] is False
    assert [h["value"] for h in detail["history"]] == ["103", "130"]
    no_reason = me.post(f"/evaluation/measurements/{new['id']}/correct",
                        {"acting_for": w.charity.slug, "value": "104", "reason": ""})
    assert no_reason.status_code == 422


def test_list_query_count_does_not_grow(api, adopted):
    w = adopted.world
    me = api.as_(admin_of(w.charity))
    path = f"/partnerships/{w.p.slug}/evaluation/measurements/batch"
    me.post(path, {"acting_for": w.charity.slug,
                   "rows": [{"indicator": "meals", "period": "2025-Q1", "value": "1"}]})
    with CaptureQueriesContext(connection) as one:
        me.get(f"/partnerships/{w.p.slug}/evaluation/measurements")
    me.post(path, {"acting_for": w.charity.slug,
                   "rows": [{"indicator": "meals", "period": p, "value": "1"}
                            for p in ("2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1")]})
    with CaptureQueriesContext(connection) as five:
        r = me.get(f"/partnerships/{w.p.slug}/evaluation/measurements")
    assert r.json()["count"] == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_openapi_lists_the_measurement_operations(api, db):
    make_person()
    schema = api.get("/openapi.json").json()
    for path in ("/api/v1/partnerships/{slug}/evaluation/measurements",
                 "/api/v1/partnerships/{slug}/evaluation/measurements/batch",
                 "/api/v1/evaluation/measurements/{measurement_id}",
                 "/api/v1/evaluation/measurements/{measurement_id}/correct"):
        assert path in schema["paths"], path
