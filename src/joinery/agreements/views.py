"""Web pages of agreements. Thin: parse, call one service, respond.

Who may see: an agreement under negotiation shows where the partnership shows its drafts, a
signed one where it shows agreements in force (network/visibility.py); comments, positions,
amendments and earlier versions each follow their own area. Hidden agreements answer 404. Who may act: the services decide and their messages
are shown on the form (or as a banner for one-button actions).
"""

from __future__ import annotations

import csv
import time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from joinery.core.exceptions import MFARequired, PermissionDenied, ValidationError
from joinery.core.forms import refuse_unless_acting, show_refusal
from joinery.network.shortcuts import partnership_or_404
from joinery.organisations.models import Organisation, RepresentativeRole
from joinery.organisations.selectors import organisations_represented_by

from . import selectors, services
from .forms import (
    ActingForForm,
    AgreementCreateForm,
    AmendmentForm,
    ClauseAddForm,
    ClauseForm,
    CommentForm,
    CommitmentForm,
    DecideForm,
    DeclineForm,
    EndForm,
    FilterForm,
    PositionForm,
    ReplyForm,
    ReviewForm,
    SignForm,
    VerifyForm,
)
from .models import (
    Agreement,
    AgreementStatus,
    AmendmentKind,
    AmendmentStatus,
    Clause,
    Comment,
    Commitment,
    SignatureStatus,
)

COMMENTABLE = {AgreementStatus.DRAFT, AgreementStatus.NEGOTIATING, AgreementStatus.AWAITING_SIGNATURES}
LEAD_ROLES = [RepresentativeRole.ADMIN, RepresentativeRole.COORDINATOR]


# --- helpers ------------------------------------------------------------------------------------


def _agreement(request, pk) -> Agreement:
    try:
        a = selectors.agreement_get(pk=pk)
    except Agreement.DoesNotExist as exc:
        raise Http404 from exc
    if not selectors.can_see_agreement(person=request.user, agreement=a):
        raise Http404
    return a


def _clause(a, clause_id) -> Clause:
    c = get_object_or_404(Clause, pk=clause_id, agreement=a, deleted_at__isnull=True)
    c.agreement = a
    return c


def _standing(request, a, parties=None):
    parties = parties if parties is not None else selectors.parties_of(agreement=a)
    return parties, selectors.standing(person=request.user, agreement=a, parties=parties)


def _banner_error(request, exc) -> None:
    if isinstance(exc, MFARequired):
        raise exc
    text = str(exc) if isinstance(exc, PermissionDenied) else " ".join(exc.messages)
    messages.error(request, text or _("You do not have permission to do this."))


def _acting_for(request, orgs):
    """The organisation a one-button form acts for, or None (with a message) when it is not allowed."""
    form = ActingForForm(request.POST).set_acting_for(orgs)
    if orgs and form.is_valid():
        return form.cleaned_data["acting_for"]
    messages.error(request, _("You do not represent a party that can do this."))
    return None


def _anchor(a, clause_id=None) -> str:
    return a.get_absolute_url() + (f"#clause-{clause_id}" if clause_id else "")


def _require_lead_page(request, a, me):
    """Lead-only pages: refuse politely (back to the agreement, saying why)."""
    if me.is_lead:
        return None
    messages.error(request, _("Only the drafting lead (%(org)s) can do this. You can propose an amendment instead.")
                   % {"org": a.drafting_lead.name})
    return redirect(a)


# --- lists ----------------------------------------------------------------------------------------

def _list_context(request, partnership=None):
    form = FilterForm(request.GET or None)
    if partnership is not None:
        form.fields["organisation"].queryset = selectors.party_organisations(person=request.user,
                                                                             partnership=partnership)
    else:
        # Across every partnership a select of all parties would list thousands: the party
        # filter arrives from an organisation's page (?organisation=<id>) and is kept hidden.
        form.fields["organisation"].queryset = Organisation.objects.all()
        form.fields["organisation"].widget = forms.HiddenInput()
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.agreement_list(person=request.user, partnership=partnership, status=data.get("status", ""),
                                  organisation=data.get("organisation"), query=data.get("q", ""))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return {
        "form": form, "page": page, "partnership": partnership,
        "filtered": any(data.get(k) for k in ("q", "status", "organisation")),
        "reviews": selectors.upcoming_reviews(person=request.user, partnership=partnership),
        "today": timezone.localdate(),
    }


