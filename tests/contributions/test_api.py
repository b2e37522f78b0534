"""The contributions API: the same services as the web, the shared error shape, and query counts."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinery.contributions.models import Contribution, ContributionImport
from tests.api.conftest import BASE, ApiClient
from tests.conftest import admin_of, make_person, publish

from .conftest import D, NothingWritten, World
from .test_import import GOOD, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(db):
    return ApiClient()


def new_contribution(w, **kw):
    body = {"acting_for": w.charity.slug, "kind": "money", "description": "Grant", "date": "2026-03-31",
            "quantity": "1500.00", "currency": "CAD"}
    body.update(kw)
    return body


def test_record_list_and_read_a_contribution(api, w):
    me = api.as_(admin_of(w.charity))
    r = me.post(f"/partnerships/{w.p.slug}/contributions",
                new_contribution(w, commitment_id=w.commitment(w.charity).pk, evidence_url="https://example.org/r"))
    assert r.status_code == 201, r.json()
    out = r.json()
    assert out["value"] == "1500.00" and out["organisation"]["slug"] == w.charity.slug
    assert out["sector"] == "non_profit" and out["commitment_id"] == w.commitment(w.charity).pk
    hours = me.post(f"/partnerships/{w.p.slug}/contributions",
                    new_contribution(w, kind="staff_hours", quantity="7.5", currency="", people=1))
    assert hours.json()["rate"]["work_kind"] == "staff-general" and hours.json()["value"] == "225.00"
    listed = me.get(f"/partnerships/{w.p.slug}/contributions").json()
    assert listed["count"] == 2 and listed["items"][0]["id"] in (out["id"], hours.json()["id"])
    assert me.get(f"/contributions/{out['id']}").json()["description"] == "Grant"
    assert me.get(f"/partnerships/{w.p.slug}/contributions", kind="staff_hours").json()["count"] == 1


@pytest.mark.parametrize("bad,field,text", [
    ({"quantity": "-10"}, "quantity", "more than zero"),
    ({"currency": "XYZ"}, "currency", "not a currency code"),
    ({"kind": "staff_hours", "quantity": "25", "currency": ""}, "quantity", "at most 24 hours"),
    ({"commitment_id": 999999}, "commitment_id", "no commitment"),
])
def test_bad_input_is_a_400_with_field_errors_and_nothing_written(api, w, bad, field, text):
    me = api.as_(admin_of(w.charity))
    with NothingWritten():
        r = me.post(f"/partnerships/{w.p.slug}/contributions", new_contribution(w, **bad))
    assert r.status_code == 400, r.json()
    body = r.json()
    assert set(body) == {"detail", "errors"} and text in " ".join(body["errors"][field])


def test_another_partnerships_commitment_is_refused(api, w):
    other = World(name="Westside")
    theirs = other.commitment(other.charity)
    me = api.as_(admin_of(w.charity))
    with NothingWritten():
        r = me.post(f"/partnerships/{w.p.slug}/contributions", new_contribution(w, commitment_id=theirs.pk))
    assert r.status_code == 400 and "another partnership" in r.json()["errors"]["commitment_id"][0]


def test_schema_errors_are_422_and_outsiders_get_403_or_404(api, w):
    me = api.as_(admin_of(w.charity))
    assert me.post(f"/partnerships/{w.p.slug}/contributions", {"kind": "money"}).status_code == 422
    assert me.post(f"/partnerships/{w.p.slug}/contributions",
                   new_contribution(w, date="0001-01-01")).status_code == 422
    stranger = api.as_(make_person())
    assert stranger.get(f"/partnerships/{w.p.slug}/contributions").status_code == 404
    assert api.get(f"/partnerships/{w.p.slug}/investment").status_code == 404
    outsider = api.as_(admin_of(w.outsider))
    r = outsider.post(f"/partnerships/{w.p.slug}/contributions", new_contribution(w, acting_for=w.outsider.slug))
    assert r.status_code == 404  # the private partnership is not revealed
    nosy = api.as_(admin_of(w.business))
    r = nosy.post(f"/partnerships/{w.p.slug}/contributions", new_contribution(w))  # acting for the food bank
    assert r.status_code == 403 and r.json()["errors"] == {}


def test_correct_and_withdraw_with_409_on_a_stale_record(api, w):
    me = api.as_(admin_of(w.charity))
    c = w.record()
    r = me.post(f"/contributions/{c.pk}/correct", {"acting_for": w.charity.slug, "reason": "It was 1,100",
                                                   "quantity": "1100"})
    assert r.status_code == 201 and r.json()["replaces_id"] == c.pk and r.json()["value"] == "1100.00"
    again = me.post(f"/contributions/{c.pk}/correct", {"acting_for": w.charity.slug, "reason": "x",
                                                       "quantity": "5"})
    assert again.status_code == 409
    new_id = r.json()["id"]
    gone = me.post(f"/contributions/{new_id}/withdraw", {"acting_for": w.charity.slug, "reason": "Duplicate"})
    assert gone.status_code == 200 and gone.json()["withdrawn_reason"] == "Duplicate"
    assert me.post(f"/contributions/{new_id}/withdraw",
                   {"acting_for": w.charity.slug, "reason": "again"}).status_code == 409
    listed = me.get(f"/partnerships/{w.p.slug}/contributions", include_withdrawn="true").json()
    assert listed["count"] == 2


def _upload(client, w, data, name="q1.csv", org=None):
    org = org or w.charity
    return client.client.post(f"{BASE}/partnerships/{w.p.slug}/contributions/import",
                              {"acting_for": org.slug, "file": SimpleUploadedFile(name, data)},
                              headers={"Authorization": f"Bearer {client.key}"})


def test_import_over_the_api_is_all_or_nothing(api, w):
    me = api.as_(admin_of(w.charity))
    bad = GOOD + [["2026-03-01", "", "", "money", "Refund", "-200", "CAD", "", "", "", "", "", ""]]
    r = _upload(me, w, csv_bytes(bad))
    assert r.status_code == 400
    body = r.json()
    assert body["report"] == [{"row": 5, "column": "quantity", "problem": body["report"][0]["problem"],
                               "fix": body["report"][0]["fix"]}]
    assert "more than zero" in body["errors"]["row 5: quantity"][0]
    assert "nothing was imported" in body["detail"] and body["import_id"]
    assert Contribution.objects.count() == 0
    ok = _upload(me, w, csv_bytes(GOOD))
    assert ok.status_code == 201 and ok.json()["rows"] == 3 and ok.json()["status"] == "imported"
    with NothingWritten():
        garbage = _upload(me, w, b"\x00\x01garbage", name="x.csv")
    assert garbage.status_code == 400 and "not a CSV or XLSX" in garbage.json()["errors"]["file"][0]
    assert ContributionImport.objects.count() == 2


def test_export_rates_investment_and_commitments_vs_actuals(api, w):
    w.record(w.city, quantity=6000, description="City money", commitment=w.commitment(w.city))
    w.record(quantity=4000, description="Food bank money", commitment=w.commitment(w.charity))
    me = api.as_(admin_of(w.charity))
    xlsx = me.get(f"/partnerships/{w.p.slug}/contributions/export", format="xlsx")
    assert xlsx.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.max_row == 3
    assert me.get(f"/partnerships/{w.p.slug}/contributions/export", format="pdf").status_code == 422
    rates = me.get(f"/partnerships/{w.p.slug}/valuation-rates").json()
    assert {r["work_kind"] for r in rates["items"]} == {"staff-general", "volunteer-general"}
    refused = me.post(f"/partnerships/{w.p.slug}/valuation-rates", {
        "acting_for": w.charity.slug, "work_kind": "x", "label": "X", "hours_kind": "staff_hours",
        "hourly_rate": "5", "currency": "CAD", "valid_from": "2026-01-01", "basis": "b"})
    assert refused.status_code == 403
    lead = api.as_(w.lead)
    made = lead.post(f"/partnerships/{w.p.slug}/valuation-rates", {
        "acting_for": w.city.slug, "work_kind": "staff-general", "label": "Staff", "hours_kind": "staff_hours",
        "hourly_rate": "32", "currency": "CAD", "valid_from": "2026-06-01", "basis": "New scale"})
    assert made.status_code == 201 and made.json()["hourly_rate"] == "32.00"
    assert lead.get(f"/partnerships/{w.p.slug}/valuation-rates", current="true").json()["count"] == 2
    inv = me.get(f"/partnerships/{w.p.slug}/investment").json()
    assert inv["main_currency"] == "CAD" and inv["non_government_share"] == 40
    assert [s["sector"] for s in inv["by_sector"]] == ["public", "non_profit", "private", "community", "citizens"]
    assert inv["by_partner"][0]["organisation"]["slug"] == w.city.slug and inv["summary"]
    cva = me.get(f"/partnerships/{w.p.slug}/commitments-vs-actuals", period="2026").json()
    food = next(c for c in cva["commitments"] if c["party"]["slug"] == w.charity.slug)
    assert food["committed"] == "12000.00" and food["contributed"] == "4000.00" and food["gap"] == "8000.00"
    assert me.get(f"/partnerships/{w.p.slug}/investment", period="20xx").status_code == 422


def test_volunteer_hours_over_the_api_and_names_for_partners_only(api, pw):
    signup = pw.volunteer(pw.task(), name="Vera Volunteer")
    me = api.as_(admin_of(pw.charity))
    r = me.post(f"/work/{signup.item_id}/volunteer-hours", {"acting_for": pw.charity.slug, "signup_id": signup.pk,
                                                            "hours": "3", "date": "2026-03-07"})
    assert r.status_code == 201 and r.json()["volunteer"]["name"] == "Vera Volunteer"
    assert r.json()["sector"] == "citizens" and r.json()["organisation"] is None
    assert api.get(f"/contributions/{r.json()['id']}").status_code == 404  # the ledger: partners only by default
    publish(pw.p, "ledger")
    public = api.get(f"/contributions/{r.json()['id']}").json()
    assert public["volunteer"] is None and public["value"] == "60.00"


def test_list_query_count_is_flat(api, w):
    me = api.as_(admin_of(w.charity))
    w.record()
    path = f"/partnerships/{w.p.slug}/contributions"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert me.get(path).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(8):
        w.record(quantity=Decimal(n + 1), description=f"Gift {n}")
        w.record(w.residents, kind="volunteer_hours", quantity=1, currency="", person=make_person(),
                 date=D(2026, 3, 1 + n))
    assert count() == few
