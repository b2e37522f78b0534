"""Helpers for the reporting and open data tests (H4): measurements and requirements through the services.

`fill(world)` reports, for 2025 (2026 is left empty):

    meals (sum, target 120 a quarter):   Q1 100, Q2 130 (corrected to 140), Q3 —,    Q4 150
    wait-days (mean, target 8):          Q1 7.5, Q2 8.25,                   Q3 9,    Q4 —
    trust (last, no target):             Q1 40,  Q2 —,                      Q3 55,   Q4 —
"""

from __future__ import annotations

from joinery.evaluation.models import Measurement
from joinery.evaluation.services import measurements as ms
from joinery.evaluation.services import reporting as services
from tests.conftest import admin_of


def report(world, code: str, period: str, value):
    ind = world.indicator(code)
    org = ind.reporting_partner
    return ms.measurement_report(actor=admin_of(org), acting_for=org, indicator=ind, period=period, value=value)


def correct(world, code: str, period: str, value, reason="The till was miscounted."):
    m = Measurement.objects.get(indicator=world.indicator(code), period=period, is_current=True)
    org = m.indicator.reporting_partner
    return ms.measurement_correct(actor=admin_of(org), acting_for=org, measurement=m, value=value, reason=reason)


def fill(world) -> None:
    for code, period, value in (("meals", "2025-Q1", "100"), ("meals", "2025-Q2", "130"), ("meals", "2025-Q4", "150"),
                                ("wait-days", "2025-Q1", "7.5"), ("wait-days", "2025-Q2", "8.25"),
                                ("wait-days", "2025-Q3", "9"),
                                ("trust", "2025-Q1", "40"), ("trust", "2025-Q3", "55")):
        report(world, code, period, value)
    correct(world, "meals", "2025-Q2", "140")


def requirement(world, *, org=None, period_kind="year", name="Annual return to the Lottery", items=True):
    org = org or world.charity
    r = services.requirement_create(actor=admin_of(org), acting_for=org, framework=world.fw, name=name,
                                    report_to="National Lottery Community Fund", period_kind=period_kind,
                                    reference="LOT-2025-77")
    if items:
        r = services.requirement_items_set(actor=admin_of(org), acting_for=org, requirement=r, items=[
            {"indicator": world.indicator("meals"), "external_name": "Hot meals provided", "external_code": "M1"},
            {"indicator": world.indicator("wait-days"), "external_name": "Average wait", "external_code": "W2"},
            {"indicator": world.indicator("trust"), "external_name": "Community trust", "external_code": ""},
        ])
    return r


def publish(world, codes=("meals", "trust"), *, is_published=True, **kw):
    fields = dict(title="Eastside results", description="What the Eastside partners achieve.",
                  licence="CC-BY-4.0", publisher="Eastside Renewal", contact_email="data@eastside.example")
    fields.update(kw)
    return services.publication_update(actor=world.lead, acting_for=world.city, framework=world.fw,
                                       is_published=is_published, indicators=[world.indicator(c) for c in codes],
                                       **fields)
