"""Review meeting pages: schedule, change, cancel, record minutes (with tasks), permissions, refused input,
stale edits, and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from joinery.audit.models import AuditEvent
from joinery.meetings import services
from joinery.meetings.models import MeetingAction, MeetingStatus, ReviewMeeting
from joinery.programme.models import WorkItem
from tests.accounts.html_audit import audit
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person

from .conftest import at, held_today, overdue_task, schedule

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def audit_refused(response, status=400):
    assert response.status_code == status, response.status_code
    response.status_code = 200
    try:
        return audit(response)
    finally:
        response.status_code = status


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_url_names():
    assert reverse("meetings:list", args=["p"]) == "/partnerships/p/meetings/"
    assert reverse("meetings:create", args=["p"]) == "/partnerships/p/meetings/new/"
    assert reverse("meetings:feed", args=["p"]) == "/partnerships/p/meetings.ics"
    assert reverse("meetings:detail", args=[1]) == "/meetings/1/"
    assert reverse("meetings:ics", args=[1]) == "/meetings/1/invite.ics"
    assert reverse("meetings:edit", args=[1]) == "/meetings/1/edit/"
    assert reverse("meetings:cancel", args=[1]) == "/meetings/1/cancel/"
    assert reverse("meetings:minutes", args=[1]) == "/meetings/1/minutes/"
    assert reverse("meetings:refresh_agenda", args=[1]) == "/meetings/1/agenda/refresh/"


# --- list ---------------------------------------------------------------------------------------------

def test_list_shows_upcoming_and_past(client, partnership, city, charity):
    schedule(partnership, city, title="Next review", days=5)
    earlier = held_today(partnership, city, title="Earlier review")
    services.meeting_record_minutes(actor=admin_of(city), acting_for=city, meeting=earlier, minutes="Done.",
                                    attendance=[(city, True, "")], actions=[])
    gone = schedule(partnership, city, title="Called off", days=9)
    services.meeting_cancel(actor=admin_of(city), acting_for=city, meeting=gone, reason="Clash")
    client.force_login(admin_of(charity))
    response = client.get(reverse("meetings:list", args=[partnership.slug]))
    audit(response)
    html = body(response)
    upcoming, past = html.split("Past and cancelled")
    assert "Next review" in upcoming and "Earlier review" not in upcoming
    assert "Earlier review" in past and "Called off" in past and "Cancelled" in past
    assert reverse("meetings:feed", args=[partnership.slug]) in html
    assert reverse("meetings:create", args=[partnership.slug]) in html


def test_list_and_detail_are_hidden_from_outsiders(client, partnership, city):
    m = schedule(partnership, city)
    client.force_login(make_person())
    for url in (reverse("meetings:list", args=[partnership.slug]), m.get_absolute_url(),
                reverse("meetings:minutes", args=[m.pk]), reverse("meetings:edit", args=[m.pk])):
        assert client.get(url).status_code == 404, url


def test_list_query_count_is_flat(client, partnership, city, charity):
    schedule(partnership, city)
    held_today(partnership, city, title="Past")
    client.force_login(admin_of(charity))
    url = reverse("meetings:list", args=[partnership.slug])
    few = count_queries(client, url)
    for n in range(8):
        schedule(partnership, charity, title=f"Upcoming {n}", days=n + 2)
        past = held_today(partnership, city, title=f"Past {n}")
        if n % 2:
            services.meeting_record_minutes(actor=admin_of(city), acting_for=city, meeting=past, minutes="ok",
                                            attendance=[(city, True, "")], actions=[])
    assert count_queries(client, url) == few


# --- schedule --------------------------------------------------------------------------------------

def test_schedule_a_meeting(client, partnership, city, charity):
    overdue_task(partnership, charity, title="Deliver the leaflets")
    client.force_login(admin_of(charity))
    url = reverse("meetings:create", args=[partnership.slug])
    page = audit(client.get(url))
    assert {"id_title", "id_starts_at", "id_ends_at", "id_agreement", "id_programme"} <= page.label_fors
    response = client.post(url, {"acting_for": charity.pk, "title": "Autumn review", "starts_at": local(at(7, 10)),
                                 "ends_at": local(at(7, 12)), "location": "https://meet.example.org/eastside",
                                 "agreement": "", "programme": ""})
    m = ReviewMeeting.objects.get(title="Autumn review")
    assert response.status_code == 302 and response["Location"] == m.get_absolute_url()
    assert m.starts_at == at(7, 10) and m.created_by == admin_of(charity)
    response = client.get(m.get_absolute_url())
    audit(response)
    html = body(response)
    assert "Overdue tasks" in html and "Deliver the leaflets" in html and "Nothing due." in html
    assert reverse("meetings:ics", args=[m.pk]) in html


def test_schedule_bad_input_shows_errors_and_saves_nothing(client, partnership, city):
    client.force_login(admin_of(city))
    response = client.post(reverse("meetings:create", args=[partnership.slug]),
                           {"acting_for": city.pk, "title": "", "starts_at": local(at(3, 14)),
                            "ends_at": "not a time"})
    page = audit_refused(response)
    assert {"id_title", "id_ends_at"} <= set(page.summary_links)
    response = client.post(reverse("meetings:create", args=[partnership.slug]),
                           {"acting_for": city.pk, "title": "Backwards", "starts_at": local(at(3, 14)),
                            "ends_at": local(at(3, 13))})
    audit_refused(response)
    assert "The meeting must end after it starts." in body(response)
    assert not ReviewMeeting.objects.exists()


def test_a_non_partner_cannot_schedule_in_a_public_partnership(client, city, charity):
    p = make_partnership(convener=city, partners=[charity], visibility="public")
    stranger = make_person()
    make_organisation(admin=stranger)
    client.force_login(stranger)
    url = reverse("meetings:create", args=[p.slug])
    assert "must represent an organisation that is an active partner" in body(client.get(url))
    response = client.post(url, {"title": "Ours", "starts_at": local(at(3, 14)), "ends_at": local(at(3, 15))})
    assert response.status_code == 400 and not ReviewMeeting.objects.exists()
    # Meetings are kept among the partners by default (network/visibility.py).
    assert client.get(reverse("meetings:list", args=[p.slug])).status_code == 403


# --- change and cancel -------------------------------------------------------------------------------

def test_reschedule_and_a_stale_change(client, partnership, city, charity):
    m = schedule(partnership, city)
    client.force_login(admin_of(charity))
    url = reverse("meetings:edit", args=[m.pk])
    audit(client.get(url))
    form = {"acting_for": charity.pk, "version": m.version, "title": "Quarterly review",
            "starts_at": local(at(8, 9)), "ends_at": local(at(8, 11)), "location": "Library"}
    services.meeting_reschedule(actor=admin_of(city), acting_for=city, meeting=m, expected_version=m.version,
                                location="Community centre")
    response = client.post(url, form)
    audit_refused(response, 409)
    assert "Community centre" in body(response) and "Your version" in body(response)
    m.refresh_from_db()
    assert m.location == "Community centre" and m.sequence == 1
    form["version"] = m.version
    assert client.post(url, form).status_code == 302
    m.refresh_from_db()
    assert (m.location, m.starts_at, m.sequence) == ("Library", at(8, 9), 2)


def test_cancel_page(client, partnership, city):
    m = schedule(partnership, city)
    client.force_login(admin_of(city))
    url = reverse("meetings:cancel", args=[m.pk])
    audit(client.get(url))
    page = audit_refused(client.post(url, {"acting_for": city.pk, "version": m.version, "reason": ""}))
    assert "id_reason" in page.summary_links
    assert client.post(url, {"acting_for": city.pk, "version": m.version, "reason": "Clash"}).status_code == 302
    m.refresh_from_db()
    assert m.status == MeetingStatus.CANCELLED
    assert client.get(reverse("meetings:edit", args=[m.pk])).status_code == 302  # no changing a cancelled one


def test_refresh_agenda(client, partnership, city):
    m = schedule(partnership, city)
    overdue_task(partnership, city, title="Fix the van")
    client.force_login(admin_of(city))
    assert "Fix the van" not in body(client.get(m.get_absolute_url()))
    response = client.post(reverse("meetings:refresh_agenda", args=[m.pk]), {"acting_for": city.pk})
    assert response.status_code == 302
    assert "Fix the van" in body(client.get(m.get_absolute_url()))
    assert client.get(reverse("meetings:refresh_agenda", args=[m.pk])).status_code == 405


# --- minutes ---------------------------------------------------------------------------------------

def _minutes_form(city, charity, **extra):
    data = {
        "acting_for": city.pk, "version": 1, "minutes": "We reviewed the **food plan**.\n\n- Agreed the rota",
        "attendance-TOTAL_FORMS": "2", "attendance-INITIAL_FORMS": "2",
        "attendance-MIN_NUM_FORMS": "0", "attendance-MAX_NUM_FORMS": "500",
        "attendance-0-organisation": charity.pk, "attendance-0-present": "on",
        "attendance-0-attendees": "Sam (coordinator)",
        "attendance-1-organisation": city.pk, "attendance-1-present": "on", "attendance-1-attendees": "Ana",
        "actions-TOTAL_FORMS": "5", "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0", "actions-MAX_NUM_FORMS": "50",
    }
    for n in range(5):
        data.update({f"actions-{n}-title": "", f"actions-{n}-owner": "", f"actions-{n}-due_date": ""})
    data.update(extra)
    return data


def test_record_minutes_creates_tasks_and_the_page_shows_them(client, partnership, city, charity):
    m = held_today(partnership, city)
    client.force_login(admin_of(city))
    url = reverse("meetings:minutes", args=[m.pk])
    response = client.get(url)
    page = audit(response)
    html = body(response)
    assert "Eastside Food Bank was present" in html and "Who attended for Eastside Municipality" in html
    assert html.count('name="actions-') >= 15  # five blank action rows, without JavaScript
    assert "id_actions-4-title" in page.label_fors
    due = (timezone.localdate() + dt.timedelta(days=21)).isoformat()
    response = client.post(url, _minutes_form(city, charity, **{
        "actions-0-title": "Book the hall", "actions-0-owner": city.pk, "actions-0-due_date": due,
        "actions-1-title": "Recruit drivers", "actions-1-owner": charity.pk, "actions-1-due_date": due}))
    assert response.status_code == 302, body(response)
    m.refresh_from_db()
    assert m.status == MeetingStatus.HELD
    tasks = list(WorkItem.objects.order_by("id"))
    assert [t.title for t in tasks] == ["Book the hall", "Recruit drivers"]
    response = client.get(m.get_absolute_url())
    audit(response)
    html = body(response)
    assert "<strong>food plan</strong>" in html and "<li>Agreed the rota</li>" in html  # Markdown
    assert "Sam (coordinator)" in html
    for t in tasks:
        assert t.get_absolute_url() in html
    assert AuditEvent.objects.filter(action="meeting.minutes_recorded").exists()


def test_minutes_with_an_incomplete_action_show_errors_and_write_nothing(client, partnership, city, charity):
    m = held_today(partnership, city)
    client.force_login(admin_of(city))
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(reverse("meetings:minutes", args=[m.pk]), _minutes_form(city, charity, **{
        "minutes": "", "actions-0-title": "Book the hall", "actions-0-owner": city.pk, "actions-0-due_date": due,
        "actions-2-title": "No owner", "actions-2-due_date": due}))
    page = audit_refused(response)
    assert {"id_minutes", "id_actions-2-owner"} <= set(page.summary_links)
    assert "Choose the organisation that owns the action." in body(response)
    assert not WorkItem.objects.exists() and not MeetingAction.objects.exists()
    m.refresh_from_db()
    assert m.status == MeetingStatus.SCHEDULED


def test_a_due_date_before_the_meeting_is_refused_by_the_service(client, partnership, city, charity):
    m = held_today(partnership, city)
    client.force_login(admin_of(city))
    response = client.post(reverse("meetings:minutes", args=[m.pk]), _minutes_form(city, charity, **{
        "actions-0-title": "Too late", "actions-0-owner": city.pk, "actions-0-due_date": "2001-01-01"}))
    audit_refused(response)
    assert "the due date is before the meeting" in body(response)
    assert not WorkItem.objects.exists()


def test_a_member_of_a_partner_can_record_but_a_stranger_cannot(client, partnership, city, charity):
    m = held_today(partnership, city)
    stranger = make_person()
    client.force_login(stranger)
    assert client.get(reverse("meetings:minutes", args=[m.pk])).status_code == 404
    member = make_person()
    add_role(charity, member)
    client.force_login(member)
    response = client.post(reverse("meetings:minutes", args=[m.pk]),
                           _minutes_form(city, charity, acting_for=charity.pk))
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == MeetingStatus.HELD


def test_minutes_of_a_future_meeting_are_refused_with_a_message(client, partnership, city, charity):
    m = schedule(partnership, city, days=3)
    client.force_login(admin_of(city))
    assert reverse("meetings:minutes", args=[m.pk]) not in body(client.get(m.get_absolute_url()))
    response = client.post(reverse("meetings:minutes", args=[m.pk]), _minutes_form(city, charity))
    audit_refused(response)
    assert "has not taken place yet" in body(response)


def test_detail_query_count_is_flat(client, partnership, city, charity):
    m = held_today(partnership, city)
    services.meeting_record_minutes(
        actor=admin_of(city), acting_for=city, meeting=m, minutes="Notes", attendance=[(city, True, "")],
        actions=[{"title": "One", "owner": city, "due_date": timezone.localdate()}])
    client.force_login(admin_of(charity))
    few = count_queries(client, m.get_absolute_url())
    for n in range(6):
        org = make_organisation(name=f"Extra {n}")
        from joinery.network import services as network

        inv = network.invitation_create(actor=admin_of(city), partnership=partnership, acting_for=city,
                                        organisation=org)
        network.invitation_respond(actor=admin_of(org), invitation=inv, accept=True)
    bigger = held_today(partnership, city, title="Bigger")
    orgs = [p.organisation for p in partnership.partners.select_related("organisation")]
    services.meeting_record_minutes(
        actor=admin_of(city), acting_for=city, meeting=bigger, minutes="Notes",
        attendance=[(o, True, "x") for o in orgs],
        actions=[{"title": f"Action {n}", "owner": orgs[n % len(orgs)], "due_date": timezone.localdate()}
                 for n in range(8)])
    assert count_queries(client, bigger.get_absolute_url()) == few


def test_garbage_posts_never_give_a_server_error(client, partnership, city):
    m = held_today(partnership, city)
    client.force_login(admin_of(city))
    for url in (reverse("meetings:create", args=[partnership.slug]), reverse("meetings:edit", args=[m.pk]),
                reverse("meetings:cancel", args=[m.pk]), reverse("meetings:minutes", args=[m.pk])):
        for data in ({}, {"acting_for": "999999", "agreement": "x", "version": "abc", "starts_at": "2999-99-99",
                          "attendance-TOTAL_FORMS": "9999", "actions-TOTAL_FORMS": "-1"}):
            response = client.post(url, data)
            assert response.status_code == 400, (url, data, response.status_code)
    assert client.post(reverse("meetings:refresh_agenda", args=[m.pk]), {"acting_for": "x"}).status_code == 302
