"""Reading a measurements file (CSV or XLSX) into rows of raw cells.

This module only reads: bytes into a header and rows. Whether a row is a valid measurement
(indicator, period, value, unit, who may report it) is decided by services/measurements.py,
with the same code that checks a value reported on the web form or pushed through the API.

A file that cannot be read at all (not CSV or XLSX, not UTF-8, empty, too big, missing
columns) raises ValidationError({"file": …}); nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from joinery.contributions.importing import _csv_rows, _xlsx_rows, file_error, parse_decimal  # noqa: F401

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000

#: The columns a file may have, in the order the template and the export use.
COLUMNS = ("indicator", "period", "value", "unit", "note", "correction_reason")
REQUIRED = ("indicator", "period", "value")
#: Columns the export adds for reading; an import reads past them.
EXPORT_ONLY = ("id", "indicator_name", "period_label", "reported_for", "reported_by", "reported_at", "source",
               "replaces", "import")


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict]]  # (row number as the spreadsheet shows it, {column: raw value})
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row, column, problem, fix)
    delimiter: str = ","


def _header_name(value) -> str:
    return re.sub(r"[\s\-]+", "_", str(value if value is not None else "").strip().lower())


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _empty_error():
    return file_error(_("The file is empty. Use the template: a header row (indicator, period, value), then one "
                        "row per measurement."))


def read_table(filename: str, data: bytes) -> Table:
    """The file's header and rows. Raises a `file` ValidationError when it cannot be read."""
    if not data or not data.strip():
        raise _empty_error()
    if len(data) > MAX_BYTES:
        raise file_error(_("The file is larger than 5 MB. Split it into smaller files and import each one."))
    if data[:4] == b"PK\x03\x04":
        raw_rows, delimiter = _xlsx_rows(data), ","
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise file_error(_("This is an old Excel file (.xls), which cannot be read. Save it as an Excel workbook "
                           "(.xlsx) or as “CSV UTF-8”, then import that."))
    else:
        raw_rows, delimiter = _csv_rows(filename, data)
    table = _table(raw_rows)
    table.delimiter = delimiter
    return table


def _table(raw_rows) -> Table:
    start = 0
    while start < len(raw_rows) and all(blank(v) for v in raw_rows[start]):
        start += 1
    if start >= len(raw_rows):
        raise _empty_error()
    header = [_header_name(v) for v in raw_rows[start]]
    while header and not header[-1]:
        header.pop()
    known = set(COLUMNS) | set(EXPORT_ONLY)
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise file_error(_("The file has columns we do not know: %(cols)s. The columns are: %(all)s. Rename or "
                           "remove the others; nothing was imported.")
                         % {"cols": ", ".join(unknown), "all": ", ".join(COLUMNS)})
    seen: set[str] = set()
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
        raise file_error(_("The file has a header row but no measurements under it."))
    return table


def plain(value) -> str:
    """A stored value as people write it: 120, 87.5 (not 120.0000 or 1.2E+2)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")
