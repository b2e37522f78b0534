"""Writes about work programmes."""


def apply_programme_decision(*, decision, actor) -> None:
    """Decision-closed hook: apply a carried programme change."""
