"""API: review meetings — schedule, reschedule, cancel, the agenda, minutes with attendance and actions.

Every write calls meetings.services, as the web pages do; `acting_for` (an organisation's short
name) says which of your organisations you act for. A meeting is visible to whoever may see its
partnership. Recording minutes turns each action into a task in the work programme, in one
transaction: if one action is refused, nothing is written.
"""


import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
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
from joinery.api.errors import ERROR_RESPONSES, ErrorOut, validation_error_body
from joinery.core.exceptions import ValidationError
from joinery.network.api import OrganisationBrief, PartnershipBrief, PersonBrief

from . import agenda as agenda_module
from . import selectors, services
from .models import ReviewMeeting

router = Router(tags=["review meetings"])



#: A date between 2000 and 2999.
Date = bounded_date(2000, 2999)


# --- schemas -------------------------------------------------------------------------------

class AgendaItemOut(Schema):
    """One agenda item: the facts recorded when the agenda was generated, and its sentence in your language."""

    kind: str = Field(description=(
        "overdue_task (facts: work_item_id, title, owner, due_date, days_overdue), "
        "commitment_behind (commitment_id, agreement_id, party, description, unit, contributed, expected_by_now, "
        "gap, committed), risk_above_appetite (risk_id, title, owner, score, appetite), "
        "decision_open (decision_id, title, closes_on), decision_review (decision_id, title, review_date), "
        "agreement_review (agreement_id, title, review_date, status); or text: an item recorded as a sentence "
        "only, without facts."))
    text: str = Field(description="The item as a sentence, in the language of the request (Accept-Language).")
    url: str
    facts: dict[str, str | int | None] = Field(description=(
        "Titles and names as entered, dates as ISO 8601 (YYYY-MM-DD), numbers and amounts as decimal strings "
        "(\"1250.50\"), ids as integers."))


class AgendaSectionOut(Schema):
    section: str = Field(description="overdue_tasks, commitments_behind, risks_above_appetite, "
                                     "decisions_to_revisit or agreement_reviews.")
    heading: str
    items: list[AgendaItemOut]
    more: int = Field(description="How many more items are due beyond those listed.")

    @staticmethod
    def resolve_section(obj) -> str:
        return obj["key"]


class AgendaOut(Schema):
    generated_at: dt.datetime | None
    sections: list[AgendaSectionOut]


class ReviewedBrief(Schema):
    id: int
    title: str


class MeetingOut(Schema):
    id: int
    partnership: PartnershipBrief
    agreement: ReviewedBrief | None
    programme: ReviewedBrief | None
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    status: str
    uid: str = Field(description="The iCalendar UID.")
    sequence: int = Field(description="The iCalendar SEQUENCE: bumped by each change and by cancellation.")
    ics_url: str
    held_at: dt.datetime | None
    version: int = Field(description="Send it back as `expected_version` when you change the meeting.")
    created_by: PersonBrief
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_uid(obj) -> str:
        return str(obj.uid)

    @staticmethod
    def resolve_ics_url(obj) -> str:
        from .ical import invitation_url

        return invitation_url(obj)


class AttendanceOut(Schema):
    organisation: OrganisationBrief
    present: bool
    attendees: str


class ActionOut(Schema):
    id: int
    title: str
    owner: OrganisationBrief
    due_date: dt.date | None
    task_id: int | None


class MeetingDetailOut(MeetingOut):
    agenda: AgendaOut
    minutes: str = Field(description="Markdown, as recorded; empty where the minutes are kept among the partners.")
    minutes_shown: bool = Field(description="false when the partnership keeps minutes, attendance and actions "
                                            "among its partners (see /partnerships/{slug}/publication).")
    attendance: list[AttendanceOut]
    actions: list[ActionOut]

    @staticmethod
    def resolve_agenda(obj) -> dict:
        return {"generated_at": obj.agenda_generated_at, "sections": agenda_module.for_display(obj.agenda)}

    @staticmethod
    def resolve_attendance(obj) -> list:
        return obj.attendance_

    @staticmethod
    def resolve_actions(obj) -> list:
        return obj.actions_


class MeetingIn(InputSchema):
    acting_for: OrgSlug
    title: Annotated[Text, Field(max_length=250)]
    starts_at: DateTime
    ends_at: DateTime
    location: Annotated[Text, Field(max_length=300)] = ""
    agreement: Id | None = Field(None, description="The agreement reviewed (of the same partnership).")
    programme: Id | None = Field(None, description="The work programme reviewed; actions become its tasks.")


