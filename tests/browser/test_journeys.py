"""Journeys through the real server in Chromium, with axe-core on every page visited.

The demo network is loaded by `joinery demo --no-serve` (see conftest.py). The journeys share
that server and its data, so each creates what it changes (a new partnership, a new decision)
or changes demo data in a way the other journeys do not depend on.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import demo_password

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@riverton.example"  # City of Riverton, convener of Eastside; has MFA
FOODBANK = "foodbank@eastside.example"  # Eastside Food Bank; no MFA
EASTSIDE = "Eastside Neighbourhood Renewal"
SERVER_TZ = ZoneInfo("America/Toronto")  # settings.TIME_ZONE: datetime-local inputs are read in it
OUTCOMES = {"Carried", "Not carried", "Blocked", "No quorum"}


def follow(ui, page, locator, note: str = ""):
    """Click something that loads a new page (a link or a submit button), then check the page."""
    with page.expect_navigation():
        locator.click()
    ui.check(page, note)


def path_of(page) -> str:
    return urlsplit(page.url).path


def open_eastside(ui, page, note: str = ""):
    ui.goto(page, "/partnerships/", note)
    follow(ui, page, page.get_by_role("link", name=EASTSIDE, exact=True), note)
    expect(page.get_by_role("heading", level=1)).to_have_text(EASTSIDE)


def subnav(page, name: str):
    return page.get_by_role("navigation", name="Partnership").get_by_role("link", name=name, exact=True)


def position_row(page, organisation: str):
    table = page.locator("table", has=page.get_by_text("Positions of the partners"))
    return table.locator("tbody tr", has=page.get_by_role("cell", name=organisation, exact=True))


# Sign in -----------------------------------------------------------------------------------

def test_sign_in_with_a_two_factor_code(ui):
    page = ui.new_page()
    ui.goto(page, "/")
    follow(ui, page, page.get_by_role("main").get_by_role("button", name="Sign in"))
    assert path_of(page) == "/accounts/login/"
    page.locator("input[name=login]").fill(COORDINATOR)
    page.locator("input[name=password]").fill(demo_password())
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    assert "/2fa/" in path_of(page), f"the password should lead to the two-factor step, not {page.url}"
    ui.check(page)

    # A wrong code is refused, with an error the person can read.
    page.locator("input[name=code]").fill(ui.wrong_totp_code())
    with page.expect_navigation():
        page.locator("input[name=code]").press("Enter")
    assert "/2fa/" in path_of(page)
    ui.check(page, "wrong code")

    page.locator("input[name=code]").fill(ui.totp_code(COORDINATOR))
    with page.expect_navigation():
        page.locator("input[name=code]").press("Enter")
    assert path_of(page) == "/dashboard/", page.url
    ui.check(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_text("Chantal Tremblay", exact=True)).to_be_visible()
    expect(page.get_by_text("Successfully signed in as Chantal Tremblay.")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name=EASTSIDE)).to_be_visible()
    ui.remember(COORDINATOR, page)


# Charter -----------------------------------------------------------------------------------

def test_convener_amends_the_charter(ui):
    page = ui.signed_in_page(COORDINATOR)
    open_eastside(ui, page)
    follow(ui, page, subnav(page, "Charter"))
    heading = page.get_by_role("heading", level=1).inner_text()
    before = int(re.search(r"Version (\d+)", heading).group(1))

    follow(ui, page, page.get_by_role("link", name="Change the charter"))
    scope = f"Housing repair, jobs, the kitchen, literacy and tenant advice ({uuid.uuid4().hex[:4]})."
    page.get_by_label("Scope").fill(scope)
    page.get_by_label("Limits").fill("- Within each partner's mandate.\n- No partner's money without its approval.")
    page.get_by_label("Majority with quorum").check()
    page.get_by_label("Quorum", exact=True).fill("50")
    page.get_by_label("What changed and why").fill("Majority rule for the operational decisions")
    follow(ui, page, page.get_by_role("button", name="Save new version"), "quorum error")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    link = summary.get_by_role("link", name=re.compile(r"The quorum \(50\) is larger than the partnership"))
    expect(link).to_have_attribute("href", "#id_quorum")
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_quorum"
    expect(page.locator("#id_quorum-error")).to_contain_text("larger than the partnership")
    assert path_of(page).endswith("/charter/edit/")

    page.get_by_label("Quorum", exact=True).fill("2")
    follow(ui, page, page.get_by_role("button", name="Save new version"))
    assert path_of(page).endswith("/charter/"), page.url
    expect(page.get_by_text(f"Charter version {before + 1} is now in effect.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Version {before + 1}")
    expect(page.get_by_text(scope)).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Majority with quorum")

    follow(ui, page, page.get_by_role("main").get_by_role("link", name=f"Version {before}", exact=True))
    assert path_of(page).endswith(f"/charter/v{before}/")
    expect(page.get_by_text("You are reading an earlier version of the charter.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Version {before}")
    expect(page.get_by_text(scope)).to_have_count(0)


# Decision ----------------------------------------------------------------------------------

def test_decision_from_question_to_outcome(ui):
    convener = ui.signed_in_page(COORDINATOR)
    open_eastside(ui, convener)
    follow(ui, convener, subnav(convener, "Decisions"))
    follow(ui, convener, convener.get_by_role("link", name="Put a question to the partners"))
    title = f"Extend the kitchen's opening hours {uuid.uuid4().hex[:4]}"
    convener.get_by_label("Title").fill(title)
    convener.get_by_label("Question").fill("Should the kitchen open until 8 pm on weekdays?")
    convener.get_by_label("Background").fill("Asked for at the residents' meeting.")
    closes = (dt.datetime.now(SERVER_TZ) + dt.timedelta(seconds=30)).replace(microsecond=0)
    if closes.second == 0:  # Chromium drops ":00" seconds, which Playwright's fill refuses
        closes += dt.timedelta(seconds=1)
    convener.get_by_label("Closes at").fill(closes.strftime("%Y-%m-%dT%H:%M:%S"))
    follow(ui, convener, convener.get_by_role("button", name="Open the decision"))
    expect(convener.get_by_role("heading", level=1)).to_have_text(title)
    expect(convener.get_by_text("The question is put to the partners.")).to_be_visible()
    decision_path = path_of(convener)
    assert re.fullmatch(r"/partnerships/[\w-]+/decisions/\d+/", decision_path), decision_path

    # The convener's organisation agrees.
    convener.get_by_label("Agree", exact=True).check()
    follow(ui, convener, convener.get_by_role("button", name="Record position"))
    expect(position_row(convener, "City of Riverton")).to_contain_text("Agree")

    # The food bank's administrator records a position, then changes it.
    foodbank = ui.signed_in_page(FOODBANK)
    ui.goto(foodbank, decision_path)
    foodbank.get_by_label("Agree with reservations").check()
    foodbank.get_by_label("Reason", exact=True).fill("If volunteers can cover the evening shift.")
    follow(ui, foodbank, foodbank.get_by_role("button", name="Record position"))
    expect(position_row(foodbank, "Eastside Food Bank")).to_contain_text("Agree with reservations")
    expect(position_row(foodbank, "Eastside Food Bank")).to_contain_text("Grace Mensah")

    # An objection needs a reason: the error summary says so and links to the field.
    foodbank.get_by_label("Object", exact=True).check()
    foodbank.get_by_label("Reason", exact=True).fill("")
    follow(ui, foodbank, foodbank.get_by_role("button", name="Record position"), "objection without reason")
    summary = foodbank.locator(".govuk-error-summary")
    link = summary.get_by_role("link", name="Give the reason for your objection or block.")
    expect(link).to_have_attribute("href", "#id_reason")
    link.click()
    assert foodbank.evaluate("document.activeElement.id") == "id_reason"
    # The refused objection changed nothing.
    expect(position_row(foodbank, "Eastside Food Bank")).to_contain_text("Agree with reservations")

    foodbank.get_by_label("Agree", exact=True).check()
    foodbank.get_by_label("Reason", exact=True).fill("")
    follow(ui, foodbank, foodbank.get_by_role("button", name="Record position"))
    expect(foodbank.get_by_text("Your organisation's position is recorded.")).to_be_visible()
    row = position_row(foodbank, "Eastside Food Bank")
    expect(row.locator("td").nth(1)).to_have_text("Agree")

    # After the closing time, compute the outcome (unless the worker already has).
    wait = (closes - dt.datetime.now(SERVER_TZ)).total_seconds() + 1
    if wait > 0:
        time.sleep(wait)
    deadline = time.monotonic() + 20
    outcome = convener.locator(".govuk-panel__title")
    compute = convener.get_by_role("button", name="Compute the outcome now")
    while True:
        ui.goto(convener, decision_path, "after closing time")
        if compute.count():
            follow(ui, convener, compute, "outcome")
            expect(convener.get_by_text("The outcome is recorded.")).to_be_visible()
            break
        if outcome.count():  # the worker's task closed it first
            break
        assert time.monotonic() < deadline, "the decision neither closed nor offered to compute the outcome"
        time.sleep(1)
    expect(outcome).to_be_visible()
    assert outcome.inner_text().strip() in OUTCOMES
    expect(position_row(convener, "City of Riverton").locator("td").nth(1)).to_have_text("Agree")
    expect(position_row(convener, "Eastside Food Bank").locator("td").nth(1)).to_have_text("Agree")
    expect(convener.get_by_text(re.compile(r"At closing: \d+ agreed"))).to_be_visible()
    # Positions can no longer be recorded.
    expect(convener.get_by_role("button", name="Record position")).to_have_count(0)


# Partnership and invitation ----------------------------------------------------------------

def test_create_a_partnership_invite_and_accept(ui):
    name = f"Riverton Food Security Table {uuid.uuid4().hex[:6]}"
    page = ui.signed_in_page(COORDINATOR)
    ui.goto(page, "/partnerships/")
    follow(ui, page, page.get_by_role("link", name="Start a partnership"))
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Purpose").fill("Make sure no Riverton household goes hungry.")
    page.get_by_label("Geography").fill("City of Riverton")
    page.get_by_label("Public: anyone can see it").check()
    follow(ui, page, page.get_by_role("button", name="Start the partnership"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_text("Invite the partners next")).to_be_visible()
    partnership_path = path_of(page)

    follow(ui, page, page.get_by_role("link", name="Invite an organisation"))
    page.get_by_label("Organisation to invite").select_option(label="Eastside Food Bank")
    page.get_by_label("Partner", exact=True).check()
    page.get_by_label("Message").fill("Would the food bank join the table?")
    follow(ui, page, page.get_by_role("button", name="Send invitation"))
    assert path_of(page) == partnership_path
    expect(page.get_by_text("Eastside Food Bank is invited.")).to_be_visible()

    # Sign out; the food bank's administrator signs in on the same browser and accepts.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    ui.forget(COORDINATOR)
    ui.check(page, "signed out")
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sign in")).to_be_visible()

    ui.sign_in(page, FOODBANK, note="after another person signed out")
    invitation = page.get_by_role("link", name=f"Eastside Food Bank is invited to join {name}")
    follow(ui, page, invitation)
    expect(page.get_by_text("Would the food bank join the table?")).to_be_visible()
    page.get_by_label("Accept: join the partnership").check()
    follow(ui, page, page.get_by_role("button", name="Send answer"))
    assert path_of(page) == partnership_path
    expect(page.get_by_text(f"Eastside Food Bank is now a partner in {name}.")).to_be_visible()
    partners = page.locator("table", has=page.get_by_role("columnheader", name="Joined"))
    row = partners.locator("tbody tr", has=page.get_by_role("link", name="Eastside Food Bank", exact=True))
    expect(row).to_contain_text("Partner")
    expect(partners.locator("tbody tr", has=page.get_by_text("City of Riverton"))).to_contain_text("Convener")

    # The dashboard no longer lists the invitation, and lists the partnership.
    follow(ui, page, page.get_by_role("link", name="Dashboard"))
    expect(page.get_by_role("link", name=f"Eastside Food Bank is invited to join {name}")).to_have_count(0)
    expect(page.get_by_role("main").get_by_role("link", name=name, exact=True)).to_be_visible()


# Without JavaScript; keyboard --------------------------------------------------------------

def test_without_javascript_a_partner_reads_and_records_a_position(ui):
    page = ui.signed_in_page(FOODBANK, js=False)
    open_eastside(ui, page, "no JS")
    expect(page.locator("table", has=page.get_by_role("columnheader", name="Joined"))
           .get_by_role("link", name="Eastside Food Bank", exact=True)).to_be_visible()

    follow(ui, page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Network map"), "no JS")
    table = page.locator("table", has=page.get_by_text("Who is a partner in what"))
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table).to_contain_text(EASTSIDE)
    expect(page.locator("#network-map canvas")).to_have_count(0)

    open_eastside(ui, page, "no JS")
    follow(ui, page, page.get_by_role("link", name="Open the community kitchen on weekends"), "no JS")
    page.get_by_label("Agree with reservations").check()
    page.get_by_label("Reason", exact=True).fill("Saturdays first, then Sundays if the volunteers are there.")
    follow(ui, page, page.get_by_role("button", name="Record position"), "no JS")
    expect(page.get_by_text("Your organisation's position is recorded.")).to_be_visible()
    row = position_row(page, "Eastside Food Bank")
    expect(row.locator("td").nth(1)).to_have_text("Agree with reservations")
    expect(row).to_contain_text("Saturdays first")


def test_keyboard_skip_link_moves_focus_to_the_main_content(ui):
    page = ui.new_page()
    for path in ("/", "/partnerships/"):
        ui.goto(page, path)
        page.keyboard.press("Tab")
        focused = page.evaluate("({cls: document.activeElement.className, text: document.activeElement.textContent})")
        assert "govuk-skip-link" in focused["cls"], f"first Tab on {path} focused {focused}"
        assert focused["text"].strip() == "Skip to main content"
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        assert page.evaluate("document.activeElement.id") == "main-content"


# Other main pages --------------------------------------------------------------------------

def test_main_pages_anonymous(ui):
    page = ui.new_page()
    ui.goto(page, "/")
    expect(page.get_by_role("main").get_by_role("link", name=EASTSIDE)).to_be_visible()

    follow(ui, page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Organisations"))
    follow(ui, page, page.get_by_role("main").get_by_role("link", name="Eastside Food Bank", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Eastside Food Bank")

    open_eastside(ui, page)
    follow(ui, page, subnav(page, "Charter"))
    follow(ui, page, subnav(page, "Decisions"))
    follow(ui, page, page.get_by_role("link", name="Adopt the shared neighbourhood plan"))
    expect(page.locator(".govuk-panel__title")).to_have_text("Carried")

    follow(ui, page, subnav(page, "Map"))
    page.wait_for_selector("#network-map canvas")
    ui.check(page, "map drawn")
    follow(ui, page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Network map"))
    page.wait_for_selector("#network-map canvas")
    ui.check(page, "map drawn")


def test_main_pages_signed_in(ui):
    page = ui.signed_in_page(FOODBANK)
    ui.goto(page, "/")
    assert path_of(page) == "/dashboard/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    open_eastside(ui, page)
    follow(ui, page, subnav(page, "Activity"))
    expect(page.get_by_role("columnheader", name="What")).to_be_visible()
    expect(page.locator("tbody tr").first).to_be_visible()

    menu = page.get_by_role("navigation", name="Menu")
    follow(ui, page, menu.get_by_role("link", name=re.compile("^Notifications")))
    follow(ui, page, menu.get_by_role("link", name="Your account"))
    ui.goto(page, "/account/tokens/")
    follow(ui, page, menu.get_by_role("link", name="Organisations"))
    follow(ui, page, page.get_by_role("main").get_by_role("link", name="Eastside Food Bank", exact=True))


def test_switch_language_to_french(ui):
    page = ui.new_page()
    ui.goto(page, "/partnerships/")
    assert page.evaluate("document.documentElement.lang") == "en"
    follow(ui, page, page.get_by_role("button", name="Français"), "fr")
    assert path_of(page) == "/partnerships/"
    assert page.evaluate("document.documentElement.lang") == "fr"
    ui.goto(page, "/", "fr")
    assert page.evaluate("document.documentElement.lang") == "fr"
    follow(ui, page, page.get_by_role("button", name="English"))
    assert page.evaluate("document.documentElement.lang") == "en"


def test_administrator_reads_the_demo_emails_in_the_outbox(ui):
    """`joinery demo` sends what it queued before serving, to the outbox rather than the terminal
    (where the emails would bury the demo logins): an administrator reads them there."""
    page = ui.signed_in_page("admin@joinery.example")
    ui.goto(page, "/dashboard/")
    follow(ui, page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Outbox"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    expect(page.get_by_role("main").get_by_role("heading", level=2).first).to_be_visible()
    expect(page.get_by_text("No email has been sent yet.")).to_have_count(0)
