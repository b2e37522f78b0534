"""Who may see and do what in work programmes (rules predicates on the partnership).

Seeing follows the partnership's work area (`network.see_work`, network/visibility.py): public
by default in a public partnership, so citizens can volunteer; a private partnership's work is
hidden from outsiders. The services make the finer checks (the owner organisation, the
convener, roles) with the organisation the person acts for; these permissions decide which
buttons a page shows.
"""

import rules

from joinery.network.permissions import is_convener, is_partner, is_public_partnership

rules.add_perm("programme.view_work", lambda person, partnership: person.has_perm("network.see_work", partnership))
rules.add_perm("programme.add_programme", is_partner)
rules.add_perm("programme.add_item", is_partner)
rules.add_perm("programme.adopt_programme", is_convener)
rules.add_perm("programme.volunteer", rules.is_authenticated & (is_public_partnership | is_partner)
               & rules.predicate(lambda person, partnership: person.has_perm("network.see_work", partnership)))
