"""API: work programmes, work items and volunteer sign-ups.

Every write calls programme.services, as the web pages do; `acting_for` (an organisation's
short name) says which of your organisations you act for. A programme or item in a private
partnership answers 404 to anyone who may not see the partnership, as on the web.

A change that the partnership reserves for itself (an objective, initiative or milestone of
an adopted programme whose changes need a decision) is not applied at once: the answer is
202 with the decision that was opened; the change applies when the decision is carried.
A save based on an older `version` than the stored one is refused with 409.
"""

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
    MAX_ID,
    DateTime,
    Id,
    IdPath,
    InputSchema,
    OrgSlug,
    Pagination,
    SlugPath,
    Text,
    bounded_date,
    organisation_by_slug,
    visible_partnership,
)
from joinery.api.errors import ERROR_RESPONSES
from joinery.core.exceptions import ValidationError
from joinery.network.api import OrganisationBrief, PartnershipBrief, PersonBrief
from joinery.network.models import Decision

from . import selectors, services
from .models import ItemKind, ItemStatus, VolunteerSignup, WorkItem, WorkProgramme

router = Router(tags=["work programme"])


# --- input types ----------------------------------------------------------------------------

#: A date between 1900 and 2999.
Date = bounded_date(1900, 2999)
Title = Annotated[Text, Field(max_length=250)]
LongText = Annotated[Text, Field(max_length=100_000)]
NoteText = Annotated[Text, Field(max_length=20_000)]
#: At most this many commitments or dependencies in one request.
MAX_LINKS = 200


# --- schemas ---------------------------------------------------------------------------------

class ProgrammeOut(Schema):
    id: int
    partnership: PartnershipBrief
    agreement_id: int | None
    title: str
    summary: str
    status: str
    changes_need_decision: bool
    adopted_at: dt.datetime | None
    adoption_decision_id: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class WorkItemOut(Schema):
    id: int
    programme_id: int
    partnership_id: int
    parent_id: int | None
    kind: str
    title: str
    description: str
    owner: OrganisationBrief
    owner_person: PersonBrief | None
    start_date: dt.date | None
    due_date: dt.date | None
    status: str
    overdue: bool = Field(description="Open and past its due date.")
    completed_at: dt.datetime | None
    volunteers_wanted: int
    volunteer_note: str
    position: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue


class ProgrammeDetailOut(ProgrammeOut):
    items: list[WorkItemOut] = Field(description="Every item (up to 2,000), in order; `parent_id` gives the tree.")
    items_truncated: bool

    @staticmethod
    def resolve_items(obj):
        return obj.items_

    @staticmethod
    def resolve_items_truncated(obj):
        return obj.items_truncated_


class CommitmentBrief(Schema):
    id: int
    agreement_id: int
    party_id: int
    kind: str
    description: str


class WorkItemDetailOut(WorkItemOut):
    commitments: list[CommitmentBrief] = Field(description="The agreement commitments it fulfils.")
    depends_on: list[int] = Field(description="Items that must be done first.")
    dependants: list[int] = Field(description="Items waiting for this one.")
    children: list[int] = Field(description="Items under this one.")

    @staticmethod
    def resolve_commitments(obj):
        return obj.commitments_

    @staticmethod
    def resolve_depends_on(obj):
        return obj.depends_on_

    @staticmethod
    def resolve_dependants(obj):
        return obj.dependants_

    @staticmethod
    def resolve_children(obj):
        return obj.children_


class DecisionOpenedOut(Schema):
    detail: str
    decision_id: int
    title: str
    closes_at: dt.datetime
    url: str


class SignupOut(Schema):
    id: int
    item_id: int
    person: PersonBrief
    message: str
    status: str
    decided_by: PersonBrief | None
    decided_at: dt.datetime | None
    reason: str
    created_at: dt.datetime


class ProgrammeIn(InputSchema):
    acting_for: OrgSlug = Field(description="Your organisation, a partner (you are its administrator or "
                                            "coordinator).")
    title: Title
    summary: LongText = ""
    agreement: Id | None = Field(None, description="The agreement it puts into practice (of this partnership).")
    changes_need_decision: bool = True


