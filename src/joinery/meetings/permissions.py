"""Who may see and do what with review meetings (rules predicates; the object is a Partnership).

Meetings and their agendas are read by whoever sees the partnership's meetings, their minutes,
attendance and actions by whoever sees its minutes (`network.see_meetings`, `network.see_minutes`:
the partners and administrators, and everyone where a public partnership publishes them); any active
partner schedules, changes, cancels a meeting and records its minutes (the services check
the organisation acted for).
"""

import rules

from joinery.network.permissions import is_partner


@rules.predicate
def can_view_partnership(person, partnership) -> bool:
    return person.has_perm("network.see_meetings", partnership)


rules.add_perm("meetings.view_meetings", can_view_partnership)
rules.add_perm("meetings.schedule_meeting", is_partner)
rules.add_perm("meetings.change_meeting", is_partner)
