"""`joinery manage rebuild_similarity`: recompute every agreement's similarity fingerprint.

Needed after importing agreements in bulk, or when the shingling rules change; the
cut-and-paste warning reads the stored fingerprints.
"""

import time

from django.core.management.base import BaseCommand

from joinery.agreements import similarity


class Command(BaseCommand):
    help = "Recompute the MinHash fingerprint of every agreement (for the cut-and-paste warning)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="agreements per batch (default 500)")

    def handle(self, *args, batch_size: int = 500, **options):
        started = time.perf_counter()
        stored = similarity.rebuild_all(batch_size=batch_size)
        similarity.reset_cache()
        self.stdout.write(f"{stored} agreement fingerprint(s) stored in {time.perf_counter() - started:.1f} s.")
