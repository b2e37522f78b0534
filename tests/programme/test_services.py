"""Work programme services: validation, permissions, the decision gate, volunteers, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinery.agreements import services as agreements
from joinery.audit.models import AuditEvent
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.network import services as network
from joinery.network.models import Decision, DecisionKind
from joinery.notifications.models import Notification
from joinery.programme import services
from joinery.programme.models import (
    ItemStatus,
    ProgrammeStatus,
    SignupStatus,
    WorkItem,
    WorkProgramme,
)
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person
from tests.programme.conftest import Cast

pytestmark = pytest.mark.django_db


def actions(obj):
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
                .order_by("id").values_list("action", flat=True))


def field_errors(exc_info) -> dict:
    return exc_info.value.message_dict


# --- programmes -------------------------------------------------------------------------------

def test_a_partner_creates_a_draft_programme_and_it_is_audited(cast):
    p = cast.programme
    assert p.status == ProgrammeStatus.DRAFT and p.agreement == cast.agreement and p.changes_need_decision
    assert actions(p) == ["programme.created"]


def test_programme_needs_a_title_and_an_agreement_of_the_same_partnership(cast):
    other = Cast(name="Westside")
    with pytest.raises(ValidationError) as e:
        services.programme_create(actor=cast.lead, acting_for=cast.city, partnership=cast.p, title="  ",
                                  agreement=other.agreement)
    assert set(field_errors(e)) == {"title", "agreement"}


def test_an_outsider_or_a_plain_member_cannot_create_a_programme(cast):
    outsider = make_organisation(name="Outsider")
    with pytest.raises(PermissionDenied):
        services.programme_create(actor=admin_of(outsider), acting_for=outsider, partnership=cast.p, title="X")
    member = make_person()
    add_role(cast.charity, member, "member")
    with pytest.raises(PermissionDenied):
        services.programme_create(actor=member, acting_for=cast.charity, partnership=cast.p, title="X")


def test_only_the_convener_adopts_directly(cast):
    with pytest.raises(PermissionDenied):
        services.programme_adopt(actor=cast.food, acting_for=cast.charity, programme=cast.programme)
    p = cast.adopt()
    assert p.status == ProgrammeStatus.ADOPTED and p.adopted_at is not None
    assert "programme.adopted" in actions(p)
    with pytest.raises(ValidationError):
        services.programme_adopt(actor=cast.lead, acting_for=cast.city, programme=p)


def test_a_partner_can_put_adoption_to_a_decision_which_adopts_when_carried(cast):
    d = services.programme_adopt(actor=cast.food, acting_for=cast.charity, programme=cast.programme,
                                 via_decision=True)
    assert isinstance(d, Decision) and d.kind == DecisionKind.PROGRAMME_CHANGE
    assert d.payload["op"] == "adopt"
    cast.close(d)
    p = WorkProgramme.objects.get(pk=cast.programme.pk)
    assert p.status == ProgrammeStatus.ADOPTED and p.adoption_decision_id == d.pk


def test_programme_update_refuses_a_stale_version(cast):
    p = services.programme_update(actor=cast.lead, acting_for=cast.city, programme=cast.programme,
                                  expected_version=1, title="Renamed")
    assert p.title == "Renamed" and p.version == 2
    with pytest.raises(StaleEdit):
        services.programme_update(actor=cast.lead, acting_for=cast.city, programme=p, expected_version=1,
                                  summary="Late")


def test_programme_for_actions_finds_or_creates(cast):
    assert services.programme_for_actions(actor=cast.food, acting_for=cast.charity, partnership=cast.p,
                                          agreement=cast.agreement) == cast.programme
    assert services.programme_for_actions(actor=cast.food, acting_for=cast.charity,
                                          partnership=cast.p) == cast.programme
    fresh = make_partnership(convener=cast.charity, name="Fresh")
    made = services.programme_for_actions(actor=cast.food, acting_for=cast.charity, partnership=fresh)
    assert made.partnership == fresh and made.title == "Actions from review meetings"
    assert services.programme_for_actions(actor=cast.food, acting_for=cast.charity, partnership=fresh) == made


# --- items: creation and validation ------------------------------------------------------------

def test_the_meetings_contract_creates_a_task_directly(cast):
    cast.adopt()
    task = services.work_item_create(actor=cast.food, acting_for=cast.charity, programme=cast.programme,
                                     kind="task", title="Send the minutes", owner=cast.charity,
                                     due_date=dt.date(2026, 3, 1), description="From the review meeting")
    assert isinstance(task, WorkItem) and task.parent is None and task.partnership == cast.p
    assert actions(task) == ["work_item.created"]


def test_a_tree_of_items_is_built_with_allowed_parents(cast):
    o, i, m, t = cast.tree()
    assert (i.parent, m.parent, t.parent) == (o, i, m)
    assert t.position > m.position > i.position > o.position


@pytest.mark.parametrize("kind,parent_kind", [
    ("objective", "objective"), ("initiative", None), ("milestone", "objective"), ("task", "objective"),
    ("milestone", "task"),
])
def test_parent_kind_must_be_allowed(cast, kind, parent_kind):
    o, i, m, t = cast.tree()
    parent = {"objective": o, "initiative": i, "milestone": m, "task": t, None: None}[parent_kind]
    with pytest.raises(ValidationError) as e:
        cast.item(kind, parent=parent)
    assert "parent" in field_errors(e)


def test_item_field_errors_are_reported_together(cast):
    outsider = make_organisation(name="Not a partner")
    with pytest.raises(ValidationError) as e:
        services.work_item_create(actor=cast.lead, acting_for=cast.city, programme=cast.programme, kind="objective",
                                  title="", owner=outsider, start_date=dt.date(2026, 5, 2),
                                  due_date=dt.date(2026, 5, 1), volunteers_wanted=3)
    assert set(field_errors(e)) == {"title", "owner", "due_date", "volunteers_wanted"}
    assert not WorkItem.objects.exists()


def test_owner_person_must_represent_the_owner(cast):
    with pytest.raises(ValidationError) as e:
        cast.item(owner=cast.charity, owner_person=cast.lead)
    assert "owner_person" in field_errors(e)
    item = cast.item(owner=cast.charity, owner_person=cast.food)
    assert item.owner_person == cast.food


def test_a_commitment_of_another_partnership_is_a_field_error(cast):
    other = Cast(name="Westside")
    with pytest.raises(ValidationError) as e:
        cast.item(commitments=[other.commitment])
    assert "commitments" in field_errors(e)
    item = cast.item(commitments=[cast.commitment])
    assert list(item.commitments.all()) == [cast.commitment]


def test_a_removed_commitment_cannot_be_fulfilled(cast):
    agreements.commitment_remove(actor=cast.lead, commitment=cast.commitment, acting_for=cast.city)
    cast.commitment.refresh_from_db()
    with pytest.raises(ValidationError) as e:
        cast.item(commitments=[cast.commitment])
    assert "commitments" in field_errors(e)


def test_dependencies_refuse_self_cycles_and_other_partnerships(cast):
    a = cast.item(title="A")
    b = cast.item(title="B", depends_on=[a])
    c = cast.item(title="C", depends_on=[b])
    with pytest.raises(ValidationError) as e:
        services.work_item_update(actor=cast.lead, acting_for=cast.city, item=a, depends_on=[a])
    assert "itself" in field_errors(e)["depends_on"][0]
    with pytest.raises(ValidationError) as e:
        services.work_item_update(actor=cast.lead, acting_for=cast.city, item=a, depends_on=[c])
    assert "circle" in field_errors(e)["depends_on"][0]
    other = Cast(name="Westside")
    foreign = other.item(title="Foreign")
    with pytest.raises(ValidationError) as e:
        services.work_item_update(actor=cast.lead, acting_for=cast.city, item=a, depends_on=[foreign])
    assert "depends_on" in field_errors(e)
    assert list(a.depends_on.all()) == []


def test_volunteers_only_on_tasks(cast):
    with pytest.raises(ValidationError) as e:
        cast.item("objective", volunteers_wanted=2)
    assert "volunteers_wanted" in field_errors(e)


def test_a_member_may_add_tasks_but_not_objectives(cast):
    member = make_person()
    add_role(cast.charity, member, "member")
    task = services.work_item_create(actor=member, acting_for=cast.charity, programme=cast.programme, kind="task",
                                     title="Clean up", owner=cast.charity)
    assert task.pk
    with pytest.raises(PermissionDenied):
        services.work_item_create(actor=member, acting_for=cast.charity, programme=cast.programme,
                                  kind="objective", title="Big goal", owner=cast.charity)


def test_new_work_owned_by_another_partner_notifies_its_coordinators(cast):
    cast.item(title="Deliver boxes", owner=cast.charity)
    assert Notification.objects.filter(recipient=cast.food, title__contains="Deliver boxes").exists()


# --- items: updates and status ---------------------------------------------------------------

def test_update_refuses_a_stale_version_and_audits_before_and_after(cast):
    item = cast.item(title="Old title", owner=cast.charity)
    updated = services.work_item_update(actor=cast.food, acting_for=cast.charity, item=item, expected_version=1,
                                        title="New title")
    assert updated.title == "New title" and updated.version == 2
    with pytest.raises(StaleEdit):
        services.work_item_update(actor=cast.food, acting_for=cast.charity, item=item, expected_version=1,
                                  title="Late")
    event = AuditEvent.objects.filter(action="work_item.updated").get()
    assert event.before["title"] == "Old title" and event.after["title"] == "New title"


def test_only_the_owner_or_the_convener_changes_an_item(cast):
    item = cast.item(owner=cast.charity)
    with pytest.raises(PermissionDenied):
        services.work_item_update(actor=cast.res, acting_for=cast.residents, item=item, title="Mine now")
    services.work_item_update(actor=cast.lead, acting_for=cast.city, item=item, title="Convener edit")
    services.work_item_set_status(actor=cast.food, acting_for=cast.charity, item=item, status="in_progress")


def test_status_rules_done_after_dependencies_cancel_with_reason(cast):
    a = cast.item(title="A")
    b = cast.item(title="B", depends_on=[a])
    with pytest.raises(ValidationError) as e:
        services.work_item_set_status(actor=cast.lead, acting_for=cast.city, item=b, status="done")
    assert "status" in field_errors(e)
    services.work_item_set_status(actor=cast.lead, acting_for=cast.city, item=a, status="done")
    b = services.work_item_set_status(actor=cast.lead, acting_for=cast.city, item=b, status="done")
    assert b.status == ItemStatus.DONE and b.completed_at is not None
    with pytest.raises(ValidationError) as e:
        services.work_item_set_status(actor=cast.lead, acting_for=cast.city, item=a, status="cancelled")
    assert "reason" in field_errors(e)
    assert actions(b) == ["work_item.created", "work_item.status_changed"]


def test_a_parent_with_open_children_cannot_be_cancelled(cast):
    o, i, m, t = cast.tree()
    with pytest.raises(ValidationError) as e:
        services.work_item_set_status(actor=cast.lead, acting_for=cast.city, item=m, status="cancelled",
                                      reason="Not needed")
    assert "status" in field_errors(e)


# --- the decision gate -----------------------------------------------------------------------

def test_in_an_adopted_programme_a_new_milestone_opens_a_decision_and_is_added_when_carried(cast):
    o, i, m, t = cast.tree()
    cast.adopt()
    d = cast.item("milestone", "Second kitchen", parent=i, due_date=dt.date(2026, 9, 1),
                  commitments=[cast.commitment])
    assert isinstance(d, Decision) and d.kind == DecisionKind.PROGRAMME_CHANGE
    assert d.payload["op"] == "create" and d.payload["fields"]["title"] == "Second kitchen"
    assert not WorkItem.objects.filter(title="Second kitchen").exists()
    assert "programme.change_proposed" in actions(cast.programme)
    cast.close(d)
    added = WorkItem.objects.get(title="Second kitchen")
    assert added.parent == i and added.due_date == dt.date(2026, 9, 1)
    assert list(added.commitments.all()) == [cast.commitment]
    assert added.created_by == cast.lead
    assert AuditEvent.objects.get(action="work_item.created", object_id=str(added.pk)).after["decision"] == d.pk


def test_a_rejected_change_changes_nothing(cast):
    o, i, m, t = cast.tree()
    cast.adopt()
    d = services.work_item_update(actor=cast.lead, acting_for=cast.city, item=o, title="Everyone eats well")
    assert isinstance(d, Decision)
    o.refresh_from_db()
    assert o.title == "Nobody goes hungry"
    closed = cast.close(d, stance="block")
    assert closed.outcome != "carried"
    o.refresh_from_db()
    assert o.title == "Nobody goes hungry" and o.version == 1


def test_a_carried_update_and_cancellation_apply(cast):
    o, i, m, t = cast.tree()
    cast.adopt()
    new_date = m.due_date + dt.timedelta(days=30)
    d = services.work_item_update(actor=cast.lead, acting_for=cast.city, item=m, due_date=new_date)
    cast.close(d)
    m.refresh_from_db()
    assert m.due_date == new_date and m.version == 2
    services.work_item_set_status(actor=cast.food, acting_for=cast.charity, item=t, status="cancelled",
                                  reason="Ovens donated")  # a task: never gated
    d = services.work_item_set_status(actor=cast.lead, acting_for=cast.city, item=m, status="cancelled",
                                      reason="Merged with another milestone")
    assert isinstance(d, Decision)
    cast.close(d)
    m.refresh_from_db()
    assert m.status == ItemStatus.CANCELLED


def test_progress_on_a_milestone_is_not_gated(cast):
    o, i, m, t = cast.tree()
    cast.adopt()
    item = services.work_item_set_status(actor=cast.lead, acting_for=cast.city, item=m, status="in_progress")
    assert isinstance(item, WorkItem) and item.status == ItemStatus.IN_PROGRESS


def test_a_gated_change_is_validated_before_the_decision_opens(cast):
    o, i, m, t = cast.tree()
    cast.adopt()
    with pytest.raises(ValidationError):
        cast.item("milestone", "Nowhere", parent=o)
    assert not Decision.objects.filter(kind=DecisionKind.PROGRAMME_CHANGE).exists()


def test_a_carried_change_that_no_longer_applies_is_recorded_not_raised(cast):
    o, i, m, t = cast.tree()
    cast.adopt()
    d = cast.item("milestone", "Residents' garden", parent=i, owner=cast.residents)
    partner = cast.p.partners.get(organisation=cast.residents)
    network.partner_withdraw(actor=cast.res, partner=partner, reason="Moving on")
    for org in (cast.city, cast.charity):  # the residents have left and are no longer waited for
        network.position_record(actor=admin_of(org), decision=d, acting_for=org, stance="agree")
    Decision.objects.filter(pk=d.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    closed = network.decision_close(actor=None, decision=Decision.objects.get(pk=d.pk))
    assert closed.outcome == "carried"
    assert not WorkItem.objects.filter(title="Residents' garden").exists()
    failed = AuditEvent.objects.get(action="programme.change_failed")
    assert failed.after["decision"] == d.pk
    assert Notification.objects.filter(recipient=cast.lead, title__contains="could not be applied").exists()


def test_changes_need_decision_off_means_direct_changes(cast):
    p = services.programme_create(actor=cast.lead, acting_for=cast.city, partnership=cast.p, title="Loose",
                                  changes_need_decision=False)
    services.programme_adopt(actor=cast.lead, acting_for=cast.city, programme=p)
    o = cast.item("objective", "Direct", programme=p)
    assert isinstance(o, WorkItem)


def test_other_decision_kinds_are_ignored_by_the_hook(cast):
    from tests.conftest import open_decision

    d = open_decision(cast.p)
    services.apply_programme_decision(decision=d, actor=None)  # nothing to do, nothing raised


# --- volunteers --------------------------------------------------------------------------------

def volunteer_task(c, wanted=1):
    return c.item(title="Serve lunch", owner=c.charity, volunteers_wanted=wanted, volunteer_note="Two hours")


def test_volunteer_flow_signup_confirm_and_notifications(public_cast, citizen):
    c = public_cast
    task = volunteer_task(c)
    s = services.volunteer_signup(actor=citizen, item=task, message="I can help on Tuesdays")
    assert s.status == SignupStatus.PENDING
    assert Notification.objects.filter(recipient=c.food, title__contains="offers to help").exists()
    with pytest.raises(ValidationError):
        services.volunteer_signup(actor=citizen, item=task)  # no duplicate
    s = services.volunteer_signup_decide(actor=c.food, acting_for=c.charity, signup=s, confirm=True)
    assert s.status == SignupStatus.CONFIRMED and s.decided_by == c.food
    assert Notification.objects.filter(recipient=citizen, title__contains="confirmed").exists()
    other = make_person()
    with pytest.raises(ValidationError) as e:
        services.volunteer_signup(actor=other, item=task)
    assert "all the volunteers" in e.value.messages[0]
    assert actions(s) == ["volunteer.signed_up", "volunteer.confirmed"]


def test_declining_needs_a_reason_and_tells_the_volunteer(public_cast, citizen):
    c = public_cast
    s = services.volunteer_signup(actor=citizen, item=volunteer_task(c, 2))
    with pytest.raises(ValidationError) as e:
        services.volunteer_signup_decide(actor=c.food, acting_for=c.charity, signup=s, confirm=False)
    assert "reason" in field_errors(e)
    s = services.volunteer_signup_decide(actor=c.food, acting_for=c.charity, signup=s, confirm=False,
                                         reason="We need someone with a food hygiene certificate")
    assert s.status == SignupStatus.DECLINED
    assert Notification.objects.filter(recipient=citizen, title__contains="declined").exists()
    with pytest.raises(ValidationError):
        services.volunteer_signup(actor=citizen, item=s.item)


def test_only_the_owner_or_convener_decides(public_cast, citizen):
    c = public_cast
    s = services.volunteer_signup(actor=citizen, item=volunteer_task(c))
    with pytest.raises(PermissionDenied):
        services.volunteer_signup_decide(actor=c.res, acting_for=c.residents, signup=s, confirm=True)
    s = services.volunteer_signup_decide(actor=c.lead, acting_for=c.city, signup=s, confirm=True)
    assert s.status == SignupStatus.CONFIRMED


def test_withdraw_and_sign_up_again(public_cast, citizen):
    c = public_cast
    task = volunteer_task(c)
    s = services.volunteer_signup(actor=citizen, item=task)
    with pytest.raises(PermissionDenied):
        services.volunteer_signup_withdraw(actor=c.food, signup=s)
    s = services.volunteer_signup_withdraw(actor=citizen, signup=s)
    assert s.status == SignupStatus.WITHDRAWN
    again = services.volunteer_signup(actor=citizen, item=task, message="Back again")
    assert again.pk == s.pk and again.status == SignupStatus.PENDING


def test_signup_refusals(cast, public_cast, citizen):
    private_task = volunteer_task(cast)
    with pytest.raises(PermissionDenied):
        services.volunteer_signup(actor=citizen, item=private_task)  # private partnership, not a partner
    member = make_person()
    add_role(cast.residents, member, "member")
    assert services.volunteer_signup(actor=member, item=private_task).pk  # a partner's person may
    not_offered = public_cast.item(title="Audit the books", owner=public_cast.charity)
    with pytest.raises(ValidationError):
        services.volunteer_signup(actor=citizen, item=not_offered)
    done = volunteer_task(public_cast)
    services.work_item_set_status(actor=public_cast.food, acting_for=public_cast.charity, item=done, status="done")
    with pytest.raises(ValidationError):
        services.volunteer_signup(actor=citizen, item=done)


def test_confirming_beyond_the_places_is_refused(public_cast):
    c = public_cast
    task = volunteer_task(c, 1)
    a = services.volunteer_signup(actor=make_person(), item=task)
    b = services.volunteer_signup(actor=make_person(), item=task)
    services.volunteer_signup_decide(actor=c.food, acting_for=c.charity, signup=a, confirm=True)
    with pytest.raises(ValidationError):
        services.volunteer_signup_decide(actor=c.food, acting_for=c.charity, signup=b, confirm=True)
