"""Writes about work programmes, work items and volunteer sign-ups.

Web pages, the API and other apps (review meetings) call these; each one authorises,
validates, writes, audits and notifies in one transaction (see docs/programme.md).

Who may do what (`acting_for` is the organisation the person acts for, an active partner):

- create a programme: an administrator or coordinator of a partner;
- adopt it: the convener directly, or any partner's administrator/coordinator puts adoption
  to the partners as a decision (carried → adopted);
- add a task: any representative of a partner; add an objective, initiative or milestone:
  an administrator or coordinator of a partner;
- change an item or its status: a representative of its owner organisation, or an
  administrator/coordinator of the convener;
- volunteers: any signed-in person offers to help (in a public partnership, or a
  partnership their organisation is in); the owner's representatives or the convener
  confirm or decline.

The decision gate: once a programme is adopted with `changes_need_decision`, creating,
changing, cancelling or reinstating an objective, initiative or milestone does not apply
directly. It opens a partnership decision (`DecisionKind.PROGRAMME_CHANGE`) whose payload
carries the change; `apply_programme_decision` (a decision-closed hook) applies it when
the decision is carried. Tasks are never gated; progress (in progress, blocked, done) is
reporting, not a change of plan, and is never gated either.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, ValidationError, check_version
from joinery.network.models import DecisionKind, PartnerRole, PartnerStatus
from joinery.network.permissions import MANAGING_ROLES
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Organisation, Representative
from joinery.organisations.services import require_can_act_for

from .models import (
    ALLOWED_PARENTS,
    OPEN_STATUSES,
    RESERVED_KINDS,
    ItemKind,
    ItemStatus,
    ProgrammeStatus,
    SignupStatus,
    VolunteerSignup,
    WorkItem,
    WorkProgramme,
)

#: Roles that plan: create programmes and structural items, decide on volunteers for the convener.
PLANNING_ROLES = list(MANAGING_ROLES)
#: Plain fields of an item that an update may change (plus the two lists below).
ITEM_FIELDS = ["title", "description", "owner", "owner_person", "parent", "start_date", "due_date",
               "volunteers_wanted", "volunteer_note"]
ITEM_LISTS = ["commitments", "depends_on"]
PROGRAMME_FIELDS = ["title", "summary", "changes_need_decision"]
#: A task offered to more volunteers than this is a typing mistake.
MAX_VOLUNTEERS = 10_000
#: How long partners have to answer a programme change, unless the proposer says otherwise.
DECISION_DAYS = 7
#: Dependency chains are followed this deep when looking for a cycle.
MAX_DEPENDENCY_DEPTH = 500


# --- who -----------------------------------------------------------------------------------

def _partner_of(partnership, organisation):
    if organisation is None:
        return None
    return partnership.partners.filter(status=PartnerStatus.ACTIVE, organisation=organisation).first()


def _require_partner(actor, partnership, acting_for, roles=None):
    if acting_for is None:
        raise PermissionDenied(_("Say which organisation you act for."))
    partner = _partner_of(partnership, acting_for)
    if partner is None:
        raise PermissionDenied(_("%(org)s is not a partner in %(p)s.") % {"org": acting_for.name, "p": partnership.name})
    require_can_act_for(actor, acting_for, roles=roles)
    return partner


def _require_convener(actor, partnership, acting_for):
    partner = _partner_of(partnership, acting_for) if acting_for is not None else None
    if partner is None or partner.role != PartnerRole.CONVENER:
        raise PermissionDenied(_("Only the convener of %(p)s can do this.") % {"p": partnership.name})
    require_can_act_for(actor, acting_for, roles=MANAGING_ROLES)
    return partner


def _require_item_editor(actor, item, acting_for):
    """The owner organisation (any representative) or the convener (administrator or coordinator)."""
    partnership = item.partnership
    partner = _partner_of(partnership, acting_for)
    if partner is None:
        raise PermissionDenied(_("%(org)s is not a partner in %(p)s.")
                               % {"org": getattr(acting_for, "name", "?"), "p": partnership.name})
    if acting_for.pk == item.owner_id:
        return require_can_act_for(actor, acting_for)
    if partner.role == PartnerRole.CONVENER:
        return require_can_act_for(actor, acting_for, roles=MANAGING_ROLES)
    raise PermissionDenied(_("Only %(owner)s (which owns this item) or the convener can change it.")
                           % {"owner": item.owner.name})


def _coordinators(org_ids) -> list:
    reps = (Representative.objects.current().filter(organisation_id__in=list(org_ids), role__in=MANAGING_ROLES)
            .select_related("person"))
    return [r.person for r in reps]


def _item_people(item) -> list:
    """Who hears about an item: its owner person and the owner organisation's coordinators."""
    people = _coordinators([item.owner_id])
    if item.owner_person_id:
        people.insert(0, item.owner_person)
    return people