class ProgrammeUpdateIn(InputSchema):
    acting_for: OrgSlug
    expected_version: int = Field(ge=0, le=MAX_ID, description="The programme's `version` when you read it.")
    title: Title | None = None
    summary: LongText | None = None
    changes_need_decision: bool | None = None


class AdoptIn(InputSchema):
    acting_for: OrgSlug
    via_decision: bool = Field(False, description="Put adoption to the partners as a decision instead of the "
                                                  "convener adopting it at once.")
    closes_at: DateTime | None = None
    expected_version: int | None = Field(None, ge=0, le=MAX_ID)


class WorkItemIn(InputSchema):
    acting_for: OrgSlug
    kind: ItemKind = ItemKind.TASK
    title: Title
    owner: OrgSlug = Field(description="The partner that owns the work.")
    parent: Id | None = Field(None, description="The item it is part of, in the same programme.")
    description: LongText = ""
    owner_person: Id | None = Field(None, description="A person who represents the owner.")
    start_date: Date | None = None
    due_date: Date | None = None
    commitments: list[Id] = Field([], max_length=MAX_LINKS,
                                  description="Commitments of this partnership's agreements it fulfils.")
    depends_on: list[Id] = Field([], max_length=MAX_LINKS, description="Items that must be done first.")
    volunteers_wanted: int = Field(0, ge=0, le=services.MAX_VOLUNTEERS)
    volunteer_note: NoteText = ""
    closes_at: DateTime | None = Field(None, description="When a change put to the partners closes (default: a "
                                                         "week from now).")


class WorkItemUpdateIn(InputSchema):
    acting_for: OrgSlug
    expected_version: int = Field(ge=0, le=MAX_ID, description="The item's `version` when you read it.")
    title: Title | None = None
    owner: OrgSlug | None = None
    parent: Id | None = None
    description: LongText | None = None
    owner_person: Id | None = None
    start_date: Date | None = None
    due_date: Date | None = None
    commitments: list[Id] | None = Field(None, max_length=MAX_LINKS)
    depends_on: list[Id] | None = Field(None, max_length=MAX_LINKS)
    volunteers_wanted: int | None = Field(None, ge=0, le=services.MAX_VOLUNTEERS)
    volunteer_note: NoteText | None = None
    closes_at: DateTime | None = None


class StatusIn(InputSchema):
    acting_for: OrgSlug
    status: ItemStatus
    reason: NoteText = ""
    expected_version: int | None = Field(None, ge=0, le=MAX_ID)
    closes_at: DateTime | None = None


class SignupIn(InputSchema):
    message: NoteText = ""


class DecideIn(InputSchema):
    acting_for: OrgSlug
    confirm: bool
    reason: NoteText = ""


class WithdrawIn(InputSchema):
    reason: NoteText = ""


# --- helpers ---------------------------------------------------------------------------------

def _org(slug: str | None, field: str = "acting_for"):
    return organisation_by_slug(slug, field=field) if slug is not None else None


def _programme(person, pk: int) -> WorkProgramme:
    programme = WorkProgramme.objects.select_related("partnership").filter(pk=pk).first()
    if programme is None or not person.has_perm("network.see_work", programme.partnership):
        raise Http404
    return programme


def _item(person, pk: int) -> WorkItem:
    item = WorkItem.objects.select_related("partnership", "programme", "owner", "owner_person").filter(pk=pk).first()
    if item is None or not person.has_perm("network.see_work", item.partnership):
        raise Http404
    return item


def _item_field(programme, pk: int | None, field: str):
    if pk is None:
        return None
    found = WorkItem.objects.filter(pk=pk, programme=programme).first()
    if found is None:
        raise ValidationError({field: _("No item %(id)d in this programme.") % {"id": pk}})
    return found


