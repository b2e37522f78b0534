"""The partnership network's services, driven as the web, the API and the CLI drive them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import MFARequired, PermissionDenied, ValidationError
from joinery.network import selectors, services, tasks
from joinery.network.models import (
    Decision,
    DecisionKind,
    DecisionStatus,
    Invitation,
    InvitationStatus,
    Partner,
    PartnerRole,
    PartnerStatus,
    Position,
)
from joinery.notifications.models import Notification, NotificationKind, OutboxMessage
from joinery.organisations.services import organisation_close
from tests.conftest import (
    add_role,
    admin_of,
    make_organisation,
    make_partnership,
    make_person,
    open_decision,
)

pytestmark = pytest.mark.django_db


def expire(decision: Decision) -> Decision:
    """Move a decision's closing time into the past, as if the clock had moved on."""
    Decision.objects.filter(pk=decision.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    decision.refresh_from_db()
    return decision


def take(decision, org, stance, reason=""):
    return services.position_record(actor=admin_of(org), decision=decision, acting_for=org, stance=stance,
                                    reason=reason)


def invite(partnership, org, **kwargs):
    convener = partnership.partners.get(role=PartnerRole.CONVENER, status=PartnerStatus.ACTIVE).organisation
    return services.invitation_create(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                                      organisation=org, **kwargs)


def message_of(exc_info) -> str:
    return " ".join(str(m) for m in exc_info.value.messages)


# --- creating a partnership ----------------------------------------------------------------

def test_partnership_create_makes_the_creator_convener_and_writes_charter_v1(convener):
    p = services.partnership_create(actor=admin_of(convener), acting_for=convener, name="Eastside Renewal",
                                    purpose="Renew the east side together", visibility="public")
    assert p.slug == "eastside-renewal"
    [partner] = selectors.active_partners(partnership=p)
    assert (partner.organisation, partner.role) == (convener, PartnerRole.CONVENER)
    [charter] = selectors.charter_versions(partnership=p)
    assert charter.number == 1
    assert charter.purpose == "Renew the east side together"
    assert charter.decision_rule == "consensus"
    assert charter.created_by == admin_of(convener)


def test_partnership_names_get_distinct_short_names(convener):
    a = services.partnership_create(actor=admin_of(convener), acting_for=convener, name="Food", purpose="x")
    b = services.partnership_create(actor=admin_of(convener), acting_for=convener, name="Food", purpose="x")
    assert (a.slug, b.slug) == ("food", "food-2")


def test_partnership_create_refuses_missing_name_and_purpose_and_writes_nothing(convener):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.partnership_create(actor=admin_of(convener), acting_for=convener, name=" ", purpose="")
    assert set(exc.value.message_dict) == {"name", "purpose"}
    assert not selectors.my_partnerships(person=admin_of(convener)).exists()
    assert AuditEvent.objects.count() == before


def test_a_majority_charter_cannot_start_with_a_quorum_larger_than_the_partnership(convener):
    with pytest.raises(ValidationError) as exc:
        services.partnership_create(actor=admin_of(convener), acting_for=convener, name="Big", purpose="x",
                                    decision_rule="majority", quorum=3)
    assert "larger than the partnership" in message_of(exc)
    assert not Partner.objects.filter(organisation=convener).exists()


def test_only_administrators_and_coordinators_can_start_a_partnership_for_an_organisation(convener):
    member = make_person(mfa=True)
    add_role(convener, member, "member")
    with pytest.raises(PermissionDenied):
        services.partnership_create(actor=member, acting_for=convener, name="Mine", purpose="x")
    outsider = make_person(mfa=True)
    with pytest.raises(PermissionDenied):
        services.partnership_create(actor=outsider, acting_for=convener, name="Mine", purpose="x")
    coordinator = make_person(mfa=True)
    add_role(convener, coordinator, "coordinator")
    assert services.partnership_create(actor=coordinator, acting_for=convener, name="Ours", purpose="x")


def test_acting_for_a_public_body_requires_two_factor_authentication(convener, charity):
    no_mfa = make_person(mfa=False)
    add_role(convener, no_mfa, "admin")
    with pytest.raises(MFARequired) as exc:
        services.partnership_create(actor=no_mfa, acting_for=convener, name="Mine", purpose="x")
    assert "two-factor" in str(exc.value)
    # The same person may act for a non-public organisation without it.
    add_role(charity, no_mfa, "admin")
    assert services.partnership_create(actor=no_mfa, acting_for=charity, name="Mine", purpose="x")


def test_taking_a_position_for_a_public_body_requires_two_factor_authentication(convener, charity):
    p = make_partnership(convener=convener, partners=[charity])
    d = open_decision(p)
    no_mfa = make_person(mfa=False)
    add_role(convener, no_mfa, "member")
    with pytest.raises(MFARequired):
        services.position_record(actor=no_mfa, decision=d, acting_for=convener, stance="agree")
    assert not d.positions.exists()


def test_partnership_update_refuses_a_stale_edit(partnership, convener):
    admin = admin_of(convener)
    services.partnership_update(actor=admin, partnership=partnership, acting_for=convener, expected_version=1,
                                geography="East ward")
    with pytest.raises(ValidationError):
        services.partnership_update(actor=admin, partnership=partnership, acting_for=convener,
                                    expected_version=1, name="Overwritten")
    partnership.refresh_from_db()
    assert (partnership.name, partnership.geography, partnership.version) == ("Eastside Renewal", "East ward", 2)


# --- invitations ---------------------------------------------------------------------------

def test_invitation_notifies_the_invited_organisations_people(partnership):
    library = make_organisation(name="Eastside Library")
    inv = invite(partnership, library, role=PartnerRole.COMMUNITY, message="Join us")
    assert inv.status == InvitationStatus.PENDING
    [note] = Notification.objects.filter(recipient=admin_of(library))
    assert note.kind == NotificationKind.INVITATION
    assert "Eastside Library" in note.title and "Eastside Renewal" in note.title
    assert selectors.invitations_for_person(person=admin_of(library)) == [inv]


def test_a_second_invitation_while_one_is_pending_is_refused_and_nothing_changes(partnership):
    library = make_organisation(name="Eastside Library")
    invite(partnership, library)
    counts = (Invitation.objects.count(), AuditEvent.objects.count(), Notification.objects.count())
    with pytest.raises(ValidationError) as exc:
        invite(partnership, library)
    assert message_of(exc) == "Eastside Library has already been invited and has not answered yet."
    assert (Invitation.objects.count(), AuditEvent.objects.count(), Notification.objects.count()) == counts


def test_inviting_an_existing_partner_is_refused(partnership, charity):
    with pytest.raises(ValidationError) as exc:
        invite(partnership, charity)
    assert "already a partner" in message_of(exc)


def test_a_closed_organisation_cannot_be_invited(partnership):
    closed = make_organisation(name="Old Trust")
    closed = organisation_close(actor=admin_of(closed), organisation=closed, reason="Merged")
    with pytest.raises(ValidationError) as exc:
        invite(partnership, closed)
    assert "Old Trust is closed" in message_of(exc)
    assert not Invitation.objects.filter(organisation=closed).exists()


def test_only_the_convener_can_invite(partnership, charity):
    other = make_organisation()
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=admin_of(charity), partnership=partnership, acting_for=charity,
                                   organisation=other)


