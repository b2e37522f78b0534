from django.core.management.base import BaseCommand

from joinery.network.services import close_due_decisions


class Command(BaseCommand):
    help = "Compute and record the outcome of every decision whose closing time has passed."

    def handle(self, *args, **options):
        n = close_due_decisions()
        self.stdout.write(f"{n} decision(s) closed.")
