"""Writing to the audit trail. Every service calls `record_event` inside its transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from .models import GENESIS_HASH, AuditChainHead, AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The field values of `obj` as JSON, for an event's before/after."""
    data = model_to_dict(obj, fields=fields)
    data.pop("password", None)
    return _jsonable(data)


def record_event(
    *,
    actor,
    action: str,
    obj: models.Model,
    acting_for=None,
    partnership=None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must be called inside the write's transaction")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_hash": GENESIS_HASH}
    )
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        actor_label=(actor.display_name if actor is not None and actor.is_authenticated else "system"),
        acting_for=acting_for,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        partnership=partnership,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        previous_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    event.save()
    AuditChainHead.objects.filter(id=1).update(last_hash=event.hash, last_event_id=event.id)
    return event
