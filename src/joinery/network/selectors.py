"""Reads about partnerships, charters, decisions and the network map."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from joinery.organisations.models import Organisation, Representative

from .models import (
    CharterVersion,
    Decision,
    DecisionStatus,
    Invitation,
    InvitationStatus,
    Partner,
    Partnership,
    PartnerStatus,
    Position,
    Visibility,
)


def visible_partnerships(*, person) -> QuerySet:
    """Public partnerships, plus the ones the person's organisations are partners in."""
    qs = Partnership.objects.all()
    if person.is_authenticated and person.is_staff:
        return qs
    q = Q(visibility=Visibility.PUBLIC)
    if person.is_authenticated:
        orgs = Representative.objects.current().filter(person=person).values("organisation_id")
        q |= Q(pk__in=Partner.objects.filter(status=PartnerStatus.ACTIVE, organisation_id__in=orgs)
               .values("partnership_id"))
    return qs.filter(q)


def partnership_list(*, person, query: str = "") -> QuerySet:
    qs = visible_partnerships(person=person)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(purpose__icontains=query) | Q(geography__icontains=query))
    return qs.annotate(
        partner_count=Count("partners", filter=Q(partners__status=PartnerStatus.ACTIVE), distinct=True)
    ).order_by("name", "id")


def my_partnerships(*, person) -> QuerySet:
    if not person.is_authenticated:
        return Partnership.objects.none()
    orgs = Representative.objects.current().filter(person=person).values("organisation_id")
    return Partnership.objects.filter(
        pk__in=Partner.objects.filter(status=PartnerStatus.ACTIVE, organisation_id__in=orgs).values("partnership_id")
    ).order_by("name")


def active_partners(*, partnership) -> list[Partner]:
    return list(
        partnership.partners.filter(status=PartnerStatus.ACTIVE)
        .select_related("organisation", "organisation__jurisdiction")
        .order_by("organisation__name")
    )


def former_partners(*, partnership) -> list[Partner]:
    return list(partnership.partners.exclude(status=PartnerStatus.ACTIVE)
                .select_related("organisation").order_by("-left_at"))


def current_charter(*, partnership) -> CharterVersion | None:
    return partnership.charter_versions.order_by("-number").first()


def charter_versions(*, partnership) -> list[CharterVersion]:
    return list(partnership.charter_versions.select_related("created_by").order_by("-number"))


def pending_invitations(*, partnership) -> list[Invitation]:
    return list(partnership.invitations.filter(status=InvitationStatus.PENDING)
                .select_related("organisation", "invited_by"))


def invitations_for_person(*, person) -> list[Invitation]:
    if not person.is_authenticated:
        return []
    orgs = Representative.objects.current().filter(person=person).values("organisation_id")
    return list(Invitation.objects.filter(status=InvitationStatus.PENDING, organisation_id__in=orgs)
                .select_related("partnership", "organisation", "invited_by").order_by("-created_at"))


def decisions_for(*, partnership, status: str | None = None) -> list[Decision]:
    qs = partnership.decisions.select_related("proposed_for").annotate(position_count=Count("positions"))
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-opened_at", "-id"))


def decision_detail(*, partnership, pk: int) -> Decision:
    return (
        Decision.objects.select_related("partnership", "proposed_for", "proposed_by", "charter_version")
        .prefetch_related(
            Prefetch("positions", queryset=Position.objects.select_related("organisation", "recorded_by")),
            Prefetch("participants__organisation"),
        )
        .get(partnership=partnership, pk=pk)
    )


def open_decisions_for_person(*, person) -> list[Decision]:
    return list(Decision.objects.filter(status=DecisionStatus.OPEN, partnership__in=my_partnerships(person=person))
                .select_related("partnership").order_by("closes_at")[:20])


def network_graph(*, person, partnership=None) -> dict:
    """Nodes (organisations, partnerships) and edges (memberships) visible to the person.

    Returned as plain data: the map draws it with cytoscape and the page prints the
    same as a table for screen readers and for browsers without JavaScript.
    """
    partnerships = (visible_partnerships(person=person).filter(pk=partnership.pk)
                    if partnership is not None else visible_partnerships(person=person))
    partners = list(
        Partner.objects.filter(status=PartnerStatus.ACTIVE, partnership__in=partnerships)
        .select_related("organisation", "partnership").order_by("partnership__name", "organisation__name")
    )
    orgs: dict[int, Organisation] = {}
    ships: dict[int, Partnership] = {}
    for p in partners:
        orgs[p.organisation_id] = p.organisation
        ships[p.partnership_id] = p.partnership
    return {
        "organisations": [
            {"id": o.pk, "name": o.name, "sector": o.sector, "sector_label": str(o.get_sector_display()),
             "level": o.level, "url": o.get_absolute_url()}
            for o in sorted(orgs.values(), key=lambda o: o.name)
        ],
        "partnerships": [
            {"id": s.pk, "name": s.name, "url": s.get_absolute_url()}
            for s in sorted(ships.values(), key=lambda s: s.name)
        ],
        "links": [
            {"organisation": p.organisation_id, "partnership": p.partnership_id, "role": p.role,
             "role_label": str(p.get_role_display())}
            for p in partners
        ],
    }
