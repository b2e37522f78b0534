"""Importing contributions from CSV and XLSX files: all or nothing, with a row-by-row report."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from joinery.audit.models import AuditEvent
from joinery.contributions import exports, services
from joinery.contributions.models import Contribution, ContributionImport
from joinery.core.exceptions import PermissionDenied, ValidationError
from tests.conftest import admin_of

from .conftest import D, NothingWritten, World

pytestmark = pytest.mark.django_db

HEADER = ["date", "period_start", "period_end", "kind", "description", "quantity", "currency", "unit", "people",
          "work_kind", "commitment_id", "organisation", "evidence_url"]


def csv_bytes(rows, header=HEADER, delimiter=",", bom=False) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header)
    w.writerows(rows)
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = [
    ["2026-03-31", "2026-01-01", "2026-03-31", "money", "Core grant, first quarter", "12500", "CAD", "", "", "", "",
     "", ""],
    ["2026-03-14", "", "", "staff_hours", "Outreach worker", "7.5", "", "", "1", "", "", "", ""],
    ["2026-02-01", "2026-02-01", "2026-02-28", "in_kind", "Meeting room, weekly", "4", "", "rooms", "", "", "", "",
     "https://example.org/booking.pdf"],
]


def run_import(w, data, *, org=None, filename="contributions.csv", **kw):
    org = org or w.charity
    return services.contributions_import(actor=admin_of(org), acting_for=org, partnership=w.p, filename=filename,
                                         data=data, **kw)


def test_a_good_csv_file_is_imported_in_one_batch(w):
    seen = []
    batch = run_import(w, csv_bytes(GOOD), progress=lambda done, total: seen.append((done, total)))
    assert batch.status == ContributionImport.Status.IMPORTED and batch.rows == 3 and batch.report == []
    rows = list(Contribution.objects.filter(batch=batch).order_by("date"))
    assert [r.kind for r in rows] == ["in_kind", "staff_hours", "money"]
    assert rows[1].value == Decimal("225.00") and rows[1].rate.work_kind == "staff-general"
    assert all(r.organisation == w.charity and r.recorded_by == admin_of(w.charity) for r in rows)
    assert seen[-1] == (3, 3)
    event = AuditEvent.objects.get(action="contributions.imported")
    assert event.after["rows"] == 3 and event.after["value"] == {"CAD": "12725.00"}


def test_one_bad_row_among_good_ones_imports_nothing_and_reports_it(w):
    rows = GOOD + [
        ["2026-03-01", "", "", "money", "Refund", "-200", "CAD", "", "", "", "", "", ""],
        ["31/03/2026", "", "", "money", "Odd date", "5", "CAD", "", "", "", "", "", ""],
        ["2026-03-02", "", "", "money", "Pesos?", "5", "XYZ", "", "", "", "", "", ""],
        ["2026-03-03", "", "", "staff_hours", "Long day", "30", "", "", "1", "", "", "", ""],
    ] + GOOD
    with pytest.raises(services.ImportRejected) as info:
        run_import(w, csv_bytes(rows))
    assert Contribution.objects.count() == 0
    batch = ContributionImport.objects.get()
    assert batch.status == ContributionImport.Status.REJECTED and batch.rows == 10
    report = info.value.report
    assert batch.report == report
    by_row = {(r["row"], r["column"]): r for r in report}
    assert set(by_row) == {(5, "quantity"), (6, "date"), (7, "currency"), (8, "quantity")}
    assert "more than zero" in by_row[(5, "quantity")]["problem"]
    assert "YYYY-MM-DD" in by_row[(6, "date")]["fix"]
    assert "XYZ" in by_row[(7, "currency")]["problem"] and "ISO 4217" in by_row[(7, "currency")]["fix"]
    assert "at most 24 hours" in by_row[(8, "quantity")]["problem"]
    assert all(r["fix"] for r in report)
    assert AuditEvent.objects.filter(action="contribution_import.rejected").count() == 1


def test_rows_are_checked_with_the_same_rules_as_the_form(w):
    other = World(name="Westside")
    other.rates()
    theirs = other.commitment(other.charity)
    mine = w.commitment(w.charity)
    rows = [
        ["2026-03-31", "", "", "money", "Against theirs", "10", "CAD", "", "", "", str(theirs.pk), "", ""],
        ["2026-03-31", "", "", "money", "No such commitment", "10", "CAD", "", "", "", "999999", "", ""],
        ["2026-03-31", "", "", "money", "For another partner", "10", "CAD", "", "", "", "", "Eastside Renewal City",
         ""],
        ["2026-03-31", "", "", "money", "Unknown partner", "10", "CAD", "", "", "", "", "Nobody Ltd", ""],
        ["2026-03-31", "", "", "gift", "Odd kind", "10", "CAD", "", "", "", "", "", ""],
        ["2026-03-31", "", "", "money", "", "10", "CAD", "", "", "", "", "", ""],
        ["2026-03-31", "", "", "money", "Mine", "10", "CAD", "", "", "", f"#{mine.pk}", "ch-123", ""],
    ]
    with pytest.raises(services.ImportRejected) as info:
        run_import(w, csv_bytes(rows))
    by_row = {(r["row"], r["column"]): r["problem"] for r in info.value.report}
    assert "another partnership" in by_row[(2, "commitment_id")]
    assert "no commitment number 999999" in by_row[(3, "commitment_id")]
    assert "only record" in by_row[(4, "organisation")]
    assert "Nobody Ltd" in by_row[(5, "organisation")]
    assert "gift" in by_row[(6, "kind")]
    assert "Describe" in by_row[(7, "description")]
    assert not any(row == 8 for row, _col in by_row)  # the last row is fine: by identifier and #id
    assert Contribution.objects.count() == 0


def test_the_convener_imports_for_other_partners_who_are_told(w):
    rows = [["2026-03-31", "", "", "money", "Hardware's gift", "10", "CAD", "", "", "", "", w.business.slug, ""],
            ["2026-03-31", "", "", "money", "Food bank grant", "10", "CAD", "", "", "", "", "CH-123", ""]]
    batch = run_import(w, csv_bytes(rows), org=w.city)
    assert set(Contribution.objects.filter(batch=batch).values_list("organisation", flat=True)) == {
        w.business.pk, w.charity.pk}
    from joinery.notifications.models import Notification

    assert Notification.objects.filter(recipient=admin_of(w.business), title__contains="imported").exists()


@pytest.mark.parametrize("data,text", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x01\x02\x03binary garbage\x00\xff", "not a CSV or XLSX"),
    ("date,kind,description,quantity\n2026-03-01,money,Caf\xe9,5\n".encode("latin-1"), "not UTF-8"),
    (b"PK\x03\x04 this is not really a zip", "cannot be opened"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", ".xls"),
    (b"date,kind,quantity\n2026-03-01,money,5\n", "no column for: description"),
    (b"date,kind,description,quantity,colour\n2026-03-01,money,x,5,red\n", "columns we do not know: colour"),
    (b"date,kind,description,quantity,date\n", "more than once"),
    (b"date,kind,description,quantity\n", "no contributions"),
    (b'date,kind,description,quantity\n2026-03-01,money,"unclosed,5\n', "could not be read as CSV"),
])
def test_a_malformed_file_is_refused_clearly_and_nothing_is_written(w, data, text):
    with NothingWritten(), pytest.raises(ValidationError) as info:
        run_import(w, data)
    assert not isinstance(info.value, services.ImportRejected)
    message = " ".join(info.value.message_dict["file"])
    assert text.lower() in message.lower(), message


def test_a_huge_file_is_refused_and_nothing_is_written(w):
    too_big = b"date,kind,description,quantity\n" + b"2026-03-01,money,x,5\n" * 300_000
    assert len(too_big) > 5 * 1024 * 1024
    with NothingWritten(), pytest.raises(ValidationError, match="larger than 5 MB"):
        run_import(w, too_big)
    too_many = csv_bytes([["2026-03-01", "", "", "money", "x", "5", "CAD", "", "", "", "", "", ""]] * 50_001)
    assert len(too_many) < 5 * 1024 * 1024
    with NothingWritten(), pytest.raises(ValidationError, match="more than 50,000 rows"):
        run_import(w, too_many)


def test_permission_is_checked_before_reading_the_file(w):
    with NothingWritten(), pytest.raises(PermissionDenied):
        services.contributions_import(actor=admin_of(w.outsider), acting_for=w.outsider, partnership=w.p,
                                      filename="x.csv", data=csv_bytes(GOOD))


def test_the_same_file_is_not_imported_twice(w):
    data = csv_bytes(GOOD)
    run_import(w, data)
    with NothingWritten(), pytest.raises(ValidationError, match="already imported"):
        run_import(w, data)


def test_semicolons_a_bom_and_decimal_commas_are_understood(w):
    rows = [["2026-03-31", "", "", "Money", "Grant", "1 250,50", "cad", "", "", "", "", "", ""],
            ["2026-03-14", "", "", "staff hours", "Worker", "7,5", "", "", "", "", "", "", ""]]
    batch = run_import(w, csv_bytes(rows, delimiter=";", bom=True))
    values = sorted(Contribution.objects.filter(batch=batch).values_list("value", flat=True))
    assert values == [Decimal("225.00"), Decimal("1250.50")]


def test_an_xlsx_file_with_typed_cells_is_imported(w):
    rows = [[dt.datetime(2026, 3, 31), None, None, "money", "Grant", 1250.5, "CAD"],
            [dt.date(2026, 3, 14), None, None, "staff_hours", "Worker", 7, None, None, 2]]
    batch = run_import(w, xlsx_bytes(rows), filename="ledger.xlsx")
    assert batch.rows == 2
    assert sorted(Contribution.objects.values_list("value", flat=True)) == [Decimal("210.00"), Decimal("1250.50")]


def test_an_xlsx_export_imports_back_with_the_same_values(w):
    w.record(quantity=Decimal("1000"), description="Grant", commitment=w.commitment(w.charity))
    w.record(kind="staff_hours", quantity=Decimal("7.25"), currency="", description="Staff")
    w.record(kind="in_kind", quantity=3, unit="rooms", currency="CAD", value=Decimal("450"), description="Rooms",
             evidence_url="https://example.org/r.pdf")
    w.record(kind="data", quantity=1, unit="dataset", currency="", description="=cmd|' /C calc'!A0")
    data, _type, name = exports.export_ledger(partnership=w.p, fmt="xlsx")
    assert name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:14] == list(exports.importing.COLUMNS)
    cells = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert "'=cmd|' /C calc'!A0" in cells  # a formula is written as text
    # Withdraw them all, then import the export: the ledger holds the same contributions again.
    before = sorted(Contribution.objects.values_list("kind", "quantity", "value", "currency", "unit",
                                                     "commitment_id", "evidence_url", "date", "period_end"))
    for c in list(Contribution.objects.all()):
        services.contribution_withdraw(actor=admin_of(w.charity), acting_for=w.charity, contribution=c,
                                       reason="Re-import")
    batch = run_import(w, data, filename=name)
    after = sorted(Contribution.objects.filter(batch=batch).values_list(
        "kind", "quantity", "value", "currency", "unit", "commitment_id", "evidence_url", "date", "period_end"))
    assert [r for r in after if r[0] != "data"] == [r for r in before if r[0] != "data"]
    assert len(after) == 4


def test_a_csv_export_imports_back_too(w):
    w.record(quantity=Decimal("99.99"), description="Small grant")
    data, _type, _name = exports.export_ledger(partnership=w.p, fmt="csv")
    assert data.startswith("\ufeff".encode())
    other = World(name="Elsewhere")
    other.rates()
    # The organisation column names the food bank by its short name: the other partnership does not know it.
    with pytest.raises(services.ImportRejected) as info:
        services.contributions_import(actor=admin_of(other.charity), acting_for=other.charity, partnership=other.p,
                                      filename="x.csv", data=data)
    assert info.value.report[0]["column"] == "organisation"


def test_volunteer_rows_of_an_export_are_refused_on_import(pw):
    item = pw.task()
    signup = pw.volunteer(item)
    services.volunteer_hours_record(actor=admin_of(pw.charity), acting_for=pw.charity, signup=signup, hours=3,
                                    date=D(2026, 3, 7))
    data, _t, _n = exports.export_ledger(partnership=pw.p, fmt="csv")
    assert "A volunteer" in data.decode("utf-8") and signup.person.display_name not in data.decode("utf-8")
    with pytest.raises(services.ImportRejected) as info:
        services.contributions_import(actor=admin_of(pw.charity), acting_for=pw.charity, partnership=pw.p,
                                      filename="x.csv", data=data)
    assert info.value.report[0]["column"] == "sector"
