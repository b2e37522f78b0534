"""Organisations and their people through the API: the same services as the web pages."""

import pytest

from joinery.audit.models import AuditEvent
from joinery.organisations.models import Organisation, Representative
from joinery.organisations.services import jurisdiction_create
from tests.api.conftest import ApiClient, token_for
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person

pytestmark = pytest.mark.django_db


def test_directory_filters(api, staff):
    province = jurisdiction_create(actor=staff, name="Ontario")
    town = jurisdiction_create(actor=staff, name="Eastside", parent=province)
    make_organisation(name="Eastside Council", sector="public", level="local", jurisdiction=town)
    make_organisation(name="Ontario Ministry", sector="public", level="regional", jurisdiction=province)
    make_organisation(name="Food Bank", sector="non_profit", description="Feeds Eastside")

    def names(**query):
        response = api.get("/organisations", **query)
        assert response.status_code == 200, response.content
        return sorted(o["name"] for o in response.json()["items"])

    assert names() == ["Eastside Council", "Food Bank", "Ontario Ministry"]
    assert names(q="eastside") == ["Eastside Council", "Food Bank"]
    assert names(sector="public") == ["Eastside Council", "Ontario Ministry"]
    assert names(level="local") == ["Eastside Council"]
    assert names(jurisdiction=province.pk) == ["Eastside Council", "Ontario Ministry"]
    assert names(jurisdiction=town.pk) == ["Eastside Council"]
    page = api.get("/organisations", limit=2, offset=2).json()
    assert page["count"] == 3 and len(page["items"]) == 1
    assert [j["name"] for j in api.get("/jurisdictions").json()["items"]] == ["Eastside", "Ontario"]


def test_register_read_and_change_an_organisation():
    person = make_person()
    client = ApiClient(token_for(person))
    response = client.post("/organisations", {"name": "Tool Library", "sector": "community",
                                              "email": "hello@tools.example"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["slug"] == "tool-library" and created["version"] == 1
    assert Representative.objects.get(organisation__slug="tool-library").person == person

    assert ApiClient().get("/organisations/tool-library").json()["email"] == "hello@tools.example"

    response = client.patch("/organisations/tool-library", {"expected_version": 1, "description": "Lends tools"})
    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Lends tools"
    assert response.json()["version"] == 2
    assert response.json()["name"] == "Tool Library"  # untouched fields stay as they were


def test_concurrent_edit_is_refused_with_409_and_nothing_changes():
    org = make_organisation(name="Contested")
    client = ApiClient(token_for(admin_of(org)))
    first = client.patch(f"/organisations/{org.slug}", {"expected_version": 1, "description": "first"})
    assert first.status_code == 200
    events = AuditEvent.objects.count()
    stale = client.patch(f"/organisations/{org.slug}", {"expected_version": 1, "description": "second"})
    assert stale.status_code == 409
    assert "Someone else changed this" in stale.json()["detail"]
    org.refresh_from_db()
    assert org.description == "first" and org.version == 2
    assert AuditEvent.objects.count() == events


def test_only_an_administrator_changes_an_organisation():
    org = make_organisation(name="Guarded")
    member = make_person()
    add_role(org, member, "member")
    response = ApiClient(token_for(member)).patch(f"/organisations/{org.slug}",
                                                  {"expected_version": 1, "name": "Taken"})
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Guarded"


def test_closing_an_organisation_still_in_a_partnership_is_refused():
    charity = make_organisation(name="Still Partnered")
    partnership = make_partnership(partners=[charity], name="Ongoing Work")
    client = ApiClient(token_for(admin_of(charity)))
    events = AuditEvent.objects.count()
    response = client.post(f"/organisations/{charity.slug}/close", {"reason": "Merging"})
    assert response.status_code == 400
    assert partnership.name in response.json()["detail"]
    charity.refresh_from_db()
    assert charity.is_active and charity.closed_at is None
    assert AuditEvent.objects.count() == events


def test_closing_an_organisation():
    org = make_organisation(name="Winding Up")
    client = ApiClient(token_for(admin_of(org)))
    body = client.post(f"/organisations/{org.slug}/close", {"reason": ""})
    assert body.status_code == 400 and "reason" in body.json()["errors"]
    response = client.post(f"/organisations/{org.slug}/close", {"reason": "Funding ended"})
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert org.slug not in [o["slug"] for o in ApiClient().get("/organisations").json()["items"]]


def test_representatives_add_list_end_and_hand_over():
    org = make_organisation(name="People Org")
    admin = admin_of(org)
    client = ApiClient(token_for(admin))
    newcomer = make_person(email="newcomer@example.org")
    leaver = make_person(email="leaver@example.org")
    add_role(org, leaver, "coordinator")

    response = client.post(f"/organisations/{org.slug}/representatives",
                           {"email": "NEWCOMER@example.org", "role": "member"})
    assert response.status_code == 201, response.content
    assert response.json()["person"]["email"] == "newcomer@example.org"

    duplicate = client.post(f"/organisations/{org.slug}/representatives",
                            {"email": "newcomer@example.org", "role": "member"})
    assert duplicate.status_code == 400 and "email" in duplicate.json()["errors"]
    unknown = client.post(f"/organisations/{org.slug}/representatives",
                          {"email": "nobody@example.org", "role": "member"})
    assert unknown.status_code == 400 and "email" in unknown.json()["errors"]

    listed = client.get(f"/organisations/{org.slug}/representatives").json()
    assert sorted(r["person"]["email"] for r in listed["items"]) == sorted(
        [admin.email, "leaver@example.org", "newcomer@example.org"])

    response = client.post(f"/organisations/{org.slug}/hand-over",
                           {"leaving": leaver.pk, "successor": newcomer.pk, "reason": "New job"})
    assert response.status_code == 200, response.content
    assert [(r["person"]["id"], r["role"]) for r in response.json()] == [(newcomer.pk, "coordinator")]
    assert not org.representatives.current().filter(person=leaver).exists()

    member_role = org.representatives.current().get(person=newcomer, role="member")
    response = client.post(f"/representatives/{member_role.pk}/end", {"reason": "Left"})
    assert response.status_code == 200 and response.json()["ended_at"] is not None
    history = client.get(f"/organisations/{org.slug}/representatives", include_ended="true").json()
    assert history["count"] == 4


def test_hand_over_to_someone_outside_the_organisation_is_refused():
    org = make_organisation(name="Hand Over Org")
    leaver = make_person()
    add_role(org, leaver, "coordinator")
    stranger = make_person()
    client = ApiClient(token_for(admin_of(org)))
    events = AuditEvent.objects.count()
    response = client.post(f"/organisations/{org.slug}/hand-over",
                           {"leaving": leaver.pk, "successor": stranger.pk})
    assert response.status_code == 400
    assert "successor" in response.json()["errors"]
    assert org.representatives.current().filter(person=leaver).exists()
    assert not Representative.objects.filter(person=stranger).exists()
    assert AuditEvent.objects.count() == events
    missing = client.post(f"/organisations/{org.slug}/hand-over", {"leaving": leaver.pk, "successor": 999999})
    assert missing.status_code == 400 and "successor" in missing.json()["errors"]


def test_the_last_administrator_cannot_be_removed():
    org = make_organisation(name="Lone Admin")
    role = org.representatives.current().get(role="admin")
    response = ApiClient(token_for(role.person)).post(f"/representatives/{role.pk}/end", {})
    assert response.status_code == 400
    assert Organisation.objects.get(pk=org.pk).representatives.current().filter(pk=role.pk).exists()
