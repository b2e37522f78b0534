"""Web pages of the partnership network. Thin: parse, call one service, respond."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from joinery.audit.selectors import events_for_partnership
from joinery.core.exceptions import PermissionDenied, ValidationError
from joinery.core.forms import apply_errors
from joinery.organisations.models import Organisation, Representative
from joinery.organisations.selectors import organisations_represented_by

from . import selectors, services
from .decision_rules import DecisionRule, allowed_stances
from .forms import (
    CharterForm,
    DecisionForm,
    InvitationResponseForm,
    InviteForm,
    LeadRulingForm,
    PartnershipCreateForm,
    PartnershipEditForm,
    PositionForm,
    PublicationForm,
    RationaleForm,
    ReasonForm,
)
from .models import (
    Decision,
    DecisionStatus,
    Invitation,
    InvitationStatus,
    Partner,
    PartnerRole,
    PartnerStatus,
)
from .permissions import MANAGING_ROLES
from .shortcuts import require_area
from .visibility import can_see


def _partnership(request, slug, perm="network.view_partnership", area=None):
    p = get_object_or_404(selectors.Partnership, slug=slug)
    if not request.user.has_perm(perm, p):
        if request.user.has_perm("network.view_partnership", p):
            raise PermissionDenied(_("You do not have permission to do this in %(p)s.") % {"p": p.name})
        raise Http404  # private partnerships do not reveal that they exist
    if area is not None:
        require_area(request.user, p, area)
    return p


def _my_partner_orgs(person, partnership, convener=False):
    reps = Representative.objects.current().filter(person=person)
    if convener:
        reps = reps.filter(role__in=MANAGING_ROLES)
    partners = partnership.partners.filter(status=PartnerStatus.ACTIVE, organisation_id__in=reps.values("organisation_id"))
    if convener:
        partners = partners.filter(role=PartnerRole.CONVENER)
    return Organisation.objects.filter(pk__in=partners.values("organisation_id")).order_by("name")


def partnership_list(request):
    query = request.GET.get("q", "").strip()
    page = Paginator(selectors.partnership_list(person=request.user, query=query), 25).get_page(request.GET.get("page"))
    return render(request, "network/partnership_list.html", {"page": page, "query": query})


@login_required
def partnership_create(request):
    orgs = organisations_represented_by(person=request.user, roles=MANAGING_ROLES)
    form = PartnershipCreateForm(request.POST or None)
    form.set_acting_for(orgs)
    if not orgs:
        messages.warning(request, _("To start a partnership you must be an administrator or coordinator of an organisation."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            p = services.partnership_create(actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Partnership “%(p)s” started. Invite the partners next.") % {"p": p.name})
            return redirect(p)
    return render(request, "network/partnership_form.html", {"form": form, "creating": True})


def partnership_detail(request, slug):
    p = _partnership(request, slug)
    person = request.user
    context = {
        "partnership": p,
        "partners": selectors.active_partners(partnership=p),
        "former": selectors.former_partners(partnership=p),
        "charter": selectors.current_charter(partnership=p) if can_see(person, p, "charter") else None,
        "decisions": selectors.decisions_for(partnership=p)[:5] if can_see(person, p, "decisions") else [],
        "pending": selectors.pending_invitations(partnership=p),
        "can_manage": person.has_perm("network.manage_partners", p),
        "is_partner": person.has_perm("network.take_position", p),
        "my_orgs": list(_my_partner_orgs(person, p)) if person.is_authenticated else [],
    }
    return render(request, "network/partnership_detail.html", context)


@login_required
def partnership_edit(request, slug):
    p = _partnership(request, slug, "network.change_partnership")
    initial = {f: getattr(p, f) for f in services.PARTNERSHIP_FIELDS} | {"version": p.version}
    form = PartnershipEditForm(request.POST or None, initial=initial)
    form.set_acting_for(_my_partner_orgs(request.user, p, convener=True))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        acting_for, version = data.pop("acting_for"), data.pop("version")
        try:
            services.partnership_update(actor=request.user, partnership=p, acting_for=acting_for,
                                        expected_version=version, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Partnership details saved."))
            return redirect(p)
    return render(request, "network/partnership_form.html", {"form": form, "partnership": p})


@login_required
def invite(request, slug):
    p = _partnership(request, slug, "network.manage_partners")
    form = InviteForm(request.POST or None)
    form.set_acting_for(_my_partner_orgs(request.user, p, convener=True))
    current = p.partners.filter(status=PartnerStatus.ACTIVE).values("organisation_id")
    form.fields["organisation"].queryset = Organisation.objects.filter(is_active=True).exclude(pk__in=current).order_by("name")
    if request.method == "POST" and form.is_valid():
        try:
            inv = services.invitation_create(actor=request.user, partnership=p, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(org)s is invited.") % {"org": inv.organisation.name})
            return redirect(p)
    return render(request, "network/invite.html", {"form": form, "partnership": p,
                                                    "pending": selectors.pending_invitations(partnership=p)})


@login_required
def partner_remove(request, slug, pk):
    p = _partnership(request, slug, "network.manage_partners")
    partner = get_object_or_404(Partner.objects.select_related("organisation"), pk=pk, partnership=p)
    form = ReasonForm(request.POST or None)
    form.set_acting_for(_my_partner_orgs(request.user, p, convener=True))
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_remove(actor=request.user, partner=partner, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(org)s was removed from the partnership.") % {"org": partner.organisation.name})
            return redirect(p)
    return render(request, "network/partner_leave.html", {"form": form, "partnership": p, "partner": partner,
                                                           "removing": True})


@login_required
def partner_withdraw(request, slug, pk):
    p = _partnership(request, slug)
    partner = get_object_or_404(Partner.objects.select_related("organisation"), pk=pk, partnership=p)
    form = ReasonForm(request.POST or None)
    form.set_acting_for([partner.organisation])
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_withdraw(actor=request.user, partner=partner, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(org)s has withdrawn from the partnership.") % {"org": partner.organisation.name})
            return redirect(p)
    return render(request, "network/partner_leave.html", {"form": form, "partnership": p, "partner": partner})


def publication(request, slug):
    """What the public sees of the partnership; the convener changes it here (a decision if the charter says so)."""
    from .visibility import publication_of

    p = _partnership(request, slug)
    rows = publication_of(p)
    convener_orgs = list(_my_partner_orgs(request.user, p, convener=True)) if request.user.is_authenticated else []
    form = None
    if convener_orgs and p.is_public:
        form = PublicationForm(request.POST or None, areas=rows, initial={"version": p.version})
        form.set_acting_for(convener_orgs)
    elif request.method == "POST":
        raise PermissionDenied(_("Only the convener can change what the public sees."))
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.publication_set(actor=request.user, partnership=p, acting_for=data["acting_for"],
                                              changes=form.changes(), expected_version=data["version"],
                                              reason=data["reason"], closes_at=data["closes_at"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if isinstance(result, Decision):
                messages.success(request, _("The charter asks for a decision: the change is put to the partners."))
                return redirect(result)
            messages.success(request, _("Saved: the public now sees what this page shows."))
            return redirect("network:publication", slug=p.slug)
    charter = selectors.current_charter(partnership=p)
    return render(request, "network/publication.html", {
        "partnership": p, "rows": rows, "form": form,
        "needs_decision": bool(charter and charter.changes_need_decision),
    }, status=400 if form is not None and form.errors else 200)


def charter(request, slug):
    p = _partnership(request, slug, area="charter")
    return render(request, "network/charter.html", {
        "partnership": p, "charter": selectors.current_charter(partnership=p),
        "versions": selectors.charter_versions(partnership=p),
        "can_edit": request.user.has_perm("network.change_charter", p),
        "partner_count": p.partners.filter(status=PartnerStatus.ACTIVE).count(),
    })


def charter_version(request, slug, number):
    p = _partnership(request, slug, area="charter")
    cv = get_object_or_404(p.charter_versions, number=number)
    return render(request, "network/charter.html", {
        "partnership": p, "charter": cv, "versions": selectors.charter_versions(partnership=p), "old": True,
    })


@login_required
def charter_edit(request, slug):
    p = _partnership(request, slug, "network.change_charter")
    current = selectors.current_charter(partnership=p)
    initial = {f: getattr(current, f) for f in services.CHARTER_FIELDS} | {"expected_number": current.number}
    form = CharterForm(request.POST or None, initial=initial)
    form.set_acting_for(_my_partner_orgs(request.user, p, convener=True))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            result = services.charter_amend(actor=request.user, partnership=p, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if isinstance(result, Decision):
                messages.success(request, _("The charter says changes need a decision: the partners are now asked to adopt it."))
                return redirect(result)
            messages.success(request, _("Charter version %(n)d is now in effect.") % {"n": result.number})
            return redirect("network:charter", slug=p.slug)
    return render(request, "network/charter_form.html", {"form": form, "partnership": p, "charter": current})


def decision_list(request, slug):
    p = _partnership(request, slug, area="decisions")
    return render(request, "network/decision_list.html", {
        "partnership": p, "decisions": selectors.decisions_for(partnership=p),
        "can_propose": request.user.has_perm("network.propose_decision", p),
    })


@login_required
def decision_create(request, slug):
    p = _partnership(request, slug, "network.propose_decision")
    form = DecisionForm(request.POST or None)
    form.set_acting_for(_my_partner_orgs(request.user, p))
    if request.method == "POST" and form.is_valid():
        try:
            d = services.decision_open(actor=request.user, partnership=p, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The question is put to the partners."))
            return redirect(d)
    return render(request, "network/decision_form.html", {"form": form, "partnership": p,
                                                           "charter": selectors.current_charter(partnership=p)})


def _decision_context(request, p, d, **forms):
    person = request.user
    my_orgs = list(_my_partner_orgs(person, p)) if person.is_authenticated else []
    participant_ids = {pp.organisation_id for pp in d.participants.all()}
    my_orgs = [o for o in my_orgs if o.pk in participant_ids]
    positions = {pos.organisation_id: pos for pos in d.positions.all()}
    position_form = forms.get("position_form")
    if position_form is None and d.is_open and my_orgs:
        mine = positions.get(my_orgs[0].pk)
        position_form = PositionForm(initial={"stance": mine.stance, "reason": mine.reason} if mine else None)
        position_form.set_acting_for(my_orgs)
        position_form.limit_stances(allowed_stances(d.rule))
    convener_orgs = list(_my_partner_orgs(person, p, convener=True)) if person.is_authenticated else []
    lead_form = forms.get("lead_form")
    if lead_form is None and d.rule == DecisionRule.LEAD and not d.is_open and d.status != DecisionStatus.CLOSED and convener_orgs:
        lead_form = LeadRulingForm()
        lead_form.set_acting_for(convener_orgs)
    rationale_form = forms.get("rationale_form")
    if rationale_form is None and d.status == DecisionStatus.CLOSED and convener_orgs:
        rationale_form = RationaleForm(initial={"rationale": d.rationale, "review_date": d.review_date, "version": d.version})
        rationale_form.set_acting_for(convener_orgs)
    rows = []
    for participant in sorted(d.participants.all(), key=lambda x: x.organisation.name):
        rows.append({"organisation": participant.organisation, "position": positions.get(participant.organisation_id)})
    if not can_see(person, p, "positions"):
        rows = []  # who took which position stays among the partners (network/visibility.py)
    return {
        "partnership": p, "decision": d, "rows": rows, "position_form": position_form, "lead_form": lead_form,
        "rationale_form": rationale_form, "can_close_now": (not d.is_open and d.status == DecisionStatus.OPEN
                                                            and bool(my_orgs or convener_orgs)),
        "my_orgs": my_orgs,
    }


def decision_detail(request, slug, pk):
    p = _partnership(request, slug, area="decisions")
    d = get_object_or_404_decision(p, pk)
    return render(request, "network/decision_detail.html", _decision_context(request, p, d))


def get_object_or_404_decision(p, pk):
    try:
        return selectors.decision_detail(partnership=p, pk=pk)
    except Decision.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_POST
def position(request, slug, pk):
    p = _partnership(request, slug, "network.take_position")
    d = get_object_or_404_decision(p, pk)
    form = PositionForm(request.POST)
    participant_ids = set(d.participants.values_list("organisation_id", flat=True))
    form.set_acting_for([o for o in _my_partner_orgs(request.user, p) if o.pk in participant_ids])
    form.limit_stances(allowed_stances(d.rule))
    if form.is_valid():
        try:
            services.position_record(actor=request.user, decision=d, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your organisation's position is recorded. You can change it until the decision closes."))
            return redirect(d)
    d = get_object_or_404_decision(p, pk)
    return render(request, "network/decision_detail.html", _decision_context(request, p, d, position_form=form),
                  status=400)


@login_required
@require_POST
def decision_close(request, slug, pk):
    """Compute the outcome now (after closing time), or record the lead's ruling."""
    p = _partnership(request, slug, "network.take_position")
    d = get_object_or_404_decision(p, pk)
    form = None
    if "ruling" in request.POST or d.status == DecisionStatus.AWAITING_LEAD:
        form = LeadRulingForm(request.POST)
        form.set_acting_for(_my_partner_orgs(request.user, p, convener=True))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.decision_close(actor=request.user, decision=d, acting_for=data["acting_for"],
                                        lead_ruling=data["ruling"] == "yes", rationale=data["rationale"],
                                        review_date=data["review_date"])
            except ValidationError as exc:
                apply_errors(form, exc)
    else:
        try:
            services.decision_close(actor=request.user, decision=d)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(d)
    if form is not None and form.errors:
        d = get_object_or_404_decision(p, pk)
        return render(request, "network/decision_detail.html", _decision_context(request, p, d, lead_form=form),
                      status=400)
    messages.success(request, _("The outcome is recorded."))
    return redirect(d)