def test_accepting_an_invitation_makes_the_organisation_a_partner_in_the_offered_role(partnership, convener):
    funder = make_organisation(name="Eastside Foundation")
    inv = invite(partnership, funder, role=PartnerRole.FUNDER)
    services.invitation_respond(actor=admin_of(funder), invitation=inv, accept=True)
    partner = Partner.objects.get(partnership=partnership, organisation=funder)
    assert (partner.role, partner.status) == (PartnerRole.FUNDER, PartnerStatus.ACTIVE)
    inv.refresh_from_db()
    assert (inv.status, inv.responded_by) == (InvitationStatus.ACCEPTED, admin_of(funder))
    # The convener hears about it.
    assert Notification.objects.filter(recipient=admin_of(convener), kind=NotificationKind.INVITATION_ANSWERED,
                                       title__contains="joined").exists()


def test_declining_needs_a_reason(partnership):
    org = make_organisation()
    inv = invite(partnership, org)
    with pytest.raises(ValidationError) as exc:
        services.invitation_respond(actor=admin_of(org), invitation=inv, accept=False, reason="  ")
    assert "reason" in exc.value.message_dict
    inv.refresh_from_db()
    assert inv.status == InvitationStatus.PENDING
    services.invitation_respond(actor=admin_of(org), invitation=inv, accept=False, reason="No capacity this year")
    inv.refresh_from_db()
    assert (inv.status, inv.response_reason) == (InvitationStatus.DECLINED, "No capacity this year")
    assert not Partner.objects.filter(organisation=org).exists()


