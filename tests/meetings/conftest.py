"""Fixtures for review meetings: a partnership of a municipality (convener) and a food bank, with helpers
that build what an agenda draws on through the real services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinery.meetings import services
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person


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


def at(days: float = 0, hour: int = 10) -> dt.datetime:
    """A time `days` from today at `hour` o'clock, in the site's zone."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def schedule(partnership, org, *, days: float = 7, title: str = "Quarterly review", **kw):
    starts = kw.pop("starts_at", at(days))
    ends = kw.pop("ends_at", starts + dt.timedelta(hours=2))
    return services.meeting_schedule(actor=admin_of(org), acting_for=org, partnership=partnership, title=title,
                                     starts_at=starts, ends_at=ends, location=kw.pop("location", "Town hall"), **kw)


def held_today(partnership, org, **kw):
    """A meeting that started up to an hour ago (today) and has ended, so its minutes can be recorded.

    Just after local midnight it starts at midnight and ends half-way to now: a meeting still running
    would be listed as upcoming, which changes what the list pages show (and how many queries they run)."""
    now = timezone.now()
    starts = now - dt.timedelta(hours=1)
    if timezone.localtime(starts).date() != timezone.localdate():
        starts = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(0, 0)))
    ends = starts + min(dt.timedelta(minutes=50), (now - starts) / 2)
    return schedule(partnership, org, starts_at=starts, ends_at=ends, **kw)


def overdue_task(partnership, org, *, title="Deliver the leaflets", days_late=10):
    from joinery.programme import services as programme

    p = programme.programme_for_actions(actor=admin_of(org), acting_for=org, partnership=partnership)
    return programme.work_item_create(actor=admin_of(org), acting_for=org, programme=p, kind="task", title=title,
                                      owner=org, due_date=timezone.localdate() - dt.timedelta(days=days_late))


def in_force_agreement(partnership, city, charity, *, title="Contribution agreement", review_in_days=None,
                       quantity=1200):
    """An agreement in force in which the food bank commits `quantity` hours over a year started 6 months ago."""
    from joinery.agreements import services as agreements

    lead = admin_of(city)
    review = timezone.localdate() + dt.timedelta(days=review_in_days) if review_in_days is not None else None
    a = agreements.agreement_create(actor=lead, partnership=partnership, acting_for=city, title=title,
                                    kind="contribution", parties=[charity], template="", review_date=review)
    clause = agreements.clause_add(actor=lead, agreement=a, acting_for=city, heading="Contributions",
                                   body="Each party contributes as set out below.")
    today = timezone.localdate()
    agreements.commitment_add(actor=lead, clause=clause, acting_for=city, party=charity, kind="volunteer_hours",
                              description="Volunteer hours at the pantry", quantity=quantity, unit="hours",
                              period_start=today - dt.timedelta(days=182), period_end=today + dt.timedelta(days=183))
    v = agreements.agreement_send_for_signature(actor=lead, agreement=a, acting_for=city)
    for org in (city, charity):
        signer = make_person(mfa=True)
        add_role(org, signer, "signatory")
        agreements.agreement_sign(actor=signer, agreement=a, acting_for=org, fingerprint=v.fingerprint)
    a.refresh_from_db()
    return a
