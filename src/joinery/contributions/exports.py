"""The ledger as a spreadsheet (CSV or XLSX).

The first columns are exactly the import columns, so an exported file can be edited and
imported elsewhere; the columns after them (contributor, sector, rate…) are for reading and an
import reads past them. Withdrawn and corrected rows are left out: the export is what counts.
Cells that a spreadsheet would run as a formula (starting with = + - @) are written as text.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.core.tabular import write_csv, write_xlsx

from . import importing, selectors
from .models import ContributorSector

EXPORT_COLUMNS = importing.COLUMNS + ("id", "contributor", "sector", "rate", "task", "replaces", "import",
                                      "recorded_at")


def ledger_rows(*, partnership, filters=None, names: bool = False):
    """Each live contribution as a tuple in EXPORT_COLUMNS order (dates and numbers typed)."""
    f = filters or selectors.LedgerFilters()
    f = selectors.LedgerFilters(**{**f.__dict__, "include_withdrawn": False})
    qs = (selectors.ledger_queryset(partnership=partnership, filters=f)
          .select_related("organisation", "person", "rate", "work_item", "batch"))
    for c in qs.iterator(chunk_size=2000):
        if c.organisation_id:
            contributor = c.organisation.name
        else:
            contributor = c.person.display_name if names and c.person_id else _("A volunteer")
        yield (
            c.date, c.period_start, c.period_end, c.kind, c.description, c.quantity, c.currency, c.unit, c.people,
            c.rate.work_kind if c.rate_id else "", c.commitment_id or "",
            c.organisation.slug if c.organisation_id else "", c.evidence_url, c.value if c.value is not None else "",
            c.pk, contributor, ContributorSector(c.sector).value, c.rate.hourly_rate if c.rate_id else "",
            c.work_item.title if c.work_item_id else "", c.replaces_id or "", c.batch.filename if c.batch_id else "",
            timezone.localtime(c.created_at).replace(tzinfo=None),
        )


def to_csv(rows) -> bytes:
    return write_csv(EXPORT_COLUMNS, rows)


def to_xlsx(rows, *, title: str = "Contributions") -> bytes:
    return write_xlsx(EXPORT_COLUMNS, rows, title=title[:31] or "Contributions")


def export_ledger(*, partnership, filters=None, fmt: str = "csv", names: bool = False) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of the partnership's ledger."""
    rows = ledger_rows(partnership=partnership, filters=filters, names=names)
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        return (to_xlsx(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"{partnership.slug}-contributions-{stamp}.xlsx")
    return to_csv(rows), "text/csv; charset=utf-8", f"{partnership.slug}-contributions-{stamp}.csv"
