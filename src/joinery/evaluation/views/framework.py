"""Pages for building the evaluation framework. Thin: parse, call one service, respond.

Who may see: whoever may see the partnership (private partnerships answer 404 to others).
Who may act: the services decide (a representative of an active partner); their refusals show
on the form with status 400, a stale edit with status 409.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.core.forms import refuse_unless_acting, show_refusal
from joinery.network.shortcuts import partnership_or_404

from ..forms.framework import (
    AdoptForm,
    FrameworkForm,
    IndicatorForm,
    LinksForm,
    OutcomeForm,
    TargetsForm,
)
from ..models import FrameworkStatus, Indicator, Outcome
from ..selectors import framework as selectors
from ..services import framework as services

NOT_A_BUILDER = gettext_lazy("Only the representatives of the partnership's active partners can build the framework.")


# --- helpers -------------------------------------------------------------------------------------

def _framework_or_404(request, slug):
    p = partnership_or_404(request, slug, area="scorecards")
    f = selectors.framework_for(p)
    if f is None:
        raise Http404
    return p, f


def _visible(request, obj, model):
    try:
        found = model.objects.select_related("framework", "framework__partnership").get(pk=obj)
    except model.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("network.see_scorecards", found.framework.partnership):
        raise Http404
    return found


def _status(form, stale=False) -> int:
    return 409 if stale else (400 if form.errors else 200)


def _save(request, form, call):
    """Run `call()`; on refusal put the reason on the form. Returns (result, stale)."""
    try:
        return call(), False
    except StaleEdit as exc:
        form.add_error(None, exc.messages[0])
        return None, True
    except (ValidationError, PermissionDenied) as exc:
        show_refusal(form, exc)
        return None, False


def _builders(request, p):
    return selectors.builder_orgs(person=request.user, partnership=p)


def _ctx(p, f, **kw):
    return {"partnership": p, "framework": f, "here": "framework", **kw}


# --- the framework -------------------------------------------------------------------------------

def overview(request, slug):
    p = partnership_or_404(request, slug, area="scorecards")
    f = selectors.framework_for(p)
    orgs = _builders(request, p)
    if f is None:
        return render(request, "evaluation/framework/empty.html", _ctx(p, None, can_build=bool(orgs)))
    levels = selectors.logic_model(f)
    return render(request, "evaluation/framework/overview.html", _ctx(
        p, f, levels=levels, can_build=bool(orgs), periods=selectors.framework_periods(f),
        decision=selectors.open_adoption_decision(f),
        indicator_count=sum(len(s.indicators) for lv in levels for s in lv.steps),
        editable=f.status != FrameworkStatus.PROPOSED))


@login_required
def create(request, slug):
    p = partnership_or_404(request, slug)
    if selectors.framework_for(p) is not None:
        return redirect("evaluation:framework", slug=p.slug)
    orgs = _builders(request, p)
    form = FrameworkForm(request.POST or None).set_acting_for(orgs)
    if request.method == "POST" and not refuse_unless_acting(form, orgs, NOT_A_BUILDER) and form.is_valid():
        f, _stale = _save(request, form, lambda: services.framework_create(
            actor=request.user, partnership=p, **form.cleaned_data))
        if f is not None:
            messages.success(request, _("Framework started as a draft. Add its outcomes and indicators."))
            return redirect(f)
    return render(request, "evaluation/framework/form.html", _ctx(p, None, form=form, can_build=bool(orgs)),
                  status=_status(form))


@login_required
def edit(request, slug):
    p, f = _framework_or_404(request, slug)
    orgs = _builders(request, p)
    initial = {k: getattr(f, k) for k in services.FRAMEWORK_FIELDS} | {"version": f.version}
    form = FrameworkForm(request.POST or None, initial=initial, editing=True).set_acting_for(orgs)
    stale = False
    if request.method == "POST" and not refuse_unless_acting(form, orgs, NOT_A_BUILDER) and form.is_valid():
        data = dict(form.cleaned_data)
        acting_for, version = data.pop("acting_for"), data.pop("version")
        result, stale = _save(request, form, lambda: services.framework_update(
            actor=request.user, acting_for=acting_for, framework=f, expected_version=version, **data))
        if result is not None:
            messages.success(request, _("Framework settings saved."))
            return redirect(result)
    return render(request, "evaluation/framework/form.html", _ctx(p, f, form=form, can_build=bool(orgs)),
                  status=_status(form, stale))


@login_required
def adopt(request, slug):
    p, f = _framework_or_404(request, slug)
    orgs = _builders(request, p)
    form = AdoptForm(request.POST or None).set_acting_for(orgs)
    if request.method == "POST" and not refuse_unless_acting(form, orgs, NOT_A_BUILDER) and form.is_valid():
        decision, _stale = _save(request, form, lambda: services.framework_propose_adoption(
            actor=request.user, acting_for=form.cleaned_data["acting_for"], framework=f,
            closes_at=form.cleaned_data.get("closes_at")))
        if decision is not None:
            messages.success(request, _("The framework has been put to the partners for adoption."))
            return redirect(decision)
    return render(request, "evaluation/framework/adopt.html", _ctx(
        p, f, form=form, can_build=bool(orgs), decision=selectors.open_adoption_decision(f),
        indicator_count=selectors.indicators_of(f).count()), status=_status(form))


def versions(request, slug):
    p, f = _framework_or_404(request, slug)
    return render(request, "evaluation/framework/versions.html", _ctx(p, f, versions=list(selectors.versions_of(f))))


def version(request, slug, number):
    p, f = _framework_or_404(request, slug)
    v = selectors.version_of(f, number)
    if v is None:
        raise Http404
    return render(request, "evaluation/framework/version.html",
                  _ctx(p, f, v=v, snapshot=selectors.readable_snapshot(v.snapshot)))


# --- outcomes ------------------------------------------------------------------------------------

def _outcome_form(request, f, orgs, *, outcome=None, initial=None):
    steps = [o for o in selectors.outcomes_of(f) if outcome is None or o.pk != outcome.pk]
    return OutcomeForm(request.POST or None, initial=initial, editing=outcome is not None) \
        .set_acting_for(orgs).set_steps(steps)


@login_required
def outcome_create(request, slug):
    p, f = _framework_or_404(request, slug)
    orgs = _builders(request, p)
    form = _outcome_form(request, f, orgs, initial={"level": request.GET.get("level") or "outcome"})
    if request.method == "POST" and not refuse_unless_acting(form, orgs, NOT_A_BUILDER) and form.is_valid():
        o, _stale = _save(request, form, lambda: services.outcome_create(actor=request.user, framework=f,
                                                                          **form.cleaned_data))
        if o is not None:
            messages.success(request, _("“%(t)s” added to the logic model.") % {"t": o.title})
            return redirect(f)
    return render(request, "evaluation/framework/outcome_form.html", _ctx(p, f, form=form, can_build=bool(orgs)),
                  status=_status(form))


@login_required
def outcome_edit(request, pk):
    o = _visible(request, pk, Outcome)
    f, p = o.framework, o.framework.partnership
    if o.retired_at is not None:
        raise Http404
    orgs = _builders(request, p)
    initial = {"level": o.level, "title": o.title, "description": o.description,
               "contributes_to": o.contributes_to_id, "version": o.version}
    form = _outcome_form(request, f, orgs, outcome=o, initial=initial)
    stale = False
    if request.method == "POST" and not refuse_unless_acting(form, orgs, NOT_A_BUILDER) and form.is_valid():
        result, stale, retired = _save_or_retire(request, form, dict(form.cleaned_data), outcome=o,
                                                 update=services.outcome_update, retire=services.outcome_retire)
        if result is not None:
            done = _("“%(t)s” retired.") if retired else _("“%(t)s” saved.")
            messages.success(request, done % {"t": result.title})
            return redirect(f)
    return render(request, "evaluation/framework/outcome_form.html",
                  _ctx(p, f, form=form, outcome=o, can_build=bool(orgs)), status=_status(form, stale))


def _save_or_retire(request, form, data: dict, *, update, retire, **target):
    """Retire (the form's "retire" button) or save the edited step or indicator: (result, stale, retired)."""
    kwargs = {"actor": request.user, "acting_for": data.pop("acting_for"), "expected_version": data.pop("version"),
              **target}
    if request.POST.get("action") == "retire":
        return *_save(request, form, lambda: retire(**kwargs)), True
    return *_save(request, form, lambda: update(**kwargs, **data)), False


# --- indicators ----------------------------------------------------------------------------------

def _indicator_form(request, f, orgs, *, indicator=None, initial=None):
    form = IndicatorForm(request.POST or None, initial=initial, editing=indicator is not None).set_acting_for(orgs)
    outcomes = list(selectors.outcomes_of(f))
    if indicator is not None and indicator.outcome not in outcomes:
        outcomes.append(indicator.outcome)
    return form.set_choices(outcomes=outcomes, partners=selectors.active_partners(f.partnership),
                            channels=selectors.feedback_channels(f.partnership))


def _indicator_data(form) -> dict:
    data = dict(form.cleaned_data)
    data["baseline"] = data.get("baseline") or None
    return data


@login_required
def indicator_create(request, slug):
    p, f = _framework_or_404(request, slug)
    orgs = _builders(request, p)
    form = _indicator_form(request, f, orgs, initial={"outcome": request.GET.get("outcome")})
    if request.method == "POST" and not refuse_unless_acting(form, orgs, NOT_A_BUILDER) and form.is_valid():
        i, _stale = _save(request, form, lambda: services.indicator_create(actor=request.user, framework=f,
                                                                            **_indicator_data(form)))
        if i is not None:
            messages.success(request, _("Indicator “%(n)s” added. Set its targets next.") % {"n": i.name})
            return redirect("evaluation:indicator_targets", pk=i.pk)
    return render(request, "evaluation/framework/indicator_form.html", _ctx(p, f, form=form, can_build=bool(orgs)),
                  status=_status(form))


@login_required
def indicator_edit(request, pk):
    i = _visible(request, pk, Indicator)
    f, p = i.framework, i.framework.partnership
    if i.retired_at is not None:
        raise Http404
    orgs = _builders(request, p)
    initial = {name: getattr(i, name) for name in services.INDICATOR_FIELDS}
    initial |= {"outcome": i.outcome_id, "reporting_partner": i.reporting_partner_id,
                "feedback_channel": i.feedback_channel_id, "baseline": services._num(i.baseline) or "",
                "version": i.version}
    form = _indicator_form(request, f, orgs, indicator=i, initial=initial)
    stale = False
    if request.method == "POST" and not refuse_unless_acting(form, orgs, NOT_A_BUILDER) and form.is_valid():
        result, stale, retired = _save_or_retire(request, form, _indicator_data(form), indicator=i,
                                                 update=services.indicator_update, retire=services.indicator_retire)
        if result is not None:
            done = _("Indicator “%(n)s” retired.") if retired else _("Indicator “%(n)s” saved.")
            messages.success(request, done % {"n": result.name})
            return redirect(f)
    return render(request, "evaluation/framework/indicator_form.html",
                  _ctx(p, f, form=form, indicator=i, can_build=bool(orgs)), status=_status(form, stale))


@login_required
def indicator_targets(request, pk):
    i = _visible(request, pk, Indicator)
    f, p = i.framework, i.framework.partnership
    orgs = _builders(request, p)
    periods = selectors.framework_periods(f)
    current = {t.period: services._num(t.value) for t in i.targets.all()}
    initial = {TargetsForm.name_for(per.key): current.get(per.key, "") for per in periods} | {"version": i.version}
    form = TargetsForm(request.POST or None, initial=initial, periods=periods, unit=i.unit).set_acting_for(orgs)
    outside = {k: v for k, v in current.items() if k not in {per.key for per in periods}}
    stale = False
    if request.method == "POST" and not refuse_unless_acting(form, orgs, NOT_A_BUILDER) and form.is_valid():
        try:
            services.indicator_targets_set(actor=request.user, acting_for=form.cleaned_data["acting_for"],
                                           indicator=i, targets=form.targets(),
                                           expected_version=form.cleaned_data["version"])
        except StaleEdit as exc:
            form.add_error(None, exc.messages[0])
            stale = True
        except ValidationError as exc:
            # The service names the period; the form names the input.
            by_key = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
            for key, errors in by_key.items():
                name = TargetsForm.name_for(key)
                for e in errors:
                    form.add_error(name if name in form.fields else None,
                                   e.message % e.params if e.params else e.message)
        except PermissionDenied as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Targets of “%(n)s” saved.") % {"n": i.name})
            return redirect(f)
    return render(request, "evaluation/framework/targets.html",
                  _ctx(p, f, form=form, indicator=i, outside=outside, can_build=bool(orgs)),
                  status=_status(form, stale))


@login_required
def indicator_links(request, pk):
    i = _visible(request, pk, Indicator)
    f, p = i.framework, i.framework.partnership
    orgs = _builders(request, p)
    groups = selectors.work_item_choices(p)
    linked = set(i.work_items.values_list("pk", flat=True))
    form = LinksForm(request.POST or None).set_acting_for(orgs).set_choices(
        work_groups=groups, commitments=selectors.commitment_choices(p))
    initial = {"version": i.version, "commitments": [str(pk) for pk in i.commitments.values_list("pk", flat=True)]}
    for n, (_label, items) in enumerate(groups):
        name = f"work_{n}"
        if name in form.fields:
            initial[name] = [str(w.pk) for w in items if w.pk in linked]
    form.initial = initial
    stale = False
    if request.method == "POST" and not refuse_unless_acting(form, orgs, NOT_A_BUILDER) and form.is_valid():
        d = form.cleaned_data
        result, stale = _save(request, form, lambda: services.indicator_links_set(
            actor=request.user, acting_for=d["acting_for"], indicator=i, work_items=form.work_items(),
            commitments=d.get("commitments") or [], expected_version=d["version"]))
        if result is not None:
            messages.success(request, _("Links of “%(n)s” saved.") % {"n": i.name})
            return redirect(f)
    return render(request, "evaluation/framework/links.html",
                  _ctx(p, f, form=form, indicator=i, can_build=bool(orgs)), status=_status(form, stale))
