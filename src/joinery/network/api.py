"""API: partnerships, partners, invitations, charters, decisions and positions.

Every write calls network.services, as the web pages do; `acting_for` (an
organisation's short name) says which of your organisations you act for. A
private partnership answers 404 to anyone who may not see it, as on the web.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
    MAX_ID,
    DateTime,
    IdPath,
    InputSchema,
    Pagination,
    SlugPath,
    Text,
    organisation_by_slug,
    require_perm,
    visible_partnership,
)
from joinery.api.errors import ERROR_RESPONSES
from joinery.organisations.models import Representative

from . import selectors, services
from .decision_rules import DecisionRule, Stance
from .models import Decision, DecisionStatus, Invitation, Partner, PartnerRole, Visibility
from .visibility import AREAS, can_see, publication_of

router = Router(tags=["partnerships"])

# --- schemas -------------------------------------------------------------------------------


class OrganisationBrief(Schema):
    id: int
    slug: str
    name: str
    sector: str


class PersonBrief(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class PartnershipBrief(Schema):
    id: int
    slug: str
    name: str


class PartnershipOut(Schema):
    id: int
    slug: str
    name: str
    purpose: str
    geography: str
    start_date: dt.date | None
    end_date: dt.date | None
    visibility: str
    partner_count: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class PartnershipIn(InputSchema):
    acting_for: Text = Field(description="The short name of the organisation that convenes it.")
    name: Text
    purpose: Text
    geography: Text = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    visibility: Visibility = Visibility.PRIVATE
    decision_rule: DecisionRule = DecisionRule.CONSENSUS
    quorum: int | None = Field(None, ge=0, le=MAX_ID)


class PartnershipPatch(InputSchema):
    """Send only the fields to change, with the `version` you read."""

    acting_for: Text
    expected_version: int
    name: Text = None
    purpose: Text = None
    geography: Text = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    visibility: Visibility = None


class PartnerOut(Schema):
    id: int
    organisation: OrganisationBrief
    role: str
    status: str
    joined_at: dt.datetime
    left_at: dt.datetime | None
    left_reason: str


class WithdrawIn(InputSchema):
    reason: Text


class RemoveIn(InputSchema):
    acting_for: Text
    reason: Text


class InvitationOut(Schema):
    id: int
    partnership: PartnershipBrief
    organisation: OrganisationBrief
    role: str
    message: str
    status: str
    invited_by: PersonBrief
    created_at: dt.datetime
    responded_at: dt.datetime | None
    response_reason: str


class InvitationIn(InputSchema):
    acting_for: Text
    organisation: Text = Field(description="The short name of the organisation to invite.")
    role: PartnerRole = PartnerRole.PARTNER
    message: Text = ""


class InvitationRespondIn(InputSchema):
    accept: bool
    reason: Text = Field("", description="Required when declining.")


class ActingForIn(InputSchema):
    acting_for: Text


class CharterOut(Schema):
    number: int
    purpose: str
    scope: str
    limits: str
    decision_rule: str
    quorum: int | None
    review_date: dt.date | None
    changes_need_decision: bool
    change_note: str
    created_at: dt.datetime
    created_by: PersonBrief | None


class CharterAmendIn(InputSchema):
    """Send the fields to change and the charter `number` you read."""

    acting_for: Text
    expected_number: int
    change_note: Text = ""
    closes_at: DateTime | None = Field(
        None, description="When the charter says changes need a decision: when that decision closes (default: in 7 days).")
    purpose: Text = None
    scope: Text = None
    limits: Text = None
    decision_rule: DecisionRule = None
    quorum: int | None = Field(None, ge=0, le=MAX_ID)
    review_date: dt.date | None = None
    changes_need_decision: bool = None


class DecisionOut(Schema):
    id: int
    partnership: str
    title: str
    question: str
    background: str
    options: str
    kind: str
    rule: str
    quorum: int | None
    status: str
    opened_at: dt.datetime
    closes_at: dt.datetime
    closed_at: dt.datetime | None
    outcome: str
    outcome_explanation: str
    rationale: str
    review_date: dt.date | None
    proposed_for: OrganisationBrief
    position_count: int
    version: int

    @staticmethod
    def resolve_partnership(obj) -> str:
        return obj.partnership.slug

    @staticmethod
    def resolve_position_count(obj) -> int:
        count = getattr(obj, "position_count", None)
        return count if count is not None else obj.positions.count()


class PositionOut(Schema):
    organisation: OrganisationBrief
    stance: str
    reason: str
    recorded_by: PersonBrief
    updated_at: dt.datetime


class DecisionDetailOut(DecisionOut):
    charter_version: int
    is_open: bool
    lead_ruling: bool | None
    outcome_tally: dict[str, int] | None
    payload: dict[str, Any] | None
    participants: list[OrganisationBrief]
    positions: list[PositionOut]

    @staticmethod
    def resolve_charter_version(obj) -> int:
        return obj.charter_version.number

    @staticmethod
    def resolve_participants(obj) -> list:
        return sorted((p.organisation for p in obj.participants.all()), key=lambda o: o.name)

    @staticmethod
    def resolve_positions(obj) -> list:
        # Who took which position shows where the partnership shows positions (network/visibility.py).
        return [] if getattr(obj, "positions_hidden", False) else list(obj.positions.all())

    @staticmethod
    def resolve_position_count(obj) -> int:
        return len(obj.positions.all())


class CharterAmendOut(Schema):
    outcome: Literal["adopted", "decision_opened"]
    charter: CharterOut | None = None
    decision: DecisionDetailOut | None = None


class DecisionIn(InputSchema):
    acting_for: Text
    title: Text
    question: Text
    closes_at: DateTime
    background: Text = ""
    options: Text = ""


class PositionIn(InputSchema):
    acting_for: Text
    stance: Stance
    reason: Text = Field("", description="Required for an objection or a block.")


class DecisionCloseIn(InputSchema):
    """Empty to compute the outcome after closing time; the convener adds `lead_ruling` under "lead decides"."""

    acting_for: Text | None = None
    lead_ruling: bool | None = None
    rationale: Text = ""
    review_date: dt.date | None = None


class RationaleIn(InputSchema):
    acting_for: Text
    expected_version: int
    rationale: Text
    review_date: dt.date | None = None


# --- helpers -------------------------------------------------------------------------------

def _acting_for(slug: str | None):
    return organisation_by_slug(slug, field="acting_for") if slug is not None else None


def _partnership_out(partnership):
    partnership.partner_count = partnership.partners.active().count()
    return partnership


def _decision(person, pk: int) -> Decision:
    """The decision with its positions and participants, or 404 if its partnership is hidden from `person`."""
    decision = Decision.objects.select_related("partnership").filter(pk=pk).first()
    if decision is None or not can_see(person, decision.partnership, "decisions"):
        raise Http404
    return selectors.decision_detail(partnership=decision.partnership, pk=pk)


def _partner(partnership, pk: int) -> Partner:
    return get_object_or_404(Partner.objects.select_related("organisation", "partnership"),
                             pk=pk, partnership=partnership)


# --- partnerships --------------------------------------------------------------------------

@router.get("/partnerships", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[PartnershipOut], **ERROR_RESPONSES}, summary="Partnerships you can see")
@paginate(Pagination)
def partnership_list(request, q: Text = ""):
    """Public partnerships, and the private ones your organisations are partners in."""
    return selectors.partnership_list(person=request.auth, query=q.strip())


@router.post("/partnerships", response={201: PartnershipOut, **ERROR_RESPONSES}, summary="Start a partnership")
def partnership_create(request, payload: PartnershipIn):
    fields = payload.dict()
    fields["acting_for"] = _acting_for(fields["acting_for"])
    return Status(201, _partnership_out(services.partnership_create(actor=request.auth, **fields)))


@router.get("/partnerships/{slug}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: PartnershipOut, **ERROR_RESPONSES}, summary="One partnership")
def partnership_detail(request, slug: SlugPath):
    return _partnership_out(visible_partnership(request.auth, slug))


@router.patch("/partnerships/{slug}", response={200: PartnershipOut, **ERROR_RESPONSES},
              summary="Change a partnership")
def partnership_update(request, slug: SlugPath, payload: PartnershipPatch):
    """The convener only. Refused with 409 if it changed since you read `version`."""
    partnership = visible_partnership(request.auth, slug)
    fields = payload.dict(exclude_unset=True)
    acting_for = _acting_for(fields.pop("acting_for"))
    expected_version = fields.pop("expected_version")
    return _partnership_out(services.partnership_update(
        actor=request.auth, partnership=partnership, acting_for=acting_for,
        expected_version=expected_version, **fields))


# --- partners and invitations --------------------------------------------------------------

@router.get("/partnerships/{slug}/partners", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[PartnerOut], **ERROR_RESPONSES}, summary="The partners")
@paginate(Pagination)
def partner_list(request, slug: SlugPath, include_former: bool = False):
    """Active partners; `include_former` adds those who withdrew or were removed."""
    partnership = visible_partnership(request.auth, slug)
    partners = selectors.active_partners(partnership=partnership)
    if include_former:
        partners += selectors.former_partners(partnership=partnership)
    return partners


@router.post("/partnerships/{slug}/partners/{partner_id}/withdraw",
             response={200: PartnerOut, **ERROR_RESPONSES}, summary="Withdraw your organisation")
def partner_withdraw(request, slug: SlugPath, partner_id: IdPath, payload: WithdrawIn):
    partnership = visible_partnership(request.auth, slug)
    return services.partner_withdraw(actor=request.auth, partner=_partner(partnership, partner_id),
                                     reason=payload.reason)


@router.post("/partnerships/{slug}/partners/{partner_id}/remove",
             response={200: PartnerOut, **ERROR_RESPONSES}, summary="Remove a partner (the convener)")
def partner_remove(request, slug: SlugPath, partner_id: IdPath, payload: RemoveIn):
    partnership = visible_partnership(request.auth, slug)
    return services.partner_remove(actor=request.auth, partner=_partner(partnership, partner_id),
                                   acting_for=_acting_for(payload.acting_for), reason=payload.reason)


@router.get("/partnerships/{slug}/invitations", response={200: list[InvitationOut], **ERROR_RESPONSES},
            summary="Invitations waiting for an answer")
@paginate(Pagination)
def partnership_invitations(request, slug: SlugPath):
    """Visible to the partners."""
    partnership = visible_partnership(request.auth, slug)
    require_perm(request.auth, "network.view_partnership_activity", partnership)
    return selectors.pending_invitations(partnership=partnership)


@router.post("/partnerships/{slug}/invitations", response={201: InvitationOut, **ERROR_RESPONSES},
             summary="Invite an organisation (the convener)")
def invitation_create(request, slug: SlugPath, payload: InvitationIn):
    partnership = visible_partnership(request.auth, slug)
    invitation = services.invitation_create(
        actor=request.auth, partnership=partnership, acting_for=_acting_for(payload.acting_for),
        organisation=organisation_by_slug(payload.organisation, field="organisation"),
        role=payload.role, message=payload.message)
    return Status(201, invitation)


@router.get("/invitations", response={200: list[InvitationOut], **ERROR_RESPONSES},
            summary="Invitations to your organisations")
@paginate(Pagination)
def my_invitations(request):
    return selectors.invitations_for_person(person=request.auth)


def _my_invitation(person, pk: int) -> Invitation:
    invitation = get_object_or_404(Invitation.objects.select_related("partnership", "organisation", "invited_by"),
                                   pk=pk)
    if not Representative.objects.current().filter(person=person, organisation=invitation.organisation).exists():
        raise Http404
    return invitation


@router.post("/invitations/{invitation_id}/respond", response={200: InvitationOut, **ERROR_RESPONSES},
             summary="Accept or decline an invitation")
def invitation_respond(request, invitation_id: IdPath, payload: InvitationRespondIn):
    invitation = _my_invitation(request.auth, invitation_id)
    return services.invitation_respond(actor=request.auth, invitation=invitation, accept=payload.accept,
                                       reason=payload.reason)


@router.post("/invitations/{invitation_id}/withdraw", response={200: InvitationOut, **ERROR_RESPONSES},
             summary="Withdraw an invitation (the convener)")
def invitation_withdraw(request, invitation_id: IdPath, payload: ActingForIn):
    invitation = get_object_or_404(Invitation.objects.select_related("partnership", "organisation", "invited_by"),
                                   pk=invitation_id)
    visible_partnership(request.auth, invitation.partnership.slug)
    return services.invitation_withdraw(actor=request.auth, invitation=invitation,
                                        acting_for=_acting_for(payload.acting_for))


# --- charter -------------------------------------------------------------------------------

@router.get("/partnerships/{slug}/charter", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: CharterOut, **ERROR_RESPONSES}, summary="The charter in effect")
def charter_current(request, slug: SlugPath):
    charter = selectors.current_charter(partnership=visible_partnership(request.auth, slug, "charter"))
    if charter is None:
        raise Http404
    return charter


@router.get("/partnerships/{slug}/charter/versions", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[CharterOut], **ERROR_RESPONSES}, summary="Every version of the charter")
@paginate(Pagination)
def charter_version_list(request, slug: SlugPath):
    return selectors.charter_versions(partnership=visible_partnership(request.auth, slug, "charter"))


@router.post("/partnerships/{slug}/charter", response={201: CharterAmendOut, 202: CharterAmendOut, **ERROR_RESPONSES},
             summary="Amend the charter (the convener)")
def charter_amend(request, slug: SlugPath, payload: CharterAmendIn):
    """201 with the new version; or, when the charter says changes need a decision, 202 with the
    decision that will adopt it if carried."""
    partnership = visible_partnership(request.auth, slug)
    fields = payload.dict(exclude_unset=True)
    acting_for = _acting_for(fields.pop("acting_for"))
    result = services.charter_amend(actor=request.auth, partnership=partnership, acting_for=acting_for, **fields)
    if isinstance(result, Decision):
        return Status(202, {"outcome": "decision_opened", "decision": selectors.decision_detail(
            partnership=partnership, pk=result.pk)})
    return Status(201, {"outcome": "adopted", "charter": result})


# --- what the public sees ------------------------------------------------------------------

AreaKey = Literal[tuple(AREAS)]  # type: ignore[valid-type]


class VisibilityAreaOut(Schema):
    area: AreaKey
    label: str
    description: str
    public: bool = Field(description="true: everyone sees it; false: the partners and administrators only.")
    default: bool = Field(description="Whether everyone sees it by default.")
    changed: bool = Field(description="true when the partners changed it from the default.")


class VisibilityOut(Schema):
    partnership_public: bool = Field(description="A private partnership shows nothing to the public, whatever "
                                                 "the areas say.")
    version: int
    areas: list[VisibilityAreaOut]


class VisibilityIn(InputSchema):
    """Which areas everyone sees (true) or the partners only (false); send only those to change."""

    acting_for: Text
    expected_version: int
    areas: dict[AreaKey, bool] = Field(min_length=1)
    reason: Annotated[Text, Field(max_length=2000)] = ""
    closes_at: dt.datetime | None = Field(None, description="When the decision closes, if the charter needs one "
                                                            "(default: in a week).")


class VisibilityChangeOut(Schema):
    outcome: Literal["changed", "decision_opened"]
    publication: VisibilityOut | None = None
    decision: DecisionDetailOut | None = None


def _visibility_out(p) -> dict:
    return {"partnership_public": p.is_public, "version": p.version,
            "areas": [{**row, "label": str(row["label"]), "description": str(row["description"])}
                      for row in publication_of(p)]}


@router.get("/partnerships/{slug}/publication", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: VisibilityOut, **ERROR_RESPONSES}, summary="What the public sees")
def publication_get(request, slug: SlugPath):
    """Each area of the partnership, and whether everyone sees it or the partners only."""
    return _visibility_out(visible_partnership(request.auth, slug))


@router.put("/partnerships/{slug}/publication",
            response={200: VisibilityChangeOut, 202: VisibilityChangeOut, **ERROR_RESPONSES},
            summary="Change what the public sees (the convener)")
def publication_set(request, slug: SlugPath, payload: VisibilityIn):
    """200 with the new settings; or, when the charter says changes need a decision, 202 with the decision
    that will make the change if carried. 409 if the partnership changed since you read `version`."""
    partnership = visible_partnership(request.auth, slug)
    result = services.publication_set(actor=request.auth, partnership=partnership,
                                      acting_for=_acting_for(payload.acting_for), changes=dict(payload.areas),
                                      expected_version=payload.expected_version, reason=payload.reason,
                                      closes_at=payload.closes_at)
    if isinstance(result, Decision):
        return Status(202, {"outcome": "decision_opened", "decision": selectors.decision_detail(
            partnership=partnership, pk=result.pk)})
    return Status(200, {"outcome": "changed", "publication": _visibility_out(result)})


# --- decisions and positions ---------------------------------------------------------------

@router.get("/partnerships/{slug}/decisions", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[DecisionOut], **ERROR_RESPONSES}, summary="Decisions, newest first")
@paginate(Pagination)
def decision_list(request, slug: SlugPath, status: DecisionStatus | None = None):
    return selectors.decisions_for(partnership=visible_partnership(request.auth, slug, "decisions"), status=status)


@router.post("/partnerships/{slug}/decisions", response={201: DecisionDetailOut, **ERROR_RESPONSES},
             summary="Put a question to the partners")
def decision_open(request, slug: SlugPath, payload: DecisionIn):
    partnership = visible_partnership(request.auth, slug)
    fields = payload.dict()
    fields["acting_for"] = _acting_for(fields["acting_for"])
    decision = services.decision_open(actor=request.auth, partnership=partnership, **fields)
    return Status(201, selectors.decision_detail(partnership=partnership, pk=decision.pk))


@router.get("/decisions/{decision_id}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: DecisionDetailOut, **ERROR_RESPONSES}, summary="One decision, with the positions")
def decision_detail(request, decision_id: IdPath):
    """`positions` is empty where the partnership keeps its partners' positions among them."""
    decision = _decision(request.auth, decision_id)
    decision.positions_hidden = not can_see(request.auth, decision.partnership, "positions")
    return decision


