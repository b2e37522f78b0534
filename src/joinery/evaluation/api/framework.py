"""API: evaluation framework (stub until built)."""

from ninja import Router

router = Router(tags=["Evaluation"])
