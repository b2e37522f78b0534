"""The ledger's pages: what each person sees and does, bad input, privacy, and query counts."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from joinery.audit.models import AuditEvent
from joinery.contributions import services
from joinery.contributions.models import Contribution, ContributionImport, ValuationRate
from tests.accounts.html_audit import audit
from tests.conftest import admin_of, make_person, publish

from .conftest import PDF, D, NothingWritten, pdf_upload
from .test_import import GOOD, csv_bytes

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def audited(response, status=200):
    """The HTML checks (labels, ids, no inline script or style) on a page; a json_script data block
    (type="application/json", not run by the browser, allowed by the CSP) is set aside first."""
    assert response.status_code == status, response.status_code
    html = re.sub(r'<script id="[\w-]+" type="application/json">.*?</script>', "", body(response), flags=re.S)
    copy = type("R", (), {"status_code": 200, "content": html.encode()})()
    return audit(copy)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def url(name, *args):
    return reverse(f"contributions:{name}", args=args)


# --- the ledger ---------------------------------------------------------------------------------------

def test_the_ledger_lists_filters_totals_and_links(client, w):
    w.record(quantity=Decimal("1250"), description="Food grant")
    w.record(w.city, kind="staff_hours", quantity=8, currency="", description="Officer time")
    client.force_login(admin_of(w.charity))
    response = client.get(url("list", w.p.slug))
    page = audited(response) and body(response)
    assert "Food grant" in page and "Officer time" in page and "CAD 1,490.00" in page
    for link in (url("create", w.p.slug), url("import", w.p.slug), url("export", w.p.slug) + "?format=csv",
                 url("investment", w.p.slug)):
        assert link in page
    filtered = body(client.get(url("list", w.p.slug), {"sector": "public"}))
    assert "Officer time" in filtered and "Food grant" not in filtered and "Totals for these filters" in filtered


def test_the_ledger_pages_through_earlier_contributions(client, w):
    for n in range(55):
        w.record(quantity=n + 1, description=f"Gift number {n}", date=D(2026, 1, 1 + n % 28))
    client.force_login(admin_of(w.charity))
    first = body(client.get(url("list", w.p.slug)))
    cursor = re.search(r'after=([\w-]+)"', first).group(1)
    second = body(client.get(url("list", w.p.slug), {"after": cursor}))
    assert second.count('class="govuk-table__row"') - 1 == 5 and "Newest contributions" in second


def test_private_ledgers_and_their_evidence_are_hidden_from_outsiders(client, w):
    c = w.record(evidence=pdf_upload())
    client.force_login(make_person())
    for name, arg in (("list", w.p.slug), ("investment", w.p.slug), ("rates", w.p.slug), ("export", w.p.slug),
                      ("detail", c.pk), ("evidence", c.pk), ("create", w.p.slug), ("import", w.p.slug)):
        assert client.get(url(name, arg)).status_code == 404, name


def test_evidence_is_served_as_an_attachment_to_those_who_may_see_the_partnership(client, w):
    c = w.record(evidence=pdf_upload("receipt 2026.pdf"))
    client.force_login(admin_of(w.business))  # another partner may see it
    response = client.get(url("evidence", c.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and "receipt" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/octet-stream"
    no_file = w.record(description="No file")
    assert client.get(url("evidence", no_file.pk)).status_code == 404


def test_evidence_of_a_public_partnership_is_for_partners_only(client, pw):
    c = pw.record(evidence=pdf_upload("invoice.pdf"))
    client.force_login(make_person())  # a citizen: by default sees neither the ledger nor the receipts
    assert client.get(url("detail", c.pk)).status_code == 404
    publish(pw.p, "ledger")  # the ledger published: its lines, still not the receipts
    assert client.get(url("detail", c.pk)).status_code == 200
    assert client.get(url("evidence", c.pk)).status_code == 403
    client.force_login(admin_of(pw.business))
    assert client.get(url("evidence", c.pk)).status_code == 200


def test_volunteers_are_named_to_partners_only(client, pw):
    signup = pw.volunteer(pw.task(), name="Vera Volunteer")
    c = services.volunteer_hours_record(actor=admin_of(pw.charity), acting_for=pw.charity, signup=signup, hours=3,
                                        date=D(2026, 3, 7))
    publish(pw.p, "ledger")
    assert "Vera Volunteer" not in body(client.get(url("list", pw.p.slug)))  # anonymous, published ledger
    assert "A volunteer" in body(client.get(url("detail", c.pk)))
    client.force_login(admin_of(pw.business))
    assert "Vera Volunteer" in body(client.get(url("list", pw.p.slug)))


# --- recording -----------------------------------------------------------------------------------------

def form_data(org, **kw):
    data = {"acting_for": str(org.pk), "kind": "money", "description": "Grant", "date": "2026-03-31", "quantity": "500", "currency": "CAD",
            "people": "1"}
    data.update(kw)
    return data


def test_recording_a_contribution_with_evidence(client, w):
    client.force_login(admin_of(w.charity))
    page = client.get(url("create", w.p.slug))
    audited(page)
    assert "Staff time — 30.00 CAD/h" in body(page)
    data = form_data(w.charity, evidence=SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"),
                     commitment=str(w.commitment(w.charity).pk))
    response = client.post(url("create", w.p.slug), data)
    c = Contribution.objects.get()
    assert response.status_code == 302 and response.url == c.get_absolute_url()
    assert c.commitment == w.commitment(w.charity) and c.evidence
    detail = client.get(c.get_absolute_url())
    audited(detail)
    assert url("evidence", c.pk) in body(detail) and "Kitchen grant" in body(detail)


@pytest.mark.parametrize("bad,message", [
    ({"quantity": "-40"}, "The amount must be more than zero"),
    ({"currency": "XYZ"}, "“XYZ” is not a currency code we know"),
    ({"kind": "staff_hours", "quantity": "30", "currency": ""}, "at most 24 hours"),
    ({"date": "2026-13-45"}, "Enter a valid date"),
])
def test_bad_input_shows_an_error_summary_and_writes_nothing(client, w, bad, message):
    client.force_login(admin_of(w.charity))
    with NothingWritten():
        response = client.post(url("create", w.p.slug), form_data(w.charity, **bad))
    audited(response, 400)
    assert "govuk-error-summary" in body(response) and message in body(response)


def test_another_partnerships_commitment_cannot_be_chosen(client, w):
    from .conftest import World

    other = World(name="Westside")
    theirs = other.commitment(other.charity)
    client.force_login(admin_of(w.charity))
    with NothingWritten():
        response = client.post(url("create", w.p.slug), form_data(w.charity, commitment=str(theirs.pk)))
    assert response.status_code == 400 and "Select a valid choice" in body(response)


def test_a_non_partner_cannot_record(client, w):
    client.force_login(admin_of(w.outsider))
    assert client.get(url("create", w.p.slug)).status_code == 404


# --- import and export ----------------------------------------------------------------------------------

def test_import_shows_the_row_by_row_report_and_imports_nothing(client, w):
    client.force_login(admin_of(w.charity))
    audited(client.get(url("import", w.p.slug)))
    bad = GOOD + [["2026-03-01", "", "", "money", "Refund", "-200", "CAD", "", "", "", "", "", ""]]
    response = client.post(url("import", w.p.slug), {"acting_for": w.charity.pk,
                                                        "file": SimpleUploadedFile("q1.csv", csv_bytes(bad))})
    audited(response, 400)
    page = body(response)
    assert "Nothing was imported" in page and "What is wrong" in page and "How to fix it" in page
    assert "The amount must be more than zero" in page and ">5<" in page
    assert Contribution.objects.count() == 0 and ContributionImport.objects.get().status == "rejected"
    ok = client.post(url("import", w.p.slug), {"acting_for": w.charity.pk,
                                                       "file": SimpleUploadedFile("q1.csv", csv_bytes(GOOD))})
    assert ok.status_code == 302 and Contribution.objects.count() == 3
    assert "3 contributions imported" in body(client.get(ok.url))
    # Both attempts stay listed on the import page, the rejected one with its count of problems.
    history = body(client.get(url("import", w.p.slug)))
    assert "Earlier imports" in history and "Imported: 3 contributions" in history
    assert "Rejected: 1 problem, nothing imported" in history


def test_import_refuses_a_malformed_file_on_the_form(client, w):
    client.force_login(admin_of(w.charity))
    with NothingWritten():
        response = client.post(url("import", w.p.slug),
                               {"acting_for": w.charity.pk, "file": SimpleUploadedFile("x.csv", b"\x00\xff\x00garbage")})
    assert response.status_code == 400 and "not a CSV or XLSX" in body(response)


def test_the_import_template_and_exports(client, w):
    w.record(description="Grant")
    client.force_login(admin_of(w.charity))
    template = client.get(url("import", w.p.slug), {"template": "csv"})
    assert template["Content-Disposition"].endswith('contributions-template.csv"')
    assert template.content.decode("utf-8-sig").startswith("date,period_start,period_end,kind")
    as_csv = client.get(url("export", w.p.slug), {"format": "csv"})
    assert as_csv.status_code == 200 and "Grant" in as_csv.content.decode("utf-8-sig")
    as_xlsx = client.get(url("export", w.p.slug), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet.cell(row=2, column=5).value == "Grant"
    assert client.get(url("export", w.p.slug), {"format": "pdf"}).status_code == 400


# --- the investment page ---------------------------------------------------------------------------------

def test_the_investment_page_makes_every_sectors_investment_visible(client, w):
    w.record(w.city, quantity=6000, description="City money", commitment=w.commitment(w.city))
    w.record(w.charity, quantity=4000, description="Food bank money", commitment=w.commitment(w.charity))
    client.force_login(admin_of(w.charity))
    response = client.get(url("investment", w.p.slug))
    audited(response)
    page = body(response)
    assert "Non-government partners and citizens put in 40% of the valued investment" in page
    for heading in ("By sector", "By partner", "Commitments and what was contributed", "Trend by quarter"):
        assert heading in page
    assert page.count('role="img"') == 4 and page.count("<caption") >= 5
    assert 'id="investment-data"' in page and "contributions/investment.js" in page
    assert "Citizens and volunteers" in page and "Behind" in page
    q = body(client.get(url("investment", w.p.slug), {"period": "2026-Q1"}))
    assert "each commitment counts for its share of the period" in q


# --- rates ------------------------------------------------------------------------------------------------

def test_the_convener_sets_a_rate_and_the_old_one_is_kept(client, w):
    client.force_login(w.lead)
    page = client.get(url("rates", w.p.slug))
    audited(page)
    assert "Set a rate" in body(page) and "Average loaded cost" in body(page)
    response = client.post(url("rates", w.p.slug), {
        "acting_for": w.city.pk, "work_kind": "staff-general", "label": "Staff time", "hours_kind": "staff_hours", "hourly_rate": "33.50",
        "currency": "CAD", "valid_from": "2026-06-01", "basis": "2026 scale"})
    assert response.status_code == 302
    page = body(client.get(url("rates", w.p.slug)))
    assert "Earlier rates" in page and "33.50" in page
    assert ValuationRate.objects.filter(work_kind="staff-general").count() == 2
    bad = client.post(url("rates", w.p.slug), {
        "acting_for": w.city.pk, "work_kind": "staff-general", "label": "Staff", "hours_kind": "staff_hours", "hourly_rate": "1",
        "currency": "CAD", "valid_from": "2026-01-01", "basis": "x"})
    audited(bad, 400)
    assert "must start after" in body(bad)


def test_partners_see_rates_but_only_the_convener_may_set_them(client, w):
    client.force_login(admin_of(w.charity))
    page = body(client.get(url("rates", w.p.slug)))
    assert "Staff time" in page and "Set a rate" not in page
    assert client.post(url("rates", w.p.slug), {"work_kind": "x"}).status_code == 404


# --- correcting and withdrawing ------------------------------------------------------------------------

def test_correcting_keeps_the_history(client, w):
    c = w.record(quantity=1000, description="Grant")
    client.force_login(admin_of(w.charity))
    page = client.get(url("correct", c.pk))
    audited(page)
    assert 'value="1000.00"' in body(page)
    response = client.post(url("correct", c.pk), form_data(w.charity, quantity="1100", description="Grant",
                                                           reason="It was 1,100", date="2026-03-31"))
    new = Contribution.objects.get(replaces=c)
    assert response.status_code == 302 and response.url == new.get_absolute_url()
    old_page = body(client.get(c.get_absolute_url()))
    assert "Corrected on" in old_page and "It was 1,100" in old_page and new.get_absolute_url() in old_page
    new_page = client.get(new.get_absolute_url())
    audited(new_page)
    assert "The earlier record" in body(new_page) and "another version of this record" in body(new_page)
    assert client.get(url("correct", c.pk)).status_code == 302  # the old record can no longer be corrected


def test_withdrawing_needs_a_reason(client, w):
    c = w.record()
    client.force_login(admin_of(w.charity))
    refused = client.post(url("withdraw", c.pk), {"acting_for": w.charity.pk, "reason": ""})
    audited(refused, 400)
    assert client.post(url("withdraw", c.pk), {"acting_for": w.charity.pk, "reason": "Duplicate"}).status_code == 302
    c.refresh_from_db()
    assert c.withdrawn_reason == "Duplicate"
    assert AuditEvent.objects.filter(action="contribution.withdrawn").count() == 1


def test_other_partners_cannot_change_a_contribution(client, w):
    c = w.record()
    client.force_login(admin_of(w.business))
    assert "Withdraw the contribution" not in body(client.get(c.get_absolute_url()))
    assert client.post(url("withdraw", c.pk), {"acting_for": w.business.pk, "reason": "Mine now"}).status_code == 302
    c.refresh_from_db()
    assert c.withdrawn_at is None


# --- volunteers' hours ------------------------------------------------------------------------------------

def test_the_tasks_owner_records_volunteers_hours(client, pw):
    item = pw.task()
    ann, bob = pw.volunteer(item, name="Ann Helper"), pw.volunteer(item, name="Bob Helper")
    client.force_login(admin_of(pw.charity))
    page = client.get(url("volunteer_hours", item.pk))
    audited(page)
    assert "Ann Helper" in body(page) and "Bob Helper" in body(page)
    bad = client.post(url("volunteer_hours", item.pk), {"acting_for": pw.charity.pk, "date": "2026-03-07",
                                                         f"hours_{ann.pk}": "3", f"hours_{bob.pk}": "-2"})
    audited(bad, 400)
    assert Contribution.objects.count() == 0
    ok = client.post(url("volunteer_hours", item.pk), {"acting_for": pw.charity.pk, "date": "2026-03-07",
                                                        f"hours_{ann.pk}": "3", f"hours_{bob.pk}": "2.5"})
    assert ok.status_code == 302 and Contribution.objects.filter(work_item=item).count() == 2
    # Another partner sees the page but cannot record.
    client.force_login(admin_of(pw.business))
    page = body(client.get(url("volunteer_hours", item.pk)))
    assert "Hours to add" not in page and "Hours recorded so far" in page


# --- query counts ----------------------------------------------------------------------------------------

def _many(w, n):
    from tests.conftest import make_person as person

    for i in range(n):
        w.record(quantity=i + 1, description=f"Gift {i}", date=D(2026, 1 + i % 3, 1 + i % 28),
                 commitment=w.commitment(w.charity) if i % 2 else None)
        w.record(w.city, kind="staff_hours", quantity=2, currency="", date=D(2026, 2, 1 + i % 28))
        w.record(w.residents, kind="volunteer_hours", quantity=1, currency="", person=person(),
                 date=D(2026, 3, 1 + i % 28))


def test_query_counts_stay_flat(client, w):
    client.force_login(admin_of(w.charity))
    w.agreement()
    _many(w, 2)
    first = w.record(description="Watched")
    corrected = services.contribution_correct(
        actor=admin_of(w.charity), acting_for=w.charity, contribution=first, reason="fix", quantity=7)
    pages = [url("list", w.p.slug), url("list", w.p.slug) + "?include_withdrawn=on", url("investment", w.p.slug),
             url("rates", w.p.slug), url("detail", corrected.pk), url("create", w.p.slug)]
    few = [count_queries(client, p) for p in pages]
    _many(w, 20)

    for n in range(4):
        services.valuation_rate_set(actor=w.lead, acting_for=w.city, partnership=w.p, work_kind=f"extra-{n}",
                                    label=f"Extra {n}", hours_kind="staff_hours", hourly_rate="10", currency="CAD",
                                    valid_from=D(2025, 1, 1), basis="b")
    again = services.contribution_correct(actor=admin_of(w.charity), acting_for=w.charity, contribution=corrected,
                                          reason="again", quantity=8)
    pages[4] = url("detail", again.pk)  # a correction of a correction: the same shape of page
    many = [count_queries(client, p) for p in pages]
    assert many == few, list(zip(pages, few, many, strict=True))
