"""Reads about organisations: the directory, one organisation, its people."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from .models import Jurisdiction, Organisation, Representative

# The same expression as the GIN index in migrations/0002_search_index.py, so PostgreSQL uses it.
SEARCH_VECTOR_SQL = ("to_tsvector('simple'::regconfig, coalesce(organisations_organisation.name, '') || ' ' || "
                     "coalesce(organisations_organisation.description, ''))")


def organisation_directory(*, query: str = "", sector: str = "", level: str = "",
                           jurisdiction_id: int | None = None, include_closed: bool = False) -> QuerySet:
    qs = Organisation.objects.select_related("jurisdiction", "jurisdiction__parent")
    if not include_closed:
        qs = qs.filter(is_active=True)
    if query:
        if connection.vendor == "postgresql":
            # Full-text search on the GIN index of migration 0002; identifiers match exactly.
            # Identifier matches are looked up first so the OR below stays index-only (BitmapOr).
            ids = list(Organisation.objects.filter(identifier__iexact=query).values_list("pk", flat=True)[:100])
            qs = qs.extra(
                where=[f"({SEARCH_VECTOR_SQL} @@ plainto_tsquery('simple', %s) "
                       "OR organisations_organisation.id = ANY(%s))"],
                params=[query, ids])
        else:
            # SQLite fallback: substring match (no full-text index).
            qs = qs.filter(Q(name__icontains=query) | Q(description__icontains=query) | Q(identifier__iexact=query))
    if sector:
        qs = qs.filter(sector=sector)
    if level:
        qs = qs.filter(level=level)
    if jurisdiction_id:
        # A province's filter also finds the organisations of its municipalities.
        qs = qs.filter(Q(jurisdiction_id=jurisdiction_id) | Q(jurisdiction__parent_id=jurisdiction_id))
    return qs.order_by("name", "id")


def current_representatives(*, organisation: Organisation) -> list[Representative]:
    return list(
        organisation.representatives.current().select_related("person").order_by("person__full_name", "role")
    )


def representative_history(*, organisation: Organisation) -> list[Representative]:
    return list(
        organisation.representatives.select_related("person", "successor_of__person")
        .order_by("-started_at", "id")
    )


def organisations_represented_by(*, person, roles: list[str] | None = None) -> QuerySet:
    if not person.is_authenticated:
        return Organisation.objects.none()
    reps = Representative.objects.current().filter(person=person)
    if roles:
        reps = reps.filter(role__in=roles)
    return Organisation.objects.filter(pk__in=reps.values("organisation_id"), is_active=True).order_by("name")


def jurisdictions(*, broad_only: bool = False, include_id=None) -> list[Jurisdiction]:
    """All jurisdictions, or (for filters, once there are many) only those that contain others.

    A filter on a region also finds its municipalities, so the directory's select stays short
    at national scale (thousands of municipalities) without losing any result.
    """
    qs = Jurisdiction.objects.select_related("parent")
    if broad_only and Jurisdiction.objects.count() > 200:
        q = Q(parent__isnull=True) | Q(pk__in=Jurisdiction.objects.filter(parent__isnull=False).values("parent_id"))
        if include_id and str(include_id).isdigit():
            q |= Q(pk=int(include_id))
        qs = qs.filter(q)
    return list(qs.order_by("name"))
