"""Web pages of the work programme. Thin: parse, call one service, respond.

Who may see: whoever sees the partnership's work area (`network.see_work`, network/visibility.py); private
partnerships answer 404 to outsiders. Who may act: the services decide and their
messages are shown on the form (or as a banner for one-button actions).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.core.forms import refuse_unless_acting, show_refusal
from joinery.network.models import Decision
from joinery.network.shortcuts import partnership_or_404

from . import selectors, services
from .forms import (
    AdoptForm,
    DecideForm,
    ItemForm,
    ProgrammeForm,
    SignupForm,
    StatusForm,
    WorkFilterForm,
)
from .models import (
    ItemKind,
    ItemStatus,
    ProgrammeStatus,
    SignupStatus,
    VolunteerSignup,
    WorkItem,
    WorkProgramme,
)

# --- helpers ------------------------------------------------------------------------------------


def _programme(request, pk) -> WorkProgramme:
    try:
        programme = selectors.programme_get(pk=pk)
    except WorkProgramme.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("network.see_work", programme.partnership):
        raise Http404
    return programme


def _item(request, pk) -> WorkItem:
    try:
        item = selectors.item_get(pk=pk)
    except WorkItem.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("network.see_work", item.partnership):
        raise Http404
    return item


def _status(form, conflict=False) -> int:
    return 409 if conflict else (400 if form.errors else 200)


def _after_change(request, result, done_message):
    """Where a write leads: the decision it opened, or the item or programme it changed."""
    if isinstance(result, Decision):
        messages.success(request, _("This change is reserved for the partnership: it has been put to the partners "
                                    "as a decision, and applies if it is carried."))
        return redirect(result)
    messages.success(request, done_message)
    return redirect(result)


def _people_choices(partnership):
    """Each representative of a partner once, named with their organisation."""
    people, seen = [], set()
    for rep in selectors.partner_people(partnership=partnership):
        if rep.person_id in seen:
            continue
        seen.add(rep.person_id)
        person = rep.person
        person.choice_label = f"{person.display_name} ({rep.organisation.name})"
        people.append(person)
    return people


def _item_form(request, programme, *, data=None, initial=None, editing=False, item=None, gated=False, orgs=()):
    items = selectors.programme_items_for_choice(programme=programme)
    parents = [i for i in items if i.kind != ItemKind.TASK and (item is None or i.pk != item.pk)]
    form = ItemForm(data, initial=initial, editing=editing, gated=gated).set_acting_for(orgs)
    people = _people_choices(programme.partnership)
    form.set_choices(owners=selectors.partner_organisations(partnership=programme.partnership),
                     people=people, parents=parents,
                     items=[i for i in items if item is None or i.pk != item.pk],
                     commitments=selectors.partnership_commitments(partnership=programme.partnership))
    form.fields["owner_person"].choices = [form.fields["owner_person"].choices[0]] + [
        (str(p.pk), p.choice_label) for p in people]
    return form


# --- lists --------------------------------------------------------------------------------------

def work_list(request, slug):
    p = partnership_or_404(request, slug, area="work")
    st = selectors.standing(person=request.user, partnership=p)
    owners = selectors.partner_organisations(partnership=p)
    form = WorkFilterForm(request.GET or None).set_owners(owners)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})  # the filters that are valid; a bad one is ignored, not fatal
    status = data.get("status") or "open"
    page = selectors.work_list(partnership=p, owner=data.get("owner"), status=None if status == "all" else status,
                               overdue=bool(data.get("overdue")), kind=data.get("kind") or None,
                               q=data.get("q", ""), page=data.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "programme/work_list.html", {
        "partnership": p, "form": form, "page": page, "query": query.urlencode(),
        "filtered": any(data.get(k) for k in ("q", "owner", "kind", "overdue")) or status != "open",
        "programmes": selectors.programmes_of(partnership=p), "can_create": bool(st.planner_orgs),
        "today": timezone.localdate(),
    })


def timeline(request, slug):
    p = partnership_or_404(request, slug, area="work")
    t = selectors.timeline_rows(p)
    chart = dict(t.chart, text={"today": _("Today"), "overdue": _("overdue"), "dates": _("Start to due date")})
    return render(request, "programme/timeline.html", {
        "partnership": p, "timeline": t, "summary": _timeline_summary(t), "chart": chart,
    })


def _timeline_summary(t) -> str:
    n = len(t.rows)
    if not n:
        return _("No dated work is open or was due in the last 30 days.")
    parts = [(ngettext("At least %(n)d item", "At least %(n)d items", n) if t.truncated
              else ngettext("%(n)d item", "%(n)d items", n)) % {"n": n},
             ngettext("%(n)d overdue", "%(n)d overdue", t.overdue) % {"n": t.overdue}]
    sentence = ", ".join(parts)
    if t.next_milestone:
        sentence += _(", next milestone: “%(t)s” due on %(d)s") % {
            "t": t.next_milestone.title, "d": t.next_milestone.due_date.isoformat()}
    return sentence + "."


@login_required
def my_work(request):
    items = selectors.my_organisation_work(request.user)
    return render(request, "programme/my_work.html", {"items": items, "today": timezone.localdate(),
                                                       "overdue": sum(1 for i in items if i.is_overdue)})


def volunteer_opportunities(request):
    return render(request, "programme/volunteer.html", {"items": selectors.volunteer_opportunities(request.user)})


# --- programmes ---------------------------------------------------------------------------------

@login_required
def create(request, slug):
    p = partnership_or_404(request, slug)
    st = selectors.standing(person=request.user, partnership=p)
    form = ProgrammeForm(request.POST or None).set_acting_for(st.planner_orgs)
    form.set_agreements(list(p.agreements.order_by("title", "id")))
    if request.method == "POST" and not refuse_unless_acting(
            form, st.planner_orgs, _("Only an administrator or coordinator of a partner can start a programme.")) \
            and form.is_valid():
        try:
            programme = services.programme_create(actor=request.user, partnership=p, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Programme “%(t)s” started as a draft. Add its objectives and tasks.")
                             % {"t": programme.title})
            return redirect(programme)
    return render(request, "programme/create.html", {"form": form, "partnership": p,
                                                      "can_create": bool(st.planner_orgs)},
                  status=_status(form))


def detail(request, pk, adopt_form=None):
    programme = _programme(request, pk)
    p = programme.partnership
    st = selectors.standing(person=request.user, partnership=p)
    tree = selectors.programme_tree(programme)
    can_adopt = programme.status == ProgrammeStatus.DRAFT and bool(st.planner_orgs)
    if can_adopt and adopt_form is None:
        adopt_form = _adopt_form(None, st)
    return render(request, "programme/detail.html", {
        "programme": programme, "partnership": p, "tree": tree, "standing": st,
        "pending": selectors.pending_changes(programme=programme),
        "can_add": st.is_partner, "can_adopt": can_adopt, "adopt_form": adopt_form,
        "gated": programme.status == ProgrammeStatus.ADOPTED and programme.changes_need_decision,
    }, status=400 if adopt_form is not None and adopt_form.errors else 200)


def _adopt_form(data, st):
    form = AdoptForm(data, prefix="adopt", initial={"how": "now" if st.convener_orgs else "decision"})
    if not st.convener_orgs:  # only the convener adopts at once; other partners put it to a decision
        form.fields["how"].choices = [c for c in form.fields["how"].choices if c[0] != "now"]
    return form.set_acting_for(st.planner_orgs)


@login_required
def adopt(request, pk):
    if request.method != "POST":
        return redirect("programme:detail", pk=pk)
    programme = _programme(request, pk)
    st = selectors.standing(person=request.user, partnership=programme.partnership)
    form = _adopt_form(request.POST, st)
    if not refuse_unless_acting(form, st.planner_orgs, _("Only an administrator or coordinator of a partner can do this.")) \
            and form.is_valid():
        try:
            result = services.programme_adopt(actor=request.user, acting_for=form.cleaned_data["acting_for"],
                                              programme=programme, via_decision=form.cleaned_data["how"] == "decision",
                                              closes_at=form.cleaned_data.get("closes_at"))
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            if isinstance(result, Decision):
                messages.success(request, _("Adoption has been put to the partners as a decision."))
                return redirect(result)
            messages.success(request, _("Programme adopted."))
            return redirect(result)
    return detail(request, pk, adopt_form=form)


@login_required
def item_create(request, pk):
    programme = _programme(request, pk)
    st = selectors.standing(person=request.user, partnership=programme.partnership)
    initial = {"kind": request.GET.get("kind") or ItemKind.TASK, "parent": request.GET.get("parent")}
    gated = programme.status == ProgrammeStatus.ADOPTED and programme.changes_need_decision
    form = _item_form(request, programme, data=request.POST or None, initial=initial, gated=gated,
                      orgs=st.partner_orgs)
    if request.method == "POST" and not refuse_unless_acting(
            form, st.partner_orgs, _("Only the partners' representatives can add work.")) and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("closes_at", None)
        try:
            result = services.work_item_create(actor=request.user, programme=programme,
                                               closes_at=form.cleaned_data.get("closes_at"), **data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            return _after_change(request, result, _("“%(t)s” added.") % {"t": data["title"]})
    return render(request, "programme/item_form.html", {
        "form": form, "programme": programme, "partnership": programme.partnership, "adding": True,
        "gated": gated}, status=_status(form))


# --- one item -----------------------------------------------------------------------------------

def _record_hours_url(item) -> str:
    """The contributions ledger's "record hours" page for this task, if that app provides one."""
    try:
        return reverse("contributions:volunteer_hours", args=[item.pk])
    except NoReverseMatch:
        return ""


