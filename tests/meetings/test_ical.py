"""The iCalendar invitation and feed, parsed back with icalendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from joinery.meetings import ical, services
from tests.conftest import admin_of, make_person

from .conftest import at, overdue_task, schedule

pytestmark = pytest.mark.django_db


def test_invitation_is_a_request_with_uid_sequence_and_utc_times(partnership, city, charity):
    overdue_task(partnership, charity)
    m = schedule(partnership, city, title="Spring review — été", location="Town hall, room 2")
    cal = Calendar.from_ical(ical.invitation(m))
    assert str(cal["method"]) == "REQUEST" and str(cal["version"]) == "2.0"
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == str(m.uid)
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == m.starts_at.astimezone(dt.UTC)
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)
    assert event.decoded("dtend") == m.ends_at.astimezone(dt.UTC)
    assert str(event["summary"]) == "Spring review — été"
    assert str(event["location"]) == "Town hall, room 2"
    assert str(event["url"]) == settings.SITE_URL.rstrip("/") + m.get_absolute_url()
    assert str(event["status"]) == "CONFIRMED"
    description = str(event["description"])
    for heading in ("Overdue tasks (1)", "Commitments behind (0)", "Risks above appetite (0)",
                    "Decisions to revisit (0)", "Agreement review dates (0)"):
        assert heading in description
    text = ical.invitation(m)
    assert "\r\n" in text and text.startswith("BEGIN:VCALENDAR")


def test_reschedule_and_cancel_bump_the_sequence(partnership, city):
    m = schedule(partnership, city)
    m = services.meeting_reschedule(actor=admin_of(city), acting_for=city, meeting=m, expected_version=m.version,
                                    starts_at=at(10, 9), ends_at=at(10, 11))
    (event,) = Calendar.from_ical(ical.invitation(m)).walk("VEVENT")
    assert int(event["sequence"]) == 1 and event.decoded("dtstart") == at(10, 9).astimezone(dt.UTC)
    m = services.meeting_cancel(actor=admin_of(city), acting_for=city, meeting=m, reason="No quorum")
    cal = Calendar.from_ical(ical.invitation(m))
    (event,) = cal.walk("VEVENT")
    assert str(cal["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 2 and str(event["uid"]) == str(m.uid)


def test_feed_lists_the_partnerships_meetings(client, partnership, city, charity):
    a = schedule(partnership, city, title="First")
    b = schedule(partnership, charity, title="Second", days=30)
    services.meeting_cancel(actor=admin_of(city), acting_for=city, meeting=b, reason="Merged with the first")
    client.force_login(admin_of(charity))
    response = client.get(reverse("meetings:feed", args=[partnership.slug]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert str(cal["method"]) == "PUBLISH"
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {str(a.uid), str(b.uid)}
    assert str(events[str(b.uid)]["status"]) == "CANCELLED"


def test_invite_download_and_privacy(client, partnership, city):
    m = schedule(partnership, city)
    client.force_login(admin_of(city))
    response = client.get(reverse("meetings:ics", args=[m.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar") and "method=REQUEST" in response["Content-Type"]
    assert str(Calendar.from_ical(response.content).walk("VEVENT")[0]["uid"]) == str(m.uid)
    client.force_login(make_person())
    assert client.get(reverse("meetings:ics", args=[m.pk])).status_code == 404
    assert client.get(reverse("meetings:feed", args=[partnership.slug])).status_code == 404
