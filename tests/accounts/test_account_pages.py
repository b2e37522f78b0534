import pytest
from django.urls import reverse

from joinery.accounts.models import ApiToken
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def test_account_settings_page_shows_and_saves(client):
    person = make_person(name="Ada Person")
    client.force_login(person)

    page = client.get(reverse("accounts:settings"))
    assert page.status_code == 200
    assert "Ada Person" in page.content.decode()

    response = client.post(reverse("accounts:settings"), {
        "full_name": "Ada Renamed", "preferred_language": "fr", "email_invitations": "on",
    })
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.full_name, person.preferred_language) == ("Ada Renamed", "fr")
    assert person.email_invitations and not person.email_decisions


def test_account_settings_needs_sign_in(client):
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_create_a_token_shown_once_then_revoke_it(client):
    person = make_person()
    client.force_login(person)
    assert client.get(reverse("accounts:tokens")).status_code == 200

    response = client.post(reverse("accounts:tokens"), {"name": "Reporting script", "scope": "read"})

    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("jny_")
    assert key in response.content.decode()
    token = ApiToken.objects.get(person=person)
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in client.get(reverse("accounts:tokens")).content.decode()  # shown once

    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_needs_a_name(client):
    client.force_login(make_person())

    response = client.post(reverse("accounts:tokens"), {"name": "", "scope": "read"})

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_nobody_can_revoke_another_persons_token(client):
    owner = make_person()
    client.force_login(owner)
    client.post(reverse("accounts:tokens"), {"name": "Mine", "scope": "read"})
    token = ApiToken.objects.get(person=owner)

    client.force_login(make_person())
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