class MeetingPatch(InputSchema):
    """Send only what changes, with the `version` you read as `expected_version`."""

    acting_for: OrgSlug
    expected_version: int = Field(ge=0, le=2**31 - 1)
    title: Annotated[Text, Field(max_length=250)] = None
    starts_at: DateTime = None
    ends_at: DateTime = None
    location: Annotated[Text, Field(max_length=300)] = None


class MeetingConflictOut(ErrorOut):
    theirs: MeetingOut = Field(description="The meeting as saved now.")


class CancelIn(InputSchema):
    acting_for: OrgSlug
    reason: Annotated[Text, Field(max_length=2000)]
    expected_version: int | None = Field(None, ge=0, le=2**31 - 1)


class ActingForIn(InputSchema):
    acting_for: OrgSlug


class AttendanceIn(InputSchema):
    organisation: OrgSlug
    present: bool
    attendees: Annotated[Text, Field(max_length=500)] = ""


class ActionIn(InputSchema):
    title: Annotated[Text, Field(max_length=250)]
    owner: OrgSlug = Field(description="The partner organisation that owns the action (and its task).")
    due_date: Date


class MinutesIn(InputSchema):
    acting_for: OrgSlug
    minutes: Annotated[Text, Field(max_length=100_000, description="Markdown.")]
    attendance: list[AttendanceIn] = Field(max_length=500)
    actions: list[ActionIn] = Field([], max_length=services.MAX_ACTIONS)
    expected_version: int | None = Field(None, ge=0, le=2**31 - 1)


# --- helpers -------------------------------------------------------------------------------

def _meeting(person, pk: int) -> ReviewMeeting:
    try:
        m = selectors.meeting_get(pk=pk)
    except ReviewMeeting.DoesNotExist as exc:
        raise Http404 from exc
    if not person.has_perm("meetings.view_meetings", m.partnership):
        raise Http404
    return m


def _detail(m: ReviewMeeting, person=None) -> ReviewMeeting:
    """The meeting with attendance and actions; without the minutes' record for those who may not see it."""
    m = selectors.meeting_get(pk=m.pk)
    m.minutes_shown = person is None or person.has_perm("network.see_minutes", m.partnership)
    m.attendance_ = selectors.attendance_of(meeting=m) if m.minutes_shown else []
    m.actions_ = selectors.actions_of(meeting=m) if m.minutes_shown else []
    if not m.minutes_shown:
        m.minutes = ""
    return m


def _reviewed(model_path: str, pk: int | None, field: str):
    if pk is None:
        return None
    if model_path == "agreement":
        from joinery.agreements.models import Agreement as Model
    else:
        from joinery.programme.models import WorkProgramme as Model
    obj = Model.objects.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: _("Nothing has this id.")})
    return obj


def _orgs(slugs: list[str], field: str) -> dict:
    from joinery.organisations.models import Organisation

    found = {o.slug: o for o in Organisation.objects.filter(slug__in=set(slugs))}
    missing = sorted(set(slugs) - set(found))
    if missing:
        raise ValidationError({field: _("No organisation has the short name “%(slug)s”.") % {"slug": missing[0]}})
    return found


# --- meetings ------------------------------------------------------------------------------

@router.get("/partnerships/{slug}/meetings", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[MeetingOut], **ERROR_RESPONSES}, summary="A partnership's review meetings")
@paginate(Pagination)
def meeting_list(request, slug: SlugPath, when: Literal["upcoming", "past", ""] = ""):
    """`upcoming` (soonest first), `past` (held, cancelled or ended; latest first), or all (latest first)."""
    partnership = visible_partnership(request.auth, slug, "meetings")
    return selectors.meeting_list(partnership=partnership, when=when).select_related("created_by")


@router.post("/partnerships/{slug}/meetings", response={201: MeetingDetailOut, **ERROR_RESPONSES},
             summary="Schedule a review meeting")
def meeting_schedule(request, slug: SlugPath, payload: MeetingIn):
    """Any active partner. The agenda is generated from what is due, and every partner's representatives are
    sent the invitation (`ics_url`)."""
    partnership = visible_partnership(request.auth, slug)
    m = services.meeting_schedule(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"),
        partnership=partnership, title=payload.title, starts_at=payload.starts_at, ends_at=payload.ends_at,
        location=payload.location, agreement=_reviewed("agreement", payload.agreement, "agreement"),
        programme=_reviewed("programme", payload.programme, "programme"))
    return Status(201, _detail(m))


