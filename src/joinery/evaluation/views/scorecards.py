"""Evaluation pages: scorecards (partnership, outcome, partner), the indicator page and the thread
from a commitment to the results it serves. Read-only and thin: parse, call selectors, render.

Who may see: whoever may see the partnership; private partnerships answer 404 to others.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from joinery.agreements.selectors import can_see_agreement
from joinery.network.shortcuts import partnership_or_404
from joinery.organisations.models import Organisation

from ..models import Framework, FrameworkStatus, Indicator, Outcome
from ..selectors import scorecards as selectors
from ..selectors import thread as threads


class AsOfForm(forms.Form):
    """The "as of" date of a scorecard (GET): the statuses as they stood on that day."""

    as_of = forms.DateField(label=_("Show the scorecard as of"), required=False,
                            help_text=_("For example, 2026-03-31. Leave empty for today."),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day is not None and not 1900 <= day.year <= 2200:
            raise forms.ValidationError(_("Give a date between the years 1900 and 2200."))
        return day


def _as_of(request) -> tuple[AsOfForm, dt.date]:
    form = AsOfForm(request.GET or None)
    day = form.cleaned_data.get("as_of") if form.is_bound and form.is_valid() else None
    return form, day or timezone.localdate()


def _framework(partnership) -> Framework | None:
    return Framework.objects.filter(partnership=partnership).first()


def _render_scorecard(request, partnership, framework, *, outcome=None, organisation=None):
    form, as_of = _as_of(request)
    context = {"partnership": partnership, "framework": framework, "form": form, "outcome": outcome,
               "organisation": organisation,
               "can_build": request.user.has_perm("evaluation.build_framework", partnership)}
    status = 200
    if framework is not None:
        card = selectors.scorecard(framework=framework, outcome=outcome, organisation=organisation, as_of=as_of)
        context["s"] = card
        if form.is_bound and form.errors:
            status = 400
    return render(request, "evaluation/scorecards/scorecard.html", context, status=status)


def partnership_scorecard(request, slug):
    p = partnership_or_404(request, slug, area="scorecards")
    return _render_scorecard(request, p, _framework(p))


def outcome_scorecard(request, pk):
    outcome = get_object_or_404(Outcome.objects.select_related("framework__partnership"), pk=pk)
    p = outcome.framework.partnership
    if not request.user.has_perm("network.see_scorecards", p) or outcome.retired_at is not None:
        raise Http404
    return _render_scorecard(request, p, outcome.framework, outcome=outcome)


def partner_scorecard(request, slug, org):
    p = partnership_or_404(request, slug, area="scorecards")
    framework = _framework(p)
    organisation = Organisation.objects.filter(slug=org).first()
    if framework is None or organisation is None or not p.partners.filter(organisation=organisation).exists():
        raise Http404
    return _render_scorecard(request, p, framework, organisation=organisation)


def indicator(request, pk):
    try:
        i = selectors.indicator_get(pk=pk)
    except Indicator.DoesNotExist as exc:
        raise Http404 from exc
    p = i.framework.partnership
    if not request.user.has_perm("network.see_scorecards", p):
        raise Http404
    form, as_of = _as_of(request)
    page = selectors.indicator_page(i, as_of=as_of)
    can_report = (i.framework.status == FrameworkStatus.ADOPTED and not i.fed_by_feedback and i.retired_at is None
                  and request.user.has_perm("evaluation.report_measurement", p))
    return render(request, "evaluation/scorecards/indicator.html", {
        "partnership": p, "framework": i.framework, "indicator": i, "page": page, "card": page.card, "form": form,
        "thread": threads.indicator_thread(i, values={p.period.key: p.value for p in page.card.series
                                                      if p.value is not None}),
        "can_report": can_report,
        # Totals per contributor are part of the results; the ledger lines themselves are shown
        # only where the ledger is (partners-only by default).
        "show_ledger_lines": request.user.has_perm("network.see_ledger", p),
    }, status=400 if form.is_bound and form.errors else 200)


def commitment_thread(request, pk):
    try:
        c = threads.commitment_get(pk=pk)
    except threads.Commitment.DoesNotExist as exc:
        raise Http404 from exc
    p = c.agreement.partnership
    # A commitment's results show where both its agreement and the scorecards do.
    if not (request.user.has_perm("network.see_scorecards", p)
            and can_see_agreement(person=request.user, agreement=c.agreement)):
        raise Http404
    form, as_of = _as_of(request)
    return render(request, "evaluation/scorecards/commitment.html", {
        "partnership": p, "commitment": c, "t": threads.commitment_thread(c, as_of=as_of), "form": form,
    }, status=400 if form.is_bound and form.errors else 200)
