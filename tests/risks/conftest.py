"""Fixtures for the risk register: a partnership of a municipality (convener) and a food bank."""

import pytest

from joinery.risks import services
from tests.conftest import admin_of, make_organisation, make_partnership


@pytest.fixture
def city(db):
    return make_organisation(name="Eastside Municipality", sector="public", level="local")


@pytest.fixture
def charity(db):
    return make_organisation(name="Eastside Food Bank")


@pytest.fixture
def outsider(db):
    return make_organisation(name="Westside Trust")


@pytest.fixture
def partnership(city, charity):
    return make_partnership(convener=city, partners=[charity], name="Eastside Renewal")


REASON = "Trying a volunteer-led delivery model is how we learn whether it can reach more households."


def make_risk(partnership, acting_for, *, owner=None, likelihood=3, impact=3, title="Volunteers drop out", **kw):
    return services.risk_create(actor=admin_of(acting_for), acting_for=acting_for, partnership=partnership,
                                title=title, cause="Summer holidays", consequence="Deliveries stop",
                                likelihood=likelihood, impact=impact, owner=owner or acting_for, **kw)


def set_appetite(partnership, city, threshold=9, statement="We take risks to learn, not with people's safety."):
    return services.risk_appetite_set(actor=admin_of(city), acting_for=city, partnership=partnership,
                                      threshold=threshold, statement=statement)
