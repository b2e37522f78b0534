"""API: citizen feedback — feedback forms (channels), public responses, moderation and summaries.

Every write calls feedback.services, as the web pages do. Sending a response is public: no
account, no token, the same rate limits as the web form (429 with the usual error shape when
a sender or a flood is over them). Reading responses and moderating them is for the partners;
`acting_for` (an organisation's short name) says which of your organisations you act for.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
    MAX_ID,
    Id,
    IdPath,
    InputSchema,
    OrgSlug,
    SlugPath,
    Text,
    organisation_by_slug,
    require_perm,
    visible_partnership,
)
from joinery.api.errors import ERROR_RESPONSES, ErrorOut, validation_error_body
from joinery.core.exceptions import ValidationError
from joinery.network.api import PartnershipBrief, PersonBrief

from . import selectors, services
from .models import FeedbackChannel, FeedbackResponse, Trend
from .ratelimit import client_ip

router = Router(tags=["Citizen feedback"])

Scale = Annotated[int, Field(ge=1, le=5)]
TrendValue = Literal[tuple(Trend.values)]  # type: ignore[valid-type]
PUBLIC_RESPONSES = {**ERROR_RESPONSES, 429: ErrorOut}


# --- schemas -------------------------------------------------------------------------------

class ProgrammeBrief(Schema):
    id: int
    title: str


class ChannelOut(Schema):
    id: int
    partnership: PartnershipBrief
    title: str
    slug: str
    public_url: str = Field(description="The public form's path, to share.")
    programme: ProgrammeBrief | None
    service_name: str
    introduction: str
    is_open: bool
    responses: int | None = Field(None, description="Visible responses (partners only; null for others).")
    version: int = Field(description="Send it back as `expected_version` when you change the form.")
    created_at: dt.datetime

    @staticmethod
    def resolve_public_url(obj) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_responses(obj):
        return getattr(obj, "visible_count", None)


class ChannelIn(InputSchema):
    acting_for: OrgSlug = Field(description="The convener.")
    title: Annotated[Text, Field(max_length=200)]
    slug: Annotated[Text, Field(max_length=80)] = Field("", description="Made from the title when empty.")
    programme: Id | None = Field(None, description="A work programme of the partnership (or give service_name).")
    service_name: Annotated[Text, Field(max_length=200)] = ""
    introduction: Annotated[Text, Field(max_length=5000)] = ""


class ChannelPatch(InputSchema):
    """Send only the fields to change; `is_open: false` closes the form."""

    acting_for: OrgSlug
    expected_version: int | None = Field(None, ge=0, le=MAX_ID)
    title: Annotated[Text, Field(max_length=200)] = None
    slug: Annotated[Text, Field(max_length=80)] = None
    programme: Id | None = None
    service_name: Annotated[Text, Field(max_length=200)] = None
    introduction: Annotated[Text, Field(max_length=5000)] = None
    is_open: bool = None


class ResponseIn(InputSchema):
    going: Scale = Field(description="How is the service going? 1 very poor … 5 very good.")
    trend: TrendValue = Field(description="Is it getting better? better, same, worse or unsure.")
    feeling: Scale = Field(description="How do you feel about it? 1 very unhappy … 5 very happy.")
    comment: Annotated[Text, Field(max_length=services.MAX_COMMENT)] = ""
    contact: Annotated[Text, Field(max_length=services.MAX_CONTACT)] = Field(
        "", description="Optional: how to reach the sender. Only the partners see it.")


class ReceivedOut(Schema):
    received: bool
    detail: str


class ResponseOut(Schema):
    id: int
    submitted_at: dt.datetime
    going: int
    trend: str
    feeling: int
    comment: str
    contact: str | None = Field(description="Partners only; null for staff who are not partners.")
    language: str
    hidden: bool
    hidden_at: dt.datetime | None
    hidden_by: PersonBrief | None
    hidden_reason: str

    @staticmethod
    def resolve_hidden(obj) -> bool:
        return obj.hidden_at is not None

    @staticmethod
    def resolve_contact(obj):
        return obj.contact if getattr(obj, "show_contact", False) else None


class ResponsePageOut(Schema):
    items: list[ResponseOut]
    next_before: int | None = Field(description="Pass it as `before` for the next (older) page; null at the end.")


class ModerateIn(InputSchema):
    acting_for: OrgSlug
    reason: Annotated[Text, Field(max_length=services.MAX_REASON)] = ""


class FiguresOut(Schema):
    responses: int
    going: Decimal | None = Field(description="Mean rating, 1–5.")
    feeling: Decimal | None = Field(description="Mean feeling, 1–5.")
    better_share: Decimal | None = Field(description="% saying it is getting better among better/same/worse.")
    better: int
    same: int
    worse: int
    unsure: int


class MonthOut(FiguresOut):
    month: dt.date = Field(description="The first day of the month.")


class SummaryOut(Schema):
    total: FiguresOut
    months: list[MonthOut] = Field(description="Months with visible responses, newest first.")


# --- helpers -------------------------------------------------------------------------------

def _channel(person, pk: int, perm: str | None = None) -> FeedbackChannel:
    c = FeedbackChannel.objects.select_related("partnership", "programme").filter(pk=pk).first()
    if c is None or not person.has_perm("network.view_partnership", c.partnership):
        raise Http404
    if perm:
        require_perm(person, perm, c.partnership)
    return c


def _programme(pk):
    if pk is None:
        return None
    from joinery.programme.models import WorkProgramme

    p = WorkProgramme.objects.filter(pk=pk).first()
    if p is None:
        raise ValidationError({"programme": _("No work programme has this id.")})
    return p


def _counted(person, channel: FeedbackChannel) -> FeedbackChannel:
    if person.has_perm("feedback.read_responses", channel.partnership):
        channel.visible_count = selectors.channel_summary(channel=channel)["total"]["responses"]
    return channel


# --- channels ------------------------------------------------------------------------------

@router.get("/partnerships/{slug}/feedback/channels", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[ChannelOut], **ERROR_RESPONSES}, summary="A partnership's feedback forms")
def channel_list(request, slug: SlugPath):
    """Anyone who may see the partnership; `responses` (from the monthly tallies) for the partners only."""
    partnership = visible_partnership(request.auth, slug)
    rows = selectors.channels(partnership=partnership)
    if request.auth.has_perm("feedback.read_responses", partnership):
        for c in rows:
            c.visible_count = c.response_count
    return rows


@router.post("/partnerships/{slug}/feedback/channels", response={201: ChannelOut, **ERROR_RESPONSES},
             summary="Open a feedback form (the convener)")
def channel_create(request, slug: SlugPath, payload: ChannelIn):
    """One work programme of the partnership, or a named service: exactly one of the two."""
    partnership = visible_partnership(request.auth, slug)
    c = services.channel_create(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"),
        partnership=partnership, title=payload.title, slug=payload.slug, programme=_programme(payload.programme),
        service_name=payload.service_name, introduction=payload.introduction)
    return Status(201, _counted(request.auth, _channel(request.auth, c.pk)))


@router.patch("/feedback/channels/{channel_id}", response={200: ChannelOut, **ERROR_RESPONSES},
              summary="Change, close or reopen a feedback form (the convener)")
def channel_update(request, channel_id: IdPath, payload: ChannelPatch):
    """409 if someone changed the form since you read `version` (when you send `expected_version`)."""
    c = _channel(request.auth, channel_id)
    fields = payload.dict(exclude_unset=True)
    acting_for = organisation_by_slug(fields.pop("acting_for"), field="acting_for")
    expected_version = fields.pop("expected_version", None)
    for name in ("title", "is_open"):
        if name in fields and fields[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})
    for name in ("slug", "service_name", "introduction"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    if "programme" in fields:
        fields["programme"] = _programme(fields["programme"])
    services.channel_update(actor=request.auth, acting_for=acting_for, channel=c, expected_version=expected_version,
                            **fields)
    return _counted(request.auth, _channel(request.auth, c.pk))


@router.get("/feedback/channels/{channel_id}/summary",
            response={200: SummaryOut, **ERROR_RESPONSES}, summary="A feedback form's figures by month")
def channel_summary(request, channel_id: IdPath):
    """The partners: visible responses, mean ratings and the share saying it is getting better, by month."""
    c = _channel(request.auth, channel_id, "feedback.read_responses")
    return selectors.channel_summary(channel=c)


# --- responses -----------------------------------------------------------------------------

@router.post("/feedback/{slug}/responses", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
             response={201: ReceivedOut, **PUBLIC_RESPONSES}, summary="Send feedback (public, no account)")
def response_submit(request, slug: SlugPath, payload: ResponseIn):
    """Anyone. At most 5 responses per sender per form per hour, and a per-form limit per minute: over either,
    429 and nothing is stored. A closed form answers 400."""
    c = FeedbackChannel.objects.filter(slug=slug).first()
    if c is None:
        raise Http404
    try:
        services.response_submit(channel=c, going=payload.going, trend=payload.trend, feeling=payload.feeling,
                                 comment=payload.comment, contact=payload.contact,
                                 language=translation.get_language() or "", client_ip=client_ip(request))
    except services.FeedbackFlood as exc:
        return Status(429, validation_error_body(exc))
    return Status(201, {"received": True, "detail": _("Thank you for your feedback.")})


@router.get("/feedback/channels/{channel_id}/responses", response={200: ResponsePageOut, **ERROR_RESPONSES},
            summary="A feedback form's responses, newest first (partners)")
def response_list(request, channel_id: IdPath, before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                  limit: Annotated[int, Query(ge=1, le=100)] = 50):
    """Hidden responses included (`hidden`). Page with `before` = the `next_before` of the previous answer."""
    c = _channel(request.auth, channel_id, "feedback.read_responses")
    rows, next_before = selectors.responses_page(channel=c, before=before, limit=limit)
    show_contact = request.auth.has_perm("feedback.moderate", c.partnership)
    for r in rows:
        r.show_contact = show_contact
    return {"items": rows, "next_before": next_before}


def _response(person, pk: int) -> FeedbackResponse:
    r = (FeedbackResponse.objects.select_related("channel", "channel__partnership", "hidden_by")
         .filter(pk=pk).first())
    if r is None or not person.has_perm("network.view_partnership", r.channel.partnership):
        raise Http404
    require_perm(person, "feedback.read_responses", r.channel.partnership)
    return r


def _response_out(pk: int) -> FeedbackResponse:
    r = FeedbackResponse.objects.select_related("hidden_by").get(pk=pk)
    r.show_contact = True  # only partners moderate
    return r


@router.post("/feedback/responses/{response_id}/hide", response={200: ResponseOut, **ERROR_RESPONSES},
             summary="Hide an abusive response (partners)")
def response_hide(request, response_id: IdPath, payload: ModerateIn):
    """With a reason. It stops counting; the database and the audit trail keep it. Hiding twice is refused."""
    r = _response(request.auth, response_id)
    services.response_hide(actor=request.auth, acting_for=organisation_by_slug(payload.acting_for,
                                                                                 field="acting_for"),
                           response=r, reason=payload.reason)
    return _response_out(r.pk)


@router.post("/feedback/responses/{response_id}/unhide", response={200: ResponseOut, **ERROR_RESPONSES},
             summary="Show a hidden response again (partners)")
def response_unhide(request, response_id: IdPath, payload: ModerateIn):
    r = _response(request.auth, response_id)
    services.response_unhide(actor=request.auth, acting_for=organisation_by_slug(payload.acting_for,
                                                                                   field="acting_for"),
                             response=r, reason=payload.reason)
    return _response_out(r.pk)
