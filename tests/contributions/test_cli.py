"""`joinery contributions import|export`: the same services, a progress bar, and an exit code."""

from __future__ import annotations

import io

import openpyxl
import pytest

from joinery.contributions.models import Contribution, ContributionImport
from tests.conftest import admin_of, run_cli

from .test_import import GOOD, csv_bytes

pytestmark = pytest.mark.django_db



def test_import_a_file_from_the_command_line(w, tmp_path, capsys):
    path = tmp_path / "q1.csv"
    path.write_bytes(csv_bytes(GOOD))
    code = run_cli("contributions", "import", str(path), "--partnership", w.p.slug, "--acting-for", str(w.charity.pk),
               "--as", admin_of(w.charity).email)
    out = capsys.readouterr().out
    assert code == 0 and "Imported 3 contribution(s) from q1.csv" in out
    assert Contribution.objects.filter(batch__filename="q1.csv").count() == 3


def test_a_file_with_errors_prints_the_report_and_exits_non_zero(w, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(GOOD + [["2026-03-01", "", "", "money", "Refund", "-200", "XYZ", "", "", "", "", "",
                                        ""]]))
    code = run_cli("contributions", "import", str(path), "--partnership", w.p.slug, "--acting-for", w.charity.slug,
               "--as", admin_of(w.charity).email)
    captured = capsys.readouterr()
    assert code == 1
    assert "nothing was imported" in captured.out and "quantity" in captured.out and "currency" in captured.out
    assert "2 problem(s)" in captured.err
    assert Contribution.objects.count() == 0 and ContributionImport.objects.get().status == "rejected"


def test_bad_arguments_and_unreadable_files_are_refused(w, tmp_path, capsys):
    email = admin_of(w.charity).email
    assert run_cli("contributions", "import", str(tmp_path / "missing.csv"), "--partnership", w.p.slug,
               "--acting-for", w.charity.slug, "--as", email) == 2
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02garbage")
    assert run_cli("contributions", "import", str(junk), "--partnership", w.p.slug, "--acting-for", w.charity.slug,
               "--as", email) == 1
    assert "not a CSV or XLSX" in capsys.readouterr().err
    assert "No partnership" in str(run_cli("contributions", "import", str(junk), "--partnership", "nope",
                                       "--acting-for", w.charity.slug, "--as", email))
    assert run_cli("contributions", "import", str(junk), "--partnership", w.p.slug, "--acting-for", w.outsider.slug,
               "--as", admin_of(w.outsider).email) == 1
    assert "Refused" in capsys.readouterr().err
    assert Contribution.objects.count() == 0


def test_export_to_a_file(w, tmp_path, capsys):
    w.record(description="Grant from the food bank")
    out = tmp_path / "ledger.xlsx"
    assert run_cli("contributions", "export", "--partnership", w.p.slug, "--format", "xlsx", "-o", str(out)) == 0
    sheet = openpyxl.load_workbook(io.BytesIO(out.read_bytes())).active
    assert sheet.cell(row=2, column=5).value == "Grant from the food bank"
    assert run_cli("contributions", "export", "--partnership", w.p.slug, "--format", "csv", "-o", "-") == 0
    assert "Grant from the food bank" in capsys.readouterr().out