def test_an_invitation_is_answered_once_and_only_by_the_invited_organisation(partnership):
    org = make_organisation()
    inv = invite(partnership, org)
    with pytest.raises(PermissionDenied):
        services.invitation_respond(actor=make_person(), invitation=inv, accept=True)
    services.invitation_respond(actor=admin_of(org), invitation=inv, accept=True)
    with pytest.raises(ValidationError):
        services.invitation_respond(actor=admin_of(org), invitation=inv, accept=False, reason="changed our mind")
    assert Partner.objects.filter(organisation=org).count() == 1


def test_a_withdrawn_invitation_cannot_be_accepted(partnership, convener):
    org = make_organisation()
    inv = invite(partnership, org)
    services.invitation_withdraw(actor=admin_of(convener), invitation=inv, acting_for=convener)
    with pytest.raises(ValidationError):
        services.invitation_respond(actor=admin_of(org), invitation=inv, accept=True)
    assert not Partner.objects.filter(organisation=org).exists()


def test_a_partner_joining_while_a_decision_is_open_is_asked_too(partnership):
    d = open_decision(partnership)
    org = make_organisation()
    services.invitation_respond(actor=admin_of(org), invitation=invite(partnership, org), accept=True)
    assert d.participants.filter(organisation=org).exists()
    take(d, org, "agree")


# --- leaving -------------------------------------------------------------------------------

def test_withdrawing_needs_a_reason_and_keeps_the_history(partnership, charity, convener):
    partner = Partner.objects.get(partnership=partnership, organisation=charity)
    with pytest.raises(ValidationError):
        services.partner_withdraw(actor=admin_of(charity), partner=partner, reason="")
    services.partner_withdraw(actor=admin_of(charity), partner=partner, reason="Funding ended")
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.WITHDRAWN
    assert partner.left_reason == "Funding ended" and partner.left_at is not None
    assert selectors.former_partners(partnership=partnership) == [partner]
    assert [p.organisation for p in selectors.active_partners(partnership=partnership)] == [convener]
    assert Notification.objects.filter(recipient=admin_of(convener), title__contains="withdrew").exists()
    # A former partner can be invited back; the old membership stays on record.
    services.invitation_respond(actor=admin_of(charity), invitation=invite(partnership, charity), accept=True)
    assert Partner.objects.filter(partnership=partnership, organisation=charity).count() == 2


def test_the_only_convener_cannot_withdraw(partnership, convener):
    partner = Partner.objects.get(partnership=partnership, organisation=convener)
    with pytest.raises(ValidationError) as exc:
        services.partner_withdraw(actor=admin_of(convener), partner=partner, reason="Leaving")
    assert "only convener" in message_of(exc)


