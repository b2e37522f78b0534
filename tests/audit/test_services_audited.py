"""Every write leaves an audit event in the same transaction: who, for whom, what, before and after."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from joinery.audit.models import AuditChainHead, AuditEvent
from joinery.audit.selectors import verify_chain
from joinery.audit.services import record_event
from joinery.core.exceptions import ValidationError
from joinery.network import services as network
from joinery.network.models import Decision, Partner
from joinery.notifications.models import Notification
from joinery.organisations import services as organisations
from tests.conftest import admin_of, make_organisation, make_partnership, make_person, open_decision

pytestmark = pytest.mark.django_db


@contextmanager
def new_events():
    """Collect the audit events written inside the block, oldest first."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    events: list[AuditEvent] = []
    yield events
    events.extend(AuditEvent.objects.filter(id__gt=last).order_by("id").select_related("actor", "acting_for"))


def summary(events):
    return [(e.action, e.actor, e.acting_for) for e in events]


# --- organisations -------------------------------------------------------------------------

def test_registering_an_organisation_is_audited(person):
    with new_events() as events:
        org = organisations.organisation_create(actor=person, name="Eastside Food Bank", sector="non_profit")
    assert summary(events) == [("organisation.created", person, None), ("representative.added", person, org)]
    created = events[0]
    assert (created.object_type, created.object_id, created.object_repr) == (
        "organisations.organisation", str(org.pk), "Eastside Food Bank")
    assert created.after["name"] == "Eastside Food Bank" and created.before is None
    assert events[1].after == {"person": person.pk, "organisation": org.pk, "role": "admin"}


def test_an_update_records_before_and_after(charity):
    admin = admin_of(charity)
    with new_events() as events:
        organisations.organisation_update(actor=admin, organisation=charity, phone="555-0100")
    [event] = events
    assert summary(events) == [("organisation.updated", admin, charity)]
    assert (event.before["phone"], event.after["phone"]) == ("", "555-0100")


def test_representatives_added_ended_and_handed_over_are_audited(charity):
    admin, leaving, successor = admin_of(charity), make_person(), make_person()
    with new_events() as events:
        organisations.representative_add(actor=admin, organisation=charity, person=leaving, role="coordinator")
        organisations.representative_add(actor=admin, organisation=charity, person=successor, role="member")
        new = organisations.representative_hand_over(actor=admin, organisation=charity, leaving=leaving,
                                                     successor=successor, reason="Retiring")
        organisations.representative_end(actor=admin, representative=new[0], reason="Short stint")
    assert summary(events) == [
        ("representative.added", admin, charity),
        ("representative.added", admin, charity),
        ("representative.ended", admin, charity),
        ("representative.added", admin, charity),
        ("representative.ended", admin, charity),
    ]
    assert events[2].after == {"reason": "Retiring", "successor": successor.pk}
    assert events[4].after == {"reason": "Short stint"}


def test_closing_an_organisation_is_audited(charity):
    admin = admin_of(charity)
    with new_events() as events:
        organisations.organisation_close(actor=admin, organisation=charity, reason="Wound up")
    assert summary(events) == [("organisation.closed", admin, charity)]
    assert events[0].after == {"reason": "Wound up"}


def test_creating_a_jurisdiction_is_audited(staff):
    with new_events() as events:
        province = organisations.jurisdiction_create(actor=staff, name="Ontario")
        organisations.jurisdiction_create(actor=staff, name="Toronto", parent=province)
    assert [e.action for e in events] == ["jurisdiction.created"] * 2
    assert events[1].after == {"name": "Toronto", "parent": province.pk}


# --- the network ---------------------------------------------------------------------------

def test_starting_a_partnership_is_audited(convener):
    admin = admin_of(convener)
    with new_events() as events:
        p = network.partnership_create(actor=admin, acting_for=convener, name="Eastside Renewal", purpose="Renew")
    assert summary(events) == [
        ("partnership.created", admin, convener),
        ("partner.joined", admin, convener),
        ("charter.version_created", admin, convener),
    ]
    assert {e.partnership for e in events} == {p}
    assert events[2].after["decision_rule"] == "consensus" and events[2].before is None


def test_membership_changes_are_audited(partnership, convener, charity):
    convener_admin, charity_admin = admin_of(convener), admin_of(charity)
    library, trust = make_organisation(), make_organisation()
    with new_events() as events:
        inv = network.invitation_create(actor=convener_admin, partnership=partnership, acting_for=convener,
                                        organisation=library)
        network.invitation_respond(actor=admin_of(library), invitation=inv, accept=True)
        declined = network.invitation_create(actor=convener_admin, partnership=partnership, acting_for=convener,
                                             organisation=trust)
        network.invitation_respond(actor=admin_of(trust), invitation=declined, accept=False, reason="Too busy")
        withdrawn = network.invitation_create(actor=convener_admin, partnership=partnership, acting_for=convener,
                                              organisation=trust)
        network.invitation_withdraw(actor=convener_admin, invitation=withdrawn, acting_for=convener)
        network.partner_withdraw(actor=charity_admin, partner=Partner.objects.get(organisation=charity),
                                 reason="Funding ended")
        network.partner_remove(actor=convener_admin, partner=Partner.objects.get(organisation=library),
                               acting_for=convener, reason="Never came")
    assert summary(events) == [
        ("invitation.created", convener_admin, convener),
        ("invitation.accepted", admin_of(library), library),
        ("partner.joined", admin_of(library), library),
        ("invitation.created", convener_admin, convener),
        ("invitation.declined", admin_of(trust), trust),
        ("invitation.created", convener_admin, convener),
        ("invitation.withdrawn", convener_admin, convener),
        ("partner.withdrew", charity_admin, charity),
        ("partner.removed", convener_admin, convener),
    ]
    assert {e.partnership for e in events} == {partnership}
    assert events[4].after == {"reason": "Too busy"}
    assert (events[7].before, events[7].after) == ({"status": "active"},
                                                   {"status": "withdrawn", "reason": "Funding ended"})


