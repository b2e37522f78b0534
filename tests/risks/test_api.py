"""The risk register through the API: the happy path, refusals (4xx), stale versions (409), query counts,
and schemathesis over the risk operations with real ids."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinery.risks import services
from joinery.risks.models import Risk, RiskAppetite
from tests.api import test_schemathesis
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of, make_partnership, make_person

from .conftest import REASON, make_risk, set_appetite

pytestmark = pytest.mark.django_db

wsgi_app = test_schemathesis.wsgi_app  # the fixture, for the schemathesis run below


def as_(person) -> ApiClient:
    return ApiClient().as_(person)


def test_record_update_accept_and_close_a_risk(partnership, city, charity):
    api = as_(admin_of(charity))
    set_appetite(partnership, city, threshold=9)
    r = api.post(f"/partnerships/{partnership.slug}/risks", {
        "acting_for": charity.slug, "title": "Volunteers drop out", "cause": "Summer", "consequence": "No deliveries",
        "likelihood": 4, "impact": 3, "owner": charity.slug, "review_date": "2031-06-30"})
    assert r.status_code == 201, r.json()
    risk = r.json()
    assert (risk["score"], risk["above_appetite"], risk["owner"]["slug"], risk["version"]) == (12, True,
                                                                                             charity.slug, 1)
    listed = api.get(f"/partnerships/{partnership.slug}/risks").json()
    assert listed["count"] == 1 and listed["items"][0]["above_appetite"] is True
    r = api.patch(f"/risks/{risk['id']}", {"acting_for": charity.slug, "expected_version": 1, "impact": 2,
                                           "status": "mitigating"})
    assert r.status_code == 200, r.json()
    assert (r.json()["score"], r.json()["status"], r.json()["version"]) == (8, "mitigating", 2)
    assert r.json()["above_appetite"] is False
    r = api.post(f"/risks/{risk['id']}/accept", {"acting_for": charity.slug, "reason": REASON,
                                                 "expected_version": 2})
    assert r.status_code == 200, r.json()
    assert r.json()["accepted_for_innovation"] and r.json()["acceptance_reason"] == REASON
    assert r.json()["accepted_by"]["id"] == admin_of(charity).pk
    r = api.post(f"/risks/{risk['id']}/close", {"acting_for": charity.slug, "reason": "Over"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    heat = api.get(f"/partnerships/{partnership.slug}/risks/heat-map").json()
    assert heat["threshold"] == 9 and heat["total"] == 0 and len(heat["cells"]) == 25


def test_a_stale_update_is_409_with_the_risk_as_saved(partnership, city, charity):
    r = make_risk(partnership, city)
    services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=1, mitigations="Theirs")
    response = as_(admin_of(charity)).patch(f"/risks/{r.pk}", {"acting_for": charity.slug, "expected_version": 1,
                                                                "mitigations": "Mine"})
    assert response.status_code == 409
    body = response.json()
    assert body["detail"] and body["theirs"]["mitigations"] == "Theirs" and body["theirs"]["version"] == 2
    r.refresh_from_db()
    assert r.mitigations == "Theirs"


def test_a_stale_accept_is_409(partnership, city):
    r = make_risk(partnership, city)
    services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=1, impact=4)
    response = as_(admin_of(city)).post(f"/risks/{r.pk}/accept", {"acting_for": city.slug, "reason": REASON,
                                                                    "expected_version": 1})
    assert response.status_code == 409


def test_refusals_have_the_shared_error_shape(partnership, city, charity, outsider):
    api = as_(admin_of(charity))
    base = {"acting_for": charity.slug, "title": "x", "cause": "y", "consequence": "z", "likelihood": 3,
            "impact": 3, "owner": charity.slug}
    r = api.post(f"/partnerships/{partnership.slug}/risks", {**base, "owner": outsider.slug})
    assert r.status_code == 400 and "owner" in r.json()["errors"]
    r = api.post(f"/partnerships/{partnership.slug}/risks", {**base, "owner": "no-such-org"})
    assert r.status_code == 400 and "owner" in r.json()["errors"]
    r = api.post(f"/partnerships/{partnership.slug}/risks", {**base, "likelihood": 6})
    assert r.status_code == 422 and "likelihood" in r.json()["errors"]
    r = api.post(f"/partnerships/{partnership.slug}/risks", {**base, "title": "  "})
    assert r.status_code == 400 and "title" in r.json()["errors"]
    risk = make_risk(partnership, city)
    r = api.post(f"/risks/{risk.pk}/accept", {"acting_for": charity.slug, "reason": REASON})
    assert r.status_code == 403 and r.json()["errors"] == {}
    r = as_(admin_of(city)).post(f"/risks/{risk.pk}/accept", {"acting_for": city.slug, "reason": "ok"})
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = api.post(f"/partnerships/{partnership.slug}/risk-appetite", {"acting_for": charity.slug, "threshold": 9,
                                                                     "statement": "Ours"})
    assert r.status_code == 403
    assert not RiskAppetite.objects.exists() and Risk.objects.count() == 1


def test_private_registers_answer_404_to_others(partnership, city):
    r = make_risk(partnership, city)
    api = as_(make_person())
    assert api.get(f"/partnerships/{partnership.slug}/risks").status_code == 404
    assert api.get(f"/risks/{r.pk}").status_code == 404
    assert ApiClient().get(f"/risks/{r.pk}").status_code == 404


def test_appetite_get_and_set(partnership, city):
    api = as_(admin_of(city))
    assert api.get(f"/partnerships/{partnership.slug}/risk-appetite").json() == {"current": None, "history": []}
    r = api.post(f"/partnerships/{partnership.slug}/risk-appetite", {"acting_for": city.slug, "threshold": 10,
                                                                     "statement": "Learn by doing."})
    assert r.status_code == 201 and r.json()["threshold"] == 10
    api.post(f"/partnerships/{partnership.slug}/risk-appetite", {"acting_for": city.slug, "threshold": 12,
                                                                 "statement": "Bolder."})
    body = api.get(f"/partnerships/{partnership.slug}/risk-appetite").json()
    assert body["current"]["threshold"] == 12 and [a["threshold"] for a in body["history"]] == [12, 10]


def test_list_query_count_is_flat(partnership, city, charity):
    set_appetite(partnership, city)
    make_risk(partnership, city)
    api = as_(admin_of(charity))
    url = f"/partnerships/{partnership.slug}/risks"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(10):
        make_risk(partnership, charity, title=f"R{n}", owner=city if n % 2 else charity)
    assert count() == few


def test_risk_operations_conform_to_the_description_with_real_ids(wsgi_app, city, charity):
    """Schemathesis over the risk operations, with real ids so requests reach past the 404s."""
    from collections import Counter

    import schemathesis

    p = make_partnership(convener=city, partners=[charity], name="Schema Renewal")
    set_appetite(p, city)
    risk = make_risk(p, city)
    person = admin_of(city)
    key = token_for(person)
    known = {"slug": [p.slug], "risk_id": [risk.pk]}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if "risks" in (op.definition.raw.get("tags") or [])]
    assert len(operations) >= 8
    cases = {"count": 0}
    statuses: dict[str, Counter] = {}
    for operation in operations:
        test_schemathesis.run_operation(operation, known, key, cases, statuses)
    print(f"\nschemathesis (risks, real ids): {cases['count']} cases over {len(operations)} operations")
    for label, counter in statuses.items():
        print(f"  {label}: {dict(sorted(counter.items()))}")
    assert sum(c[s] for c in statuses.values() for s in c if 200 <= s < 300) >= len(operations) // 2
