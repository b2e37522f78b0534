"""An iCalendar (RFC 5545) feed of agreements' review and expiry dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Agreement

PRODID = "-//Joinery//Agreement reviews//EN"


def _uid(agreement: Agreement, what: str) -> str:
    return f"agreement-{agreement.pk}-{what}@joinery"


def _url(agreement: Agreement) -> str:
    return settings.SITE_URL.rstrip("/") + agreement.get_absolute_url()


def _event(agreement: Agreement, what: str, day: dt.date, summary: str, description: str):
    from icalendar import Event

    e = Event()
    e.add("uid", _uid(agreement, what))
    # DTSTAMP: when the information last changed, so the feed is stable between changes.
    stamp = agreement.updated_at or timezone.now()
    e.add("dtstamp", stamp.astimezone(dt.UTC))
    e.add("last-modified", stamp.astimezone(dt.UTC))
    e.add("dtstart", day)
    e.add("dtend", day + dt.timedelta(days=1))
    e.add("summary", summary)
    e.add("description", description)
    e.add("url", _url(agreement))
    e.add("transp", "TRANSPARENT")
    e.add("categories", ["Joinery", "Agreement review" if what == "review" else "Agreement expiry"])
    return e


def review_calendar(agreements: Iterable[Agreement], *, name: str, language: str = "en") -> str:
    """One all-day VEVENT per review date (and per expiry date), with stable UIDs.

    Summaries are in English unless `language` says otherwise: a feed is read by calendar
    programs, not in a page whose language the reader chose.
    """
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    with translation.override(language):
        for a in agreements:
            if a.review_date:
                cal.add_component(_event(
                    a, "review", a.review_date, _("Review due: %(t)s") % {"t": a.title},
                    _("The partners review the agreement “%(t)s” (%(s)s) and decide to continue, vary or end it.")
                    % {"t": a.title, "s": a.get_status_display().lower()}))
            if a.expiry_date:
                cal.add_component(_event(
                    a, "expiry", a.expiry_date, _("Agreement expires: %(t)s") % {"t": a.title},
                    _("The agreement “%(t)s” (%(s)s) expires at the end of this day unless it is renewed.")
                    % {"t": a.title, "s": a.get_status_display().lower()}))
    return cal.to_ical().decode("utf-8")
