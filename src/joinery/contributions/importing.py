"""Reading a contributions file (CSV or XLSX) into rows of typed values.

This module only reads: it turns bytes into a header and rows, and each cell into a date,
a number or text, saying what is wrong with a cell it cannot read and how to fix it. The
rules of the ledger (rates, periods, commitments) are checked by services.py, with the
same code that checks a contribution recorded on the web form.

A file that cannot be read at all (not CSV or XLSX, not UTF-8, empty, too big, missing
columns) raises ValidationError({"file": …}); nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from joinery.core.exceptions import ValidationError

from .models import ContributionKind

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 60

#: The columns a file may have, in the order the template and the export use.
COLUMNS = ("date", "period_start", "period_end", "kind", "description", "quantity", "currency", "unit",
           "people", "work_kind", "commitment_id", "organisation", "evidence_url", "value")
REQUIRED = ("date", "kind", "description", "quantity")
#: Columns the export adds for information; an import reads past them.
EXPORT_ONLY = ("id", "contributor", "sector", "rate", "status", "recorded_by", "recorded_at", "task", "replaces",
               "import")

KIND_ALIASES = {
    "money": ContributionKind.MONEY, "cash": ContributionKind.MONEY, "funding": ContributionKind.MONEY,
    "staff_hours": ContributionKind.STAFF_HOURS, "staff_time": ContributionKind.STAFF_HOURS,
    "volunteer_hours": ContributionKind.VOLUNTEER_HOURS, "volunteer_time": ContributionKind.VOLUNTEER_HOURS,
    "in_kind": ContributionKind.IN_KIND, "inkind": ContributionKind.IN_KIND,
    "in_kind_(space,_equipment,_goods)": ContributionKind.IN_KIND,
    "data": ContributionKind.DATA,
}


@dataclass
class Problem:
    column: str
    problem: str
    fix: str = ""


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict]]          # (row number as the spreadsheet shows it, {column: raw value})
    problems: list[tuple[int, Problem]] = field(default_factory=list)  # cells the reader could not place
    delimiter: str = ","


def file_error(message) -> ValidationError:
    return ValidationError({"file": message}, code="unreadable")


def _header_name(value) -> str:
    return re.sub(r"[\s\-]+", "_", str(value if value is not None else "").strip().lower())


# --- the whole file -------------------------------------------------------------------------

def read_table(filename: str, data: bytes) -> Table:
    """The file's header and rows. Raises a `file` ValidationError when it cannot be read."""
    if not data or not data.strip():
        raise file_error(_("The file is empty. Use the template: a header row, then one row per contribution."))
    if len(data) > MAX_BYTES:
        raise file_error(_("The file is larger than 5 MB. Split it into smaller files and import each one."))
    if data[:4] == b"PK\x03\x04":
        raw_rows = _xlsx_rows(data)
        delimiter = ","
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise file_error(_("This is an old Excel file (.xls), which cannot be read. In your spreadsheet, save it "
                           "as an Excel workbook (.xlsx) or as “CSV UTF-8”, then import that."))
    else:
        raw_rows, delimiter = _csv_rows(filename, data)
    table = _table(raw_rows)
    table.delimiter = delimiter
    return table


def _csv_rows(filename: str, data: bytes):
    if b"\x00" in data[:65536]:
        raise file_error(_("This file is not a CSV or XLSX spreadsheet. Export your spreadsheet as “CSV UTF-8” "
                           "or as an Excel workbook (.xlsx)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error(_("The file is not UTF-8 text, so its accented letters would be garbled. In your "
                           "spreadsheet, save it as “CSV UTF-8” (or as .xlsx) and import it again.")) from None
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise file_error(_("Line %(n)s of the file could not be read as CSV (%(e)s). Check its quotation marks, "
                           "or save the spreadsheet as “CSV UTF-8” again.") % {"n": reader.line_num, "e": exc}) from None
    return rows, delimiter


