"""Spam protection without third-party services: per-sender and per-form limits kept in the database,
and the honeypot. A refused attempt stores nothing and touches nothing already stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from joinery.feedback import services
from joinery.feedback.models import FeedbackResponse, FeedbackTally
from joinery.feedback.ratelimit import client_ip

from .conftest import at, stored_tallies, submit, tallies_by_hand

pytestmark = pytest.mark.django_db


def _state(channel):
    return (list(FeedbackResponse.objects.filter(channel=channel).values_list("pk", "hidden_at")),
            stored_tallies(channel))


def test_one_sender_sends_at_most_five_responses_per_form_per_hour(partnership, city, channel):
    for _ in range(services.PER_SENDER_PER_HOUR):
        submit(channel, ip="198.51.100.4")
    before = _state(channel)
    with pytest.raises(services.FeedbackFlood, match="last hour"):
        submit(channel, ip="198.51.100.4")
    assert _state(channel) == before
    submit(channel, ip="198.51.100.5")  # someone else
    from tests.conftest import admin_of

    other = services.channel_create(actor=admin_of(city), acting_for=city, partnership=partnership,
                                    title="Library", service_name="Library")
    submit(other, ip="198.51.100.4")  # the same sender, another form
    assert stored_tallies(channel) == tallies_by_hand(channel)


def test_typed_in_answers_do_not_count_against_a_sender_and_the_hash_changes_each_day(channel):
    # Answers typed in by a partner carry no sender hash: they never count against anyone.
    for _ in range(services.PER_SENDER_PER_HOUR):
        submit(channel, ip="198.51.100.9", when=at(2025, 1, 1))
    submit(channel, ip="198.51.100.9")
    now = dt.datetime(2026, 3, 1, 0, 20, tzinfo=dt.UTC)
    late = dt.datetime(2026, 2, 28, 23, 50, tzinfo=dt.UTC)
    assert services.client_hash("203.0.113.1", now) != services.client_hash("203.0.113.1", late)
    assert services.client_hash("203.0.113.1", now) == services.client_hash("203.0.113.1", now + dt.timedelta(hours=1))
    assert services.client_hash("", now) == ""


@override_settings(JOINERY_FEEDBACK_FLOOD_PER_MINUTE=3)
def test_a_flood_is_refused_with_a_clear_message_and_nothing_lost(channel):
    for _ in range(3):
        submit(channel)
    before = _state(channel)
    with pytest.raises(services.FeedbackFlood) as e:
        submit(channel)
    assert "too many responses" in e.value.messages[0]
    assert _state(channel) == before and FeedbackResponse.objects.count() == 3


@override_settings(JOINERY_FEEDBACK_FLOOD_PER_MINUTE=2)
def test_the_public_form_answers_429_keeping_what_was_typed(channel):
    for _ in range(2):
        submit(channel)
    before = _state(channel)
    r = Client().post(reverse("feedback:public_form", args=[channel.slug]),
                      {"going": "4", "trend": "better", "feeling": "5", "comment": "Lovely staff", "website": ""},
                      REMOTE_ADDR="203.0.113.50")
    assert r.status_code == 429
    html = r.content.decode()
    assert "govuk-error-summary" in html and "too many responses" in html
    assert "Lovely staff" in html and 'value="4" checked' in html
    assert _state(channel) == before


def test_the_public_form_limits_one_sender_over_the_web(channel):
    url = reverse("feedback:public_form", args=[channel.slug])
    data = {"going": "3", "trend": "same", "feeling": "3"}
    for _ in range(services.PER_SENDER_PER_HOUR):
        assert Client().post(url, data, REMOTE_ADDR="203.0.113.60").status_code == 302
    assert Client().post(url, data, REMOTE_ADDR="203.0.113.60").status_code == 429
    assert Client().post(url, data, REMOTE_ADDR="203.0.113.61").status_code == 302
    assert FeedbackResponse.objects.count() == services.PER_SENDER_PER_HOUR + 1


def test_a_filled_honeypot_gets_the_thanks_page_and_stores_nothing(channel):
    r = Client().post(reverse("feedback:public_form", args=[channel.slug]),
                      {"going": "1", "trend": "worse", "feeling": "1", "comment": "Buy pills", "website": "spam"})
    assert r.status_code == 302 and r["Location"] == reverse("feedback:thanks", args=[channel.slug])
    r = Client().post(reverse("feedback:public_form", args=[channel.slug]), {"website": "spam"})
    assert r.status_code == 302  # even an otherwise empty form: robots learn nothing
    assert not FeedbackResponse.objects.exists() and not FeedbackTally.objects.exists()


def test_the_client_address_trusts_only_our_own_proxy(settings):
    rf = RequestFactory()
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.8")
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_ip(request) == "10.0.0.1"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client_ip(request) == "192.0.2.8"
    assert client_ip(rf.get("/", REMOTE_ADDR="not-an-address")) == ""
