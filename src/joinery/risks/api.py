"""API: the risk register — risks, the heat map, and the partnership's risk appetite.

Every write calls risks.services, as the web pages do; `acting_for` (an organisation's short
name) says which of your organisations you act for. A risk is visible to whoever may see its
partnership: one in a private partnership answers 404 to anyone else, as on the web.
"""


import datetime as dt
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from joinery.accounts.models import Person
from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
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
from joinery.api.errors import ERROR_RESPONSES, ErrorOut, validation_error_body
from joinery.core.exceptions import ValidationError
from joinery.network.api import OrganisationBrief, PartnershipBrief, PersonBrief

from . import selectors, services
from .models import Risk, RiskStatus

router = Router(tags=["risks"])

NoteText = Annotated[Text, Field(max_length=20_000)]
Scale = Annotated[int, Field(ge=1, le=5)]




#: A date between 2000 and 2999.
Date = bounded_date(2000, 2999)


# --- schemas -------------------------------------------------------------------------------

class RiskOut(Schema):
    id: int
    partnership: PartnershipBrief
    title: str
    cause: str
    consequence: str
    likelihood: int
    impact: int
    score: int = Field(description="likelihood × impact (1–25).")
    above_appetite: bool = Field(description="Open or being mitigated, not accepted for innovation, and scoring "
                                             "above the partnership's appetite.")
    owner: OrganisationBrief
    owner_person: PersonBrief | None
    mitigations: str
    status: str
    accepted_for_innovation: bool
    acceptance_reason: str
    accepted_by: PersonBrief | None
    accepted_at: dt.datetime | None
    review_date: dt.date | None
    work_item_id: int | None
    version: int = Field(description="Send it back as `expected_version` when you change the risk.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_above_appetite(obj) -> bool:
        return bool(getattr(obj, "above", False))


class RiskIn(InputSchema):
    acting_for: OrgSlug
    title: Annotated[Text, Field(max_length=250)]
    cause: NoteText
    consequence: NoteText
    likelihood: Scale = Field(description="1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain.")
    impact: Scale = Field(description="1 minimal, 2 minor, 3 moderate, 4 major, 5 severe.")
    owner: OrgSlug = Field(description="The partner organisation that owns the risk.")
    owner_person: Id | None = Field(None, description="A representative of the owner organisation (a person id).")
    mitigations: NoteText = ""
    status: RiskStatus = Field(RiskStatus.OPEN, description="open or mitigating.")
    review_date: Date | None = None
    work_item: Id | None = Field(None, description="A work item of the same partnership that the risk concerns.")


class RiskPatch(InputSchema):
    """Send only the fields to change, with the `version` you read as `expected_version`."""

    acting_for: OrgSlug
    expected_version: int = Field(ge=0, le=2**31 - 1)
    title: Annotated[Text, Field(max_length=250)] = None
    cause: NoteText = None
    consequence: NoteText = None
    likelihood: Scale = None
    impact: Scale = None
    owner: OrgSlug = None
    owner_person: Id | None = None
    mitigations: NoteText = None
    status: RiskStatus = Field(None, description="open or mitigating (reopens a closed risk, withdraws an "
                                                 "acceptance).")
    review_date: Date | None = None
    work_item: Id | None = None


class RiskConflictOut(ErrorOut):
    theirs: RiskOut = Field(description="The risk as saved now.")


class AcceptIn(InputSchema):
    acting_for: OrgSlug
    reason: NoteText = Field(description="Why the partnership accepts the risk: a real sentence.")
    expected_version: int | None = Field(None, ge=0, le=2**31 - 1)


class CloseIn(InputSchema):
    acting_for: OrgSlug
    reason: Annotated[Text, Field(max_length=2000)] = ""
    expected_version: int | None = Field(None, ge=0, le=2**31 - 1)


class AppetiteOut(Schema):
    id: int
    threshold: int = Field(description="Risks scoring above this are above the appetite.")
    statement: str
    set_by: PersonBrief
    created_at: dt.datetime


class AppetiteHistoryOut(Schema):
    current: AppetiteOut | None
    history: list[AppetiteOut] = Field(description="Every appetite set, newest first.")


class AppetiteIn(InputSchema):
    acting_for: OrgSlug = Field(description="The convener.")
    threshold: int = Field(ge=1, le=25)
    statement: NoteText


class HeatCellOut(Schema):
    likelihood: int
    impact: int
    score: int
    count: int
    above: bool


class HeatMapOut(Schema):
    threshold: int | None
    total: int
    above: int = Field(description="Live risks in cells above the appetite.")
    summary: str
    cells: list[HeatCellOut] = Field(description="25 cells: impact 5 to 1, likelihood 1 to 5.")

    @staticmethod
    def resolve_cells(obj) -> list:
        return [c for row in obj["rows"] for c in row["cells"]]


# --- helpers -------------------------------------------------------------------------------

def _risk(person, pk: int) -> Risk:
    r = (Risk.objects.select_related("partnership", "owner", "owner_person", "accepted_by").filter(pk=pk).first())
    if r is None or not person.has_perm("risks.view_register", r.partnership):
        raise Http404
    return r


def _out(risk: Risk) -> Risk:
    r = _risk_fresh(risk.pk)
    r.above = selectors.is_above(r, selectors.current_appetite(partnership=r.partnership))
    return r


def _risk_fresh(pk: int) -> Risk:
    return Risk.objects.select_related("partnership", "owner", "owner_person", "accepted_by").get(pk=pk)


def _person(pk: int | None, field: str = "owner_person"):
    if pk is None:
        return None
    p = Person.objects.filter(pk=pk).first()
    if p is None:
        raise ValidationError({field: _("No person has this id.")})
    return p


def _work_item(pk: int | None):
    if pk is None:
        return None
    from joinery.programme.models import WorkItem

    item = WorkItem.objects.filter(pk=pk).first()
    if item is None:
        raise ValidationError({"work_item": _("No work item has this id.")})
    return item


# --- the register --------------------------------------------------------------------------

@router.get("/partnerships/{slug}/risks", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[RiskOut], **ERROR_RESPONSES}, summary="A partnership's risk register")
@paginate(Pagination)
def risk_list(request, slug: SlugPath, status: RiskStatus | None = None):
    """Highest score first. `above_appetite` says which risks are above the partnership's appetite."""
    partnership = visible_partnership(request.auth, slug, "risks")
    appetite = selectors.current_appetite(partnership=partnership)
    return _Marked(selectors.register(partnership=partnership, status=status or ""), appetite)


