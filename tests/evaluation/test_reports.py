"""A partner's report as PDF (English and French) and CSV, made from the shared data."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from joinery.evaluation.reports import render_csv, render_pdf

from ._reporting import fill, requirement

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    # Table cells wrap: compare words, not line breaks.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_pdf_has_the_title_block_a_table_per_period_and_the_notes(adopted):
    w = adopted.world
    fill(w)
    r = requirement(w)
    pdf = render_pdf(r)
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for expected in ("Annual return to the Lottery", w.charity.name, "National Lottery Community Fund", "LOT-2025-77",
                     w.p.name, "Eastside outcomes, version 1", "Generated on", "Hot meals provided", "M1",
                     "390", "480", "Off track", "3 of 4 quarters reported", "8.25", "At risk", "Incomplete",
                     "corrected", "Page 1 of"):
        assert expected in text, expected
    assert "2025" in text and "2026" in text
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info.title == "Annual return to the Lottery"


def test_the_pdf_in_french(adopted):
    w = adopted.world
    fill(w)
    r = requirement(w)
    text = _text(render_pdf(r, "2025", "fr"))
    assert "Page 1 sur 1" in text
    assert "8,25" in text  # a French decimal comma
    assert "Hot meals provided" in text  # their own names are kept as they wrote them
    with translation.override("fr"):
        made_on = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert made_on in text  # the date it was made, in French
    assert "2026" not in text.replace(made_on, "")  # one period only


def test_the_pdf_keeps_accents(adopted):
    w = adopted.world
    r = requirement(w, name="Rapport annuel à la Fondation — économie sociale")
    text = _text(render_pdf(r, language="fr"))
    assert "Rapport annuel à la Fondation" in text and "économie sociale" in text


def test_the_pdf_is_the_same_for_the_same_data(adopted):
    w = adopted.world
    fill(w)
    r = requirement(w)
    assert render_pdf(r, "2025") == render_pdf(r, "2025")


def test_the_csv_has_a_header_and_a_row_per_period_and_item(adopted):
    w = adopted.world
    fill(w)
    r = requirement(w)
    data = render_csv(r)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Period", "Period name", "Their code", "Their name", "Shared indicator code"]
    assert len(rows) == 1 + 2 * 3
    by = {(row[0], row[4]): row for row in rows[1:]}
    meals = by[("2025", "meals")]
    assert meals[7:13] == ["390", "480", "Off track", "3", "4", "yes"]
    assert by[("2025", "wait-days")][7:9] == ["8.25", "8"]
    assert by[("2026", "trust")][7:10] == ["", "", "No data"]
    one = list(csv.reader(io.StringIO(render_csv(r, "2026").decode("utf-8-sig"))))
    assert {row[0] for row in one[1:]} == {"2026"}


def test_the_csv_neutralises_formulas(adopted):
    from joinery.evaluation.services import reporting as services
    from tests.conftest import admin_of

    w = adopted.world
    r = requirement(w, items=False)
    services.requirement_items_set(actor=admin_of(w.charity), acting_for=w.charity, requirement=r, items=[
        {"indicator": w.indicator("meals"), "external_name": "=HYPERLINK(\"x\")", "external_code": "+1"}])
    rows = list(csv.reader(io.StringIO(render_csv(r, "2025").decode("utf-8-sig"))))
    assert rows[1][2:4] == ["'+1", "'=HYPERLINK(\"x\")"]