def item(request, pk, bound=None):
    """The item with its links. `bound` = (kind, key, form) re-shows a refused form."""
    i = _item(request, pk)
    p = i.partnership
    st = selectors.standing(person=request.user, partnership=p)
    editors = st.editor_orgs(i)
    signups = selectors.signups_of(i)
    kind, key, bound_form = bound or (None, None, None)
    mine = next((s for s in signups if request.user.is_authenticated and s.person_id == request.user.pk), None)
    if editors:
        visible = signups
        for s in visible:
            s.decide_form = ((bound_form if kind == "decide" and key == s.pk else
                              DecideForm(prefix=f"decide-{s.pk}").set_acting_for(editors))
                             if s.status == SignupStatus.PENDING else None)
    else:
        visible = [mine] if mine else []
        for s in visible:
            s.decide_form = None
    hours_url = _record_hours_url(i)
    confirmed = [s for s in signups if s.status == SignupStatus.CONFIRMED]
    can_sign_up = (not editors and i.volunteers_wanted > 0 and i.is_open and len(confirmed) < i.volunteers_wanted
                   and (mine is None or mine.status == SignupStatus.WITHDRAWN)
                   and (p.is_public or st.is_partner))
    return render(request, "programme/item.html", {
        "item": i, "partnership": p, "programme": i.programme, **selectors.item_links(i),
        "signups": visible, "confirmed_count": len(confirmed), "my_signup": mine,
        "places_left": max(0, i.volunteers_wanted - len(confirmed)),
        "can_sign_up": can_sign_up, "can_edit": bool(editors), "record_hours_url": hours_url,
        "pending": selectors.pending_changes_for_item(item=i),
        "gated": services.needs_decision(i.programme, i.kind),
        "signup_form": bound_form if kind == "signup" else SignupForm(),
    }, status=400 if bound_form is not None and bound_form.errors else 200)


