"""Writes about citizen feedback. Web, API and CLI call these; each is atomic and audited.

- The convener sets up feedback forms (channels), one per programme or named service.
- Anyone answers a form without an account; partners type in answers given on paper. A filled honeypot is dropped quietly; a sender
  or a flood over the limits is refused (`FeedbackFlood`); the limits are counted from the
  stored responses, so they hold across web workers without a shared cache.
- Partners hide abusive responses with a reason and can show them again. Nothing is deleted:
  a hidden response stops counting in the monthly tally, and the audit keeps what it said.

The monthly `FeedbackTally` moves in the same transaction as each response, hide and unhide,
with F() increments, so it always equals the visible responses counted by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DateField, F, Q, Sum
from django.db.models.functions import Trunc
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, ValidationError, check_version
from joinery.network.models import PartnerRole, PartnerStatus
from joinery.network.permissions import MANAGING_ROLES
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Representative
from joinery.organisations.services import require_can_act_for

from .models import FeedbackChannel, FeedbackResponse, FeedbackTally, Feeling, Rating, Trend

MAX_COMMENT = 2000
MAX_CONTACT = 200
MAX_INTRODUCTION = 5000
MAX_REASON = 2000
#: Responses one sender may send to one form in an hour.
PER_SENDER_PER_HOUR = 5
#: Responses one form takes in a minute from everyone together, unless settings say otherwise.
DEFAULT_FLOOD_PER_MINUTE = 120
#: Slugs that would clash with the API's paths under /feedback/.
RESERVED_SLUGS = {"channels", "responses", "new"}
EDITABLE_FIELDS = ("title", "slug", "programme", "service_name", "introduction", "is_open")
_TREND_FIELD = {Trend.BETTER: "better", Trend.SAME: "same", Trend.WORSE: "worse", Trend.UNSURE: "unsure"}
_SLUG_RE = re.compile(r"^[-a-z0-9]+$")


class FeedbackFlood(ValidationError):
    """Too many responses from one sender, or to one form at once. Nothing was stored."""

    def __init__(self, message):
        super().__init__(message, code="flood")


class HoneypotFilled(Exception):
    """A robot filled the field people cannot see. Callers answer as if all went well and store nothing."""


# --- helpers -------------------------------------------------------------------------------

def _active_partner_ids(partnership) -> set[int]:
    return set(partnership.partners.filter(status=PartnerStatus.ACTIVE).values_list("organisation_id", flat=True))


def _require_partner(actor, partnership, acting_for) -> None:
    if acting_for is None or acting_for.pk not in _active_partner_ids(partnership):
        raise PermissionDenied(_("%(org)s is not a partner in %(p)s.")
                               % {"org": getattr(acting_for, "name", "?"), "p": partnership.name})
    require_can_act_for(actor, acting_for)


def _require_convener(actor, partnership, acting_for) -> None:
    is_convener = acting_for is not None and partnership.partners.filter(
        status=PartnerStatus.ACTIVE, role=PartnerRole.CONVENER, organisation=acting_for).exists()
    if not is_convener:
        raise PermissionDenied(_("Only the convener of %(p)s can set up feedback forms.") % {"p": partnership.name})
    require_can_act_for(actor, acting_for, roles=MANAGING_ROLES)


def _partner_people(partnership, *, except_person=None) -> list:
    reps = (Representative.objects.current().filter(organisation_id__in=list(_active_partner_ids(partnership)))
            .select_related("person"))
    return [r.person for r in reps if except_person is None or r.person_id != except_person.pk]


def _storable(text: str) -> bool:
    return "\x00" not in text


def _channel_snapshot(c: FeedbackChannel) -> dict:
    return {"title": c.title, "slug": c.slug, "programme": c.programme_id, "service_name": c.service_name,
            "introduction": c.introduction, "is_open": c.is_open, "version": c.version}


def _unique_slug(base: str, *, exclude_pk=None) -> str:
    base = (slugify(base)[:70].strip("-") or "feedback")
    if base in RESERVED_SLUGS:
        base = f"{base}-form"
    taken = set(FeedbackChannel.objects.filter(slug__startswith=base).exclude(pk=exclude_pk)
                .values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _validate_channel(partnership, data: dict, *, exclude_pk=None) -> dict:
    """Check a channel's fields; returns them cleaned. Raises ValidationError with every problem at once."""
    errors: dict[str, str] = {}
    out = dict(data)
    out["title"] = (data.get("title") or "").strip()
    if not out["title"]:
        errors["title"] = _("Give the feedback form a title, for example the service's name.")
    elif len(out["title"]) > 200:
        errors["title"] = _("Keep the title to 200 characters or fewer.")
    out["service_name"] = (data.get("service_name") or "").strip()
    if len(out["service_name"]) > 200:
        errors["service_name"] = _("Keep the service's name to 200 characters or fewer.")
    out["introduction"] = (data.get("introduction") or "").strip()
    if len(out["introduction"]) > MAX_INTRODUCTION:
        errors["introduction"] = _("Keep the introduction to 5,000 characters or fewer.")
    for name in ("title", "service_name", "introduction"):
        if name not in errors and not _storable(out[name]):
            errors[name] = _("Text cannot contain NUL characters.")
    programme = data.get("programme")
    if programme is not None and programme.partnership_id != partnership.pk:
        errors["programme"] = _("That work programme belongs to another partnership.")
    if programme is None and not out["service_name"] and "service_name" not in errors:
        errors["programme"] = _("Choose the work programme people are asked about, or name the service.")
    elif programme is not None and out["service_name"]:
        errors["service_name"] = _("Choose a work programme or name a service, not both.")
    slug = (data.get("slug") or "").strip().lower()
    if slug:
        if len(slug) > 80 or not _SLUG_RE.match(slug):
            errors["slug"] = _("Use only lower-case letters, numbers and hyphens, at most 80 characters.")
        elif slug in RESERVED_SLUGS:
            errors["slug"] = _("“%(slug)s” is reserved: choose another web address.") % {"slug": slug}
        elif FeedbackChannel.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
            errors["slug"] = _("Another feedback form already uses the web address “%(slug)s”.") % {"slug": slug}
    out["slug"] = slug
    if errors:
        raise ValidationError(errors)
    if not out["slug"]:
        out["slug"] = _unique_slug(out["title"], exclude_pk=exclude_pk)
    return out