def test_removing_a_partner_needs_a_reason_and_tells_the_removed_organisation(partnership, charity, convener):
    partner = Partner.objects.get(partnership=partnership, organisation=charity)
    with pytest.raises(ValidationError):
        services.partner_remove(actor=admin_of(convener), partner=partner, acting_for=convener, reason=" ")
    services.partner_remove(actor=admin_of(convener), partner=partner, acting_for=convener,
                            reason="Did not attend for a year")
    partner.refresh_from_db()
    assert (partner.status, partner.left_reason) == (PartnerStatus.REMOVED, "Did not attend for a year")
    assert Notification.objects.filter(recipient=admin_of(charity), title__contains="was removed").exists()


def test_the_convener_cannot_remove_itself_and_partners_cannot_remove_anyone(partnership, charity, convener):
    own = Partner.objects.get(partnership=partnership, organisation=convener)
    with pytest.raises(ValidationError) as exc:
        services.partner_remove(actor=admin_of(convener), partner=own, acting_for=convener, reason="x")
    assert "cannot remove itself" in message_of(exc)
    with pytest.raises(PermissionDenied):
        services.partner_remove(actor=admin_of(charity), partner=own, acting_for=charity, reason="coup")
    own.refresh_from_db()
    assert own.status == PartnerStatus.ACTIVE


# --- the charter ---------------------------------------------------------------------------

def test_amending_the_charter_adds_a_version_and_keeps_the_old_one(partnership, convener):
    cv = services.charter_amend(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                                scope="Housing and food", change_note="Add scope")
    assert cv.number == 2
    v2, v1 = selectors.charter_versions(partnership=partnership)
    assert (v2.scope, v2.change_note) == ("Housing and food", "Add scope")
    assert (v1.number, v1.scope) == (1, "")
    assert selectors.current_charter(partnership=partnership) == v2


def test_a_quorum_larger_than_the_partnership_is_refused(partnership, convener):
    with pytest.raises(ValidationError) as exc:
        services.charter_amend(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                               decision_rule="majority", quorum=3)
    assert exc.value.message_dict["quorum"] == [
        "The quorum (3) is larger than the partnership (2 active partners), so no decision could ever be made."]
    assert selectors.current_charter(partnership=partnership).number == 1


def test_a_majority_rule_needs_a_quorum(partnership, convener):
    with pytest.raises(ValidationError) as exc:
        services.charter_amend(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                               decision_rule="majority")
    assert "quorum" in exc.value.message_dict


def test_a_stale_charter_edit_is_refused(partnership, convener):
    services.charter_amend(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                           expected_number=1, scope="A")
    with pytest.raises(ValidationError) as exc:
        services.charter_amend(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                               expected_number=1, scope="B")
    assert "now version 2" in message_of(exc)
    assert selectors.current_charter(partnership=partnership).scope == "A"


def test_only_the_convener_amends_the_charter(partnership, charity):
    with pytest.raises(PermissionDenied):
        services.charter_amend(actor=admin_of(charity), partnership=partnership, acting_for=charity, scope="x")


def _charter_needing_decision(partnership, convener):
    services.charter_amend(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                           changes_need_decision=True, change_note="Changes need the partners")
    return services.charter_amend(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                                  limits="No new spending without the council", change_note="Set limits")


def test_a_charter_that_needs_a_decision_changes_only_when_the_decision_carries(partnership, convener, charity):
    d = _charter_needing_decision(partnership, convener)
    assert isinstance(d, Decision) and d.kind == DecisionKind.CHARTER
    assert selectors.current_charter(partnership=partnership).number == 2  # not yet changed
    take(d, convener, "agree")
    take(d, charity, "agree")
    d = services.decision_close(actor=None, decision=expire(d))
    assert d.outcome == "carried"
    v3 = selectors.current_charter(partnership=partnership)
    assert (v3.number, v3.limits, v3.change_note) == (3, "No new spending without the council", "Set limits")
    assert v3.created_by == admin_of(convener)  # credited to the proposer, though the closing task applied it
    assert v3.changes_need_decision


