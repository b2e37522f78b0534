"""Property-based test of the whole API against its own OpenAPI description (schemathesis).

Every operation gets generated requests (a bounded number each), authenticated as a
person with MFA who administers a partner organisation, with a read-write token.
Path parameters are sometimes real ids and short names so the requests reach past
the 404s. Every answer must be a documented status, not a server error, and match
the documented schema.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from joinery.network.models import Decision
from joinery.network.services import invitation_create
from tests.api.conftest import token_for
from tests.conftest import admin_of, make_organisation, make_partnership, make_person, open_decision

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def run_operation(operation, known: dict, key: str, cases: dict, statuses: dict) -> None:
    """Up to MAX_EXAMPLES generated requests to one operation, each checked against the description."""
    names = [p.name for p in operation.path_parameters]
    strategy = operation.as_strategy()
    if names and all(name in known for name in names):
        real = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
        strategy = st.one_of(strategy, real.flatmap(lambda values: operation.as_strategy(path_parameters=values)))

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case):
        # Each case starts from the same data: its writes are rolled back after the answer.
        with transaction.atomic():
            response = case.call(headers={"Authorization": f"Bearer {key}"})
            transaction.set_rollback(True)
        case.validate_response(response, checks=CHECKS)
        cases["count"] += 1
        statuses.setdefault(operation.label, Counter())[response.status_code] += 1

    check()


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, inside the test's transaction.

    The handler closes database connections at the end of each request; the test
    client switches that off, and so must we, or the test transaction would be lost.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_api_conforms_to_its_openapi_description(wsgi_app):
    person = make_person(mfa=True)
    charity = make_organisation(admin=person, name="Eastside Food Bank")
    convener = make_organisation(name="Eastside Municipality", sector="public", level="local")
    partnership = make_partnership(convener=convener, partners=[charity], name="Eastside Renewal")
    decision = open_decision(partnership)
    past = open_decision(partnership)
    Decision.objects.filter(pk=past.pk).update(closes_at=timezone.now())  # its closing time has come
    other = make_organisation(name="Youth Club")
    sent = invitation_create(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                             organisation=other)
    elsewhere = make_partnership(name="Westside Renewal")
    westside = elsewhere.partners.get().organisation
    received = invitation_create(actor=admin_of(westside), partnership=elsewhere, acting_for=westside,
                                 organisation=charity)
    key = token_for(person)
    known = {
        "slug": [partnership.slug, charity.slug],
        "decision_id": [decision.pk, past.pk],
        "partner_id": list(partnership.partners.values_list("pk", flat=True)),
        "invitation_id": [sent.pk, received.pk],
        "representative_id": list(charity.representatives.values_list("pk", flat=True)),
    }

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    schema.validate()
    cases = {"count": 0}
    statuses: dict[str, Counter] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:
        run_operation(operation, known, key, cases, statuses)

    print(f"\nschemathesis: {cases['count']} cases over {len(operations)} operations")
    for label, counter in statuses.items():
        print(f"  {label}: {dict(sorted(counter.items()))}")
    assert cases["count"] >= len(operations) * 5