class _Marked:
    """A queryset whose sliced rows carry `above` (the paginator slices it, then iterates)."""

    def __init__(self, qs, appetite):
        self.qs, self.appetite = qs, appetite

    def __getitem__(self, key):
        rows = list(self.qs[key])
        for r in rows:
            r.above = selectors.is_above(r, self.appetite)
        return rows

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()


@router.post("/partnerships/{slug}/risks", response={201: RiskOut, **ERROR_RESPONSES}, summary="Record a risk")
def risk_create(request, slug: SlugPath, payload: RiskIn):
    """Any active partner. The owner must be an active partner; the score is likelihood × impact."""
    partnership = visible_partnership(request.auth, slug)
    r = services.risk_create(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"),
        partnership=partnership, title=payload.title, cause=payload.cause, consequence=payload.consequence,
        likelihood=payload.likelihood, impact=payload.impact,
        owner=organisation_by_slug(payload.owner, field="owner"), owner_person=_person(payload.owner_person),
        mitigations=payload.mitigations, status=payload.status, review_date=payload.review_date,
        work_item=_work_item(payload.work_item))
    return Status(201, _out(r))


@router.get("/partnerships/{slug}/risks/heat-map", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: HeatMapOut, **ERROR_RESPONSES}, summary="The heat map of live risks")
def heat_map(request, slug: SlugPath):
    """Counts of open, mitigating and accepted risks by likelihood and impact, with the appetite's band."""
    partnership = visible_partnership(request.auth, slug, "risks")
    return selectors.heat_map(partnership=partnership, appetite=selectors.current_appetite(partnership=partnership))


