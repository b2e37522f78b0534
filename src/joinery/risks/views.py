"""Web pages of the risk register. Thin: parse, call one service, respond.

Who may see: anyone who may see the partnership; private partnerships answer 404 to
outsiders. Who may act: the services decide and their messages are shown on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.core.forms import posted, refuse_unless_acting, show_refusal
from joinery.network.shortcuts import partnership_or_404

from . import selectors, services
from .forms import AcceptForm, AppetiteForm, CloseForm, RiskForm, StatusFilterForm
from .models import Risk, RiskStatus

PAGE_SIZE = 50


# --- helpers ------------------------------------------------------------------------------------

def _risk(request, pk) -> Risk:
    try:
        r = selectors.risk_get(pk=pk)
    except Risk.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("risks.view_register", r.partnership):
        raise Http404
    return r


def _not_a_partner():
    return _("Only the representatives of an active partner can do this.")


# --- the register ----------------------------------------------------------------------------------

def register(request, slug):
    p = partnership_or_404(request, slug, area="risks")
    form = StatusFilterForm(request.GET or None)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    appetite = selectors.current_appetite(partnership=p)
    page = Paginator(selectors.register(partnership=p, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page.object_list:
        r.above = selectors.is_above(r, appetite)
    return render(request, "risks/register.html", {
        "partnership": p, "form": form, "page": page, "appetite": appetite, "filtered": bool(status),
        "heat": selectors.heat_map(partnership=p, appetite=appetite),
        "can_add": request.user.has_perm("risks.add_risk", p),
        "can_set_appetite": request.user.has_perm("risks.set_appetite", p),
    })


@login_required
def create(request, slug):
    p = partnership_or_404(request, slug)
    partners = selectors.partner_organisations(partnership=p)
    mine = selectors.my_partner_organisations(person=request.user, partnership=p)
    form = RiskForm(posted(request)).set_acting_for(mine)
    form.set_partners(partners)
    if request.method == "POST":
        if not refuse_unless_acting(form, mine, _not_a_partner()) and form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("version", None)
            try:
                r = services.risk_create(actor=request.user, partnership=p, **data)
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Risk “%(t)s” recorded.") % {"t": r.title})
                return redirect(r)
    return render(request, "risks/form.html", {"form": form, "partnership": p, "can_act": bool(mine),
                                               "adding": True},
                  status=400 if form.errors else 200)


def detail(request, pk):
    r = _risk(request, pk)
    p = r.partnership
    appetite = selectors.current_appetite(partnership=p)
    r.above = selectors.is_above(r, appetite)
    mine = selectors.my_partner_organisations(person=request.user, partnership=p)
    convener = {o.pk for o in selectors.my_partner_organisations(person=request.user, partnership=p,
                                                                 convener_only=True)}
    deciders = [o for o in mine if o.pk == r.owner_id or o.pk in convener]
    return render(request, "risks/detail.html", {
        "risk": r, "partnership": p, "appetite": appetite, "history": selectors.risk_history(risk=r),
        "can_edit": bool(mine), "can_accept": bool(deciders) and r.status in selectors.ACTIVE_STATUSES,
        "can_close": bool(deciders) and r.status != RiskStatus.CLOSED,
    })


@login_required
def edit(request, pk):
    """Edit a risk. A save from an older version is refused (409), showing their version beside yours."""
    r = _risk(request, pk)
    p = r.partnership
    partners = selectors.partner_organisations(partnership=p)
    mine = selectors.my_partner_organisations(person=request.user, partnership=p)
    initial = {"title": r.title, "cause": r.cause, "consequence": r.consequence, "likelihood": r.likelihood,
               "impact": r.impact, "owner": str(r.owner_id), "mitigations": r.mitigations,
               "status": r.status if r.status in services.UPDATE_STATUSES else "",
               "review_date": r.review_date, "version": r.version}

    def make(data=None):
        f = RiskForm(data, initial=initial).set_acting_for(mine)
        f.set_partners(partners)
        f.set_current_status(r.status)
        return f

    form = make(posted(request))
    conflict = None
    if request.method == "POST" and not refuse_unless_acting(form, mine, _not_a_partner()) and form.is_valid():
        data = dict(form.cleaned_data)
        acting_for, version = data.pop("acting_for"), data.pop("version")
        if not data.get("status"):
            data.pop("status")
        try:
            services.risk_update(actor=request.user, acting_for=acting_for, risk=r, expected_version=version, **data)
        except services.RiskConflict as exc:
            conflict = exc
            fresh = request.POST.copy()
            fresh["version"] = str(exc.risk.version)  # compare, then save on top of theirs
            form = make(fresh)
            form.is_valid()
            form.add_error(None, exc.messages[0])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Risk “%(t)s” saved.") % {"t": data["title"]})
            return redirect(r)
    theirs = None
    if conflict is not None:
        theirs = selectors.risk_get(pk=r.pk)
    return render(request, "risks/form.html", {"form": form, "partnership": p, "risk": r, "can_act": bool(mine),
                                               "conflict": conflict, "theirs": theirs},
                  status=409 if conflict else (400 if form.errors else 200))


@login_required
def accept(request, pk):
    r = _risk(request, pk)
    p = r.partnership
    mine = selectors.my_partner_organisations(person=request.user, partnership=p)
    convener = {o.pk for o in selectors.my_partner_organisations(person=request.user, partnership=p,
                                                                 convener_only=True)}
    deciders = [o for o in mine if o.pk == r.owner_id or o.pk in convener]
    form = AcceptForm(posted(request), initial={"version": r.version}).set_acting_for(deciders)
    message = _("Only the convener or the organisation that owns this risk (%(org)s) can accept it.") % {
        "org": r.owner.name}
    stale = False
    if request.method == "POST" and not refuse_unless_acting(form, deciders, message) and form.is_valid():
        data = form.cleaned_data
        try:
            services.risk_accept_for_innovation(actor=request.user, acting_for=data["acting_for"], risk=r,
                                                reason=data["reason"], expected_version=data["version"])
        except StaleEdit as exc:
            stale = True
            form.add_error(None, exc.messages[0])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The risk is accepted for innovation; every partner has been told why."))
            return redirect(r)
    return render(request, "risks/accept.html", {"form": form, "risk": r, "partnership": p,
                                                 "can_act": bool(deciders)},
                  status=409 if stale else (400 if form.errors else 200))


@login_required
def close(request, pk):
    r = _risk(request, pk)
    p = r.partnership
    mine = selectors.my_partner_organisations(person=request.user, partnership=p)
    convener = {o.pk for o in selectors.my_partner_organisations(person=request.user, partnership=p,
                                                                 convener_only=True)}
    deciders = [o for o in mine if o.pk == r.owner_id or o.pk in convener]
    form = CloseForm(posted(request), initial={"version": r.version}).set_acting_for(deciders)
    message = _("Only the convener or the organisation that owns this risk (%(org)s) can close it.") % {
        "org": r.owner.name}
    if request.method == "POST" and not refuse_unless_acting(form, deciders, message) and form.is_valid():
        data = form.cleaned_data
        try:
            services.risk_close(actor=request.user, acting_for=data["acting_for"], risk=r, reason=data["reason"],
                                expected_version=data["version"])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The risk is closed."))
            return redirect(r)
    return render(request, "risks/close.html", {"form": form, "risk": r, "partnership": p,
                                                "can_act": bool(deciders)},
                  status=400 if form.errors else 200)


def appetite(request, slug):
    p = partnership_or_404(request, slug, area="risks")
    mine = selectors.my_partner_organisations(person=request.user, partnership=p, convener_only=True)
    history = selectors.appetite_history(partnership=p)
    current = history[0] if history else None
    form = None
    if mine:
        initial = {"threshold": current.threshold, "statement": current.statement} if current else None
        form = AppetiteForm(posted(request), initial=initial).set_acting_for(mine)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("Only the convener's administrators and coordinators can set the risk "
                                      "appetite."))
            return redirect("risks:appetite", p.slug)
        if form.is_valid():
            try:
                services.risk_appetite_set(actor=request.user, partnership=p, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The risk appetite is set. The earlier ones stay in its history."))
                return redirect("risks:appetite", p.slug)
    return render(request, "risks/appetite.html", {"partnership": p, "history": history, "current": current,
                                                   "form": form},
                  status=400 if form is not None and form.errors else 200)
