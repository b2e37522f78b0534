"""Page helpers the browser journeys share: follow a link or a form and check the page, find things by role."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit


def follow(ui, page, locator, note: str = ""):
    """Activate something that loads a new page (a link or a submit button), then check the page.

    A refused form answers 400 (or 409) and is checked like any page; a server error fails here,
    before axe reports on Django's bare error page.
    """
    with page.expect_navigation() as navigation:
        locator.click()
    response = navigation.value
    assert response is None or response.status < 500, (
        f"{response.request.method} {response.url} answered {response.status} (see test-results/browser-server.log)")
    ui.check(page, note)
    return response


def path_of(page) -> str:
    return urlsplit(page.url).path


def unique() -> str:
    return uuid.uuid4().hex[:6]


def main(page):
    return page.get_by_role("main")


def h1(page):
    return page.get_by_role("heading", level=1)


def subnav(page, name: str):
    """A link of the partnership's sub-navigation (Overview, Charter, …, Results)."""
    return page.get_by_role("navigation", name="Partnership").get_by_role("link", name=name, exact=True)


def evaluation_nav(page, name: str):
    """A link of the evaluation sub-navigation (Scorecard, Evaluation framework, Measurements, …)."""
    return page.get_by_role("navigation", name="Evaluation").get_by_role("link", name=name, exact=True)


def banner(page):
    """The success banner ("Done") at the top of the page."""
    return page.locator(".govuk-notification-banner--success")


def error_summary(page):
    return page.locator(".govuk-error-summary")


def table(page, caption):
    """The table whose caption is (or matches) `caption`."""
    return page.locator("table", has=page.locator("caption", has_text=caption))


def summary_value(page, key: str):
    """The value of the row `key` of the page's summary list."""
    return main(page).locator(".govuk-summary-list__row", has=page.locator(
        "dt", has_text=re.compile(rf"^{re.escape(key)}$"))).locator("dd")


def open_partnership_page(ui, page, partnership: str, link: str, note: str = ""):
    """From the partnerships list: the partnership, then a link of its sub-navigation."""
    ui.goto(page, "/partnerships/", note)
    follow(ui, page, main(page).get_by_role("link", name=partnership, exact=True), note)
    follow(ui, page, subnav(page, link), note)
