"""Under concurrent senders the tallies stay exact and the limits hold (PostgreSQL: real parallel
transactions; SQLite serialises writers, so these only run on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from joinery.feedback import services
from joinery.feedback.models import FeedbackResponse

from .conftest import stored_tallies, tallies_by_hand

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs parallel transactions")]


def _in_parallel(n, work):
    barrier = threading.Barrier(n)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            outcomes.append(work(i))
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_parallel_first_responses_of_a_month_keep_the_tally_exact(channel):
    outcomes = _in_parallel(8, lambda i: services.response_submit(
        channel=channel, going=i % 5 + 1, trend=["better", "same", "worse", "unsure"][i % 4], feeling=5 - i % 5,
        client_ip=f"192.0.2.{i + 1}"))
    assert all(isinstance(o, FeedbackResponse) for o in outcomes), outcomes
    assert stored_tallies(channel) == tallies_by_hand(channel)
    assert sum(t["responses"] for t in stored_tallies(channel).values()) == 8


def test_parallel_sends_from_one_sender_store_exactly_the_limit(channel):
    outcomes = _in_parallel(8, lambda i: services.response_submit(channel=channel, going=3, trend="same", feeling=3,
                                                                  client_ip="198.51.100.77"))
    assert sum(isinstance(o, FeedbackResponse) for o in outcomes) == services.PER_SENDER_PER_HOUR
    assert sum(isinstance(o, services.FeedbackFlood) for o in outcomes) == 8 - services.PER_SENDER_PER_HOUR
    assert stored_tallies(channel) == tallies_by_hand(channel)