_CONFLICT_FIELDS = ["title", "description", "owner", "owner_person", "parent", "start_date", "due_date",
                    "volunteers_wanted", "volunteer_note", "commitments", "depends_on"]


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or "—"
    if hasattr(value, "display_name"):
        return value.display_name
    return str(value)


def _conflict_rows(form, fresh) -> list[dict]:
    """For each field where the saved item differs from what the person sent: both values."""
    theirs = services._current_data(fresh)
    rows = []
    for name in _CONFLICT_FIELDS:
        mine = form.cleaned_data.get(name)
        saved = theirs.get(name)
        if name in ("commitments", "depends_on"):
            same = {o.pk for o in mine or ()} == {o.pk for o in saved or ()}
        elif name in ("owner", "owner_person", "parent"):
            same = getattr(mine, "pk", None) == getattr(saved, "pk", None)
        else:
            same = (mine or "") == (saved or "") or (name == "title" and (mine or "").strip() == saved)
        if not same:
            rows.append({"label": form.fields[name].label, "theirs": _display(saved), "yours": _display(mine)})
    return rows


@login_required
def item_edit(request, pk):
    """Edit an item. A save from an older version is refused, showing their values and yours."""
    i = _item(request, pk)
    st = selectors.standing(person=request.user, partnership=i.partnership)
    editors = st.editor_orgs(i)
    if not editors:
        messages.error(request, _("Only %(owner)s (which owns this item) or the convener can change it.")
                       % {"owner": i.owner.name})
        return redirect(i)
    gated = services.needs_decision(i.programme, i.kind)
    current = services._current_data(i)
    initial = {k: (v.pk if hasattr(v, "pk") else v) for k, v in current.items() if k not in services.ITEM_LISTS}
    initial |= {k: [o.pk for o in current[k]] for k in services.ITEM_LISTS} | {"version": i.version}
    form = _item_form(request, i.programme, data=request.POST or None, initial=initial, editing=True, item=i,
                      gated=gated, orgs=editors)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        acting_for, version, closes_at = data.pop("acting_for"), data.pop("version"), data.pop("closes_at", None)
        try:
            result = services.work_item_update(actor=request.user, acting_for=acting_for, item=i,
                                               expected_version=version, closes_at=closes_at, **data)
        except StaleEdit as exc:
            fresh = selectors.item_get(pk=i.pk)
            conflict = _conflict_rows(form, fresh)
            post = request.POST.copy()
            post["version"] = str(fresh.version)  # what they keep now saves on top of the newer version
            form = _item_form(request, i.programme, data=post, initial=initial, editing=True, item=fresh,
                              gated=gated, orgs=editors)
            form.is_valid()
            form.add_error(None, exc.messages[0])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            return _after_change(request, result, _("“%(t)s” saved.") % {"t": data["title"]})
    return render(request, "programme/item_form.html", {
        "form": form, "programme": i.programme, "partnership": i.partnership, "item": i, "gated": gated,
        "conflict": conflict}, status=_status(form, conflict is not None))


