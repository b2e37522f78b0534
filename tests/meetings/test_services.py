"""Review meeting services: scheduling, rescheduling, cancelling, the agenda, and minutes that create tasks
in one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.meetings import agenda, services
from joinery.meetings.models import Attendance, MeetingAction, MeetingStatus, ReviewMeeting
from joinery.notifications.models import Notification
from joinery.programme.models import WorkItem, WorkProgramme
from joinery.risks import services as risks
from tests.conftest import admin_of, make_organisation, make_partnership

from .conftest import at, held_today, in_force_agreement, overdue_task, schedule

pytestmark = pytest.mark.django_db

REASON = "Trying a volunteer-led delivery model is how we learn whether it can reach more households."


# --- schedule ------------------------------------------------------------------------------------

def test_scheduling_generates_the_agenda_and_invites_every_partner(partnership, city, charity):
    m = schedule(partnership, charity, title="Spring review")
    assert m.status == MeetingStatus.SCHEDULED and m.sequence == 0 and m.agenda_generated_at
    assert [s["section"] for s in m.agenda] == ["overdue_tasks", "commitments_behind", "risks_above_appetite",
                                                "decisions_to_revisit", "agreement_reviews"]
    assert AuditEvent.objects.filter(action="meeting.scheduled", object_id=str(m.pk), acting_for=charity).exists()
    for org in (city, charity):
        n = Notification.objects.get(recipient=admin_of(org), kind="meeting")
        assert "Spring review" in n.title and n.url == m.get_absolute_url()
        assert f"/meetings/{m.pk}/invite.ics" in n.body and "Town hall" in n.body


def test_the_meeting_must_end_after_it_starts(partnership, city):
    with pytest.raises(ValidationError) as exc:
        schedule(partnership, city, starts_at=at(3, 14), ends_at=at(3, 13))
    assert "ends_at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        schedule(partnership, city, starts_at=at(3, 14), ends_at=at(5, 13))
    assert "ends_at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        schedule(partnership, city, title="   ")
    assert "title" in exc.value.message_dict
    assert not ReviewMeeting.objects.exists()


def test_an_outsider_cannot_schedule(partnership, outsider):
    with pytest.raises(PermissionDenied):
        schedule(partnership, outsider)


def test_agreement_and_programme_must_be_of_the_same_partnership(partnership, city, charity):
    other_org = make_organisation()
    other = make_partnership(convener=other_org, partners=[city])
    theirs = in_force_agreement(other, other_org, city, title="Theirs")
    programme = WorkProgramme.objects.create(partnership=other, title="Their plan", created_by=admin_of(other_org))
    with pytest.raises(ValidationError) as exc:
        schedule(partnership, city, agreement=theirs, programme=programme)
    assert {"agreement", "programme"} <= set(exc.value.message_dict)


# --- reschedule and cancel ----------------------------------------------------------------------------

def test_reschedule_bumps_the_sequence_and_refuses_a_stale_version(partnership, city, charity):
    m = schedule(partnership, city)
    m = services.meeting_reschedule(actor=admin_of(charity), acting_for=charity, meeting=m,
                                    expected_version=m.version, starts_at=at(9, 14), ends_at=at(9, 16))
    assert (m.sequence, m.version) == (1, 2) and m.starts_at == at(9, 14)
    with pytest.raises(services.MeetingConflict) as exc:
        services.meeting_reschedule(actor=admin_of(city), acting_for=city, meeting=m, expected_version=1,
                                    location="Library")
    assert exc.value.code == "stale" and exc.value.meeting.location == "Town hall"
    m.refresh_from_db()
    assert m.location == "Town hall" and m.sequence == 1
    with pytest.raises(ValidationError):
        services.meeting_reschedule(actor=admin_of(city), acting_for=city, meeting=m, expected_version=m.version,
                                    ends_at=m.starts_at - dt.timedelta(hours=1))
    assert AuditEvent.objects.filter(action="meeting.rescheduled").count() == 1


def test_cancel_needs_a_reason_and_bumps_the_sequence(partnership, city):
    m = schedule(partnership, city)
    with pytest.raises(ValidationError) as exc:
        services.meeting_cancel(actor=admin_of(city), acting_for=city, meeting=m, reason=" ")
    assert "reason" in exc.value.message_dict
    m = services.meeting_cancel(actor=admin_of(city), acting_for=city, meeting=m, reason="The hall is flooded")
    assert m.status == MeetingStatus.CANCELLED and m.sequence == 1
    assert AuditEvent.objects.get(action="meeting.cancelled").after["reason"] == "The hall is flooded"
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=admin_of(city), acting_for=city, meeting=m, reason="Again")
    with pytest.raises(ValidationError):
        services.meeting_reschedule(actor=admin_of(city), acting_for=city, meeting=m, expected_version=m.version,
                                    title="Back on")


def test_a_stale_cancel_is_refused(partnership, city):
    m = schedule(partnership, city)
    services.meeting_reschedule(actor=admin_of(city), acting_for=city, meeting=m, expected_version=1,
                                title="Renamed")
    with pytest.raises(StaleEdit):
        services.meeting_cancel(actor=admin_of(city), acting_for=city, meeting=m, reason="x", expected_version=1)


# --- the agenda ------------------------------------------------------------------------------------

def _section(meeting, key):
    return next(s for s in meeting.agenda if s["section"] == key)


def test_the_agenda_lists_what_is_due(partnership, city, charity):
    task = overdue_task(partnership, charity, title="Deliver the leaflets", days_late=10)
    agreement = in_force_agreement(partnership, city, charity, title="Food security compact", review_in_days=40)
    risks.risk_appetite_set(actor=admin_of(city), acting_for=city, partnership=partnership, threshold=9,
                            statement="Careful with people's safety.")
    high = risks.risk_create(actor=admin_of(city), acting_for=city, partnership=partnership, title="Venue lost",
                             cause="Lease", consequence="No pantry", likelihood=4, impact=4, owner=city)
    accepted = risks.risk_create(actor=admin_of(city), acting_for=city, partnership=partnership,
                                 title="Pop-up market", cause="New", consequence="Unknown", likelihood=5, impact=5,
                                 owner=charity)
    risks.risk_accept_for_innovation(actor=admin_of(charity), acting_for=charity, risk=accepted, reason=REASON)
    from tests.conftest import open_decision

    decision = open_decision(partnership)
    m = schedule(partnership, city, days=14)

    # Each item is stored as facts (no sentence); the sentence is written when it is read.
    assert all("text" not in i for s in m.agenda for i in s["items"])
    overdue = _section(m, "overdue_tasks")
    assert [i["url"] for i in overdue["items"]] == [task.get_absolute_url()]
    (item,) = overdue["items"]
    assert item == {"kind": "overdue_task", "work_item_id": task.pk, "title": "Deliver the leaflets",
                    "owner": "Eastside Food Bank", "due_date": task.due_date.isoformat(), "days_overdue": "10",
                    "url": task.get_absolute_url()}
    with translation.override("en"):
        assert "Deliver the leaflets" in agenda.render_item(item) and "10 days overdue" in agenda.render_item(item)
    behind = _section(m, "commitments_behind")
    assert len(behind["items"]) == 1
    (item,) = behind["items"]
    assert (item["kind"], item["party"], item["unit"], item["committed"]) == (
        "commitment_behind", "Eastside Food Bank", "hours", "1200.00")
    assert item["agreement_id"] == agreement.pk and item["url"] == agreement.get_absolute_url()
    assert Decimal(item["gap"]) == Decimal(item["expected_by_now"]) - Decimal(item["contributed"]) > 0
    with translation.override("en"):
        assert "Eastside Food Bank" in agenda.render_item(item) and "1,200 committed" in agenda.render_item(item)
    above = _section(m, "risks_above_appetite")
    assert [i["url"] for i in above["items"]] == [high.get_absolute_url()]  # not the accepted one
    assert (above["items"][0]["score"], above["items"][0]["appetite"]) == ("16", "9")
    with translation.override("en"):
        assert "score 16 (appetite: up to 9)" in agenda.render_item(above["items"][0])
    decisions = _section(m, "decisions_to_revisit")
    assert [i["url"] for i in decisions["items"]] == [decision.get_absolute_url()]
    assert decisions["items"][0]["kind"] == "decision_open" and decisions["items"][0]["decision_id"] == decision.pk
    reviews = _section(m, "agreement_reviews")
    assert [i["url"] for i in reviews["items"]] == [agreement.get_absolute_url()]
    (item,) = reviews["items"]
    assert (item["kind"], item["title"], item["review_date"], item["status"]) == (
        "agreement_review", "Food security compact", agreement.review_date.isoformat(), "in_force")
    with translation.override("en"):
        assert "Food security compact" in agenda.render_item(item) and "(in force)" in agenda.render_item(item)


def test_agreement_reviews_beyond_60_days_and_decisions_reviewed_later_are_not_due(partnership, city, charity):
    in_force_agreement(partnership, city, charity, review_in_days=200)
    m = schedule(partnership, city, days=14)
    assert _section(m, "agreement_reviews")["items"] == []
    assert _section(m, "decisions_to_revisit")["items"] == []
    # A meeting later in the year does see the review coming.
    later = schedule(partnership, city, days=150)
    assert len(_section(later, "agreement_reviews")["items"]) == 1


def test_each_section_is_bounded_with_how_many_more(partnership, city):
    for n in range(agenda.LIMIT + 3):
        overdue_task(partnership, city, title=f"Late {n}", days_late=n + 1)
    m = schedule(partnership, city)
    section = _section(m, "overdue_tasks")
    assert len(section["items"]) == agenda.LIMIT and section["more"] == 3
    assert section["items"][0]["title"] == "Late 22"  # the most overdue first


def test_refreshing_the_agenda_picks_up_new_work(partnership, city):
    m = schedule(partnership, city)
    assert _section(m, "overdue_tasks")["items"] == []
    overdue_task(partnership, city)
    m = services.meeting_refresh_agenda(actor=admin_of(city), acting_for=city, meeting=m)
    assert len(_section(m, "overdue_tasks")["items"]) == 1
    event = AuditEvent.objects.get(action="meeting.agenda_refreshed")
    assert event.before["agenda"][0]["items"] == [] and len(event.after["agenda"][0]["items"]) == 1


# --- minutes --------------------------------------------------------------------------------------

def _minutes(m, org, *, attendance, actions, minutes="We reviewed the plan and agreed the actions below."):
    return services.meeting_record_minutes(actor=admin_of(org), acting_for=org, meeting=m, minutes=minutes,
                                           attendance=attendance, actions=actions)


def test_minutes_record_attendance_and_turn_actions_into_tasks(partnership, city, charity):
    m = held_today(partnership, city)
    due = timezone.localdate() + dt.timedelta(days=30)
    m = _minutes(m, charity, attendance=[(city, True, "Ana (coordinator)"), (charity, False, "")], actions=[
        {"title": "Book the hall for the autumn", "owner": city, "due_date": due},
        {"title": "Recruit ten volunteers", "owner": charity, "due_date": due},
    ])
    assert m.status == MeetingStatus.HELD and m.held_at and m.minutes.startswith("We reviewed")
    assert {(a.organisation, a.present, a.attendees) for a in Attendance.objects.filter(meeting=m)} == {
        (city, True, "Ana (coordinator)"), (charity, False, "")}
    actions = list(MeetingAction.objects.filter(meeting=m).select_related("task"))
    assert [a.title for a in actions] == ["Book the hall for the autumn", "Recruit ten volunteers"]
    for a in actions:
        assert a.task.kind == "task" and a.task.title == a.title and a.task.owner == a.owner
        assert a.task.due_date == due and a.task.partnership == partnership
        assert "Quarterly review" in a.task.description
    # The tasks went into the programme for actions (created for the purpose here).
    programme = actions[0].task.programme
    assert programme.partnership == partnership and actions[1].task.programme == programme
    event = AuditEvent.objects.get(action="meeting.minutes_recorded")
    assert [x["task"] for x in event.after["actions"]] == [a.task_id for a in actions]
    assert AuditEvent.objects.filter(action="work_item.created").count() == 2


def test_actions_go_to_the_meeting_programme_when_it_has_one(partnership, city):
    from joinery.programme import services as programme_services

    programme = programme_services.programme_create(actor=admin_of(city), acting_for=city, partnership=partnership,
                                                    title="Food plan")
    m = held_today(partnership, city, programme=programme)
    m = _minutes(m, city, attendance=[(city, True, "")], actions=[
        {"title": "Write to the funder", "owner": city, "due_date": timezone.localdate()}])
    assert m.actions.get().task.programme == programme


def test_one_invalid_action_writes_nothing(partnership, city, charity, outsider):
    m = held_today(partnership, city)
    due = timezone.localdate() + dt.timedelta(days=7)
    with pytest.raises(ValidationError) as exc:
        _minutes(m, city, attendance=[(city, True, "")], actions=[
            {"title": "Fine", "owner": city, "due_date": due},
            {"title": "Not theirs to own", "owner": outsider, "due_date": due},
            {"title": "", "owner": charity, "due_date": timezone.localdate() - dt.timedelta(days=400)},
        ])
    messages = exc.value.message_dict["actions"]
    assert any("Action 2" in msg and "Westside Trust is not an active partner" in msg for msg in messages)
    assert any("Action 3" in msg and "before the meeting" in msg for msg in messages)
    m.refresh_from_db()
    assert m.status == MeetingStatus.SCHEDULED and m.minutes == ""
    assert not Attendance.objects.exists() and not MeetingAction.objects.exists()
    assert not WorkItem.objects.exists() and not WorkProgramme.objects.exists()


def test_a_refusal_from_the_work_programme_rolls_everything_back(partnership, city, charity):
    """The meeting's checks pass, the attendance is written, then the work programme refuses the task (the
    meeting's programme has since moved to a partnership the city is not in): nothing stays written."""
    other_org = make_organisation()
    other = make_partnership(convener=other_org)
    foreign = WorkProgramme.objects.create(partnership=other, title="Elsewhere", created_by=admin_of(other_org))
    m = held_today(partnership, city)
    ReviewMeeting.objects.filter(pk=m.pk).update(programme=foreign)
    with pytest.raises(PermissionDenied):
        _minutes(m, city, attendance=[(city, True, "Ana")], actions=[
            {"title": "Book the hall", "owner": city, "due_date": timezone.localdate()}])
    m.refresh_from_db()
    assert m.status == MeetingStatus.SCHEDULED and m.minutes == ""
    assert not Attendance.objects.exists() and not MeetingAction.objects.exists() and not WorkItem.objects.exists()
    assert not AuditEvent.objects.filter(action="meeting.minutes_recorded").exists()


