"""Helpers for the account journeys: sign in through the real pages, read the outbox."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import totp_code

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _outbox_backend(settings):
    """Django's test set-up swaps EMAIL_BACKEND for locmem; put Joinery's outbox back in front.

    The outbox backend keeps a copy of each mail (OutboxMessage), then hands it to the test
    settings' delivery backend (locmem), so `mail.outbox` is filled as well.
    """
    settings.EMAIL_BACKEND = "joinery.notifications.mail.OutboxEmailBackend"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and used TOTP codes live in the cache; start every test with none."""
    cache.clear()
    yield
    cache.clear()


def sign_in(client, email: str, password: str = PASSWORD, *, code: str | None = None):
    """Sign in through the login page (and the two-factor step when `code` is given).

    Signing in through the pages, not `force_login`, records the authentication in the session,
    which allauth's reauthentication checks (TOTP setup, recovery codes) look for.
    """
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    if code is not None:
        assert response.status_code == 302
        assert response.url == reverse("mfa_authenticate")
        response = client.post(reverse("mfa_authenticate"), {"code": code})
    return response


def sign_in_with_mfa(client, person, password: str = PASSWORD):
    return sign_in(client, person.email, password, code=totp_code())


def outbox_messages(to: str):
    from joinery.notifications.models import OutboxMessage

    return list(OutboxMessage.objects.filter(to__icontains=to).order_by("sent_at", "id"))


def link_in(body: str, path_prefix: str) -> str:
    """The path of the first link in an email body that starts with `path_prefix`."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]*)", body)
    assert match, f"no link to {path_prefix} in:\n{body}"
    return match.group(1)


def confirm_access(client, url: str, password: str = PASSWORD):
    """Open `url`, which asks to confirm access (allauth's reauthentication); enter the password.

    Returns the page at `url` afterwards.
    """
    response = client.get(url)
    if response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate")):
        page = client.get(response.url)
        assert page.status_code == 200
        response = client.post(response.url, {"password": password})
        assert response.status_code == 302, response.content.decode()
        response = client.get(url)
    return response
