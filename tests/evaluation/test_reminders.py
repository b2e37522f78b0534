"""Reminders to reporting partners before each period's due date: once, and only for what is missing."""

from __future__ import annotations

import datetime as dt

from django_tasks_db.models import DBTaskResult

from joinery.audit.models import AuditEvent
from joinery.evaluation import tasks
from joinery.evaluation.models import MeasurementReminder
from joinery.evaluation.services import measurements as services
from joinery.notifications.models import Notification
from tests.conftest import add_role, admin_of, make_person

D = dt.date
# 2025-Q3 ends 2025-09-30: due 30 days later (2025-10-30), reminded 7 days before (2025-10-23).


def test_due_dates_follow_the_framework(adopted):
    from joinery.evaluation.periods import parse

    assert services.due_dates(adopted, parse("quarter", "2025-Q3")) == (D(2025, 10, 23), D(2025, 10, 30))


def test_partners_missing_values_are_reminded_once(adopted):
    w = adopted.world
    member = make_person(name="Kitchen volunteer coordinator")
    add_role(w.residents, member, "member")
    services.measurement_report(actor=admin_of(w.charity), acting_for=w.charity, indicator=w.indicator("meals"),
                                period="2025-Q3", value="130")
    Notification.objects.all().delete()
    assert services.reminders_send(today=D(2025, 10, 22)) == 0  # not yet
    assert services.reminders_send(today=D(2025, 10, 23)) == 2  # the city (wait-days) and residents (trust)
    reminded = set(MeasurementReminder.objects.values_list("organisation_id", "period"))
    assert reminded == {(w.city.pk, "2025-Q3"), (w.residents.pk, "2025-Q3")}
    assert Notification.objects.filter(recipient=member, kind="evaluation", title__contains="Q3 2025").exists()
    assert Notification.objects.filter(recipient=admin_of(w.city), body__contains="Days waiting").exists()
    assert not Notification.objects.filter(recipient=admin_of(w.charity)).exists()
    assert AuditEvent.objects.filter(action="evaluation.measurement_reminder_sent").count() == 2
    # Idempotent: a second run on the same or a later day in the window sends nothing more.
    assert services.reminders_send(today=D(2025, 10, 23)) == 0
    assert services.reminders_send(today=D(2025, 10, 30)) == 0
    assert services.reminders_send(today=D(2025, 10, 31)) == 0  # past due: late, not reminded


def test_nothing_missing_means_no_reminder(adopted):
    w = adopted.world
    for code, org, value in (("meals", w.charity, "130"), ("wait-days", w.city, "7"), ("trust", w.residents, "55")):
        services.measurement_report(actor=admin_of(org), acting_for=org, indicator=w.indicator(code),
                                    period="2025-Q3", value=value)
    assert services.reminders_send(today=D(2025, 10, 25)) == 0


def test_draft_frameworks_are_not_reminded(framework):
    assert services.reminders_send(today=D(2025, 10, 25)) == 0
    services.reminders_schedule(framework=framework)  # not adopted: nothing scheduled
    assert not DBTaskResult.objects.filter(task_path=tasks.send_measurement_reminders.module_path).exists()


def test_schedule_enqueues_one_task_per_period_not_yet_due(adopted):
    DBTaskResult.objects.filter(task_path=tasks.send_measurement_reminders.module_path).delete()
    services.reminders_schedule(framework=adopted)
    rows = list(DBTaskResult.objects.filter(task_path=tasks.send_measurement_reminders.module_path))
    from django.utils import timezone

    from joinery.evaluation.periods import periods_between

    today = timezone.localdate()
    expected = [p for p in periods_between("quarter", adopted.starts_on, adopted.ends_on)
                if services.due_dates(adopted, p)[1] >= today]
    assert len(rows) == len(expected)
    assert all(r.run_after is not None for r in rows)


def test_the_task_sends_the_reminders_due_today(adopted):
    # The task runs reminders_send for today; with the framework's periods all past due or far ahead,
    # it sends only what today's window holds, and running it twice sends nothing more.
    first = tasks.send_measurement_reminders.call()
    assert tasks.send_measurement_reminders.call() == 0
    assert first == MeasurementReminder.objects.count()
