"""API: reading the audit trail (never writing it: services do that in their transactions)."""

import datetime as dt
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from joinery.api.common import MAX_ID, Text, partnerships_of, visible_partnership
from joinery.api.errors import ERROR_RESPONSES
from joinery.core.exceptions import PermissionDenied

from . import selectors

router = Router(tags=["audit"])


class ActingForOut(Schema):
    id: int
    slug: str
    name: str


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor_label: str
    acting_for: ActingForOut | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    partnership_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    previous_hash: str
    hash: str


class AuditPageOut(Schema):
    items: list[AuditEventOut]
    next_before_id: int | None = Field(
        description="Pass as `before_id` for the next (older) page; null on the last page.")


@router.get("/audit-events", response={200: AuditPageOut, **ERROR_RESPONSES}, summary="Audit events, newest first")
def audit_events(request, partnership: Text | None = None,
                 object_type: Text | None = None,
                 before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                 limit: Annotated[int, Query(ge=1, le=100)] = 50):
    """Administrators see every event; others see the events of the partnerships their
    organisations are partners in. Pages by `before_id` (keyset), so any depth costs the same."""
    person = request.auth
    if partnership:
        p = visible_partnership(person, partnership)
        if not person.has_perm("network.view_partnership_activity", p):
            raise PermissionDenied(_("Only the partners see a partnership's activity."))
        partnership_ids = [p.pk]
    elif person.is_staff:
        partnership_ids = None
    else:
        partnership_ids = partnerships_of(person).values("pk")
    items = selectors.events(limit=limit, before_id=before_id, object_type=object_type or None,
                             partnership_ids=partnership_ids)
    return {"items": items, "next_before_id": items[-1].id if len(items) == limit else None}