@router.get("/risks/{risk_id}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: RiskOut, **ERROR_RESPONSES}, summary="One risk")
def risk_detail(request, risk_id: IdPath):
    return _out(_risk(request.auth, risk_id))


@router.patch("/risks/{risk_id}", response={200: RiskOut, **ERROR_RESPONSES, 409: RiskConflictOut},
              summary="Change a risk")
def risk_update(request, risk_id: IdPath, payload: RiskPatch):
    """Any active partner. If someone changed the risk since you read `version`, nothing is overwritten: the
    answer is 409 with the risk as saved now (`theirs`)."""
    r = _risk(request.auth, risk_id)
    fields = payload.dict(exclude_unset=True)
    acting_for = organisation_by_slug(fields.pop("acting_for"), field="acting_for")
    expected_version = fields.pop("expected_version")
    for name in ("title", "cause", "consequence", "likelihood", "impact", "owner", "mitigations", "status"):
        if name in fields and fields[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})
    if "owner" in fields:
        fields["owner"] = organisation_by_slug(fields["owner"], field="owner")
    if "owner_person" in fields:
        fields["owner_person"] = _person(fields["owner_person"])
    if "work_item" in fields:
        fields["work_item"] = _work_item(fields["work_item"])
    try:
        r = services.risk_update(actor=request.auth, acting_for=acting_for, risk=r,
                                 expected_version=expected_version, **fields)
    except services.RiskConflict as exc:
        body = validation_error_body(exc)
        body["theirs"] = _out(exc.risk)
        return Status(409, body)
    return _out(r)


@router.post("/risks/{risk_id}/accept", response={200: RiskOut, **ERROR_RESPONSES},
             summary="Accept a risk for innovation")
def risk_accept(request, risk_id: IdPath, payload: AcceptIn):
    """The convener or the organisation that owns the risk, with a real reason; every partner is told."""
    r = _risk(request.auth, risk_id)
    r = services.risk_accept_for_innovation(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"), risk=r,
        reason=payload.reason, expected_version=payload.expected_version)
    return _out(r)


@router.post("/risks/{risk_id}/close", response={200: RiskOut, **ERROR_RESPONSES}, summary="Close a risk")
def risk_close(request, risk_id: IdPath, payload: CloseIn):
    """The convener or the organisation that owns the risk. A closed risk can be reopened by changing its
    status."""
    r = _risk(request.auth, risk_id)
    r = services.risk_close(actor=request.auth, acting_for=organisation_by_slug(payload.acting_for,
                                                                                 field="acting_for"),
                            risk=r, reason=payload.reason, expected_version=payload.expected_version)
    return _out(r)


# --- appetite ------------------------------------------------------------------------------

@router.get("/partnerships/{slug}/risk-appetite", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: AppetiteHistoryOut, **ERROR_RESPONSES}, summary="The risk appetite and its history")
def appetite_get(request, slug: SlugPath):
    partnership = visible_partnership(request.auth, slug, "risks")
    history = selectors.appetite_history(partnership=partnership)
    return {"current": history[0] if history else None, "history": history}


@router.post("/partnerships/{slug}/risk-appetite", response={201: AppetiteOut, **ERROR_RESPONSES},
             summary="Set the risk appetite (the convener)")
def appetite_set(request, slug: SlugPath, payload: AppetiteIn):
    """Adds a row: earlier appetites stay in the history."""
    partnership = visible_partnership(request.auth, slug)
    a = services.risk_appetite_set(actor=request.auth, partnership=partnership,
                                   acting_for=organisation_by_slug(payload.acting_for, field="acting_for"),
                                   threshold=payload.threshold, statement=payload.statement)
    return Status(201, a)