def test_a_charter_change_that_is_not_carried_leaves_the_charter_alone(partnership, convener, charity):
    d = _charter_needing_decision(partnership, convener)
    take(d, convener, "agree")
    take(d, charity, "object", "The council should not hold a veto")
    assert services.decision_close(actor=None, decision=expire(d)).outcome == "not_carried"
    current = selectors.current_charter(partnership=partnership)
    assert (current.number, current.limits) == (2, "")


# --- opening a decision and taking positions -----------------------------------------------

def test_opening_a_decision_asks_every_active_partner_under_the_charter_rule(convener, charity):
    p = make_partnership(convener=convener, partners=[charity], rule="majority", quorum=2)
    d = open_decision(p, by=charity)
    assert (d.rule, d.quorum, d.charter_version.number) == ("majority", 2, 2)
    assert set(d.participants.values_list("organisation", flat=True)) == {convener.pk, charity.pk}
    for org in (convener, charity):
        assert Notification.objects.filter(recipient=admin_of(org), kind=NotificationKind.DECISION_OPENED).exists()
    assert selectors.open_decisions_for_person(person=admin_of(charity)) == [d]


def test_a_decision_must_close_in_the_future_and_be_proposed_by_a_partner(partnership, convener):
    with pytest.raises(ValidationError) as exc:
        services.decision_open(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                               title="Late", question="?", closes_at=timezone.now() - dt.timedelta(minutes=1))
    assert "closes_at" in exc.value.message_dict
    outsider = make_organisation()
    with pytest.raises(PermissionDenied):
        open_decision(partnership, by=outsider)
    assert not partnership.decisions.exists()


def test_positions_can_change_until_closing(partnership, charity):
    d = open_decision(partnership)
    take(d, charity, "object", "Too expensive")
    take(d, charity, "agree")
    [pos] = Position.objects.filter(decision=d)
    assert (pos.stance, pos.reason) == ("agree", "")
    event = AuditEvent.objects.filter(action="position.changed").get()
    assert event.before == {"stance": "object", "reason": "Too expensive"}


def test_a_position_after_closing_is_refused(partnership, charity):
    d = expire(open_decision(partnership))
    with pytest.raises(ValidationError) as exc:
        take(d, charity, "agree")
    assert "can no longer be recorded" in message_of(exc)
    assert not d.positions.exists()


def test_block_is_refused_under_majority(convener, charity):
    p = make_partnership(convener=convener, partners=[charity], rule="majority", quorum=1)
    d = open_decision(p)
    with pytest.raises(ValidationError) as exc:
        take(d, charity, "block", "We veto")
    assert "stance" in exc.value.message_dict
    take(d, charity, "object", "We disagree")


def test_an_objection_or_block_needs_a_reason(partnership, charity):
    d = open_decision(partnership)
    for stance in ("object", "block"):
        with pytest.raises(ValidationError) as exc:
            take(d, charity, stance, "   ")
        assert "reason" in exc.value.message_dict
    take(d, charity, "block", "Breaks our charitable objects")
    assert d.positions.get().stance == "block"


def test_only_asked_partners_take_positions(partnership, charity):
    d = open_decision(partnership)
    outsider = make_organisation()
    with pytest.raises(PermissionDenied):
        take(d, outsider, "agree")
    # A person who does not represent the partner cannot speak for it.
    with pytest.raises(PermissionDenied):
        services.position_record(actor=make_person(), decision=d, acting_for=charity, stance="agree")
    assert not d.positions.exists()


def test_a_partner_that_left_can_no_longer_take_a_position(partnership, charity):
    d = open_decision(partnership)
    services.partner_withdraw(actor=admin_of(charity), partner=Partner.objects.get(organisation=charity),
                              reason="Closing the programme")
    with pytest.raises(PermissionDenied):
        take(d, charity, "agree")


# --- closing -------------------------------------------------------------------------------

