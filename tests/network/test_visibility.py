"""What the public sees: safe defaults, the convener publishes more, through a decision where the charter says."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from joinery.audit.models import AuditEvent
from joinery.network import services
from joinery.network.models import Decision, DecisionKind
from joinery.network.visibility import AREAS, can_see
from tests.conftest import admin_of, make_organisation, make_partnership, make_person, publish

pytestmark = pytest.mark.django_db


def test_defaults_keep_negotiation_among_the_partners(client):
    city, charity = make_organisation(name="City"), make_organisation(name="Food Bank")
    p = make_partnership(convener=city, partners=[charity], visibility="public")
    anonymous = client.get("/").wsgi_request.user
    shown = {key for key in AREAS if can_see(anonymous, p, key)}
    assert shown == {"charter", "decisions", "agreements", "work", "scorecards"}
    assert all(can_see(admin_of(charity), p, key) for key in AREAS)
    assert client.get(reverse("risks:register", args=[p.slug])).status_code == 403
    assert client.get(reverse("network:charter", args=[p.slug])).status_code == 200


def test_the_convener_publishes_the_risk_register_and_it_is_audited(client):
    city, charity = make_organisation(name="City"), make_organisation(name="Food Bank")
    p = make_partnership(convener=city, partners=[charity], visibility="public")
    publish(p, "risks")
    assert client.get(reverse("risks:register", args=[p.slug])).status_code == 200
    assert client.get(f"/api/v1/partnerships/{p.slug}/risks").status_code == 200
    event = AuditEvent.objects.filter(action="partnership.publication_changed").get()
    assert event.after["changed"] == {"risks": True}
    page = client.get(reverse("network:publication", args=[p.slug]))
    assert page.status_code == 200 and "changed from the default" in page.content.decode()


def test_only_the_convener_changes_it_and_a_private_partnership_shows_nothing():
    city, charity = make_organisation(name="City"), make_organisation(name="Food Bank")
    p = make_partnership(convener=city, partners=[charity], visibility="public")
    with pytest.raises(Exception, match="convener|permission"):
        services.publication_set(actor=admin_of(charity), partnership=p, acting_for=charity, changes={"risks": True})
    private = make_partnership(convener=city, partners=[charity])
    with pytest.raises(Exception, match="private"):
        publish(private, "risks")
    assert not can_see(make_person(), private, "charter")


def test_where_the_charter_requires_it_a_decision_makes_the_change():
    city, charity = make_organisation(name="City"), make_organisation(name="Food Bank")
    p = make_partnership(convener=city, partners=[charity], visibility="public")
    services.charter_amend(actor=admin_of(city), partnership=p, acting_for=city, changes_need_decision=True)
    d = publish(p, "minutes")
    assert isinstance(d, Decision) and d.kind == DecisionKind.PUBLICATION
    p.refresh_from_db()
    assert p.publication == {}
    for org in (city, charity):
        services.position_record(actor=admin_of(org), decision=d, acting_for=org, stance="agree")
    Decision.objects.filter(pk=d.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    services.decision_close(actor=admin_of(city), decision=d, acting_for=city)
    p.refresh_from_db()
    assert p.publication == {"minutes": True}
