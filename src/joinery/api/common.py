"""Shared pieces of the API: input types, pagination, and finding things by their URL names.

Nothing here decides a business rule: these only turn request text into the
objects the services take, and refuse input no database could store.
"""


import datetime as dt
from contextlib import contextmanager
from typing import Annotated, Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator, ConfigDict

from joinery.core.exceptions import PermissionDenied, ValidationError
from joinery.network.models import Partnership
from joinery.network.selectors import my_partnerships
from joinery.organisations.models import Organisation

MAX_ID = 2**31 - 1
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


class WithJsonSchemaExtra:
    """Adds keywords to a type's JSON schema (what the server checks, stated for the client)."""

    def __init__(self, **extra: Any) -> None:
        self.extra = extra

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        schema.update(self.extra)
        return schema


def _storable_text(value: str) -> str:
    """Refuse text a database cannot store (NUL characters, unpaired surrogates)."""
    if "\x00" in value:
        raise ValueError(_("Text cannot contain NUL characters."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(_("Text must be valid Unicode.")) from exc
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    """A time without a zone is read in the site's zone, as the web forms do."""
    if not 1900 <= value.year <= 2999:
        raise ValueError(_("Give a time between the years 1900 and 2999."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


#: A string from the client.
Text = Annotated[str, AfterValidator(_storable_text)]
#: A date and time; naive values are in the site's time zone.
DateTime = Annotated[dt.datetime, AfterValidator(_aware)]
#: A row id.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: A short name (slug) in a path.
SlugPath = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=80)]
#: A row id in a path.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: An organisation's short name in a body (Organisation.slug: at most 80 characters).
OrgSlug = Annotated[Text, Field(max_length=80, pattern=SLUG_PATTERN, description="An organisation's short name.")]

_MONTH_DAY = r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_YEARS = {
    (1900, 2999): r"^(19|2[0-9])[0-9][0-9]",
    (2000, 2999): r"^2[0-9][0-9][0-9]",
    (1900, 2200): r"^(19[0-9][0-9]|2[01][0-9][0-9]|2200)",
}


def bounded_date(first: int = 1900, last: int = 2999):
    """An ISO date (YYYY-MM-DD) whose year is between `first` and `last`; the schema states both."""

    def check(value: dt.date) -> dt.date:
        if not first <= value.year <= last:
            raise ValueError(_("Give a date between the years %(first)s and %(last)s.") % {"first": first, "last": last})
        return value

    return Annotated[dt.date, AfterValidator(check), WithJsonSchemaExtra(
        pattern=_YEARS[(first, last)] + _MONTH_DAY,
        description=f"A date, YYYY-MM-DD, in the years {first}–{last}.",
    )]


#: A date between 1900 and 2999.
Date = bounded_date(1900, 2999)


class InputSchema(Schema):
    """A request body. Choices reach the services as plain strings, as they do from a form."""

    model_config = ConfigDict(use_enum_values=True)


class Pagination(LimitOffsetPagination):
    """`limit` (1–100, default 50) and `offset`; the answer is `{"items": […], "count": n}`."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=100, description="How many items to return (at most 100).")
        offset: int = Field(0, ge=0, le=MAX_ID, description="How many items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=100, **kwargs)


def organisation_by_slug(slug: str, *, field: str):
    """The organisation a request names in `field`, or a field error."""
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        raise ValidationError({field: _("No organisation has the short name “%(slug)s”.") % {"slug": slug}})
    return org


def visible_partnership(person, slug: str, area: str | None = None):
    """The partnership if `person` may see it; otherwise 404, so a private one does not reveal it exists.

    With `area` (network/visibility.py), also that part of it: 403 when only its partners see it.
    """
    from joinery.network.shortcuts import require_area

    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None or not person.has_perm("network.view_partnership", partnership):
        raise Http404
    if area is not None:
        require_area(person, partnership, area)
    return partnership


def require_perm(person, perm: str, obj) -> None:
    """403 for someone who can see `obj` but may not do this to it."""
    if not person.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


def partnerships_of(person):
    """The partnerships `person`'s organisations are active partners in."""
    return my_partnerships(person=person)


@contextmanager
def fields_renamed(**names: str):
    """Report a service's field errors under the request's field names (e.g. person → email)."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()}) from exc
