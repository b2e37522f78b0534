"""The ledger's reads: pages, totals, the investment by sector and partner, commitments against actuals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinery.contributions import selectors, services
from tests.conftest import admin_of, make_person

from .conftest import D

pytestmark = pytest.mark.django_db


def test_the_ledger_pages_by_keyset_newest_first(w):
    made = [w.record(quantity=n + 1, date=D(2026, 1, 1 + n), description=f"Gift {n}") for n in range(7)]
    first = selectors.ledger(partnership=w.p, limit=3)
    assert [c.pk for c in first.rows] == [c.pk for c in reversed(made)][:3] and first.next_cursor
    second = selectors.ledger(partnership=w.p, limit=3, after=first.next_cursor)
    third = selectors.ledger(partnership=w.p, limit=3, after=second.next_cursor)
    seen = [c.pk for page in (first, second, third) for c in page.rows]
    assert seen == [c.pk for c in reversed(made)] and third.next_cursor == "" and not second.first_page
    assert selectors.ledger(partnership=w.p, after="garbage").first_page  # a bad cursor: the first page


def test_ledger_filters_and_totals(w):
    w.record(quantity=100, description="Grant for food")
    w.record(w.city, kind="staff_hours", quantity=10, currency="", description="Staff")
    gone = w.record(w.business, quantity=50, description="Withdrawn gift")
    services.contribution_withdraw(actor=admin_of(w.business), acting_for=w.business, contribution=gone,
                                   reason="Duplicate")
    f = selectors.LedgerFilters
    assert [c.description for c in selectors.ledger(partnership=w.p, filters=f(q="food")).rows] == ["Grant for food"]
    assert len(selectors.ledger(partnership=w.p, filters=f(sector="public")).rows) == 1
    assert len(selectors.ledger(partnership=w.p, filters=f(include_withdrawn=True)).rows) == 3
    totals = selectors.ledger_totals(partnership=w.p)
    assert totals["values"] == [{"currency": "CAD", "value": Decimal("400.00")}]
    assert totals["hours"] == Decimal("10") and totals["count"] == 2


def test_the_investment_by_sector_and_partner_includes_citizens(w):
    w.record(w.city, quantity=6000, description="City money")                       # public 6,000
    w.record(w.charity, quantity=2000, description="Food bank money")               # non-profit 2,000
    w.record(w.business, kind="in_kind", quantity=2, unit="rooms", currency="CAD", value=1000,
             description="Rooms")                                                   # private 1,000
    w.record(w.residents, kind="data", quantity=1, unit="dataset", currency="", description="Survey")  # not valued
    volunteer = make_person(name="Resident")
    w.record(w.residents, kind="volunteer_hours", quantity=10, currency="", person=volunteer,
             description="Door knocking")                                           # citizens 10 h = 200
    w.record(w.residents, kind="volunteer_hours", quantity=40, people=5, currency="", description="Clean-up")  # 800
    w.record(w.charity, quantity=500, currency="EUR", description="From a sister charity")  # another currency
    gone = w.record(w.city, quantity=99999, description="Mistake")
    services.contribution_withdraw(actor=w.lead, acting_for=w.city, contribution=gone, reason="Wrong")

    with CaptureQueriesContext(connection) as ctx:
        s = selectors.investment_summary(partnership=w.p)
    assert len(ctx.captured_queries) == 2
    assert s["main_currency"] == "CAD" and s["main_total"] == Decimal("10000.00")
    by_sector = {r["sector"]: r for r in s["by_sector"]}
    assert [r["sector"] for r in s["by_sector"]] == ["public", "non_profit", "private", "community", "citizens"]
    assert by_sector["public"]["main_value"] == Decimal("6000.00") and by_sector["public"]["share"] == 60
    assert by_sector["non_profit"]["main_value"] == Decimal("2000.00")
    assert by_sector["non_profit"]["values"] == [{"currency": "CAD", "value": Decimal("2000.00")},
                                                 {"currency": "EUR", "value": Decimal("500.00")}]
    assert by_sector["private"]["main_value"] == Decimal("1000.00")
    assert by_sector["community"]["main_value"] == Decimal("800.00") and by_sector["community"]["unvalued"] == 1
    assert by_sector["citizens"]["main_value"] == Decimal("200.00") and by_sector["citizens"]["hours"] == 10
    assert s["government"] == Decimal("6000.00") and s["non_government"] == Decimal("4000.00")
    assert s["non_government_share"] == 40
    partners = {r["name"]: r for r in s["by_partner"]}
    assert partners[w.residents.name]["hours"] == 40 and partners[w.residents.name]["main_value"] == 800
    assert s["by_partner"][-1]["organisation"] is None and s["by_partner"][-1]["main_value"] == 200
    assert s["by_partner"][0]["organisation"] == w.city
    text = " ".join(s["sentences"])
    assert "Non-government partners and citizens put in 40% of the valued investment" in text
    assert "Citizens gave 10 volunteer hours, valued at CAD 200.00 (2% of the total)" in text
    assert f"Outside government, {w.charity.name} contributed the most" in text
    assert "EUR" in text


def test_commitments_against_actuals_and_the_quarterly_trend(w):
    w.record(quantity=3000, date=D(2026, 2, 15), commitment=w.commitment(w.charity))
    w.record(quantity=1000, date=D(2026, 5, 15), commitment=w.commitment(w.charity))
    w.record(w.residents, kind="volunteer_hours", quantity=100, people=10, currency="", date=D(2026, 3, 10),
             commitment=w.commitment(w.residents), description="Helpers")
    with CaptureQueriesContext(connection) as ctx:
        vs = selectors.commitments_vs_actuals(partnership=w.p, as_of=D(2026, 7, 1))
    assert len(ctx.captured_queries) == 2
    rows = {r.commitment.party_id: r for r in vs["rows"]}
    food = rows[w.charity.pk]
    assert (food.committed, food.contributed, food.gap, food.percent) == (Decimal("12000.00"), Decimal("4000.00"),
                                                                          Decimal("8000.00"), 33)
    assert food.expected_by_now == Decimal("5983.56")  # 182 of 365 days
    assert food.behind and vs["quarters"] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert food.trend == [Decimal("3000.00"), Decimal("1000.00"), Decimal("0.00")]
    assert rows[w.residents.pk].contributed == Decimal("100.00")
    q1 = selectors.commitments_vs_actuals(partnership=w.p, period=selectors.parse_period("2026-Q1"),
                                          as_of=D(2026, 7, 1))
    food_q1 = next(r for r in q1["rows"] if r.commitment.party_id == w.charity.pk)
    assert food_q1.committed == Decimal("2958.90") and food_q1.contributed == Decimal("3000.00")
    assert not food_q1.behind


def test_commitments_behind_is_the_contract_the_agenda_relies_on(w):
    w.record(quantity=6000, date=D(2026, 1, 20), commitment=w.commitment(w.charity))   # ahead of 12,000/yr
    w.record(w.city, quantity=1000, date=D(2026, 2, 1), commitment=w.commitment(w.city))  # behind 50,000/yr
    with CaptureQueriesContext(connection) as ctx:
        behind = selectors.commitments_behind(partnership=w.p, as_of=D(2026, 3, 31))
    assert len(ctx.captured_queries) == 2
    # Worst shortfall first: nothing yet from the hardware shop and the residents, then the city.
    assert [r["commitment"].party for r in behind] == [w.business, w.residents, w.city]
    city = behind[2]
    assert set(city) >= {"commitment", "committed", "contributed", "expected_by_now", "gap"}
    assert city["committed"] == Decimal("50000.00") and city["contributed"] == Decimal("1000.00")
    assert city["expected_by_now"] == Decimal("12328.77")  # 90 of 365 days
    assert city["gap"] == Decimal("11328.77") and city["unit"] == "CAD"
    assert selectors.commitments_behind(partnership=w.p, as_of=D(2025, 12, 31)) == []  # not started yet


def test_parse_period():
    assert selectors.parse_period("2026") == (D(2026, 1, 1), D(2026, 12, 31))
    assert selectors.parse_period("2026-q4") == (D(2026, 10, 1), D(2026, 12, 31))
    assert selectors.parse_period("2026-Q5") is None and selectors.parse_period("") is None
