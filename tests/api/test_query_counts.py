"""Every API list costs the same number of queries however many rows it shows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinery.network import services as network_services
from joinery.organisations.services import jurisdiction_create
from tests.api.conftest import ApiClient, token_for
from tests.conftest import (
    add_role,
    admin_of,
    make_organisation,
    make_partnership,
    make_person,
    open_decision,
)

pytestmark = pytest.mark.django_db


def count_queries(client: ApiClient, path: str, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **query)
    assert response.status_code == 200, response.content
    return len(captured)


def _organisations(n, staff):
    parent = jurisdiction_create(actor=staff, name=f"Province {n}")
    for i in range(n):
        place = jurisdiction_create(actor=staff, name=f"Town {n}-{i}", parent=parent)
        make_organisation(name=f"Org {n}-{i}", sector="public", level="local", jurisdiction=place)
    return ApiClient(), "/organisations", {"limit": 100}


def _jurisdictions(n, staff):
    for i in range(n):
        jurisdiction_create(actor=staff, name=f"Region {n}-{i}")
    return ApiClient(), "/jurisdictions", {}


def _partnerships(n, staff):
    org = make_organisation(name=f"Busy {n}")
    for i in range(n):
        make_partnership(partners=[org], name=f"Busy {n}-{i}")
        make_partnership(name=f"Public {n}-{i}", visibility="public")
    return ApiClient(token_for(admin_of(org))), "/partnerships", {"limit": 100}


def _partners(n, staff):
    orgs = [make_organisation(name=f"Partner {n}-{i}") for i in range(n)]
    p = make_partnership(partners=orgs, name=f"Crowded {n}")
    leaving = p.partners.get(organisation=orgs[0])
    network_services.partner_withdraw(actor=admin_of(orgs[0]), partner=leaving, reason="Done")
    return ApiClient(token_for(admin_of(orgs[1]))), f"/partnerships/{p.slug}/partners", {"include_former": "true"}


def _partnership_invitations(n, staff):
    convener = make_organisation(name=f"Inviter {n}", sector="public", level="local")
    p = make_partnership(convener=convener, name=f"Inviting {n}")
    for i in range(n):
        network_services.invitation_create(actor=admin_of(convener), partnership=p, acting_for=convener,
                                           organisation=make_organisation(name=f"Invitee {n}-{i}"))
    return ApiClient(token_for(admin_of(convener))), f"/partnerships/{p.slug}/invitations", {}


def _my_invitations(n, staff):
    org = make_organisation(name=f"Popular {n}")
    for i in range(n):
        convener = make_organisation(name=f"Asker {n}-{i}", sector="public", level="local")
        p = make_partnership(convener=convener, name=f"Asking {n}-{i}")
        network_services.invitation_create(actor=admin_of(convener), partnership=p, acting_for=convener,
                                           organisation=org)
    return ApiClient(token_for(admin_of(org))), "/invitations", {}


def _charter_versions(n, staff):
    convener = make_organisation(name=f"Drafter {n}", sector="public", level="local")
    p = make_partnership(convener=convener, name=f"Drafting {n}", visibility="public")
    for i in range(n):
        network_services.charter_amend(actor=admin_of(convener), partnership=p, acting_for=convener,
                                       scope=f"Scope {i}", change_note=f"Change {i}")
    return ApiClient(), f"/partnerships/{p.slug}/charter/versions", {}


def _decisions(n, staff):
    p = make_partnership(name=f"Deciding {n}", visibility="public")
    for _ in range(n):
        open_decision(p)
    return ApiClient(), f"/partnerships/{p.slug}/decisions", {}


def _decision_detail(n, staff):
    orgs = [make_organisation(name=f"Voter {n}-{i}") for i in range(n)]
    p = make_partnership(partners=orgs, name=f"Voting {n}", visibility="public")
    d = open_decision(p)
    for org in orgs:
        network_services.position_record(actor=admin_of(org), decision=d, acting_for=org, stance="agree")
    return ApiClient(), f"/decisions/{d.pk}", {}


def _representatives(n, staff):
    org = make_organisation(name=f"Staffed {n}")
    for _ in range(n):
        add_role(org, make_person(), "member")
    return ApiClient(token_for(admin_of(org))), f"/organisations/{org.slug}/representatives", {
        "include_ended": "true"}


def _audit_events(n, staff):
    org = make_organisation(name=f"Audited {n}")
    for i in range(n):
        make_partnership(partners=[org], name=f"Audited {n}-{i}")
    return ApiClient(token_for(admin_of(org))), "/audit-events", {"limit": 100}


def _audit_events_staff(n, staff):
    for i in range(n):
        make_partnership(name=f"Everything {n}-{i}")
    return ApiClient(token_for(staff)), "/audit-events", {"limit": 100}


@pytest.mark.parametrize("setup", [
    _organisations, _jurisdictions, _partnerships, _partners, _partnership_invitations, _my_invitations,
    _charter_versions, _decisions, _decision_detail, _representatives, _audit_events, _audit_events_staff,
], ids=lambda f: f.__name__.strip("_"))
def test_list_query_count_does_not_grow_with_rows(setup, staff):
    client, path, query = setup(2, staff)
    few = count_queries(client, path, **query)
    client, path, query = setup(6, staff)
    many = count_queries(client, path, **query)
    assert many == few, f"{few} queries for a few rows, {many} for more"