@login_required
def item_status(request, pk):
    i = _item(request, pk)
    st = selectors.standing(person=request.user, partnership=i.partnership)
    editors = st.editor_orgs(i)
    form = StatusForm(request.POST or None, initial={"status": i.status, "version": i.version}) \
        .set_acting_for(editors)
    if request.method == "POST" and not refuse_unless_acting(
            form, editors, _("Only %(owner)s (which owns this item) or the convener can change it.")
            % {"owner": i.owner.name}) and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.work_item_set_status(actor=request.user, acting_for=d["acting_for"], item=i,
                                                   status=d["status"], reason=d["reason"],
                                                   expected_version=d["version"], closes_at=d.get("closes_at"))
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            return _after_change(request, result, _("“%(t)s” is now %(s)s.") % {
                "t": i.title, "s": str(ItemStatus(d["status"]).label).lower()})
    return render(request, "programme/item_status.html", {
        "form": form, "item": i, "partnership": i.partnership, "programme": i.programme,
        "gated": services.needs_decision(i.programme, i.kind)}, status=_status(form))


@login_required
def signup(request, pk):
    """Offer to help with a task (or, with action=withdraw, withdraw the offer)."""
    i = _item(request, pk)
    if request.method != "POST":
        return redirect(reverse("programme:item", args=[i.pk]) + "#volunteers")
    if request.POST.get("action") == "withdraw":
        mine = VolunteerSignup.objects.filter(item=i, person=request.user).first()
        if mine is None:
            raise Http404
        try:
            services.volunteer_signup_withdraw(actor=request.user, signup=mine)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("You have withdrawn your offer."))
        return redirect(i)
    form = SignupForm(request.POST)
    if form.is_valid():
        try:
            services.volunteer_signup(actor=request.user, item=i, message=form.cleaned_data["message"])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Thank you. The coordinator will confirm your place."))
            return redirect(i)
    return item(request, pk, bound=("signup", None, form))


@login_required
def signup_decide(request, pk, signup_id):
    i = _item(request, pk)
    s = get_object_or_404(VolunteerSignup, pk=signup_id, item=i)
    if request.method != "POST":
        return redirect(reverse("programme:item", args=[i.pk]) + "#volunteers")
    st = selectors.standing(person=request.user, partnership=i.partnership)
    editors = st.editor_orgs(i)
    form = DecideForm(request.POST, prefix=f"decide-{s.pk}").set_acting_for(editors)
    if not refuse_unless_acting(form, editors, _("Only %(owner)s (which owns this task) or the convener can answer.")
                        % {"owner": i.owner.name}) and form.is_valid():
        d = form.cleaned_data
        try:
            services.volunteer_signup_decide(actor=request.user, acting_for=d["acting_for"], signup=s,
                                             confirm=d["decision"] == "confirm", reason=d["reason"])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, (_("%(person)s is confirmed.") if d["decision"] == "confirm"
                                       else _("%(person)s's offer is declined.")) % {"person": s.person.display_name})
            return redirect(reverse("programme:item", args=[i.pk]) + "#volunteers")
    if not editors:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
        return redirect(i)
    return item(request, pk, bound=("decide", s.pk, form))
