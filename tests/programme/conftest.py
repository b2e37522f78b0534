"""Fixtures for the work programme: a city (convener), a food bank and a residents' association,
an agreement with commitments, and a programme. Everything is built through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinery.agreements import services as agreements
from joinery.network import services as network
from joinery.network.models import Decision
from joinery.programme import services
from tests.conftest import admin_of, make_organisation, make_partnership, make_person


class Cast:
    """A partnership (city convenes; food bank and residents are partners), one agreement, one programme."""

    def __init__(self, *, visibility: str = "private", name: str = "Eastside Renewal"):
        self.city = make_organisation(name=f"{name} City", sector="public", level="local")
        self.charity = make_organisation(name=f"{name} Food Bank")
        self.residents = make_organisation(name=f"{name} Residents", sector="community")
        self.p = make_partnership(convener=self.city, partners=[self.charity, self.residents], name=name,
                                  visibility=visibility)
        self.lead = admin_of(self.city)
        self.food = admin_of(self.charity)
        self.res = admin_of(self.residents)
        self.agreement = agreements.agreement_create(
            actor=self.lead, partnership=self.p, acting_for=self.city, title="Shared kitchen", kind="partnering",
            parties=[self.charity])
        clause = agreements.clause_add(actor=self.lead, agreement=self.agreement, acting_for=self.city,
                                       heading="Contributions", body="Each party contributes.")
        self.commitment = agreements.commitment_add(
            actor=self.lead, clause=clause, acting_for=self.city, party=self.charity, kind="staff_hours",
            description="Kitchen staff", quantity=100, unit="hours", period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31))
        self.programme = services.programme_create(actor=self.lead, acting_for=self.city, partnership=self.p,
                                                   title="Kitchen programme", agreement=self.agreement)

    def item(self, kind="task", title=None, owner=None, by=None, programme=None, **kw):
        by = by or self.city
        return services.work_item_create(actor=admin_of(by), acting_for=by, programme=programme or self.programme,
                                         kind=kind, title=title or f"A {kind}", owner=owner or by, **kw)

    def tree(self):
        """An objective → initiative → milestone → task chain."""
        o = self.item("objective", "Nobody goes hungry")
        i = self.item("initiative", "Community kitchen", parent=o, owner=self.charity)
        today = timezone.localdate()
        m = self.item("milestone", "Kitchen open", parent=i, due_date=today + dt.timedelta(days=90))
        t = self.item("task", "Buy ovens", parent=m, owner=self.charity, due_date=today + dt.timedelta(days=60))
        return o, i, m, t

    def adopt(self):
        self.programme = services.programme_adopt(actor=self.lead, acting_for=self.city, programme=self.programme)
        return self.programme

    def close(self, decision, stance="agree"):
        """Every partner takes `stance`, the clock passes closes_at, and the decision closes."""
        for org in (self.city, self.charity, self.residents):
            network.position_record(actor=admin_of(org), decision=decision, acting_for=org, stance=stance,
                                    reason="" if stance == "agree" else "No, because.")
        Decision.objects.filter(pk=decision.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
        return network.decision_close(actor=None, decision=Decision.objects.get(pk=decision.pk))


@pytest.fixture
def cast(db):
    return Cast()


@pytest.fixture
def public_cast(db):
    return Cast(visibility="public", name="Northside Open")


@pytest.fixture
def citizen(db):
    return make_person(name="Rosa Citizen")


def page_audit(response, status: int = 200):
    """tests.accounts.html_audit on our pages. A `<script type="application/json">` data block (json_script)
    is data, not script: the browser never runs it and our CSP does not block it, so it is left out."""
    import re

    from tests.accounts.html_audit import audit

    assert response.status_code == status, response.status_code
    original = response.content
    response.content = re.sub(rb'<script id="[-\w]+" type="application/json">.*?</script>', b"", original, flags=re.S)
    response.status_code = 200
    try:
        return audit(response)
    finally:
        response.content = original
        response.status_code = status
