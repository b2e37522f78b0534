"""Writes to the framework itself (built by the framework helper)."""


def apply_framework_decision(*, decision, actor) -> None:
    """Decision-closed hook: a carried framework_adoption decision adopts the framework."""
    return None
