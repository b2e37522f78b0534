"""`joinery evaluation …` and `joinery feedback hide`: the same services, exit codes 0, 1 (refused), 2 (unknown)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from joinery.evaluation.models import Measurement, MeasurementImport, MeasurementReminder
from joinery.evaluation.services import measurements as services
from tests.conftest import admin_of, run_cli

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wide_terminal")]




def test_import_good_and_bad_files(adopted, tmp_path, capsys):
    w = adopted.world
    who = ("--partnership", w.p.slug, "--acting-for", w.charity.slug, "--as", admin_of(w.charity).email)
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,period,value\nmeals,2025-Q1,1.5\nsoup,2025-Q1,3\n")
    assert run_cli("evaluation", "import", bad, *who) == 1
    captured = capsys.readouterr()
    assert "nothing was imported" in captured.out and "There is no indicator “soup”" in captured.out
    assert "2 problem(s)" in captured.err
    assert not Measurement.objects.exists() and MeasurementImport.objects.get().status == "rejected"
    good = tmp_path / "good.csv"
    good.write_text("indicator,period,value\nmeals,2025-Q1,130\nmeals,2025-Q2,140\n")
    assert run_cli("evaluation", "import", good, *who) == 0
    assert "Imported 2 measurement(s) from good.csv" in capsys.readouterr().out
    assert Measurement.objects.count() == 2
    assert run_cli("evaluation", "import", tmp_path / "missing.csv", *who) == 2
    assert run_cli("evaluation", "import", good, "--partnership", "nowhere", "--acting-for", w.charity.slug, "--as",
               admin_of(w.charity).email) == 2
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert run_cli("evaluation", "import", empty, *who) == 1
    assert "empty" in capsys.readouterr().err


def test_report_value_and_export(adopted, tmp_path, capsys):
    w = adopted.world
    base = ("evaluation", "report-value", "--partnership", w.p.slug, "--indicator", "meals", "--period", "2025-Q1")
    who = ("--acting-for", w.charity.slug, "--as", admin_of(w.charity).email)
    assert run_cli(*base, "--value", "130", "--note", "Till", *who) == 0
    assert "Reported Meals served for 2025-Q1: 130 meals" in capsys.readouterr().out
    m = Measurement.objects.get()
    assert (m.value, m.source, m.note) == (Decimal("130"), "command", "Till")
    assert run_cli(*base, "--value", "131", *who) == 1
    assert "correct it instead" in capsys.readouterr().err
    assert run_cli(*base[:-4], "--indicator", "soup", "--period", "2025-Q1", "--value", "1", *who) == 2
    assert run_cli(*base, "--value", "1", "--acting-for", w.business.slug, "--as", admin_of(w.business).email) == 1
    out = tmp_path / "values.csv"
    assert run_cli("evaluation", "export", "--partnership", w.p.slug, "-o", out) == 0
    assert "meals,2025-Q1,130,meals,Till" in out.read_text(encoding="utf-8-sig")
    xlsx = tmp_path / "values.xlsx"
    assert run_cli("evaluation", "export", "--partnership", w.p.slug, "--format", "xlsx", "-o", xlsx) == 0
    assert xlsx.read_bytes()[:2] == b"PK"


def test_remind_prints_how_many_went_out(adopted, capsys):
    assert run_cli("evaluation", "remind", "--today", "2025-10-23") == 0
    assert "3 reminder(s) sent." in capsys.readouterr().out
    assert MeasurementReminder.objects.count() == 3
    assert run_cli("evaluation", "remind", "--today", "2025-10-23") == 0
    assert "0 reminder(s) sent." in capsys.readouterr().out
    assert run_cli("evaluation", "remind", "--today", "23/10/2025") == 2


def test_scorecard_prints_each_indicator(adopted, capsys):
    w = adopted.world
    services.measurement_report(actor=admin_of(w.charity), acting_for=w.charity, indicator=w.indicator("meals"),
                                period="2026-Q3", value="130")
    assert run_cli("evaluation", "scorecard", "--partnership", w.p.slug) == 0
    out = capsys.readouterr().out
    assert "Eastside outcomes" in out and "Meals served" in out and "Days waiting for a referral" in out
    assert "People eat well" in out
    assert run_cli("evaluation", "scorecard", "--partnership", w.p.slug, "--language", "fr") == 0
    assert run_cli("evaluation", "scorecard", "--partnership", w.p.slug, "--language", "xx") == 2
    assert run_cli("evaluation", "scorecard", "--partnership", "nowhere") == 2


def test_partner_report_writes_pdf_and_csv(adopted, tmp_path, capsys):
    from joinery.evaluation.services import reporting

    w = adopted.world
    services.measurement_report(actor=admin_of(w.charity), acting_for=w.charity, indicator=w.indicator("meals"),
                                period="2025-Q1", value="130")
    r = reporting.requirement_create(actor=admin_of(w.charity), acting_for=w.charity, framework=adopted,
                                     name="Annual return", report_to="Food Fund", period_kind="year")
    reporting.requirement_items_set(actor=admin_of(w.charity), acting_for=w.charity, requirement=r,
                                    items=[{"indicator": w.indicator("meals"), "external_name": "Meals"}])
    pdf = tmp_path / "r.pdf"
    assert run_cli("evaluation", "partner-report", r.pk, "--format", "pdf", "-o", pdf, "--period", "2025") == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    csv_file = tmp_path / "r.csv"
    assert run_cli("evaluation", "partner-report", r.pk, "--format", "csv", "-o", csv_file) == 0
    assert "Meals" in csv_file.read_text(encoding="utf-8-sig")
    assert run_cli("evaluation", "partner-report", 999999, "--format", "csv", "-o", csv_file) == 2
    assert run_cli("evaluation", "partner-report", r.pk, "--format", "csv", "-o", csv_file, "--period", "2025-Q1") == 2


def test_feedback_hide(adopted, capsys):
    from joinery.feedback import services as feedback

    w = adopted.world
    channel = feedback.channel_create(actor=w.lead, acting_for=w.city, partnership=w.p, title="Kitchen",
                                      service_name="Community kitchen")
    response = feedback.response_submit(channel=channel, going=1, trend="worse", feeling=1, comment="abuse")
    args = ("feedback", "hide", response.pk, "--reason", "Abusive language", "--acting-for", w.city.slug, "--as",
            w.lead.email)
    assert run_cli(*args) == 0
    assert "is hidden" in capsys.readouterr().out
    response.refresh_from_db()
    assert response.hidden_at is not None
    assert run_cli(*args) == 1  # already hidden
    assert run_cli("feedback", "hide", 999999, "--reason", "x", "--acting-for", w.city.slug, "--as", w.lead.email) == 2
