"""API: evaluation reporting (stub until built)."""

from ninja import Router

router = Router(tags=["Evaluation"])