def _month(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment).replace(day=1)


def _bump(response: FeedbackResponse, sign: int) -> None:
    """Add (+1) or take away (-1) one response from its month's tally, exactly under concurrency.

    get_or_create survives the race of two first responses of a month (it retries the read after
    the unique constraint refuses the second insert); the F() update adds in the database.
    """
    month = _month(response.submitted_at)
    tally, _created = FeedbackTally.objects.get_or_create(channel_id=response.channel_id, month=month)
    changes = {
        "responses": F("responses") + sign,
        "going_sum": F("going_sum") + sign * response.going,
        "feeling_sum": F("feeling_sum") + sign * response.feeling,
        _TREND_FIELD[response.trend]: F(_TREND_FIELD[response.trend]) + sign,
    }
    FeedbackTally.objects.filter(pk=tally.pk).update(**changes)


def client_hash(client_ip: str, moment: dt.datetime) -> str:
    """HMAC-SHA256 of the sender's address and the (UTC) day: slows a flood, never names the person."""
    if not client_ip:
        return ""
    day = moment.astimezone(dt.UTC).date().isoformat()
    return hmac.new(settings.SECRET_KEY.encode(), f"{client_ip}|{day}".encode(), hashlib.sha256).hexdigest()


def flood_per_minute() -> int:
    return int(getattr(settings, "JOINERY_FEEDBACK_FLOOD_PER_MINUTE", DEFAULT_FLOOD_PER_MINUTE))