def _xlsx_rows(data: bytes):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise file_error(_("The file looks like an Excel workbook but cannot be opened. Open it in your "
                           "spreadsheet, save it as .xlsx (or “CSV UTF-8”) and import it again.")) from None
    try:
        ws = wb.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except Exception:
        raise file_error(_("The workbook's first sheet cannot be read. Save it again as .xlsx, or as "
                           "“CSV UTF-8”, and import that.")) from None
    finally:
        wb.close()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(raw_rows) -> Table:
    # Leading blank lines are skipped; the first line with content is the header.
    start = 0
    while start < len(raw_rows) and all(_blank(v) for v in raw_rows[start]):
        start += 1
    if start >= len(raw_rows):
        raise file_error(_("The file is empty. Use the template: a header row, then one row per contribution."))
    header = [_header_name(v) for v in raw_rows[start]]
    while header and not header[-1]:
        header.pop()
    known = set(COLUMNS) | set(EXPORT_ONLY)
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise file_error(_("The file has columns we do not know: %(cols)s. The columns are: %(all)s. Rename or "
                           "remove the others; nothing was imported.")
                         % {"cols": ", ".join(unknown), "all": ", ".join(COLUMNS)})
    seen = set()
    duplicated = [h for h in header if h and (h in seen or seen.add(h))]
    if duplicated:
        raise file_error(_("The column %(col)s appears more than once. Keep one; nothing was imported.")
                         % {"col": duplicated[0]})
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise file_error(_("The file has no column for: %(cols)s. The first row must name the columns "
                           "(%(required)s are required); nothing was imported.")
                         % {"cols": ", ".join(missing), "required": ", ".join(REQUIRED)})
    table = Table(columns=header, rows=[])
    for offset, raw in enumerate(raw_rows[start + 1:], start=start + 2):
        if all(_blank(v) for v in raw):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise file_error(_("The file has more than %(max)s rows. Split it into smaller files and import each "
                               "one; nothing was imported.") % {"max": f"{MAX_ROWS:,}"})
        values = {}
        for i, v in enumerate(raw):
            if i < len(header):
                if header[i]:
                    values[header[i]] = v
            elif not _blank(v):
                table.problems.append((offset, Problem("", _("This row has more cells than the header has columns."),
                                                       _("Remove the extra cells, or name their column."))))
                break
        table.rows.append((offset, values))
    if not table.rows:
        raise file_error(_("The file has a header row but no contributions under it."))
    return table


# --- one cell ---------------------------------------------------------------------------------

_DATE_FIX = gettext_lazy("Write dates as YYYY-MM-DD, for example 2025-03-31.")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value):
    """(date or None, Problem text or None)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        d = value
    else:
        text = _text(value)
        if not text:
            return None, None
        m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?", text)
        if not m:
            return None, _("“%(v)s” is not a date we can read.") % {"v": text[:40]}
        try:
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None, _("“%(v)s” is not a real date.") % {"v": text[:40]}
    if not 1900 <= d.year <= 2999:
        return None, _("%(y)s is not a plausible year.") % {"y": d.year}
    return d, None


def parse_decimal(value, *, delimiter: str = ","):
    """(Decimal or None, problem or None). Accepts 1250, 1250.50, 1 250,50 and 1,250.50."""
    if isinstance(value, bool):
        return None, _("“%(v)s” is not a number.") % {"v": value}
    if isinstance(value, int):
        return Decimal(value), None
    if isinstance(value, float):
        return Decimal(repr(value)), None
    if isinstance(value, Decimal):
        return value, None
    text = re.sub(r"[\s\u00a0\u202f]", "", _text(value))
    if not text:
        return None, None
    if "," in text and "." in text:
        thousands = "," if text.rfind(",") < text.rfind(".") else "."
        text = text.replace(thousands, "")
        text = text.replace(",", ".")
    elif "," in text:
        if delimiter != ";" and re.fullmatch(r"-?\d{1,3}(,\d{3})+", text):
            text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None, _("“%(v)s” is not a number.") % {"v": _text(value)[:40]}
    if not d.is_finite():
        return None, _("“%(v)s” is not a number.") % {"v": _text(value)[:40]}
    return d, None


def parse_int(value):
    d, problem = parse_decimal(value)
    if problem or d is None:
        return None, problem
    if d != d.to_integral_value():
        return None, _("“%(v)s” is not a whole number.") % {"v": _text(value)[:40]}
    return int(d), None


def parse_kind(value):
    text = _header_name(_text(value))
    if not text:
        return None, None
    kind = KIND_ALIASES.get(text)
    if kind is None:
        return None, _("“%(v)s” is not a kind of contribution.") % {"v": _text(value)[:40]}
    return kind.value, None


KIND_FIX = gettext_lazy("Use one of: money, staff_hours, volunteer_hours, in_kind, data.")


def parse_row(values: dict, *, delimiter: str = ","):
    """({field: typed value}, [Problem]) for one row; fields the row leaves empty are absent or blank."""
    out: dict = {}
    problems: list[Problem] = []

    def bad(column, problem, fix=""):
        problems.append(Problem(column, problem, fix))

    for col in ("date", "period_start", "period_end"):
        if col in values:
            d, p = parse_date(values[col])
            if p:
                bad(col, p, str(_DATE_FIX))
            out[col] = d
    kind, p = parse_kind(values.get("kind"))
    if p:
        bad("kind", p, str(KIND_FIX))
    out["kind"] = kind or ""
    for col in ("quantity", "value"):
        if col in values:
            d, p = parse_decimal(values[col], delimiter=delimiter)
            if p:
                bad(col, p, _("Write a number such as 1250 or 1250.50, without a currency sign."))
            out[col] = d
    if not _blank(values.get("people")):
        n, p = parse_int(values["people"])
        if p:
            bad("people", p, _("Write how many people gave these hours, for example 3."))
        out["people"] = n
    if not _blank(values.get("commitment_id")):
        n, p = parse_int(_text(values["commitment_id"]).lstrip("#"))
        if p:
            bad("commitment_id", p, _("Use the commitment's number as shown on the agreement page, or leave it "
                                      "empty."))
        out["commitment_id"] = n
    for col in ("description", "currency", "unit", "work_kind", "organisation", "evidence_url", "sector"):
        out[col] = _text(values.get(col))
    return out, problems
