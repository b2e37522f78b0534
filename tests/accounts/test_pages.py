"""Every account page (allauth's, drawn with Joinery's templates) renders, in GOV.UK markup, with
labelled fields, GOV.UK buttons, and nothing that our strict Content-Security-Policy would block.
"""

from __future__ import annotations

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, confirm_access, sign_in, sign_in_with_mfa
from tests.accounts.html_audit import audit
from tests.conftest import make_person, totp_code

pytestmark = pytest.mark.django_db

# --- Pages for someone not signed in -------------------------------------------------------

@pytest.mark.parametrize("name", [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
    "account_reset_password_from_key_done",
    "account_inactive",
])
def test_anonymous_pages_render(client, name):
    page = audit(client.get(reverse(name)))
    assert page.controls or name not in ("account_login", "account_signup", "account_reset_password")


def test_pages_use_joinery_base_and_a_strict_csp(client):
    response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert "govuk-template__body" in html
    assert "govuk-header" in html
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "script-src 'self'" in csp


def test_login_errors_are_linked_from_the_summary(client):
    page = audit(client.post(reverse("account_login"), {"login": "", "password": ""}))
    assert page.summary_links == ["id_login", "id_password"]


def test_signup_errors_are_linked_from_the_summary(client):
    page = audit(client.post(reverse("account_signup"), {"email": "bad"}))
    assert {"id_full_name", "id_email", "id_password1"} <= set(page.summary_links)


def test_password_reset_errors_are_linked_from_the_summary(client):
    page = audit(client.post(reverse("account_reset_password"), {"email": "not-an-email"}))
    assert page.summary_links == ["id_email"]


def test_bad_reset_key_page_renders(client):
    response = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad"}),
                          follow=True)
    audit(response)
    assert "This password reset link is not valid" in response.content.decode()


# --- Pages during and after signing in -----------------------------------------------------

def test_mfa_authenticate_page_renders_with_and_without_errors(client):
    person = make_person(mfa=True)
    sign_in(client, person.email)
    audit(client.get(reverse("mfa_authenticate")))
    good = totp_code()
    page = audit(client.post(reverse("mfa_authenticate"), {"code": "000000" if good != "000000" else "1"}))
    assert page.summary_links == ["id_code"]


@pytest.mark.parametrize("name", [
    "account_logout",
    "account_email",
    "account_change_password",
    "mfa_index",
    "account_reset_password",  # says "you are already signed in"
])
def test_signed_in_pages_render(client, name):
    person = make_person()
    sign_in(client, person.email)
    audit(client.get(reverse(name)))


def test_email_page_errors_are_linked_from_the_summary(client):
    person = make_person()
    sign_in(client, person.email)
    page = audit(client.post(reverse("account_email"), {"action_add": "", "email": person.email}))
    assert page.summary_links == ["id_email"]


def test_password_change_errors_and_success(client):
    person = make_person()
    sign_in(client, person.email)
    page = audit(client.post(reverse("account_change_password"),
                             {"oldpassword": "wrong", "password1": "x", "password2": "y"}))
    assert "id_oldpassword" in page.summary_links

    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": "another-long-passphrase", "password2": "another-long-passphrase",
    })
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("another-long-passphrase")


def test_reauthenticate_and_totp_activate_pages_render(client):
    person = make_person()
    sign_in(client, person.email)
    response = client.get(reverse("mfa_activate_totp"))
    audit(client.get(response.url))  # "confirm access": the password again
    page = audit(confirm_access(client, reverse("mfa_activate_totp")))
    assert "id_code" in page.label_fors
    page = audit(client.post(reverse("mfa_activate_totp"), {"code": "nonsense"}))
    assert page.summary_links == ["id_code"]


def test_recovery_code_and_deactivate_pages_render(client):
    person = make_person(mfa=True)
    RecoveryCodes.activate(person)
    sign_in_with_mfa(client, person)
    page = audit(confirm_access(client, reverse("mfa_view_recovery_codes")))
    audit(client.get(reverse("mfa_generate_recovery_codes")))
    audit(client.get(reverse("mfa_deactivate_totp")))
    audit(client.get(reverse("mfa_index")))
    assert page.h1s == 1
    download = client.get(reverse("mfa_download_recovery_codes"))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/plain")


def test_set_password_page_for_someone_without_one(client):
    from joinery.accounts.services import person_create

    person = person_create(actor=None, email="nopassword@example.org", verified=True)
    client.force_login(person)
    page = audit(client.get(reverse("account_set_password")))
    assert {"id_password1", "id_password2"} <= page.label_fors


def test_reauthenticate_with_an_authenticator_code(client):
    person = make_person(mfa=True)
    sign_in_with_mfa(client, person)
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))
    response = client.get(response.url)
    audit(response)
    assert reverse("mfa_reauthenticate") in response.content.decode()  # the alternative offered
    page = audit(client.get(reverse("mfa_reauthenticate")))
    assert "id_code" in page.label_fors
