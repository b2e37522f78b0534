"""Partnerships, partners, invitations, charters, decisions and positions through the API."""

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pytest
from django.utils import timezone

from joinery.audit.models import AuditEvent
from joinery.network.models import CharterVersion, Decision, Invitation, Partner, Position
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of, make_organisation, make_partnership, make_person, open_decision

pytestmark = pytest.mark.django_db


@contextmanager
def clock_moved(**delta):
    """Run as if time had moved on by `delta` (e.g. hours=49)."""
    moved = timezone.now() + dt.timedelta(**delta)
    with mock.patch("django.utils.timezone.now", return_value=moved):
        yield


def client_for(organisation) -> ApiClient:
    return ApiClient(token_for(admin_of(organisation)))


@pytest.fixture
def network(db):
    convener = make_organisation(name="Eastside Municipality", sector="public", level="local")
    charity = make_organisation(name="Eastside Food Bank")
    partnership = make_partnership(convener=convener, partners=[charity], name="Eastside Renewal")
    return convener, charity, partnership


def test_private_partnership_is_invisible_to_outsiders(network, api):
    convener, charity, partnership = network
    decision = open_decision(partnership)
    outsider = client_for(make_organisation(name="Outsiders"))
    paths = [f"/partnerships/{partnership.slug}", f"/partnerships/{partnership.slug}/partners",
             f"/partnerships/{partnership.slug}/charter", f"/partnerships/{partnership.slug}/charter/versions",
             f"/partnerships/{partnership.slug}/decisions", f"/decisions/{decision.pk}"]
    for client in (api, outsider):
        for path in paths:
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"detail": "Not found.", "errors": {}}
        assert client.get("/partnerships").json()["count"] == 0
    response = outsider.patch(f"/partnerships/{partnership.slug}",
                              {"acting_for": convener.slug, "expected_version": 1, "name": "Hijacked"})
    assert response.status_code == 404
    assert outsider.get(f"/audit-events?partnership={partnership.slug}").status_code == 404

    member = client_for(charity)
    for path in paths:
        assert member.get(path).status_code == 200, path
    assert [p["slug"] for p in member.get("/partnerships").json()["items"]] == [partnership.slug]


def test_the_public_sees_only_public_partnerships(api):
    make_partnership(name="Open Streets", visibility="public")
    make_partnership(name="Closed Room", visibility="private")
    listed = api.get("/partnerships").json()
    assert [p["name"] for p in listed["items"]] == ["Open Streets"]
    assert api.get("/partnerships", q="closed").json()["count"] == 0
    assert api.get("/partnerships/open-streets").json()["partner_count"] == 1
    assert api.get("/partnerships/closed-room").status_code == 404


