"""Partnering agreements through the real server in Chromium, with axe-core on every page visited.

Issue 3's quality bar: draft from a template, comment on a passage by keyboard, propose and
accept an amendment, object and resolve, sign by every party, read the redline, download the
PDF (and check it), vary an agreement in force; and the cut-and-paste advice.

The journeys share the demo server (conftest.py) and its data. Each works on its own part of
it, so that they pass in any order and together with test_journeys.py:

- the Eastside information-sharing protocol (negotiating): clause 1 and clause 5 get comments,
  clause 3 an amendment, clause 4 an edit (for the redline); clause 2 keeps the demo's
  objection and amendment;
- the Families First protocol is signed by Parents Together; the Eastside contribution
  agreement is varied; new agreements are started for drafting and for object-and-resolve.

MFA sign-ins cost up to 30 s each (a fresh code per window), so signed-in contexts are reused
(`ui.signed_in_page`) and each person with MFA signs in once.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.pages import main, path_of, unique

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@riverton.example"  # City of Riverton: drafting lead of the Eastside agreements; MFA
FOODBANK = "foodbank@eastside.example"  # Eastside Food Bank, a party to the Eastside protocol; no MFA
PARENTS = "parents@together.example"  # Parents Together's authorised signatory; MFA
SOCIALDEV = "socialdev@northland.example"  # Northland Ministry of Social Development, Families First; MFA

EASTSIDE = "Eastside Neighbourhood Renewal"
FAMILIES = "Families First"
PROTOCOL = "Eastside information-sharing protocol"
CONTRIBUTION = "Eastside single contribution agreement"
FF_PROTOCOL = "Families First information-sharing protocol"
FF_COPY = "Families First community referral protocol (draft)"


# --- helpers ------------------------------------------------------------------------------------

def follow(ui, page, locator, note: str = ""):
    """Activate something that loads a new page (a link or a submit button), then check the page."""
    with page.expect_navigation():
        locator.click()
    ui.check(page, note)


def press_and_follow(ui, page, key: str, note: str = ""):
    """Press a key on the focused element, which loads a new page; then check the page."""
    with page.expect_navigation():
        page.keyboard.press(key)
    ui.check(page, note)


def open_agreements(ui, page, partnership: str, note: str = ""):
    """The partnership's agreements list, reached from the partnerships list."""
    ui.goto(page, "/partnerships/", note)
    follow(ui, page, main(page).get_by_role("link", name=partnership, exact=True), note)
    follow(ui, page, page.get_by_role("navigation", name="Partnership").get_by_role("link", name="Agreements",
                                                                                     exact=True), note)
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreements")


def open_agreement(ui, page, partnership: str, title: str, note: str = ""):
    open_agreements(ui, page, partnership, note)
    follow(ui, page, main(page).get_by_role("table").get_by_role("link", name=title, exact=True), note)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return path_of(page)


def clause(page, heading: str):
    """A clause on the agreement page, by its heading without the number ("Purpose and shared vision")."""
    return page.locator(".joinery-clause", has=page.get_by_role(
        "heading", level=3, name=re.compile(rf"^\d+\. {re.escape(heading)}$")))


def clause_body(page, heading: str):
    return clause(page, heading).locator(".joinery-clause-body")


def open_items_row(page, organisation: str):
    table = page.locator("table", has=page.get_by_text("Open items for each party"))
    return table.locator("tbody tr", has=page.get_by_role("rowheader", name=organisation, exact=True))


def blockers(page):
    """The list under "What is still open, and for whom" of what blocks signature."""
    return page.locator("#open-items-heading ~ ul.govuk-list--bullet").first


def status(page):
    return page.locator(".govuk-summary-list__row", has=page.get_by_text("Status", exact=True)).locator(
        ".govuk-summary-list__value")