def _check_rate(channel: FeedbackChannel, client_ip: str, now: dt.datetime) -> str:
    """Refuse a sender over their hourly limit or a form flooded this minute; returns the sender's hash."""
    own = client_hash(client_ip, now)
    if own:
        hour_ago = now - dt.timedelta(hours=1)
        # The hash changes at midnight (UTC): within the hour, yesterday's hash is the same sender.
        hashes = {own, client_hash(client_ip, hour_ago)}
        sent = (FeedbackResponse.objects.filter(channel=channel, client_hash__in=hashes, submitted_at__gt=hour_ago)
                .order_by()[:PER_SENDER_PER_HOUR].count())
        if sent >= PER_SENDER_PER_HOUR:
            raise FeedbackFlood(_("You have already sent %(n)d responses to this form in the last hour. Thank you: "
                                  "please try again later.") % {"n": PER_SENDER_PER_HOUR})
    limit = flood_per_minute()
    recent = (FeedbackResponse.objects.filter(channel=channel, submitted_at__gt=now - dt.timedelta(minutes=1))
              .order_by()[:limit].count())
    if recent >= limit:
        raise FeedbackFlood(_("This form is receiving too many responses at once. Nothing was saved: please wait a "
                              "minute and send it again."))
    return own


def _choice(value, choices, field: str, errors: dict, message: str, *, number: bool):
    if number:
        try:
            value = int(value)
        except (TypeError, ValueError):
            errors[field] = message
            return None
    if value not in choices:
        errors[field] = message
        return None
    return value


# --- channels ------------------------------------------------------------------------------

@transaction.atomic
def channel_create(*, actor, acting_for, partnership, title: str, slug: str = "", programme=None,
                   service_name: str = "", introduction: str = "") -> FeedbackChannel:
    """The convener opens a public feedback form for one programme or one named service."""
    _require_convener(actor, partnership, acting_for)
    data = _validate_channel(partnership, dict(title=title, slug=slug, programme=programme,
                                               service_name=service_name, introduction=introduction))
    channel = FeedbackChannel.objects.create(partnership=partnership, created_by=actor, **data)
    record_event(actor=actor, action="feedback.channel_created", obj=channel, acting_for=acting_for,
                 partnership=partnership, after=_channel_snapshot(channel))
    url = reverse("feedback:public_form", args=[channel.slug])
    notify(recipients=_partner_people(partnership, except_person=actor), kind=NotificationKind.FEEDBACK,
           title=lambda: _("%(p)s has a new citizen feedback form: %(t)s") % {"p": partnership.name,
                                                                             "t": channel.title},
           body=lambda: _("Share its public address with the people who use the service."), url=url)
    return channel


@transaction.atomic
def channel_update(*, actor, acting_for, channel: FeedbackChannel, expected_version: int | None = None,
                   **fields) -> FeedbackChannel:
    """The convener changes a feedback form, or closes and reopens it (`is_open`)."""
    c = _lock_channel(channel)
    _require_convener(actor, c.partnership, acting_for)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    check_version(c, expected_version)
    merged = {name: getattr(c, name) for name in EDITABLE_FIELDS}
    merged.update(fields)
    is_open = merged.pop("is_open")
    if not isinstance(is_open, bool):
        raise ValidationError({"is_open": _("Say whether the form is open: true or false.")})
    if "slug" in fields and not (fields["slug"] or "").strip():
        merged["slug"] = c.slug  # an emptied address keeps the one already shared
    data = _validate_channel(c.partnership, merged, exclude_pk=c.pk)
    before = _channel_snapshot(c)
    for name, value in data.items():
        setattr(c, name, value)
    c.is_open = is_open
    after = _channel_snapshot(c)
    if after == before:
        return c
    c.version += 1
    c.save()
    after["version"] = c.version
    record_event(actor=actor, action="feedback.channel_updated", obj=c, acting_for=acting_for,
                 partnership=c.partnership, before=before, after=after)
    return c


# --- responses -----------------------------------------------------------------------------

def response_submit(*, channel: FeedbackChannel, going, trend, feeling, comment: str = "", contact: str = "",
                    language: str = "", client_ip: str = "", honeypot: str = "") -> FeedbackResponse:
    """Anyone answers a feedback form, without an account.

    Raises HoneypotFilled (store nothing, answer "thank you"), ValidationError for a closed form or
    bad answers, FeedbackFlood over the rate limits.
    """
    if (honeypot or "").strip():
        raise HoneypotFilled()
    return _response_submit(channel=channel, going=going, trend=trend, feeling=feeling, comment=comment,
                            contact=contact, language=language, client_ip=client_ip)