def needs_decision(programme: WorkProgramme, kind: str) -> bool:
    """Whether a change to an item of `kind` in `programme` goes through a partnership decision."""
    return (programme.status == ProgrammeStatus.ADOPTED and programme.changes_need_decision
            and kind in RESERVED_KINDS)


# --- validation ----------------------------------------------------------------------------

def _reaches(start_ids: set[int], target_id: int) -> bool:
    """Whether `target_id` can be reached from `start_ids` along depends_on links."""
    through = WorkItem.depends_on.through
    seen: set[int] = set()
    frontier = set(start_ids)
    for _depth in range(MAX_DEPENDENCY_DEPTH):
        if not frontier:
            return False
        if target_id in frontier:
            return True
        seen |= frontier
        frontier = set(through.objects.filter(from_workitem_id__in=frontier)
                       .values_list("to_workitem_id", flat=True)) - seen
    return True  # deeper than any sensible plan: treat as a cycle rather than loop for ever


def _validate(*, programme, kind, data: dict, item: WorkItem | None = None) -> None:
    """Check an item's complete new state. `data` holds every field of ITEM_FIELDS and ITEM_LISTS."""
    partnership = programme.partnership
    errors: dict[str, str] = {}
    if kind not in ItemKind.values:
        errors["kind"] = _("Choose what kind of item this is.")
    if not (data.get("title") or "").strip():
        errors["title"] = _("Enter a title.")
    elif len(data["title"].strip()) > WorkItem._meta.get_field("title").max_length:
        errors["title"] = _("The title must be 250 characters or fewer.")
    owner = data.get("owner")
    if owner is None:
        errors["owner"] = _("Choose the organisation that owns this item.")
    elif _partner_of(partnership, owner) is None:
        errors["owner"] = _("%(org)s is not an active partner in %(p)s, so it cannot own work here.") % {
            "org": owner.name, "p": partnership.name}
    person = data.get("owner_person")
    if person is not None and owner is not None and not Representative.objects.current().filter(
            person=person, organisation=owner).exists():
        errors["owner_person"] = _("%(person)s does not represent %(org)s.") % {
            "person": person.display_name, "org": owner.name}
    parent = data.get("parent")
    allowed = ALLOWED_PARENTS.get(kind, ())
    if parent is None:
        if None not in allowed and kind in ItemKind.values:
            errors["parent"] = _("A %(kind)s must sit under a %(parent)s.") % {
                "kind": ItemKind(kind).label.lower(), "parent": ItemKind(allowed[0]).label.lower()}
    elif parent.programme_id != programme.pk:
        errors["parent"] = _("The item it is part of must be in the same programme.")
    elif item is not None and parent.pk == item.pk:
        errors["parent"] = _("An item cannot be part of itself.")
    elif parent.kind not in allowed:
        errors["parent"] = _("A %(kind)s cannot sit under a %(parent)s.") % {
            "kind": ItemKind(kind).label.lower() if kind in ItemKind.values else kind,
            "parent": ItemKind(parent.kind).label.lower()}
    start, due = data.get("start_date"), data.get("due_date")
    if start and due and due < start:
        errors["due_date"] = _("The due date must be on or after the start date.")
    wanted = data.get("volunteers_wanted") or 0
    if wanted < 0:
        errors["volunteers_wanted"] = _("Enter 0 or more volunteers.")
    elif wanted > MAX_VOLUNTEERS:
        errors["volunteers_wanted"] = _("Enter at most %(n)d volunteers.") % {"n": MAX_VOLUNTEERS}
    elif wanted and kind != ItemKind.TASK:
        errors["volunteers_wanted"] = _("Only a task can be offered to volunteers.")
    bad = [c for c in data.get("commitments", ()) if c.deleted_at is not None
           or c.agreement.partnership_id != partnership.pk]
    if bad:
        errors["commitments"] = _("A work item can only fulfil commitments of this partnership's agreements; "
                                  "not: %(c)s.") % {"c": "; ".join(c.description for c in bad)}
    deps = list(data.get("depends_on", ()))
    if item is not None and any(d.pk == item.pk for d in deps):
        errors["depends_on"] = _("An item cannot depend on itself.")
    elif any(d.partnership_id != partnership.pk for d in deps):
        errors["depends_on"] = _("An item can only depend on work in the same partnership.")
    elif item is not None and deps and _reaches({d.pk for d in deps}, item.pk):
        errors["depends_on"] = _("This would make a circle of dependencies: one of the items it would depend "
                                 "on already depends, directly or through others, on this item.")
    if errors:
        raise ValidationError(errors)


def _snapshot(item: WorkItem) -> dict:
    return {
        "programme": item.programme_id, "kind": item.kind, "title": item.title, "description": item.description,
        "owner": item.owner_id, "owner_person": item.owner_person_id, "parent": item.parent_id,
        "start_date": item.start_date, "due_date": item.due_date, "status": item.status,
        "volunteers_wanted": item.volunteers_wanted, "volunteer_note": item.volunteer_note,
        "commitments": sorted(item.commitments.values_list("pk", flat=True)),
        "depends_on": sorted(item.depends_on.values_list("pk", flat=True)),
    }


