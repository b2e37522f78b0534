"""A partner's own report as a PDF or a CSV file, from the one dataset (`selectors.reporting.partner_report`).

The PDF reuses the agreement documents' font set-up (Bitstream Vera, which has the accents
French needs) and reportlab's invariant mode, so the same data on the same day gives the
same bytes. Every string is rendered in the requested language.
"""

from __future__ import annotations

import csv
import io

from django.utils import formats, translation
from django.utils.translation import gettext as _

from joinery.agreements.documents import (
    _canvas_class,
    _clean,
    _esc,
    _register_fonts,
    _styles,
    _table_style,
)

from .selectors.reporting import PartnerReport, number, partner_report

CREATOR = "Joinery partner report"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def filename(requirement, period_key: str | None, fmt: str) -> str:
    slug = requirement.organisation.slug
    return f"report-{requirement.pk}-{slug}{'-' + period_key if period_key else ''}.{fmt}"


def _title_lines(report: PartnerReport) -> list[tuple[str, str]]:
    r = report.requirement
    lines = [(_("Partner"), report.organisation.name), (_("Reported to"), r.report_to)]
    if r.reference:
        lines.append((_("Reference"), r.reference))
    lines += [(_("Partnership"), report.partnership.name),
              (_("Evaluation framework"), _version(report.framework)),
              (_("Generated on"), formats.date_format(report.generated_on, "DATE_FORMAT"))]
    return lines


def _version(framework) -> str:
    if not framework.revision:
        return _("%(title)s, a draft not yet adopted") % {"title": framework.title}
    return _("%(title)s, version %(n)d") % {"title": framework.title, "n": framework.revision}


def _story(report: PartnerReport, styles) -> list:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    P = Paragraph
    r = report.requirement
    story = [P(_esc(r.name), styles["title"])]
    for label, value in _title_lines(report):
        story.append(P(f"<b>{_esc(label)}:</b> {_esc(value)}", styles["body"]))
    story.append(Spacer(1, 3 * mm))
    story.append(P(_esc(_("Every figure comes from the measurements the partners report in the shared evaluation "
                          "framework; figures for longer periods are made from the framework's periods.")),
                   styles["small"]))
    if not r.items.all():
        story.append(P(_esc(_("No shared indicator is mapped to this report yet.")), styles["body"]))
    for rp in report.periods:
        story.append(P(_esc(rp.period.label), styles["h2"]))
        head = (_("Their code"), _("Their name"), _("Shared indicator"), _("Value"), _("Unit"), _("Target"),
                _("Status"), _("Periods reported"))
        data = [[P(_esc(h), styles["cellhead"]) for h in head]]
        for row in rp.rows:
            value = number(row.value) + (" *" if row.corrected else "")
            data.append([P(_esc(v), styles["cell"]) for v in (
                row.external_code, row.external_name, f"{row.indicator.name} ({row.indicator.code})", value,
                row.unit, number(row.target), row.status_label, row.coverage)])
        t = Table(data, colWidths=[16 * mm, 32 * mm, 34 * mm, 18 * mm, 14 * mm, 16 * mm, 17 * mm, None],
                  repeatRows=1, hAlign="LEFT")
        t.setStyle(_table_style(colors))
        story.append(t)
        if rp.incomplete:
            story.append(Spacer(1, 2 * mm))
            story.append(P(_esc(_("Incomplete: some of the partnership's periods in %(period)s have no value yet. "
                                  "Missing periods are left out, never counted as zero.")
                                % {"period": rp.period.label}), styles["small"]))
        if rp.corrected:
            story.append(P(_esc(_("* A value in this period was corrected after it was first reported; the figure "
                                  "shown uses the corrected value. The earlier value stays in the history.")),
                           styles["small"]))
    return story


def render_pdf(requirement, period_key: str | None = None, language: str = "en") -> bytes:
    """The partner's report as an A4 PDF in `language`, with a table per period and page numbers."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    _register_fonts()
    with translation.override(language):
        report = partner_report(requirement, period_key=period_key)
        styles = _styles()
        story = _story(report, styles)
        title = _clean(requirement.name)
        footer_left = _clean(_("%(name)s — %(org)s") % {"name": title[:60], "org": report.organisation.name[:50]})
        source = _clean(_("From the shared evaluation framework of %(p)s") % {"p": report.partnership.name[:80]})
        page_label = _("Page %(page)d of %(total)d")
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=24 * mm,
        title=title, author=_clean(report.organisation.name), creator=CREATOR, producer="Joinery",
        subject=f"joinery:requirement:{requirement.pk}:{period_key or 'all'}", invariant=1, lang=language,
        displayDocTitle=1,
    )
    doc.build(story, canvasmaker=_canvas_class(footer_left, source, page_label))
    return buf.getvalue()


def _safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_rows(report: PartnerReport) -> list[list[str]]:
    head = [_("Period"), _("Period name"), _("Their code"), _("Their name"), _("Shared indicator code"),
            _("Shared indicator"), _("Unit"), _("Value"), _("Target"), _("Status"), _("Periods reported"),
            _("Periods expected"), _("Corrected")]
    rows = [head]
    for rp in report.periods:
        for row in rp.rows:
            rows.append([rp.period.key, rp.period.label, _safe(row.external_code), _safe(row.external_name),
                         row.indicator.code, _safe(row.indicator.name), _safe(row.unit),
                         "" if row.value is None else format(row.value.normalize(), "f"),
                         "" if row.target is None else format(row.target.normalize(), "f"),
                         row.status_label, str(row.reported), str(row.expected),
                         _("yes") if row.corrected else _("no")])
    return rows


def render_csv(requirement, period_key: str | None = None, language: str = "en") -> bytes:
    """The report as CSV (UTF-8 with a byte-order mark, for spreadsheets); numbers are plain (dot decimals)."""
    with translation.override(language):
        rows = csv_rows(partner_report(requirement, period_key=period_key))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
