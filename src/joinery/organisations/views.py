"""Web pages for organisations and their representatives. Thin: parse, call one service, respond."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from joinery.core.exceptions import PermissionDenied, ValidationError
from joinery.core.forms import apply_errors

from . import selectors, services
from .forms import (
    CloseForm,
    DirectoryFilterForm,
    HandOverForm,
    OrganisationEditForm,
    OrganisationForm,
    ReasonForm,
    RepresentativeAddForm,
)
from .models import Organisation, Representative

PAGE_SIZE = 25

# Strings of the network app's Partner/Partnership choices. This app must not import
# `network` (dependencies point from network to organisations, never back).
PARTNER_ACTIVE = "active"
PARTNERSHIP_PUBLIC = "public"


def _organisation(request, slug: str, perm: str | None = None) -> Organisation:
    org = get_object_or_404(Organisation.objects.select_related("jurisdiction", "jurisdiction__parent"), slug=slug)
    if perm and not request.user.has_perm(perm, org):
        raise PermissionDenied(_("Only an administrator of %(org)s can do this.") % {"org": org.name})
    return org


def _renamed(exc: ValidationError, **names: str) -> ValidationError:
    """The service's error with its field names mapped onto the form's (person → email)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


def _partnerships(organisation: Organisation, person, *, sees_all: bool) -> list:
    """The organisation's active partnerships that `person` may see.

    Private partnerships are listed only to their partners' representatives (and staff),
    as on the partnership pages themselves.
    """
    qs = organisation.partnerships.filter(status=PARTNER_ACTIVE)
    if not sees_all:
        visible = Q(partnership__visibility=PARTNERSHIP_PUBLIC)
        if person.is_authenticated:
            mine = Representative.objects.current().filter(person=person).values("organisation_id")
            Partner = organisation.partnerships.model
            visible |= Q(partnership_id__in=Partner.objects.filter(
                status=PARTNER_ACTIVE, organisation_id__in=mine).values("partnership_id"))
        qs = qs.filter(visible)
    return list(qs.select_related("partnership").order_by("partnership__name", "id"))


def _after_roles_changed(request, org: Organisation):
    """Back to the representatives page, unless the actor just gave up the right to see it."""
    if request.user.has_perm("organisations.manage_representatives", org):
        return redirect("organisations:representatives", slug=org.slug)
    return redirect(org)


def directory(request):
    form = DirectoryFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(selectors.organisation_directory(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "organisations/directory.html", {
        "form": form, "page": page,
        "filtered": any(v for v in filters.values()),
    })


@login_required
def create(request):
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            org = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(org)s is registered. You are its administrator.") % {"org": org.name})
            return redirect(org)
    return render(request, "organisations/organisation_form.html", {"form": form, "creating": True})


def detail(request, slug):
    org = _organisation(request, slug)
    user = request.user
    sees_people = user.has_perm("organisations.view_representatives", org)
    context = {
        "organisation": org,
        "partners": _partnerships(org, user, sees_all=sees_people),
        "can_view_representatives": sees_people,
        "can_change": org.is_active and user.has_perm("organisations.change_organisation", org),
        "can_manage_representatives": org.is_active and user.has_perm("organisations.manage_representatives", org),
        "can_close": org.is_active and user.has_perm("organisations.close_organisation", org),
    }
    if sees_people:
        context["representatives"] = selectors.current_representatives(organisation=org)
        context["history"] = selectors.representative_history(organisation=org)
    return render(request, "organisations/detail.html", context)


@login_required
def edit(request, slug):
    org = _organisation(request, slug, "organisations.change_organisation")
    initial = {f: getattr(org, f) for f in services.ORGANISATION_FIELDS}
    initial |= {"jurisdiction": org.jurisdiction_id, "version": org.version}
    form = OrganisationEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.organisation_update(actor=request.user, organisation=org, expected_version=version, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Details of %(org)s saved.") % {"org": org.name})
            return redirect(org)
    return render(request, "organisations/organisation_form.html", {"form": form, "organisation": org})


@login_required
def representatives(request, slug):
    org = _organisation(request, slug, "organisations.manage_representatives")
    form = RepresentativeAddForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            rep = services.representative_add(actor=request.user, organisation=org, person=person,
                                              role=form.cleaned_data["role"])
        except ValidationError as exc:
            apply_errors(form, _renamed(exc, person="email"))
        else:
            messages.success(request, _("%(person)s is now %(role)s of %(org)s.") % {
                "person": person, "role": rep.get_role_display(), "org": org.name})
            return redirect("organisations:representatives", slug=org.slug)
    return render(request, "organisations/representatives.html", {
        "organisation": org, "form": form,
        "representatives": selectors.current_representatives(organisation=org),
    })


@login_required
def representative_end(request, slug, pk):
    org = _organisation(request, slug, "organisations.manage_representatives")
    rep = get_object_or_404(org.representatives.current().select_related("person"), pk=pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.representative_end(actor=request.user, representative=rep, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(person)s no longer holds the role %(role)s.") % {
                "person": rep.person, "role": rep.get_role_display()})
            return _after_roles_changed(request, org)
    return render(request, "organisations/representative_end.html",
                  {"organisation": org, "representative": rep, "form": form})


@login_required
def hand_over(request, slug):
    org = _organisation(request, slug, "organisations.manage_representatives")
    current = selectors.current_representatives(organisation=org)
    form = HandOverForm(request.POST if request.method == "POST" else None, representatives=current)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.representative_hand_over(actor=request.user, organisation=org, leaving=data["leaving"],
                                              successor=data["successor"], reason=data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The roles of %(leaving)s passed to %(successor)s.") % {
                "leaving": data["leaving"], "successor": data["successor"]})
            return _after_roles_changed(request, org)
    return render(request, "organisations/hand_over.html", {
        "organisation": org, "form": form, "representatives": current,
        "enough_people": len({r.person_id for r in current}) > 1,
    })


@login_required
def close(request, slug):
    org = _organisation(request, slug, "organisations.close_organisation")
    if not org.is_active:
        messages.info(request, _("%(org)s is already closed.") % {"org": org.name})
        return redirect(org)
    form = CloseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.organisation_close(actor=request.user, organisation=org, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(org)s is closed. Its representatives' roles have ended.") % {"org": org.name})
            return redirect(org)
    return render(request, "organisations/close.html", {"organisation": org, "form": form})