@router.put("/decisions/{decision_id}/position", response={200: PositionOut, **ERROR_RESPONSES},
            summary="Record or change your organisation's position")
def position_record(request, decision_id: IdPath, payload: PositionIn):
    """Allowed until the decision closes."""
    decision = _decision(request.auth, decision_id)
    return services.position_record(actor=request.auth, decision=decision,
                                    acting_for=_acting_for(payload.acting_for), stance=payload.stance,
                                    reason=payload.reason)


@router.post("/decisions/{decision_id}/close", response={200: DecisionDetailOut, **ERROR_RESPONSES},
             summary="Record the outcome after closing time")
def decision_close(request, decision_id: IdPath, payload: DecisionCloseIn):
    """Any partner may ask for the outcome once the closing time has passed; under "lead decides"
    the convener gives `lead_ruling` with a `rationale`."""
    decision = _decision(request.auth, decision_id)
    require_perm(request.auth, "network.take_position", decision.partnership)
    services.decision_close(actor=request.auth, decision=decision, acting_for=_acting_for(payload.acting_for),
                            lead_ruling=payload.lead_ruling, rationale=payload.rationale,
                            review_date=payload.review_date)
    return _decision(request.auth, decision_id)


@router.post("/decisions/{decision_id}/rationale", response={200: DecisionDetailOut, **ERROR_RESPONSES},
             summary="Record the rationale and review date (the convener)")
def decision_rationale(request, decision_id: IdPath, payload: RationaleIn):
    decision = _decision(request.auth, decision_id)
    services.decision_record_rationale(actor=request.auth, decision=decision,
                                       acting_for=_acting_for(payload.acting_for), rationale=payload.rationale,
                                       review_date=payload.review_date, expected_version=payload.expected_version)
    return _decision(request.auth, decision_id)