@transaction.atomic
def _response_submit(*, channel, going, trend, feeling, comment, contact, language, client_ip):
    # Locking the form serialises its submissions, so the rate counts below are exact across workers.
    ch = _lock_channel(channel)
    if not ch.is_open:
        raise ValidationError(_("This feedback form is closed: it no longer takes responses."), code="closed")
    answers = _clean_answers(going=going, trend=trend, feeling=feeling, comment=comment, contact=contact)
    now = timezone.now()
    sender = _check_rate(ch, client_ip, now)
    response = FeedbackResponse.objects.create(channel=ch, submitted_at=now, client_hash=sender,
                                               language=language if language in dict(settings.LANGUAGES) else "",
                                               **answers)
    _bump(response, +1)
    # No comment, no contact, no hash: the audit trail carries no personal data of the sender.
    record_event(actor=None, action="feedback.response_submitted", obj=response, partnership=ch.partnership,
                 after=_submitted_event(response))
    return response


@transaction.atomic
def response_record(*, actor, acting_for, channel: FeedbackChannel, submitted_at: dt.datetime, going, trend,
                    feeling, comment: str = "", contact: str = "", language: str = "") -> FeedbackResponse:
    """A partner types in an answer given on paper (or by phone), on the day it was given.

    No rate limit (a partner is typing), and a closed form still takes answers collected while it was open.
    """
    ch = _lock_channel(channel)
    _require_partner(actor, ch.partnership, acting_for)
    answers = _clean_answers(going=going, trend=trend, feeling=feeling, comment=comment, contact=contact)
    if not isinstance(submitted_at, dt.datetime) or timezone.is_naive(submitted_at):
        raise ValidationError({"submitted_at": _("Give the date and time the answer was given.")})
    if submitted_at > timezone.now() or submitted_at.year < 2000:
        raise ValidationError({"submitted_at": _("The answer's date cannot be in the future or before 2000.")})
    response = FeedbackResponse.objects.create(channel=ch, submitted_at=submitted_at,
                                               language=language if language in dict(settings.LANGUAGES) else "",
                                               **answers)
    _bump(response, +1)
    record_event(actor=actor, action="feedback.response_recorded", obj=response, acting_for=acting_for,
                 partnership=ch.partnership, after=_submitted_event(response))
    return response


def _lock_channel(channel) -> FeedbackChannel:
    return FeedbackChannel.objects.select_for_update(of=("self",)).select_related("partnership").get(pk=channel.pk)


def _submitted_event(r: FeedbackResponse) -> dict:
    return {"channel": r.channel_id, "going": r.going, "trend": r.trend, "feeling": r.feeling,
            "month": _month(r.submitted_at)}


def _clean_answers(*, going, trend, feeling, comment, contact) -> dict:
    """The answers checked and cleaned; ValidationError with every problem at once."""
    errors: dict[str, str] = {}
    going = _choice(going, Rating.values, "going", errors, _("Choose how the service is going, from 1 to 5."),
                    number=True)
    feeling = _choice(feeling, Feeling.values, "feeling", errors,
                      _("Choose how you feel about the service, from 1 to 5."), number=True)
    trend = _choice(trend, Trend.values, "trend", errors, _("Choose whether the service is getting better."),
                    number=False)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("Keep your comment to 2,000 characters or fewer (it has %(n)d).") % {"n": len(comment)}
    elif not _storable(comment):
        errors["comment"] = _("Text cannot contain NUL characters.")
    contact = (contact or "").strip()
    if len(contact) > MAX_CONTACT:
        errors["contact"] = _("Keep your contact details to 200 characters or fewer.")
    elif not _storable(contact):
        errors["contact"] = _("Text cannot contain NUL characters.")
    if errors:
        raise ValidationError(errors)
    return {"going": going, "trend": trend, "feeling": feeling, "comment": comment, "contact": contact}


