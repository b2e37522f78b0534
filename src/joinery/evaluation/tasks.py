"""Deferred tasks of the evaluation framework, run by `joinery worker`."""

from django_tasks import task


@task()
def send_measurement_reminders(remind_on: str = "") -> int:
    """Remind reporting partners of values due soon. `remind_on` (the day it was planned for) is for reading
    the task list; the run sends every reminder due today, once, so repeated runs are harmless."""
    from .services.measurements import reminders_send

    return reminders_send()
