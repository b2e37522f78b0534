"""API: citizen feedback (stub until built)."""

from ninja import Router

router = Router(tags=["Citizen feedback"])
