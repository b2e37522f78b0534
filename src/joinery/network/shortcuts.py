"""View shortcuts every partnership page uses."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Partnership


def partnership_or_404(request, slug: str, perm: str = "network.view_partnership") -> Partnership:
    """The partnership, if the person may see it; a private one does not reveal that it exists."""
    p = get_object_or_404(Partnership, slug=slug)
    if not request.user.has_perm(perm, p):
        raise Http404
    return p
