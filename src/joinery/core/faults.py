"""Fault points: where the kill -9 tests stop a write in the middle (docs/faults.md).

A service calls `fault_point("agreement.sign")` inside its transaction, after it has written
and before it commits. In production this does nothing: unless the environment variable
JOINERY_FAULT_PAUSE names the point, it is one set lookup and a return. When it is named, the
point appends "<name> <pid>" to the file JOINERY_FAULT_MARKER (so the test knows the request
is mid-transaction) and sleeps JOINERY_FAULT_PAUSE_SECONDS, while the test kills the server
with SIGKILL. If nobody kills it, the write carries on and commits as usual.
"""

from __future__ import annotations

import os
import time

from django.conf import settings


def fault_point(name: str) -> None:
    """Pause here if JOINERY_FAULT_PAUSE names this point; otherwise do nothing."""
    if name not in settings.JOINERY_FAULT_PAUSE:
        return
    with open(settings.JOINERY_FAULT_MARKER, "a", encoding="utf-8") as marker:
        marker.write(f"{name} {os.getpid()}\n")
        marker.flush()
        os.fsync(marker.fileno())
    time.sleep(settings.JOINERY_FAULT_PAUSE_SECONDS)
