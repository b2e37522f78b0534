"""Open data: the convener's settings, and the public pages and downloads (no sign-in needed).

The public pages show a partnership's dataset only while it is published, even for a
private partnership (publishing is an explicit act); otherwise they answer 404 and reveal
nothing. Only indicators marked published and not retired appear.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.core.forms import posted, refuse_unless_acting, show_refusal
from joinery.network.shortcuts import partnership_or_404

from ..forms.open_data import PublicationForm
from ..models import Framework, Indicator, Licence, OpenDataPublication
from ..selectors import open_data as selectors
from ..selectors.reporting import my_partner_organisations
from ..services import reporting as services


def settings(request, slug):
    """The convener chooses what to publish; other partners see the choice."""
    p = partnership_or_404(request, slug, "network.view_partnership_activity")
    f = Framework.objects.filter(partnership=p).first()
    if f is None:
        return render(request, "evaluation/open_data/settings.html", {"partnership": p, "framework": None})
    pub = OpenDataPublication.objects.filter(framework=f).first()
    indicators = list(Indicator.objects.filter(framework=f, retired_at__isnull=True).order_by("position", "id"))
    conveners = my_partner_organisations(person=request.user, partnership=p, convener_only=True)
    if pub is not None:
        initial = {"version": pub.version, "is_published": pub.is_published, "title": pub.title,
                   "description": pub.description, "licence": pub.licence, "publisher": pub.publisher,
                   "contact_email": pub.contact_email}
    else:
        initial = {"title": _("%(p)s: results") % {"p": p.name}, "publisher": p.name, "licence": Licence.CC_BY_4}
    initial["indicators"] = [i.pk for i in indicators if i.is_published]
    form = PublicationForm(posted(request), initial=initial).set_acting_for(conveners)
    form.set_indicators(indicators)
    stale = False
    message = _("Only the convener's administrators and coordinators can publish open data.")
    if request.method == "POST" and not refuse_unless_acting(form, conveners, message) and form.is_valid():
        data = form.cleaned_data
        try:
            services.publication_update(
                actor=request.user, acting_for=data["acting_for"], framework=f, is_published=data["is_published"],
                title=data["title"], description=data["description"], licence=data["licence"],
                publisher=data["publisher"], contact_email=data["contact_email"], indicators=form.chosen(),
                expected_version=data.get("version"))
        except StaleEdit as exc:
            stale = True
            form.add_error(None, exc.messages[0])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Open data settings saved.") + " " + (
                _("The chosen indicators are public.") if data["is_published"] else _("Nothing is published.")))
            return redirect("evaluation:open_data_settings", p.slug)
    return render(request, "evaluation/open_data/settings.html", {
        "partnership": p, "framework": f, "publication": pub, "form": form, "can_publish": bool(conveners),
        "published": [i for i in indicators if i.is_published],
    }, status=409 if stale else (400 if form.errors else 200))


def index(request):
    return render(request, "evaluation/open_data/index.html", {"publications": selectors.published_list()})


def _dataset(slug):
    ds = selectors.dataset(slug=slug)
    if ds is None:
        raise Http404
    return ds


def dataset(request, slug):
    ds = _dataset(slug)
    return render(request, "evaluation/open_data/dataset.html", {"ds": ds, "partnership": ds.partnership})


def dataset_csv(request, slug):
    ds = _dataset(slug)
    response = HttpResponse(selectors.dataset_csv(ds), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ds.partnership.slug}-open-data.csv"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


def dataset_json(request, slug):
    ds = _dataset(slug)
    response = HttpResponse(selectors.dataset_json(ds, base_url=request.build_absolute_uri("/")[:-1]),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{ds.partnership.slug}-open-data.json"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
