import pytest
from django.urls import reverse

from joinery.settings import base
from tests.conftest import make_person

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_production_settings_store_passwords_with_argon2():
    # The test settings swap in MD5 for speed; production is what base.py declares.
    assert base.PASSWORD_HASHERS[0] == ARGON2


def test_argon2_is_installed_and_works():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("correct-horse-battery", hasher.salt())
    assert encoded.startswith("argon2$")
    assert hasher.verify("correct-horse-battery", encoded)
    assert not hasher.verify("wrong", encoded)


def test_production_settings_rate_limit_failed_logins():
    assert base.ACCOUNT_RATE_LIMITS["login_failed"] == "5/5m/ip,5/5m/key"
    assert base.ACCOUNT_EMAIL_VERIFICATION == "mandatory"


@pytest.mark.django_db
def test_outbox_is_for_staff_only(client):
    url = reverse("notifications:outbox")

    response = client.get(url)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url.startswith(reverse("admin:login"))

    client.force_login(make_person())
    response = client.get(url)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url.startswith(reverse("admin:login"))

    client.force_login(make_person(staff=True, mfa=True))
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_outbox_shows_sent_mail_to_staff(client):
    person = make_person()
    client.post(reverse("account_reset_password"), {"email": person.email})
    client.force_login(make_person(staff=True, mfa=True))

    page = client.get(reverse("notifications:outbox")).content.decode()

    assert person.email in page
