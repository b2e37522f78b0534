"""Review meetings through the API: the happy path, refusals (4xx), stale versions (409), query counts, and
schemathesis over the meeting operations with real ids."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinery.meetings import services
from joinery.meetings.models import Attendance, ReviewMeeting
from joinery.programme.models import WorkItem
from tests.api import test_schemathesis
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of, make_partnership, make_person

from .conftest import at, held_today, overdue_task, schedule

pytestmark = pytest.mark.django_db

wsgi_app = test_schemathesis.wsgi_app  # the fixture, for the schemathesis run below


def as_(person) -> ApiClient:
    return ApiClient().as_(person)


def test_schedule_reschedule_and_read_the_agenda(partnership, city, charity):
    overdue_task(partnership, charity, title="Deliver the leaflets")
    api = as_(admin_of(charity))
    r = api.post(f"/partnerships/{partnership.slug}/meetings", {
        "acting_for": charity.slug, "title": "Autumn review", "starts_at": at(7, 10).isoformat(),
        "ends_at": at(7, 12).isoformat(), "location": "Town hall"})
    assert r.status_code == 201, r.json()
    m = r.json()
    assert m["status"] == "scheduled" and m["sequence"] == 0 and m["ics_url"].endswith(f"/meetings/{m['id']}/invite.ics")
    assert [s["section"] for s in m["agenda"]["sections"]][0] == "overdue_tasks"
    assert "Deliver the leaflets" in m["agenda"]["sections"][0]["items"][0]["text"]
    agenda = api.get(f"/meetings/{m['id']}/agenda").json()
    assert agenda["sections"][0]["heading"] == "Overdue tasks"
    r = api.patch(f"/meetings/{m['id']}", {"acting_for": charity.slug, "expected_version": 1,
                                           "location": "Library"})
    assert r.status_code == 200 and r.json()["location"] == "Library" and r.json()["sequence"] == 1
    listed = api.get(f"/partnerships/{partnership.slug}/meetings", when="upcoming").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == m["id"]
    assert api.get(f"/partnerships/{partnership.slug}/meetings", when="past").json()["count"] == 0
    r = api.post(f"/meetings/{m['id']}/agenda/refresh", {"acting_for": charity.slug})
    assert r.status_code == 200 and r.json()["generated_at"]


def test_a_stale_reschedule_is_409_with_the_meeting_as_saved(partnership, city, charity):
    m = schedule(partnership, city)
    services.meeting_reschedule(actor=admin_of(city), acting_for=city, meeting=m, expected_version=1,
                                location="Community centre")
    r = as_(admin_of(charity)).patch(f"/meetings/{m.pk}", {"acting_for": charity.slug, "expected_version": 1,
                                                            "title": "Mine"})
    assert r.status_code == 409
    assert r.json()["detail"] and r.json()["theirs"]["location"] == "Community centre"
    m.refresh_from_db()
    assert m.title == "Quarterly review"


def test_cancel(partnership, city):
    m = schedule(partnership, city)
    api = as_(admin_of(city))
    r = api.post(f"/meetings/{m.pk}/cancel", {"acting_for": city.slug, "reason": ""})
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = api.post(f"/meetings/{m.pk}/cancel", {"acting_for": city.slug, "reason": "Clash", "expected_version": 9})
    assert r.status_code == 409
    r = api.post(f"/meetings/{m.pk}/cancel", {"acting_for": city.slug, "reason": "Clash"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["sequence"] == 1


def test_minutes_create_tasks_and_a_bad_action_writes_nothing(partnership, city, charity, outsider):
    m = held_today(partnership, city)
    api = as_(admin_of(city))
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    body = {"acting_for": city.slug, "minutes": "We agreed two actions.",
            "attendance": [{"organisation": city.slug, "present": True, "attendees": "Ana"},
                           {"organisation": charity.slug, "present": False}],
            "actions": [{"title": "Book the hall", "owner": city.slug, "due_date": due},
                        {"title": "Recruit drivers", "owner": outsider.slug, "due_date": due}]}
    r = api.post(f"/meetings/{m.pk}/minutes", body)
    assert r.status_code == 400 and "actions" in r.json()["errors"]
    assert not WorkItem.objects.exists() and not Attendance.objects.exists()
    body["actions"][1]["owner"] = "no-such-org"
    r = api.post(f"/meetings/{m.pk}/minutes", body)
    assert r.status_code == 400 and "actions" in r.json()["errors"]
    body["actions"][1]["owner"] = charity.slug
    r = api.post(f"/meetings/{m.pk}/minutes", body)
    assert r.status_code == 200, r.json()
    out = r.json()
    assert out["status"] == "held" and out["minutes"] == "We agreed two actions."
    assert [(a["organisation"]["slug"], a["present"]) for a in out["attendance"]] == [
        (charity.slug, False), (city.slug, True)]
    tasks = {t.pk: t for t in WorkItem.objects.all()}
    assert [a["task_id"] in tasks for a in out["actions"]] == [True, True]
    assert {t.title for t in tasks.values()} == {"Book the hall", "Recruit drivers"}


def test_refusals(partnership, city, charity):
    m = schedule(partnership, city, days=3)
    api = as_(admin_of(charity))
    r = api.post(f"/meetings/{m.pk}/minutes", {"acting_for": charity.slug, "minutes": "x",
                                               "attendance": [{"organisation": city.slug, "present": True}]})
    assert r.status_code == 400 and "not taken place yet" in r.json()["detail"]
    r = api.post(f"/partnerships/{partnership.slug}/meetings", {
        "acting_for": charity.slug, "title": "x", "starts_at": at(3, 12).isoformat(),
        "ends_at": at(3, 11).isoformat()})
    assert r.status_code == 400 and "ends_at" in r.json()["errors"]
    r = api.post(f"/partnerships/{partnership.slug}/meetings", {"acting_for": charity.slug, "title": "x"})
    assert r.status_code == 422
    r = api.post(f"/partnerships/{partnership.slug}/meetings", {
        "acting_for": charity.slug, "title": "x", "starts_at": at(3, 10).isoformat(),
        "ends_at": at(3, 11).isoformat(), "agreement": 999999})
    assert r.status_code == 400 and "agreement" in r.json()["errors"]
    stranger = as_(make_person())
    assert stranger.get(f"/meetings/{m.pk}").status_code == 404
    assert stranger.get(f"/partnerships/{partnership.slug}/meetings").status_code == 404
    assert ReviewMeeting.objects.count() == 1


def test_list_query_count_is_flat(partnership, city, charity):
    schedule(partnership, city)
    api = as_(admin_of(charity))
    url = f"/partnerships/{partnership.slug}/meetings"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(6):
        schedule(partnership, charity if n % 2 else city, title=f"M{n}", days=n + 1)
    assert count() == few


def test_meeting_operations_conform_to_the_description_with_real_ids(wsgi_app, city, charity):
    """Schemathesis over the meeting operations, with real ids so requests reach past the 404s."""
    from collections import Counter

    import schemathesis

    p = make_partnership(convener=city, partners=[charity], name="Schema Renewal")
    upcoming = schedule(p, city)
    today = held_today(p, city)
    key = token_for(admin_of(city))
    known = {"slug": [p.slug], "meeting_id": [upcoming.pk, today.pk]}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if "review meetings" in (op.definition.raw.get("tags") or [])]
    assert len(operations) >= 8
    cases = {"count": 0}
    statuses: dict[str, Counter] = {}
    for operation in operations:
        test_schemathesis.run_operation(operation, known, key, cases, statuses)
    print(f"\nschemathesis (meetings, real ids): {cases['count']} cases over {len(operations)} operations")
    for label, counter in statuses.items():
        print(f"  {label}: {dict(sorted(counter.items()))}")
    assert sum(c[s] for c in statuses.values() for s in c if 200 <= s < 300) >= len(operations) // 2
