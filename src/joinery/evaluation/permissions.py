"""Who may see and do what in the evaluation framework (rules predicates; the object is a Partnership).

- Seeing the framework, scorecards, indicator pages and the thread to work and contributions:
  whoever may see the partnership (`network.view_partnership`).
- Building the framework (outcomes, indicators, targets, links) and proposing its adoption:
  a representative of an active partner. Building it together is the point; every change is
  audited, and after adoption every change makes a new framework version.
- Reporting measurements: a representative of an active partner; the services also check
  that the organisation acted for is the indicator's reporting partner or the convener.
- Managing a partner's own reporting requirements: that partner's representatives (the
  services check the organisation) and the convener.
- Publishing open data: the convener. Everyone may read what is published.
"""

import rules

from joinery.network.permissions import is_convener, is_partner

rules.add_perm("evaluation.build_framework", is_partner | is_convener)
rules.add_perm("evaluation.report_measurement", is_partner)
rules.add_perm("evaluation.manage_requirements", is_partner)
rules.add_perm("evaluation.publish_open_data", is_convener)
