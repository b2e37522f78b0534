"""The evaluation framework through the real server in Chromium, with axe-core on every page state visited.

Issue 6's quality bar: build a framework and adopt it by decision, report by form and by file
(with errors), read a scorecard with screen-reader-friendly tables (also without JavaScript),
generate a partner's own report, send public feedback, publish open data; and the pages in French.

The journeys share the demo server (conftest.py) with the other browser tests. Each works on
its own part of the demo data, so that they pass in any order:

- the framework is built for Families First, which has none in the demo (Eastside's is adopted);
- the Riverton Literacy Council reports its own late quarter (literacy-learners); the
  scorecard journey reads the Employment and Social Development Office's late indicator instead;
- the Food Bank only reads its report; the public feedback form takes one response;
- open data publishes joint-projects, which nobody else checks, and never staff-trained.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.pages import (
    banner,
    error_summary,
    evaluation_nav,
    follow,
    h1,
    main,
    open_partnership_page,
    path_of,
    summary_value,
    table,
    unique,
)

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@riverton.example"  # Chantal Tremblay, City of Riverton: Eastside's convener; MFA
FOODBANK = "foodbank@eastside.example"  # Grace Mensah, Eastside Food Bank; no MFA
LITERACY = "literacy@riverton.example"  # Olivia Roy, Riverton Literacy Council's coordinator; no MFA
SOCIALDEV = "socialdev@northland.example"  # Nadia Haddad, Northland Ministry of Social Development: Families First's convener; MFA

EASTSIDE = "Eastside Neighbourhood Renewal"
SLUG = "eastside-neighbourhood-renewal"
FAMILIES = "Families First"
FRAMEWORK = "Eastside shared evaluation framework"
KITCHEN_FORM = "/feedback/eastside-kitchen/"
KITCHEN_TITLE = "How is the Eastside community kitchen doing?"
SERVER_TZ = ZoneInfo("America/Toronto")  # settings.TIME_ZONE: datetime-local inputs are read in it
STATUSES = {"On track", "At risk", "Off track", "No data"}
BOTTOM_LINES = ["Productivity", "Service experience", "Results", "Democracy", "Relationships (process outcome)",
                "Capacity (process outcome)"]
QUESTIONS = ["Is it getting better?", "Is it making people feel better about it?", "Is it building public value?"]
DECISION_OUTCOMES = {"Carried", "Not carried", "Blocked", "No quorum"}


# --- helpers ------------------------------------------------------------------------------------

def previous_quarter(key: str) -> str:
    year, quarter = int(key[:4]), int(key[-1])
    return f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"


def quarter_label(key: str) -> str:
    return f"Q{key[-1]} {key[:4]}"


def download(page, link):
    """GET the link's address with the page's cookies; the response."""
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200, f"{link.get_attribute('href')} answered {response.status}"
    return response


# --- 1. build a framework and adopt it by decision ------------------------------------------------

def test_build_a_framework_and_adopt_it_by_decision(ui):
    page = ui.signed_in_page(SOCIALDEV)
    open_partnership_page(ui, page, FAMILIES, "Results")
    expect(h1(page)).to_have_text("Scorecard")
    expect(main(page)).to_contain_text("This partnership has no evaluation framework yet, so there is no scorecard.")

    # Start the framework: two years of quarters.
    follow(ui, page, main(page).get_by_role("link", name="Start the evaluation framework"))
    expect(h1(page)).to_have_text("Create the evaluation framework")
    title = f"Families First outcomes framework ({unique()})"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Purpose").fill("Are families better supported when every agency works from one plan?")
    page.get_by_label("Quarterly", exact=True).check()
    page.get_by_label("First period starts").fill("2026-01-01")
    page.get_by_label("Last period ends").fill("2027-12-31")
    follow(ui, page, page.get_by_role("button", name="Create the framework"))
    expect(banner(page)).to_contain_text("Framework started as a draft. Add its outcomes and indicators.")
    expect(h1(page)).to_have_text(title)
    expect(main(page).locator("strong.govuk-tag").first).to_have_text("Draft")
    expect(summary_value(page, "Runs")).to_contain_text("(8 periods)")
    framework_path = path_of(page)
    assert framework_path == "/partnerships/families-first/evaluation/", framework_path

    # An outcome in the logic model.
    outcome = "Families tell their story only once"
    follow(ui, page, main(page).get_by_role("link", name="Add a step to the logic model"))
    expect(h1(page)).to_have_text("Add a step to the logic model")
    expect(page.get_by_label("Outcome", exact=True)).to_be_checked()
    page.get_by_label("Title").fill(outcome)
    page.get_by_label("Description").fill("One shared plan per family, agreed with the family.")
    follow(ui, page, page.get_by_role("button", name="Save"))
    assert path_of(page) == framework_path
    expect(banner(page)).to_contain_text(f"“{outcome}” added to the logic model.")
    expect(page.get_by_role("heading", level=3, name=outcome)).to_be_visible()

    # An indicator without its unit is refused, with a summary that leads to the field.
    follow(ui, page, main(page).get_by_role("link", name=f"Add an indicator to “{outcome}”"))
    expect(h1(page)).to_have_text("Add an indicator")
    expect(page.get_by_label("Outcome it measures")).to_have_value(re.compile(r"^\d+$"))
    name = "Families with one shared plan"
    page.get_by_label("Code").fill("shared-plans")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Definition").fill("Families with a plan agreed by them and every agency that supports them.")
    page.get_by_label("Whole number").check()
    page.get_by_label("Higher is better").check()
    page.get_by_label("Latest period reported").check()
    page.get_by_label("Baseline (optional)").fill("0")
    page.get_by_label("Data source").fill("The ministry's case records")
    page.get_by_label("Reporting partner").select_option(label="Northland Ministry of Social Development")
    page.get_by_label("Results", exact=True).check()
    page.get_by_label("Is it getting better?").check()
    follow(ui, page, page.get_by_role("button", name="Save"), "no unit")
    expect(h1(page)).to_have_text("Add an indicator")
    link = error_summary(page).get_by_role("link")
    expect(link).to_have_count(1)  # only the unit is missing
    expect(link).to_have_attribute("href", "#id_unit")
    expect(page.locator("#id_unit-error")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)  # what was typed is kept
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_unit"

    page.get_by_label("Unit").fill("families")
    follow(ui, page, page.get_by_role("button", name="Save"))
    expect(banner(page)).to_contain_text(f"Indicator “{name}” added. Set its targets next.")
    expect(h1(page)).to_have_text(f"Targets of “{name}”")

    # Targets: a fraction for a whole-number indicator is refused, and nothing is saved.
    page.get_by_label("Q1 2026", exact=True).fill("10")
    page.get_by_label("Q2 2026", exact=True).fill("12.5")
    follow(ui, page, page.get_by_role("button", name="Save the targets"), "fraction target")
    expect(error_summary(page)).to_contain_text("This indicator counts whole numbers: enter a whole number.")
    expect(error_summary(page).get_by_role("link").first).to_have_attribute("href", "#id_target_2026_Q2")
    expect(page.get_by_label("Q2 2026", exact=True)).to_have_value("12.5")
    page.get_by_label("Q2 2026", exact=True).fill("12")
    page.get_by_label("Q4 2027", exact=True).fill("40")
    follow(ui, page, page.get_by_role("button", name="Save the targets"))
    assert path_of(page) == framework_path
    expect(banner(page)).to_contain_text(f"Targets of “{name}” saved.")
    indicators = table(page, f"Indicators of “{outcome}”")
    row = indicators.locator("tbody tr", has_text="shared-plans")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("families")
    expect(row).to_contain_text("Northland Ministry of Social Development")
    expect(row.locator("td").nth(8)).to_have_text("3")  # three targets

    # Propose it for adoption: a decision under the charter's rule (consent), closing in a minute.
    follow(ui, page, main(page).get_by_role("link", name="Propose the framework for adoption"))
    expect(h1(page)).to_have_text("Propose the framework for adoption")
    expect(main(page)).to_contain_text(f"“{title}” has 1 indicator.")
    closes = (dt.datetime.now(SERVER_TZ) + dt.timedelta(seconds=40)).replace(microsecond=0)
    if closes.second == 0:  # Chromium drops ":00" seconds, which Playwright's fill refuses
        closes += dt.timedelta(seconds=1)
    page.get_by_label("Partners can respond until").fill(closes.strftime("%Y-%m-%dT%H:%M:%S"))
    follow(ui, page, page.get_by_role("button", name="Put the framework to the partners"))
    expect(banner(page)).to_contain_text("The framework has been put to the partners for adoption.")
    expect(h1(page)).to_have_text(f"Adopt the evaluation framework “{title}”")
    decision_path = path_of(page)
    assert re.fullmatch(r"/partnerships/families-first/decisions/\d+/", decision_path), decision_path

    # The convener's ministry consents.
    page.get_by_label("Agree", exact=True).check()
    follow(ui, page, page.get_by_role("button", name="Record position"))
    positions = page.locator("table", has=page.get_by_text("Positions of the partners"))
    expect(positions.locator("tbody tr", has=page.get_by_role(
        "cell", name="Northland Ministry of Social Development", exact=True))).to_contain_text("Agree")

    # Meanwhile the framework is frozen, and says where the decision is.
    ui.goto(page, framework_path, "proposed")
    expect(main(page).locator("strong.govuk-tag").first).to_have_text("Proposed for adoption")
    expect(main(page)).to_contain_text("it cannot change until the decision closes")
    expect(main(page).get_by_role("link", name="Add a step to the logic model")).to_have_count(0)
    expect(main(page).get_by_role("link", name="See the decision and take your position")).to_have_attribute(
        "href", decision_path)

    # After the closing time, compute the outcome (unless the worker already has).
    wait = (closes - dt.datetime.now(SERVER_TZ)).total_seconds() + 1
    if wait > 0:
        time.sleep(wait)
    deadline = time.monotonic() + 30
    outcome_panel = page.locator(".govuk-panel__title")
    compute = page.get_by_role("button", name="Compute the outcome now")
    while True:
        ui.goto(page, decision_path, "after closing time")
        if compute.count():
            follow(ui, page, compute, "outcome")
            expect(page.get_by_text("The outcome is recorded.")).to_be_visible()
            break
        if outcome_panel.count():  # the worker's task closed it first
            break
        assert time.monotonic() < deadline, "the decision neither closed nor offered to compute the outcome"
        time.sleep(1)
    expect(outcome_panel).to_have_text("Carried")  # consent: no reasoned objection

    # The framework is adopted, version 1, and its versions page says by which decision.
    ui.goto(page, framework_path, "adopted")
    expect(main(page).locator("strong.govuk-tag").first).to_have_text("Adopted")
    expect(main(page)).to_contain_text("this is version 1.")
    expect(main(page).get_by_role("link", name="The decision that adopted it")).to_have_attribute(
        "href", decision_path)
    follow(ui, page, main(page).get_by_role("link", name="Versions of the framework"))
    versions = table(page, f"Versions of “{title}”, newest first")
    expect(versions.locator("tbody tr")).to_have_count(1)
    expect(versions.locator("tbody tr").first).to_contain_text("Version 1")
    expect(versions.locator("tbody tr").first).to_contain_text("Adopted by decision")
    follow(ui, page, versions.get_by_role("link", name="Version 1"))
    expect(h1(page)).to_have_text(f"“{title}”, version 1")
    expect(table(page, f"Indicators of “{outcome}”").locator("tbody tr")).to_contain_text("shared-plans")

    # The scorecard now measures it: no value reported yet.
    ui.goto(page, "/partnerships/families-first/evaluation/scorecard/", "adopted")
    expect(page.locator("#scorecard-summary")).to_contain_text("1 indicator")
    row = table(page, f"Indicators of “{outcome}”").locator("tbody tr", has_text=name)
    expect(row.locator(".govuk-tag")).to_have_text(re.compile(r"^(No data|On track|At risk|Off track)$"))


# --- 2. report by form and by file -----------------------------------------------------------------

def _csv(rows: list[list[str]]) -> str:
    header = ["indicator", "period", "value", "unit", "note", "correction_reason"]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    return buf.getvalue()


def test_report_by_form_and_by_file(ui, tmp_path):
    page = ui.signed_in_page(LITERACY)
    open_partnership_page(ui, page, EASTSIDE, "Results")
    follow(ui, page, evaluation_nav(page, "Measurements"))
    expect(h1(page)).to_have_text("Measurements")

    # The Literacy Council is late: the panel names the quarter and the indicator.
    late = page.locator(".govuk-notification-banner", has=page.get_by_role("heading", name="Late reports"))
    expect(late).to_be_visible()
    late_rows = table(page, "Values past their due date, by partner and period").locator("tbody tr")
    ours = late_rows.filter(has_text="Riverton Literacy Council")
    expect(ours).to_have_count(1)
    expect(ours).to_contain_text("Adults in literacy tutoring")
    expect(late_rows.filter(has_text="Employment and Social Development Office")).to_contain_text(
        "People placed in jobs")
    follow(ui, page, ours.get_by_role("link", name="Adults in literacy tutoring"))

    # The form comes with the indicator and the missing quarter chosen.
    expect(h1(page)).to_have_text("Report a value")
    expect(page.get_by_label("Indicator", exact=True).locator("option:checked")).to_have_text(
        "Adults in literacy tutoring (learners)")
    late_key = page.get_by_label("Period", exact=True).input_value()
    assert re.fullmatch(r"\d{4}-Q[1-4]", late_key), late_key
    late_label = quarter_label(late_key)

    # A fraction for a whole-number indicator: refused, with a summary that leads to the field.
    page.get_by_label("Value", exact=True).fill("12.5")
    follow(ui, page, page.get_by_role("button", name="Report the value"), "fraction")
    expect(h1(page)).to_have_text("Report a value")
    link = error_summary(page).get_by_role("link", name=re.compile(
        r"Adults in literacy tutoring counts whole numbers; 12\.5 is not one\."))
    expect(link).to_have_attribute("href", "#id_value")
    expect(page.get_by_label("Value", exact=True)).to_have_value("12.5")
    expect(page.get_by_label("Period", exact=True)).to_have_value(late_key)

    page.get_by_label("Value", exact=True).fill("17")
    page.get_by_label("Note (optional)").fill("From the Tuesday and Thursday registers.")
    follow(ui, page, page.get_by_role("button", name="Report the value"))
    expect(banner(page)).to_contain_text("Reported: Adults in literacy tutoring")
    expect(h1(page)).to_have_text(f"Adults in literacy tutoring, {late_label}")
    expect(summary_value(page, "Value")).to_have_text("17 learners")
    expect(summary_value(page, "Reported by")).to_contain_text("Riverton Literacy Council (Olivia Roy)")
    expect(summary_value(page, "How")).to_have_text("Web form")

    # No longer late; the Employment Office still is.
    follow(ui, page, main(page).get_by_role("link", name="Back to the measurements"))
    late_rows = table(page, "Values past their due date, by partner and period").locator("tbody tr")
    expect(late_rows.filter(has_text="Riverton Literacy Council")).to_have_count(0)
    expect(late_rows.filter(has_text="Employment and Social Development Office")).to_have_count(1)

    # A file with errors: every problem listed row by row, and nothing imported.
    earlier_key = previous_quarter(late_key)
    follow(ui, page, main(page).get_by_role("link", name="Import from a file"))
    expect(h1(page)).to_have_text("Import measurements")
    bad = tmp_path / "literacy-registers.csv"
    bad.write_text(_csv([
        ["literacy-learners", "2019-Q1", "9", "learners", "", ""],  # outside the framework
        ["literacy-learners", late_key, "18", "people", "", "Thursday register came in late."],  # wrong unit
        ["literacy-learners", earlier_key, "15", "learners", "", "One learner was missing."],  # twice
        ["literacy-learners", earlier_key, "16", "learners", "", "Two learners were missing."],
    ]), encoding="utf-8")
    page.get_by_label("File to import").set_input_files(bad)
    follow(ui, page, page.get_by_role("button", name="Check and import"), "rejected file")
    summary = error_summary(page)
    expect(summary.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    expect(summary).to_contain_text("literacy-registers.csv has 4 problems. Imports are all or nothing, so no row "
                                    "was imported.")
    anchor = summary.get_by_role("link", name="See the problems row by row")
    expect(anchor).to_have_attribute("href", "#import-report")
    report = table(page, "What to fix in literacy-registers.csv, row by row (row 1 is the header)")
    expect(report.locator("thead th")).to_have_text(["Row", "Column", "What is wrong", "How to fix it"])
    problems = report.locator("tbody tr")
    expect(problems).to_have_count(4)
    expect(problems.nth(0).locator("td")).to_have_text([
        "2", "period", re.compile(r"^Q1 2019 is outside the framework, which runs from \d{4}-\d\d-\d\d to "
                                  r"2027-12-31\.$"), "Report only periods of the framework."])
    expect(problems.nth(1).locator("td")).to_have_text([
        "3", "unit", "A value of the wrong unit: Adults in literacy tutoring is counted in learners, not “people”.",
        "Convert the value to learners, or leave the unit empty."])
    expect(problems.nth(2).locator("td").nth(0)).to_have_text("4")
    expect(problems.nth(2).locator("td").nth(2)).to_have_text(
        f"Adults in literacy tutoring for {quarter_label(earlier_key)} appears more than once in the file "
        f"(also row 5).")
    expect(problems.nth(3).locator("td").nth(0)).to_have_text("5")
    expect(problems.nth(3).locator("td").nth(2)).to_contain_text("(also row 4)")
    anchor.click()
    assert page.evaluate("document.activeElement.id") == "import-report"
    earlier = table(page, "The latest imports of measurements, accepted or rejected")
    expect(earlier.locator("tbody tr", has_text="literacy-registers.csv")).to_contain_text(
        "Rejected: 4 problems, nothing imported")

    # The fixed file corrects the quarter reported on the form, with a reason.
    reason = f"The Thursday group's register came in late: one more learner. ({unique()})"
    fixed = tmp_path / "literacy-registers-fixed.csv"
    fixed.write_text(_csv([["literacy-learners", late_key, "18", "learners", "Both registers", reason]]),
                     encoding="utf-8")
    page.get_by_label("File to import").set_input_files(fixed)
    follow(ui, page, page.get_by_role("button", name="Check and import"))
    expect(banner(page)).to_contain_text(re.compile(r"Imported 1 \w+ from literacy-registers-fixed\.csv\."))
    expect(h1(page)).to_have_text("Measurements")
    page.get_by_label("Indicator", exact=True).select_option(label="Adults in literacy tutoring")
    page.get_by_label("Period", exact=True).select_option(value=late_key)
    page.get_by_label("Show corrected (earlier) values too").check()
    follow(ui, page, page.get_by_role("button", name="Apply filters"), "one period")
    assert parse_qs(urlsplit(page.url).query).get("period") == [late_key], page.url
    values = table(page, "Values, latest reported first").locator("tbody tr")
    expect(values).to_have_count(2)
    expect(values.nth(0)).to_contain_text("18 learners")
    expect(values.nth(0)).to_contain_text("Corrected")
    expect(values.nth(0)).to_contain_text("File import")
    expect(values.nth(1)).to_contain_text("17 learners")
    expect(values.nth(1)).to_contain_text("Replaced")

    # The indicator page: the corrected value, and the way to its history.
    follow(ui, page, values.nth(0).get_by_role("link", name="Adults in literacy tutoring"))
    expect(h1(page)).to_have_text(f"Adults in literacy tutoring, {late_label}")
    follow(ui, page, summary_value(page, "Indicator").get_by_role("link", name="Adults in literacy tutoring"))
    expect(h1(page)).to_have_text("Adults in literacy tutoring")
    periods = table(page, "Adults in literacy tutoring (learners): value and target in each period")
    row = periods.locator("tbody tr", has=page.get_by_role("rowheader", name=late_label, exact=True))
    expect(row.locator("td").nth(0)).to_have_text("18")
    expect(row.locator("td").nth(3)).to_contain_text("Riverton Literacy Council")
    follow(ui, page, row.get_by_role("link", name=f"Corrected: see the history {late_label}"))
    history = table(page, f"Every value reported for Adults in literacy tutoring in {late_label}, newest first")
    rows = history.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("18 Current")
    expect(rows.nth(0).locator("td").nth(3)).to_have_text(reason)
    expect(rows.nth(0).locator("td").nth(2)).to_contain_text("File import")
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("17")
    expect(rows.nth(1).locator("td").nth(2)).to_contain_text("Web form")
    expect(summary_value(page, "How")).to_have_text("File import (literacy-registers-fixed.csv)")


# --- 3. read a scorecard --------------------------------------------------------------------------

def _check_scorecard(page):
    expect(h1(page)).to_have_text("Scorecard")
    expect(page.locator("#scorecard-summary")).to_contain_text(re.compile(
        r"12 indicators: \d+ on track, \d+ at risk, \d+ off track, \d+ with no data\."))
    by_status = table(page, re.compile(r"^Indicators by status on "))
    expect(by_status.locator("tbody th[scope=row]")).to_have_text(["On track", "At risk", "Off track", "No data"])

    bottom = table(page, "Indicators by bottom line and process outcome, by status")
    expect(bottom.locator("thead th[scope=col]")).to_have_text(["Serves", "On track", "At risk", "Off track",
                                                                 "No data", "In short"])
    expect(bottom.locator("tbody th[scope=row]")).to_have_text(BOTTOM_LINES)
    for line in BOTTOM_LINES:
        row = bottom.locator("tbody tr", has=page.get_by_role("rowheader", name=line, exact=True))
        expect(row.locator("td").last).to_have_text(re.compile(
            r"^\d+ indicators?: \d+ on track, \d+ at risk, \d+ off track, \d+ with no data\.$"))

    expect(page.get_by_role("heading", level=2, name="The three questions")).to_be_visible()
    for question in QUESTIONS:
        answer = page.locator(f"h3:text-is('{question}') + p")
        expect(answer).to_have_text(re.compile(r"^(Yes, mostly|Not yet|Mixed|Not known yet): of \d+ indicators?, "
                                               r"\d+ improving and \d+ getting worse; \d+ on track"))

    # Each outcome's table: a caption, column headers, the indicator as row header, the status in words.
    jobs = table(page, "Indicators of “Residents gain skills and jobs”")
    expect(jobs.locator("thead th[scope=col]")).to_have_text(["Indicator", "Period", "Value", "Target", "Status",
                                                               "Trend", "In short"])
    late = jobs.locator("tbody tr", has=page.get_by_role("link", name="People placed in jobs"))
    expect(late.locator(".govuk-tag")).to_have_text("No data")
    expect(late.locator("td").last).to_have_text(re.compile(
        r"^No data for Q\d \d{4}: Employment and Social Development Office has not reported yet\.$"))
    meals = table(page, "Indicators of “Meals served and food boxes delivered”").locator(
        "tbody tr", has=page.get_by_role("rowheader", name=re.compile("^Meals served")))
    expect(meals.locator("td").last).to_have_text(re.compile(
        r"^(Improving|Steady|Getting worse): (\d+% (above|below) target|on target) in Q\d \d{4}"))
    tags = main(page).locator("table tbody .govuk-tag")
    assert tags.count() >= 12
    assert set(tags.all_inner_texts()) <= STATUSES, tags.all_inner_texts()


def _check_indicator_page(page):
    expect(h1(page)).to_have_text("Meals served")
    expect(page.locator("#indicator-summary")).to_contain_text(re.compile(r"(On track|At risk|Off track)"))
    expect(summary_value(page, "Reported by")).to_have_text("Eastside Food Bank")
    expect(summary_value(page, "Serves")).to_have_text("Results")
    sentence = main(page).get_by_text(re.compile(r"^The chart shows the value of Meals served in each period from "
                                                 r"Q\d \d{4} to Q\d \d{4} against its target: \d+ of \d+ periods "
                                                 r"reported\."))
    expect(sentence).to_be_visible()
    periods = table(page, "Meals served (meals): value and target in each period")
    expect(periods.locator("thead th[scope=col]")).to_have_text(["Period", "Value", "Target", "Status",
                                                                  "Reported by", "Corrected"])
    expect(periods.locator("tbody th[scope=row]").first).to_have_text(re.compile(r"^Q\d \d{4}$"))
    expect(periods.locator("tbody tr", has_text="Not due yet").first).to_be_visible()
    corrected = periods.locator("tbody tr", has=page.get_by_role("link", name=re.compile(
        "^Corrected: see the history")))
    expect(corrected).to_have_count(1)  # the demo's one correction
    expect(corrected.locator("td").nth(3)).to_contain_text("Eastside Food Bank")

    # The thread: agreement → work → contributions → result, with each contributor credited.
    expect(page.get_by_role("heading", level=2, name="From agreement to result")).to_be_visible()
    commitments = page.locator("table", has=page.locator("caption").get_by_role(
        "link", name="Eastside single contribution agreement"))
    expect(commitments.locator("tbody tr", has_text="Community kitchen operations")).to_contain_text(
        "United Way Riverton")
    expect(commitments.locator("tbody tr", has_text="Volunteer drivers and kitchen helpers")).to_be_visible()
    work = table(page, "Work programme items linked to this indicator")
    for item in ("Community kitchen", "Saturday kitchen helpers", "Deliver food boxes to seniors"):
        expect(work.get_by_role("link", name=item, exact=True)).to_be_visible()
    credits = table(page, "Each contributor's credit")
    for who in ("United Way Riverton", "Eastside Food Bank", "Citizens (volunteers)", "All contributors"):
        expect(credits.locator("tbody tr, tfoot tr").filter(has_text=who).first).to_contain_text("CAD")
    expect(summary_value(page, "Cost per unit of improvement")).to_have_text(re.compile(r"^CAD [\d,]+\.\d\d$"))
    expect(main(page).get_by_text(re.compile(r"for each unit of improvement \(meals\)"))).to_be_visible()


def test_read_a_scorecard_with_and_without_javascript(ui):
    page = ui.new_page()
    open_partnership_page(ui, page, EASTSIDE, "Results")
    _check_scorecard(page)
    follow(ui, page, table(page, "Indicators of “Meals served and food boxes delivered”").get_by_role(
        "link", name="Meals served", exact=True))
    assert re.fullmatch(r"/indicators/\d+/", path_of(page)), page.url
    indicator_path = path_of(page)
    _check_indicator_page(page)
    canvas = page.locator("canvas.joinery-chart")
    expect(canvas).to_have_attribute("role", "img")
    expect(canvas).to_have_attribute("aria-label", re.compile("table below"))
    expect(canvas).to_be_visible()
    page.wait_for_function("() => !!(window.Chart && Chart.getChart(document.querySelector('canvas.joinery-chart')))")

    # An outcome's scorecard, from the indicator's outcome.
    follow(ui, page, summary_value(page, "Outcome").get_by_role("link"))
    expect(h1(page)).to_have_text("Scorecard: Meals served and food boxes delivered")
    expect(table(page, "Indicators of “Meals served and food boxes delivered”").get_by_role(
        "link", name="Meals served", exact=True)).to_be_visible()

    # Without JavaScript: the same tables and sentences.
    page = ui.new_page(js=False)
    ui.goto(page, f"/partnerships/{SLUG}/evaluation/scorecard/", "no JS")
    _check_scorecard(page)
    ui.goto(page, indicator_path, "no JS")
    _check_indicator_page(page)


# --- 4. a partner's own report ---------------------------------------------------------------------

def test_a_partners_own_report_in_html_pdf_and_csv(ui):
    page = ui.signed_in_page(FOODBANK)
    open_partnership_page(ui, page, EASTSIDE, "Results")
    follow(ui, page, evaluation_nav(page, "Partners' own reports"))
    expect(h1(page)).to_have_text("Partners' own reports")
    ours = main(page).locator("li", has=page.get_by_role("link", name="Annual impact return", exact=True))
    expect(ours).to_contain_text("for United Way Riverton, yearly, 3 indicators mapped")
    follow(ui, page, ours.get_by_role("link", name="Annual impact return", exact=True))
    expect(h1(page)).to_have_text("Annual impact return")
    expect(summary_value(page, "Reported to")).to_have_text("United Way Riverton")
    expect(summary_value(page, "Their reporting period")).to_have_text("Yearly")
    expect(page.get_by_label("Their name for “Meals served”")).to_have_value("Meals provided")

    follow(ui, page, main(page).get_by_role("link", name="See the report"))
    expect(h1(page)).to_have_text("Annual impact return")
    expect(main(page)).to_contain_text("For United Way Riverton, from the shared evaluation framework of "
                                       f"{EASTSIDE}. Reference: UW-2026-0417.")
    year = str(dt.datetime.now(SERVER_TZ).year - 1)  # a whole year of the framework, all reported
    full = table(page, re.compile(rf"^\s*{year}\s*$"))
    expect(full.locator("thead th[scope=col]")).to_have_text(["Their code", "Their name", "Shared indicator", "Value",
                                                               "Target", "Status", "Periods reported"])
    meals = full.locator("tbody tr", has_text="Meals provided")
    expect(meals.locator("td").nth(0)).to_have_text("FS-01")
    expect(meals.locator("td").nth(2)).to_have_text("Meals served")
    expect(meals.locator("td").nth(3)).to_have_text(re.compile(r"^[\d,]+ meals$"))
    expect(meals.locator("td").nth(6)).to_have_text("4 of 4 quarters reported")
    expect(full.locator("tbody tr", has_text="Average cost per meal")).to_contain_text("FS-04")
    expect(full.locator("tbody tr", has_text="Participant satisfaction (1–5)")).to_contain_text("PS-02")
    assert set(full.locator(".govuk-tag").all_inner_texts()) <= STATUSES

    # One year only.
    page.get_by_label("Period").select_option(label=year)
    follow(ui, page, page.get_by_role("button", name="Show the period"), "one year")
    assert parse_qs(urlsplit(page.url).query).get("period") == [year], page.url
    expect(main(page).locator("table")).to_have_count(1)
    expect(table(page, re.compile(rf"^\s*{year}\s*$")).locator("tbody tr")).to_have_count(3)

    # The PDF and the CSV of the same report.
    pdf = download(page, main(page).get_by_role("link", name="PDF Annual impact return"))
    assert pdf.headers["content-type"] == "application/pdf", pdf.headers["content-type"]
    assert pdf.body().startswith(b"%PDF"), pdf.body()[:20]
    assert "attachment" in pdf.headers.get("content-disposition", "")
    csv_response = download(page, main(page).get_by_role("link", name="CSV Annual impact return"))
    assert csv_response.headers["content-type"].startswith("text/csv"), csv_response.headers["content-type"]
    rows = list(csv.reader(io.StringIO(csv_response.body().decode("utf-8-sig"))))
    assert rows[0][:4] == ["Period", "Period name", "Their code", "Their name"], rows[0]
    by_code = {r[2]: r for r in rows[1:]}
    assert set(by_code) == {"FS-01", "FS-04", "PS-02"}, rows
    meals_row = by_code["FS-01"]
    assert meals_row[0] == year and meals_row[3] == "Meals provided" and meals_row[4] == "meals-served", meals_row
    assert re.fullmatch(r"\d+", meals_row[7]), meals_row  # a plain number, no thousands separator


# --- 5. send public feedback -------------------------------------------------------------------------

def test_send_public_feedback_by_keyboard(ui):
    page = ui.new_page()
    ui.goto(page, KITCHEN_FORM)
    expect(h1(page)).to_have_text(KITCHEN_TITLE)
    expect(page.locator(".govuk-caption-l")).to_have_text(EASTSIDE)

    # The honeypot is out of sight and out of the tab order, and hidden from screen readers.
    honeypot = page.locator("#id_website")
    expect(honeypot).not_to_be_in_viewport()
    expect(honeypot).to_have_attribute("tabindex", "-1")
    expect(page.locator(".feedback-hp")).to_have_attribute("aria-hidden", "true")
    box = honeypot.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0, box

    # Nothing chosen: refused, and the summary leads to the first question.
    follow(ui, page, page.get_by_role("button", name="Send your feedback"), "nothing chosen")
    expect(h1(page)).to_have_text(KITCHEN_TITLE)
    links = error_summary(page).get_by_role("link")
    expect(links).to_have_text(["Choose how the service is going.", "Choose whether the service is getting better.",
                                "Choose how you feel about the service."])
    expect(links.first).to_have_attribute("href", "#id_going_0")
    assert page.title().startswith("Error:"), page.title()

    # All by keyboard: the summary's first link, then arrows, Tab and Space.
    links.first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_going_0"
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # moves to the next answer and chooses it
    expect(page.get_by_role("group", name="How is the service going?").get_by_label("Good", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    trend = page.get_by_role("group", name="Is it getting better?")
    expect(trend.get_by_label("Getting better")).to_be_focused()
    page.keyboard.press("Space")
    expect(trend.get_by_label("Getting better")).to_be_checked()
    page.keyboard.press("Tab")
    feeling = page.get_by_role("group", name="How do you feel about it?")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(feeling.get_by_label("Happy", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    comment = page.get_by_label("Anything you would like to tell us? (optional)")
    expect(comment).to_be_focused()
    page.keyboard.type(f"The new chairs make lunch easier for my mother. ({unique()})")
    page.keyboard.press("Tab")
    expect(page.get_by_label("How can we reach you? (optional)")).to_be_focused()
    page.keyboard.press("Tab")  # past the honeypot, which is out of the tab order
    expect(page.get_by_role("button", name="Send your feedback")).to_be_focused()
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value is not None and navigation.value.status == 200, navigation.value
    ui.check(page, "sent")
    assert path_of(page) == KITCHEN_FORM + "thanks/", page.url
    expect(page.locator(".govuk-panel__title")).to_have_text("Thank you for your feedback")
    expect(page.locator(".govuk-panel__body")).to_have_text(KITCHEN_TITLE)


# --- 6. publish open data ------------------------------------------------------------------------------

def test_publish_open_data(ui):
    page = ui.signed_in_page(COORDINATOR)
    open_partnership_page(ui, page, EASTSIDE, "Results")
    follow(ui, page, evaluation_nav(page, "Open data"))
    expect(h1(page)).to_have_text("Open data")
    expect(page.get_by_label("Publish the chosen indicators as open data")).to_be_checked()
    joint = page.get_by_label("Projects run by two or more partners (joint-projects)")
    trained = page.get_by_label("Partner staff trained in co-production (staff-trained)")
    expect(page.get_by_label("Meals served (meals-served)")).to_be_checked()
    expect(trained).not_to_be_checked()
    joint.check()
    follow(ui, page, page.get_by_role("button", name="Save the open data settings"))
    expect(banner(page)).to_contain_text("Open data settings saved. The chosen indicators are public.")
    expect(page.get_by_label("Projects run by two or more partners (joint-projects)")).to_be_checked()
    expect(main(page).locator(".govuk-inset-text")).to_contain_text(re.compile(
        r"\d+ indicators are published as open data\."))

    # The public page, read by anyone.
    public = ui.new_page()
    ui.goto(public, "/open-data/", "public")
    follow(ui, public, main(public).get_by_role("link", name=re.compile(re.escape(EASTSIDE))), "public")
    assert path_of(public) == f"/open-data/{SLUG}/", public.url
    expect(summary_value(public, "Licence")).to_contain_text("CC-BY-4.0")
    expect(summary_value(public, "Publisher")).to_contain_text("City of Riverton")
    expect(public.get_by_role("heading", level=2, name="Projects run by two or more partners")).to_be_visible()
    joint_table = table(public, "Projects run by two or more partners: values and targets by period")
    expect(joint_table.locator("thead th[scope=col]")).to_have_text(["Period", "Value", "Target"])
    expect(joint_table.locator("tbody tr").first).to_contain_text(re.compile(r"Q\d \d{4}"))
    expect(public.get_by_role("heading", name="Partner staff trained in co-production")).to_have_count(0)
    expect(main(public)).not_to_contain_text("staff-trained")

    # The downloads: the right types, the new indicator, and nothing unpublished.
    data = download(public, main(public).get_by_role("link", name=re.compile(r"^CSV ")))
    assert data.headers["content-type"].startswith("text/csv"), data.headers["content-type"]
    rows = list(csv.DictReader(io.StringIO(data.text())))
    codes = {r["indicator_code"] for r in rows}
    assert "joint-projects" in codes and "meals-served" in codes, codes
    assert "staff-trained" not in codes and "staff-trained" not in data.text(), codes
    assert {r["licence"] for r in rows} == {"CC-BY-4.0"}
    data = download(public, main(public).get_by_role("link", name=re.compile(r"^JSON ")))
    assert data.headers["content-type"].startswith("application/json"), data.headers["content-type"]
    dataset = json.loads(data.text())
    codes = [i["code"] for i in dataset["indicators"]]
    assert "joint-projects" in codes, codes
    assert "staff-trained" not in codes and "staff-trained" not in data.text(), codes
    assert dataset["licence"]["id"] == "CC-BY-4.0", dataset["licence"]
    joint_values = next(i for i in dataset["indicators"] if i["code"] == "joint-projects")["values"]
    assert joint_values and all(re.fullmatch(r"\d{4}-Q[1-4]", v["period"]) for v in joint_values), joint_values


# --- 7. the pages in French ------------------------------------------------------------------------

# path: (how to find the text that must be in French, the English text it replaces)
FRENCH_PAGES = {
    f"/partnerships/{SLUG}/evaluation/scorecard/": ("h1", "Scorecard"),
    f"/partnerships/{SLUG}/evaluation/": ("h2", "Logic model"),
    KITCHEN_FORM: ("legend", "How is the service going?"),
    f"/open-data/{SLUG}/": ("caption", "Meals served: values and targets by period"),
}


def _french_text(page, where: str):
    if where == "h1":
        return h1(page)
    if where == "h2":
        return main(page).locator("h2").first
    if where == "legend":
        return main(page).locator("legend").first
    return main(page).locator("caption").first


def test_evaluation_pages_in_french(ui):
    """The language switcher applies to the evaluation pages; each passes axe in French."""
    page = ui.new_page()
    ui.goto(page, f"/partnerships/{SLUG}/evaluation/scorecard/")
    follow(ui, page, page.get_by_role("button", name="Français"), "fr")
    assert path_of(page) == f"/partnerships/{SLUG}/evaluation/scorecard/"
    untranslated = []
    for path, (where, english) in FRENCH_PAGES.items():
        ui.goto(page, path, "fr")
        assert page.evaluate("document.documentElement.lang") == "fr", path
        expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Partenariats")).to_be_visible()
        text = _french_text(page, where).inner_text().strip()
        assert text, f"{path}: no {where}"
        if text == english:
            untranslated.append(f"{path}: {where} “{text}”")
    # A partner's report, signed in, in French; then back to English.
    signed_in = ui.signed_in_page(FOODBANK)
    ui.goto(signed_in, f"/partnerships/{SLUG}/evaluation/requirements/")
    follow(ui, signed_in, signed_in.get_by_role("button", name="Français"), "fr")
    assert signed_in.evaluate("document.documentElement.lang") == "fr"
    if h1(signed_in).inner_text().strip() == "Partners' own reports":
        untranslated.append("requirements: h1")
    # The measurements are the partners' by default (docs/visibility.md).
    ui.goto(signed_in, f"/partnerships/{SLUG}/evaluation/measurements/", "fr")
    if h1(signed_in).inner_text().strip() == "Measurements":
        untranslated.append("measurements: h1")
    ui.goto(signed_in, f"/partnerships/{SLUG}/evaluation/requirements/", "fr")
    follow(ui, signed_in, main(signed_in).locator("a[href$='/report/']").first, "fr")  # a partner's report
    assert re.fullmatch(r"/requirements/\d+/report/", path_of(signed_in)), signed_in.url
    period_label = main(signed_in).locator("label").first.inner_text().strip()
    if period_label == "Period":
        untranslated.append("report: the period label")
    follow(ui, signed_in, signed_in.get_by_role("button", name="English"))
    assert signed_in.evaluate("document.documentElement.lang") == "en"
    expect(h1(signed_in)).to_have_text(re.compile(r"\S"))
    assert not untranslated, "Not translated into French:\n" + "\n".join(untranslated)
