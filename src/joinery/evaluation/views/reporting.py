"""Partners' own reporting requirements and the reports made from the shared data (HTML, PDF, CSV).

Who may see: the partners of the partnership (and staff); anyone else gets 404, as a
partner's report to its funder is its own business. Who may change a requirement: its
partner's representatives and the convener (the services decide; their messages show on
the form).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.core.forms import apply_errors, posted, refuse_unless_acting, show_refusal
from joinery.network.shortcuts import partnership_or_404

from .. import reports
from ..forms.reporting import ItemsForm, ReportPeriodForm, RequirementForm
from ..models import Framework, Indicator, ReportingRequirement
from ..selectors import reporting as selectors
from ..services import reporting as services

#: Partners (and staff) see partners' reports; the public does not.
SEE = "network.view_partnership_activity"


# --- helpers ------------------------------------------------------------------------------------

def _requirement(request, pk) -> ReportingRequirement:
    try:
        r = selectors.requirement_get(pk=pk)
    except ReportingRequirement.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm(SEE, r.framework.partnership):
        raise Http404
    return r


def _framework(partnership) -> Framework | None:
    return Framework.objects.filter(partnership=partnership).first()


def _managers(request, r) -> list:
    p = r.framework.partnership
    mine = selectors.my_partner_organisations(person=request.user, partnership=p)
    convener = selectors.my_partner_organisations(person=request.user, partnership=p, convener_only=True)
    return selectors.may_manage(r, mine, convener)


def _refusal():
    return _("Only the representatives of this partner, or the convener, can change this reporting requirement.")


# --- requirements -------------------------------------------------------------------------------

def requirement_list(request, slug):
    p = partnership_or_404(request, slug, SEE)
    f = _framework(p)
    requirements = selectors.requirements_for(framework=f) if f else []
    mine = selectors.my_partner_organisations(person=request.user, partnership=p)
    groups: dict[int, dict] = {}
    for r in requirements:
        groups.setdefault(r.organisation_id, {"organisation": r.organisation, "requirements": []})[
            "requirements"].append(r)
    return render(request, "evaluation/reporting/list.html", {
        "partnership": p, "framework": f, "groups": list(groups.values()), "can_add": bool(mine) and f is not None,
    })


@login_required
def requirement_create(request, slug):
    p = partnership_or_404(request, slug, SEE)
    f = _framework(p)
    if f is None:
        raise Http404
    mine = selectors.my_partner_organisations(person=request.user, partnership=p)
    form = RequirementForm(posted(request), initial={"period_kind": f.period_kind}).set_acting_for(mine)
    if request.method == "POST":
        message = _("To add a reporting requirement you must represent an active partner.")
        if not refuse_unless_acting(form, mine, message) and form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("version", None)
            try:
                r = services.requirement_create(actor=request.user, framework=f, **data)
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Reporting requirement “%(n)s” added. Now map it onto the shared "
                                            "indicators.") % {"n": r.name})
                return redirect("evaluation:requirement", r.pk)
    return render(request, "evaluation/reporting/form.html", {
        "form": form, "partnership": p, "framework": f, "can_act": bool(mine), "adding": True,
    }, status=400 if form.errors else 200)


@login_required
def requirement_edit(request, pk):
    r = _requirement(request, pk)
    p = r.framework.partnership
    managers = _managers(request, r)
    initial = {"name": r.name, "report_to": r.report_to, "reference": r.reference, "period_kind": r.period_kind,
               "notes": r.notes, "version": r.version}
    form = RequirementForm(posted(request), initial=initial).set_acting_for(managers)
    stale = False
    if request.method == "POST" and not refuse_unless_acting(form, managers, _refusal()):
        if "delete" in request.POST:
            form.is_valid()
            acting_for = form.cleaned_data.get("acting_for")
            try:
                services.requirement_delete(actor=request.user, acting_for=acting_for, requirement=r)
            except (ValidationError, PermissionDenied) as exc:
                form.errors.clear()
                show_refusal(form, exc)
            else:
                messages.success(request, _("Reporting requirement “%(n)s” deleted.") % {"n": r.name})
                return redirect("evaluation:requirements", p.slug)
        elif form.is_valid():
            data = dict(form.cleaned_data)
            acting_for, version = data.pop("acting_for"), data.pop("version")
            try:
                services.requirement_update(actor=request.user, acting_for=acting_for, requirement=r,
                                            expected_version=version, **data)
            except StaleEdit as exc:
                stale = True
                form.add_error(None, exc.messages[0])
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Reporting requirement saved."))
                return redirect("evaluation:requirement", r.pk)
    return render(request, "evaluation/reporting/form.html", {
        "form": form, "partnership": p, "framework": r.framework, "requirement": r, "can_act": bool(managers),
    }, status=409 if stale else (400 if form.errors else 200))


def requirement_detail(request, pk):
    """The requirement and its mapping; its partner (and the convener) edit the mapping here."""
    r = _requirement(request, pk)
    p = r.framework.partnership
    managers = _managers(request, r) if request.user.is_authenticated else []
    indicators = list(Indicator.objects.filter(framework=r.framework, retired_at__isnull=True)
                      .select_related("outcome").order_by("position", "id"))
    items = list(r.items.all())
    form = ItemsForm(posted(request), initial={"version": r.version}).set_acting_for(managers)
    form.set_indicators(indicators, items)
    stale = False
    if request.method == "POST" and not refuse_unless_acting(form, managers, _refusal()) and form.is_valid():
        wanted = form.items()
        try:
            services.requirement_items_set(actor=request.user, acting_for=form.cleaned_data["acting_for"],
                                           requirement=r, items=wanted,
                                           expected_version=form.cleaned_data.get("version"))
        except StaleEdit as exc:
            stale = True
            form.add_error(None, exc.messages[0])
        except ValidationError as exc:
            _item_errors(form, exc, wanted)
        except PermissionDenied as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The mapping is saved: the report now uses it."))
            return redirect("evaluation:requirement", r.pk)
    return render(request, "evaluation/reporting/detail.html", {
        "requirement": r, "partnership": p, "framework": r.framework, "items": items, "form": form,
        "can_edit": bool(managers),
    }, status=409 if stale else (400 if form.errors else 200))


def _item_errors(form, exc, wanted) -> None:
    """Put `items.<n>.<field>` errors on the row's inputs."""
    if not hasattr(exc, "error_dict"):
        apply_errors(form, exc)
        return
    for key, errors in exc.error_dict.items():
        parts = key.split(".")
        target = None
        if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(wanted):
            pk = wanted[int(parts[1])]["_field"]
            target = f"code_{pk}" if parts[2] == "external_code" else f"name_{pk}"
        for e in errors:
            form.add_error(target, e.message % e.params if e.params else e.message)


# --- reports ------------------------------------------------------------------------------------

def _period(request, r):
    form = ReportPeriodForm(request.GET or None).set_periods(selectors.requirement_periods(r))
    key = form.cleaned_data.get("period") or None if form.is_valid() else None
    return form, key


def report_html(request, pk):
    r = _requirement(request, pk)
    form, key = _period(request, r)
    report = selectors.partner_report(r, period_key=key)
    query = f"?period={key}" if key else ""
    return render(request, "evaluation/reporting/report.html", {
        "requirement": r, "partnership": r.framework.partnership, "framework": r.framework, "report": report,
        "form": form, "period_key": key, "query": query,
    }, status=400 if form.errors else 200)


def _download(request, pk, fmt: str):
    r = _requirement(request, pk)
    key = request.GET.get("period") or None
    language = request.GET.get("language") or translation.get_language() or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Choose a language this site offers."), content_type="text/plain; charset=utf-8")
    render_fn = reports.render_pdf if fmt == "pdf" else reports.render_csv
    try:
        data = render_fn(r, key, language)
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages), content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(r, key, fmt)}"'
    return response


def report_pdf(request, pk):
    return _download(request, pk, "pdf")


def report_csv(request, pk):
    return _download(request, pk, "csv")
