"""API: the organisation directory, organisations and the people who represent them.

Writes call organisations.services, exactly as the web pages do.
"""

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from joinery.accounts.models import Person
from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
    Id,
    IdPath,
    InputSchema,
    Pagination,
    SlugPath,
    Text,
    fields_renamed,
    require_perm,
)
from joinery.api.errors import ERROR_RESPONSES
from joinery.core.exceptions import ValidationError

from . import selectors, services
from .models import Jurisdiction, Level, Organisation, Representative, RepresentativeRole, Sector

router = Router(tags=["organisations"])

# --- schemas -------------------------------------------------------------------------------


class JurisdictionOut(Schema):
    id: int
    name: str
    parent_id: int | None


class OrganisationOut(Schema):
    id: int
    slug: str
    name: str
    sector: str
    level: str
    jurisdiction: JurisdictionOut | None
    identifier_scheme: str
    identifier: str
    email: str
    phone: str
    address: str
    website: str
    description: str
    is_active: bool
    closed_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class OrganisationIn(InputSchema):
    name: Text
    sector: Sector
    level: Level | Literal[""] = ""
    jurisdiction: Id | None = None
    identifier_scheme: Text = ""
    identifier: Text = ""
    email: Text = ""
    phone: Text = ""
    address: Text = ""
    website: Text = ""
    description: Text = ""


class OrganisationPatch(InputSchema):
    """Send only the fields to change, with the `version` you read."""

    expected_version: int
    name: Text = None
    sector: Sector = None
    level: Level | Literal[""] = None
    jurisdiction: Id | None = None
    identifier_scheme: Text = None
    identifier: Text = None
    email: Text = None
    phone: Text = None
    address: Text = None
    website: Text = None
    description: Text = None


class ReasonIn(InputSchema):
    reason: Text


class PersonOut(Schema):
    id: int
    full_name: str
    email: str


class RepresentativeOut(Schema):
    id: int
    person: PersonOut
    role: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str
    successor_of_id: int | None


class RepresentativeIn(InputSchema):
    email: Text
    role: RepresentativeRole


class RepresentativeEndIn(InputSchema):
    reason: Text = Field("", max_length=300)


class HandOverIn(InputSchema):
    leaving: Id
    successor: Id
    reason: Text = Field("", max_length=300)


# --- helpers -------------------------------------------------------------------------------

def _jurisdiction(pk: int | None) -> Jurisdiction | None:
    if pk is None:
        return None
    found = Jurisdiction.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({"jurisdiction": _("There is no jurisdiction with this id.")})
    return found


def _person(pk: int, field: str) -> Person:
    found = Person.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError({field: _("There is no person with this id.")})
    return found


def _organisation(slug: str) -> Organisation:
    return get_object_or_404(Organisation.objects.select_related("jurisdiction"), slug=slug)


# --- endpoints -----------------------------------------------------------------------------

@router.get("/jurisdictions", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[JurisdictionOut], **ERROR_RESPONSES}, summary="Jurisdictions")
@paginate(Pagination)
def jurisdiction_list(request):
    return Jurisdiction.objects.order_by("name", "id")


@router.get("/organisations", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[OrganisationOut], **ERROR_RESPONSES}, summary="The organisation directory")
@paginate(Pagination)
def organisation_list(request, q: Text = "", sector: Sector | None = None, level: Level | None = None,
                      jurisdiction: Id | None = None):
    """Active organisations. `jurisdiction` also finds the organisations of places inside it."""
    return selectors.organisation_directory(query=q.strip(), sector=sector or "", level=level or "",
                                            jurisdiction_id=jurisdiction)


@router.post("/organisations", response={201: OrganisationOut, **ERROR_RESPONSES},
             summary="Register an organisation")
def organisation_create(request, payload: OrganisationIn):
    """You become its first administrator."""
    fields = payload.dict()
    fields["jurisdiction"] = _jurisdiction(fields["jurisdiction"])
    return Status(201, services.organisation_create(actor=request.auth, **fields))


@router.get("/organisations/{slug}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: OrganisationOut, **ERROR_RESPONSES}, summary="One organisation")
def organisation_detail(request, slug: SlugPath):
    return _organisation(slug)


@router.patch("/organisations/{slug}", response={200: OrganisationOut, **ERROR_RESPONSES},
              summary="Change an organisation")
def organisation_update(request, slug: SlugPath, payload: OrganisationPatch):
    """Administrators only. Refused with 409 if it changed since you read `version`."""
    organisation = _organisation(slug)
    fields = payload.dict(exclude_unset=True)
    expected_version = fields.pop("expected_version")
    if "jurisdiction" in fields:
        fields["jurisdiction"] = _jurisdiction(fields["jurisdiction"])
    return services.organisation_update(actor=request.auth, organisation=organisation,
                                        expected_version=expected_version, **fields)


@router.post("/organisations/{slug}/close", response={200: OrganisationOut, **ERROR_RESPONSES},
             summary="Close an organisation")
def organisation_close(request, slug: SlugPath, payload: ReasonIn):
    """Refused while the organisation is still a partner in any partnership."""
    return services.organisation_close(actor=request.auth, organisation=_organisation(slug),
                                       reason=payload.reason)


@router.get("/organisations/{slug}/representatives",
            response={200: list[RepresentativeOut], **ERROR_RESPONSES}, summary="Who represents it")
@paginate(Pagination)
def representative_list(request, slug: SlugPath, include_ended: bool = False):
    """Visible to its representatives and to administrators. `include_ended` adds past roles."""
    organisation = _organisation(slug)
    require_perm(request.auth, "organisations.view_representatives", organisation)
    if include_ended:
        return selectors.representative_history(organisation=organisation)
    return selectors.current_representatives(organisation=organisation)


@router.post("/organisations/{slug}/representatives", response={201: RepresentativeOut, **ERROR_RESPONSES},
             summary="Give a person a role")
def representative_add(request, slug: SlugPath, payload: RepresentativeIn):
    organisation = _organisation(slug)
    person = Person.objects.filter(email__iexact=payload.email.strip(), is_active=True).first()
    if person is None:
        raise ValidationError({"email": _("No one with this email address has an account yet. "
                                          "Ask them to sign up first.")})
    with fields_renamed(person="email"):
        rep = services.representative_add(actor=request.auth, organisation=organisation, person=person,
                                          role=payload.role)
    return Status(201, rep)


@router.post("/representatives/{representative_id}/end", response={200: RepresentativeOut, **ERROR_RESPONSES},
             summary="End a role")
def representative_end(request, representative_id: IdPath, payload: RepresentativeEndIn):
    rep = get_object_or_404(Representative, pk=representative_id)
    return services.representative_end(actor=request.auth, representative=rep, reason=payload.reason)


@router.post("/organisations/{slug}/hand-over", response={200: list[RepresentativeOut], **ERROR_RESPONSES},
             summary="Hand a person's roles to a successor")
def representative_hand_over(request, slug: SlugPath, payload: HandOverIn):
    """The successor must already represent the organisation. Answers the roles the successor gained."""
    organisation = _organisation(slug)
    created = services.representative_hand_over(
        actor=request.auth, organisation=organisation, leaving=_person(payload.leaving, "leaving"),
        successor=_person(payload.successor, "successor"), reason=payload.reason)
    return Representative.objects.filter(pk__in=[r.pk for r in created]).select_related("person")
