"""Deferred tasks of agreements, run by `joinery worker`."""

from django_tasks import task


@task()
def remind_review(agreement_id: int, due: str) -> int:
    from .models import Agreement
    from .services import remind_review as remind

    a = Agreement.objects.filter(pk=agreement_id).first()
    return remind(agreement=a, due=due) if a else 0


@task()
def expire_agreements() -> int:
    from .services import expire_due_agreements

    return expire_due_agreements()
