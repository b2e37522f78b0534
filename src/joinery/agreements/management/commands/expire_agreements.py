from django.core.management.base import BaseCommand

from joinery.agreements.services import expire_due_agreements


class Command(BaseCommand):
    help = "Mark agreements in force whose expiry date has passed as expired (for cron; the worker also does it)."

    def handle(self, *args, **options):
        self.stdout.write(f"{expire_due_agreements()} agreement(s) expired.")
