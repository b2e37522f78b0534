"""Template filters for the evaluation pages."""

from django import template

from ..selectors.measurements import shown

register = template.Library()


@register.filter
def measure(value) -> str:
    """A measured value as people read it: localised, grouped, without trailing zeros (6.05, not 6.0500)."""
    return shown(value)
