"""Template tags of the network: which areas of a partnership the viewer sees (for its menu)."""

from django import template

from joinery.network.visibility import AREAS, can_see

register = template.Library()


@register.simple_tag(takes_context=True)
def partnership_areas(context, partnership) -> dict:
    """{area: bool} for the signed-in person (or the anonymous visitor), e.g. `shown.risks`."""
    request = context.get("request")
    person = getattr(request, "user", None)
    if person is None or partnership is None:
        return {}
    return {key: can_see(person, partnership, key) for key in AREAS}