# --- the change as data (for decisions) ------------------------------------------------------

def _to_payload(fields: dict) -> dict:
    out = {}
    for key, value in fields.items():
        if key in ITEM_LISTS:
            out[key] = sorted(v.pk for v in value)
        elif hasattr(value, "pk"):
            out[key] = value.pk
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def _from_payload(programme, fields: dict) -> dict:
    """Objects back from a decision's payload; anything gone since is a field error."""
    from joinery.accounts.models import Person
    from joinery.agreements.models import Commitment

    out: dict = {}
    errors = {}
    for key, value in fields.items():
        if key == "owner":
            out[key] = Organisation.objects.filter(pk=value).first()
        elif key == "owner_person":
            out[key] = Person.objects.filter(pk=value).first() if value else None
        elif key == "parent":
            out[key] = WorkItem.objects.filter(pk=value).first() if value else None
            if value and out[key] is None:
                errors[key] = _("The item it was to be part of no longer exists.")
        elif key in ("start_date", "due_date"):
            out[key] = dt.date.fromisoformat(value) if value else None
        elif key == "commitments":
            out[key] = list(Commitment.objects.filter(pk__in=value).select_related("agreement"))
        elif key == "depends_on":
            out[key] = list(WorkItem.objects.filter(pk__in=value))
        else:
            out[key] = value
    if errors:
        raise ValidationError(errors)
    return out


def describe_change(payload: dict) -> str:
    """A sentence saying what a programme-change decision would do (for its background text)."""
    op = payload.get("op")
    fields = payload.get("fields") or {}
    if op == "adopt":
        return _("Adopt the work programme “%(t)s”.") % {"t": payload.get("programme_title", "")}
    if op == "create":
        return _("Add the %(kind)s “%(t)s” to the work programme “%(p)s”.") % {
            "kind": ItemKind(fields.get("kind", ItemKind.TASK)).label.lower(), "t": fields.get("title", ""),
            "p": payload.get("programme_title", "")}
    if op == "status":
        return _("Change the status of “%(t)s” to %(s)s.") % {
            "t": payload.get("item_title", ""), "s": str(ItemStatus(payload.get("status")).label).lower()}
    names = ", ".join(str(WorkItem._meta.get_field(k).verbose_name) for k in fields if k in ITEM_FIELDS + ITEM_LISTS)
    return _("Change %(fields)s of “%(t)s”.") % {"fields": names, "t": payload.get("item_title", "")}


# --- programmes ----------------------------------------------------------------------------

def _lock_programme(programme) -> WorkProgramme:
    return WorkProgramme.objects.select_for_update(of=("self",)).select_related("partnership").get(pk=programme.pk)


def _programme_write(*, actor, acting_for, partnership, title, summary, agreement, changes_need_decision):
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Enter a title for the programme.")
    elif len(title.strip()) > WorkProgramme._meta.get_field("title").max_length:
        errors["title"] = _("The title must be 250 characters or fewer.")
    if agreement is not None and agreement.partnership_id != partnership.pk:
        errors["agreement"] = _("The agreement must belong to %(p)s.") % {"p": partnership.name}
    if errors:
        raise ValidationError(errors)
    programme = WorkProgramme.objects.create(partnership=partnership, agreement=agreement, title=title.strip(),
                                             summary=summary or "", changes_need_decision=bool(changes_need_decision),
                                             created_by=actor)
    record_event(actor=actor, acting_for=acting_for, partnership=partnership, action="programme.created",
                 obj=programme, after={"title": programme.title, "summary": programme.summary,
                                       "agreement": agreement.pk if agreement else None,
                                       "changes_need_decision": programme.changes_need_decision})
    return programme


@transaction.atomic
def programme_create(*, actor, acting_for, partnership, title: str, summary: str = "", agreement=None,
                     changes_need_decision: bool = True) -> WorkProgramme:
    """Start a work programme for the partnership (or one of its agreements), as a draft."""
    _require_partner(actor, partnership, acting_for, roles=PLANNING_ROLES)
    return _programme_write(actor=actor, acting_for=acting_for, partnership=partnership, title=title,
                            summary=summary, agreement=agreement, changes_need_decision=changes_need_decision)


@transaction.atomic
def programme_update(*, actor, acting_for, programme, expected_version: int | None = None,
                     **fields) -> WorkProgramme:
    """Change the title or summary; whether changes need a decision can only change while a draft."""
    p = _lock_programme(programme)
    _require_partner(actor, p.partnership, acting_for, roles=PLANNING_ROLES)
    check_version(p, expected_version)
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if ("changes_need_decision" in fields and bool(fields["changes_need_decision"]) != p.changes_need_decision
            and p.status == ProgrammeStatus.ADOPTED):
        raise ValidationError({"changes_need_decision": _(
            "The programme is adopted: whether its changes need a decision is fixed by the partnership.")})
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationError({"title": _("Enter a title for the programme.")})
    before = {k: getattr(p, k) for k in PROGRAMME_FIELDS}
    for key, value in fields.items():
        setattr(p, key, value.strip() if key == "title" else value)
    p.full_clean(exclude=["created_by", "partnership", "agreement", "adoption_decision"])
    p.version += 1
    p.save()
    record_event(actor=actor, acting_for=acting_for, partnership=p.partnership, action="programme.updated", obj=p,
                 before=before, after={k: getattr(p, k) for k in PROGRAMME_FIELDS})
    return p


