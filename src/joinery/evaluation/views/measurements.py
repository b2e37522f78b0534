"""Evaluation pages: measurements. Thin: parse, call one service, respond.

Seeing values: whoever may see the partnership. Reporting, correcting, importing: the
services decide (the indicator's reporting partner, or the convener); their refusals are
shown on the form (400, or 409 when someone corrected the value first).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from joinery.contributions.permissions import acting_organisations
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.core.forms import posted, refuse_unless_acting, show_refusal
from joinery.core.tabular import write_csv
from joinery.network.shortcuts import partnership_or_404

from .. import exports, importing
from ..forms.measurements import CorrectForm, ImportForm, MeasurementFilterForm, ReportForm
from ..models import FrameworkStatus, Measurement, MeasurementSource
from ..selectors import measurements as selectors
from ..services import measurements as services


def _framework(partnership):
    f = selectors.framework_of(partnership)
    if f is None:
        raise Http404
    return f


def _filters(request, framework):
    indicators = list(framework.indicators.order_by("position", "pk"))
    form = MeasurementFilterForm(request.GET or None).setup(
        indicators=indicators, periods=selectors.periods_so_far(framework=framework),
        organisations=selectors.reporter_choices(framework=framework))
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.MeasurementFilters(
        indicator=form.indicators.get(data.get("indicator")), period=data.get("period") or "",
        organisation=form.organisations.get(data.get("organisation")),
        include_replaced=bool(data.get("include_replaced")))
    return form, filters


def _query_without(request, *names) -> str:
    q = request.GET.copy()
    for n in names:
        q.pop(n, None)
    return q.urlencode()


def measurement_list(request, slug):
    p = partnership_or_404(request, slug, area="measurements")
    framework = selectors.framework_of(p)
    context = {"partnership": p, "framework": framework}
    if framework is not None:
        form, filters = _filters(request, framework)
        mine = acting_organisations(request.user, p)
        context.update({
            "form": form, "filters": filters, "query": _query_without(request, "after"),
            "page": selectors.measurement_page(framework=framework, filters=filters, after=request.GET.get("after")),
            "late": selectors.late_reports(framework)[:50],
            "can_report": bool(mine) and framework.status == FrameworkStatus.ADOPTED,
            "filtered": any((filters.indicator, filters.period, filters.organisation, filters.include_replaced)),
        })
    return render(request, "evaluation/measurements/list.html", context)


@login_required
def report(request, slug):
    p = partnership_or_404(request, slug)
    framework = _framework(p)
    mine = acting_organisations(request.user, p)
    indicators = selectors.reportable_indicators(framework=framework, organisations=mine) if mine else []
    by_pk = {str(i.pk): i for i in indicators}
    initial = {"indicator": request.GET.get("indicator", ""), "period": request.GET.get("period", "")}
    form = ReportForm(posted(request), initial=initial).set_acting_for(mine).setup(
        indicator_choices=selectors.indicator_choices(indicators),
        periods=selectors.periods_so_far(framework=framework))
    existing = None
    if request.method == "POST" and not refuse_unless_acting(
            form, mine, _("To report values you must represent an active partner of this partnership.")) \
            and form.is_valid():
        data = form.cleaned_data
        indicator, period = by_pk[data["indicator"]], data["period"]
        try:
            m = services.measurement_report(actor=request.user, acting_for=data["acting_for"], indicator=indicator,
                                            period=data["period"], value=data["value"], note=data["note"])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
            existing = selectors.current_for(indicator=indicator, period=period)
            if existing is not None:
                existing.value_shown = selectors.shown(existing.value)
        else:
            messages.success(request, _("Reported: %(i)s, %(v)s %(u)s.")
                             % {"i": indicator.name, "v": importing.plain(m.value), "u": indicator.unit})
            return redirect("evaluation:measurement", pk=m.pk)
    return render(request, "evaluation/measurements/report.html", {
        "partnership": p, "framework": framework, "form": form, "can_report": bool(mine) and bool(indicators),
        "adopted": framework.status == FrameworkStatus.ADOPTED, "existing": existing,
    }, status=400 if form.errors else 200)


TEMPLATE_ROWS = [["meals-served", "2025-Q3", "1250", "meals", "Counted at the till", ""],
                 ["meals-served", "2025-Q2", "1180", "meals", "", "The Q2 figure left out Saturdays"]]


def _template_csv() -> HttpResponse:
    response = HttpResponse(write_csv(importing.COLUMNS, TEMPLATE_ROWS), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="measurements-template.csv"'
    return response


@login_required
def import_view(request, slug):
    p = partnership_or_404(request, slug)
    framework = _framework(p)
    if request.GET.get("template") == "csv":
        return _template_csv()
    mine = acting_organisations(request.user, p)
    form = ImportForm(posted(request), request.FILES or None).set_acting_for(mine)
    rejected = None
    if request.method == "POST" and not refuse_unless_acting(
            form, mine, _("To import values you must represent an active partner of this partnership.")) \
            and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            if f.size > importing.MAX_BYTES:
                raise importing.file_error(_("The file is larger than 5 MB. Split it into smaller files and import "
                                             "each one."))
            batch = services.measurements_import(actor=request.user, acting_for=form.cleaned_data["acting_for"],
                                                 framework=framework, filename=f.name, data=f.read())
        except services.ImportRejected as exc:
            rejected = exc
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, ngettext("Imported %(n)s measurement from %(f)s.",
                                               "Imported %(n)s measurements from %(f)s.", batch.rows)
                             % {"n": batch.rows, "f": batch.filename})
            return redirect("evaluation:measurements", slug=p.slug)
    return render(request, "evaluation/measurements/import.html", {
        "form": form, "partnership": p, "framework": framework, "can_report": bool(mine), "rejected": rejected,
        "imports": selectors.recent_imports(framework=framework) if mine else [],
        "adopted": framework.status == FrameworkStatus.ADOPTED,
    }, status=400 if (form.errors or rejected) else 200)


def export(request, slug):
    p = partnership_or_404(request, slug, area="measurements")
    framework = _framework(p)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Choose format=csv or format=xlsx."), content_type="text/plain; charset=utf-8")
    _form, filters = _filters(request, framework)
    data, content_type, filename = exports.export_measurements(framework=framework, filters=filters, fmt=fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- one measurement ------------------------------------------------------------------------------

def _measurement(request, pk) -> Measurement:
    try:
        m = selectors.measurement_get(pk=pk)
    except Measurement.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("network.see_measurements", m.indicator.framework.partnership):
        raise Http404
    return selectors.with_labels([m], m.indicator.framework.period_kind)[0]


def _correct_orgs(request, m) -> list:
    """The organisations the person may correct this value for: its reporting partner, or the convener."""
    if not request.user.is_authenticated or not m.is_current:
        return []
    framework = m.indicator.framework
    mine = acting_organisations(request.user, framework.partnership)
    conveners = selectors.convener_ids(framework.partnership)
    return [o for o in mine if o.pk in conveners or o.pk == m.indicator.reporting_partner_id]


def detail(request, pk):
    m = _measurement(request, pk)
    chain = selectors.history(measurement=m)
    current = next((x for x in chain if x.is_current), None)
    return render(request, "evaluation/measurements/detail.html", {
        "m": m, "partnership": m.indicator.framework.partnership, "history": chain, "current": current,
        "can_correct": bool(_correct_orgs(request, m)) and m.indicator.framework.status == FrameworkStatus.ADOPTED,
    })


@login_required
def correct(request, pk):
    m = _measurement(request, pk)
    orgs = _correct_orgs(request, m)
    if request.method != "POST" and not orgs:
        messages.error(request, _("This value has been corrected since: correct the current value instead.")
                       if not m.is_current else
                       _("Only the indicator's reporting partner or the convener can correct this value."))
        return redirect("evaluation:measurement", pk=m.pk)
    form = CorrectForm(posted(request), initial={"value": importing.plain(m.value), "note": m.note})
    form.set_acting_for(orgs or acting_organisations(request.user, m.indicator.framework.partnership))
    status = 200
    if request.method == "POST" and not refuse_unless_acting(
            form, orgs, _("Only the indicator's reporting partner or the convener can correct this value, and only "
                          "while it is the current value.")) and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.measurement_correct(actor=request.user, acting_for=data["acting_for"], measurement=m,
                                               value=data["value"], reason=data["reason"], note=data["note"],
                                               source=MeasurementSource.FORM)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
            if isinstance(exc, StaleEdit):
                status = 409
        else:
            messages.success(request, _("Corrected. The earlier value is kept in the history."))
            return redirect("evaluation:measurement", pk=new.pk)
    if form.errors and status == 200:
        status = 409 if not m.is_current else 400
    return render(request, "evaluation/measurements/correct.html", {
        "form": form, "m": m, "partnership": m.indicator.framework.partnership,
        "back": reverse("evaluation:measurement", args=[m.pk]), "today": timezone.localdate(),
    }, status=status)