def test_partnership_and_charter_changes_are_audited(partnership, convener):
    admin = admin_of(convener)
    with new_events() as events:
        network.partnership_update(actor=admin, partnership=partnership, acting_for=convener, geography="East ward")
        network.charter_amend(actor=admin, partnership=partnership, acting_for=convener, scope="Housing")
    assert summary(events) == [("partnership.updated", admin, convener), ("charter.version_created", admin, convener)]
    assert (events[0].before["geography"], events[0].after["geography"]) == ("", "East ward")
    assert (events[1].before["scope"], events[1].after["scope"]) == ("", "Housing")


def test_a_decision_is_audited_from_opening_to_rationale(partnership, convener, charity):
    convener_admin, charity_admin = admin_of(convener), admin_of(charity)
    with new_events() as events:
        d = open_decision(partnership)
        network.position_record(actor=charity_admin, decision=d, acting_for=charity, stance="object", reason="Cost")
        network.position_record(actor=charity_admin, decision=d, acting_for=charity, stance="agree")
        network.position_record(actor=convener_admin, decision=d, acting_for=convener, stance="agree")
        Decision.objects.filter(pk=d.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
        d = network.decision_close(actor=None, decision=d)
        network.decision_record_rationale(actor=convener_admin, decision=d, acting_for=convener, rationale="Agreed",
                                          review_date=timezone.localdate() + dt.timedelta(days=30))
    assert summary(events) == [
        ("decision.opened", convener_admin, convener),
        ("position.recorded", charity_admin, charity),
        ("position.changed", charity_admin, charity),
        ("position.recorded", convener_admin, convener),
        ("decision.closed", None, None),
        ("decision.rationale_recorded", convener_admin, convener),
    ]
    opened, _, changed, _, closed, _ = events
    assert sorted(opened.after["participants"]) == sorted([convener.pk, charity.pk])
    assert (changed.before, changed.after) == ({"stance": "object", "reason": "Cost"}, {"stance": "agree", "reason": ""})
    assert closed.actor_label == "system"
    assert closed.after["outcome"] == "carried"
    assert closed.after["tally"]["agree"] == 2


def test_a_lead_decision_records_waiting_and_the_ruling(convener, charity):
    p = make_partnership(convener=convener, partners=[charity], rule="lead")
    d = open_decision(p)
    Decision.objects.filter(pk=d.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    admin = admin_of(convener)
    with new_events() as events:
        network.decision_close(actor=None, decision=d)
        network.decision_close(actor=None, decision=d)  # the sweep again: nothing new to record
        network.decision_close(actor=admin, decision=d, acting_for=convener, lead_ruling=True, rationale="Go")
    assert summary(events) == [("decision.awaiting_lead", None, None), ("decision.closed", admin, convener)]
    assert events[1].after["rationale"] == "Go"


# --- one transaction -----------------------------------------------------------------------

def test_a_write_that_fails_leaves_no_audit_event_notification_or_task(convener):
    """partnership_create writes the partnership and its first events, then the charter check fails."""
    before = (AuditEvent.objects.count(), AuditChainHead.objects.values_list("last_hash", flat=True).first(),
              Notification.objects.count(), DBTaskResult.objects.count())
    with pytest.raises(ValidationError):
        network.partnership_create(actor=admin_of(convener), acting_for=convener, name="Doomed", purpose="x",
                                   decision_rule="majority", quorum=None)
    after = (AuditEvent.objects.count(), AuditChainHead.objects.values_list("last_hash", flat=True).first(),
             Notification.objects.count(), DBTaskResult.objects.count())
    assert after == before
    assert not AuditEvent.objects.filter(action="partnership.created", object_repr="Doomed").exists()
    assert verify_chain().ok


def test_an_error_after_the_event_rolls_the_event_back_with_the_change(charity):
    admin = admin_of(charity)
    count = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        organisations.organisation_update(actor=admin, organisation=charity, phone="555-0100")
        assert AuditEvent.objects.count() == count + 1
        raise RuntimeError("the request failed later on")
    charity.refresh_from_db()
    assert charity.phone == ""
    assert AuditEvent.objects.count() == count
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    person = make_person()
    with pytest.raises(RuntimeError, match="inside the write's transaction"):
        record_event(actor=person, action="person.poked", obj=person)
    assert not AuditEvent.objects.filter(action="person.poked").exists()
