"""Reads about review meetings for the pages, the API and the calendar feed (bounded queries)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from joinery.risks.selectors import my_partner_organisations, partner_organisations  # noqa: F401  (re-exported)

from .models import Attendance, MeetingAction, MeetingStatus, ReviewMeeting

#: The feed carries meetings from this long ago onwards, at most FEED_LIMIT of them.
FEED_PAST = dt.timedelta(days=366)
FEED_LIMIT = 500
#: At most this many agreements or programmes are offered in the "what is reviewed" selects.
CHOICE_LIMIT = 200


def _base() -> QuerySet:
    return ReviewMeeting.objects.select_related("partnership", "agreement", "programme")


def upcoming(*, partnership, now: dt.datetime | None = None, limit: int = 50) -> list[ReviewMeeting]:
    """Scheduled meetings that have not ended, soonest first."""
    now = now or timezone.now()
    return list(_base().filter(partnership=partnership, status=MeetingStatus.SCHEDULED, ends_at__gte=now)
                .order_by("starts_at", "id")[:limit])


def past(*, partnership, now: dt.datetime | None = None) -> QuerySet:
    """Held, cancelled, and scheduled meetings that have ended (minutes still to record), latest first."""
    now = now or timezone.now()
    return (_base().filter(partnership=partnership)
            .filter(~Q(status=MeetingStatus.SCHEDULED) | Q(ends_at__lt=now))
            .order_by("-starts_at", "-id"))


def meeting_list(*, partnership, when: str = "") -> QuerySet:
    """For the API: `upcoming`, `past` or every meeting (latest first)."""
    now = timezone.now()
    if when == "upcoming":
        return (_base().filter(partnership=partnership, status=MeetingStatus.SCHEDULED, ends_at__gte=now)
                .order_by("starts_at", "id"))
    if when == "past":
        return past(partnership=partnership, now=now)
    return _base().filter(partnership=partnership).order_by("-starts_at", "-id")


def meeting_get(*, pk: int) -> ReviewMeeting:
    return _base().select_related("created_by").get(pk=pk)


def attendance_of(*, meeting) -> list[Attendance]:
    return list(meeting.attendance.select_related("organisation").order_by("organisation__name", "id"))


def actions_of(*, meeting) -> list[MeetingAction]:
    return list(meeting.actions.select_related("owner", "task").order_by("id"))


def feed_meetings(*, partnership) -> list[ReviewMeeting]:
    since = timezone.now() - FEED_PAST
    return list(_base().filter(partnership=partnership, starts_at__gte=since).order_by("starts_at", "id")
                [:FEED_LIMIT])


def reviewable_agreements(*, partnership) -> list:
    from joinery.agreements.models import AgreementStatus

    ended = [AgreementStatus.EXPIRED, AgreementStatus.TERMINATED, AgreementStatus.SUPERSEDED]
    return list(partnership.agreements.exclude(status__in=ended).order_by("title", "id")[:CHOICE_LIMIT])


def reviewable_programmes(*, partnership) -> list:
    return list(partnership.programmes.order_by("title", "id")[:CHOICE_LIMIT])