def _adopt(*, actor, acting_for, programme, decision=None) -> WorkProgramme:
    programme.status = ProgrammeStatus.ADOPTED
    programme.adopted_at = timezone.now()
    programme.adoption_decision = decision
    programme.version += 1
    programme.save()
    record_event(actor=actor, acting_for=acting_for, partnership=programme.partnership, action="programme.adopted",
                 obj=programme, before={"status": ProgrammeStatus.DRAFT},
                 after={"status": ProgrammeStatus.ADOPTED, "decision": decision.pk if decision else None})
    return programme


@transaction.atomic
def programme_adopt(*, actor, acting_for, programme, expected_version: int | None = None,
                    via_decision: bool = False, closes_at: dt.datetime | None = None):
    """Adopt a draft programme: the convener at once, or (via_decision) a partnership decision first.

    Returns the adopted WorkProgramme, or the Decision that adopts it when carried.
    """
    p = _lock_programme(programme)
    check_version(p, expected_version)
    if p.status == ProgrammeStatus.ADOPTED:
        raise ValidationError(_("This programme is already adopted."))
    if via_decision:
        _require_partner(actor, p.partnership, acting_for, roles=PLANNING_ROLES)
        return _propose(actor=actor, acting_for=acting_for, programme=p, payload={"op": "adopt"},
                        closes_at=closes_at)
    _require_convener(actor, p.partnership, acting_for)
    return _adopt(actor=actor, acting_for=acting_for, programme=p)


@transaction.atomic
def programme_for_actions(*, actor, acting_for, partnership, agreement=None) -> WorkProgramme:
    """Where actions agreed at a review meeting go: the agreement's programme, else the partnership's
    first programme, else a new one (any representative of a partner may start it this way)."""
    _require_partner(actor, partnership, acting_for)
    if agreement is not None:
        found = partnership.programmes.filter(agreement=agreement).order_by("id").first()
        if found:
            return found
    found = partnership.programmes.order_by(F("agreement_id").asc(nulls_first=True), "id").first()  # whole-partnership ones first
    if found:
        return found
    return _programme_write(actor=actor, acting_for=acting_for, partnership=partnership,
                            title=_("Actions from review meetings"), summary="", agreement=agreement,
                            changes_need_decision=True)


# --- items ---------------------------------------------------------------------------------

def _create(*, actor, acting_for, programme, kind, data: dict, created_by, decision=None) -> WorkItem:
    _validate(programme=programme, kind=kind, data=data)
    position = (programme.items.aggregate(m=Max("position"))["m"] or 0) + 10
    item = WorkItem(programme=programme, partnership_id=programme.partnership_id, kind=kind,
                    title=data["title"].strip(), description=data.get("description") or "", owner=data["owner"],
                    owner_person=data.get("owner_person"), parent=data.get("parent"),
                    start_date=data.get("start_date"), due_date=data.get("due_date"),
                    volunteers_wanted=data.get("volunteers_wanted") or 0,
                    volunteer_note=data.get("volunteer_note") or "", position=position, created_by=created_by)
    item.save()
    if data.get("commitments"):
        item.commitments.set(data["commitments"])
    if data.get("depends_on"):
        item.depends_on.set(data["depends_on"])
    after = _snapshot(item)
    if decision is not None:
        after["decision"] = decision.pk
    record_event(actor=actor, acting_for=acting_for, partnership=programme.partnership, action="work_item.created",
                 obj=item, after=after)
    if acting_for is None or item.owner_id != acting_for.pk:
        notify(recipients=[p for p in _item_people(item) if p.pk != getattr(actor, "pk", None)],
               kind=NotificationKind.WORK,
               title=lambda: _("New work for %(org)s in %(p)s: %(t)s") % {
                   "org": item.owner.name, "p": programme.partnership.name, "t": item.title},
               body=lambda: item.description, url=item.get_absolute_url())
    return item


def _item_data(*, title, owner, parent, description, owner_person, start_date, due_date, commitments, depends_on,
               volunteers_wanted, volunteer_note) -> dict:
    return {"title": title or "", "owner": owner, "parent": parent, "description": description or "",
            "owner_person": owner_person, "start_date": start_date, "due_date": due_date,
            "commitments": list(commitments or ()), "depends_on": list(depends_on or ()),
            "volunteers_wanted": volunteers_wanted or 0, "volunteer_note": volunteer_note or ""}


