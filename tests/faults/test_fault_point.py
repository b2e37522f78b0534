"""The fault point itself: nothing unless JOINERY_FAULT_PAUSE names it (docs/faults.md)."""

from __future__ import annotations

import os

from django.core import checks

from joinery.core.faults import fault_point


def test_a_fault_point_does_nothing_unless_named(settings, tmp_path):
    settings.JOINERY_FAULT_PAUSE = frozenset()
    settings.JOINERY_FAULT_MARKER = str(tmp_path / "marker")
    fault_point("agreement.sign")
    assert not (tmp_path / "marker").exists()
    assert not [m for m in checks.run_checks() if m.id == "core.W201"]


def test_a_named_fault_point_marks_and_pauses(settings, tmp_path):
    settings.JOINERY_FAULT_PAUSE = frozenset({"agreement.sign"})
    settings.JOINERY_FAULT_MARKER = str(tmp_path / "marker")
    settings.JOINERY_FAULT_PAUSE_SECONDS = 0
    fault_point("contributions.import")  # not named
    fault_point("agreement.sign")
    assert (tmp_path / "marker").read_text() == f"agreement.sign {os.getpid()}\n"
    warnings = [m for m in checks.run_checks() if m.id == "core.W201"]
    assert warnings and "agreement.sign" in warnings[0].msg
