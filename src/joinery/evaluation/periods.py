"""Reporting periods: months ("2025-07"), quarters ("2025-Q3") and years ("2025").

A framework reports by one kind of period between its start and end dates; measurements
and targets name their period by its key. A partner's own reporting requirement may use a
coarser kind (a funder wanting yearly figures from a quarterly framework); `periods_within`
says which framework periods fall in one of the requirement's periods.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")


_PATTERNS = {
    PeriodKind.MONTH: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    PeriodKind.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
    PeriodKind.YEAR: re.compile(r"^(\d{4})$"),
}
_RANK = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    key: str
    kind: str

    @property
    def label(self) -> str:
        """The period in words, in the active language ("Q3 2025", "T3 2025", "July 2025")."""
        from django.utils.formats import date_format

        if self.kind == PeriodKind.QUARTER:
            return pgettext("quarter label", "Q%(n)s %(year)s") % {"n": (self.start.month - 1) // 3 + 1,
                                                                  "year": self.start.year}
        if self.kind == PeriodKind.MONTH:
            return date_format(self.start, "F Y")
        return str(self.start.year)

    def __str__(self) -> str:
        return self.key


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def period_containing(kind: str, day: dt.date) -> Period:
    if kind == PeriodKind.MONTH:
        return Period(dt.date(day.year, day.month, 1), _month_end(day.year, day.month),
                      f"{day.year}-{day.month:02d}", kind)
    if kind == PeriodKind.QUARTER:
        q = (day.month - 1) // 3 + 1
        first = 3 * (q - 1) + 1
        return Period(dt.date(day.year, first, 1), _month_end(day.year, first + 2), f"{day.year}-Q{q}", kind)
    if kind == PeriodKind.YEAR:
        return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), str(day.year), kind)
    raise ValueError(f"unknown period kind {kind!r}")


def parse(kind: str, key: str) -> Period | None:
    """The period `key` names, or None if it is not a period of this kind."""
    m = _PATTERNS[PeriodKind(kind)].match((key or "").strip())
    if not m:
        return None
    year = int(m.group(1))
    if not 1900 <= year <= 2200:
        return None
    if kind == PeriodKind.MONTH:
        return period_containing(kind, dt.date(year, int(m.group(2)), 1))
    if kind == PeriodKind.QUARTER:
        return period_containing(kind, dt.date(year, 3 * (int(m.group(2)) - 1) + 1, 1))
    return period_containing(kind, dt.date(year, 1, 1))


def periods_between(kind: str, start: dt.date, end: dt.date) -> list[Period]:
    """Every period of `kind` that overlaps start..end (inclusive), in order."""
    out: list[Period] = []
    p = period_containing(kind, start)
    while p.start <= end:
        out.append(p)
        p = period_containing(kind, p.end + dt.timedelta(days=1))
    return out


def periods_within(kind: str, outer: Period) -> list[Period]:
    """The periods of `kind` inside `outer` (e.g. the four quarters of a year)."""
    if _RANK[PeriodKind(kind)] > _RANK[PeriodKind(outer.kind)]:
        raise ValueError("a finer period cannot hold a coarser one")
    return periods_between(kind, outer.start, outer.end)


def is_coarser_or_equal(kind: str, than: str) -> bool:
    return _RANK[PeriodKind(kind)] >= _RANK[PeriodKind(than)]