def test_minutes_validation(partnership, city, charity, outsider):
    m = held_today(partnership, city)
    with pytest.raises(ValidationError) as exc:
        _minutes(m, city, minutes="  ", attendance=[(city, False, ""), (outsider, True, "")], actions=[])
    assert {"minutes", "attendance"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        _minutes(m, city, attendance=[(city, False, ""), (charity, False, "")], actions=[])
    assert "Record at least one organisation as present." in exc.value.message_dict["attendance"]
    with pytest.raises(ValidationError) as exc:
        _minutes(m, city, attendance=[(city, True, ""), (city, True, "")], actions=[])
    assert "attendance" in exc.value.message_dict
    due = timezone.localdate() + dt.timedelta(days=5 * 366)
    with pytest.raises(ValidationError) as exc:
        _minutes(m, city, attendance=[(city, True, "")], actions=[{"title": "Far", "owner": city, "due_date": due}])
    assert "three years" in exc.value.message_dict["actions"][0]


def test_minutes_of_a_future_cancelled_or_held_meeting_are_refused(partnership, city):
    future = schedule(partnership, city, days=3)
    with pytest.raises(ValidationError):
        _minutes(future, city, attendance=[(city, True, "")], actions=[])
    m = held_today(partnership, city)
    _minutes(m, city, attendance=[(city, True, "")], actions=[])
    with pytest.raises(ValidationError):
        _minutes(m, city, attendance=[(city, True, "")], actions=[])
    gone = schedule(partnership, city, days=1)
    services.meeting_cancel(actor=admin_of(city), acting_for=city, meeting=gone, reason="No quorum")
    with pytest.raises(ValidationError):
        _minutes(gone, city, attendance=[(city, True, "")], actions=[])


def test_an_outsider_cannot_record_minutes(partnership, city, outsider):
    m = held_today(partnership, city)
    with pytest.raises(PermissionDenied):
        _minutes(m, outsider, attendance=[(city, True, "")], actions=[])
