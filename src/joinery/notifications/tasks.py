"""Background tasks: email for notifications (enqueued in the same transaction as the change)."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task


@task()
def send_notification_email(notification_id: int) -> str:
    from .models import Notification

    n = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if n is None or n.emailed_at is not None:
        return "skipped"
    link = f"{settings.SITE_URL}{n.url}" if n.url else settings.SITE_URL
    send_mail(n.title, f"{n.body}\n\n{link}\n", None, [n.recipient.email])
    Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
    return "sent"
