"""Who may see and do what with the risk register (rules predicates; the object is a Partnership).

The register is read by whoever sees the partnership's risk register (`network.see_risks`:
its partners and the administrators, and everyone once a public partnership publishes it;
see network/visibility.py). Any active partner records and
updates risks; the convener sets the partnership's risk appetite. Accepting a risk for
innovation and closing it are for the convener or the organisation that owns the risk:
the services check the owner, since that needs the risk.
"""

import rules

from joinery.network.permissions import is_convener, is_partner


@rules.predicate
def can_view_partnership(person, partnership) -> bool:
    return person.has_perm("network.see_risks", partnership)


rules.add_perm("risks.view_register", can_view_partnership)
rules.add_perm("risks.add_risk", is_partner)
rules.add_perm("risks.change_risk", is_partner)
rules.add_perm("risks.set_appetite", is_convener)
