"""Reading a measurements file (CSV or XLSX) into rows of raw cells.

This module only reads: bytes into a header and rows. Whether a row is a valid measurement
(indicator, period, value, unit, who may report it) is decided by services/measurements.py,
with the same code that checks a value reported on the web form or pushed through the API.

A file that cannot be read at all (not CSV or XLSX, not UTF-8, empty, too big, missing
columns) raises ValidationError({"file": …}); nothing is written.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from joinery.contributions.importing import parse_decimal  # noqa: F401 (the same reading of numbers)
from joinery.core import tabular
from joinery.core.tabular import MAX_BYTES, MAX_ROWS, Table, blank, file_error, text  # noqa: F401

#: The columns a file may have, in the order the template and the export use.
COLUMNS = ("indicator", "period", "value", "unit", "note", "correction_reason")
REQUIRED = ("indicator", "period", "value")
#: Columns the export adds for reading; an import reads past them.
EXPORT_ONLY = ("id", "indicator_name", "period_label", "reported_for", "reported_by", "reported_at", "source",
               "replaces", "import")


def read_table(filename: str, data: bytes) -> Table:
    """The file's header and rows; `problems` are (row, column, problem, fix). Raises a `file`
    ValidationError when it cannot be read."""
    return tabular.read_table(
        filename, data, columns=COLUMNS, required=REQUIRED, export_only=EXPORT_ONLY,
        empty=_("The file is empty. Use the template: a header row (indicator, period, value), then one row per "
                "measurement."),
        no_rows=_("The file has a header row but no measurements under it."))


def plain(value) -> str:
    """A stored value as people write it: 120, 87.5 (not 120.0000 or 1.2E+2)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")
