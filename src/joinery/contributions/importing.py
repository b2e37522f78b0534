"""Reading a contributions file (CSV or XLSX) into rows of typed values.

This module only reads: it turns bytes into a header and rows, and each cell into a date,
a number or text, saying what is wrong with a cell it cannot read and how to fix it. The
rules of the ledger (rates, periods, commitments) are checked by services.py, with the
same code that checks a contribution recorded on the web form.

A file that cannot be read at all (not CSV or XLSX, not UTF-8, empty, too big, missing
columns) raises ValidationError({"file": …}); nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from joinery.core import tabular
from joinery.core.tabular import MAX_BYTES, MAX_ROWS, file_error  # noqa: F401 (the importers' API)
from joinery.core.tabular import blank as _blank
from joinery.core.tabular import header_name as _header_name
from joinery.core.tabular import text as _text

from .models import ContributionKind

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
    problems: list[tuple[int, Problem]]   # cells the reader could not place
    delimiter: str = ","


def read_table(filename: str, data: bytes) -> Table:
    """The file's header and rows. Raises a `file` ValidationError when it cannot be read."""
    t = tabular.read_table(filename, data, columns=COLUMNS, required=REQUIRED, export_only=EXPORT_ONLY,
                           empty=_("The file is empty. Use the template: a header row, then one row per contribution."),
                           no_rows=_("The file has a header row but no contributions under it."))
    return Table(columns=t.columns, rows=t.rows, delimiter=t.delimiter,
                 problems=[(row, Problem(column, problem, fix)) for row, column, problem, fix in t.problems])


# --- one cell ---------------------------------------------------------------------------------

_DATE_FIX = gettext_lazy("Write dates as YYYY-MM-DD, for example 2025-03-31.")


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
