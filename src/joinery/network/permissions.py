"""Who may see and do what in a partnership (object-level rules, `rules` package).

`person` is the signed-in Person; the object is a Partnership unless named otherwise.
A person "is a partner" when they currently represent an organisation that is an
active partner. The convener's representatives (administrators and coordinators)
manage membership and the charter.
"""

import rules

from joinery.organisations.models import Representative, RepresentativeRole

from .models import PartnerRole, PartnerStatus

MANAGING_ROLES = [RepresentativeRole.ADMIN, RepresentativeRole.COORDINATOR]


def _partner_org_ids(person, partnership, roles=None, partner_roles=None):
    if not person.is_authenticated or partnership is None:
        return set()
    cache = getattr(person, "_partner_org_cache", None)
    if cache is None:
        cache = person._partner_org_cache = {}
    key = (partnership.pk, tuple(roles or ()), tuple(partner_roles or ()))
    if key not in cache:
        reps = Representative.objects.current().filter(person=person)
        if roles:
            reps = reps.filter(role__in=roles)
        partners = partnership.partners.filter(status=PartnerStatus.ACTIVE,
                                               organisation_id__in=reps.values("organisation_id"))
        if partner_roles:
            partners = partners.filter(role__in=partner_roles)
        cache[key] = set(partners.values_list("organisation_id", flat=True))
    return cache[key]


@rules.predicate
def is_partner(person, partnership) -> bool:
    return bool(_partner_org_ids(person, partnership))


@rules.predicate
def is_convener(person, partnership) -> bool:
    return bool(_partner_org_ids(person, partnership, MANAGING_ROLES, [PartnerRole.CONVENER]))


@rules.predicate
def is_public_partnership(person, partnership) -> bool:
    return partnership is not None and partnership.is_public


@rules.predicate
def is_invited(person, partnership) -> bool:
    if not person.is_authenticated or partnership is None:
        return False
    reps = Representative.objects.current().filter(person=person).values("organisation_id")
    return partnership.invitations.filter(status="pending", organisation_id__in=reps).exists()


rules.add_perm("network.view_partnership", is_public_partnership | is_partner | is_invited | rules.is_staff)
rules.add_perm("network.view_partnership_activity", is_partner | rules.is_staff)
rules.add_perm("network.add_partnership", rules.is_authenticated)
rules.add_perm("network.change_partnership", is_convener)
rules.add_perm("network.manage_partners", is_convener)
rules.add_perm("network.change_charter", is_convener)
rules.add_perm("network.propose_decision", is_partner)
rules.add_perm("network.take_position", is_partner)


# One permission per visibility area (network/visibility.py): `network.see_risks` and so on.
def _area_predicate(area: str):
    from .visibility import can_see

    return rules.predicate(lambda person, partnership: can_see(person, partnership, area), name=f"sees_{area}")


def _register_areas() -> None:
    from .visibility import AREAS

    for key in AREAS:
        rules.add_perm(f"network.see_{key}", _area_predicate(key))


_register_areas()
rules.add_perm("network.change_publication", is_convener)
