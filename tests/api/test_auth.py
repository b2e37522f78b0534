"""Who may call the API: tokens (read, read-write, revoked), the session, and nobody."""

import pytest
from django.test import Client

from joinery.accounts.models import ApiToken
from joinery.accounts.services import api_token_revoke
from joinery.organisations.models import Organisation
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of, make_organisation, make_partnership, make_person

pytestmark = pytest.mark.django_db


def test_anonymous_reads_public_data_but_cannot_write(api):
    make_partnership(name="Open Streets", visibility="public")
    assert api.get("/partnerships").status_code == 200
    assert api.get("/organisations").status_code == 200

    response = api.post("/organisations", {"name": "Anon", "sector": "community"})
    assert response.status_code == 401
    assert response.json() == {"detail": response.json()["detail"], "errors": {}}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert api.get("/me").status_code == 401
    assert api.get("/invitations").status_code == 401
    assert api.get("/audit-events").status_code == 401


def test_token_identifies_the_person_and_records_its_use():
    person = make_person(mfa=True)
    key = token_for(person, "read")
    response = ApiClient(key).get("/me")
    assert response.status_code == 200
    assert response.json()["email"] == person.email
    assert response.json()["token_scope"] == "read"
    assert ApiToken.objects.get(person=person).last_used_at is not None


def test_read_only_token_reads_but_every_write_is_refused():
    org = make_organisation(name="Readers")
    reader = ApiClient(token_for(admin_of(org), "read"))
    assert reader.get(f"/organisations/{org.slug}").status_code == 200

    attempts = [
        reader.post("/organisations", {"name": "Other", "sector": "community"}),
        reader.patch(f"/organisations/{org.slug}", {"expected_version": org.version, "name": "Renamed"}),
        reader.post(f"/organisations/{org.slug}/close", {"reason": "done"}),
        reader.put("/decisions/1/position", {"acting_for": org.slug, "stance": "agree"}),
    ]
    for response in attempts:
        assert response.status_code == 403, response.content
        assert "read" in response.json()["detail"]
        assert response.json()["errors"] == {}
    org.refresh_from_db()
    assert org.name == "Readers" and org.is_active
    assert Organisation.objects.count() == 1


def test_read_write_token_writes():
    org = make_organisation(name="Writers")
    writer = ApiClient(token_for(admin_of(org), "read_write"))
    response = writer.patch(f"/organisations/{org.slug}", {"expected_version": org.version, "name": "Writers Guild"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Writers Guild"


def test_revoked_or_unknown_token_is_refused_even_on_public_reads():
    person = make_person()
    key = token_for(person)
    token = ApiToken.objects.get(person=person)
    api_token_revoke(actor=person, token=token)
    for client in (ApiClient(key), ApiClient("jny_not-a-real-token")):
        response = client.get("/organisations")
        assert response.status_code == 401
        assert set(response.json()) == {"detail", "errors"}


def test_inactive_person_token_is_refused():
    person = make_person()
    key = token_for(person)
    person.is_active = False
    person.save()
    assert ApiClient(key).get("/me").status_code == 401


def test_session_authentication_needs_csrf_for_writes():
    org = make_organisation(name="Session Org")
    person = admin_of(org)
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    assert client.get("/api/v1/me").json()["email"] == person.email

    body = {"expected_version": org.version, "name": "Session Org 2"}
    refused = client.patch(f"/api/v1/organisations/{org.slug}", body, content_type="application/json")
    assert refused.status_code == 403
    assert set(refused.json()) == {"detail", "errors"}

    client.get("/api/v1/docs")  # sets the CSRF cookie, as the docs page does for its requests
    csrf = client.cookies["csrftoken"].value
    accepted = client.patch(f"/api/v1/organisations/{org.slug}", body, content_type="application/json",
                            headers={"X-CSRFToken": csrf})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["name"] == "Session Org 2"


def test_public_body_representative_without_mfa_is_told_to_set_it_up():
    person = make_person(mfa=False)
    org = make_organisation(admin=person, name="Council", sector="public", level="local")
    response = ApiClient(token_for(person)).patch(f"/organisations/{org.slug}",
                                                  {"expected_version": org.version, "name": "Council 2"})
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    org.refresh_from_db()
    assert org.name == "Council"
