"""iCalendar (RFC 5545 / RFC 5546) for review meetings: one meeting's invitation and a partnership's feed.

The invitation is METHOD:REQUEST with the meeting's stable UID and its SEQUENCE, which every
reschedule or cancellation bumps, so calendar programs update the event they already have
instead of adding a second one. A cancelled meeting's invitation is METHOD:CANCEL with
STATUS:CANCELLED. Times are written in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import agenda as agenda_module
from .models import MeetingStatus, ReviewMeeting

PRODID = "-//Joinery//Review meetings//EN"


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _organizer_address() -> str:
    address = getattr(settings, "DEFAULT_FROM_EMAIL", "") or "noreply@joinery.invalid"
    if "<" in address:
        address = address.split("<", 1)[1].rstrip(">").strip()
    return f"mailto:{address}"


def _description(meeting: ReviewMeeting) -> str:
    lines = []
    if meeting.status == MeetingStatus.CANCELLED:
        lines += [_("This meeting is cancelled."), ""]
    lines.append(_("Review meeting of %(p)s.") % {"p": meeting.partnership.name})
    if meeting.agreement_id:
        lines.append(_("Agreement reviewed: %(t)s") % {"t": meeting.agreement.title})
    if meeting.programme_id:
        lines.append(_("Work programme reviewed: %(t)s") % {"t": meeting.programme.title})
    lines += ["", _("Agenda:")]
    for section in agenda_module.for_display(meeting.agenda):  # the items' sentences in the invitation's language
        n = len(section["items"]) + section["more"]
        lines.append("- " + _("%(h)s (%(n)d)") % {"h": section["heading"], "n": n})
        lines += ["  • " + item["text"] for item in section["items"]]
        if section["more"]:
            lines.append("  • " + ngettext("And %(n)s more.", "And %(n)s more.", section["more"])
                         % {"n": section["more"]})
    lines += ["", _("The agenda, with links: %(url)s") % {"url": _absolute(meeting.get_absolute_url())}]
    return "\n".join(lines)


def _event(meeting: ReviewMeeting):
    from icalendar import Event, vCalAddress

    e = Event()
    e.add("uid", str(meeting.uid))
    e.add("sequence", meeting.sequence)
    stamp = meeting.updated_at or timezone.now()
    e.add("dtstamp", stamp.astimezone(dt.UTC))
    e.add("last-modified", stamp.astimezone(dt.UTC))
    e.add("created", meeting.created_at.astimezone(dt.UTC))
    e.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
    e.add("dtend", meeting.ends_at.astimezone(dt.UTC))
    e.add("summary", meeting.title)
    if meeting.location:
        e.add("location", meeting.location)
    e.add("description", _description(meeting))
    e.add("url", _absolute(meeting.get_absolute_url()))
    e.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    organizer = vCalAddress(_organizer_address())
    organizer.params["cn"] = meeting.partnership.name
    e.add("organizer", organizer)
    e.add("categories", ["Joinery", "Review meeting"])
    return e


def _calendar(method: str, name: str):
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    return cal


def invitation(meeting: ReviewMeeting, *, language: str = "en") -> str:
    """The invitation to one meeting (METHOD:REQUEST; METHOD:CANCEL once cancelled)."""
    with translation.override(language):
        method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
        cal = _calendar(method, meeting.title)
        cal.add_component(_event(meeting))
    return cal.to_ical().decode("utf-8")


def feed(meetings: Iterable[ReviewMeeting], *, name: str, language: str = "en") -> str:
    """A subscribable feed of a partnership's meetings (METHOD:PUBLISH), cancelled ones marked so."""
    with translation.override(language):
        cal = _calendar("PUBLISH", name)
        for m in meetings:
            cal.add_component(_event(m))
    return cal.to_ical().decode("utf-8")


def invitation_url(meeting: ReviewMeeting) -> str:
    return _absolute(reverse("meetings:ics", args=[meeting.pk]))
