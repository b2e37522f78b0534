"""Fixtures for the contributions ledger, built through the services.

The cast: a city (public body, the convener), a food bank (non-profit, identifier CH-123), a
hardware shop (private) and a residents' association (community) are partners; an outsider
organisation is not. Rates: staff hours 30 CAD, volunteer hours 20 CAD, from 2025-01-01.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from joinery.agreements import services as agreements
from joinery.audit.models import AuditEvent
from joinery.contributions import services
from joinery.contributions.models import Contribution, ContributionImport, ValuationRate
from joinery.notifications.models import Notification
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person

D = dt.date
YEAR_START, YEAR_END = D(2026, 1, 1), D(2026, 12, 31)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class World:
    def __init__(self, *, visibility: str = "private", name: str = "Eastside Renewal"):
        self.city = make_organisation(name=f"{name} City", sector="public", level="local")
        self.charity = make_organisation(name=f"{name} Food Bank", identifier_scheme="Charity number",
                                         identifier="CH-123")
        self.business = make_organisation(name=f"{name} Hardware", sector="private")
        self.residents = make_organisation(name=f"{name} Residents", sector="community")
        self.outsider = make_organisation(name=f"{name} Outsiders")
        self.p = make_partnership(convener=self.city, partners=[self.charity, self.business, self.residents],
                                  name=name, visibility=visibility)
        self.lead = admin_of(self.city)
        self._agreement = None

    def admin(self, org):
        return admin_of(org)

    def rates(self):
        staff = services.valuation_rate_set(
            actor=self.lead, acting_for=self.city, partnership=self.p, work_kind="staff-general",
            label="Staff time", hours_kind="staff_hours", hourly_rate="30.00", currency="CAD",
            valid_from=D(2025, 1, 1), basis="Average loaded cost of a program officer.")
        volunteer = services.valuation_rate_set(
            actor=self.lead, acting_for=self.city, partnership=self.p, work_kind="volunteer-general",
            label="Volunteering", hours_kind="volunteer_hours", hourly_rate="20.00", currency="CAD",
            valid_from=D(2025, 1, 1), basis="Provincial volunteer replacement value.")
        return staff, volunteer

    def agreement(self):
        """An agreement in force with commitments for 2026: food bank 12,000 CAD, city 50,000 CAD,
        residents 400 volunteer hours, hardware 12 rooms."""
        if self._agreement is not None:
            return self._agreement
        parties = [self.charity, self.residents, self.business]
        a = agreements.agreement_create(actor=self.lead, partnership=self.p, acting_for=self.city,
                                        title="Shared kitchen", kind="contribution", parties=parties)
        clause = agreements.clause_add(actor=self.lead, agreement=a, acting_for=self.city,
                                       heading="Contributions", body="Each party contributes.")
        self.commitments = {}
        for org, kind, qty, unit, desc in (
                (self.charity, "money", 12000, "CAD", "Kitchen grant"),
                (self.city, "money", 50000, "CAD", "Core funding"),
                (self.residents, "volunteer_hours", 400, "hours", "Volunteer helpers"),
                (self.business, "in_kind", 12, "rooms", "Meeting rooms")):
            self.commitments[org.pk] = agreements.commitment_add(
                actor=self.lead, clause=clause, acting_for=self.city, party=org, kind=kind, description=desc,
                quantity=qty, unit=unit, period_start=YEAR_START, period_end=YEAR_END)
        agreements.agreement_send_for_signature(actor=self.lead, agreement=a, acting_for=self.city)
        a.refresh_from_db()
        for org in [self.city, *parties]:
            signer = make_person(mfa=True, name=f"Signatory of {org.name}")
            add_role(org, signer, "signatory")
            agreements.agreement_sign(actor=signer, agreement=a, acting_for=org,
                                      fingerprint=a.signature_version.fingerprint)
        a.refresh_from_db()
        assert a.status == "in_force"
        self._agreement = a
        return a

    def commitment(self, org):
        self.agreement()
        return self.commitments[org.pk]

    def record(self, org=None, *, by=None, **kw):
        org = org or self.charity
        fields = dict(kind="money", description="Grant instalment", date=D(2026, 3, 31), quantity=Decimal("1000"),
                      currency="CAD")
        fields.update(kw)
        return services.contribution_record(actor=by or admin_of(org), acting_for=org, partnership=self.p,
                                            **fields)

    # volunteers (the partnership must be public for a citizen to sign up)
    def task(self, owner=None, wanted=3):
        from joinery.programme import services as programme

        owner = owner or self.charity
        prog = programme.programme_create(actor=self.lead, acting_for=self.city, partnership=self.p,
                                          title="Kitchen programme")
        return programme.work_item_create(actor=self.lead, acting_for=self.city, programme=prog, kind="task",
                                          title="Serve lunch", owner=owner, volunteers_wanted=wanted)

    def volunteer(self, item, *, name="Vera Volunteer", confirm=True):
        from joinery.programme import services as programme

        person = make_person(name=name)
        signup = programme.volunteer_signup(actor=person, item=item, message="Happy to help")
        if confirm:
            signup = programme.volunteer_signup_decide(actor=admin_of(item.owner), acting_for=item.owner,
                                                       signup=signup, confirm=True)
        return signup


def pdf_upload(name="receipt.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class NothingWritten:
    """Asserts that a refused call left no contribution, import, rate, audit event or notification behind."""

    MODELS = (Contribution, ContributionImport, ValuationRate, AuditEvent, Notification)

    def __enter__(self):
        self.before = self._counts()
        return self

    def __exit__(self, *exc):
        assert self._counts() == self.before
        return False

    def _counts(self):
        return {m.__name__: m.objects.count() for m in self.MODELS}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def w(db) -> World:
    world = World()
    world.rates()
    return world


@pytest.fixture
def pw(db) -> World:
    """A public partnership, so that citizens can volunteer."""
    world = World(visibility="public", name="Northside Open")
    world.rates()
    return world
