"""Writes about review meetings. Web, API and CLI call these; each is atomic and audited.

    scheduled ──record minutes──▶ held
        │  ▲ reschedule (SEQUENCE + 1)
        └──┴──cancel (SEQUENCE + 1)──▶ cancelled

Scheduling generates the agenda (see agenda.py) and sends every active partner's
representatives the invitation. Recording the minutes records attendance by organisation and
the actions agreed; each action becomes a task in the work programme, all in one transaction:
if one action cannot be created, nothing is written.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.network.models import PartnerStatus
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Organisation, Representative
from joinery.organisations.services import require_can_act_for

from . import agenda as agenda_module
from .models import Attendance, MeetingAction, MeetingStatus, ReviewMeeting

#: A meeting lasts at most this long (a review meeting, not a conference).
MAX_DURATION = dt.timedelta(hours=24)
#: Actions are due at most this long after the meeting.
MAX_ACTION_HORIZON = dt.timedelta(days=3 * 366)
MAX_ACTIONS = 50


class MeetingConflict(StaleEdit):
    """Someone changed the meeting after the editor opened it: the meeting as saved now, and yours."""

    def __init__(self, *, meeting: ReviewMeeting, yours: dict):
        super().__init__(_("Someone else changed this meeting after you opened it. Nothing was overwritten: "
                           "compare their version with yours below, then save again."))
        self.meeting = meeting
        self.yours = yours


# --- helpers -------------------------------------------------------------------------------

def _active_partner_ids(partnership) -> set[int]:
    return set(partnership.partners.filter(status=PartnerStatus.ACTIVE).values_list("organisation_id", flat=True))


def _require_partner(actor, partnership, acting_for) -> None:
    if acting_for is None or acting_for.pk not in _active_partner_ids(partnership):
        raise PermissionDenied(_("%(org)s is not a partner in %(p)s.")
                               % {"org": getattr(acting_for, "name", "?"), "p": partnership.name})
    require_can_act_for(actor, acting_for)


def _partner_people(partnership) -> list:
    reps = (Representative.objects.current().filter(organisation_id__in=list(_active_partner_ids(partnership)))
            .select_related("person"))
    return [r.person for r in reps]


def _lock(meeting: ReviewMeeting) -> ReviewMeeting:
    return (ReviewMeeting.objects.select_for_update(of=("self",))
            .select_related("partnership", "agreement", "programme").get(pk=meeting.pk))


def _audit(actor, action, meeting, acting_for, before=None, after=None):
    record_event(actor=actor, action=action, obj=meeting, acting_for=acting_for, partnership=meeting.partnership,
                 before=before, after=after)


def _when(meeting: ReviewMeeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    return formats.date_format(start, "DATETIME_FORMAT")


def _snapshot(m: ReviewMeeting) -> dict:
    return {"title": m.title, "starts_at": m.starts_at, "ends_at": m.ends_at, "location": m.location,
            "status": m.status, "sequence": m.sequence, "version": m.version}


def _validate_schedule(partnership, *, title, starts_at, ends_at, location, agreement=None, programme=None) -> dict:
    errors: dict[str, str] = {}
    title = (title or "").strip()
    location = (location or "").strip()
    if not title:
        errors["title"] = _("Give the meeting a title, for example “Quarterly review of the food plan”.")
    elif len(title) > ReviewMeeting._meta.get_field("title").max_length:
        errors["title"] = _("Keep the title to 250 characters or fewer.")
    if len(location) > ReviewMeeting._meta.get_field("location").max_length:
        errors["location"] = _("Keep the place or link to 300 characters or fewer.")
    if not isinstance(starts_at, dt.datetime):
        errors["starts_at"] = _("Give the date and time the meeting starts.")
    if not isinstance(ends_at, dt.datetime):
        errors["ends_at"] = _("Give the date and time the meeting ends.")
    if isinstance(starts_at, dt.datetime) and isinstance(ends_at, dt.datetime):
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        if timezone.is_naive(ends_at):
            ends_at = timezone.make_aware(ends_at)
        if ends_at <= starts_at:
            errors["ends_at"] = _("The meeting must end after it starts.")
        elif ends_at - starts_at > MAX_DURATION:
            errors["ends_at"] = _("A review meeting lasts at most 24 hours: check the end date.")
        if not 2000 <= starts_at.year <= 2999:
            errors["starts_at"] = _("Give a start between the years 2000 and 2999.")
    if agreement is not None and agreement.partnership_id != partnership.pk:
        errors["agreement"] = _("That agreement belongs to another partnership.")
    if programme is not None and programme.partnership_id != partnership.pk:
        errors["programme"] = _("That work programme belongs to another partnership.")
    if errors:
        raise ValidationError(errors)
    return {"title": title, "starts_at": starts_at, "ends_at": ends_at, "location": location}


def _refresh_agenda(meeting: ReviewMeeting) -> None:
    meeting.agenda = agenda_module.generate(partnership=meeting.partnership, starts_at=meeting.starts_at)
    meeting.agenda_generated_at = timezone.now()


def _notify_partners(meeting: ReviewMeeting, title, body=lambda: "") -> None:
    from . import ical

    ics = ical.invitation_url(meeting)

    def full_body():
        parts = [str(body())] if str(body()) else []
        parts.append(_("When: %(when)s") % {"when": _when(meeting)})
        if meeting.location:
            parts.append(_("Where: %(where)s") % {"where": meeting.location})
        parts.append(_("Add it to your calendar: %(url)s") % {"url": ics})
        return "\n".join(parts)

    notify(recipients=_partner_people(meeting.partnership), kind=NotificationKind.MEETING, title=title,
           body=full_body, url=meeting.get_absolute_url())


# --- schedule, reschedule, cancel ----------------------------------------------------------

@transaction.atomic
def meeting_schedule(*, actor, acting_for: Organisation, partnership, title: str, starts_at: dt.datetime,
                     ends_at: dt.datetime, location: str = "", agreement=None, programme=None) -> ReviewMeeting:
    """A partner schedules a review of the partnership, one agreement or one work programme."""
    _require_partner(actor, partnership, acting_for)
    data = _validate_schedule(partnership, title=title, starts_at=starts_at, ends_at=ends_at, location=location,
                              agreement=agreement, programme=programme)
    m = ReviewMeeting(partnership=partnership, agreement=agreement, programme=programme, created_by=actor, **data)
    _refresh_agenda(m)
    m.full_clean()
    m.save()
    _audit(actor, "meeting.scheduled", m, acting_for,
           after={**_snapshot(m), "agreement": agreement.pk if agreement else None,
                  "programme": programme.pk if programme else None, "uid": str(m.uid)})
    _notify_partners(m, title=lambda: _("Review meeting on %(when)s: %(t)s") % {"when": _when(m), "t": m.title})
    return m


@transaction.atomic
def meeting_reschedule(*, actor, acting_for: Organisation, meeting: ReviewMeeting, expected_version: int | None,
                       title: str | None = None, starts_at: dt.datetime | None = None,
                       ends_at: dt.datetime | None = None, location: str | None = None) -> ReviewMeeting:
    """Move or rename a scheduled meeting. A change based on an older version is refused (MeetingConflict)."""
    m = _lock(meeting)
    _require_partner(actor, m.partnership, acting_for)
    yours = {"title": m.title if title is None else title, "starts_at": starts_at or m.starts_at,
             "ends_at": ends_at or m.ends_at, "location": m.location if location is None else location}
    if expected_version is None:
        raise ValidationError({"expected_version": _("Send the version of the meeting you read.")})
    if int(expected_version) != m.version:
        raise MeetingConflict(meeting=m, yours=yours)
    if m.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("This meeting is %(s)s: it can no longer be changed.")
                              % {"s": m.get_status_display().lower()})
    data = _validate_schedule(m.partnership, **yours)
    before = _snapshot(m)
    if all(getattr(m, k) == v for k, v in data.items()):
        return m
    moved = (data["starts_at"], data["ends_at"]) != (m.starts_at, m.ends_at)
    for k, v in data.items():
        setattr(m, k, v)
    if moved:
        _refresh_agenda(m)  # what is due depends on the date
    m.sequence += 1
    m.version += 1
    m.full_clean()
    m.save()
    _audit(actor, "meeting.rescheduled", m, acting_for, before=before, after=_snapshot(m))
    _notify_partners(m, title=lambda: _("Review meeting changed: %(t)s, now on %(when)s")
                     % {"t": m.title, "when": _when(m)})
    return m


@transaction.atomic
def meeting_cancel(*, actor, acting_for: Organisation, meeting: ReviewMeeting, reason: str,
                   expected_version: int | None = None) -> ReviewMeeting:
    m = _lock(meeting)
    _require_partner(actor, m.partnership, acting_for)
    if expected_version is not None and int(expected_version) != m.version:
        raise StaleEdit()
    if m.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("This meeting is %(s)s: it cannot be cancelled.")
                              % {"s": m.get_status_display().lower()})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the meeting is cancelled, for the partners.")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("Keep the reason to 2,000 characters or fewer.")})
    before = _snapshot(m)
    m.status = MeetingStatus.CANCELLED
    m.sequence += 1
    m.version += 1
    m.save()
    _audit(actor, "meeting.cancelled", m, acting_for, before=before, after={**_snapshot(m), "reason": reason})
    _notify_partners(m, title=lambda: _("Review meeting cancelled: %(t)s on %(when)s")
                     % {"t": m.title, "when": _when(m)}, body=lambda: reason)
    return m


@transaction.atomic
def meeting_refresh_agenda(*, actor, acting_for: Organisation, meeting: ReviewMeeting) -> ReviewMeeting:
    """Regenerate the agenda from what is due now (the previous one is kept in the audit record)."""
    m = _lock(meeting)
    _require_partner(actor, m.partnership, acting_for)
    if m.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("The agenda of a meeting that is %(s)s is kept as it was.")
                              % {"s": m.get_status_display().lower()})
    before = {"agenda": m.agenda, "agenda_generated_at": m.agenda_generated_at}
    _refresh_agenda(m)
    m.version += 1
    m.save()
    _audit(actor, "meeting.agenda_refreshed", m, acting_for, before=before,
           after={"agenda": m.agenda, "agenda_generated_at": m.agenda_generated_at})
    return m


# --- minutes -------------------------------------------------------------------------------

def _clean_attendance(partner_ids: set[int], attendance) -> tuple[list[tuple], dict]:
    rows, errors, seen = [], [], set()
    for n, row in enumerate(attendance or [], start=1):
        try:
            org, present, attendees = row
        except (TypeError, ValueError):
            errors.append(_("Attendance row %(n)d: give the organisation, whether it was present and who came.")
                          % {"n": n})
            continue
        if not isinstance(org, Organisation) or org.pk not in partner_ids:
            errors.append(_("Attendance row %(n)d: %(org)s is not an active partner.")
                          % {"n": n, "org": getattr(org, "name", org)})
            continue
        if org.pk in seen:
            errors.append(_("%(org)s is listed twice in the attendance.") % {"org": org.name})
            continue
        seen.add(org.pk)
        attendees = (attendees or "").strip()
        if len(attendees) > Attendance._meta.get_field("attendees").max_length:
            errors.append(_("%(org)s: keep who attended to 500 characters or fewer.") % {"org": org.name})
            continue
        rows.append((org, bool(present), attendees))
    if not errors and not any(present for _org, present, _who in rows):
        errors.append(_("Record at least one organisation as present."))
    return rows, ({"attendance": errors} if errors else {})


def _clean_actions(partner_ids: set[int], actions, meeting_date: dt.date) -> tuple[list[dict], dict]:
    rows, errors = [], []
    actions = list(actions or [])
    if len(actions) > MAX_ACTIONS:
        return [], {"actions": [_("Record at most %(n)d actions at once.") % {"n": MAX_ACTIONS}]}
    latest = meeting_date + MAX_ACTION_HORIZON
    for n, action in enumerate(actions, start=1):
        if not isinstance(action, dict):
            errors.append(_("Action %(n)d: give its title, owner and due date.") % {"n": n})
            continue
        title = (action.get("title") or "").strip()
        owner = action.get("owner")
        due = action.get("due_date")
        problems = []
        if not title:
            problems.append(_("say what is to be done"))
        elif len(title) > MeetingAction._meta.get_field("title").max_length:
            problems.append(_("keep the title to 250 characters or fewer"))
        if not isinstance(owner, Organisation):
            problems.append(_("choose the organisation that owns it"))
        elif owner.pk not in partner_ids:
            problems.append(_("%(org)s is not an active partner, so it cannot own an action") % {"org": owner.name})
        if not isinstance(due, dt.date) or isinstance(due, dt.datetime):
            problems.append(_("give a due date"))
        elif due < meeting_date:
            problems.append(_("the due date is before the meeting"))
        elif due > latest:
            problems.append(_("the due date is more than three years after the meeting"))
        if problems:
            errors.append(_("Action %(n)d: %(problems)s.") % {"n": n, "problems": "; ".join(str(p) for p in problems)})
            continue
        rows.append({"title": title, "owner": owner, "due_date": due})
    return rows, ({"actions": errors} if errors else {})


@transaction.atomic
def meeting_record_minutes(*, actor, acting_for: Organisation, meeting: ReviewMeeting, minutes: str,
                           attendance: list, actions: list, expected_version: int | None = None) -> ReviewMeeting:
    """Record that the meeting was held: minutes, attendance by organisation, and actions.

    Each action becomes a task in the work programme (the meeting's own, or the one
    `programme.services.programme_for_actions` gives), owned by the action's organisation.
    Everything is written in this one transaction: if any part is refused, nothing is.
    """
    from joinery.programme import services as programme_services

    m = _lock(meeting)
    _require_partner(actor, m.partnership, acting_for)
    if expected_version is not None and int(expected_version) != m.version:
        raise StaleEdit()
    if m.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled: it has no minutes."))
    if m.status == MeetingStatus.HELD:
        raise ValidationError(_("The minutes of this meeting are already recorded."))
    meeting_date = timezone.localtime(m.starts_at).date()
    if meeting_date > timezone.localdate():
        raise ValidationError(_("This meeting has not taken place yet: record its minutes on or after %(d)s.")
                              % {"d": formats.date_format(meeting_date, "DATE_FORMAT")})
    errors: dict[str, list] = {}
    minutes = (minutes or "").strip()
    if not minutes:
        errors["minutes"] = [_("Write the minutes: what was discussed and agreed.")]
    elif len(minutes) > 100_000:
        errors["minutes"] = [_("The minutes are too long (at most 100,000 characters).")]
    partner_ids = _active_partner_ids(m.partnership)
    attendance_rows, attendance_errors = _clean_attendance(partner_ids, attendance)
    action_rows, action_errors = _clean_actions(partner_ids, actions, meeting_date)
    errors.update(attendance_errors)
    errors.update(action_errors)
    if errors:
        raise ValidationError(errors)

    Attendance.objects.bulk_create([Attendance(meeting=m, organisation=org, present=present, attendees=who)
                                    for org, present, who in attendance_rows])
    programme = None
    if action_rows:
        programme = m.programme or programme_services.programme_for_actions(
            actor=actor, acting_for=acting_for, partnership=m.partnership, agreement=m.agreement)
    created = []
    for row in action_rows:
        task = programme_services.work_item_create(
            actor=actor, acting_for=acting_for, programme=programme, kind="task", title=row["title"],
            owner=row["owner"], due_date=row["due_date"],
            description=_("Agreed at the review meeting “%(t)s” on %(d)s.")
            % {"t": m.title, "d": formats.date_format(meeting_date, "DATE_FORMAT")})
        created.append(MeetingAction.objects.create(meeting=m, task=task, **row))
    before = _snapshot(m)
    m.minutes = minutes
    m.status = MeetingStatus.HELD
    m.held_at = timezone.now()
    m.version += 1
    m.save()
    _audit(actor, "meeting.minutes_recorded", m, acting_for, before=before,
           after={"status": m.status, "minutes": minutes,
                  "attendance": [{"organisation": org.pk, "present": present, "attendees": who}
                                 for org, present, who in attendance_rows],
                  "actions": [{"id": a.pk, "title": a.title, "owner": a.owner_id, "due_date": a.due_date,
                               "task": a.task_id} for a in created],
                  "programme": programme.pk if programme else None})
    notify(recipients=_partner_people(m.partnership), kind=NotificationKind.MEETING,
           title=lambda: ngettext("Minutes of %(t)s are recorded, with %(n)d action",
                                  "Minutes of %(t)s are recorded, with %(n)d actions", len(created))
           % {"t": m.title, "n": len(created)},
           url=m.get_absolute_url())
    return m
