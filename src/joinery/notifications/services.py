"""Creating and reading notifications."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone, translation

from joinery.audit.services import record_event

from .models import EMAIL_PREFERENCE, Notification


def notify(*, recipients: Iterable, kind: str, title: Callable[[], str], body: Callable[[], str] = lambda: "",
           url: str = "") -> list[Notification]:
    """Notify each recipient in their own language; email the ones who want email.

    `title` and `body` are callables so each is rendered under the recipient's language.
    The email task is enqueued inside the caller's transaction: if the change rolls
    back, no email goes out; if it commits, the email is never lost.
    """
    from .tasks import send_notification_email

    created = []
    seen = set()
    for person in recipients:
        if person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        with translation.override(person.preferred_language or "en"):
            n = Notification.objects.create(recipient=person, kind=kind, title=str(title())[:300],
                                            body=str(body()), url=url)
        created.append(n)
        if getattr(person, EMAIL_PREFERENCE.get(kind, "email_decisions"), True):
            send_notification_email.enqueue(n.pk)
    return created


@transaction.atomic
def notification_mark_read(*, actor, notification: Notification) -> Notification:
    if notification.recipient_id == actor.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        record_event(actor=actor, action="notification.read", obj=notification)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        record_event(actor=actor, action="notification.all_read", obj=actor, after={"count": count})
    return count
