from .models import Notification, OutboxMessage


def unread_count(*, person) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


def notifications_for(*, person, limit: int = 50):
    return list(Notification.objects.filter(recipient=person).order_by("-created_at", "-id")[:limit])


def outbox(*, limit: int = 100):
    return list(OutboxMessage.objects.order_by("-sent_at", "-id")[:limit])
