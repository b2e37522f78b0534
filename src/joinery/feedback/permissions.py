"""Who may see and do what with citizen feedback (rules predicates; the object is a Partnership).

- Answering a feedback form: anyone, no account needed (the public form checks only that
  the form is open, the honeypot is empty and the sender is not flooding).
- Setting up feedback forms: the convener's representatives.
- Reading responses and their figures: whoever sees the partnership's feedback area
  (`network.see_feedback`: the partners and administrators by default; see
  network/visibility.py). Contact details and moderation: the partners only. Otherwise the
  public sees only the counts that feed published indicators.
"""

import rules

from joinery.network.permissions import is_convener, is_partner

rules.add_perm("feedback.manage_channels", is_convener)
rules.add_perm("feedback.read_responses",
               rules.predicate(lambda person, partnership: person.has_perm("network.see_feedback", partnership)))
rules.add_perm("feedback.moderate", is_partner)
