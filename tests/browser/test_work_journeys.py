"""Shared work through the real server in Chromium, with axe-core on every page state visited.

Issue 5's quality bar: plan work from commitments, volunteer sign-up and confirmation, record
and import contributions (including a file with errors), see the investment page (also without
JavaScript), accept a risk for innovation, hold a review meeting that creates tasks; and the
pages of the four apps in French.

The journeys share the demo server (conftest.py) with the other browser tests. Each works on
its own part of Eastside's demo data, so that they pass in any order:

- planning adds a new task (and never changes the demo's items);
- the volunteer journey uses the literacy drop-in, which no demo volunteer has signed up for;
- the Food Bank records and imports contributions with descriptions of their own;
- the risk accepted here is the funder's budget cycle (the demo accepted the kitchen pilot);
- the review meeting whose minutes are recorded is scheduled by the journey (the demo's
  upcoming meeting is in the future, so its minutes cannot be recorded yet).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.pages import (
    banner,
    error_summary,
    follow,
    h1,
    main,
    open_partnership_page,
    path_of,
    subnav,
    summary_value,
    table,
    unique,
)

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@riverton.example"  # Chantal Tremblay, City of Riverton: Eastside's convener; MFA
FOODBANK = "foodbank@eastside.example"  # Grace Mensah, Eastside Food Bank; no MFA
LITERACY = "literacy@riverton.example"  # Olivia Roy, Riverton Literacy Council's coordinator; no MFA
CITIZEN = "citizen@example.org"  # Chris Citizen, no organisation; no MFA

EASTSIDE = "Eastside Neighbourhood Renewal"
SLUG = "eastside-neighbourhood-renewal"
PROGRAMME = "Eastside renewal work programme 2026–2027"
AGREEMENT = "Eastside single contribution agreement"
LITERACY_TASK = "Adult literacy drop-in, Tuesday evenings"
UPCOMING = "Annual review of the single contribution agreement"
SERVER_TZ = ZoneInfo("America/Toronto")  # settings.TIME_ZONE: dates and datetime-local inputs are read in it
AGENDA_SECTIONS = ["Overdue tasks", "Commitments behind", "Risks above appetite", "Decisions to revisit",
                   "Agreement review dates"]


# --- helpers ------------------------------------------------------------------------------------

def today() -> dt.date:
    return dt.datetime.now(SERVER_TZ).date()


def menu(page, name: str):
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def open_eastside_page(ui, page, link: str, note: str = ""):
    """From the partnerships list: Eastside, then a link of its sub-navigation."""
    open_partnership_page(ui, page, EASTSIDE, link, note)


# --- 1. plan work from commitments ----------------------------------------------------------------

def test_plan_work_from_commitments(ui):
    page = ui.signed_in_page(COORDINATOR)
    open_eastside_page(ui, page, "Work programme")
    expect(h1(page)).to_have_text("Work")
    programmes = main(page).locator("ul.govuk-list--bullet").first
    expect(programmes).to_contain_text(f"{PROGRAMME} — Adopted")
    expect(programmes).to_contain_text(f"puts “{AGREEMENT}” into practice")

    follow(ui, page, main(page).get_by_role("link", name=PROGRAMME, exact=True))
    expect(h1(page)).to_have_text(PROGRAMME)
    expect(main(page).get_by_text(re.compile(r"^\d+ items, \d+ overdue\.$"))).to_be_visible()
    expect(main(page).locator(".joinery-work-tree").first).to_contain_text("Inspect the homes of the first 60 "
                                                                            "applicants")
    expect(main(page).get_by_role("link", name=AGREEMENT, exact=True)).to_be_visible()
    programme_path = path_of(page)

    follow(ui, page, main(page).get_by_role("link", name="Add an item"))
    expect(h1(page)).to_have_text("Add an item")
    expect(page.get_by_label("Task", exact=True)).to_be_checked()
    title = f"Book the hall for the residents' repair clinic ({unique()})"

    # Without an owner the task is refused, with a summary that leads to the field.
    page.get_by_label("Title").fill(title)
    follow(ui, page, page.get_by_role("button", name="Add the item"), "no owner")
    expect(error_summary(page)).to_be_visible()
    expect(error_summary(page).get_by_role("link")).to_have_attribute("href", "#id_owner")
    expect(h1(page)).to_have_text("Add an item")
    expect(page.get_by_label("Title")).to_have_value(title)

    # A task under the first milestone, due yesterday, that fulfils the City's staff-time commitment.
    page.get_by_label("Description").fill("Residents bring their repair questions; the City's inspectors answer.")
    page.get_by_label("Part of").select_option(label="Milestone: First 40 homes repaired")
    page.get_by_label("Owner organisation").select_option(label="City of Riverton")
    page.get_by_label("Owner person (optional)").select_option(label="Chantal Tremblay (City of Riverton)")
    page.get_by_label("Start date").fill((today() - dt.timedelta(days=20)).isoformat())
    page.get_by_label("Due date").fill((today() - dt.timedelta(days=1)).isoformat())
    commitment = page.get_by_label(re.compile(
        rf"^{re.escape(AGREEMENT)} — City of Riverton: Coordinator and finance officer"))
    commitment.check()
    expect(commitment).to_be_checked()
    follow(ui, page, page.get_by_role("button", name="Add the item"))
    expect(banner(page)).to_contain_text(f"“{title}” added.")
    expect(h1(page)).to_have_text(title)
    item_path = path_of(page)
    assert re.fullmatch(r"/work/\d+/", item_path), item_path
    facts = main(page).locator(".govuk-summary-list")
    expect(facts).to_contain_text("City of Riverton — Chantal Tremblay")
    expect(facts).to_contain_text("overdue")
    expect(facts.get_by_role("link", name="First 40 homes repaired")).to_be_visible()
    commitments = table(page, "Agreement commitments this work puts into practice")
    expect(commitments.locator("tbody tr")).to_have_count(1)
    expect(commitments.locator("tbody tr")).to_contain_text("City of Riverton")
    expect(commitments.locator("tbody tr")).to_contain_text("Coordinator and finance officer")
    expect(commitments.get_by_role("link", name=AGREEMENT)).to_be_visible()

    # Work has started: its status changes at once (a task needs no partnership decision).
    follow(ui, page, main(page).get_by_role("link", name="Change the status"))
    expect(h1(page)).to_have_text("Change the status")
    page.get_by_label("In progress", exact=True).check()
    page.get_by_label("Note").fill("The hall is provisionally booked.")
    follow(ui, page, page.get_by_role("button", name="Save the status"))
    assert path_of(page) == item_path
    expect(banner(page)).to_contain_text(f"“{title}” is now in progress.")
    expect(main(page).locator(".joinery-work-status").first).to_have_text("In progress")

    # On the programme, under its milestone.
    follow(ui, page, main(page).locator(".govuk-caption-l").get_by_role("link", name=PROGRAMME))
    assert path_of(page) == programme_path
    milestone = main(page).locator("li.joinery-work-node--milestone", has_text="First 40 homes repaired")
    expect(milestone.get_by_role("link", name=title)).to_be_visible()

    # On the work list, and on the timeline with its table and its chart.
    follow(ui, page, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Work", exact=True))
    work = table(page, "soonest due first")
    row = work.locator("tbody tr", has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text("City of Riverton")
    expect(row).to_contain_text("In progress")
    expect(row).to_contain_text("Overdue")

    work_nav = page.get_by_role("navigation", name="Work programme")
    follow(ui, page, work_nav.get_by_role("link", name="Timeline"))
    expect(h1(page)).to_have_text("Timeline")
    expect(page.locator("#timeline-summary")).to_contain_text(re.compile(r"^\d+ items, \d+ overdue"))
    timeline = table(page, "Work on the timeline")
    row = timeline.locator("tbody tr", has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text("In progress — overdue")
    canvas = page.locator("canvas#timeline-chart")
    expect(canvas).to_have_attribute("role", "img")
    expect(canvas).to_have_attribute("aria-label", re.compile("table below"))
    expect(canvas).to_be_visible()
    assert page.evaluate("() => !!Chart.getChart(document.getElementById('timeline-chart'))"), \
        "the timeline chart was not drawn"

    # Only the overdue work, through the filter.
    follow(ui, page, page.get_by_role("navigation", name="Work programme").get_by_role("link", name="Work list"))
    page.get_by_label("Only overdue work").check()
    follow(ui, page, page.get_by_role("button", name="Apply filters"), "overdue")
    assert parse_qs(urlsplit(page.url).query).get("overdue") == ["on"], page.url
    work = table(page, "soonest due first")
    rows = work.locator("tbody tr")
    expect(rows.first).to_be_visible()
    for i in range(rows.count()):
        expect(rows.nth(i).locator(".govuk-tag--red")).to_have_text("Overdue")
    expect(work.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(work.get_by_role("link", name="Inspect the homes of the first 60 applicants")).to_be_visible()
    expect(work.get_by_role("link", name="Split the repair contracts into smaller lots")).to_have_count(0)
    expect(page.get_by_label("Only overdue work")).to_be_checked()
    expect(main(page).get_by_role("link", name="Clear filters")).to_be_visible()

    # My (organisation's) work, from the menu.
    follow(ui, page, menu(page, "My work"))
    expect(h1(page)).to_have_text("My organisation's work")
    mine = table(page, "Open work, soonest due first")
    row = mine.locator("tbody tr", has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text(EASTSIDE)
    expect(row).to_contain_text("Overdue")
    expect(mine.get_by_role("link", name="Saturday kitchen helpers")).to_have_count(0)  # the Food Bank's
    follow(ui, page, row.get_by_role("link", name=title, exact=True))
    assert path_of(page) == item_path


# --- 2. volunteer sign-up and confirmation ----------------------------------------------------------

def test_volunteer_signs_up_is_confirmed_and_their_hours_count(ui):
    citizen = ui.signed_in_page(CITIZEN)
    ui.goto(citizen, "/dashboard/")
    follow(ui, citizen, menu(citizen, "Volunteering"))
    expect(h1(citizen)).to_have_text("Volunteer with a partnership")
    offers = table(citizen, "Tasks open to volunteers")
    row = offers.locator("tbody tr", has=citizen.get_by_role("link", name=LITERACY_TASK))
    expect(row).to_contain_text("Riverton Literacy Council")
    expect(row).to_contain_text(EASTSIDE)
    expect(row).to_contain_text("3 places left")
    follow(ui, citizen, row.get_by_role("link", name=LITERACY_TASK))
    expect(h1(citizen)).to_have_text(LITERACY_TASK)
    task_path = path_of(citizen)
    volunteers = main(citizen)
    expect(volunteers.get_by_text("0 of 3 volunteers confirmed.")).to_be_visible()
    message = f"I taught adults to read in Montréal for two years; free on Tuesdays. ({unique()})"
    citizen.get_by_label("Message to the coordinator (optional)").fill(message)
    follow(ui, citizen, citizen.get_by_role("button", name="Offer to help"))
    assert path_of(citizen) == task_path
    expect(banner(citizen)).to_contain_text("Thank you. The coordinator will confirm your place.")
    expect(main(citizen).locator(".govuk-inset-text")).to_have_text("Your offer: Waiting for confirmation.")
    expect(citizen.get_by_role("button", name="Offer to help")).to_have_count(0)
    expect(citizen.get_by_role("table", name="Offers to help")).to_have_count(0)  # only the owner sees them

    # The task's owner (the Literacy Council's coordinator) finds it in their work, and answers.
    olivia = ui.signed_in_page(LITERACY)
    ui.goto(olivia, "/dashboard/")
    follow(ui, olivia, menu(olivia, "My work"))
    follow(ui, olivia, main(olivia).get_by_role("link", name=LITERACY_TASK))
    assert path_of(olivia) == task_path
    signups = table(olivia, "Offers to help")
    row = signups.locator("tbody tr", has=olivia.get_by_role("rowheader", name="Chris Citizen"))
    expect(row).to_contain_text(message)
    expect(row).to_contain_text("Waiting for confirmation")

    # Declining needs a reason: refused without one, and nothing changes.
    row.get_by_label("Decline the offer").check()
    follow(ui, olivia, row.get_by_role("button", name="Answer Chris Citizen"), "decline without reason")
    expect(error_summary(olivia)).to_contain_text("Say why you decline the offer, so the volunteer understands.")
    row = table(olivia, "Offers to help").locator("tbody tr", has=olivia.get_by_role("rowheader",
                                                                                        name="Chris Citizen"))
    expect(row).to_contain_text("Waiting for confirmation")

    row.get_by_label("Confirm the volunteer").check()
    follow(ui, olivia, row.get_by_role("button", name="Answer Chris Citizen"))
    expect(banner(olivia)).to_contain_text("Chris Citizen is confirmed.")
    row = table(olivia, "Offers to help").locator("tbody tr", has=olivia.get_by_role("rowheader",
                                                                                        name="Chris Citizen"))
    expect(row.locator("td").nth(1)).to_contain_text("Confirmed")
    expect(main(olivia).get_by_text("1 of 3 volunteers confirmed.")).to_be_visible()

    # The volunteer sees their place confirmed, on the task and on the Volunteer page.
    ui.goto(citizen, task_path)
    expect(main(citizen).locator(".govuk-inset-text")).to_have_text("Your offer: Confirmed.")
    follow(ui, citizen, menu(citizen, "Volunteering"))
    row = table(citizen, "Tasks open to volunteers").locator("tbody tr", has=citizen.get_by_role(
        "link", name=LITERACY_TASK))
    expect(row).to_contain_text("Your offer: Confirmed")

    # The owner records the volunteer's hours: more than a day holds is refused, then 3 hours.
    follow(ui, olivia, main(olivia).get_by_role("link", name="Record hours for Chris Citizen"))
    expect(h1(olivia)).to_have_text("Volunteers' hours")
    hours = olivia.get_by_label("Hours given by Chris Citizen")
    expect(olivia.get_by_label("Date the hours were given")).to_have_value(today().isoformat())
    hours.fill("30")
    olivia.get_by_label("What they did (optional)").fill("Tuesday evening tutoring")
    follow(ui, olivia, olivia.get_by_role("button", name="Record the hours"), "too many hours")
    expect(error_summary(olivia)).to_contain_text("hours is more than 1 person(s) can give in 1 day(s): at most 24 hours")
    hours = olivia.get_by_label("Hours given by Chris Citizen")
    hours.fill("3")
    follow(ui, olivia, olivia.get_by_role("button", name="Record the hours"))
    expect(banner(olivia)).to_contain_text("Hours recorded for 1 volunteer(s). Thank you to them.")
    recorded = table(olivia, "Confirmed volunteers").locator("tbody tr", has=olivia.get_by_role(
        "rowheader", name="Chris Citizen"))
    expect(recorded.locator("td").first).to_have_text("3")

    # In the ledger, as the citizens' contribution.
    ui.goto(olivia, f"/partnerships/{SLUG}/contributions/")
    expect(h1(olivia)).to_have_text("Contributions ledger")
    olivia.get_by_label("Sector").select_option(label="Citizens")
    olivia.get_by_label("Search the descriptions").fill("Tuesday evening tutoring")
    follow(ui, olivia, olivia.get_by_role("button", name="Apply filters"), "citizens")
    ledger = table(olivia, "Contributions, newest first")
    row = ledger.locator("tbody tr", has_text="Tuesday evening tutoring")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Chris Citizen (citizen)")
    expect(row).to_contain_text("Citizens")
    expect(row).to_contain_text("Volunteer hours")
    expect(row).to_contain_text("CAD 97.50")  # 3 hours at the volunteer rate, CAD 32.50
    follow(ui, olivia, row.get_by_role("link", name="Tuesday evening tutoring"))
    expect(summary_value(olivia, "Contributor")).to_have_text("Chris Citizen (citizen)")
    expect(summary_value(olivia, "Sector")).to_have_text("Citizens")
    expect(summary_value(olivia, "Kind")).to_have_text("Volunteer hours")
    expect(summary_value(olivia, "Task").get_by_role("link", name=LITERACY_TASK)).to_be_visible()
    expect(summary_value(olivia, "Value")).to_contain_text("CAD 97.50")
    expect(summary_value(olivia, "Value")).to_contain_text("Volunteer work (general)")


# --- 3. record and import contributions ----------------------------------------------------------------

def _csv(rows: list[list[str]]) -> str:
    header = ["date", "kind", "description", "quantity", "currency", "unit", "people", "work_kind", "value"]
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


def test_record_and_import_contributions(ui, tmp_path):
    page = ui.signed_in_page(FOODBANK)
    mark = unique()
    ui.goto(page, f"/partnerships/{SLUG}/contributions/new/")
    expect(h1(page)).to_have_text("Record a contribution")
    expect(page.get_by_label("Contributing organisation")).to_have_count(0)  # not the convener: its own only

    # A negative amount: refused, with the error summary, and nothing recorded.
    description = f"Food drive at the harvest market ({mark})"
    page.get_by_label("Money", exact=True).check()
    page.get_by_label("Description").fill(description)
    page.get_by_label("Date given").fill((today() - dt.timedelta(days=2)).isoformat())
    page.get_by_label("Amount", exact=True).fill("-250")
    expect(page.get_by_label("Currency")).to_have_value("CAD")
    follow(ui, page, page.get_by_role("button", name="Record the contribution"), "negative amount")
    expect(h1(page)).to_have_text("Record a contribution")
    summary = error_summary(page)
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=re.compile("The amount must be more than zero"))).to_have_attribute(
        "href", "#id_quantity")
    expect(page.locator("#id_quantity-error")).to_contain_text("The amount must be more than zero")

    page.get_by_label("Amount", exact=True).fill("1250.50")
    follow(ui, page, page.get_by_role("button", name="Record the contribution"))
    expect(banner(page)).to_contain_text(f"Contribution recorded: {description}.")
    expect(h1(page)).to_have_text(description)
    expect(summary_value(page, "Contributor")).to_have_text("Eastside Food Bank")
    expect(summary_value(page, "Kind")).to_have_text("Money")
    expect(summary_value(page, "Value")).to_have_text("CAD 1,250.50")
    expect(table(page, "What happened to this record").locator("tbody tr").first).to_contain_text("Grace Mensah")

    # A typo in the amount is corrected: a new record replaces it, and the first one stays in the history.
    recorded_path = path_of(page)
    follow(ui, page, main(page).get_by_role("link", name="Correct it"))
    expect(h1(page)).to_have_text("Correct a contribution")
    expect(page.get_by_label("Amount", exact=True)).to_have_value(re.compile(r"^1250\.50*$"))
    page.get_by_label("Amount", exact=True).fill("1205.50")
    page.get_by_label("Why is it corrected?").fill("The receipts add up to 1,205.50: the digits were swapped.")
    follow(ui, page, page.get_by_role("button", name="Save the correction"))
    expect(banner(page)).to_contain_text("Corrected. The earlier record is kept in the history.")
    assert path_of(page) != recorded_path
    expect(summary_value(page, "Value")).to_have_text("CAD 1,205.50")
    expect(summary_value(page, "Corrects")).to_contain_text("the digits were swapped")
    follow(ui, page, summary_value(page, "Corrects").get_by_role("link"))
    assert path_of(page) == recorded_path
    expect(main(page).locator(".govuk-warning-text")).to_contain_text("it no longer counts")
    expect(summary_value(page, "Value")).to_have_text("CAD 1,250.50")

    # Import: a file with one bad row is refused whole, with what to fix row by row.
    follow(ui, page, main(page).get_by_role("link", name="Back to the contributions ledger"))
    ledger = table(page, "Contributions, newest first")
    # Once: neither the refused negative amount nor the corrected record count.
    expect(ledger.locator("tbody tr", has_text=description)).to_have_count(1)
    expect(ledger.locator("tbody tr", has_text=description)).to_contain_text("CAD 1,205.50")
    follow(ui, page, main(page).get_by_role("link", name="Import from a file"))
    expect(h1(page)).to_have_text("Import contributions")
    day = (today() - dt.timedelta(days=3)).isoformat()
    rows = [
        [day, "money", f"Weekend meals donations ({mark})", "350", "CAD", "", "", "", ""],
        [day, "in_kind", f"Cold room on loan ({mark})", "1", "CAD", "month of cold storage", "", "", "500"],
        [day, "money", f"Grocery gift cards ({mark})", "120", "XYZ", "", "", "", ""],
        [day, "staff_hours", f"Dietitian's menu review ({mark})", "6", "", "", "1", "staff-professional", ""],
    ]
    bad = tmp_path / "food-bank-november.csv"
    bad.write_text(_csv(rows), encoding="utf-8")
    page.get_by_label("File to import").set_input_files(bad)
    follow(ui, page, page.get_by_role("button", name="Check and import"), "rejected file")
    summary = error_summary(page)
    expect(summary.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    expect(summary).to_contain_text("food-bank-november.csv has 1 problem. Imports are all or nothing, so no row was "
                                    "imported.")
    follow_anchor = summary.get_by_role("link", name="See the problems row by row")
    expect(follow_anchor).to_have_attribute("href", "#import-report")
    report = table(page, "What to fix in food-bank-november.csv, row by row")
    expect(report.locator("thead th")).to_have_text(["Row", "Column", "What is wrong", "How to fix it"])
    problems = report.locator("tbody tr")
    expect(problems).to_have_count(1)
    cells = problems.first.locator("td")
    expect(cells).to_have_text(["4", "currency", "“XYZ” is not a currency code we know.",
                                "Use a three-letter ISO 4217 code, such as CAD, EUR or USD."])
    follow_anchor.click()
    assert page.evaluate("document.activeElement.id") == "import-report"

    # The fixed file: every row is imported.
    rows[2][4] = "CAD"
    fixed = tmp_path / "food-bank-november-fixed.csv"
    fixed.write_text(_csv(rows), encoding="utf-8")
    page.get_by_label("File to import").set_input_files(fixed)
    follow(ui, page, page.get_by_role("button", name="Check and import"))
    expect(banner(page)).to_contain_text("4 contributions imported from food-bank-november-fixed.csv.")
    expect(h1(page)).to_have_text("Contributions ledger")
    page.get_by_label("Search the descriptions").fill(mark)
    follow(ui, page, page.get_by_role("button", name="Apply filters"), "imported")
    ledger = table(page, "Contributions, newest first")
    expect(ledger.locator("tbody tr")).to_have_count(5)  # the four imported and the one recorded on the form
    expect(ledger.locator("tbody tr", has_text="Grocery gift cards")).to_contain_text("CAD 120.00")
    expect(ledger.locator("tbody tr", has_text="Dietitian's menu review")).to_contain_text("CAD 348.00")  # 6 h × 58
    expect(ledger.locator("tbody tr", has_text="Cold room on loan")).to_contain_text("CAD 500.00")
    follow(ui, page, ledger.get_by_role("link", name=f"Cold room on loan ({mark})"))
    expect(summary_value(page, "Recorded")).to_contain_text("Imported from food-bank-november-fixed.csv")
    expect(summary_value(page, "Value")).to_have_text("CAD 500.00")

    # The cold room was not lent after all: withdrawn (a reason is required), it stays in the history.
    cold_room_path = path_of(page)
    follow(ui, page, page.get_by_role("button", name="Withdraw the contribution"), "withdraw without reason")
    expect(error_summary(page)).to_be_visible()
    expect(error_summary(page).get_by_role("link").first).to_have_attribute("href", "#id_reason")
    page.get_by_label("Why is it withdrawn?").fill("The cold room was needed by its owner after all.")
    follow(ui, page, page.get_by_role("button", name="Withdraw the contribution"))
    assert path_of(page) == cold_room_path
    expect(banner(page)).to_contain_text("The contribution is withdrawn. It stays in the history, with your reason.")
    expect(main(page).locator(".govuk-warning-text")).to_contain_text("it no longer counts")
    expect(main(page).locator(".govuk-warning-text")).to_contain_text("needed by its owner after all")
    expect(page.get_by_role("button", name="Withdraw the contribution")).to_have_count(0)

    # The same file again is refused: nothing is imported twice.
    ui.goto(page, f"/partnerships/{SLUG}/contributions/import/")
    page.get_by_label("File to import").set_input_files(fixed)
    follow(ui, page, page.get_by_role("button", name="Check and import"), "already imported")
    expect(error_summary(page)).to_contain_text("This file was already imported on")


# --- 4. the investment page -------------------------------------------------------------------------

PARTNER = "literacy@riverton.example"  # a partner of Eastside (no MFA)
SECTORS = ["Public", "Non-profit", "Private", "Community", "Citizens"]


def _check_investment_tables(page):
    expect(h1(page)).to_have_text("The whole investment")
    summary = page.locator("#investment-summary")
    expect(summary.get_by_role("heading", name="In short")).to_be_visible()
    expect(summary).to_contain_text(re.compile(
        r"Non-government partners and citizens put in \d+% of the valued investment \(CAD [\d,]+\.\d\d of "
        r"CAD [\d,]+\.\d\d\); government put in \d+% \(CAD [\d,]+\.\d\d\)\."))
    expect(summary).to_contain_text(re.compile(r"contributed the most: \d+% of the total"))

    by_sector = table(page, "Investment by sector (CAD)")
    expect(by_sector.locator("thead th")).to_have_text(["Sector", "Valued", "Share", "Hours", "Contributions",
                                                        "Other currencies"])
    expect(by_sector.locator("tbody th[scope=row]")).to_have_text(SECTORS)
    for sector in ("Community", "Citizens"):
        row = by_sector.locator("tbody tr", has=page.get_by_role("rowheader", name=sector, exact=True))
        cells = row.locator("td")
        expect(cells.nth(0)).not_to_have_text(re.compile(r"^\s*0(\.00)?\s*$"))  # valued
        expect(cells.nth(1)).to_have_text(re.compile(r"^\s*(\d+%|less than 1%)\s*$"))  # share
        expect(cells.nth(2)).not_to_have_text(re.compile(r"^\s*0(\.00)?\s*$"))  # hours
        expect(cells.nth(3)).not_to_have_text("0")  # contributions

    by_partner = table(page, "Investment by partner (CAD), largest first; citizens last")
    rows = by_partner.locator("tbody tr")
    for partner in ("City of Riverton", "Federal Housing Agency", "Eastside Food Bank", "United Way Riverton",
                    "Eastside Residents' Association"):
        expect(rows.filter(has=page.get_by_role("rowheader", name=re.compile(re.escape(partner))))).to_have_count(1)
    residents = rows.filter(has_text="Eastside Residents' Association")
    expect(residents.locator("td").first).to_have_text("Community")
    citizens = rows.last
    expect(citizens.locator("th")).to_contain_text("Citizens and volunteers")
    expect(citizens.locator("th")).to_contain_text("Co-producers")
    expect(citizens.locator("td").first).to_have_text("Citizens")
    expect(citizens.locator("td").nth(3)).not_to_have_text(re.compile(r"^\s*0(\.00)?\b"))  # hours given

    expect(table(page, "Investment by kind (CAD)").locator("tbody th")).to_contain_text(
        ["Money", "Staff hours", "Volunteer hours"])
    expect(page.get_by_role("heading", name="Commitments and what was contributed")).to_be_visible()
    united = table(page, re.compile(r"^United Way Riverton$"))
    expect(united.locator("tbody tr", has_text="Volunteer drivers and kitchen helpers")).to_contain_text(
        re.compile("Behind|On track|Met"))
    trend = table(page, "Valued contributions per quarter, by sector (CAD)")
    expect(trend.locator("tbody th")).to_contain_text(["Citizens", "All sectors"])
    return summary


def test_see_the_investment_page_with_and_without_javascript(ui):
    # The ledger and the investment are kept among the partners by default (docs/visibility.md).
    page = ui.signed_in_page(PARTNER)
    open_eastside_page(ui, page, "Investment")
    _check_investment_tables(page)
    canvases = page.locator("canvas.joinery-chart")
    expect(canvases).to_have_count(4)
    for i in range(canvases.count()):
        canvas = canvases.nth(i)
        expect(canvas).to_have_attribute("role", "img")
        expect(canvas).to_have_attribute("aria-label", re.compile("table"))
        assert canvas.evaluate("c => !!Chart.getChart(c)"), f"chart {canvas.get_attribute('data-chart')} not drawn"

    # One year only, with the period form.
    page.get_by_label("Period").select_option(label=str(today().year))
    follow(ui, page, page.get_by_role("button", name="Show this period"), "one year")
    assert parse_qs(urlsplit(page.url).query).get("period") == [str(today().year)], page.url
    expect(page.get_by_label("Period")).to_have_value(str(today().year))
    expect(page.get_by_text("each commitment counts for its share of the period")).to_be_visible()
    expect(table(page, "Investment by sector (CAD)").locator("tbody th[scope=row]")).to_have_text(SECTORS)

    # Where hours are valued: the valuation rates, past and present.
    follow(ui, page, page.get_by_role("navigation", name="Contributions").get_by_role("link", name="Valuation rates"))
    expect(h1(page)).to_have_text("Valuation rates")
    current = table(page, "Rates in force")
    expect(current.locator("tbody tr", has_text="Volunteer work (general)")).to_contain_text("CAD 32.50")
    expect(current.locator("tbody tr", has_text="Professional staff time")).to_contain_text("CAD 58.00")
    expect(table(page, "Earlier rates").locator("tbody tr", has_text="Volunteer work (general)")).to_contain_text(
        "CAD 31.00")
    expect(page.get_by_role("button", name="Set the rate")).to_have_count(0)  # only the convener sets rates

    # Without JavaScript: the same tables and sentences, no chart drawn.
    page = ui.signed_in_page(PARTNER, js=False)
    ui.goto(page, f"/partnerships/{SLUG}/investment/", "no JS")
    _check_investment_tables(page)


def test_the_convener_sees_the_rate_form_and_a_bad_rate_is_refused(ui):
    page = ui.signed_in_page(COORDINATOR)
    open_eastside_page(ui, page, "Contributions")
    expect(h1(page)).to_have_text("Contributions ledger")
    follow(ui, page, page.get_by_role("navigation", name="Contributions").get_by_role("link", name="Valuation rates"))
    expect(page.get_by_role("heading", name="Set a rate")).to_be_visible()
    page.get_by_label("Code").fill("volunteer-general")
    page.get_by_label("Kind of work").fill("Volunteer work (general)")
    page.get_by_label("Volunteer hours", exact=True).check()
    page.get_by_label("Value of one hour").fill("-5")
    page.get_by_label("Basis for the rate").fill("A mistake: a rate is never negative.")
    follow(ui, page, page.get_by_role("button", name="Set the rate"), "negative rate")
    expect(error_summary(page)).to_contain_text("The value of one hour must be more than zero.")
    # Nothing changed: the rate in force is the same.
    expect(table(page, "Rates in force").locator("tbody tr", has_text="Volunteer work (general)")).to_contain_text(
        "CAD 32.50")


# --- 5. accept a risk for innovation ----------------------------------------------------------------

def test_accept_a_risk_for_innovation(ui):
    risk = "A funder's budget cycle delays an instalment"
    page = ui.signed_in_page(COORDINATOR)
    open_eastside_page(ui, page, "Risks")
    expect(h1(page)).to_have_text("Risk register")
    heat = table(page, "Live risks (open, being mitigated or accepted) by impact and likelihood")
    expect(heat).to_be_visible()
    expect(heat.locator("thead th")).to_have_text([f"Likelihood {n}: {label}" for n, label in enumerate(
        ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"], start=1)])
    severe = heat.locator("tbody tr", has=page.get_by_role("rowheader", name="Impact 5: Severe"))
    expect(severe.locator("td").nth(2)).to_contain_text("score 15 · above appetite")  # in words, not colour alone
    expect(page.locator("#heat-summary")).to_contain_text(re.compile(r"\d+ live risks are recorded"))
    register = table(page, re.compile(r"risks, highest score first"))
    row = register.locator("tbody tr", has=page.get_by_role("link", name=risk))
    expect(row.locator("td").last).to_have_text("Above appetite")

    # Recording a risk needs its cause and consequence: an empty form is refused.
    follow(ui, page, main(page).get_by_role("link", name="Record a risk"))
    expect(h1(page)).to_have_text("Record a risk")
    page.get_by_label("Risk", exact=True).fill("Volunteers drop out over the winter holidays")
    follow(ui, page, page.get_by_role("button", name="Record the risk"), "incomplete risk")
    expect(error_summary(page).get_by_role("link", name=re.compile(".")).first).to_have_attribute(
        "href", re.compile(r"^#id_"))
    expect(page.get_by_label("Risk", exact=True)).to_have_value("Volunteers drop out over the winter holidays")
    follow(ui, page, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Risk register"))
    row = table(page, re.compile(r"risks, highest score first")).locator(
        "tbody tr", has=page.get_by_role("link", name=risk))

    follow(ui, page, row.get_by_role("link", name=risk))
    expect(h1(page)).to_have_text(risk)
    expect(main(page).locator(".joinery-above").first).to_have_text("Above appetite")
    risk_path = path_of(page)
    follow(ui, page, main(page).get_by_role("link", name="Accept it for innovation"))
    expect(h1(page)).to_have_text("Accept this risk for innovation")
    expect(main(page)).to_contain_text("This risk scores 15")

    # No reason: refused.
    reason_box = page.get_by_label("Why does the partnership accept this risk?")
    follow(ui, page, page.get_by_role("button", name="Accept the risk for innovation"), "no reason")
    expect(error_summary(page)).to_be_visible()
    expect(error_summary(page).get_by_role("link").first).to_have_attribute("href", "#id_reason")
    expect(page.locator("#id_reason-error")).to_be_visible()

    reason = (f"The ministry's bridge funding is itself a new way of working: we accept the delay for one quarter "
              f"and watch the enrolment numbers monthly. ({unique()})")
    reason_box.fill(reason)
    follow(ui, page, page.get_by_role("button", name="Accept the risk for innovation"))
    assert path_of(page) == risk_path
    expect(banner(page)).to_contain_text("The risk is accepted for innovation; every partner has been told why.")
    expect(main(page).get_by_text("Accepted for innovation", exact=True)).to_be_visible()
    why = main(page).locator(".govuk-inset-text", has=page.get_by_role("heading",
                                                                       name="Why the partnership accepts this risk"))
    expect(why).to_contain_text(reason)
    expect(why).to_contain_text("Accepted by Chantal Tremblay")
    expect(main(page).get_by_role("link", name="Accept it for innovation")).to_have_count(0)

    follow(ui, page, main(page).get_by_role("link", name="Back to the risk register"))
    row = table(page, re.compile(r"risks, highest score first")).locator(
        "tbody tr", has=page.get_by_role("link", name=risk))
    expect(row).to_contain_text("Accepted")
    expect(row.locator("td").last).to_contain_text("Accepted for innovation")
    expect(row.locator("td").last).to_contain_text("The ministry's bridge funding")

    # The appetite page, and a threshold outside the scale refused.
    follow(ui, page, main(page).get_by_role("link", name="Set the risk appetite, or see its history"))
    expect(h1(page)).to_have_text("Risk appetite")
    expect(table(page, "Each appetite the partnership has set").locator("tbody tr").first).to_contain_text("12")
    page.get_by_label("Highest acceptable score").fill("30")
    follow(ui, page, page.get_by_role("button", name="Set the risk appetite"), "threshold too high")
    expect(error_summary(page)).to_be_visible()
    expect(table(page, "Each appetite the partnership has set").locator("tbody tr")).to_have_count(1)


# --- 6. hold a review meeting that creates tasks -----------------------------------------------------

def test_hold_a_review_meeting_that_creates_tasks(ui):
    page = ui.signed_in_page(COORDINATOR)
    open_eastside_page(ui, page, "Review meetings")
    expect(h1(page)).to_have_text("Review meetings")
    upcoming = table(page, "Upcoming meetings, soonest first")
    expect(upcoming.locator("tbody tr", has_text=UPCOMING)).to_contain_text("Riverton City Hall, room 204")
    feed = main(page).get_by_role("link", name="All meetings as a calendar you can subscribe to (iCalendar)")
    response = page.request.get(feed.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar"), response.headers["content-type"]
    assert UPCOMING in response.text()

    # The upcoming meeting: its agenda, drawn from what is due, and its invitation.
    follow(ui, page, upcoming.get_by_role("link", name=UPCOMING))
    expect(h1(page)).to_have_text(UPCOMING)
    expect(page.get_by_role("heading", level=3)).to_have_text(AGENDA_SECTIONS)
    agenda = main(page)
    expect(agenda.locator("h3:has-text('Overdue tasks') + ul")).to_contain_text("Inspect the homes of the first 60 "
                                                                                "applicants")
    expect(agenda.locator("h3:has-text('Commitments behind') + ul")).to_contain_text("United Way Riverton")
    expect(agenda.locator("h3:has-text('Risks above appetite') + ul")).to_contain_text("Repair firms are booked up")
    expect(agenda.locator("h3:has-text('Agreement review dates') + ul")).to_contain_text(AGREEMENT)
    invitation = main(page).get_by_role("link", name="Add to your calendar (iCalendar invitation)")
    response = page.request.get(invitation.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar"), response.headers["content-type"]
    body = response.text()
    assert body.startswith("BEGIN:VCALENDAR"), body[:80]
    assert "BEGIN:VEVENT" in body and UPCOMING in body.replace("\r\n ", ""), body
    # It has not taken place: its minutes cannot be recorded yet; it can be changed.
    expect(main(page).get_by_role("link", name="Record the minutes")).to_have_count(0)
    follow(ui, page, main(page).get_by_role("link", name="Change the meeting"))
    expect(h1(page)).to_have_text("Change the meeting")
    expect(page.get_by_label("Title")).to_have_value(UPCOMING)
    expect(page.get_by_label("Place or link")).to_have_value("Riverton City Hall, room 204")
    follow(ui, page, main(page).get_by_role("link", name="Back to the meeting"))
    expect(h1(page)).to_have_text(UPCOMING)

    # Today's review (held this morning): scheduled, then its minutes recorded.
    follow(ui, page, main(page).get_by_role("link", name="Back to the review meetings"))
    follow(ui, page, main(page).get_by_role("link", name="Schedule a review meeting"))
    expect(h1(page)).to_have_text("Schedule a review meeting")
    title = f"Housing repairs check-in ({unique()})"
    start = (dt.datetime.now(SERVER_TZ) - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Place or link").fill("Eastside Community Hall, back room")
    page.get_by_label("Agreement reviewed (optional)").select_option(label=AGREEMENT)
    page.get_by_label("Work programme reviewed (optional)").select_option(label=PROGRAMME)
    follow(ui, page, page.get_by_role("button", name="Schedule the meeting"))
    expect(banner(page)).to_contain_text("Meeting scheduled.")
    expect(h1(page)).to_have_text(title)
    expect(page.get_by_role("heading", level=3)).to_have_text(AGENDA_SECTIONS)
    meeting_path = path_of(page)

    follow(ui, page, main(page).get_by_role("link", name="Record the minutes"))
    expect(h1(page)).to_have_text("Record the minutes")
    page.get_by_label("Minutes", exact=True).fill("## Discussion\n\n- Inspections are behind by a month.\n"
                                      "- Smaller repair lots from January.")
    city = page.get_by_role("group", name="City of Riverton", exact=True)
    city.get_by_label("City of Riverton was present").check()
    city.get_by_label("Who attended for City of Riverton").fill("Chantal Tremblay, coordinator")
    food = page.get_by_role("group", name="Eastside Food Bank", exact=True)
    food.get_by_label("Eastside Food Bank was present").check()
    food.get_by_label("Who attended for Eastside Food Bank").fill("Grace Mensah")
    first = page.get_by_role("group", name="Action 1", exact=True)
    second = page.get_by_role("group", name="Action 2", exact=True)
    actions = [f"Publish the repair lots for tender ({unique()})", f"Invite residents to the repair clinic "
                                                                   f"({unique()})"]
    first.get_by_label("Action", exact=True).fill(actions[0])
    first.get_by_label("Due date").fill((today() + dt.timedelta(days=21)).isoformat())
    # The second action has no owner yet: refused, and nothing is recorded.
    second.get_by_label("Action", exact=True).fill(actions[1])
    second.get_by_label("Due date").fill((today() + dt.timedelta(days=35)).isoformat())
    first.get_by_label("Owner organisation").select_option(label="City of Riverton")
    follow(ui, page, page.get_by_role("button", name="Record the minutes and create the tasks"), "action without owner")
    expect(error_summary(page)).to_contain_text("Choose the organisation that owns the action.")
    expect(h1(page)).to_have_text("Record the minutes")
    second = page.get_by_role("group", name="Action 2", exact=True)
    expect(second.get_by_label("Action", exact=True)).to_have_value(actions[1])
    expect(page.get_by_role("group", name="City of Riverton", exact=True).get_by_label(
        "City of Riverton was present")).to_be_checked()
    second.get_by_label("Owner organisation").select_option(label="Eastside Food Bank")
    follow(ui, page, page.get_by_role("button", name="Record the minutes and create the tasks"))
    assert path_of(page) == meeting_path
    expect(banner(page)).to_contain_text("Minutes recorded. The actions are now tasks in the work programme.")
    expect(main(page).locator("strong.govuk-tag").first).to_have_text("Held")
    expect(main(page).locator("#minutes ~ .govuk-body").first).to_contain_text("Inspections are behind by a month.")
    attendance = table(page, "Attendance by organisation")
    expect(attendance.locator("tbody tr", has_text="City of Riverton")).to_contain_text("Chantal Tremblay, coordinator")
    expect(attendance.locator("tbody tr", has_text="United Way Riverton").locator("td").nth(1)).to_have_text("No")
    agreed = table(page, "Actions agreed, each a task in the work programme")
    expect(agreed.locator("tbody tr")).to_have_count(2)
    first_row = agreed.locator("tbody tr", has_text=actions[0])
    expect(first_row).to_contain_text("City of Riverton")
    expect(agreed.locator("tbody tr", has_text=actions[1])).to_contain_text("Eastside Food Bank")

    # Each action links to its new task, which is on the work list.
    follow(ui, page, first_row.get_by_role("link", name=re.compile(re.escape(actions[0]))))
    expect(h1(page)).to_have_text(actions[0])
    expect(main(page)).to_contain_text(f"Agreed at the review meeting “{title}”")
    expect(main(page).locator(".govuk-caption-l").get_by_role("link", name=PROGRAMME)).to_be_visible()
    follow(ui, page, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Work", exact=True))
    page.get_by_label("Search titles").fill(actions[0])
    follow(ui, page, page.get_by_role("button", name="Apply filters"), "new tasks")
    work = table(page, "soonest due first")
    expect(work.get_by_role("link", name=actions[0], exact=True)).to_be_visible()
    page.get_by_label("Search titles").fill(actions[1])
    follow(ui, page, page.get_by_role("button", name="Apply filters"), "new tasks")
    row = table(page, "soonest due first").locator("tbody tr", has=page.get_by_role("link", name=actions[1]))
    expect(row).to_contain_text("Eastside Food Bank")
    expect(row).to_contain_text("Planned")

    # The held meeting is listed under the past ones.
    follow(ui, page, subnav(page, "Review meetings"))
    expect(table(page, "Earlier meetings, latest first").locator("tbody tr", has_text=title)).to_contain_text("Held")


# --- the pages in French ----------------------------------------------------------------------------

FRENCH_PAGES = {  # path: the page's heading in French
    f"/partnerships/{SLUG}/work/timeline/": "Ligne du temps",
    "/volunteer/": "Faire du bénévolat avec un partenariat",
    f"/partnerships/{SLUG}/contributions/": "Registre des contributions",
    f"/partnerships/{SLUG}/investment/": "L’investissement global",
    f"/partnerships/{SLUG}/valuation-rates/": "Taux de valorisation",
    f"/partnerships/{SLUG}/risks/": "Registre des risques",
    f"/partnerships/{SLUG}/risks/appetite/": "Appétence pour le risque",
    f"/partnerships/{SLUG}/meetings/": "Réunions de bilan",
}


def test_work_pages_in_french(ui):
    """The language switcher applies to the new pages; each passes axe in French."""
    page = ui.signed_in_page(PARTNER)  # risks, meetings and the ledger are for the partners
    ui.goto(page, f"/partnerships/{SLUG}/work/")
    follow(ui, page, page.get_by_role("button", name="Français"), "fr")
    assert path_of(page) == f"/partnerships/{SLUG}/work/"
    assert page.evaluate("document.documentElement.lang") == "fr"
    expect(h1(page)).to_have_text("Travail")
    for path, heading in FRENCH_PAGES.items():
        ui.goto(page, path, "fr")
        assert page.evaluate("document.documentElement.lang") == "fr", path
        expect(h1(page)).to_have_text(heading)
        expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Partenariats")).to_be_visible()
    # Pages reached from those lists: a programme, an item, a risk, a meeting, a contribution.
    ui.goto(page, f"/partnerships/{SLUG}/work/", "fr")
    follow(ui, page, main(page).get_by_role("link", name=PROGRAMME), "fr")
    expect(h1(page)).to_have_text(PROGRAMME)
    follow(ui, page, main(page).locator(".joinery-work-tree").get_by_role("link", name=LITERACY_TASK), "fr")
    expect(h1(page)).to_have_text(LITERACY_TASK)
    ui.goto(page, f"/partnerships/{SLUG}/risks/", "fr")
    follow(ui, page, main(page).get_by_role("link", name="Repair firms are booked up"), "fr")
    ui.goto(page, f"/partnerships/{SLUG}/meetings/", "fr")
    follow(ui, page, main(page).get_by_role("link", name=UPCOMING), "fr")
    expect(page.get_by_role("heading", level=3, name="Tâches en retard")).to_be_visible()
    ui.goto(page, f"/partnerships/{SLUG}/contributions/", "fr")
    follow(ui, page, main(page).locator("tbody tr").first.get_by_role("link"), "fr")
    assert re.fullmatch(r"/contributions/\d+/", path_of(page)), page.url

    # Signed in, in French: My work and the form to record a contribution; then back to English.
    signed_in = ui.signed_in_page(FOODBANK)
    ui.goto(signed_in, "/my-work/")
    follow(ui, signed_in, signed_in.get_by_role("button", name="Français"), "fr")
    assert signed_in.evaluate("document.documentElement.lang") == "fr"
    expect(h1(signed_in)).to_have_text("Le travail de mon organisation")
    ui.goto(signed_in, f"/partnerships/{SLUG}/contributions/new/", "fr")
    expect(h1(signed_in)).to_have_text("Consigner une contribution")
    follow(ui, signed_in, signed_in.get_by_role("button", name="English"))
    assert signed_in.evaluate("document.documentElement.lang") == "en"
    expect(h1(signed_in)).to_have_text("Record a contribution")