@login_required
@require_POST
def decision_rationale(request, slug, pk):
    p = _partnership(request, slug, "network.take_position")
    d = get_object_or_404_decision(p, pk)
    form = RationaleForm(request.POST)
    form.set_acting_for(_my_partner_orgs(request.user, p, convener=True))
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.decision_record_rationale(actor=request.user, decision=d, acting_for=data["acting_for"],
                                               rationale=data["rationale"], review_date=data["review_date"],
                                               expected_version=data["version"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Rationale and review date saved."))
            return redirect(d)
    d = get_object_or_404_decision(p, pk)
    return render(request, "network/decision_detail.html", _decision_context(request, p, d, rationale_form=form),
                  status=400)


@login_required
def activity(request, slug):
    p = _partnership(request, slug, "network.view_partnership_activity")
    before = request.GET.get("before")
    events = events_for_partnership(partnership=p, limit=50, before_id=int(before) if before and before.isdigit() else None)
    return render(request, "network/activity.html", {"partnership": p, "events": events,
                                                      "next_before": events[-1].id if len(events) == 50 else None})


def _map_context(request, partnership=None):
    graph = selectors.network_graph(person=request.user, partnership=partnership)
    orgs = {o["id"]: o for o in graph["organisations"]}
    ships = {s["id"]: s for s in graph["partnerships"]}
    rows = [{"partnership": ships[link["partnership"]], "organisation": orgs[link["organisation"]],
             "role": link["role_label"]} for link in graph["links"]]
    return {"graph_json": json.dumps(graph), "rows": rows, "graph": graph, "partnership": partnership}


def network_map(request):
    return render(request, "network/map.html", _map_context(request))


def partnership_map(request, slug):
    p = _partnership(request, slug)
    return render(request, "network/map.html", _map_context(request, p))


def network_map_data(request):
    slug = request.GET.get("partnership")
    p = _partnership(request, slug) if slug else None
    return JsonResponse(selectors.network_graph(person=request.user, partnership=p))


@login_required
def invitations(request):
    return render(request, "network/invitations.html",
                  {"invitations": selectors.invitations_for_person(person=request.user)})


@login_required
def invitation(request, pk):
    inv = get_object_or_404(Invitation.objects.select_related("partnership", "organisation", "invited_by"), pk=pk)
    if not Representative.objects.current().filter(person=request.user, organisation=inv.organisation).exists():
        raise Http404
    form = InvitationResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["answer"] == "accept"
        try:
            services.invitation_respond(actor=request.user, invitation=inv, accept=accept,
                                        reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if accept:
                messages.success(request, _("%(org)s is now a partner in %(p)s.") % {"org": inv.organisation.name, "p": inv.partnership.name})
                return redirect(inv.partnership)
            messages.success(request, _("You declined the invitation."))
            return redirect("network:invitations")
    return render(request, "network/invitation.html", {"invitation": inv, "form": form,
                                                        "answered": inv.status != InvitationStatus.PENDING})
