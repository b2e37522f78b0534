"""The work programme through the API: happy paths, field errors, the decision gate (202), stale versions (409)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinery.network.models import Decision, DecisionKind
from joinery.programme import services
from joinery.programme.models import (
    ItemStatus,
    ProgrammeStatus,
    SignupStatus,
    VolunteerSignup,
    WorkItem,
)
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of, make_organisation, make_person
from tests.programme.conftest import Cast

pytestmark = pytest.mark.django_db


def as_(person) -> ApiClient:
    return ApiClient(token_for(person))


def test_programme_create_list_detail_update(cast):
    lead = as_(cast.lead)
    r = lead.post(f"/partnerships/{cast.p.slug}/programmes",
                  {"acting_for": cast.city.slug, "title": "Housing plan", "agreement": cast.agreement.pk})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["title"] == "Housing plan" and body["status"] == "draft" and body["items"] == []
    pk = body["id"]
    r = lead.get(f"/partnerships/{cast.p.slug}/programmes")
    assert r.status_code == 200 and {p["title"] for p in r.json()["items"]} == {"Kitchen programme", "Housing plan"}
    r = lead.patch(f"/programmes/{pk}", {"acting_for": cast.city.slug, "expected_version": 1, "summary": "Homes"})
    assert r.status_code == 200 and r.json()["summary"] == "Homes" and r.json()["version"] == 2
    r = lead.patch(f"/programmes/{pk}", {"acting_for": cast.city.slug, "expected_version": 1, "title": "Late"})
    assert r.status_code == 409 and r.json()["detail"]


def test_programme_create_field_errors(cast):
    other = Cast(name="Westside")
    r = as_(cast.lead).post(f"/partnerships/{cast.p.slug}/programmes",
                            {"acting_for": cast.city.slug, "title": " ", "agreement": other.agreement.pk})
    assert r.status_code == 400
    assert set(r.json()["errors"]) == {"title", "agreement"}
    r = as_(cast.lead).post(f"/partnerships/{cast.p.slug}/programmes", {"acting_for": "nobody", "title": "X"})
    assert r.status_code == 400 and "acting_for" in r.json()["errors"]
    r = as_(cast.lead).post(f"/partnerships/{cast.p.slug}/programmes", {"acting_for": cast.city.slug})
    assert r.status_code == 422 and "title" in r.json()["errors"]


def test_private_partnership_is_404_to_outsiders(cast):
    o, i, m, t = cast.tree()
    stranger = as_(admin_of(make_organisation(name="Stranger")))
    for path in [f"/partnerships/{cast.p.slug}/programmes", f"/programmes/{cast.programme.pk}",
                 f"/partnerships/{cast.p.slug}/work-items", f"/work-items/{t.pk}"]:
        assert stranger.get(path).status_code == 404, path
        assert ApiClient().get(path).status_code == 404, path
    r = stranger.post(f"/work-items/{t.pk}/status", {"acting_for": "x", "status": "done"})
    assert r.status_code == 404


def test_create_items_and_read_them_with_their_links(cast):
    o, i, m, t = cast.tree()
    lead = as_(cast.lead)
    r = lead.post(f"/programmes/{cast.programme.pk}/work-items", {
        "acting_for": cast.city.slug, "kind": "task", "title": "Fit ovens", "owner": cast.charity.slug,
        "parent": m.pk, "commitments": [cast.commitment.pk], "depends_on": [t.pk], "due_date": "2026-12-01",
        "volunteers_wanted": 2, "owner_person": cast.food.pk})
    assert r.status_code == 201, r.content
    item = r.json()
    assert item["parent_id"] == m.pk and item["depends_on"] == [t.pk] and item["owner"]["slug"] == cast.charity.slug
    assert item["commitments"][0]["id"] == cast.commitment.pk and item["owner_person"]["id"] == cast.food.pk
    r = lead.get(f"/work-items/{t.pk}")
    assert r.status_code == 200 and r.json()["dependants"] == [item["id"]]
    r = lead.get(f"/programmes/{cast.programme.pk}")
    assert [x["title"] for x in r.json()["items"]] == ["Nobody goes hungry", "Community kitchen", "Kitchen open",
                                                       "Buy ovens", "Fit ovens"]


def test_item_field_errors(cast):
    other = Cast(name="Westside")
    lead = as_(cast.lead)
    path = f"/programmes/{cast.programme.pk}/work-items"
    base = {"acting_for": cast.city.slug, "kind": "task", "title": "X", "owner": cast.charity.slug}
    r = lead.post(path, base | {"commitments": [other.commitment.pk]})
    assert r.status_code == 400 and "commitments" in r.json()["errors"]
    r = lead.post(path, base | {"commitments": [999999]})
    assert r.status_code == 400 and "commitments" in r.json()["errors"]
    r = lead.post(path, base | {"parent": 999999})
    assert r.status_code == 400 and "parent" in r.json()["errors"]
    r = lead.post(path, base | {"owner": "nobody-at-all"})
    assert r.status_code == 400 and "owner" in r.json()["errors"]
    r = lead.post(path, base | {"start_date": "2026-05-02", "due_date": "2026-05-01"})
    assert r.status_code == 400 and "due_date" in r.json()["errors"]
    r = lead.post(path, base | {"kind": "milestone"})
    assert r.status_code == 400 and "parent" in r.json()["errors"]
    r = lead.post(path, base | {"volunteers_wanted": -1})
    assert r.status_code == 422 and "volunteers_wanted" in r.json()["errors"]
    r = lead.post(path, base | {"kind": "nonsense"})
    assert r.status_code == 422
    assert not WorkItem.objects.exists()


def test_update_with_409_on_a_stale_version_and_cycles_refused(cast):
    a = cast.item(title="A", owner=cast.charity)
    b = cast.item(title="B", owner=cast.charity, depends_on=[a])
    food = as_(cast.food)
    r = food.patch(f"/work-items/{a.pk}", {"acting_for": cast.charity.slug, "expected_version": 1,
                                           "title": "A (renamed)", "due_date": "2026-12-24"})
    assert r.status_code == 200 and r.json()["title"] == "A (renamed)" and r.json()["version"] == 2
    r = food.patch(f"/work-items/{a.pk}", {"acting_for": cast.charity.slug, "expected_version": 1, "title": "Late"})
    assert r.status_code == 409 and r.json()["errors"]
    r = food.patch(f"/work-items/{a.pk}", {"acting_for": cast.charity.slug, "expected_version": 2,
                                           "depends_on": [b.pk]})
    assert r.status_code == 400 and "depends_on" in r.json()["errors"]
    r = as_(cast.res).patch(f"/work-items/{a.pk}", {"acting_for": cast.residents.slug, "expected_version": 2,
                                                    "title": "Ours"})
    assert r.status_code == 403


def test_status_and_the_decision_gate_answer_202(cast):
    o, i, m, t = cast.tree()
    cast.adopt()
    lead = as_(cast.lead)
    r = lead.post(f"/programmes/{cast.programme.pk}/work-items", {
        "acting_for": cast.city.slug, "kind": "milestone", "title": "Second kitchen", "owner": cast.city.slug,
        "parent": i.pk})
    assert r.status_code == 202, r.content
    d = Decision.objects.get(pk=r.json()["decision_id"])
    assert d.kind == DecisionKind.PROGRAMME_CHANGE and r.json()["url"] == d.get_absolute_url()
    r = lead.post(f"/work-items/{t.pk}/status", {"acting_for": cast.city.slug, "status": "in_progress"})
    assert r.status_code == 200 and r.json()["status"] == ItemStatus.IN_PROGRESS
    r = lead.post(f"/work-items/{m.pk}/status", {"acting_for": cast.city.slug, "status": "cancelled"})
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = lead.patch(f"/work-items/{m.pk}", {"acting_for": cast.city.slug, "expected_version": 1, "title": "Open!"})
    assert r.status_code == 202
    m.refresh_from_db()
    assert m.title == "Kitchen open"
    cast.close(Decision.objects.get(pk=r.json()["decision_id"]))
    m.refresh_from_db()
    assert m.title == "Open!"


def test_adopt_via_the_api(cast):
    r = as_(cast.food).post(f"/programmes/{cast.programme.pk}/adopt", {"acting_for": cast.charity.slug})
    assert r.status_code == 403
    r = as_(cast.food).post(f"/programmes/{cast.programme.pk}/adopt",
                            {"acting_for": cast.charity.slug, "via_decision": True})
    assert r.status_code == 202
    r = as_(cast.lead).post(f"/programmes/{cast.programme.pk}/adopt",
                            {"acting_for": cast.city.slug, "expected_version": 1})
    assert r.status_code == 200 and r.json()["status"] == ProgrammeStatus.ADOPTED
    r = as_(cast.lead).post(f"/programmes/{cast.programme.pk}/adopt", {"acting_for": cast.city.slug})
    assert r.status_code == 400


def test_work_list_filters(cast):
    o, i, m, t = cast.tree()
    cast.item(title="Late", owner=cast.residents, due_date=timezone.localdate() - dt.timedelta(days=2))
    api = as_(cast.food)
    path = f"/partnerships/{cast.p.slug}/work-items"
    assert {x["title"] for x in api.get(path, overdue="true").json()["items"]} == {"Late"}
    assert {x["title"] for x in api.get(path, owner=cast.residents.slug).json()["items"]} == {"Late"}
    assert {x["title"] for x in api.get(path, kind="milestone").json()["items"]} == {"Kitchen open"}
    assert {x["title"] for x in api.get(path, q="oven").json()["items"]} == {"Buy ovens"}
    assert len(api.get(path, status="open", limit=2).json()["items"]) == 2
    assert api.get(path, status="nonsense").status_code == 422
    assert api.get(path, owner="nobody").status_code == 400
    assert api.get(path, programme=999999).status_code == 400


def test_volunteer_flow_through_the_api(public_cast, citizen):
    c = public_cast
    task = c.item(title="Serve lunch", owner=c.charity, volunteers_wanted=1)
    me = as_(citizen)
    r = ApiClient().get("/volunteer-opportunities")
    assert r.status_code == 200 and [x["title"] for x in r.json()] == ["Serve lunch"]
    r = me.post(f"/work-items/{task.pk}/signups", {"message": "Tuesdays"})
    assert r.status_code == 201 and r.json()["status"] == SignupStatus.PENDING
    signup_id = r.json()["id"]
    assert me.post(f"/work-items/{task.pk}/signups", {}).status_code == 400
    r = as_(c.res).post(f"/signups/{signup_id}/decide", {"acting_for": c.residents.slug, "confirm": True})
    assert r.status_code == 403
    r = as_(c.food).post(f"/signups/{signup_id}/decide", {"acting_for": c.charity.slug, "confirm": False})
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = as_(c.food).post(f"/signups/{signup_id}/decide", {"acting_for": c.charity.slug, "confirm": True})
    assert r.status_code == 200 and r.json()["status"] == SignupStatus.CONFIRMED
    assert len(as_(c.food).get(f"/work-items/{task.pk}/signups").json()["items"]) == 1
    assert as_(make_person()).get(f"/work-items/{task.pk}/signups").json()["items"] == []
    full = as_(make_person()).post(f"/work-items/{task.pk}/signups", {})
    assert full.status_code == 400
    r = me.post(f"/signups/{signup_id}/withdraw", {"reason": "Moving away"})
    assert r.status_code == 200 and VolunteerSignup.objects.get(pk=signup_id).status == SignupStatus.WITHDRAWN


def test_my_work(cast):
    cast.item(title="Ours", owner=cast.charity)
    cast.item(title="Theirs", owner=cast.residents)
    r = as_(cast.food).get("/my-work")
    assert r.status_code == 200 and [x["title"] for x in r.json()] == ["Ours"]
    assert ApiClient().get("/my-work").status_code == 401


def test_the_meetings_contract_through_services(cast):
    programme = services.programme_for_actions(actor=cast.food, acting_for=cast.charity, partnership=cast.p,
                                               agreement=cast.agreement)
    task = services.work_item_create(actor=cast.food, acting_for=cast.charity, programme=programme, kind="task",
                                     title="Circulate minutes", owner=cast.charity,
                                     due_date=timezone.localdate(), description="Agreed at the review")
    assert isinstance(task, WorkItem)
