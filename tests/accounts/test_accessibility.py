"""axe-core on every account page in a real Chromium, under the real Content-Security-Policy.

axe is loaded from our own static files (a same-origin script, which the CSP allows), so the pages
are checked exactly as people get them; any CSP violation reported by the browser fails the test.
"""

from __future__ import annotations

import os
import shutil

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from tests.accounts.conftest import PASSWORD
from tests.conftest import make_person, totp_code

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser_page(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page visits are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.csp_violations = []
        page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text))
        yield page
        context.close()
        browser.close()


def axe_violations(page) -> list[dict]:
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate("() => axe.run(document)")
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["html"][:200] for n in v["nodes"]]}
        for v in result["violations"]
    ]


def check(page, path: str, *, wait_for: str = "h1"):
    if path:
        page.goto(path)
    page.wait_for_selector(wait_for)
    assert axe_violations(page) == [], path or page.url
    assert page.csp_violations == [], page.csp_violations


def sign_in(page, email: str, password: str = PASSWORD):
    page.goto(reverse("account_login"))
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def confirm_access(page, password: str = PASSWORD):
    if reverse("account_reauthenticate") in page.url:
        check(page, "")
        page.fill("#id_password", password)
        page.click("main button[type=submit]")


def test_pages_for_someone_not_signed_in(browser_page):
    page = browser_page
    for name in ["account_login", "account_signup", "account_reset_password",
                 "account_reset_password_done", "account_email_verification_sent",
                 "account_reset_password_from_key_done", "account_inactive"]:
        check(page, reverse(name))


def test_forms_with_errors(browser_page):
    page = browser_page
    page.goto(reverse("account_login"))
    page.click("main button[type=submit]")
    check(page, "", wait_for=".govuk-error-summary")
    page.goto(reverse("account_signup"))
    page.fill("#id_email", "not-an-email")
    page.click("main button[type=submit]")
    check(page, "", wait_for=".govuk-error-summary")


def test_two_factor_sign_in_and_set_up(browser_page):
    page = browser_page
    person = make_person(mfa=True)
    RecoveryCodes.activate(person)
    sign_in(page, person.email)
    page.wait_for_url(f"**{reverse('mfa_authenticate')}")
    check(page, "")
    page.fill("#id_code", "000000" if totp_code() != "000000" else "111111")
    page.click("main button[type=submit]")
    check(page, "", wait_for=".govuk-error-summary")
    page.fill("#id_code", totp_code())
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{reverse('core:dashboard')}")

    for name in ["mfa_index", "account_email", "account_change_password", "account_logout"]:
        check(page, reverse(name))
    page.goto(reverse("mfa_view_recovery_codes"))
    confirm_access(page)
    page.wait_for_url(f"**{reverse('mfa_view_recovery_codes')}")
    check(page, "", wait_for="#recovery-codes")
    check(page, reverse("mfa_generate_recovery_codes"))
    check(page, reverse("mfa_deactivate_totp"))


def test_totp_activation_page(browser_page):
    page = browser_page
    person = make_person()
    sign_in(page, person.email)
    page.wait_for_url(f"**{reverse('core:dashboard')}")
    page.goto(reverse("mfa_activate_totp"))
    confirm_access(page)
    page.wait_for_url(f"**{reverse('mfa_activate_totp')}")
    check(page, "", wait_for="#authenticator-secret")
    assert page.locator("main img").evaluate("img => img.complete && img.naturalWidth > 0")
    page.fill("#id_code", "nonsense")
    page.click("main button[type=submit]")
    check(page, "", wait_for=".govuk-error-summary")


def test_sign_in_works_without_javascript(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    person = make_person(mfa=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
        page = context.new_page()
        sign_in(page, person.email)
        page.wait_for_url(f"**{reverse('mfa_authenticate')}")
        page.fill("#id_code", totp_code())
        page.click("main button[type=submit]")
        page.wait_for_url(f"**{reverse('core:dashboard')}")
        context.close()
        browser.close()
