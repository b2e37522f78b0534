"""Shared fixtures: real database, real services. Build state through services, not raw inserts."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

_seq = itertools.count(1)

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, for test people with MFA


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache. allauth remembers used TOTP codes and rate-limit
    hits there, keyed by database ids that SQLite reuses after a rolled-back test, so a code
    used in one test could otherwise be refused as a replay in the next one."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _english_unless_asked():
    """Each test starts, and ends, in the default language. A request the test client makes in
    French leaves French active in the thread (LocaleMiddleware activates, nothing deactivates),
    so without this a later test on the same worker would read French messages."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The current TOTP code, computed the same way an authenticator app does.

    allauth accepts only the current 30-second window, so near the end of one we wait for the
    next: a code read in the last seconds of a window could expire before the server checks it
    (on a loaded machine a browser's round trip can take seconds).
    """
    import time

    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    left = 30 - time.time() % 30
    if left < 8:
        time.sleep(left + 0.2)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def make_person(email: str | None = None, *, name: str = "", password: str = "correct-horse-battery",
                mfa: bool = False, staff: bool = False):
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP

    from joinery.accounts.models import Person

    n = next(_seq)
    email = email or f"person{n}@example.org"
    person = Person.objects.create_user(email=email, password=password, full_name=name or f"Person {n}",
                                        is_staff=staff, is_superuser=staff)
    EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
    if mfa:
        TOTP.activate(person, TOTP_SECRET)
    return person


def make_organisation(*, admin=None, name: str | None = None, sector: str = "non_profit", level: str = "",
                      **fields):
    """Register an organisation through the service; `admin` (made if absent) administers it."""
    from joinery.organisations.services import organisation_create

    admin = admin or make_person(mfa=True)
    if sector == "public" and not level:
        level = "local"
    return organisation_create(actor=admin, name=name or f"Organisation {next(_seq)}", sector=sector,
                               level=level, **fields)


def add_role(organisation, person, role="member"):
    from joinery.organisations.models import Representative

    return Representative.objects.create(person=person, organisation=organisation, role=role,
                                         started_at=timezone.now())


def admin_of(organisation):
    return organisation.representatives.current().filter(role="admin").first().person


def make_partnership(*, convener=None, partners=(), rule: str = "consensus", quorum=None,
                     visibility: str = "private", name: str | None = None):
    """A partnership convened by `convener`, with `partners` joined via invitation and acceptance."""
    from joinery.network import services

    convener = convener or make_organisation(sector="public", level="local")
    p = services.partnership_create(actor=admin_of(convener), acting_for=convener,
                                    name=name or f"Partnership {next(_seq)}", purpose="Work together",
                                    visibility=visibility, decision_rule="consensus")
    for org in partners:
        inv = services.invitation_create(actor=admin_of(convener), partnership=p, acting_for=convener,
                                         organisation=org)
        services.invitation_respond(actor=admin_of(org), invitation=inv, accept=True)
    if rule != "consensus" or quorum:
        services.charter_amend(actor=admin_of(convener), partnership=p, acting_for=convener,
                               decision_rule=rule, quorum=quorum, change_note="rule for tests")
    return p


def open_decision(partnership, *, by=None, hours: float = 48):
    from joinery.network import services

    convener = partnership.partners.get(role="convener", status="active").organisation
    by = by or convener
    return services.decision_open(actor=admin_of(by), partnership=partnership, acting_for=by,
                                  title="Adopt the plan", question="Do we adopt the plan?",
                                  closes_at=timezone.now() + dt.timedelta(hours=hours))


@pytest.fixture
def person(db):
    return make_person()


@pytest.fixture
def staff(db):
    return make_person(staff=True, mfa=True)


@pytest.fixture
def convener(db):
    return make_organisation(name="Eastside Municipality", sector="public", level="local")


@pytest.fixture
def charity(db):
    return make_organisation(name="Eastside Food Bank", sector="non_profit")


@pytest.fixture
def partnership(db, convener, charity):
    return make_partnership(convener=convener, partners=[charity], name="Eastside Renewal")


def run_cli(*argv) -> int:
    """Run `joinery ARGV…` in this process (same database, same transaction); return its exit code."""
    from joinery.cli import main

    try:
        main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code
    return 0


@pytest.fixture
def wide_terminal(monkeypatch):
    """rich tables keep each row on one line, so tests can find a row's cells together."""
    monkeypatch.setenv("COLUMNS", "200")


def publish(partnership, *areas):
    """The convener shows `areas` of a public partnership to everyone (network/visibility.py)."""
    from joinery.network.services import publication_set

    convener = partnership.partners.get(role="convener").organisation
    return publication_set(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                           changes={a: True for a in areas})
