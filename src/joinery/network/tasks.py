"""Deferred tasks of the network: enqueued when a decision opens, run by `joinery worker`."""

from django_tasks import task


@task()
def close_decision(decision_id: int) -> str:
    from .models import Decision
    from .services import decision_close

    d = Decision.objects.filter(pk=decision_id).first()
    if d is None:
        return "missing"
    d = decision_close(actor=None, decision=d)
    return d.status


@task()
def remind_decision_closing(decision_id: int) -> int:
    from .models import Decision
    from .services import remind_closing

    d = Decision.objects.filter(pk=decision_id).select_related("partnership").first()
    return remind_closing(decision=d) if d else 0