def partnership_agreements(request, slug):
    p = partnership_or_404(request, slug)
    context = _list_context(request, p)
    context["can_start"] = request.user.has_perm("network.take_position", p)
    return render(request, "agreements/list.html", context)


def find(request):
    return render(request, "agreements/list.html", _list_context(request))


def reviews_ics(request, slug):
    from . import ical

    p = partnership_or_404(request, slug)
    text = ical.review_calendar(selectors.review_calendar_agreements(partnership=p, person=request.user),
                                name=_("Agreement reviews – %(p)s") % {"p": p.name},
                                language=translation.get_language() or "en")
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{p.slug}-agreement-reviews.ics"'
    return response


# --- start ------------------------------------------------------------------------------------------

@login_required
def create(request, slug):
    p = partnership_or_404(request, slug)
    partners = selectors.partner_organisations(partnership=p)
    partner_ids = {o.pk for o in partners}
    mine = [o for o in organisations_represented_by(person=request.user, roles=LEAD_ROLES) if o.pk in partner_ids]
    form = AgreementCreateForm(request.POST or None).set_acting_for(mine)
    form.set_partners(partners)
    if request.method == "POST" and mine and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            a = services.agreement_create(actor=request.user, partnership=p, parties=list(data.pop("parties")),
                                          **data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Agreement “%(t)s” started. Draft the clauses together.") % {"t": a.title})
            return redirect(a)
    return render(request, "agreements/create.html", {"form": form, "partnership": p, "can_start": bool(mine)},
                  status=400 if form.errors else 200)


# --- the agreement page -------------------------------------------------------------------------------

def _similar(request, a, me):
    """The cut-and-paste advice, for the drafting lead only; agreements the person cannot see stay unnamed."""
    if not (me.is_lead and a.is_editable):
        return []
    from . import similarity

    matches = similarity.similar_agreements(a, limit=5)
    visible = set(selectors.visible_agreements(person=request.user)
                  .filter(pk__in={m.agreement.pk for m in matches}).values_list("pk", flat=True))
    return [{"match": m, "visible": m.agreement.pk in visible, "percent": round(m.score * 100)}
            for m in matches]


def _page_context(request, a, bound=None):
    """Everything the agreement page shows. `bound` = (kind, key, form) re-shows a refused form.

    The clauses' links are built from the agreement's URL in the template (`base_url`): with
    hundreds of clauses and thousands of comments, a `{% url %}` per link is measurable.
    """
    kind, key, bound_form = bound or (None, None, None)

    def pick(k, pk, make):
        return bound_form if (kind == k and key == pk) else make()

    parties, me = _standing(request, a)
    seen = selectors.shows(person=request.user, agreement=a)
    clauses = selectors.clauses_for_page(agreement=a, parties=parties, visible=seen)
    selectors.render_clause_bodies(clauses)
    amendments = selectors.amendments_for_page(agreement=a) if seen.amendments else []
    versions = selectors.versions_for_page(agreement=a)
    if not seen.drafts:
        versions = [v for v in versions if v.pk == a.in_force_version_id]
    sig_version = selectors.signature_version_of(agreement=a, versions=versions)
    signatures = selectors.signatures_of(version=sig_version)
    can_comment = me.is_party and a.status in COMMENTABLE
    can_position = me.is_party and a.is_editable
    my_ids = {o.pk for o in me.party_orgs}
    for c in clauses:
        c.comment_form = pick("comment", c.pk, lambda c=c: CommentForm(prefix=f"comment-{c.pk}")
                              .set_acting_for(me.party_orgs)) if can_comment else None
        if can_position:
            mine = next((r["position"] for r in c.position_rows if r["organisation"].pk in my_ids and r["position"]),
                        None)
            c.position_form = pick("position", c.pk, lambda c=c, mine=mine: PositionForm(
                prefix=f"position-{c.pk}",
                initial={"stance": mine.stance, "reason": mine.reason} if mine else None).set_acting_for(me.party_orgs))
        else:
            c.position_form = None
        for t in c.threads:
            t.resolve_as = (next((o for o in me.party_orgs if o.pk == t.comment.acting_for_id), None)
                            or (me.party_orgs[0] if me.party_orgs else None))
        for m in c.live_commitments:
            m.remove_as = (next((o for o in me.party_orgs if o.pk == m.party_id), None)
                           or (me.lead_orgs[0] if me.lead_orgs else None)) if a.is_editable else None
    for am in amendments:
        am.decide_form = (pick("decide", am.pk, lambda am=am: DecideForm(prefix=f"decide-{am.pk}")
                               .set_acting_for(me.lead_orgs))
                          if me.is_lead and a.is_editable and am.status == AmendmentStatus.PROPOSED else None)
    return {
        "agreement": a, "partnership": a.partnership, "parties": parties, "me": me, "clauses": clauses,
        "seen": seen,
        "amendments_open": [am for am in amendments if am.status == AmendmentStatus.PROPOSED],
        "amendments_decided": [am for am in amendments if am.status != AmendmentStatus.PROPOSED],
        "versions": versions, "signature_version": sig_version, "signatures": signatures,
        "blockers": services.signature_blockers(a) if a.is_editable else [],
        "open_items": selectors.open_items(agreement=a, clauses=clauses, parties=parties, amendments=amendments,
                                           signatures=signatures),
        "by_party": selectors.commitments_by_party(clauses=clauses),
        "similar": _similar(request, a, me),
        "reviews": selectors.reviews_for_page(agreement=a),
        "variations": list(a.variations.order_by("-created_at")),
        "can_comment": can_comment, "can_sign": bool(me.signatory_orgs) and a.status == AgreementStatus.AWAITING_SIGNATURES,
        "lead_org": me.lead_orgs[0] if me.lead_orgs else None,
        "manager_org": me.manager_orgs[0] if me.manager_orgs else None,
        "bound_form": bound_form,
        "is_awaiting": a.status == AgreementStatus.AWAITING_SIGNATURES,
        "is_in_force": a.status == AgreementStatus.IN_FORCE,
    }


def detail(request, pk):
    a = _agreement(request, pk)
    return render(request, "agreements/detail.html", _page_context(request, a))


def _refused(request, a, bound):
    return render(request, "agreements/detail.html", _page_context(request, a, bound), status=400)


# --- clauses (drafting lead) ----------------------------------------------------------------------------

@login_required
def clause_add(request, pk):
    a = _agreement(request, pk)
    _parties, me = _standing(request, a)
    refused = _require_lead_page(request, a, me)
    if refused:
        return refused
    clauses = list(services.live_clauses(a))
    form = ClauseAddForm(request.POST or None, initial={"after": request.GET.get("after")}).set_acting_for(me.lead_orgs)
    form.set_clauses(clauses)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        after_pk = data.pop("after")
        after = next((c for c in clauses if c.pk == after_pk), None)
        try:
            c = services.clause_add(actor=request.user, agreement=a, after=after, **data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Clause “%(h)s” added.") % {"h": c.heading})
            return redirect(_anchor(a, c.pk))
    return render(request, "agreements/clause_form.html", {"form": form, "agreement": a, "adding": True},
                  status=400 if form.errors else 200)


@login_required
def clause_edit(request, pk, clause_id):
    """Edit a clause. A save from an older revision is refused, showing both texts to merge."""
    a = _agreement(request, pk)
    c = _clause(a, clause_id)
    _parties, me = _standing(request, a)
    refused = _require_lead_page(request, a, me)
    if refused:
        return refused
    initial = {"heading": c.heading, "body": c.body, "expected_revision": c.revision}
    form = ClauseForm(request.POST or None, initial=initial).set_acting_for(me.lead_orgs)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.clause_update(actor=request.user, clause=c, acting_for=data["acting_for"],
                                   heading=data["heading"], body=data["body"],
                                   expected_revision=data["expected_revision"])
        except services.ClauseConflict as exc:
            conflict = exc
            fresh = request.POST.copy()
            fresh["expected_revision"] = str(exc.clause.revision)  # merge, then save on top of theirs
            form = ClauseForm(fresh, initial=initial).set_acting_for(me.lead_orgs)
            form.is_valid()
            form.add_error(None, exc.messages[0])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Clause “%(h)s” saved.") % {"h": data["heading"]})
            return redirect(_anchor(a, c.pk))
    return render(request, "agreements/clause_form.html", {"form": form, "agreement": a, "clause": c,
                                                            "conflict": conflict},
                  status=409 if conflict else (400 if form.errors else 200))


@login_required
def clause_delete(request, pk, clause_id):
    a = _agreement(request, pk)
    c = _clause(a, clause_id)
    _parties, me = _standing(request, a)
    refused = _require_lead_page(request, a, me)
    if refused:
        return refused
    form = ActingForForm(request.POST or None).set_acting_for(me.lead_orgs)
    if request.method == "POST" and form.is_valid():
        try:
            services.clause_delete(actor=request.user, clause=c, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Clause “%(h)s” deleted.") % {"h": c.heading})
            return redirect(a)
    return render(request, "agreements/clause_delete.html", {"form": form, "agreement": a, "clause": c},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def clause_move(request, pk, clause_id):
    a = _agreement(request, pk)
    c = _clause(a, clause_id)
    _parties, me = _standing(request, a)
    acting_for = _acting_for(request, me.lead_orgs)
    direction = request.POST.get("direction")
    if acting_for is not None and direction in ("up", "down"):
        try:
            services.clause_move(actor=request.user, clause=c, acting_for=acting_for, direction=direction)
        except (ValidationError, PermissionDenied) as exc:
            _banner_error(request, exc)
    return redirect(_anchor(a, c.pk))


# --- comments --------------------------------------------------------------------------------------------

@login_required
@require_POST
def comment_add(request, pk, clause_id):
    a = _agreement(request, pk)
    c = _clause(a, clause_id)
    _parties, me = _standing(request, a)
    form = CommentForm(request.POST, prefix=f"comment-{c.pk}").set_acting_for(me.party_orgs)
    if not refuse_unless_acting(form, me.party_orgs, _("Only the representatives of the parties to this agreement can do this.")) and form.is_valid():
        data = form.cleaned_data
        try:
            services.comment_add(actor=request.user, clause=c, acting_for=data["acting_for"], body=data["body"],
                                 quote=selectors.locate_passage(c.body, data["quote"]))
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Your comment is added."))
            return redirect(_anchor(a, c.pk))
    return _refused(request, a, ("comment", c.pk, form))


@login_required
def comment_reply(request, pk, comment_id):
    """Reply to a thread: its own small page, so the agreement page stays light with thousands of comments."""
    a = _agreement(request, pk)
    parent = get_object_or_404(Comment.objects.select_related("clause", "author", "acting_for"), pk=comment_id,
                               clause__agreement=a, parent__isnull=True)
    parent.clause.agreement = a
    _parties, me = _standing(request, a)
    if not (me.is_party and a.status in COMMENTABLE):
        messages.error(request, _("Only the parties' representatives can reply, while the agreement is being "
                                  "negotiated."))
        return redirect(_anchor(a, parent.clause_id))
    form = ReplyForm(request.POST or None, initial={"parent": parent.pk}).set_acting_for(me.party_orgs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.comment_add(actor=request.user, clause=parent.clause, acting_for=data["acting_for"],
                                 body=data["body"], parent=parent)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Your reply is added."))
            return redirect(_anchor(a, parent.clause_id))
    replies = list(parent.replies.select_related("author", "acting_for").order_by("created_at", "id"))
    return render(request, "agreements/reply.html", {"form": form, "agreement": a, "comment": parent,
                                                     "replies": replies},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def comment_resolve(request, pk, comment_id):
    a = _agreement(request, pk)
    comment = get_object_or_404(Comment.objects.select_related("clause"), pk=comment_id, clause__agreement=a)
    comment.clause.agreement = a
    _parties, me = _standing(request, a)
    acting_for = _acting_for(request, me.party_orgs)
    if acting_for is not None:
        try:
            services.comment_resolve(actor=request.user, comment=comment, acting_for=acting_for)
        except (ValidationError, PermissionDenied) as exc:
            _banner_error(request, exc)
        else:
            messages.success(request, _("The thread is resolved."))
    return redirect(_anchor(a, comment.clause_id))


# --- positions ---------------------------------------------------------------------------------------------

@login_required
@require_POST
def position(request, pk, clause_id):
    a = _agreement(request, pk)
    c = _clause(a, clause_id)
    _parties, me = _standing(request, a)
    form = PositionForm(request.POST, prefix=f"position-{c.pk}").set_acting_for(me.party_orgs)
    if not refuse_unless_acting(form, me.party_orgs, _("Only the representatives of the parties to this agreement can do this.")) and form.is_valid():
        try:
            services.clause_position_record(actor=request.user, clause=c, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("%(org)s's position on “%(h)s” is recorded.")
                             % {"org": form.cleaned_data["acting_for"].name, "h": c.heading})
            return redirect(_anchor(a, c.pk))
    return _refused(request, a, ("position", c.pk, form))


# --- commitments -------------------------------------------------------------------------------------------

@login_required
def commitment_add(request, pk, clause_id):
    a = _agreement(request, pk)
    c = _clause(a, clause_id)
    parties, me = _standing(request, a)
    form = CommitmentForm(request.POST or None).set_acting_for(me.party_orgs)
    form.set_parties(parties if me.is_lead else me.party_orgs)
    if not me.is_party:
        messages.error(request, _("Only the parties' representatives can record commitments."))
        return redirect(_anchor(a, c.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_add(actor=request.user, clause=c, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Commitment recorded."))
            return redirect(_anchor(a, c.pk))
    return render(request, "agreements/commitment_form.html", {"form": form, "agreement": a, "clause": c},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def commitment_remove(request, pk, commitment_id):
    a = _agreement(request, pk)
    m = get_object_or_404(Commitment, pk=commitment_id, agreement=a, deleted_at__isnull=True)
    m.agreement = a
    _parties, me = _standing(request, a)
    acting_for = _acting_for(request, me.party_orgs)
    if acting_for is not None:
        try:
            services.commitment_remove(actor=request.user, commitment=m, acting_for=acting_for)
        except (ValidationError, PermissionDenied) as exc:
            _banner_error(request, exc)
        else:
            messages.success(request, _("Commitment removed."))
    return redirect(_anchor(a, m.clause_id))


def commitments_csv(request, pk):
    a = _agreement(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agreement-{a.pk}-commitments.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8

    def cell(value):
        text = str(value)
        return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formula injection

    w = csv.writer(response)
    w.writerow([_("Party"), _("Clause"), _("Clause heading"), _("What"), _("Description"), _("How much"),
                _("Unit"), _("From"), _("Until")])
    for number, clause, m in selectors.commitments_for_export(agreement=a):
        w.writerow([cell(m.party.name), number, cell(clause.heading), m.get_kind_display(), cell(m.description),
                    m.quantity, cell(m.unit), m.period_start.isoformat(), m.period_end.isoformat()])
    return response


# --- amendments --------------------------------------------------------------------------------------------

@login_required
def amend(request, pk):
    a = _agreement(request, pk)
    _parties, me = _standing(request, a)
    if not me.is_party:
        messages.error(request, _("Only the parties' representatives can propose amendments."))
        return redirect(a)
    clauses = list(services.live_clauses(a))
    initial = {"kind": request.GET.get("kind") or AmendmentKind.REPLACE}
    chosen = next((c for c in clauses if str(c.pk) == request.GET.get("clause")), None)
    if chosen is not None:
        initial |= {"clause": chosen.pk, "heading": chosen.heading, "body": chosen.body}
    form = AmendmentForm(request.POST or None, initial=initial).set_acting_for(me.party_orgs)
    form.set_clauses(clauses)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        clause_pk = data.pop("clause")
        clause = next((c for c in clauses if c.pk == clause_pk), None)
        if clause is not None:
            clause.agreement = a
        try:
            services.amendment_propose(actor=request.user, agreement=a, clause=clause, **data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Your amendment is proposed. The drafting lead will accept or reject it."))
            return redirect(a.get_absolute_url() + "#amendments")
    return render(request, "agreements/amend.html", {"form": form, "agreement": a, "clauses": clauses},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def amendment_decide(request, pk, amendment_id):
    a = _agreement(request, pk)
    am = get_object_or_404(a.amendments, pk=amendment_id)
    _parties, me = _standing(request, a)
    form = DecideForm(request.POST, prefix=f"decide-{am.pk}").set_acting_for(me.lead_orgs)
    lead_only = _("Only the drafting lead (%(org)s) can do this.") % {"org": a.drafting_lead.name}
    if not refuse_unless_acting(form, me.lead_orgs, lead_only) and form.is_valid():
        data = form.cleaned_data
        try:
            services.amendment_decide(actor=request.user, amendment=am, acting_for=data["acting_for"],
                                      accept=data["decision"] == "accept", reason=data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Amendment accepted and applied.") if data["decision"] == "accept"
                             else _("Amendment rejected."))
            return redirect(a.get_absolute_url() + "#amendments")
    return _refused(request, a, ("decide", am.pk, form))


# --- rounds, signature, variation, review, ending ------------------------------------------------------------

def _one_button(request, pk, *, orgs_of, service, success):
    """A POST-only action with no fields but "acting for": call the service, say what happened.

    `success(result)` returns the message and where to go next (None: back to the agreement).
    """
    a = _agreement(request, pk)
    _parties, me = _standing(request, a)
    acting_for = _acting_for(request, orgs_of(me))
    if acting_for is not None:
        try:
            result = service(actor=request.user, agreement=a, acting_for=acting_for)
        except (ValidationError, PermissionDenied) as exc:
            _banner_error(request, exc)
        else:
            message, target = success(result)
            messages.success(request, message)
            if target is not None:
                return redirect(target)
    return redirect(a)


@login_required
@require_POST
def new_round(request, pk):
    return _one_button(
        request, pk, orgs_of=lambda me: me.lead_orgs, service=services.agreement_new_round,
        success=lambda v: (_("Version %(n)d is frozen. The parties can read it and compare it with "
                             "earlier versions.") % {"n": v.number}, None))


@login_required
@require_POST
def send_for_signature(request, pk):
    return _one_button(
        request, pk, orgs_of=lambda me: me.lead_orgs, service=services.agreement_send_for_signature,
        success=lambda v: (_("Version %(n)d is out for signature. Each party's authorised signatories "
                             "have been asked to sign it.") % {"n": v.number}, None))


@login_required
@require_POST
def start_variation(request, pk):
    return _one_button(
        request, pk, orgs_of=lambda me: me.manager_orgs, service=services.agreement_start_variation,
        success=lambda var: (_("A variation is started from the text in force, which stays in force "
                               "until the variation is signed."), var))


@login_required
def end(request, pk):
    a = _agreement(request, pk)
    _parties, me = _standing(request, a)
    refused = _require_lead_page(request, a, me)
    if refused:
        return refused
    form = EndForm(request.POST or None,
                   initial={"how": "abandoned" if a.is_editable else "terminated"}).set_acting_for(me.lead_orgs)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_end(actor=request.user, agreement=a, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The end of the agreement is recorded."))
            return redirect(a)
    return render(request, "agreements/end.html", {"form": form, "agreement": a},
                  status=400 if form.errors else 200)


@login_required
def review(request, pk):
    a = _agreement(request, pk)
    _parties, me = _standing(request, a)
    if not me.manager_orgs:
        messages.error(request, _("Only an administrator or coordinator of a party can open a review."))
        return redirect(a)
    form = ReviewForm(request.POST or None).set_acting_for(me.manager_orgs)
    if request.method == "POST" and form.is_valid():
        try:
            r = services.agreement_review_open(actor=request.user, agreement=a, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The review is put to the partners as a decision."))
            return redirect(r.decision)
    return render(request, "agreements/review.html", {"form": form, "agreement": a},
                  status=400 if form.errors else 200)


# --- signing -----------------------------------------------------------------------------------------------

def _recently_verified_with_mfa(request) -> bool:
    """Did the person pass a two-factor check in this session within allauth's reauthentication window?"""
    from allauth.account import app_settings as account_settings
    from allauth.account.internal.flows.login import get_authentication_records

    cutoff = time.time() - account_settings.REAUTHENTICATION_TIMEOUT
    return any(r.get("method") == "mfa" and r.get("at", 0) >= cutoff
               for r in get_authentication_records(request, request.user))


def _sign_context(request, a, me, sign_form=None, decline_form=None):
    v = a.signature_version
    signatures = selectors.signatures_of(version=v)
    pending = {s.organisation_id for s in signatures if s.status == SignatureStatus.PENDING}
    orgs = [o for o in me.signatory_orgs if o.pk in pending]
    if sign_form is None and orgs:
        sign_form = SignForm(initial={"fingerprint": v.fingerprint, "signer_name": request.user.display_name}
                             ).set_acting_for(orgs)
    if decline_form is None and orgs:
        decline_form = DeclineForm(prefix="decline").set_acting_for(orgs)
    return {"agreement": a, "version": v, "signatures": signatures, "orgs": orgs, "sign_form": sign_form,
            "decline_form": decline_form, "snapshot": v.snapshot}


def _sign_refusal(request, a, me):
    """Why this person cannot sign now (None when they can)."""
    if a.status != AgreementStatus.AWAITING_SIGNATURES or a.signature_version_id is None:
        return _("This agreement is not waiting for signatures.")
    if not me.signatory_orgs:
        return _("Only an authorised signatory of a party can sign this agreement. You are not recorded as an "
                 "authorised signatory of any of its parties: ask your organisation's administrator.")
    if not request.user.has_mfa():
        return _("Signing needs two-factor authentication. Set it up first, then come back to sign.")
    return None


@login_required
def sign(request, pk):
    """Sign the version out for signature; needs a fresh two-factor check (allauth's reauthentication)."""
    from allauth.account.internal.flows.reauthentication import suspend_request

    a = _agreement(request, pk)
    _parties, me = _standing(request, a)
    refusal = _sign_refusal(request, a, me)
    if refusal:
        return render(request, "agreements/sign_refused.html",
                      {"agreement": a, "message": refusal, "needs_mfa": request.user.has_mfa() is False
                       and bool(me.signatory_orgs)}, status=403)
    if not _recently_verified_with_mfa(request):
        return suspend_request(request, reverse("mfa_reauthenticate"))
    context = _sign_context(request, a, me)
    if not context["orgs"]:
        messages.info(request, _("Your organisation has already answered this signature request."))
        return redirect(a)
    if request.method == "POST":
        form = SignForm(request.POST).set_acting_for(context["orgs"])
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.agreement_sign(actor=request.user, agreement=a, acting_for=data["acting_for"],
                                        fingerprint=data["fingerprint"], signer_name=data["signer_name"],
                                        signer_role=data["signer_role"])
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc)
            else:
                a.refresh_from_db()
                messages.success(request, _("You signed for %(org)s.") % {"org": data["acting_for"].name}
                                 + (" " + _("Every party has signed: the agreement is in force.")
                                    if a.status == AgreementStatus.IN_FORCE else ""))
                return redirect(a)
        context = _sign_context(request, a, me, sign_form=form)
        return render(request, "agreements/sign.html", context, status=400)
    return render(request, "agreements/sign.html", context)


@login_required
@require_POST
def decline(request, pk):
    a = _agreement(request, pk)
    _parties, me = _standing(request, a)
    refusal = _sign_refusal(request, a, me)
    if refusal:
        return render(request, "agreements/sign_refused.html", {"agreement": a, "message": refusal}, status=403)
    context = _sign_context(request, a, me)
    form = DeclineForm(request.POST, prefix="decline").set_acting_for(context["orgs"])
    if form.is_valid():
        try:
            services.agreement_decline_signature(actor=request.user, agreement=a, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("You declined to sign. The agreement is back in negotiation."))
            return redirect(a)
    context = _sign_context(request, a, me, decline_form=form)
    return render(request, "agreements/sign.html", context, status=400)


# --- versions, redline, print, PDF, verification --------------------------------------------------------------

def _version(a, number, person):
    try:
        v = selectors.version_get(agreement=a, number=number)
    except a.versions.model.DoesNotExist as exc:
        raise Http404 from exc
    if not selectors.version_visible(person=person, agreement=a, version=v):
        raise Http404  # an earlier, negotiated version: shown where drafts are
    return v


def _require_drafts(request, a) -> None:
    """Redlines and the negotiation's history show where the partnership shows its drafts."""
    if not selectors.shows(person=request.user, agreement=a).drafts:
        raise Http404


def version(request, pk, number):
    a = _agreement(request, pk)
    v = _version(a, number, request.user)
    numbers = [n for n in a.versions.order_by("number").values_list("number", flat=True)]
    if not selectors.shows(person=request.user, agreement=a).drafts:
        numbers = [v.number]
    return render(request, "agreements/version.html", {
        "agreement": a, "version": v, "snapshot": v.snapshot, "signatures": selectors.signatures_of(version=v),
        "previous": max((n for n in numbers if n < v.number), default=None),
    })


def redline(request, pk):
    a = _agreement(request, pk)
    _require_drafts(request, a)
    numbers = list(a.versions.order_by("number").values_list("number", flat=True))
    choices = [str(n) for n in numbers] + (["draft"] if a.is_editable else [])

    def pick(name, default):
        value = request.GET.get(name) or default
        return value if value in choices else None

    old = pick("from", str(numbers[-2]) if len(numbers) > 1 else (str(numbers[-1]) if numbers else None))
    new = pick("to", "draft" if a.is_editable else (str(numbers[-1]) if numbers else None))

    def text_of(which):
        if which == "draft":
            return services.canonical_text(services.snapshot_of(a))
        return _version(a, int(which), request.user).canonical_text

    segments = selectors.redline(text_of(old), text_of(new)) if old and new else None
    bad = bool(request.GET) and (old is None or new is None)
    return render(request, "agreements/redline.html", {
        "agreement": a, "numbers": numbers, "show_draft": a.is_editable, "old": old, "new": new,
        "segments": segments, "bad_choice": bad,
        "changes": sum(1 for s in segments or [] if s["op"] != "equal"),
    }, status=400 if bad else 200)


def print_view(request, pk):
    a = _agreement(request, pk)
    number = request.GET.get("version")
    if number and number.isdigit():
        v = _version(a, int(number), request.user)
    else:
        v = a.in_force_version or a.signature_version or a.versions.order_by("-number").first()
    snapshot = v.snapshot if v else services.snapshot_of(a)
    fingerprint = v.fingerprint if v else services.fingerprint_of(services.canonical_text(snapshot))
    return render(request, "agreements/print.html", {
        "agreement": a, "version": v, "snapshot": snapshot, "fingerprint": fingerprint,
        "signatures": selectors.signatures_of(version=v),
    })


def version_pdf(request, pk, number):
    from . import documents

    a = _agreement(request, pk)
    v = _version(a, number, request.user)
    response = HttpResponse(documents.render_pdf(v), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="agreement-{a.pk}-v{v.number}.pdf"'
    return response


def verify(request):
    posted = request.method == "POST"
    form = VerifyForm(request.POST if posted else None, request.FILES if posted else None)
    result = None
    if posted and form.is_valid():
        from . import documents

        result = documents.verify_document(form.cleaned_data["document"].read())
    link = None
    if result is not None and result.agreement is not None and \
            selectors.can_see_agreement(person=request.user, agreement=result.agreement):
        link = result.agreement
    return render(request, "agreements/verify.html", {"form": form, "result": result, "link": link},
                  status=400 if form.errors else 200)


# --- history ----------------------------------------------------------------------------------------------------

STORY = {
    "agreement.created": gettext_lazy("started the agreement"),
    "agreement.variation_started": gettext_lazy("started a variation"),
    "agreement.version_frozen": gettext_lazy("froze a version"),
    "agreement.status_changed": gettext_lazy("moved the agreement to negotiation"),
    "agreement.sent_for_signature": gettext_lazy("sent the agreement for signature"),
    "agreement.signed": gettext_lazy("signed"),
    "agreement.signature_declined": gettext_lazy("declined to sign"),
    "agreement.in_force": gettext_lazy("— every party has signed: the agreement came into force"),
    "agreement.superseded": gettext_lazy("— the agreement was superseded by a variation"),
    "agreement.review_opened": gettext_lazy("opened a review"),
    "agreement.review_recorded": gettext_lazy("— the review's outcome was recorded"),
    "agreement.expired": gettext_lazy("recorded that the agreement expired"),
    "agreement.terminated": gettext_lazy("terminated the agreement"),
    "agreement.abandoned": gettext_lazy("abandoned the draft"),
    "clause.added": gettext_lazy("added a clause"),
    "clause.updated": gettext_lazy("edited a clause"),
    "clause.deleted": gettext_lazy("deleted a clause"),
    "clause.moved": gettext_lazy("moved a clause"),
    "comment.added": gettext_lazy("commented"),
    "comment.resolved": gettext_lazy("resolved a comment thread"),
    "amendment.proposed": gettext_lazy("proposed an amendment"),
    "amendment.accepted": gettext_lazy("accepted an amendment"),
    "amendment.rejected": gettext_lazy("rejected an amendment"),
    "clause_position.recorded": gettext_lazy("recorded a position"),
    "commitment.added": gettext_lazy("recorded a commitment"),
    "commitment.removed": gettext_lazy("removed a commitment"),
    "signature_request.reassigned": gettext_lazy("passed a signature request to a successor"),
}


def _story(event) -> dict:
    what = str(STORY[event.action]) if event.action in STORY else event.action
    after = event.after or {}
    detail = ""
    if event.action == "clause_position.recorded":
        stance = {"agree": _("agrees"), "live_with": _("can live with it"), "object": _("objects")}
        detail = stance.get(after.get("stance"), "") + (f": {after['reason']}" if after.get("reason") else "")
    elif event.action in ("amendment.accepted", "amendment.rejected", "agreement.signature_declined",
                          "agreement.terminated", "agreement.expired", "agreement.abandoned"):
        detail = after.get("reason", "")
    elif event.action == "amendment.proposed":
        detail = after.get("rationale", "")
    elif event.action == "comment.added":
        detail = after.get("body", "")
    elif event.action in ("agreement.version_frozen", "agreement.signed", "agreement.in_force"):
        if after.get("version") or after.get("number"):
            detail = _("version %(n)s") % {"n": after.get("version") or after.get("number")}
        if after.get("signer_name"):
            detail += f" — {after['signer_name']}, {after.get('signer_role', '')}"
    return {"event": event, "what": what, "detail": detail}


def history(request, pk):
    a = _agreement(request, pk)
    _require_drafts(request, a)
    page = Paginator(selectors.history_events(agreement=a), 50).get_page(request.GET.get("page"))
    return render(request, "agreements/history.html", {
        "agreement": a, "page": page, "rows": [_story(e) for e in page.object_list]})
