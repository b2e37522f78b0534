from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from joinery.network import selectors as network
from joinery.organisations.selectors import organisations_represented_by


def home(request):
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    # Only names and places are shown: no per-partnership counts, so the cost does not grow with the country.
    public = list(network.visible_partnerships(person=request.user).order_by("name", "id")[:10])
    return render(request, "core/home.html", {"partnerships": public})


@login_required
def dashboard(request):
    person = request.user
    return render(request, "core/dashboard.html", {
        "organisations": list(organisations_represented_by(person=person)),
        "partnerships": list(network.my_partnerships(person=person)),
        "invitations": network.invitations_for_person(person=person),
        "open_decisions": network.open_decisions_for_person(person=person),
        "needs_mfa": any(o.is_public_body for o in organisations_represented_by(person=person)) and not person.has_mfa(),
    })


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
