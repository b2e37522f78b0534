"""Helpers shared by the scorecard and thread tests: report and correct through the services, and a
framework with hand-checked values (the `reported` fixture)."""

from __future__ import annotations

import datetime as dt

from tests.conftest import admin_of

D = dt.date
AS_OF = D(2026, 2, 15)  # 2025-Q4 was due on 30 January; 2026-Q1 has started, with no value


def report(world, indicator, period, value, org=None):
    from joinery.evaluation.services.measurements import measurement_report

    org = org or indicator.reporting_partner
    return measurement_report(actor=admin_of(org), acting_for=org, indicator=indicator, period=period, value=value)


def correct(world, measurement, value):
    from joinery.evaluation.services.measurements import measurement_correct

    org = measurement.reported_for
    return measurement_correct(actor=admin_of(org), acting_for=org, measurement=measurement, value=value,
                               reason="Till records recounted.")


def build_reported(adopted):
    """meals: Q1 110, Q2 118, Q3 missing, Q4 130 corrected to 125 (target 120, baseline 100, higher);
    wait-days: Q3 8.5, Q4 9 (target 8, baseline 10, lower); trust: Q2 60, Q4 missing (no target or baseline)."""
    w = adopted.world
    meals, wait, trust = w.indicator("meals"), w.indicator("wait-days"), w.indicator("trust")
    report(w, meals, "2025-Q1", "110")
    report(w, meals, "2025-Q2", "118")
    m = report(w, meals, "2025-Q4", "130")
    correct(w, m, "125")
    report(w, wait, "2025-Q3", "8.5")
    report(w, wait, "2025-Q4", "9")
    report(w, trust, "2025-Q2", "60")
    return adopted




def link(world, indicator, *, commitments=None, work_items=None):
    from joinery.evaluation.services.framework import indicator_links_set

    return indicator_links_set(actor=world.lead, acting_for=world.city, indicator=indicator, commitments=commitments,
                               work_items=work_items)
