"""The agreement life cycle end to end through the services."""

import datetime as dt

import pytest

from joinery.agreements import services
from joinery.agreements.models import AgreementStatus
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person

pytestmark = pytest.mark.django_db


def test_draft_sign_and_come_into_force():
    city = make_organisation(name="City", sector="public", level="local")
    charity = make_organisation(name="Charity")
    p = make_partnership(convener=city, partners=[charity])
    signers = {}
    for org in (city, charity):
        signers[org.pk] = make_person(mfa=True)
        add_role(org, signers[org.pk], "signatory")
    lead = admin_of(city)
    a = services.agreement_create(actor=lead, partnership=p, acting_for=city, title="Shared plan",
                                  kind="partnering", parties=[charity], template="mou")
    clauses = list(services.live_clauses(a))
    assert len(clauses) == 5 and clauses[0].heading == "Purpose and shared vision"
    for c in clauses:
        services.clause_update(actor=lead, clause=c, acting_for=city, heading=c.heading, body="We agree.",
                               expected_revision=c.revision)
    services.commitment_add(actor=admin_of(charity), clause=clauses[1], acting_for=charity, party=charity,
                            kind="volunteer_hours", description="Kitchen volunteers", quantity=500, unit="hours",
                            period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 12, 31))
    v = services.agreement_send_for_signature(actor=lead, agreement=a, acting_for=city)
    for org in (city, charity):
        services.agreement_sign(actor=signers[org.pk], agreement=a, acting_for=org, fingerprint=v.fingerprint)
    a.refresh_from_db()
    assert a.status == AgreementStatus.IN_FORCE
    assert a.in_force_version == v
    assert "Kitchen volunteers" in v.canonical_text