def test_a_decision_cannot_be_closed_before_its_time(partnership, convener):
    d = open_decision(partnership)
    with pytest.raises(ValidationError) as exc:
        services.decision_close(actor=admin_of(convener), decision=d, acting_for=convener)
    assert "still open" in message_of(exc)
    d.refresh_from_db()
    assert d.status == DecisionStatus.OPEN


def test_consensus_closes_carried_with_the_positions_on_record(partnership, convener, charity):
    d = open_decision(partnership)
    take(d, convener, "agree")
    take(d, charity, "reservations", "Watch the cost")
    d = services.decision_close(actor=admin_of(convener), decision=expire(d), acting_for=convener)
    assert (d.status, d.outcome) == (DecisionStatus.CLOSED, "carried")
    assert d.outcome_tally == {"agree": 1, "reservations": 1, "stand_aside": 0, "object": 0, "block": 0, "silent": 0}
    assert sorted(d.outcome_positions, key=lambda p: p["organisation_name"]) == [
        {"organisation": charity.pk, "organisation_name": "Eastside Food Bank", "stance": "reservations",
         "reason": "Watch the cost"},
        {"organisation": convener.pk, "organisation_name": "Eastside Municipality", "stance": "agree", "reason": ""},
    ]
    for org in (convener, charity):
        note = Notification.objects.get(recipient=admin_of(org), kind=NotificationKind.DECISION_CLOSED)
        assert note.title == "Decision closed in Eastside Renewal: Adopt the plan — Carried"
    # Closing again changes nothing.
    again = services.decision_close(actor=None, decision=d)
    assert (again.closed_at, again.outcome) == (d.closed_at, "carried")


def test_consensus_waits_for_everyone(partnership, convener):
    d = open_decision(partnership)
    take(d, convener, "agree")
    d = services.decision_close(actor=None, decision=expire(d))
    assert d.outcome == "not_carried"
    assert d.outcome_tally["silent"] == 1
    assert "1 did not respond" in d.outcome_explanation


def test_a_block_blocks_a_consensus_decision(partnership, convener, charity):
    d = open_decision(partnership)
    take(d, convener, "agree")
    take(d, charity, "block", "Breaks our charitable objects")
    assert services.decision_close(actor=None, decision=expire(d)).outcome == "blocked"


def test_consent_carries_with_silence_but_not_against_a_reasoned_objection(convener, charity):
    p = make_partnership(convener=convener, partners=[charity], rule="consent")
    quiet = open_decision(p)
    take(quiet, convener, "agree")
    assert services.decision_close(actor=None, decision=expire(quiet)).outcome == "carried"
    objected = open_decision(p)
    take(objected, charity, "object", "Unsafe for volunteers")
    assert services.decision_close(actor=None, decision=expire(objected)).outcome == "not_carried"


def test_majority_without_quorum_has_no_outcome_either_way(convener, charity):
    third = make_organisation()
    p = make_partnership(convener=convener, partners=[charity, third], rule="majority", quorum=2)
    d = open_decision(p)
    take(d, charity, "agree")
    d = services.decision_close(actor=None, decision=expire(d))
    assert d.outcome == "no_quorum"
    assert d.outcome_explanation == "1 of 2 partners needed for quorum took a position."


def test_majority_with_quorum_carries_on_more_support_than_opposition(convener, charity):
    third = make_organisation()
    p = make_partnership(convener=convener, partners=[charity, third], rule="majority", quorum=2)
    d = open_decision(p)
    take(d, convener, "agree")
    take(d, charity, "reservations", "Cost")
    take(d, third, "object", "Not our priority")
    assert services.decision_close(actor=None, decision=expire(d)).outcome == "carried"


def test_a_partner_that_left_without_answering_does_not_hold_up_consensus(convener, charity):
    third = make_organisation()
    p = make_partnership(convener=convener, partners=[charity, third])
    d = open_decision(p)
    take(d, convener, "agree")
    take(d, charity, "agree")
    services.partner_withdraw(actor=admin_of(third), partner=Partner.objects.get(organisation=third, partnership=p),
                              reason="Merging with another body")
    d = services.decision_close(actor=None, decision=expire(d))
    assert d.outcome == "carried"
    assert d.outcome_tally["silent"] == 0


