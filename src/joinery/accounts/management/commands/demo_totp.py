from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current two-factor code for a demo account (demo only)."

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?", default="coordinator@riverton.example")

    def handle(self, *args, **options):
        from allauth.mfa.totp.internal.auth import (
            format_hotp_value,
            hotp_value,
            yield_hotp_counters_from_time,
        )

        from joinery.demo import DEMO_TOTP_SECRET, PEOPLE

        if not settings.JOINERY_DEMO and not settings.DEBUG:
            raise CommandError("demo_totp only runs with JOINERY_DEMO=1.")
        if options["email"] not in {p[0] for p in PEOPLE if p[2]}:
            raise CommandError("That is not a demo account with two-factor authentication.")
        counter = next(iter(yield_hotp_counters_from_time()))
        self.stdout.write(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter)))
