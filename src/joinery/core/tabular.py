"""Reading a spreadsheet file (CSV or XLSX) into a header and rows of raw cells.

Shared by the importers (contributions, measurements): each says which columns it knows and
requires and how to word an empty file; what a row means is that app's business.

A file that cannot be read at all (not CSV or XLSX, not UTF-8, empty, too big, unknown, duplicated
or missing columns) raises ValidationError({"file": …}); nothing is written.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from joinery.core.exceptions import ValidationError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 60


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict]]  # (row number as the spreadsheet shows it, {column: raw value})
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row, column, problem, fix)
    delimiter: str = ","


def file_error(message) -> ValidationError:
    return ValidationError({"file": message}, code="unreadable")


def header_name(value) -> str:
    return re.sub(r"[\s\-]+", "_", str(value if value is not None else "").strip().lower())


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(filename: str, data: bytes, *, columns, required, export_only=(), empty: str,
               no_rows: str) -> Table:
    """The file's header and rows. `empty` and `no_rows` word an empty file and a header without rows."""
    if not data or not data.strip():
        raise file_error(empty)
    if len(data) > MAX_BYTES:
        raise file_error(_("The file is larger than 5 MB. Split it into smaller files and import each one."))
    if data[:4] == b"PK\x03\x04":
        raw_rows, delimiter = xlsx_rows(data), ","
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise file_error(_("This is an old Excel file (.xls), which cannot be read. In your spreadsheet, save it "
                           "as an Excel workbook (.xlsx) or as “CSV UTF-8”, then import that."))
    else:
        raw_rows, delimiter = csv_rows(filename, data)
    table = _table(raw_rows, columns=columns, required=required, export_only=export_only, empty=empty,
                   no_rows=no_rows)
    table.delimiter = delimiter
    return table


def csv_rows(filename: str, data: bytes):
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


def xlsx_rows(data: bytes):
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


def _table(raw_rows, *, columns, required, export_only, empty: str, no_rows: str) -> Table:
    # Leading blank lines are skipped; the first line with content is the header.
    start = 0
    while start < len(raw_rows) and all(blank(v) for v in raw_rows[start]):
        start += 1
    if start >= len(raw_rows):
        raise file_error(empty)
    header = [header_name(v) for v in raw_rows[start]]
    while header and not header[-1]:
        header.pop()
    known = set(columns) | set(export_only)
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise file_error(_("The file has columns we do not know: %(cols)s. The columns are: %(all)s. Rename or "
                           "remove the others; nothing was imported.")
                         % {"cols": ", ".join(unknown), "all": ", ".join(columns)})
    seen: set[str] = set()
    duplicated = [h for h in header if h and (h in seen or seen.add(h))]
    if duplicated:
        raise file_error(_("The column %(col)s appears more than once. Keep one; nothing was imported.")
                         % {"col": duplicated[0]})
    missing = [c for c in required if c not in header]
    if missing:
        raise file_error(_("The file has no column for: %(cols)s. The first row must name the columns "
                           "(%(required)s are required); nothing was imported.")
                         % {"cols": ", ".join(missing), "required": ", ".join(required)})
    table = Table(columns=header, rows=[])
    for offset, raw in enumerate(raw_rows[start + 1:], start=start + 2):
        if all(blank(v) for v in raw):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise file_error(_("The file has more than %(max)s rows. Split it into smaller files and import each "
                               "one; nothing was imported.") % {"max": f"{MAX_ROWS:,}"})
        values = {}
        for i, v in enumerate(raw):
            if i < len(header):
                if header[i]:
                    values[header[i]] = v
            elif not blank(v):
                table.problems.append((offset, "", _("This row has more cells than the header has columns."),
                                       _("Remove the extra cells, or name their column.")))
                break
        table.rows.append((offset, values))
    if not table.rows:
        raise file_error(no_rows)
    return table


# --- writing --------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text cell a spreadsheet would run as a formula (= + - @…), written as text instead."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def cell_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def write_csv(columns, rows) -> bytes:
    """UTF-8 CSV with a byte-order mark, so spreadsheets read its accented letters."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for row in rows:
        w.writerow([safe_cell(cell_text(v)) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_xlsx(columns, rows, *, title: str) -> bytes:
    """A one-sheet workbook; dates and numbers stay typed."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append(list(columns))
    for row in rows:
        cells = []
        for v in row:
            if v is None:
                v = ""
            cell = WriteOnlyCell(ws, value=safe_cell(v) if isinstance(v, str) else v)
            if hasattr(v, "isoformat"):
                cell.number_format = "yyyy-mm-dd hh:mm" if hasattr(v, "hour") else "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