def test_a_position_taken_before_leaving_still_counts(convener, charity):
    p = make_partnership(convener=convener, partners=[charity])
    d = open_decision(p)
    take(d, convener, "agree")
    take(d, charity, "block", "Unsafe")
    services.partner_remove(actor=admin_of(convener), partner=Partner.objects.get(organisation=charity, partnership=p),
                            acting_for=convener, reason="Disagreed once too often")
    assert services.decision_close(actor=None, decision=expire(d)).outcome == "blocked"


def test_lead_decides_waits_for_the_conveners_ruling(convener, charity):
    p = make_partnership(convener=convener, partners=[charity], rule="lead")
    d = open_decision(p)
    take(d, charity, "object", "We would rather wait a year")
    d = services.decision_close(actor=None, decision=expire(d))
    assert (d.status, d.outcome) == (DecisionStatus.AWAITING_LEAD, "")
    # A partner cannot rule, nor can the lead without explaining itself.
    with pytest.raises(PermissionDenied):
        services.decision_close(actor=admin_of(charity), decision=d, acting_for=charity, lead_ruling=True,
                                rationale="We decide")
    with pytest.raises(ValidationError):
        services.decision_close(actor=admin_of(convener), decision=d, acting_for=convener, lead_ruling=True)
    d = services.decision_close(actor=admin_of(convener), decision=d, acting_for=convener, lead_ruling=True,
                                rationale="Funding ends this year", review_date=dt.date(2030, 1, 1))
    assert (d.status, d.outcome, d.lead_ruling) == (DecisionStatus.CLOSED, "carried", True)
    assert (d.rationale, d.review_date) == ("Funding ends this year", dt.date(2030, 1, 1))
    assert d.outcome_positions[0]["stance"] == "object"


def test_the_lead_can_rule_against_proceeding(convener, charity):
    p = make_partnership(convener=convener, partners=[charity], rule="lead")
    d = services.decision_close(actor=None, decision=expire(open_decision(p)))
    d = services.decision_close(actor=admin_of(convener), decision=d, acting_for=convener, lead_ruling=False,
                                rationale="The partners are not ready")
    assert d.outcome == "not_carried"


def test_the_lead_can_still_rule_when_a_partner_joined_after_the_consultation(convener, charity):
    p = make_partnership(convener=convener, partners=[charity], rule="lead")
    d = services.decision_close(actor=None, decision=expire(open_decision(p)))
    late = make_organisation()
    services.invitation_respond(actor=admin_of(late), invitation=invite(p, late), accept=True)
    d = services.decision_close(actor=admin_of(convener), decision=d, acting_for=convener, lead_ruling=True,
                                rationale="Proceed")
    assert (d.status, d.outcome) == (DecisionStatus.CLOSED, "carried")


def test_a_ruling_is_only_for_lead_decides(partnership, convener):
    d = expire(open_decision(partnership))
    with pytest.raises(ValidationError):
        services.decision_close(actor=admin_of(convener), decision=d, acting_for=convener, lead_ruling=True,
                                rationale="Because")
    d.refresh_from_db()
    assert d.status == DecisionStatus.OPEN