def test_start_and_change_a_partnership(network):
    convener, charity, _ = network
    client = client_for(convener)
    response = client.post("/partnerships", {"acting_for": convener.slug, "name": "River Clean-up",
                                             "purpose": "Clean the river", "visibility": "public",
                                             "start_date": "2030-01-01"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["partner_count"] == 1 and created["version"] == 1
    assert Partner.objects.get(partnership__slug="river-clean-up").role == "convener"
    assert client.get("/partnerships/river-clean-up/charter").json()["number"] == 1

    bad = client.post("/partnerships", {"acting_for": convener.slug, "name": "Backwards", "purpose": "x",
                                        "start_date": "2030-02-01", "end_date": "2030-01-01"})
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["end_date"]

    response = client.patch("/partnerships/river-clean-up",
                            {"acting_for": convener.slug, "expected_version": 1, "geography": "The valley"})
    assert response.status_code == 200, response.content
    assert response.json()["geography"] == "The valley" and response.json()["version"] == 2


def test_concurrent_partnership_edit_is_refused(network):
    convener, _charity, partnership = network
    client = client_for(convener)
    assert client.patch(f"/partnerships/{partnership.slug}",
                        {"acting_for": convener.slug, "expected_version": 1, "name": "First"}).status_code == 200
    stale = client.patch(f"/partnerships/{partnership.slug}",
                         {"acting_for": convener.slug, "expected_version": 1, "name": "Second"})
    assert stale.status_code == 409
    partnership.refresh_from_db()
    assert partnership.name == "First" and partnership.version == 2


def test_only_the_convener_changes_the_partnership(network):
    convener, charity, partnership = network
    response = client_for(charity).patch(f"/partnerships/{partnership.slug}",
                                         {"acting_for": charity.slug, "expected_version": 1, "name": "Ours"})
    assert response.status_code == 403
    # Acting for an organisation you do not represent is refused too.
    response = client_for(charity).patch(f"/partnerships/{partnership.slug}",
                                         {"acting_for": convener.slug, "expected_version": 1, "name": "Ours"})
    assert response.status_code == 403
    partnership.refresh_from_db()
    assert partnership.name == "Eastside Renewal"


def test_invite_and_answer(network):
    convener, charity, partnership = network
    newcomer = make_organisation(name="Youth Club")
    convener_client, newcomer_client = client_for(convener), client_for(newcomer)

    response = convener_client.post(f"/partnerships/{partnership.slug}/invitations",
                                    {"acting_for": convener.slug, "organisation": newcomer.slug,
                                     "role": "community", "message": "Join us"})
    assert response.status_code == 201, response.content
    invitation_id = response.json()["id"]

    events = AuditEvent.objects.count()
    duplicate = convener_client.post(f"/partnerships/{partnership.slug}/invitations",
                                     {"acting_for": convener.slug, "organisation": newcomer.slug})
    assert duplicate.status_code == 400
    assert "already been invited" in duplicate.json()["errors"]["organisation"][0]
    assert Invitation.objects.filter(partnership=partnership, organisation=newcomer).count() == 1
    assert AuditEvent.objects.count() == events

    # The partners see who is invited; the invited organisation sees its invitation and the partnership.
    assert client_for(charity).get(f"/partnerships/{partnership.slug}/invitations").json()["count"] == 1
    mine = newcomer_client.get("/invitations").json()
    assert [i["id"] for i in mine["items"]] == [invitation_id]
    assert newcomer_client.get(f"/partnerships/{partnership.slug}").status_code == 200
    assert newcomer_client.get(f"/partnerships/{partnership.slug}/invitations").status_code == 403

    # Someone not in the invited organisation cannot answer for it.
    assert client_for(charity).post(f"/invitations/{invitation_id}/respond", {"accept": True}).status_code == 404

    declined_without_reason = newcomer_client.post(f"/invitations/{invitation_id}/respond", {"accept": False})
    assert declined_without_reason.status_code == 400
    assert "reason" in declined_without_reason.json()["errors"]

    accepted = newcomer_client.post(f"/invitations/{invitation_id}/respond", {"accept": True})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    partners = newcomer_client.get(f"/partnerships/{partnership.slug}/partners").json()
    assert sorted(p["organisation"]["name"] for p in partners["items"]) == [
        "Eastside Food Bank", "Eastside Municipality", "Youth Club"]


def test_withdraw_an_invitation(network):
    convener, _charity, partnership = network
    other = make_organisation(name="Library")
    client = client_for(convener)
    invitation = client.post(f"/partnerships/{partnership.slug}/invitations",
                             {"acting_for": convener.slug, "organisation": other.slug}).json()
    response = client.post(f"/invitations/{invitation['id']}/withdraw", {"acting_for": convener.slug})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_partners_withdraw_or_are_removed(network):
    convener, charity, partnership = network
    third = make_organisation(name="Third")
    inv = client_for(convener).post(f"/partnerships/{partnership.slug}/invitations",
                                    {"acting_for": convener.slug, "organisation": third.slug}).json()
    client_for(third).post(f"/invitations/{inv['id']}/respond", {"accept": True})
    charity_partner = Partner.objects.get(partnership=partnership, organisation=charity)
    third_partner = Partner.objects.get(partnership=partnership, organisation=third)

    refused = client_for(charity).post(f"/partnerships/{partnership.slug}/partners/{third_partner.pk}/remove",
                                       {"acting_for": charity.slug, "reason": "We dislike them"})
    assert refused.status_code == 403

    response = client_for(charity).post(f"/partnerships/{partnership.slug}/partners/{charity_partner.pk}/withdraw",
                                        {"reason": "Our funding ended"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"

    response = client_for(convener).post(f"/partnerships/{partnership.slug}/partners/{third_partner.pk}/remove",
                                         {"acting_for": convener.slug, "reason": "Never attended"})
    assert response.status_code == 200 and response.json()["status"] == "removed"

    client = client_for(convener)
    assert client.get(f"/partnerships/{partnership.slug}/partners").json()["count"] == 1
    assert client.get(f"/partnerships/{partnership.slug}/partners", include_former="true").json()["count"] == 3


def test_amend_the_charter(network):
    convener, _charity, partnership = network
    client = client_for(convener)
    current = client.get(f"/partnerships/{partnership.slug}/charter").json()
    response = client.post(f"/partnerships/{partnership.slug}/charter",
                           {"acting_for": convener.slug, "expected_number": current["number"],
                            "decision_rule": "majority", "quorum": 2, "change_note": "Majority rule"})
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "adopted"
    assert response.json()["charter"]["number"] == current["number"] + 1
    assert response.json()["charter"]["purpose"] == current["purpose"]  # unchanged fields carried over
    versions = client.get(f"/partnerships/{partnership.slug}/charter/versions").json()
    assert [v["number"] for v in versions["items"]] == [2, 1]


def test_quorum_larger_than_the_partnership_is_refused(network):
    convener, _charity, partnership = network
    client = client_for(convener)
    events = AuditEvent.objects.count()
    response = client.post(f"/partnerships/{partnership.slug}/charter",
                           {"acting_for": convener.slug, "expected_number": 1,
                            "decision_rule": "majority", "quorum": 5})
    assert response.status_code == 400
    assert "larger than the partnership" in response.json()["errors"]["quorum"][0]
    assert CharterVersion.objects.filter(partnership=partnership).count() == 1
    assert AuditEvent.objects.count() == events


def test_stale_charter_amendment_is_refused(network):
    convener, _charity, partnership = network
    client = client_for(convener)
    body = {"acting_for": convener.slug, "expected_number": 1, "scope": "Housing"}
    assert client.post(f"/partnerships/{partnership.slug}/charter", body).status_code == 201
    stale = client.post(f"/partnerships/{partnership.slug}/charter", body | {"scope": "Transport"})
    assert stale.status_code == 409
    assert CharterVersion.objects.filter(partnership=partnership).count() == 2


def test_charter_change_that_needs_a_decision_opens_one(network):
    convener, _charity, partnership = network
    client = client_for(convener)
    client.post(f"/partnerships/{partnership.slug}/charter",
                {"acting_for": convener.slug, "expected_number": 1, "changes_need_decision": True})
    response = client.post(f"/partnerships/{partnership.slug}/charter",
                           {"acting_for": convener.slug, "expected_number": 2, "scope": "Everything"})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["outcome"] == "decision_opened" and body["charter"] is None
    assert body["decision"]["kind"] == "charter"
    assert CharterVersion.objects.filter(partnership=partnership).count() == 2


def test_decide_together(network):
    convener, charity, partnership = network
    convener_client, charity_client = client_for(convener), client_for(charity)
    closes_at = (timezone.now() + dt.timedelta(days=2)).isoformat()
    response = charity_client.post(f"/partnerships/{partnership.slug}/decisions",
                                   {"acting_for": charity.slug, "title": "Buy a van",
                                    "question": "Do we buy a van?", "closes_at": closes_at})
    assert response.status_code == 201, response.content
    decision = response.json()
    assert decision["status"] == "open" and decision["is_open"] is True
    assert sorted(p["name"] for p in decision["participants"]) == ["Eastside Food Bank", "Eastside Municipality"]

    past = charity_client.post(f"/partnerships/{partnership.slug}/decisions",
                               {"acting_for": charity.slug, "title": "Late", "question": "?",
                                "closes_at": "2001-01-01T00:00:00"})
    assert past.status_code == 400 and list(past.json()["errors"]) == ["closes_at"]

    decision_url = f"/decisions/{decision['id']}"
    block = charity_client.put(f"{decision_url}/position", {"acting_for": charity.slug, "stance": "block"})
    assert block.status_code == 400 and "reason" in block.json()["errors"]
    assert charity_client.put(f"{decision_url}/position",
                              {"acting_for": charity.slug, "stance": "agree"}).status_code == 200
    changed = charity_client.put(f"{decision_url}/position",
                                 {"acting_for": charity.slug, "stance": "reservations", "reason": "Cost"})
    assert changed.status_code == 200 and changed.json()["stance"] == "reservations"
    assert convener_client.put(f"{decision_url}/position",
                               {"acting_for": convener.slug, "stance": "agree"}).status_code == 200

    detail = convener_client.get(decision_url).json()
    assert detail["position_count"] == 2
    assert {p["organisation"]["slug"]: p["stance"] for p in detail["positions"]} == {
        charity.slug: "reservations", convener.slug: "agree"}
    assert convener_client.get(f"/partnerships/{partnership.slug}/decisions", status="open").json()["count"] == 1
    assert convener_client.get(f"/partnerships/{partnership.slug}/decisions", status="closed").json()["count"] == 0

    too_early = convener_client.post(f"{decision_url}/close", {})
    assert too_early.status_code == 400

    with clock_moved(days=3):
        events = AuditEvent.objects.count()
        late = charity_client.put(f"{decision_url}/position", {"acting_for": charity.slug, "stance": "object",
                                                                "reason": "Changed our mind"})
        assert late.status_code == 400
        assert "closed" in late.json()["detail"]
        assert Position.objects.get(decision_id=decision["id"], organisation=charity).stance == "reservations"
        assert AuditEvent.objects.count() == events

        closed = charity_client.post(f"{decision_url}/close", {})
        assert closed.status_code == 200, closed.content
        assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "carried"

    rationale = convener_client.post(f"{decision_url}/rationale",
                                     {"acting_for": convener.slug, "expected_version": closed.json()["version"],
                                      "rationale": "We need the van for deliveries"})
    assert rationale.status_code == 200, rationale.content
    assert rationale.json()["rationale"] == "We need the van for deliveries"
    stale = convener_client.post(f"{decision_url}/rationale",
                                 {"acting_for": convener.slug, "expected_version": closed.json()["version"],
                                  "rationale": "Another"})
    assert stale.status_code == 409


def test_naive_times_are_read_in_the_site_time_zone(network):
    _convener, charity, partnership = network
    naive = (timezone.localtime() + dt.timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    response = client_for(charity).post(f"/partnerships/{partnership.slug}/decisions",
                                        {"acting_for": charity.slug, "title": "T", "question": "Q",
                                         "closes_at": naive.isoformat()})
    assert response.status_code == 201, response.content
    stored = Decision.objects.get(pk=response.json()["id"]).closes_at
    assert timezone.localtime(stored).replace(tzinfo=None) == naive


def test_only_those_asked_take_a_position(network):
    _convener, _charity, partnership = network
    decision = open_decision(partnership)
    person = make_person(mfa=True)
    stranger = make_organisation(admin=person, name="Stranger")
    response = ApiClient(token_for(person)).put(f"/decisions/{decision.pk}/position",
                                                {"acting_for": stranger.slug, "stance": "agree"})
    assert response.status_code == 404  # the partnership is private: it does not exist for them
    assert not Position.objects.filter(decision=decision).exists()
