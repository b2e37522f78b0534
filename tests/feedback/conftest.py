"""Fixtures for citizen feedback, built through the services.

A municipality (the convener, a public body) and a food bank are partners; an outsider
organisation is not. The city runs a "Community kitchen" feedback form for a named service.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinery.feedback import services
from joinery.feedback.models import FeedbackResponse, FeedbackTally
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
    return make_partnership(convener=city, partners=[charity], name="Eastside Renewal", visibility="public")


@pytest.fixture
def channel(partnership, city):
    return services.channel_create(actor=admin_of(city), acting_for=city, partnership=partnership,
                                   title="Community kitchen", service_name="Community kitchen",
                                   introduction="Tell us about **lunch**.")


def at(year, month, day=15, hour=12):
    return timezone.make_aware(dt.datetime(year, month, day, hour))


_ip = iter(range(1, 10**6))


def submit(channel, going=4, trend="better", feeling=4, *, ip=None, when=None, **kw):
    """One response from a fresh address (so the per-sender limit stays out of the way) unless `ip` is given.

    With `when`, the convener types in an answer given on paper that day (`response_record`).
    """
    if when is not None:
        convener = channel.partnership.partners.get(role="convener").organisation
        return services.response_record(actor=admin_of(convener), acting_for=convener, channel=channel,
                                        submitted_at=when, going=going, trend=trend, feeling=feeling, **kw)
    if ip is None:
        n = next(_ip)
        ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    return services.response_submit(channel=channel, going=going, trend=trend, feeling=feeling, client_ip=ip, **kw)


def tallies_by_hand(channel) -> dict:
    """The monthly tallies recomputed from the visible responses: what the stored tallies must equal."""
    out: dict = {}
    for r in FeedbackResponse.objects.filter(channel=channel, hidden_at__isnull=True):
        month = timezone.localdate(r.submitted_at).replace(day=1)
        t = out.setdefault(month, {"responses": 0, "going_sum": 0, "feeling_sum": 0, "better": 0, "same": 0,
                                   "worse": 0, "unsure": 0})
        t["responses"] += 1
        t["going_sum"] += r.going
        t["feeling_sum"] += r.feeling
        t[r.trend] += 1
    return out


def stored_tallies(channel) -> dict:
    fields = ("responses", "going_sum", "feeling_sum", "better", "same", "worse", "unsure")
    rows = {t.month: {f: getattr(t, f) for f in fields} for t in FeedbackTally.objects.filter(channel=channel)}
    return {month: row for month, row in rows.items() if any(row.values())}  # an emptied month is all zeros