def start_agreement(ui, page, *, title: str, kind: str, parties: list[str], template: str):
    """From the partnership's agreements list: fill in "Start an agreement" and start it."""
    follow(ui, page, main(page).get_by_role("link", name="Start an agreement"))
    page.get_by_label("Title").fill(title)
    page.get_by_role("group", name="Type of agreement").get_by_label(kind, exact=True).check()
    for party in parties:
        page.get_by_role("group", name="Parties").get_by_label(party, exact=True).check()
    page.get_by_role("group", name="Start from").get_by_label(template, exact=True).check()
    follow(ui, page, page.get_by_role("button", name="Start the agreement"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text(f"Agreement “{title}” started. Draft the clauses together.")).to_be_visible()
    return path_of(page)


@pytest.fixture(scope="module")
def caret_browser(browser):
    """Chromium with caret browsing on (what F7 turns on): text is selected with Shift+arrows."""
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--enable-caret-browsing"])
    try:
        yield b
    finally:
        b.close()


# --- 1. draft from a template ----------------------------------------------------------------------

def test_draft_a_partnering_agreement_from_the_template(ui):
    page = ui.signed_in_page(COORDINATOR)
    open_agreements(ui, page, EASTSIDE)
    title = f"Eastside kitchen partnering agreement {unique()}"
    start_agreement(ui, page, title=title, kind="Partnering agreement", parties=["Eastside Food Bank"],
                    template="Partnering agreement")
    agreement_path = path_of(page)
    parties = page.locator(".govuk-summary-list__row", has=page.get_by_text("Parties", exact=True))
    expect(parties.get_by_role("listitem")).to_have_text(["City of Riverton", "Eastside Food Bank"])
    expect(status(page)).to_have_text("Draft")

    # The template's clauses are prompts with guidance, not text to paste.
    expect(page.locator(".joinery-clause h3")).to_have_text([
        "1. Purpose and shared vision", "2. Roles and responsibilities", "3. Commitments", "4. Decision-making",
        "5. Information sharing and privacy", "6. Dispute resolution", "7. Risk and innovation",
        "8. Review, variation and termination"])
    expect(clause(page, "Purpose and shared vision").locator("[id$=-guidance]")).to_contain_text(
        "What do the parties want to achieve together that none could achieve alone?")
    expect(clause_body(page, "Purpose and shared vision")).to_have_text("No text yet.")
    expect(blockers(page)).to_contain_text("Clause “Purpose and shared vision” has no text yet.")

    # Write two clauses, each on its own page that repeats the guidance.
    texts = {
        ("Purpose and shared vision", 1): "Weekend meals for **every** Eastside household that asks, cooked by "
                                          "residents in the community kitchen.",
        ("Roles and responsibilities", 2): "- The City keeps the kitchen open and insured.\n"
                                           "- The Food Bank plans the menus and recruits the cooks.",
    }
    for (heading, number), text in texts.items():
        follow(ui, page, clause(page, heading).get_by_role("link", name=f"Edit clause {number}"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Edit a clause")
        expect(page.locator(".govuk-inset-text")).to_contain_text("Guidance:")
        page.get_by_label("Text").fill(text)
        follow(ui, page, page.get_by_role("button", name="Save the clause"))
        assert path_of(page) == agreement_path
        expect(page.get_by_text(f"Clause “{heading}” saved.")).to_be_visible()
    expect(clause_body(page, "Purpose and shared vision")).to_contain_text(
        "Weekend meals for every Eastside household that asks")
    expect(clause_body(page, "Purpose and shared vision").locator("strong")).to_have_text("every")
    expect(clause_body(page, "Roles and responsibilities").locator("li")).to_have_text([
        "The City keeps the kitchen open and insured.", "The Food Bank plans the menus and recruits the cooks."])
    expect(blockers(page)).not_to_contain_text("“Purpose and shared vision”")

    # A commitment is data: party, kind, how much, unit, period.
    follow(ui, page, clause(page, "Commitments").get_by_role("link", name="Add a commitment to clause 3"))
    page.get_by_label("Party that commits").select_option(label="Eastside Food Bank")
    page.get_by_label("What is committed").select_option(label="Volunteer hours")
    page.get_by_label("Description").fill("Weekend cooks")
    page.get_by_label("How much").fill("520")
    page.get_by_label("Unit").fill("hours")
    page.get_by_label("From").fill("2026-06-01")
    page.get_by_label("Until").fill("2027-05-31")
    follow(ui, page, page.get_by_role("button", name="Record the commitment"))
    expect(page.get_by_text("Commitment recorded.")).to_be_visible()
    table = clause(page, "Commitments").locator("table", has=page.get_by_text("Commitments in clause 3"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr")).to_contain_text("Eastside Food Bank")
    expect(table.locator("tbody tr")).to_contain_text("Volunteer hours: Weekend cooks")
    expect(table.locator("tbody tr")).to_contain_text("520.00 hours")
    by_party = page.locator("table", has=page.locator("caption", has_text="Eastside Food Bank"))
    expect(by_party).to_contain_text("Weekend cooks")

    # The new agreement is listed in the partnership, as a draft.
    follow(ui, page, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Agreements"))
    row = main(page).locator("tbody tr", has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text("City of Riverton (lead), Eastside Food Bank")


# --- 2. comment on a passage, by keyboard and without JavaScript ------------------------------------

def _move_caret_into(page, body, target: str) -> None:
    """With caret browsing, from the last focusable element before `body`: arrow keys until the
    caret is in the clause's text, then left or right to the start of `target`."""
    body.evaluate("""(body) => {
      const focusable = 'a[href], button, input, select, textarea, summary, [tabindex]';
      const before = Array.from(document.querySelectorAll(focusable))
        .filter(el => el.compareDocumentPosition(body) & Node.DOCUMENT_POSITION_FOLLOWING);
      before[before.length - 1].focus();  // as if reached with Tab
    }""")
    caret_in_body = "(body) => { const s = getSelection(); return s.rangeCount > 0 && body.contains(s.anchorNode); }"
    for _ in range(30):
        page.keyboard.press("ArrowDown")
        if body.evaluate(caret_in_body):
            break
    else:
        pytest.fail("the caret did not reach the clause's text with the arrow keys")
    offset = body.evaluate("""(body, target) => {
      const s = getSelection();
      const text = s.anchorNode.nodeType === 3 ? s.anchorNode.data : '';
      const at = text.indexOf(target);
      return at < 0 ? null : at - s.anchorOffset;
    }""", target)
    assert offset is not None, f"the caret is not in the text holding “{target}”"
    for _ in range(abs(offset)):
        page.keyboard.press("ArrowRight" if offset > 0 else "ArrowLeft")


def test_comment_on_a_passage_by_keyboard_and_without_javascript(ui, caret_browser):
    page = ui.signed_in_page(FOODBANK, browser=caret_browser)
    agreement_path = open_agreement(ui, page, EASTSIDE, PROTOCOL)
    purpose = clause(page, "Purpose and shared vision")
    body = clause_body(page, "Purpose and shared vision")
    passage = "coordinate help"
    expect(body).to_contain_text(f"to {passage} with food")

    # Keyboard only: caret into the clause's text, Shift+arrows select the words, Tab reaches the
    # button after the text, Enter presses it.
    _move_caret_into(page, body, passage)
    for _ in passage:
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("getSelection().toString()") == passage
    page.keyboard.press("Tab")
    button = purpose.get_by_role("button", name="Comment on the selected passage")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(purpose.get_by_role("status")).to_have_text("The passage is copied into the comment form below.")
    expect(purpose.get_by_label("Passage (optional)")).to_have_value(passage)
    comment_box = purpose.get_by_label("Comment", exact=True)
    expect(comment_box).to_be_focused()  # the form opened and focus moved to the comment
    ui.check(page, "passage copied")
    text = f"Coordinate with whom? Name the partners. ({unique()})"
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    expect(purpose.get_by_role("button", name="Add comment")).to_be_focused()
    press_and_follow(ui, page, "Enter")
    assert path_of(page) == agreement_path
    expect(page.get_by_text("Your comment is added.")).to_be_visible()
    thread = clause(page, "Purpose and shared vision").locator(".joinery-thread", has_text=text)
    expect(thread.locator("blockquote")).to_have_text(f"On the passage: {passage}")
    expect(thread).to_contain_text("Grace Mensah (Eastside Food Bank)")

    # The button says what to do when nothing is selected.
    page.evaluate("getSelection().removeAllRanges()")
    review = clause(page, "Review, variation and termination")
    review.get_by_role("button", name="Comment on the selected passage").focus()
    page.keyboard.press("Enter")
    expect(review.get_by_role("status")).to_have_text(
        "First select some words in the text of this clause, then press the button again.")

    # Without JavaScript: the passage is typed (or pasted) into the field.
    page = ui.signed_in_page(FOODBANK, js=False)
    ui.goto(page, agreement_path, "no JS")
    review = clause(page, "Review, variation and termination")
    expect(review.get_by_role("button", name="Comment on the selected passage")).to_have_count(0)
    review.get_by_text("Comment on clause 5 or on a passage of it").click()
    review.get_by_label("Passage (optional)").fill("six months")
    text = f"Six months is soon: the first review could wait a year. ({unique()})"
    review.get_by_label("Comment", exact=True).fill(text)
    follow(ui, page, review.get_by_role("button", name="Add comment"), "no JS")
    expect(page.get_by_text("Your comment is added.")).to_be_visible()
    thread = clause(page, "Review, variation and termination").locator(".joinery-thread", has_text=text)
    expect(thread.locator("blockquote")).to_have_text("On the passage: six months")

    # A reply on its own page, then the thread is resolved.
    follow(ui, page, thread.get_by_role("link", name="Reply to Grace Mensah"), "no JS")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply to a comment")
    expect(page.locator("blockquote")).to_have_text("On the passage: six months")
    page.get_by_label("Reply").fill("Or six months for the first review only.")
    follow(ui, page, page.get_by_role("button", name="Reply"), "no JS")
    assert path_of(page) == agreement_path
    expect(page.get_by_text("Your reply is added.")).to_be_visible()
    review = clause(page, "Review, variation and termination")
    thread = review.locator(".joinery-thread", has_text=text)
    expect(thread.locator(".joinery-replies")).to_contain_text("Or six months for the first review only.")
    follow(ui, page, thread.get_by_role("button", name="Resolve this thread"), "no JS")
    expect(page.get_by_text("The thread is resolved.")).to_be_visible()
    review = clause(page, "Review, variation and termination")
    review.get_by_text(re.compile(r"^\d+ resolved threads?$")).click()
    expect(review.locator(".joinery-thread--resolved", has_text=text)).to_contain_text("Resolved by Grace Mensah")


# --- 3. propose and accept an amendment ----------------------------------------------------------------

def test_propose_and_accept_an_amendment(ui):
    party = ui.signed_in_page(FOODBANK)
    agreement_path = open_agreement(ui, party, EASTSIDE, PROTOCOL)
    roles = clause(party, "Roles and responsibilities")
    follow(ui, party, roles.get_by_role("link", name="Propose a change to clause 3"))
    expect(party.get_by_role("heading", level=1)).to_have_text("Propose an amendment")
    expect(party.get_by_label("Replace the text of a clause")).to_be_checked()
    expect(party.get_by_label("Clause", exact=True).locator("option:checked")).to_have_text(
        "3. Roles and responsibilities")
    new_text = (f"The City keeps the register of consents; each partner names a privacy lead, and the Food Bank's "
                f"privacy lead answers residents' questions at the weekly drop-in ({unique()}).")
    party.get_by_label("Proposed text").fill(new_text)
    party.get_by_label("Why").fill("Residents ask us first; they should not have to call the City.")
    follow(ui, party, party.get_by_role("button", name="Propose the amendment"))
    assert path_of(party) == agreement_path
    expect(party.get_by_text("Your amendment is proposed. The drafting lead will accept or reject it.")
           ).to_be_visible()
    proposal = party.locator(".joinery-amendment", has_text=new_text)
    expect(proposal.get_by_role("heading")).to_have_text("Replace the text of a clause: “Roles and responsibilities”")
    expect(proposal).to_contain_text("Proposed by Grace Mensah for Eastside Food Bank")
    expect(proposal.get_by_role("button", name="Record the decision")).to_have_count(0)  # only the lead decides
    expect(clause_body(party, "Roles and responsibilities")).not_to_contain_text(new_text)

    lead = ui.signed_in_page(COORDINATOR)
    ui.goto(lead, agreement_path)
    proposal = lead.locator(".joinery-amendment", has_text=new_text)
    proposal.get_by_label("Accept and apply it").check()
    proposal.get_by_label("Reason").fill("Agreed: one door for residents.")
    follow(ui, lead, proposal.get_by_role("button", name="Record the decision"))
    expect(lead.get_by_text("Amendment accepted and applied.")).to_be_visible()
    expect(clause_body(lead, "Roles and responsibilities")).to_have_text(new_text)
    expect(lead.locator(".joinery-amendment", has_text=new_text)).to_have_count(0)
    lead.get_by_text(re.compile(r"^\d+ amendments? decided$")).click()
    decided = lead.locator("tr", has_text="Agreed: one door for residents.")
    expect(decided).to_contain_text("Accepted")
    expect(decided).to_contain_text("Eastside Food Bank")

    # The history tells the story.
    follow(ui, lead, lead.get_by_role("link", name="History: who did what, when"))
    expect(lead.get_by_role("heading", level=1)).to_have_text("History")
    rows = lead.locator("tbody tr")
    expect(rows.filter(has_text="accepted an amendment").first).to_contain_text("Agreed: one door for residents.")
    expect(rows.filter(has_text="proposed an amendment").first).to_contain_text("Grace Mensah (Eastside Food Bank)")


# --- 4. object and resolve --------------------------------------------------------------------------

def test_object_to_a_clause_and_resolve_it(ui):
    lead = ui.signed_in_page(COORDINATOR)
    open_agreements(ui, lead, EASTSIDE)
    title = f"Eastside tool library memorandum {unique()}"
    agreement_path = start_agreement(ui, lead, title=title, kind="Memorandum of understanding",
                                     parties=["Eastside Food Bank"], template="Blank: start with no clauses")
    expect(lead.get_by_text("No clauses yet.")).to_be_visible()
    follow(ui, lead, main(lead).get_by_role("link", name="Add the first clause"))
    lead.get_by_label("Heading").fill("Lending hours")
    lead.get_by_label("Text").fill("The tool library opens on Saturday mornings in the Food Bank's garage.")
    follow(ui, lead, lead.get_by_role("button", name="Add the clause"))
    expect(lead.get_by_text("Clause “Lending hours” added.")).to_be_visible()
    expect(lead.get_by_text("Nothing blocks signature: the drafting lead can send this draft for signature.")
           ).to_be_visible()

    # The party objects: first without a reason, which is refused.
    party = ui.signed_in_page(FOODBANK)
    ui.goto(party, agreement_path)
    hours = clause(party, "Lending hours")
    hours.get_by_text("Record your organisation's position on clause 1").click()
    hours.get_by_label("Object", exact=True).check()
    follow(ui, party, hours.get_by_role("button", name="Record position"), "objection without reason")
    summary = party.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    link = summary.get_by_role("link", name="Give the reason for your objection, so the parties can resolve it.")
    expect(link).to_have_attribute("href", re.compile(r"^#id_position-\d+-reason$"))
    target = link.get_attribute("href")
    link.click()
    assert party.evaluate("document.activeElement.id") == target.lstrip("#")
    expect(party.locator(f"{target}-error")).to_contain_text("Give the reason for your objection")
    reason = "Saturday mornings clash with our food distribution; Sunday afternoons would work."
    hours = clause(party, "Lending hours")
    hours.get_by_label("Object", exact=True).check()
    hours.get_by_label("Reason", exact=True).fill(reason)
    follow(ui, party, hours.get_by_role("button", name="Record position"))
    expect(party.get_by_text("Eastside Food Bank's position on “Lending hours” is recorded.")).to_be_visible()
    positions = clause(party, "Lending hours").locator("table", has=party.get_by_text("Positions on clause 1"))
    expect(positions.locator("tr", has_text="Eastside Food Bank")).to_contain_text("Object")

    # What is still open, and for whom.
    message = f"Eastside Food Bank objects to clause “Lending hours”: {reason}"
    expect(blockers(party)).to_contain_text(message)
    expect(open_items_row(party, "Eastside Food Bank")).to_contain_text("Objects to clause 1, “Lending hours”")

    # The lead cannot send it for signature: the refusal says why.
    ui.goto(lead, agreement_path)
    follow(ui, lead, lead.get_by_role("button", name="Send for signature"), "refused")
    banner = lead.get_by_role("region", name="Important")
    expect(banner).to_contain_text(message)
    expect(status(lead)).to_have_text("Draft")

    # The party can live with it after all: nothing is open any more.
    ui.goto(party, agreement_path)
    hours = clause(party, "Lending hours")
    hours.get_by_text("Record your organisation's position on clause 1").click()
    hours.get_by_label("Can live with it").check()
    hours.get_by_label("Reason", exact=True).fill("")
    follow(ui, party, hours.get_by_role("button", name="Record position"))
    expect(party.get_by_text("Nothing blocks signature: the drafting lead can send this draft for signature.")
           ).to_be_visible()
    expect(open_items_row(party, "Eastside Food Bank")).not_to_contain_text("Objects to")
    expect(clause(party, "Lending hours").locator("tr", has_text="Eastside Food Bank")).to_contain_text(
        "Can live with it")


# --- 5. sign by every party; PDF; verification --------------------------------------------------------

def test_the_last_party_signs_and_the_pdf_matches_the_record(ui, tmp_path):
    page = ui.signed_in_page(PARENTS)
    agreement_path = open_agreement(ui, page, FAMILIES, FF_PROTOCOL)
    expect(status(page)).to_have_text("Awaiting signatures")
    expect(open_items_row(page, "Parents Together")).to_contain_text("Has not signed yet")
    sign_path = agreement_path + "sign/"

    # Signing needs a two-factor check within allauth's reauthentication window (5 minutes). A
    # sign-in a moment ago counts, so the sign page would open at once; the signatory is sent to
    # the reauthentication page when the check is older. That page, with a fresh code:
    ui.goto(page, f"/accounts/2fa/reauthenticate/?next={sign_path}", "reauthenticate")
    page.get_by_label(re.compile("code", re.I)).fill(ui.totp_code(PARENTS))
    with page.expect_navigation():
        page.get_by_label(re.compile("code", re.I)).press("Enter")
    assert path_of(page) == sign_path, page.url
    ui.check(page)
    ui.goto(page, agreement_path)
    follow(ui, page, page.get_by_role("link", name="Sign for your organisation"))
    if path_of(page) != sign_path:  # asked again (the check above has expired): a fresh code
        page.get_by_label(re.compile("code", re.I)).fill(ui.totp_code(PARENTS))
        with page.expect_navigation():
            page.get_by_label(re.compile("code", re.I)).press("Enter")
        ui.check(page)
    assert path_of(page) == sign_path, page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign version 1")
    fingerprint = page.locator(".govuk-summary-list code.joinery-fingerprint").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint), fingerprint
    expect(page.get_by_label("Your full name")).to_have_value("Emma Dubois")
    page.get_by_label("Your role or title").fill("Chair of the board")
    page.get_by_label("I have read this version and I am authorised to sign it").check()
    follow(ui, page, page.get_by_role("button", name="Sign for the organisation"))
    assert path_of(page) == agreement_path
    expect(page.get_by_text("You signed for Parents Together. Every party has signed: the agreement is in force.")
           ).to_be_visible()
    expect(status(page)).to_contain_text("In force")

    # Every party's signature is on the same fingerprint.
    signatures = page.locator("table", has=page.get_by_text("Signatures on version 1"))
    rows = signatures.locator("tbody tr")
    expect(rows).to_have_count(4)
    for party in ("Northland Health Board", "Northland Ministry of Social Development", "Parents Together",
                  "Riverton Elementary School"):
        row = rows.filter(has=page.get_by_role("cell", name=party, exact=True))
        expect(row.locator("td").nth(1)).to_have_text("Signed")
        expect(row.locator("code")).to_have_text(fingerprint)
    expect(rows.filter(has_text="Parents Together")).to_contain_text("Emma Dubois, Chair of the board")

    # The PDF carries the signatures and the fingerprint; the verify page recognises it.
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF of version 1").click()
    download = info.value
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-"), data[:20]
    assert len(data) > 2_000, len(data)

    follow(ui, page, page.get_by_role("link", name="Printable copy"))
    expect(page.get_by_role("heading", level=1)).to_have_text(FF_PROTOCOL)
    expect(page.locator("code.joinery-fingerprint")).to_have_text(fingerprint)
    expect(page.locator("section", has=page.get_by_role("heading", name="Signatures")).locator("tbody tr")
           ).to_have_count(4)

    ui.goto(page, "/agreements/verify/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check an agreement document")
    follow(ui, page, page.get_by_role("button", name="Check the document"), "no file")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Agreement document").set_input_files(pdf)
    follow(ui, page, page.get_by_role("button", name="Check the document"), "matches")
    expect(page.locator(".govuk-panel__title")).to_have_text("The document matches the record")
    expect(main(page).get_by_role("link", name=FF_PROTOCOL)).to_be_visible()

    # A document that is not a Joinery agreement does not match.
    other = tmp_path / "letter.txt"
    other.write_text("Dear partners, this is not an agreement.\n")
    page.get_by_label("Agreement document").set_input_files(other)
    follow(ui, page, page.get_by_role("button", name="Check the document"), "does not match")
    expect(page.get_by_role("heading", name="The document does not match the record")).to_be_visible()


# --- 6. redline ------------------------------------------------------------------------------------

def test_redline_between_a_version_and_the_draft(ui):
    page = ui.signed_in_page(COORDINATOR)
    agreement_path = open_agreement(ui, page, EASTSIDE, PROTOCOL)

    # The drafting lead edits clause 4: a word replaced, a sentence added.
    follow(ui, page, clause(page, "Dispute resolution").get_by_role("link", name="Edit clause 4"))
    before = page.get_by_label("Text").input_value()
    assert "complaint" in before, before
    added = f"The privacy leads answer within ten working days ({unique()})."
    page.get_by_label("Text").fill(before.replace("complaint", "concern") + " " + added)
    follow(ui, page, page.get_by_role("button", name="Save the clause"))
    assert path_of(page) == agreement_path

    follow(ui, page, page.get_by_role("link", name="Compare versions (redline)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare versions")
    expect(page.get_by_label("From")).to_have_value("1")
    expect(page.get_by_label("To")).to_have_value("draft")
    expect(page.get_by_role("heading", level=2, name="Version 1 → Current draft")).to_be_visible()
    redline = page.locator(".joinery-redline")
    # Marked in text, not colour alone: <ins>/<del>, with words that screen readers read out.
    inserted = redline.locator("ins", has_text=added)
    expect(inserted).to_have_count(1)
    expect(inserted.locator(".govuk-visually-hidden").first).to_have_text("inserted:")
    deleted = redline.locator("del", has_text="complaint")
    expect(deleted).to_have_count(1)
    expect(deleted.locator(".govuk-visually-hidden").first).to_have_text("deleted:")
    expect(redline.locator("ins", has_text="concern")).to_have_count(1)
    assert page.locator("ins.joinery-ins").first.evaluate("e => getComputedStyle(e).textDecorationLine") == "underline"
    assert page.locator("del.joinery-del").first.evaluate(
        "e => getComputedStyle(e).textDecorationLine") == "line-through"

    # The same comparison chosen with the form.
    page.get_by_label("From").select_option(label="Version 1")
    page.get_by_label("To").select_option(label="Current draft")
    follow(ui, page, page.get_by_role("button", name="Compare"))
    assert "from=1" in page.url and "to=draft" in page.url
    expect(page.locator(".joinery-redline ins", has_text=added)).to_have_count(1)
    # Two choices that are not versions of this agreement: an error, not a crash.
    ui.goto(page, f"{agreement_path}redline/?from=99&to=draft", "bad choice", status=400)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose two versions of this agreement to compare.")

    # The frozen version 1, its printable copy and the history.
    ui.goto(page, agreement_path)
    follow(ui, page, page.locator("#versions ~ table").get_by_role("link", name="Version 1", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Version 1")
    expect(page.locator(".joinery-document")).to_contain_text("complaint")
    expect(page.locator(".joinery-document")).not_to_contain_text(added)
    follow(ui, page, page.get_by_role("link", name="Printable copy"))
    expect(page.get_by_text("Version 1, frozen")).to_be_visible()
    ui.goto(page, agreement_path + "print/", "current")
    follow(ui, page, page.get_by_role("link", name="Back to the agreement"))
    follow(ui, page, page.get_by_role("link", name="History: who did what, when"))
    expect(page.locator("tbody tr").filter(has_text="edited a clause").first).to_contain_text("Chantal Tremblay")


# --- 7. vary an agreement in force ---------------------------------------------------------------------

def test_vary_an_agreement_in_force(ui):
    page = ui.signed_in_page(COORDINATOR)
    original_path = open_agreement(ui, page, EASTSIDE, CONTRIBUTION)
    expect(status(page)).to_contain_text("In force")
    in_force = clause_body(page, "Purpose and shared vision").inner_text().strip()
    assert in_force.startswith("One agreement and one report for every funder"), in_force

    follow(ui, page, page.get_by_role("button", name="Start a variation"))
    assert path_of(page) != original_path
    expect(page.get_by_text("A variation is started from the text in force, which stays in force until the "
                            "variation is signed.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{CONTRIBUTION} (variation)")
    expect(status(page)).to_have_text("Negotiating")
    expect(page.locator(".govuk-inset-text", has_text="This draft varies")).to_contain_text(
        "whose text stays in force until this variation is signed by every party")
    # The variation starts from the text in force, commitments included.
    expect(clause_body(page, "Purpose and shared vision")).to_have_text(in_force)
    commitments = clause(page, "Commitments").locator("table", has=page.get_by_text("Commitments in clause 3"))
    expect(commitments.locator("tbody tr")).to_have_count(5)
    # No cut-and-paste advice about the agreement it varies.
    expect(page.get_by_text("Much of this draft's text is the same as other agreements.")).to_have_count(0)
    follow(ui, page, main(page).locator(".govuk-inset-text").get_by_role("link", name=CONTRIBUTION))

    assert path_of(page) == original_path
    expect(status(page)).to_contain_text("In force")
    expect(page.locator(".govuk-inset-text", has_text="Variations of this agreement:")).to_contain_text(
        f"{CONTRIBUTION} (variation) (Negotiating)")
    expect(page.get_by_role("button", name="Start a variation")).to_be_visible()


# --- 8. cut-and-paste advice ---------------------------------------------------------------------------

def test_cut_and_paste_advice_for_the_drafting_lead(ui):
    page = ui.signed_in_page(SOCIALDEV)
    open_agreement(ui, page, FAMILIES, FF_COPY)
    advice = page.locator(".govuk-warning-text")
    expect(advice).to_contain_text("Much of this draft's text is the same as other agreements.")
    # The source is Eastside's protocol, a draft Families First's people may not see: the advice
    # says how much is shared without naming it or linking to it.
    match = advice.get_by_role("listitem").filter(has_text="An agreement in a partnership you cannot see")
    expect(match).to_contain_text(re.compile(r"cannot see: \d{1,3}% shared"))
    expect(advice.get_by_role("link", name=PROTOCOL)).to_have_count(0)
    expect(match.locator("ul li").first).to_contain_text(re.compile(r"“.+” \(\d{1,3}%\)"))
    # Advice, not a block: the lead can still edit and send it.
    expect(page.get_by_role("link", name="Add a clause", exact=True)).to_be_visible()

    # The list of every agreement this person can see, filtered.
    open_agreements(ui, page, FAMILIES)
    follow(ui, page, main(page).get_by_role("link", name="Find agreements in all partnerships"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find agreements")
    page.get_by_label("Status").select_option(label="Draft")
    follow(ui, page, page.get_by_role("button", name="Apply filters"))
    table = main(page).get_by_role("table")
    expect(table.get_by_role("link", name=FF_COPY)).to_be_visible()
    expect(table.get_by_role("link", name=CONTRIBUTION, exact=True)).to_have_count(0)


def test_agreements_pages_anonymous(ui):
    page = ui.new_page()
    open_agreements(ui, page, EASTSIDE)
    expect(main(page).get_by_role("link", name="Start an agreement")).to_have_count(0)
    follow(ui, page, main(page).get_by_role("link", name="Find agreements in all partnerships"))
    # Families First is private: its agreements are not listed.
    expect(main(page).get_by_role("link", name=FF_PROTOCOL)).to_have_count(0)
    follow(ui, page, main(page).get_by_role("table").get_by_role("link", name=CONTRIBUTION, exact=True))
    expect(page.get_by_role("button", name="Start a variation")).to_have_count(0)
    # The negotiation's history follows the drafts, which Eastside keeps to its partners.
    expect(page.get_by_role("link", name="History: who did what, when")).to_have_count(0)
    response = page.goto(ui.base_url + urlsplit(page.url).path + "history/")
    assert response is not None and response.status == 404
    ui.goto(page, "/agreements/verify/")
