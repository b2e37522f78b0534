import pytest
from django.urls import reverse

from tests.accounts.conftest import link_in, outbox_messages, sign_in
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-9"


def test_password_reset_emails_a_working_link(client):
    person = make_person()

    response = client.post(reverse("account_reset_password"), {"email": person.email})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    [mail] = outbox_messages(person.email)
    path = link_in(mail.body, "/accounts/password/reset/key/")

    response = client.get(path)  # allauth moves the key into the session, then redirects
    assert response.status_code == 302
    form_url = response.url
    page = client.get(form_url)
    assert page.status_code == 200
    assert 'for="id_password1"' in page.content.decode()

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_from_key_done")

    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    sign_in(client, person.email, NEW_PASSWORD)
    assert int(client.session["_auth_user_id"]) == person.pk


def test_a_used_reset_link_does_not_work_twice(client):
    person = make_person()
    client.post(reverse("account_reset_password"), {"email": person.email})
    [mail] = outbox_messages(person.email)
    path = link_in(mail.body, "/accounts/password/reset/key/")
    form_url = client.get(path).url
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    page = client.get(path, follow=True)

    assert "This password reset link is not valid" in page.content.decode()


def test_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