@transaction.atomic
def work_item_create(*, actor, acting_for, programme, kind, title, owner, parent=None, description="",
                     owner_person=None, start_date=None, due_date=None, commitments=(), depends_on=(),
                     volunteers_wanted=0, volunteer_note="", closes_at: dt.datetime | None = None):
    """Add an item to a programme.

    Returns the new WorkItem, or, for an objective, initiative or milestone of an adopted
    programme whose changes need a decision, the Decision that will add it when carried.
    A task is always added directly (review meetings rely on this).
    """
    p = _lock_programme(programme)
    roles = None if kind == ItemKind.TASK else PLANNING_ROLES
    _require_partner(actor, p.partnership, acting_for, roles=roles)
    data = _item_data(title=title, owner=owner, parent=parent, description=description, owner_person=owner_person,
                      start_date=start_date, due_date=due_date, commitments=commitments, depends_on=depends_on,
                      volunteers_wanted=volunteers_wanted, volunteer_note=volunteer_note)
    if needs_decision(p, kind):
        _validate(programme=p, kind=kind, data=data)
        return _propose(actor=actor, acting_for=acting_for, programme=p, closes_at=closes_at,
                        payload={"op": "create", "fields": {"kind": kind, **_to_payload(data)}})
    return _create(actor=actor, acting_for=acting_for, programme=p, kind=kind, data=data, created_by=actor)


def _lock_item(item) -> WorkItem:
    return (WorkItem.objects.select_for_update(of=("self",))
            .select_related("partnership", "programme", "owner", "owner_person").get(pk=item.pk))


def _current_data(item) -> dict:
    data = {k: getattr(item, k) for k in ITEM_FIELDS}
    data["commitments"] = list(item.commitments.select_related("agreement"))
    data["depends_on"] = list(item.depends_on.all())
    return data


def _normalise(fields: dict) -> dict:
    out = dict(fields)
    if isinstance(out.get("title"), str):
        out["title"] = out["title"].strip()
    for key in ("description", "volunteer_note"):
        if key in out and out[key] is None:
            out[key] = ""
    if "volunteers_wanted" in out and out["volunteers_wanted"] is None:
        out["volunteers_wanted"] = 0
    for key in ITEM_LISTS:
        if key in out:
            out[key] = list(out[key] or ())
    return out


def _changed(item, fields: dict) -> dict:
    """The fields whose values differ from the item's (lists compared as sets of ids)."""
    current = _current_data(item)
    out = {}
    for key, value in fields.items():
        if key in ITEM_LISTS:
            if {v.pk for v in value} != {v.pk for v in current[key]}:
                out[key] = list(value)
        elif key in ("owner", "owner_person", "parent"):
            if getattr(value, "pk", None) != getattr(current[key], "pk", None):
                out[key] = value
        elif value != current[key]:
            out[key] = value
    return out


def _update(*, actor, acting_for, item, fields: dict, decision=None) -> WorkItem:
    data = _current_data(item) | fields
    _validate(programme=item.programme, kind=item.kind, data=data, item=item)
    before = _snapshot(item)
    for key in ITEM_FIELDS:
        if key not in fields:
            continue
        value = fields[key]
        if key == "title":
            value = value.strip()
        elif key in ("description", "volunteer_note"):
            value = value or ""
        elif key == "volunteers_wanted":
            value = value or 0
        setattr(item, key, value)
    item.version += 1
    item.save()
    if "commitments" in fields:
        item.commitments.set(fields["commitments"])
    if "depends_on" in fields:
        item.depends_on.set(fields["depends_on"])
    after = _snapshot(item)
    if decision is not None:
        after["decision"] = decision.pk
    record_event(actor=actor, acting_for=acting_for, partnership=item.partnership, action="work_item.updated",
                 obj=item, before=before, after=after)
    if "owner" in fields and (acting_for is None or item.owner_id != acting_for.pk):
        notify(recipients=[p for p in _item_people(item) if p.pk != getattr(actor, "pk", None)],
               kind=NotificationKind.WORK,
               title=lambda: _("%(org)s now owns “%(t)s” in %(p)s") % {
                   "org": item.owner.name, "t": item.title, "p": item.partnership.name},
               url=item.get_absolute_url())
    return item


