import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.urls import reverse

from tests.accounts.conftest import confirm_access, sign_in, sign_in_with_mfa
from tests.conftest import make_person, totp_code

pytestmark = pytest.mark.django_db


def _code_for(secret: str) -> str:
    return totp_code(secret)  # waits out the end of a 30-second window


def test_setting_up_totp_through_the_pages_creates_it_and_shows_recovery_codes(client):
    person = make_person()
    sign_in(client, person.email)
    # Setting up two-factor authentication first asks for the password again.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))

    page = confirm_access(client, reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    html = page.content.decode()
    assert f'<code id="authenticator-secret">{secret}</code>' in html  # typeable as text
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code
    assert 'for="id_code"' in html

    response = client.post(reverse("mfa_activate_totp"), {"code": _code_for(secret)})

    assert response.status_code == 302
    assert response.url == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
    assert person.has_mfa()
    rc = Authenticator.objects.get(user=person, type=Authenticator.Type.RECOVERY_CODES)
    codes = RecoveryCodes(rc).get_unused_codes()
    assert len(codes) == 10

    page = client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    for code in codes:
        assert f"<li><code>{code}</code></li>" in html


def test_a_wrong_setup_code_is_refused_with_an_error(client):
    person = make_person()
    sign_in(client, person.email)
    confirm_access(client, reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    wrong = "000000" if _code_for(secret) != "000000" else "111111"

    response = client.post(reverse("mfa_activate_totp"), {"code": wrong})

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert 'id="id_code-error"' in html
    assert not person.has_mfa()
    # The same secret is kept, so the person can try again with the app they already set up.
    assert client.session[SECRET_SESSION_KEY] == secret
    assert secret in html


def test_mfa_index_lists_the_authenticator_and_recovery_codes(client):
    person = make_person(mfa=True)
    RecoveryCodes.activate(person)
    sign_in_with_mfa(client, person)

    page = client.get(reverse("mfa_index"))

    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("mfa_deactivate_totp") in html
    assert reverse("mfa_view_recovery_codes") in html
