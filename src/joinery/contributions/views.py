"""Web pages of the contributions ledger. Thin: parse, call one service, respond.

Who may see: whoever may see the partnership (`network.view_partnership`); a private
partnership answers 404 to anyone else, and so do its contributions and evidence files.
Volunteers' names are shown to the partners only. Who may act: the services decide; their
refusals are shown on the form.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from joinery.core.exceptions import PermissionDenied, ValidationError
from joinery.core.forms import show_refusal
from joinery.core.tabular import write_csv
from joinery.network.models import PartnerStatus
from joinery.network.shortcuts import partnership_or_404

from . import exports, importing, selectors, services
from .forms import (
    ContributionForm,
    CorrectionForm,
    ImportForm,
    LedgerFilterForm,
    PeriodForm,
    RateForm,
    VolunteerHoursForm,
    WithdrawForm,
)
from .models import HOUR_KINDS, Contribution, ContributionKind
from .permissions import MANAGING_ROLES, acting_organisations

# --- helpers -------------------------------------------------------------------------------------


def _contribution(request, pk) -> Contribution:
    try:
        c = selectors.contribution_get(pk=pk)
    except Contribution.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("network.see_ledger", c.partnership):
        raise Http404  # ledger lines show where the ledger does (network/visibility.py)
    return c


def _names(request, partnership) -> bool:
    return request.user.has_perm("contributions.see_volunteer_names", partnership)


def _filters(request, partnership):
    form = LedgerFilterForm(request.GET or None)
    form.set_organisations(selectors.contributor_choices(partnership=partnership))
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.LedgerFilters(
        organisation=form.organisations.get(data.get("organisation")), kind=data.get("kind", ""),
        sector=data.get("sector", ""), date_from=data.get("date_from"), date_to=data.get("date_to"),
        q=data.get("q", ""), include_withdrawn=bool(data.get("include_withdrawn")))
    return form, filters


def _query_without(request, *names) -> str:
    q = request.GET.copy()
    for n in names:
        q.pop(n, None)
    return q.urlencode()


# --- the ledger ------------------------------------------------------------------------------------

def ledger_list(request, slug):
    p = partnership_or_404(request, slug, area="ledger")
    form, filters = _filters(request, p)
    page = selectors.ledger(partnership=p, filters=filters, after=request.GET.get("after"))
    return render(request, "contributions/list.html", {
        "partnership": p, "form": form, "filters": filters, "page": page,
        "totals": selectors.ledger_totals(partnership=p, filters=filters),
        "can_record": request.user.has_perm("contributions.record_contribution", p),
        "can_see_names": _names(request, p), "query": _query_without(request, "after"),
    })


def _contribution_form(request, p, form_class, *, data=None, files=None, initial=None):
    mine = acting_organisations(request.user, p)
    for_others = acting_organisations(request.user, p, roles=MANAGING_ROLES, convener_only=True)
    partners = selectors.contributor_choices(partnership=p) if for_others else None
    form = form_class(data, files, initial=initial or {}).setup(
        acting_orgs=mine, partners=partners, rates=selectors.rates_in_force(partnership=p),
        commitments=selectors.commitment_choices(partnership=p))
    return form, mine


@login_required
def create(request, slug):
    p = partnership_or_404(request, slug)
    form, mine = _contribution_form(
        request, p, ContributionForm, data=request.POST or None, files=request.FILES or None,
        initial={"date": timezone.localdate(), "people": 1, "currency": selectors.usual_currency(partnership=p)})
    if request.method == "POST" and mine and form.is_valid():
        try:
            c = services.contribution_record(actor=request.user, partnership=p, **form.service_kwargs())
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Contribution recorded: %(d)s.") % {"d": c.description})
            return redirect(c)
    return render(request, "contributions/create.html", {"form": form, "partnership": p, "can_record": bool(mine)},
                  status=400 if form.errors else 200)


# --- import and export ----------------------------------------------------------------------------

TEMPLATE_ROWS = [
    ["2025-03-31", "2025-01-01", "2025-03-31", "money", "Core funding, first quarter", "12500", "CAD", "", "", "",
     "", "", "", ""],
    ["2025-03-14", "", "", "staff_hours", "Outreach worker at the drop-in", "37.5", "", "", "1", "", "", "", "", ""],
    ["2025-02-01", "2025-02-01", "2025-02-28", "in_kind", "Meeting room, weekly", "4", "CAD", "rooms", "", "", "",
     "", "https://example.org/booking.pdf", "600"],
]


def _template_csv() -> HttpResponse:
    response = HttpResponse(write_csv(importing.COLUMNS, TEMPLATE_ROWS), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contributions-template.csv"'
    return response


@login_required
def import_view(request, slug):
    p = partnership_or_404(request, slug)
    if request.GET.get("template") == "csv":
        return _template_csv()
    mine = acting_organisations(request.user, p)
    form = ImportForm(request.POST or None, request.FILES or None).set_acting_for(mine)
    rejected = None
    if request.method == "POST" and mine and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            if f.size > importing.MAX_BYTES:
                raise importing.file_error(_("The file is larger than 5 MB. Split it into smaller files and import "
                                             "each one."))
            batch = services.contributions_import(actor=request.user, acting_for=form.cleaned_data["acting_for"],
                                                  partnership=p, filename=f.name, data=f.read())
        except services.ImportRejected as exc:
            rejected = exc
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("%(n)s contributions imported from %(f)s.") % {"n": batch.rows,
                                                                                        "f": batch.filename})
            return redirect("contributions:list", slug=p.slug)
    status = 400 if (form.errors or rejected) else 200
    return render(request, "contributions/import.html", {
        "form": form, "partnership": p, "can_record": bool(mine), "rejected": rejected,
        "columns": importing.COLUMNS, "required": importing.REQUIRED, "template_rows": TEMPLATE_ROWS,
        "imports": selectors.recent_imports(partnership=p) if mine else [],
    }, status=status)


def export(request, slug):
    p = partnership_or_404(request, slug, area="ledger")
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Choose format=csv or format=xlsx."), content_type="text/plain; charset=utf-8")
    _form, filters = _filters(request, p)
    data, content_type, filename = exports.export_ledger(partnership=p, filters=filters, fmt=fmt,
                                                         names=_names(request, p))
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- investment -----------------------------------------------------------------------------------

def investment(request, slug):
    p = partnership_or_404(request, slug, area="ledger")
    form = PeriodForm(request.GET or None)
    form.fields["period"].choices = selectors.period_choices()
    period = selectors.parse_period(form.cleaned_data.get("period")) if form.is_valid() else None
    summary = selectors.investment_summary(partnership=p, date_from=period[0] if period else None,
                                           date_to=period[1] if period else None)
    vs = selectors.commitments_vs_actuals(partnership=p, period=period)
    trend = selectors.quarterly_trend(partnership=p)
    return render(request, "contributions/investment.html", {
        "partnership": p, "form": form, "period": period, "summary": summary, "vs": vs, "trend": trend,
        "chart": selectors.investment_chart_data(summary=summary, vs=vs, trend=trend),
        "trend_rows": list(zip(trend["quarters"], trend["totals"], strict=True)),
    })


# --- valuation rates ------------------------------------------------------------------------------

def rates(request, slug):
    p = partnership_or_404(request, slug, area="ledger")
    conveners = (acting_organisations(request.user, p, roles=MANAGING_ROLES, convener_only=True)
                 if request.user.is_authenticated else [])
    form = None
    if conveners:
        initial = {"valid_from": timezone.localdate(), "currency": selectors.usual_currency(partnership=p)}
        form = RateForm(request.POST or None, initial=initial)
        form.set_acting_for(conveners)
        if request.method == "POST" and form.is_valid():
            try:
                rate = services.valuation_rate_set(actor=request.user, partnership=p, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("From %(d)s an hour of “%(l)s” is valued at %(r)s %(c)s.")
                                 % {"d": rate.valid_from.isoformat(), "l": rate.label, "r": rate.hourly_rate,
                                    "c": rate.currency})
                return redirect("contributions:rates", slug=p.slug)
    elif request.method == "POST":
        raise Http404
    all_rates = selectors.rates_for_page(partnership=p)
    return render(request, "contributions/rates.html", {
        "partnership": p, "form": form, "current": [r for r in all_rates if r.valid_until is None],
        "past": [r for r in all_rates if r.valid_until is not None],
    }, status=400 if form is not None and form.errors else 200)


# --- one contribution ----------------------------------------------------------------------------

def _change_orgs(request, c) -> list:
    """The organisations the person may withdraw or correct this contribution for."""
    if not request.user.is_authenticated or c.withdrawn_at is not None:
        return []
    mine = acting_organisations(request.user, c.partnership)
    if not mine:
        return []
    conveners = {o.pk for o in acting_organisations(request.user, c.partnership, roles=MANAGING_ROLES,
                                                    convener_only=True)}
    out = []
    for o in mine:
        if o.pk == c.organisation_id or o.pk in conveners:
            out.append(o)
        elif c.organisation_id is None and (c.recorded_by_id == request.user.pk
                                            or (c.work_item_id and c.work_item.owner_id == o.pk)):
            out.append(o)
    return out


def detail(request, pk, withdraw_form=None):
    c = _contribution(request, pk)
    orgs = _change_orgs(request, c)
    return render(request, "contributions/detail.html", {
        "c": c, "partnership": c.partnership, "history": selectors.contribution_history(contribution=c),
        "replaced_by": selectors.replacement_of(c), "can_see_names": _names(request, c.partnership),
        "can_change": bool(orgs),
        "withdraw_form": withdraw_form or (WithdrawForm().set_acting_for(orgs) if orgs else None),
    }, status=400 if withdraw_form is not None else 200)


@login_required
@require_POST
def withdraw(request, pk):
    c = _contribution(request, pk)
    orgs = _change_orgs(request, c)
    form = WithdrawForm(request.POST).set_acting_for(orgs)
    if not orgs:
        messages.error(request, _("This contribution cannot be withdrawn by you (it may already have been "
                                  "withdrawn or corrected)."))
        return redirect(c)
    if form.is_valid():
        try:
            services.contribution_withdraw(actor=request.user, contribution=c, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The contribution is withdrawn. It stays in the history, with your reason."))
            return redirect(c)
    return detail(request, pk, withdraw_form=form)


def _initial_of(c: Contribution) -> dict:
    return {
        "organisation": c.organisation_id, "kind": c.kind, "description": c.description, "date": c.date,
        "period_start": c.period_start, "period_end": c.period_end, "quantity": c.quantity,
        "currency": c.currency, "unit": c.unit if c.kind not in HOUR_KINDS else "", "people": c.people,
        "work_kind": c.rate.work_kind if c.rate_id else "",
        "value": c.value if c.kind in (ContributionKind.IN_KIND, ContributionKind.DATA) else None,
        "commitment": c.commitment_id, "evidence_url": c.evidence_url,
    }


_FIELDS = ("kind", "description", "date", "period_start", "period_end", "quantity", "currency", "unit", "people",
           "work_kind", "value", "commitment", "evidence", "evidence_url", "organisation")


@login_required
def correct(request, pk):
    c = _contribution(request, pk)
    orgs = _change_orgs(request, c)
    if not orgs:
        messages.error(request, _("This contribution cannot be corrected by you (it may already have been "
                                  "withdrawn or corrected)."))
        return redirect(c)
    form, _mine = _contribution_form(request, c.partnership, CorrectionForm, data=request.POST or None,
                                     files=request.FILES or None, initial=_initial_of(c))
    form.set_acting_for(orgs)
    if c.organisation_id is None and "organisation" in form.fields:
        del form.fields["organisation"]
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        changes = {k: data[k] for k in _FIELDS if k in data and k in form.fields}
        if changes.get("organisation") is None:
            changes.pop("organisation", None)
        if changes.get("evidence") in (None, False):
            changes.pop("evidence", None)
        try:
            new = services.contribution_correct(actor=request.user, acting_for=data["acting_for"], contribution=c,
                                                reason=data["reason"], **changes)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Corrected. The earlier record is kept in the history."))
            return redirect(new)
    return render(request, "contributions/correct.html", {"form": form, "c": c, "partnership": c.partnership},
                  status=400 if form.errors else 200)


def evidence(request, pk):
    """The evidence file, as an attachment, to the partners only; never from /media."""
    c = _contribution(request, pk)
    if not c.evidence:
        raise Http404
    if not request.user.has_perm("contributions.download_evidence", c.partnership):
        raise PermissionDenied
    try:
        handle = c.evidence.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=os.path.basename(c.evidence.name),
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- volunteers' hours ---------------------------------------------------------------------------

@login_required
def volunteer_hours(request, item_pk):
    from joinery.network.models import PartnerRole
    from joinery.programme.models import SignupStatus, WorkItem

    item = get_object_or_404(WorkItem.objects.select_related("partnership", "owner", "programme"), pk=item_pk)
    p = item.partnership
    if not request.user.has_perm("network.view_partnership", p):
        raise Http404
    convener_ids = set(p.partners.filter(status=PartnerStatus.ACTIVE, role=PartnerRole.CONVENER)
                       .values_list("organisation_id", flat=True))
    orgs = [o for o in acting_organisations(request.user, p) if o.pk == item.owner_id or o.pk in convener_ids]
    signups = list(item.signups.filter(status=SignupStatus.CONFIRMED).select_related("person")
                   .order_by("person__full_name", "id"))
    form = VolunteerHoursForm(request.POST or None, initial={"date": timezone.localdate()})
    form.set_acting_for(orgs)
    form.set_volunteers(signups)
    if request.method == "POST" and orgs and signups and form.is_valid():
        try:
            done = services.volunteer_hours_record_many(
                actor=request.user, acting_for=form.cleaned_data["acting_for"], item=item,
                hours_by_signup=form.hours_by_signup(), date=form.cleaned_data["date"],
                description=form.cleaned_data["description"])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Hours recorded for %(n)s volunteer(s). Thank you to them.") % {"n": len(done)})
            return redirect(reverse("contributions:volunteer_hours", args=[item.pk]))
    recorded = dict(Contribution.objects.filter(work_item=item, person__isnull=False, organisation__isnull=True,
                                                withdrawn_at__isnull=True, kind=ContributionKind.VOLUNTEER_HOURS)
                    .order_by().values("person_id").annotate(h=Sum("quantity")).values_list("person_id", "h"))
    rows = [{"signup": s, "field": form[f"hours_{s.pk}"], "recorded": recorded.get(s.person_id)} for s in signups]
    return render(request, "contributions/volunteer_hours.html", {
        "item": item, "partnership": p, "form": form, "rows": rows, "can_record": bool(orgs),
        "can_see_names": _names(request, p),
    }, status=400 if form.errors else 200)
