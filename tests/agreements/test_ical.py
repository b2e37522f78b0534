"""The iCalendar feed of review and expiry dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from icalendar import Calendar

from joinery.agreements import services
from joinery.agreements.ical import review_calendar
from tests.conftest import admin_of, make_organisation, make_partnership

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreements():
    city = make_organisation(name="Eastside Municipality", sector="public", level="local")
    charity = make_organisation(name="Eastside Food Bank")
    p = make_partnership(convener=city, partners=[charity])

    def create(title, **dates):
        return services.agreement_create(actor=admin_of(city), partnership=p, acting_for=city, title=title,
                                         kind="mou", parties=[charity], **dates)

    return [create("Food plan — été", review_date=dt.date(2027, 3, 1), expiry_date=dt.date(2028, 2, 29)),
            create("Data protocol", review_date=dt.date(2027, 9, 15)),
            create("No dates yet")]


def test_one_all_day_event_per_review_and_expiry_date(agreements):
    food, data, _none = agreements
    body = review_calendar(agreements, name="Eastside reviews")
    assert body.startswith("BEGIN:VCALENDAR") and "\r\n" in body
    cal = Calendar.from_ical(body)
    assert str(cal["version"]) == "2.0" and str(cal["x-wr-calname"]) == "Eastside reviews"
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"agreement-{food.pk}-review@joinery", f"agreement-{food.pk}-expiry@joinery",
                           f"agreement-{data.pk}-review@joinery"}
    review = events[f"agreement-{food.pk}-review@joinery"]
    assert review.decoded("dtstart") == dt.date(2027, 3, 1)
    assert review.decoded("dtend") == dt.date(2027, 3, 2)
    assert str(review["summary"]) == "Review due: Food plan — été"
    assert str(review["url"]) == settings.SITE_URL.rstrip("/") + food.get_absolute_url()
    assert "DTSTART;VALUE=DATE:20270301" in body
    assert "DTSTAMP" in body.replace("\r\n ", "")
    expiry = events[f"agreement-{food.pk}-expiry@joinery"]
    assert expiry.decoded("dtstart") == dt.date(2028, 2, 29)
    assert str(expiry["summary"]).startswith("Agreement expires")


def test_the_feed_is_stable_and_empty_calendars_are_valid(agreements):
    assert review_calendar(agreements, name="x") == review_calendar(agreements, name="x")
    cal = Calendar.from_ical(review_calendar([], name="Nothing due"))
    assert cal.walk("VEVENT") == []
