import pytest
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, sign_in
from tests.conftest import make_person, totp_code

pytestmark = pytest.mark.django_db


def test_login_with_email_and_password(client):
    person = make_person()

    response = sign_in(client, person.email)

    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    assert int(client.session["_auth_user_id"]) == person.pk


def test_login_email_is_not_case_sensitive(client):
    person = make_person("Mixed.Case@example.org".lower())

    sign_in(client, "MIXED.case@EXAMPLE.org")

    assert int(client.session["_auth_user_id"]) == person.pk


def test_wrong_password_is_refused_with_a_message(client):
    person = make_person()

    response = sign_in(client, person.email, "not-the-password")

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "The email address and/or password you specified are not correct." in page
    assert "_auth_user_id" not in client.session


def test_a_person_with_totp_gets_the_code_step_and_a_right_code_signs_in(client):
    person = make_person(mfa=True)

    response = sign_in(client, person.email)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in before the code

    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    assert 'for="id_code"' in page.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    assert int(client.session["_auth_user_id"]) == person.pk


def test_a_wrong_code_shows_an_error_and_does_not_sign_in(client):
    person = make_person(mfa=True)
    sign_in(client, person.email)

    good = totp_code()
    wrong = "000000" if good != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert 'href="#id_code"' in page
    assert 'id="id_code-error"' in page
    assert "Incorrect code." in page
    assert "_auth_user_id" not in client.session


def test_login_is_rate_limited_after_repeated_failures(client):
    person = make_person()

    for _ in range(5):
        response = sign_in(client, person.email, "wrong-password")
        assert "Too many failed login attempts" not in response.content.decode()

    # Even the right password is refused now, with a message saying why.
    response = sign_in(client, person.email, PASSWORD)

    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_page_signs_out(client):
    person = make_person()
    sign_in(client, person.email)

    assert client.get(reverse("account_logout")).status_code == 200
    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
