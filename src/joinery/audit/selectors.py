"""Reading the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from .models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass
class ChainReport:
    checked: int
    ok: bool
    broken_event_id: int | None = None
    problem: str = ""


def verify_chain(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order; return the first event whose link or content is wrong.

    The chain head records the latest event written, so removing events from the
    end of the chain (which leaves every remaining link intact) is detected too.
    """
    head = AuditChainHead.objects.filter(id=1).first()  # read first: later appends only extend the walk
    head_seen = head is None or head.last_event_id is None
    previous = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size]
        )
        if not batch:
            if not head_seen:
                return ChainReport(checked, False, head.last_event_id,
                                   "the latest event recorded by the chain head is missing or altered")
            return ChainReport(checked=checked, ok=True)
        for event in batch:
            if not head_seen and event.id == head.last_event_id and event.hash == head.last_hash:
                head_seen = True
            if event.previous_hash != previous:
                return ChainReport(checked, False, event.id, "previous_hash does not match the event before it")
            if event.compute_hash() != event.hash:
                return ChainReport(checked, False, event.id, "content does not match its hash")
            previous = event.hash
            checked += 1
            last_id = event.id


def events_for_partnership(*, partnership, limit: int = 50, before_id: int | None = None):
    """Most recent first, keyset-paginated so the page costs the same at any depth."""
    qs = AuditEvent.objects.filter(partnership=partnership).select_related("actor", "acting_for")
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs.order_by("-id")[:limit])


def events(*, limit: int = 50, before_id: int | None = None, object_type: str | None = None,
           partnership_ids=None):
    qs = AuditEvent.objects.select_related("actor", "acting_for")
    if partnership_ids is not None:
        qs = qs.filter(partnership_id__in=partnership_ids)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs.order_by("-id")[:limit])


def chain_summary() -> dict:
    """The chain head, the number of events and whether the chain verifies (a backup's check)."""
    head = AuditChainHead.objects.filter(id=1).first()
    return {
        "head_hash": head.last_hash if head else GENESIS_HASH,
        "head_event_id": head.last_event_id if head else None,
        "events": AuditEvent.objects.count(),
        "verified": verify_chain().ok,
    }