@transaction.atomic
def work_item_update(*, actor, acting_for, item, expected_version: int | None = None,
                     closes_at: dt.datetime | None = None, **fields):
    """Change an item's fields (see ITEM_FIELDS; `commitments` and `depends_on` replace the lists).

    A save based on an older version is refused (StaleEdit). Returns the WorkItem, or the
    Decision that will apply the change when carried (reserved kinds in a gated programme).
    """
    unknown = set(fields) - set(ITEM_FIELDS) - set(ITEM_LISTS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    fields = _normalise(fields)
    _lock_programme(item.programme)
    i = _lock_item(item)
    _require_item_editor(actor, i, acting_for)
    check_version(i, expected_version)
    changed = _changed(i, fields)
    if not changed:
        return i
    if needs_decision(i.programme, i.kind):
        _validate(programme=i.programme, kind=i.kind, data=_current_data(i) | changed, item=i)
        return _propose(actor=actor, acting_for=acting_for, programme=i.programme, closes_at=closes_at,
                        payload={"op": "update", "item": i.pk, "item_title": i.title, "base_version": i.version,
                                 "fields": _to_payload(changed)})
    return _update(actor=actor, acting_for=acting_for, item=i, fields=changed)


def _check_status(item, status) -> None:
    if status not in ItemStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status == ItemStatus.DONE:
        waiting = [d.title for d in item.depends_on.all() if d.status in OPEN_STATUSES]
        if waiting:
            raise ValidationError({"status": _("“%(t)s” cannot be done before the work it depends on: %(w)s.")
                                   % {"t": item.title, "w": "; ".join(waiting)}})
    if status == ItemStatus.CANCELLED:
        open_children = [c.title for c in item.children.all() if c.status in OPEN_STATUSES]
        if open_children:
            raise ValidationError({"status": _("Finish, cancel or move the open items under “%(t)s” first: %(c)s.")
                                   % {"t": item.title, "c": "; ".join(open_children)}})


def _set_status(*, actor, acting_for, item, status, reason="", decision=None) -> WorkItem:
    _check_status(item, status)
    before = {"status": item.status}
    item.status = status
    item.completed_at = timezone.now() if status == ItemStatus.DONE else None
    item.version += 1
    item.save()
    after = {"status": status, "reason": reason}
    if decision is not None:
        after["decision"] = decision.pk
    record_event(actor=actor, acting_for=acting_for, partnership=item.partnership,
                 action="work_item.status_changed", obj=item, before=before, after=after)
    if status in (ItemStatus.BLOCKED, ItemStatus.CANCELLED):
        notify(recipients=[p for p in _item_people(item) if p.pk != getattr(actor, "pk", None)],
               kind=NotificationKind.WORK,
               title=lambda: _("“%(t)s” is now %(s)s") % {"t": item.title, "s": str(item.get_status_display()).lower()},
               body=lambda: reason, url=item.get_absolute_url())
    return item


@transaction.atomic
def work_item_set_status(*, actor, acting_for, item, status: str, reason: str = "",
                         expected_version: int | None = None, closes_at: dt.datetime | None = None):
    """Record progress (planned, in progress, blocked, done) or cancel or reinstate an item.

    Cancelling or reinstating an objective, initiative or milestone of a gated programme opens
    a decision (returned); everything else applies at once and returns the WorkItem.
    """
    _lock_programme(item.programme)
    i = _lock_item(item)
    _require_item_editor(actor, i, acting_for)
    check_version(i, expected_version)
    if status not in ItemStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status == i.status:
        return i
    if status == ItemStatus.CANCELLED and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the item is cancelled.")})
    touches_plan = ItemStatus.CANCELLED in (status, i.status)
    if touches_plan and needs_decision(i.programme, i.kind):
        _check_status(i, status)
        return _propose(actor=actor, acting_for=acting_for, programme=i.programme, closes_at=closes_at,
                        payload={"op": "status", "item": i.pk, "item_title": i.title, "status": status,
                                 "reason": reason, "base_version": i.version})
    return _set_status(actor=actor, acting_for=acting_for, item=i, status=status, reason=reason)


# --- the decision gate ---------------------------------------------------------------------

def _propose(*, actor, acting_for, programme, payload: dict, closes_at=None):
    from joinery.network.services import decision_open

    payload = {"programme": programme.pk, "programme_title": programme.title, **payload}
    description = describe_change(payload)
    closes_at = closes_at or (timezone.now() + dt.timedelta(days=DECISION_DAYS))
    decision = decision_open(
        actor=actor, partnership=programme.partnership, acting_for=acting_for,
        title=(_("Work programme: %(what)s") % {"what": description})[:200],
        question=_("Do the partners agree to this change to the work programme “%(p)s”? %(what)s")
        % {"p": programme.title, "what": description},
        background=payload.get("reason") or "", closes_at=closes_at, kind=DecisionKind.PROGRAMME_CHANGE,
        payload=payload)
    record_event(actor=actor, acting_for=acting_for, partnership=programme.partnership,
                 action="programme.change_proposed", obj=programme, after={"decision": decision.pk, **payload})
    return decision


@transaction.atomic
def programme_change_propose(*, actor, acting_for, programme, op: str, item: WorkItem | None = None,
                             fields: dict | None = None, status: str = "", reason: str = "",
                             closes_at: dt.datetime | None = None):
    """Put a change to the partners whatever the gate says: op is "create", "update", "status" or "adopt".

    `fields` are as for work_item_create (with `kind`) or work_item_update. Returns the Decision.
    """
    p = _lock_programme(programme)
    fields = dict(fields or {})
    if op == "adopt":
        if p.status == ProgrammeStatus.ADOPTED:
            raise ValidationError(_("This programme is already adopted."))
        _require_partner(actor, p.partnership, acting_for, roles=PLANNING_ROLES)
        return _propose(actor=actor, acting_for=acting_for, programme=p, payload={"op": "adopt"}, closes_at=closes_at)
    if op == "create":
        kind = fields.pop("kind", ItemKind.TASK)
        _require_partner(actor, p.partnership, acting_for, roles=None if kind == ItemKind.TASK else PLANNING_ROLES)
        data = _item_data(**{k: fields.get(k) for k in ITEM_FIELDS + ITEM_LISTS})
        _validate(programme=p, kind=kind, data=data)
        return _propose(actor=actor, acting_for=acting_for, programme=p, closes_at=closes_at,
                        payload={"op": "create", "fields": {"kind": kind, **_to_payload(data)}})
    if item is None or item.programme_id != p.pk:
        raise ValidationError({"item": _("Choose an item of this programme.")})
    i = _lock_item(item)
    _require_item_editor(actor, i, acting_for)
    if op == "update":
        changed = _changed(i, _normalise(fields))
        if not changed:
            raise ValidationError(_("Nothing would change."))
        _validate(programme=p, kind=i.kind, data=_current_data(i) | changed, item=i)
        return _propose(actor=actor, acting_for=acting_for, programme=p, closes_at=closes_at,
                        payload={"op": "update", "item": i.pk, "item_title": i.title, "base_version": i.version,
                                 "fields": _to_payload(changed)})
    if op == "status":
        if status == i.status:
            raise ValidationError({"status": _("The item already has this status.")})
        _check_status(i, status)
        return _propose(actor=actor, acting_for=acting_for, programme=p, closes_at=closes_at,
                        payload={"op": "status", "item": i.pk, "item_title": i.title, "status": status,
                                 "reason": reason, "base_version": i.version})
    raise ValidationError({"op": _("Unknown change.")})


def apply_programme_decision(*, decision, actor) -> None:
    """Decision-closed hook: apply a carried programme change (inside the closing transaction).

    Other kinds are ignored; a decision not carried changes nothing. If the change can no
    longer apply (say the owner has left the partnership), nothing is changed: the failure is
    audited and the proposer told, and the decision's closing still stands.
    """
    from joinery.network.decision_rules import Outcome

    if decision.kind != DecisionKind.PROGRAMME_CHANGE or not decision.payload:
        return
    if decision.outcome != Outcome.CARRIED:
        return
    payload = decision.payload
    programme = (WorkProgramme.objects.select_for_update(of=("self",)).select_related("partnership")
                 .filter(pk=payload.get("programme")).first())
    if programme is None:
        return
    acting_for = decision.proposed_for
    op = payload.get("op")
    try:
        with transaction.atomic():
            if op == "adopt":
                if programme.status != ProgrammeStatus.ADOPTED:
                    _adopt(actor=actor, acting_for=acting_for, programme=programme, decision=decision)
            elif op == "create":
                fields = dict(payload.get("fields") or {})
                kind = fields.pop("kind", ItemKind.TASK)
                data = _item_data(**{k: None for k in ITEM_FIELDS + ITEM_LISTS}) | _from_payload(programme, fields)
                _create(actor=actor, acting_for=acting_for, programme=programme, kind=kind, data=data,
                        created_by=decision.proposed_by, decision=decision)
            elif op in ("update", "status"):
                item = WorkItem.objects.filter(pk=payload.get("item"), programme=programme).first()
                if item is None:
                    raise ValidationError(_("The item no longer exists."))
                item = _lock_item(item)
                if op == "update":
                    fields = _from_payload(programme, payload.get("fields") or {})
                    _update(actor=actor, acting_for=acting_for, item=item, fields=fields, decision=decision)
                elif item.status != payload.get("status"):
                    _set_status(actor=actor, acting_for=acting_for, item=item, status=payload.get("status"),
                                reason=payload.get("reason") or "", decision=decision)
    except ValidationError as exc:
        reasons = exc.messages
        record_event(actor=actor, acting_for=acting_for, partnership=programme.partnership,
                     action="programme.change_failed", obj=programme,
                     after={"decision": decision.pk, "op": op, "errors": reasons})
        notify(recipients=[decision.proposed_by], kind=NotificationKind.WORK,
               title=lambda: _("The carried change to “%(p)s” could not be applied") % {"p": programme.title},
               body=lambda: " ".join(reasons), url=programme.get_absolute_url())


# --- volunteers ----------------------------------------------------------------------------

def _may_volunteer(person, partnership) -> bool:
    from joinery.network.permissions import is_partner
    from joinery.network.visibility import can_see

    return (partnership.is_public or is_partner(person, partnership)) and can_see(person, partnership, "work")


@transaction.atomic
def volunteer_signup(*, actor, item, message: str = "") -> VolunteerSignup:
    """A signed-in person offers to help with a task open to volunteers."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to offer to help."))
    i = _lock_item(item)
    if not _may_volunteer(actor, i.partnership):
        raise PermissionDenied(_("This task is not open to you."))
    if i.volunteers_wanted <= 0:
        raise ValidationError(_("This task is not offered to volunteers."))
    if not i.is_open:
        raise ValidationError(_("This task is %(s)s: it no longer needs volunteers.")
                              % {"s": str(i.get_status_display()).lower()})
    existing = VolunteerSignup.objects.select_for_update(of=("self",)).filter(item=i, person=actor).first()
    if existing and existing.status in (SignupStatus.PENDING, SignupStatus.CONFIRMED):
        raise ValidationError(_("You have already offered to help with this task."))
    if existing and existing.status == SignupStatus.DECLINED:
        raise ValidationError(_("The coordinator has already answered your offer for this task."))
    confirmed = i.signups.filter(status=SignupStatus.CONFIRMED).count()
    if confirmed >= i.volunteers_wanted:
        raise ValidationError(_("This task already has all the volunteers it needs."))
    message = (message or "").strip()
    if existing:  # a withdrawn offer, made again
        existing.status, existing.message = SignupStatus.PENDING, message
        existing.decided_by, existing.decided_at, existing.reason = None, None, ""
        existing.save()
        signup = existing
    else:
        try:
            with transaction.atomic():
                signup = VolunteerSignup.objects.create(item=i, person=actor, message=message)
        except IntegrityError as exc:  # a concurrent duplicate
            raise ValidationError(_("You have already offered to help with this task.")) from exc
    record_event(actor=actor, partnership=i.partnership, action="volunteer.signed_up", obj=signup,
                 after={"item": i.pk, "message": message})
    notify(recipients=_item_people(i), kind=NotificationKind.VOLUNTEERING,
           title=lambda: _("%(person)s offers to help with “%(t)s”") % {"person": actor.display_name, "t": i.title},
           body=lambda: message, url=i.get_absolute_url())
    return signup


@transaction.atomic
def volunteer_signup_withdraw(*, actor, signup, reason: str = "") -> VolunteerSignup:
    """The volunteer withdraws their offer (waiting or confirmed)."""
    s = VolunteerSignup.objects.select_for_update(of=("self",)).select_related("item", "item__partnership").get(pk=signup.pk)
    if actor is None or not actor.is_authenticated or s.person_id != actor.pk:
        raise PermissionDenied(_("Only the volunteer can withdraw this offer."))
    if s.status not in (SignupStatus.PENDING, SignupStatus.CONFIRMED):
        raise ValidationError(_("This offer is no longer open."))
    before = {"status": s.status}
    s.status, s.reason = SignupStatus.WITHDRAWN, (reason or "").strip()
    s.save()
    record_event(actor=actor, partnership=s.item.partnership, action="volunteer.withdrew", obj=s,
                 before=before, after={"status": s.status, "reason": s.reason})
    notify(recipients=_item_people(s.item), kind=NotificationKind.VOLUNTEERING,
           title=lambda: _("%(person)s withdrew from “%(t)s”") % {"person": actor.display_name, "t": s.item.title},
           body=lambda: s.reason, url=s.item.get_absolute_url())
    return s


@transaction.atomic
def volunteer_signup_decide(*, actor, acting_for, signup, confirm: bool, reason: str = "") -> VolunteerSignup:
    """The task's owner organisation (or the convener) confirms or declines a volunteer's offer."""
    s = VolunteerSignup.objects.select_for_update(of=("self",)).select_related("person").get(pk=signup.pk)
    i = _lock_item(s.item)
    _require_item_editor(actor, i, acting_for)
    if s.status != SignupStatus.PENDING:
        raise ValidationError(_("This offer has already been answered (%(s)s).") % {"s": s.get_status_display()})
    reason = (reason or "").strip()
    if confirm:
        if i.signups.filter(status=SignupStatus.CONFIRMED).count() >= i.volunteers_wanted:
            raise ValidationError(_("This task already has all the volunteers it needs (%(n)d).")
                                  % {"n": i.volunteers_wanted})
    elif not reason:
        raise ValidationError({"reason": _("Say why you decline the offer, so the volunteer understands.")})
    s.status = SignupStatus.CONFIRMED if confirm else SignupStatus.DECLINED
    s.decided_by, s.decided_at, s.reason = actor, timezone.now(), reason
    s.save()
    record_event(actor=actor, acting_for=acting_for, partnership=i.partnership,
                 action="volunteer.confirmed" if confirm else "volunteer.declined", obj=s,
                 before={"status": SignupStatus.PENDING}, after={"status": s.status, "reason": reason})
    notify(recipients=[s.person], kind=NotificationKind.VOLUNTEERING,
           title=lambda: (_("You are confirmed as a volunteer for “%(t)s”") if confirm
                          else _("Your offer to help with “%(t)s” was declined")) % {"t": i.title},
           body=lambda: reason, url=i.get_absolute_url())
    return s
