"""Reading the audit trail: administrators see all of it, partners their partnerships' part."""

import pytest

from joinery.audit.models import AuditEvent
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of, make_organisation, make_partnership

pytestmark = pytest.mark.django_db


def test_staff_see_every_event(staff):
    make_partnership(name="One")
    client = ApiClient(token_for(staff))
    body = client.get("/audit-events", limit=100).json()
    assert len(body["items"]) == AuditEvent.objects.count()
    ids = [e["id"] for e in body["items"]]
    assert ids == sorted(ids, reverse=True)


def test_partners_see_only_their_partnerships_events():
    mine_org = make_organisation(name="Mine")
    mine = make_partnership(partners=[mine_org], name="Mine Together")
    other = make_partnership(name="Someone Else's")
    client = ApiClient(token_for(admin_of(mine_org)))
    items = client.get("/audit-events", limit=100).json()["items"]
    assert items and {e["partnership_id"] for e in items} == {mine.pk}
    assert other.pk not in {e["partnership_id"] for e in items}


def test_filters_and_keyset_pages(staff):
    org = make_organisation(name="Filtered")
    partnership = make_partnership(partners=[org], name="Filtered Partnership")
    client = ApiClient(token_for(admin_of(org)))

    by_partnership = client.get("/audit-events", partnership=partnership.slug, limit=100).json()["items"]
    assert by_partnership and all(e["partnership_id"] == partnership.pk for e in by_partnership)
    invitations = client.get("/audit-events", object_type="network.invitation").json()["items"]
    assert invitations and all(e["object_type"] == "network.invitation" for e in invitations)

    first = client.get("/audit-events", partnership=partnership.slug, limit=2).json()
    assert len(first["items"]) == 2 and first["next_before_id"] == first["items"][-1]["id"]
    second = client.get("/audit-events", partnership=partnership.slug, limit=2,
                        before_id=first["next_before_id"]).json()
    assert all(e["id"] < first["next_before_id"] for e in second["items"])
    everything = [e["id"] for e in by_partnership]
    assert [e["id"] for e in first["items"] + second["items"]] == everything[:4]
    last = client.get("/audit-events", partnership=partnership.slug, limit=100).json()
    assert last["next_before_id"] is None


def test_an_outsider_cannot_read_a_private_partnerships_events():
    partnership = make_partnership(name="Secret")
    outsider = ApiClient(token_for(admin_of(make_organisation(name="Outside"))))
    assert outsider.get("/audit-events", partnership=partnership.slug).status_code == 404
    assert all(e["partnership_id"] != partnership.pk for e in outsider.get("/audit-events").json()["items"])


def test_the_public_cannot_read_a_public_partnerships_events(api):
    partnership = make_partnership(name="Open", visibility="public")
    outsider = ApiClient(token_for(admin_of(make_organisation(name="Curious"))))
    assert outsider.get("/audit-events", partnership=partnership.slug).status_code == 403
    assert api.get("/audit-events").status_code == 401
