"""View shortcuts every partnership page uses."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from joinery.core.exceptions import PermissionDenied

from .models import Partnership
from .visibility import AREAS, can_see


def partnership_or_404(request, slug: str, perm: str = "network.view_partnership", area: str | None = None
                       ) -> Partnership:
    """The partnership, if the person may see it; a private one does not reveal that it exists.

    With `area`, also that part of it (network/visibility.py): 403 when only its partners see it.
    """
    p = get_object_or_404(Partnership, slug=slug)
    if not request.user.has_perm(perm, p):
        raise Http404
    if area is not None:
        require_area(request.user, p, area)
    return p


def require_area(person, partnership, area: str) -> None:
    """403, saying who sees it, when `area` of a partnership the person can see is kept among its partners."""
    if not can_see(person, partnership, area):
        raise PermissionDenied(_("Only the partners of %(p)s see this: %(area)s.")
                               % {"p": partnership.name, "area": str(AREAS[area].label).lower()})