def _lock_response(response: FeedbackResponse) -> FeedbackResponse:
    return (FeedbackResponse.objects.select_for_update(of=("self",))
            .select_related("channel", "channel__partnership").get(pk=response.pk))


def _response_snapshot(r: FeedbackResponse) -> dict:
    return {"going": r.going, "trend": r.trend, "feeling": r.feeling, "comment": r.comment,
            "hidden_at": r.hidden_at, "hidden_by": r.hidden_by_id, "hidden_reason": r.hidden_reason}


@transaction.atomic
def response_hide(*, actor, acting_for, response: FeedbackResponse, reason: str) -> FeedbackResponse:
    """A partner hides an abusive response. It stops counting; the database and the audit keep it."""
    r = _lock_response(response)
    partnership = r.channel.partnership
    _require_partner(actor, partnership, acting_for)
    if r.hidden_at is not None:
        raise ValidationError(_("This response is already hidden (since %(when)s).")
                              % {"when": timezone.localtime(r.hidden_at).strftime("%Y-%m-%d %H:%M")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you hide this response: the other partners will read it.")})
    if len(reason) > MAX_REASON or not _storable(reason):
        raise ValidationError({"reason": _("Keep the reason to 2,000 characters or fewer.")})
    before = _response_snapshot(r)
    r.hidden_at, r.hidden_by, r.hidden_reason = timezone.now(), actor, reason
    r.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    _bump(r, -1)
    record_event(actor=actor, action="feedback.response_hidden", obj=r, acting_for=acting_for,
                 partnership=partnership, before=before, after=_response_snapshot(r))
    notify(recipients=_partner_people(partnership, except_person=actor), kind=NotificationKind.FEEDBACK,
           title=lambda: _("%(org)s hid a citizen response on “%(t)s”") % {"org": acting_for.name,
                                                                          "t": r.channel.title},
           body=lambda: reason, url=reverse("feedback:channel", args=[r.channel_id]))
    return r


@transaction.atomic
def response_unhide(*, actor, acting_for, response: FeedbackResponse, reason: str = "") -> FeedbackResponse:
    """A partner shows a hidden response again; it counts again in its month."""
    r = _lock_response(response)
    partnership = r.channel.partnership
    _require_partner(actor, partnership, acting_for)
    if r.hidden_at is None:
        raise ValidationError(_("This response is not hidden."))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON or not _storable(reason):
        raise ValidationError({"reason": _("Keep the reason to 2,000 characters or fewer.")})
    before = _response_snapshot(r)
    r.hidden_at, r.hidden_by, r.hidden_reason = None, None, ""
    r.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    _bump(r, +1)
    after = _response_snapshot(r)
    after["reason"] = reason
    record_event(actor=actor, action="feedback.response_unhidden", obj=r, acting_for=acting_for,
                 partnership=partnership, before=before, after=after)
    return r


@transaction.atomic
def tally_rebuild(*, channel: FeedbackChannel) -> int:
    """Recompute a form's monthly tallies from its visible responses, in one GROUP BY; returns the months.

    For responses loaded in bulk (benchmark or demo data) and to repair or check the tallies; the
    everyday writes above keep them exact without it.
    """
    ch = _lock_channel(channel)
    counts = {field: Count("id", filter=Q(trend=trend)) for trend, field in _TREND_FIELD.items()}
    rows = (FeedbackResponse.objects.filter(channel=ch, hidden_at__isnull=True)
            .annotate(m=Trunc("submitted_at", "month", output_field=DateField()))
            .values("m").annotate(n=Count("id"), g=Sum("going"), f=Sum("feeling"), **counts).order_by("m"))
    tallies = [FeedbackTally(channel=ch, month=r["m"], responses=r["n"], going_sum=r["g"], feeling_sum=r["f"],
                             **{field: r[field] for field in _TREND_FIELD.values()}) for r in rows]
    FeedbackTally.objects.filter(channel=ch).delete()
    FeedbackTally.objects.bulk_create(tallies)
    record_event(actor=None, action="feedback.tallies_rebuilt", obj=ch, partnership=ch.partnership,
                 after={"months": len(tallies), "responses": sum(t.responses for t in tallies)})
    return len(tallies)