@router.get("/meetings/{meeting_id}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: MeetingDetailOut, **ERROR_RESPONSES}, summary="One review meeting")
def meeting_detail(request, meeting_id: IdPath):
    """With its agenda, and once held its minutes, attendance and actions (with their tasks)."""
    return _detail(_meeting(request.auth, meeting_id), request.auth)


@router.get("/meetings/{meeting_id}/agenda", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: AgendaOut, **ERROR_RESPONSES}, summary="A meeting's agenda")
def meeting_agenda(request, meeting_id: IdPath):
    m = _meeting(request.auth, meeting_id)
    return {"generated_at": m.agenda_generated_at, "sections": agenda_module.for_display(m.agenda)}


@router.post("/meetings/{meeting_id}/agenda/refresh", response={200: AgendaOut, **ERROR_RESPONSES},
             summary="Bring a meeting's agenda up to date")
def meeting_refresh_agenda(request, meeting_id: IdPath, payload: ActingForIn):
    m = _meeting(request.auth, meeting_id)
    m = services.meeting_refresh_agenda(actor=request.auth, meeting=m,
                                        acting_for=organisation_by_slug(payload.acting_for, field="acting_for"))
    return {"generated_at": m.agenda_generated_at, "sections": agenda_module.for_display(m.agenda)}


@router.patch("/meetings/{meeting_id}", response={200: MeetingDetailOut, **ERROR_RESPONSES, 409: MeetingConflictOut},
              summary="Reschedule a meeting")
def meeting_reschedule(request, meeting_id: IdPath, payload: MeetingPatch):
    """Any active partner, while the meeting is scheduled; the SEQUENCE goes up and the partners are sent the
    update. If someone changed it since you read `version`, the answer is 409 with the meeting as it is now."""
    m = _meeting(request.auth, meeting_id)
    fields = payload.dict(exclude_unset=True)
    acting_for = organisation_by_slug(fields.pop("acting_for"), field="acting_for")
    expected_version = fields.pop("expected_version")
    for name in ("title", "starts_at", "ends_at", "location"):
        if name in fields and fields[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})
    try:
        m = services.meeting_reschedule(actor=request.auth, acting_for=acting_for, meeting=m,
                                        expected_version=expected_version, **fields)
    except services.MeetingConflict as exc:
        body = validation_error_body(exc)
        body["theirs"] = selectors.meeting_get(pk=exc.meeting.pk)
        return Status(409, body)
    return _detail(m)


@router.post("/meetings/{meeting_id}/cancel", response={200: MeetingDetailOut, **ERROR_RESPONSES},
             summary="Cancel a meeting")
def meeting_cancel(request, meeting_id: IdPath, payload: CancelIn):
    """With a reason, sent to every partner; the invitation becomes a cancellation (STATUS:CANCELLED)."""
    m = _meeting(request.auth, meeting_id)
    m = services.meeting_cancel(actor=request.auth, acting_for=organisation_by_slug(payload.acting_for,
                                                                                     field="acting_for"),
                                meeting=m, reason=payload.reason, expected_version=payload.expected_version)
    return _detail(m)


@router.post("/meetings/{meeting_id}/minutes", response={200: MeetingDetailOut, **ERROR_RESPONSES},
             summary="Record the minutes, attendance and actions")
def meeting_minutes(request, meeting_id: IdPath, payload: MinutesIn):
    """Once the meeting has taken place. Each action becomes a task in the work programme; if any part is
    refused, nothing is written."""
    m = _meeting(request.auth, meeting_id)
    orgs = _orgs([a.organisation for a in payload.attendance], "attendance") if payload.attendance else {}
    owners = _orgs([a.owner for a in payload.actions], "actions") if payload.actions else {}
    m = services.meeting_record_minutes(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"), meeting=m,
        minutes=payload.minutes,
        attendance=[(orgs[a.organisation], a.present, a.attendees) for a in payload.attendance],
        actions=[{"title": a.title, "owner": owners[a.owner], "due_date": a.due_date} for a in payload.actions],
        expected_version=payload.expected_version)
    return _detail(m)
