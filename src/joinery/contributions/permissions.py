"""Who may see and do what in the contributions ledger (rules predicates).

- Seeing the ledger, the investment page, the valuation rates, a contribution and its
  evidence file: whoever sees the partnership's ledger (`network.see_ledger`: its partners and
  the administrators, and everyone once a public partnership publishes its ledger; see
  network/visibility.py).
- Seeing volunteers' names: the partners only. Anyone else sees "a volunteer": a citizen
  who gives their time is credited, but not exposed to the whole internet.
- Recording contributions: a representative of an active partner (the services check the
  organisation they act for).
- Setting valuation rates: the convener's administrators and coordinators.
"""

import rules

from joinery.network.models import PartnerRole, PartnerStatus
from joinery.network.permissions import is_convener, is_partner
from joinery.organisations.models import Organisation, Representative, RepresentativeRole

MANAGING_ROLES = [RepresentativeRole.ADMIN, RepresentativeRole.COORDINATOR]


def acting_organisations(person, partnership, *, roles=None, convener_only: bool = False) -> list[Organisation]:
    """The organisations `person` may act for in `partnership`: active partners they represent."""
    if not person.is_authenticated:
        return []
    reps = Representative.objects.current().filter(person=person)
    if roles:
        reps = reps.filter(role__in=roles)
    partners = partnership.partners.filter(status=PartnerStatus.ACTIVE)
    if convener_only:
        partners = partners.filter(role=PartnerRole.CONVENER)
    return list(Organisation.objects.filter(pk__in=reps.values("organisation_id"), is_active=True)
                .filter(pk__in=partners.values("organisation_id")).order_by("name"))


rules.add_perm("contributions.see_volunteer_names", is_partner | rules.is_staff)
rules.add_perm("contributions.record_contribution", is_partner)
# Receipts and invoices can carry personal or commercial details: partners only, even when
# the partnership (and so the ledger's figures) is public.
rules.add_perm("contributions.download_evidence", is_partner | rules.is_staff)
rules.add_perm("contributions.view_ledger", lambda person, partnership: person.has_perm("network.see_ledger", partnership))
rules.add_perm("contributions.set_rate", is_convener)
