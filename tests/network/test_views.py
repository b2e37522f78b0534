"""Network pages: what a person sees and does, bad input, and query counts that stay flat."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinery.network.models import Decision, Partner
from tests.conftest import (
    add_role,
    admin_of,
    make_organisation,
    make_partnership,
    make_person,
    open_decision,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def test_private_partnership_is_hidden_from_outsiders(client, partnership):
    assert client.get(partnership.get_absolute_url()).status_code == 404
    client.force_login(make_person())
    assert client.get(partnership.get_absolute_url()).status_code == 404


def test_partner_sees_private_partnership(client, partnership, charity):
    client.force_login(admin_of(charity))
    page = client.get(partnership.get_absolute_url()).content.decode()
    assert "Eastside Food Bank" in page and "Eastside Municipality" in page


def test_create_partnership_shows_errors_and_saves_nothing(client, convener):
    client.force_login(admin_of(convener))
    response = client.post("/partnerships/new/", {"acting_for": convener.pk, "name": "", "purpose": "",
                                                  "visibility": "private", "decision_rule": "majority"})
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_name"' in body
    assert not Partner.objects.filter(organisation=convener).exists()


def test_create_partnership(client, convener):
    client.force_login(admin_of(convener))
    response = client.post("/partnerships/new/", {"acting_for": convener.pk, "name": "Harbour Alliance",
                                                  "purpose": "Clean harbour", "visibility": "public",
                                                  "decision_rule": "consent"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Harbour Alliance" in page and "Consent" in page


def test_duplicate_invitation_is_refused_on_the_form(client, partnership, convener):
    other = make_organisation(name="Riverside Library")
    client.force_login(admin_of(convener))
    url = f"/partnerships/{partnership.slug}/invite/"
    assert client.post(url, {"acting_for": convener.pk, "organisation": other.pk, "role": "partner"}).status_code == 302
    body = client.post(url, {"acting_for": convener.pk, "organisation": other.pk, "role": "partner"}).content.decode()
    assert "already been invited" in body
    assert partnership.invitations.filter(organisation=other).count() == 1


def test_position_after_closing_is_refused(client, partnership, charity):
    decision = open_decision(partnership)
    Decision.objects.filter(pk=decision.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(admin_of(charity))
    response = client.post(f"/partnerships/{partnership.slug}/decisions/{decision.pk}/position/",
                           {"acting_for": charity.pk, "stance": "agree"})
    assert response.status_code == 400
    assert not decision.positions.exists()


def test_record_position_and_close(client, partnership, charity, convener):
    decision = open_decision(partnership)
    client.force_login(admin_of(charity))
    url = f"/partnerships/{partnership.slug}/decisions/{decision.pk}/"
    response = client.post(url + "position/", {"acting_for": charity.pk, "stance": "object", "reason": ""})
    assert "Give the reason" in response.content.decode()
    client.post(url + "position/", {"acting_for": charity.pk, "stance": "agree"})
    client.force_login(admin_of(convener))
    client.post(url + "position/", {"acting_for": convener.pk, "stance": "agree"})
    Decision.objects.filter(pk=decision.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    client.post(url + "close/")
    page = client.get(url).content.decode()
    assert "Carried" in page


def test_charter_quorum_larger_than_partnership_is_refused(client, partnership, convener):
    client.force_login(admin_of(convener))
    response = client.post(f"/partnerships/{partnership.slug}/charter/edit/", {
        "acting_for": convener.pk, "expected_number": 1, "purpose": "Work together", "decision_rule": "majority",
        "quorum": 9, "change_note": "majority"})
    assert "larger than the partnership" in response.content.decode()
    assert partnership.charter_versions.count() == 1


def test_partnership_list_query_count_is_flat(client):
    person = make_person()
    client.force_login(person)
    make_partnership(visibility="public")
    few = count_queries(client, "/partnerships/")
    for _ in range(5):
        make_partnership(visibility="public", partners=[make_organisation()])
    assert count_queries(client, "/partnerships/") == few


def test_partnership_page_query_count_is_flat(client, partnership, convener):
    client.force_login(admin_of(convener))
    url = partnership.get_absolute_url()
    few = count_queries(client, url)
    from joinery.network import services

    for _ in range(5):
        org = make_organisation()
        inv = services.invitation_create(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                                         organisation=org)
        services.invitation_respond(actor=admin_of(org), invitation=inv, accept=True)
        open_decision(partnership)
    assert count_queries(client, url) == few


def test_decision_page_query_count_is_flat(client, partnership, convener, charity):
    decision = open_decision(partnership)
    client.force_login(admin_of(charity))
    url = decision.get_absolute_url()
    few = count_queries(client, url)
    from joinery.network import services

    decision2 = None
    for _ in range(5):
        org = make_organisation()
        inv = services.invitation_create(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                                         organisation=org)
        services.invitation_respond(actor=admin_of(org), invitation=inv, accept=True)
    decision2 = open_decision(partnership)
    for partner in partnership.partners.filter(status="active").select_related("organisation"):
        services.position_record(actor=admin_of(partner.organisation), decision=decision2,
                                 acting_for=partner.organisation, stance="agree")
    assert count_queries(client, decision2.get_absolute_url()) == few


def test_decision_list_and_activity_query_counts_are_flat(client, partnership, convener):
    client.force_login(admin_of(convener))
    open_decision(partnership)
    urls = [f"/partnerships/{partnership.slug}/decisions/", f"/partnerships/{partnership.slug}/activity/",
            "/network-map/", "/network-map.json", f"/partnerships/{partnership.slug}/charter/"]
    before = {u: count_queries(client, u) for u in urls}
    for _ in range(5):
        open_decision(partnership)
    from joinery.network import services

    services.charter_amend(actor=admin_of(convener), partnership=partnership, acting_for=convener, scope="More",
                           change_note="more")
    after = {u: count_queries(client, u) for u in urls}
    assert after == before


def test_network_map_has_a_table_equivalent(client):
    make_partnership(name="Open Streets", visibility="public", partners=[make_organisation(name="Bike Collective")])
    page = client.get("/network-map/").content.decode()
    assert "<table" in page and "Bike Collective" in page and "Open Streets" in page
    data = client.get("/network-map.json").json()
    assert {o["name"] for o in data["organisations"]} >= {"Bike Collective"}


def test_member_without_mfa_for_public_body_is_sent_to_mfa_setup(client, partnership, convener):
    member = make_person(mfa=False)
    add_role(convener, member, "coordinator")
    client.force_login(member)
    response = client.post(f"/partnerships/{partnership.slug}/decisions/new/", {
        "acting_for": convener.pk, "title": "T", "question": "Q",
        "closes_at": (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]
    assert not partnership.decisions.exists()
