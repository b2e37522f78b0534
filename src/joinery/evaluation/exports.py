"""Measurements as a spreadsheet (CSV or XLSX).

The first columns are exactly the import columns, so an exported file can be edited and
imported again (the columns after them are for reading; an import reads past them). Only
current values are exported: what counts. Cells a spreadsheet would run as a formula are
written as text.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from joinery.core.tabular import write_csv, write_xlsx

from . import importing
from .periods import parse
from .selectors import measurements as selectors

EXPORT_COLUMNS = importing.COLUMNS + importing.EXPORT_ONLY


def measurement_rows(*, framework, filters=None):
    """Each current value as a tuple in EXPORT_COLUMNS order."""
    f = filters or selectors.MeasurementFilters()
    f = selectors.MeasurementFilters(**{**f.__dict__, "include_replaced": False})
    qs = (selectors.measurements_queryset(framework=framework, filters=f).order_by("indicator_id", "period", "pk")
          .select_related("indicator", "reported_for", "reported_by", "batch"))
    labels: dict[str, str] = {}
    for m in qs.iterator(chunk_size=2000):
        if m.period not in labels:
            p = parse(framework.period_kind, m.period)
            labels[m.period] = p.label if p else m.period
        yield (
            m.indicator.code, m.period, Decimal(importing.plain(m.value)),
            m.indicator.unit, m.note, "", m.pk, m.indicator.name, labels[m.period], m.reported_for.name,
            m.reported_by.display_name, timezone.localtime(m.reported_at).replace(tzinfo=None), m.source,
            m.replaces_id or "", m.batch.filename if m.batch_id else "",
        )


def to_csv(rows) -> bytes:
    return write_csv(EXPORT_COLUMNS, rows)


def to_xlsx(rows, *, title: str = "Measurements") -> bytes:
    return write_xlsx(EXPORT_COLUMNS, rows, title=title[:31] or "Measurements")


def export_measurements(*, framework, filters=None, fmt: str = "csv") -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of the framework's current values."""
    rows = measurement_rows(framework=framework, filters=filters)
    stamp = timezone.localdate().isoformat()
    slug = framework.partnership.slug
    if fmt == "xlsx":
        return (to_xlsx(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"{slug}-measurements-{stamp}.xlsx")
    return to_csv(rows), "text/csv; charset=utf-8", f"{slug}-measurements-{stamp}.csv"
