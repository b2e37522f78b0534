"""`joinery work|risks|meetings …`: the same services as the pages, exit codes 0, 1 (refused) and 2 (not found)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from joinery.audit.models import AuditEvent
from joinery.programme.models import WorkItem
from joinery.risks.models import Risk, RiskStatus
from tests.conftest import run_cli
from tests.meetings.conftest import overdue_task, schedule
from tests.programme.conftest import Cast
from tests.risks.conftest import REASON, make_risk, set_appetite

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wide_terminal")]



@pytest.fixture
def cast(db):
    return Cast()



def test_work_list_shows_an_overdue_task_and_filters(cast, capsys):
    late = cast.item(title="Print the leaflets", owner=cast.charity, by=cast.charity,
                     due_date=timezone.localdate() - dt.timedelta(days=3))
    cast.item(title="Book the hall", due_date=timezone.localdate() + dt.timedelta(days=30))
    assert run_cli("work", "list", "--partnership", cast.p.slug) == 0
    out = capsys.readouterr().out
    assert "Print the leaflets" in out and "Book the hall" in out and "Planned, overdue" in out
    assert run_cli("work", "list", "--partnership", cast.p.slug, "--overdue") == 0
    out = capsys.readouterr().out
    assert "Print the leaflets" in out and str(late.pk) in out and "Book the hall" not in out
    assert run_cli("work", "list", "--partnership", cast.p.slug, "--owner", cast.city.slug, "--status", "open") == 0
    out = capsys.readouterr().out
    assert "Book the hall" in out and "Print the leaflets" not in out


def test_unknown_partnership_organisation_or_status_exits_2(cast, capsys):
    assert run_cli("work", "list", "--partnership", "nowhere") == 2
    assert "No partnership has the short name 'nowhere'" in capsys.readouterr().err
    assert run_cli("work", "list", "--partnership", cast.p.slug, "--owner", "nobody") == 2
    assert run_cli("work", "list", "--partnership", cast.p.slug, "--status", "finished") == 2
    assert run_cli("risks", "list", "--partnership", "nowhere") == 2
    assert run_cli("work", "status", 999999, "done", "--acting-for", cast.city.slug, "--as", cast.lead.email) == 2
    assert "No work item" in capsys.readouterr().err


def test_work_status_is_recorded_and_audited(cast, capsys):
    task = cast.item(title="Buy ovens", owner=cast.charity, by=cast.charity)
    code = run_cli("work", "status", task.pk, "in_progress", "--acting-for", cast.charity.slug, "--as", cast.food.email)
    assert code == 0 and "“Buy ovens” is now in progress." in capsys.readouterr().out
    task.refresh_from_db()
    assert task.status == "in_progress"
    event = AuditEvent.objects.get(action="work_item.status_changed", object_id=str(task.pk))
    assert event.actor == cast.food and event.acting_for == cast.charity


def test_a_bad_status_or_a_refusal_exits_1_and_changes_nothing(cast, capsys):
    task = cast.item(title="Buy ovens", owner=cast.charity, by=cast.charity)
    before = AuditEvent.objects.count()
    assert run_cli("work", "status", task.pk, "finished", "--acting-for", cast.charity.pk, "--as", cast.food.email) == 1
    assert "status: Choose a status." in capsys.readouterr().err
    assert run_cli("work", "status", task.pk, "cancelled", "--acting-for", cast.charity.pk, "--as", cast.food.email) == 1
    assert "reason: Say why the item is cancelled." in capsys.readouterr().err
    # The residents do not own the task and do not convene: refused.
    assert run_cli("work", "status", task.pk, "done", "--acting-for", cast.residents.slug, "--as", cast.res.email) == 1
    assert "Refused" in capsys.readouterr().err
    assert run_cli("work", "status", task.pk, "done", "--acting-for", cast.charity.slug, "--as", "nobody@example.org") == 2
    task.refresh_from_db()
    assert task.status == "planned" and task.version == 1 and AuditEvent.objects.count() == before


def test_a_gated_change_opens_a_decision(cast, capsys):
    objective = cast.item("objective", "Nobody goes hungry")
    cast.adopt()
    code = run_cli("work", "status", objective.pk, "cancelled", "--reason", "Another programme covers it.",
               "--acting-for", cast.city.slug, "--as", cast.lead.email)
    out = capsys.readouterr().out
    assert code == 0 and "a decision was opened at /" in out
    assert WorkItem.objects.get(pk=objective.pk).status == "planned"


@pytest.fixture
def risky(cast):
    set_appetite(cast.p, cast.city, threshold=9)
    high = make_risk(cast.p, cast.charity, likelihood=4, impact=4, title="Volunteers drop out")
    low = make_risk(cast.p, cast.charity, likelihood=1, impact=2, title="Rain on the open day")
    return high, low


def test_risks_list_says_the_score_and_the_appetite_in_words(cast, risky, capsys):
    assert run_cli("risks", "list", "--partnership", cast.p.slug) == 0
    out = capsys.readouterr().out
    assert "scores up to 9 are acceptable" in out
    assert "16 (likelihood 4 × impact 4)" in out and "Above appetite" in out and "Within appetite" in out
    assert out.index("Volunteers drop out") < out.index("Rain on the open day")


def test_risks_accept_needs_a_real_reason(cast, risky, capsys):
    high, _low = risky
    args = ("--acting-for", cast.charity.slug, "--as", cast.food.email)
    before = AuditEvent.objects.count()
    assert run_cli("risks", "accept", high.pk, "--reason", "", *args) == 1
    assert "reason: Say why the partnership accepts this risk" in capsys.readouterr().err
    high.refresh_from_db()
    assert high.status == RiskStatus.OPEN and not high.accepted_for_innovation
    assert AuditEvent.objects.count() == before
    assert run_cli("risks", "accept", high.pk, "--reason", REASON, *args) == 0
    assert "accepted for innovation" in capsys.readouterr().out
    high = Risk.objects.get(pk=high.pk)
    assert high.status == RiskStatus.ACCEPTED and high.accepted_for_innovation and high.accepted_by == cast.food
    assert high.acceptance_reason == REASON
    assert AuditEvent.objects.filter(action="risk.accepted_for_innovation", object_id=str(high.pk)).exists()
    assert run_cli("risks", "list", "--partnership", cast.p.slug) == 0
    assert "Accepted for innovation" in capsys.readouterr().out
    assert run_cli("risks", "accept", 999999, "--reason", REASON, *args) == 2


def test_meeting_agenda_and_invitation(cast, tmp_path, capsys):
    overdue_task(cast.p, cast.charity, title="Deliver the leaflets", days_late=10)
    meeting = schedule(cast.p, cast.city, title="Quarterly review")
    assert run_cli("meetings", "agenda", meeting.pk) == 0
    out = capsys.readouterr().out
    assert "Quarterly review" in out and "Overdue tasks" in out and "Deliver the leaflets" in out
    assert "10 days overdue" in out
    assert run_cli("meetings", "agenda", meeting.pk, "--language", "fr") == 0
    assert "Deliver the leaflets" in capsys.readouterr().out

    path = tmp_path / "review.ics"
    assert run_cli("meetings", "ics", meeting.pk, "-o", path) == 0
    cal = Calendar.from_ical(path.read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 1 and str(events[0]["uid"]) == str(meeting.uid)
    assert str(cal["method"]) == "REQUEST" and "Quarterly review" in str(events[0]["summary"])
    capsys.readouterr()
    assert run_cli("meetings", "ics", meeting.pk) == 0
    assert str(meeting.uid) in capsys.readouterr().out
    assert run_cli("meetings", "ics", 999999) == 2
    assert run_cli("meetings", "agenda", meeting.pk, "--language", "xx") == 2
