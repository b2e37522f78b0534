"""An email backend that keeps a copy of each message for the admin outbox, then delivers it."""

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from .models import OutboxMessage

        for message in email_messages:
            OutboxMessage.objects.create(
                to=", ".join(message.to), subject=message.subject[:500], body=message.body
            )
        delivery = get_connection(settings.JOINERY_OUTBOX_DELIVERY_BACKEND, fail_silently=self.fail_silently)
        return delivery.send_messages(email_messages)