def _items_field(pks, field: str) -> list:
    pks = list(dict.fromkeys(pks or ()))
    found = list(WorkItem.objects.filter(pk__in=pks))
    missing = set(pks) - {i.pk for i in found}
    if missing:
        raise ValidationError({field: _("No such items: %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))}})
    return found


def _commitments_field(pks, field: str = "commitments") -> list:
    from joinery.agreements.models import Commitment

    pks = list(dict.fromkeys(pks or ()))
    found = list(Commitment.objects.filter(pk__in=pks).select_related("agreement"))
    missing = set(pks) - {c.pk for c in found}
    if missing:
        raise ValidationError({field: _("No such commitments: %(ids)s.")
                               % {"ids": ", ".join(map(str, sorted(missing)))}})
    return found


def _person_field(pk: int | None, field: str = "owner_person"):
    from joinery.accounts.models import Person

    if pk is None:
        return None
    person = Person.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise ValidationError({field: _("No such person.")})
    return person


def _opened(decision: Decision):
    return Status(202, {
        "detail": _("This change is reserved for the partnership: it has been put to the partners as a decision, "
                    "and applies if it is carried."),
        "decision_id": decision.pk, "title": decision.title, "closes_at": decision.closes_at,
        "url": decision.get_absolute_url()})


def _item_detail(item: WorkItem) -> WorkItem:
    links = selectors.item_links(item)
    item.commitments_ = links["commitments"]
    item.depends_on_ = [d.pk for d in links["depends_on"]]
    item.dependants_ = [d.pk for d in links["dependants"]]
    item.children_ = [c.pk for c in links["children"]]
    return item


def _fresh_item(pk: int) -> WorkItem:
    return _item_detail(selectors.item_get(pk=pk))


def _programme_detail(pk: int) -> WorkProgramme:
    programme = selectors.programme_get(pk=pk)
    rows = list(programme.items.select_related("owner", "owner_person")
                .order_by("position", "id")[:selectors.TREE_LIMIT + 1])
    programme.items_ = rows[:selectors.TREE_LIMIT]
    programme.items_truncated_ = len(rows) > selectors.TREE_LIMIT
    return programme


# --- programmes ------------------------------------------------------------------------------

@router.get("/partnerships/{slug}/programmes", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[ProgrammeOut], **ERROR_RESPONSES}, summary="A partnership's work programmes")
@paginate(Pagination)
def programme_list(request, slug: SlugPath):
    p = visible_partnership(request.auth, slug, "work")
    return p.programmes.select_related("partnership").order_by(selectors.WHOLE_FIRST, "id")


@router.post("/partnerships/{slug}/programmes", response={201: ProgrammeDetailOut, **ERROR_RESPONSES},
             summary="Start a work programme")
def programme_create(request, slug: SlugPath, payload: ProgrammeIn):
    """An administrator or coordinator of a partner starts it, as a draft, for the whole partnership or one of its
    agreements."""
    from joinery.agreements.models import Agreement

    p = visible_partnership(request.auth, slug)
    agreement = None
    if payload.agreement is not None:
        agreement = Agreement.objects.filter(pk=payload.agreement).first()
        if agreement is None:
            raise ValidationError({"agreement": _("No such agreement.")})
    programme = services.programme_create(actor=request.auth, acting_for=_org(payload.acting_for), partnership=p,
                                          title=payload.title, summary=payload.summary, agreement=agreement,
                                          changes_need_decision=payload.changes_need_decision)
    return Status(201, _programme_detail(programme.pk))


@router.get("/programmes/{programme_id}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: ProgrammeDetailOut, **ERROR_RESPONSES}, summary="One programme, with its items")
def programme_detail(request, programme_id: IdPath):
    return _programme_detail(_programme(request.auth, programme_id).pk)


@router.patch("/programmes/{programme_id}", response={200: ProgrammeDetailOut, **ERROR_RESPONSES},
              summary="Change a programme's title or summary")
def programme_update(request, programme_id: IdPath, payload: ProgrammeUpdateIn):
    """Send the `version` you read as `expected_version`; 409 if it changed since."""
    programme = _programme(request.auth, programme_id)
    fields = payload.dict(exclude_unset=True, exclude={"acting_for", "expected_version"})
    fields = {k: v for k, v in fields.items() if v is not None}
    services.programme_update(actor=request.auth, acting_for=_org(payload.acting_for), programme=programme,
                              expected_version=payload.expected_version, **fields)
    return _programme_detail(programme.pk)


@router.post("/programmes/{programme_id}/adopt",
             response={200: ProgrammeDetailOut, 202: DecisionOpenedOut, **ERROR_RESPONSES},
             summary="Adopt a programme (the convener), or put adoption to the partners")
def programme_adopt(request, programme_id: IdPath, payload: AdoptIn):
    programme = _programme(request.auth, programme_id)
    result = services.programme_adopt(actor=request.auth, acting_for=_org(payload.acting_for), programme=programme,
                                      via_decision=payload.via_decision, closes_at=payload.closes_at,
                                      expected_version=payload.expected_version)
    if isinstance(result, Decision):
        return _opened(result)
    return _programme_detail(programme.pk)


# --- work items ------------------------------------------------------------------------------

@router.get("/partnerships/{slug}/work-items", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[WorkItemOut], **ERROR_RESPONSES}, summary="A partnership's work, filtered")
@paginate(Pagination)
def work_item_list(request, slug: SlugPath, owner: OrgSlug | None = None,
                   status: Literal["open", "planned", "in_progress", "blocked", "done", "cancelled"] | None = None,
                   overdue: bool = False, kind: ItemKind | None = None,
                   q: Annotated[Text, Field(max_length=200)] = "", programme: Id | None = None):
    """Soonest due first (undated last). `status=open` means planned, in progress or blocked; `overdue` keeps open
    items past their due date."""
    p = visible_partnership(request.auth, slug, "work")
    prog = None
    if programme is not None:
        prog = p.programmes.filter(pk=programme).first()
        if prog is None:
            raise ValidationError({"programme": _("No such programme in this partnership.")})
    return selectors.work_queryset(partnership=p, owner=_org(owner, "owner"), status=status, overdue=overdue,
                                   kind=kind, q=q, programme=prog)


@router.post("/programmes/{programme_id}/work-items",
             response={201: WorkItemDetailOut, 202: DecisionOpenedOut, **ERROR_RESPONSES}, summary="Add a work item")
def work_item_create(request, programme_id: IdPath, payload: WorkItemIn):
    """A task is added at once. An objective, initiative or milestone of an adopted programme whose changes need a
    decision opens that decision instead (202)."""
    programme = _programme(request.auth, programme_id)
    result = services.work_item_create(
        actor=request.auth, acting_for=_org(payload.acting_for), programme=programme, kind=payload.kind,
        title=payload.title, owner=_org(payload.owner, "owner"), parent=_item_field(programme, payload.parent, "parent"),
        description=payload.description, owner_person=_person_field(payload.owner_person),
        start_date=payload.start_date, due_date=payload.due_date,
        commitments=_commitments_field(payload.commitments), depends_on=_items_field(payload.depends_on, "depends_on"),
        volunteers_wanted=payload.volunteers_wanted, volunteer_note=payload.volunteer_note,
        closes_at=payload.closes_at)
    if isinstance(result, Decision):
        return _opened(result)
    return Status(201, _fresh_item(result.pk))


@router.get("/work-items/{item_id}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: WorkItemDetailOut, **ERROR_RESPONSES}, summary="One work item, with its links")
def work_item_detail(request, item_id: IdPath):
    return _item_detail(_item(request.auth, item_id))


@router.patch("/work-items/{item_id}", response={200: WorkItemDetailOut, 202: DecisionOpenedOut, **ERROR_RESPONSES},
              summary="Change a work item")
def work_item_update(request, item_id: IdPath, payload: WorkItemUpdateIn):
    """Send only the fields to change, with the `version` you read as `expected_version` (409 if it changed since).
    `commitments` and `depends_on` replace the lists. Send `"parent": null` or `"owner_person": null` to clear."""
    item = _item(request.auth, item_id)
    sent = payload.dict(exclude_unset=True, exclude={"acting_for", "expected_version", "closes_at"})
    fields = {}
    for key, value in sent.items():
        if key == "owner":
            if value is None:
                raise ValidationError({"owner": _("Choose the organisation that owns this item.")})
            fields[key] = _org(value, "owner")
        elif key == "parent":
            fields[key] = _item_field(item.programme, value, "parent")
        elif key == "owner_person":
            fields[key] = _person_field(value)
        elif key == "commitments":
            fields[key] = _commitments_field(value)
        elif key == "depends_on":
            fields[key] = _items_field(value, "depends_on")
        elif key == "title" and value is None:
            raise ValidationError({"title": _("Enter a title.")})
        else:
            fields[key] = value
    result = services.work_item_update(actor=request.auth, acting_for=_org(payload.acting_for), item=item,
                                       expected_version=payload.expected_version, closes_at=payload.closes_at,
                                       **fields)
    if isinstance(result, Decision):
        return _opened(result)
    return _fresh_item(item.pk)


@router.post("/work-items/{item_id}/status", response={200: WorkItemDetailOut, 202: DecisionOpenedOut, **ERROR_RESPONSES},
             summary="Record progress, or cancel or reinstate a work item")
def work_item_status(request, item_id: IdPath, payload: StatusIn):
    """Cancelling needs a `reason`. Cancelling or reinstating a reserved item of a gated programme opens a decision
    (202)."""
    item = _item(request.auth, item_id)
    result = services.work_item_set_status(actor=request.auth, acting_for=_org(payload.acting_for), item=item,
                                           status=payload.status, reason=payload.reason,
                                           expected_version=payload.expected_version, closes_at=payload.closes_at)
    if isinstance(result, Decision):
        return _opened(result)
    return _fresh_item(item.pk)


# --- volunteers ------------------------------------------------------------------------------

def _signups(person, item):
    qs = item.signups.select_related("person", "decided_by").order_by("created_at", "id")
    if not selectors.standing(person=person, partnership=item.partnership).editor_orgs(item):
        qs = qs.filter(person_id=getattr(person, "pk", None) or 0)
    return qs


@router.get("/work-items/{item_id}/signups", response={200: list[SignupOut], **ERROR_RESPONSES},
            summary="Offers to help with a task")
@paginate(Pagination)
def signup_list(request, item_id: IdPath):
    """The owner's representatives and the convener see every offer; anyone else sees only their own."""
    return _signups(request.auth, _item(request.auth, item_id))


@router.post("/work-items/{item_id}/signups", response={201: SignupOut, **ERROR_RESPONSES},
             summary="Offer to help with a task")
def signup_create(request, item_id: IdPath, payload: SignupIn):
    item = _item(request.auth, item_id)
    s = services.volunteer_signup(actor=request.auth, item=item, message=payload.message)
    return Status(201, VolunteerSignup.objects.select_related("person", "decided_by").get(pk=s.pk))


def _signup(person, pk: int) -> VolunteerSignup:
    s = VolunteerSignup.objects.select_related("item__partnership", "person").filter(pk=pk).first()
    if s is None or not person.has_perm("network.see_work", s.item.partnership):
        raise Http404
    return s


@router.post("/signups/{signup_id}/decide", response={200: SignupOut, **ERROR_RESPONSES},
             summary="Confirm or decline a volunteer (the task's owner or the convener)")
def signup_decide(request, signup_id: IdPath, payload: DecideIn):
    """Declining needs a `reason`; the volunteer sees it."""
    s = services.volunteer_signup_decide(actor=request.auth, acting_for=_org(payload.acting_for),
                                         signup=_signup(request.auth, signup_id), confirm=payload.confirm,
                                         reason=payload.reason)
    return VolunteerSignup.objects.select_related("person", "decided_by").get(pk=s.pk)


@router.post("/signups/{signup_id}/withdraw", response={200: SignupOut, **ERROR_RESPONSES},
             summary="Withdraw your offer to help")
def signup_withdraw(request, signup_id: IdPath, payload: WithdrawIn):
    s = services.volunteer_signup_withdraw(actor=request.auth, signup=_signup(request.auth, signup_id),
                                           reason=payload.reason)
    return VolunteerSignup.objects.select_related("person", "decided_by").get(pk=s.pk)


# --- across partnerships ---------------------------------------------------------------------

@router.get("/my-work", response={200: list[WorkItemOut], **ERROR_RESPONSES},
            summary="Open work owned by your organisations")
def my_work(request):
    """In every partnership, soonest due first (so overdue work comes first); at most 200 items."""
    return selectors.my_organisation_work(request.auth)


@router.get("/volunteer-opportunities", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[WorkItemOut], **ERROR_RESPONSES}, summary="Tasks open to volunteers")
def volunteer_opportunities(request):
    """Open tasks that want volunteers, in public partnerships and in yours; at most 100."""
    return selectors.volunteer_opportunities(request.auth)

