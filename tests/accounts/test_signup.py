import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from joinery.accounts.models import Person
from tests.accounts.conftest import link_in, outbox_messages, sign_in
from tests.accounts.html_audit import audit

pytestmark = pytest.mark.django_db

EMAIL = "new.person@example.org"
PASSWORD = "a-long-new-passphrase-7"


def _sign_up(client):
    return client.post(reverse("account_signup"), {
        "full_name": "Nadia Person", "email": EMAIL, "password1": PASSWORD, "password2": PASSWORD,
    })


def test_sign_up_sends_a_verification_email_and_login_waits_for_it(client):
    response = _sign_up(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    person = Person.objects.get(email=EMAIL)
    assert person.full_name == "Nadia Person"
    assert not EmailAddress.objects.get(email=EMAIL).verified
    [mail] = outbox_messages(EMAIL)
    assert "/accounts/confirm-email/" in mail.body

    # Until the address is verified, signing in only leads back to "verify your email".
    client.logout()
    response = sign_in(client, EMAIL, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_following_the_emailed_link_verifies_and_then_login_works(client):
    _sign_up(client)
    [mail] = outbox_messages(EMAIL)
    path = link_in(mail.body, "/accounts/confirm-email/")

    page = client.get(path)
    audit(page)
    assert EMAIL in page.content.decode()
    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=EMAIL).verified

    client.logout()
    response = sign_in(client, EMAIL, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    assert int(client.session["_auth_user_id"]) == Person.objects.get(email=EMAIL).pk


def test_an_invalid_confirmation_link_says_so(client):
    page = client.get(reverse("account_confirm_email", args=["not-a-real-key"]))
    audit(page)
    assert "This email confirmation link has expired or is not valid." in page.content.decode()


def test_sign_up_errors_are_summarised_and_shown_next_to_the_fields(client):
    response = client.post(reverse("account_signup"), {
        "full_name": "", "email": "not-an-email", "password1": "short", "password2": "other",
    })

    audit(response)
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert 'href="#id_email"' in page
    assert 'href="#id_full_name"' in page
    assert 'id="id_email-error"' in page
    assert 'aria-describedby="id_email-error"' in page
    assert "<title>Error:" in page.replace("\n", "")
    assert not Person.objects.filter(email="not-an-email").exists()
