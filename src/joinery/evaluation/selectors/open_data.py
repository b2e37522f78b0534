"""Reads for the public open data pages: only what the partnership chose to publish.

A dataset exists for a partnership only while its `OpenDataPublication.is_published` is set
(publishing is the convener's explicit act, so it works for a private partnership too).
It holds only indicators marked `is_published` and not retired; their values come through
`values.values_for`, like every other page, so open data agrees with the scorecards.
Nothing else of the partnership (other indicators, people, notes) is read here.

The JSON download (`dataset_dict`; numbers are exact decimal strings, absent ones null)::

    {"title", "description", "publisher", "contact_email",
     "licence": {"id": "CC-BY-4.0", "name": "Creative Commons Attribution 4.0"},
     "partnership": {"slug", "name"}, "period_kind": "quarter",
     "first_published", "last_updated" (ISO 8601), "page", "csv" (absolute URLs),
     "indicators": [{"code", "name", "definition", "outcome", "unit", "value_type", "direction",
                     "aggregation", "serves", "question", "data_source", "baseline", "baseline_period",
                     "values": [{"period": "2025-Q1", "start": "2025-01-01", "end": "2025-03-31",
                                 "value": "120", "target": "150"}, …]}, …]}

The CSV has one row per indicator and period that has a value or a target, with the columns
`CSV_COLUMNS`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max
from django.urls import reverse

from ..models import Indicator, IndicatorTarget, Measurement, OpenDataPublication
from ..periods import Period, periods_between
from .values import values_for

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("partnership", "indicator_code", "indicator_name", "unit", "period", "value", "target", "licence")


@dataclass
class PublishedIndicator:
    indicator: Indicator
    rows: list[tuple[Period, Decimal | None, Decimal | None]]  # (period, value, target), periods with either

    @property
    def display_rows(self) -> list[tuple[Period, str, str]]:
        """The rows with numbers formatted for the page's language."""
        from .reporting import number

        return [(p, number(v), number(t)) for p, v, t in self.rows]

    @property
    def baseline_text(self) -> str:
        from .reporting import number

        return number(self.indicator.baseline)


@dataclass
class Dataset:
    publication: OpenDataPublication
    partnership: object
    framework: object
    indicators: list[PublishedIndicator]
    last_updated: object  # datetime

    @property
    def licence_name(self) -> str:
        return self.publication.get_licence_display()


def plain(value: Decimal | None) -> str:
    """A decimal without trailing zeros or exponent: 120.0000 → "120", 8.5000 → "8.5"."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def published_list() -> list[OpenDataPublication]:
    """Every published dataset, by title."""
    return list(OpenDataPublication.objects.filter(is_published=True)
                .select_related("framework__partnership").order_by("title", "id"))


def published_publication(*, slug: str) -> OpenDataPublication | None:
    return (OpenDataPublication.objects.filter(is_published=True, framework__partnership__slug=slug)
            .select_related("framework__partnership").first())


def dataset(*, slug: str) -> Dataset | None:
    """The partnership's published dataset, or None (the pages answer 404: nothing is revealed)."""
    pub = published_publication(slug=slug)
    if pub is None:
        return None
    f = pub.framework
    indicators = list(Indicator.objects.filter(framework=f, is_published=True, retired_at__isnull=True)
                      .select_related("outcome").order_by("position", "id"))
    for ind in indicators:
        ind.framework = f
    periods = periods_between(f.period_kind, f.starts_on, f.ends_on)
    values = values_for(indicators, periods) if indicators else {}
    targets: dict[int, dict[str, Decimal]] = {i.pk: {} for i in indicators}
    last = pub.updated_at
    if indicators:
        for ind_id, period, value in IndicatorTarget.objects.filter(indicator__in=indicators).values_list(
                "indicator_id", "period", "value"):
            targets[ind_id][period] = value
        reported = Measurement.objects.filter(indicator__in=indicators).aggregate(m=Max("reported_at"))["m"]
        if reported and reported > last:
            last = reported
    out = []
    for ind in indicators:
        v, t = values.get(ind.pk, {}), targets[ind.pk]
        rows = [(p, v.get(p.key), t.get(p.key)) for p in periods if p.key in v or p.key in t]
        out.append(PublishedIndicator(indicator=ind, rows=rows))
    return Dataset(publication=pub, partnership=f.partnership, framework=f, indicators=out, last_updated=last)


def _safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def dataset_csv(ds: Dataset) -> bytes:
    """One row per indicator and period, UTF-8 with a header row (the column names are stable, in English)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for pi in ds.indicators:
        ind = pi.indicator
        for period, value, target in pi.rows:
            w.writerow([ds.partnership.slug, ind.code, _safe(ind.name), _safe(ind.unit), period.key, plain(value),
                        plain(target), ds.publication.licence])
    return buf.getvalue().encode("utf-8")


def dataset_dict(ds: Dataset, *, base_url: str = "") -> dict:
    """The dataset as JSON-ready data: metadata, then each indicator with its values (decimal strings, exact)."""
    pub, p = ds.publication, ds.partnership
    return {
        "title": pub.title,
        "description": pub.description,
        "publisher": pub.publisher,
        "contact_email": pub.contact_email,
        "licence": {"id": pub.licence, "name": str(pub.get_licence_display())},
        "partnership": {"slug": p.slug, "name": p.name},
        "period_kind": ds.framework.period_kind,
        "first_published": pub.first_published_at.isoformat() if pub.first_published_at else None,
        "last_updated": ds.last_updated.isoformat() if ds.last_updated else None,
        "page": base_url + reverse("evaluation:open_data", args=[p.slug]),
        "csv": base_url + reverse("evaluation:open_data_csv", args=[p.slug]),
        "indicators": [{
            "code": pi.indicator.code,
            "name": pi.indicator.name,
            "definition": pi.indicator.definition,
            "outcome": pi.indicator.outcome.title,
            "unit": pi.indicator.unit,
            "value_type": pi.indicator.value_type,
            "direction": pi.indicator.direction,
            "aggregation": pi.indicator.aggregation,
            "serves": pi.indicator.serves,
            "question": pi.indicator.question,
            "data_source": pi.indicator.data_source,
            "baseline": plain(pi.indicator.baseline) or None,
            "baseline_period": pi.indicator.baseline_period or None,
            "values": [{"period": period.key, "start": period.start.isoformat(), "end": period.end.isoformat(),
                        "value": plain(value) or None, "target": plain(target) or None}
                       for period, value, target in pi.rows],
        } for pi in ds.indicators],
    }


def dataset_json(ds: Dataset, *, base_url: str = "") -> bytes:
    return json.dumps(dataset_dict(ds, base_url=base_url), ensure_ascii=False, indent=2).encode("utf-8")
