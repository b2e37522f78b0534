"""Importing measurements from CSV and XLSX: all or nothing, with a report row by row."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import ValidationError
from joinery.evaluation import exports, importing
from joinery.evaluation.models import Measurement, MeasurementImport
from joinery.evaluation.services import measurements as services
from tests.conftest import admin_of


def csv_bytes(*lines: str, encoding="utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def do_import(adopted, org, data, filename="values.csv"):
    return services.measurements_import(actor=admin_of(org), acting_for=org, framework=adopted, filename=filename,
                                        data=data)


def test_a_good_file_imports_every_row_and_corrects_with_a_reason(adopted):
    w = adopted.world
    first = services.measurement_report(actor=w.lead, acting_for=w.city, indicator=w.indicator("wait-days"),
                                        period="2025-Q1", value="9")
    data = csv_bytes("indicator,period,value,unit,note,correction_reason",
                     "meals,2025-Q1,130,meals,Till count,",
                     "meals,2025-Q2,\"1,250\",,,",
                     "wait-days,2025-Q1,8.5,days,,Referral system double-counted",
                     "wait-days,2025-Q2,7.25,,,")
    progress = []
    batch = services.measurements_import(actor=w.lead, acting_for=w.city, framework=adopted, filename="q.csv",
                                         data=data, progress=lambda done, total: progress.append((done, total)))
    assert (batch.status, batch.rows, batch.report) == ("imported", 4, [])
    assert progress[-1] == (4, 4)
    current = {(m.indicator.code, m.period): m for m in Measurement.objects.filter(is_current=True)
               .select_related("indicator")}
    assert current[("meals", "2025-Q2")].value == Decimal("1250")
    corrected = current[("wait-days", "2025-Q1")]
    assert (corrected.value, corrected.replaces_id, corrected.correction_reason) == (
        Decimal("8.5"), first.pk, "Referral system double-counted")
    assert all(m.batch_id == batch.pk and m.source == "import" for m in current.values() if m.pk != first.pk)
    first.refresh_from_db()
    assert first.is_current is False
    assert AuditEvent.objects.filter(action="evaluation.measurements_imported", object_id=str(batch.pk)).exists()


def test_a_file_with_problems_imports_nothing_and_keeps_its_report(adopted):
    w = adopted.world
    services.measurement_report(actor=admin_of(w.charity), acting_for=w.charity, indicator=w.indicator("meals"),
                                period="2025-Q3", value="100")
    data = csv_bytes("indicator,period,value,unit,correction_reason",
                     "meals,2025-Q1,130,meals,",          # 2: fine
                     "soup,2025-Q1,1,,",                  # 3: unknown indicator
                     "meals,2025-Q2,12.5,,",              # 4: wrong type
                     "meals,2025-Q4,100,kg,",             # 5: wrong unit
                     "meals,2027-Q1,100,,",               # 6: outside the framework
                     "wait-days,2025-Q1,3,,",             # 7: not the reporting partner
                     "meals,2026-Q1,100,,",               # 8: duplicate of 9
                     "meals,2026-Q1,101,,",               # 9: duplicate of 8
                     "meals,2025-Q3,101,,",               # 10: already reported, no reason
                     "meals,2026-Q2,5,,Wrong",            # 11: nothing to correct
                     )
    with pytest.raises(services.ImportRejected) as exc:
        do_import(adopted, w.charity, data)
    report = exc.value.report
    assert [(r["row"], r["column"]) for r in report] == [
        (3, "indicator"), (4, "value"), (5, "unit"), (6, "period"), (7, "indicator"), (8, "period"), (9, "period"),
        (10, "value"), (11, "correction_reason")]
    by_row = {r["row"]: r for r in report}
    assert "wrong unit" in by_row[5]["problem"]
    assert "also row 9" in by_row[8]["problem"] and "also row 8" in by_row[9]["problem"]
    assert "correct it instead" in by_row[10]["problem"]
    assert all(r["fix"] for r in report)
    assert Measurement.objects.count() == 1
    batch = MeasurementImport.objects.get()
    assert (batch.status, batch.rows, len(batch.report)) == ("rejected", 10, 9)
    assert exc.value.batch == batch
    assert AuditEvent.objects.filter(action="evaluation.measurement_import_rejected").count() == 1


@pytest.mark.parametrize(("data", "text"), [
    (b"", "empty"),
    (b"   \n", "empty"),
    ("indicator,period,value\nmeals,2025-Q1,caf\xe9\n".encode("latin-1"), "not UTF-8"),
    (b"indicator,value\nmeals,3\n", "no column for: period"),
    (b"indicator,period,value,colour\nmeals,2025-Q1,3,red\n", "columns we do not know"),
    (b"indicator,period,value\n", "no measurements"),
])
def test_unreadable_files_write_nothing(adopted, data, text):
    w = adopted.world
    with pytest.raises(ValidationError) as exc:
        do_import(adopted, w.charity, data)
    assert text in exc.value.message_dict["file"][0]
    assert not MeasurementImport.objects.exists() and not Measurement.objects.exists()


def test_xlsx_import_and_export_round_trip(adopted):
    import openpyxl

    w = adopted.world
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["indicator", "period", "value", "note"])
    ws.append(["meals", "2025-Q1", 130, "-3 left early"])
    ws.append(["meals", "2025-Q2", 140.0, None])
    buf = io.BytesIO()
    wb.save(buf)
    batch = do_import(adopted, w.charity, buf.getvalue(), filename="values.xlsx")
    assert batch.rows == 2
    data, content_type, filename = exports.export_measurements(framework=adopted, fmt="csv")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("indicator,period,value,unit,note,correction_reason,id")
    assert "meals,2025-Q2,140,meals," in text
    assert "'-3 left early" in text  # a formula is written as text
    table = importing.read_table(filename, data)
    assert [r[1]["value"] for r in table.rows] == ["130", "140"]
    xlsx, content_type, filename = exports.export_measurements(framework=adopted, fmt="xlsx")
    assert filename.endswith(".xlsx") and xlsx[:2] == b"PK"