def test_the_convener_records_the_rationale_and_review_date_after_closing(partnership, convener, charity):
    d = open_decision(partnership)
    with pytest.raises(ValidationError):
        services.decision_record_rationale(actor=admin_of(convener), decision=d, acting_for=convener,
                                           rationale="Early", review_date=None)
    d = services.decision_close(actor=None, decision=expire(d))
    with pytest.raises(ValidationError):
        services.decision_record_rationale(actor=admin_of(convener), decision=d, acting_for=convener,
                                           rationale="Why", review_date=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.decision_record_rationale(actor=admin_of(charity), decision=d, acting_for=charity,
                                           rationale="Why", review_date=None)
    review = timezone.localdate() + dt.timedelta(days=90)
    d = services.decision_record_rationale(actor=admin_of(convener), decision=d, acting_for=convener,
                                           rationale="Not enough answers", review_date=review,
                                           expected_version=d.version)
    assert (d.rationale, d.review_date) == ("Not enough answers", review)


# --- deferred tasks ------------------------------------------------------------------------

def _task_rows(task, decision):
    return [r for r in DBTaskResult.objects.filter(task_path=task.module_path)
            if r.args_kwargs["args"] == [decision.pk]]


def test_opening_a_decision_enqueues_its_closing_at_closing_time(partnership):
    d = open_decision(partnership, hours=72)
    [closing] = _task_rows(tasks.close_decision, d)
    assert closing.run_after == d.closes_at
    assert closing.status == "READY"
    [reminder] = _task_rows(tasks.remind_decision_closing, d)
    assert reminder.run_after == d.closes_at - dt.timedelta(hours=24)


def test_no_reminder_when_the_decision_closes_within_a_day(partnership):
    d = open_decision(partnership, hours=3)
    assert len(_task_rows(tasks.close_decision, d)) == 1
    assert _task_rows(tasks.remind_decision_closing, d) == []


def test_the_closing_task_closes_the_decision_once_it_is_due(partnership, convener, charity):
    d = open_decision(partnership)
    take(d, convener, "agree")
    take(d, charity, "agree")
    assert tasks.close_decision.call(expire(d).pk) == "closed"
    d.refresh_from_db()
    assert d.outcome == "carried"
    closing_event = AuditEvent.objects.get(action="decision.closed", object_id=str(d.pk))
    assert (closing_event.actor, closing_event.actor_label) == (None, "system")


def test_the_reminder_goes_only_to_partners_who_have_not_answered(partnership, convener, charity):
    d = open_decision(partnership)
    take(d, convener, "agree")
    assert tasks.remind_decision_closing.call(d.pk) == 1
    assert Notification.objects.filter(kind=NotificationKind.DECISION_CLOSING).get().recipient == admin_of(charity)


def test_the_sweep_closes_every_overdue_decision(partnership):
    due, later = open_decision(partnership), open_decision(partnership)
    expire(due)
    assert services.close_due_decisions() == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (DecisionStatus.CLOSED, DecisionStatus.OPEN)


@pytest.mark.django_db(transaction=True)
def test_the_worker_closes_a_decision_when_its_time_comes_and_emails_the_partners(settings):
    settings.EMAIL_BACKEND = "joinery.notifications.mail.OutboxEmailBackend"  # pytest-django swaps in locmem
    convener = make_organisation(name="Eastside Municipality", sector="public", level="local")
    charity = make_organisation(name="Eastside Food Bank")
    p = make_partnership(convener=convener, partners=[charity])
    d = open_decision(p)
    take(d, convener, "agree")
    take(d, charity, "agree")

    call_command("db_worker", "--batch", "--interval", "0")  # runs what is due: the emails, not the closing
    d.refresh_from_db()
    assert d.status == DecisionStatus.OPEN
    [closing] = _task_rows(tasks.close_decision, d)
    assert closing.status == "READY"

    # The clock reaches the closing time.
    past = timezone.now() - dt.timedelta(seconds=1)
    expire(d)
    DBTaskResult.objects.filter(pk=closing.pk).update(run_after=past)
    call_command("db_worker", "--batch", "--interval", "0")
    d.refresh_from_db()
    closing.refresh_from_db()
    assert (d.status, d.outcome) == (DecisionStatus.CLOSED, "carried")
    assert (closing.status, closing.return_value) == ("SUCCESSFUL", "closed")
    closed_mail = OutboxMessage.objects.filter(subject__startswith="Decision closed in")
    assert {m.to for m in closed_mail} == {admin_of(convener).email, admin_of(charity).email}

