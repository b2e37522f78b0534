"""Reads about the risk register: the appetite, the register, the heat map, risks above appetite.

Every page reads a bounded number of queries whatever the number of risks: the heat map is
one GROUP BY over (likelihood, impact); the register is paginated.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from joinery.audit.models import AuditEvent
from joinery.network.models import PartnerRole, PartnerStatus
from joinery.organisations.models import Organisation, Representative

from .models import Impact, Likelihood, Risk, RiskAppetite, RiskStatus

#: Statuses of risks still live: on the heat map and, unless accepted for innovation, above appetite.
LIVE_STATUSES = (RiskStatus.OPEN, RiskStatus.MITIGATING, RiskStatus.ACCEPTED)
#: Statuses in which a risk can be above the appetite (an accepted risk is a conscious choice).
ACTIVE_STATUSES = (RiskStatus.OPEN, RiskStatus.MITIGATING)


# --- appetite --------------------------------------------------------------------------------

def current_appetite(*, partnership) -> RiskAppetite | None:
    return (RiskAppetite.objects.filter(partnership=partnership).select_related("set_by")
            .order_by("-created_at", "-id").first())


def appetite_history(*, partnership, limit: int = 100) -> list[RiskAppetite]:
    """The appetite rows, newest first (each change adds one)."""
    return list(RiskAppetite.objects.filter(partnership=partnership).select_related("set_by")
                .order_by("-created_at", "-id")[:limit])


# --- the register ----------------------------------------------------------------------------

def register(*, partnership, status: str = "") -> QuerySet:
    """The partnership's risks, highest score first; the caller paginates."""
    qs = Risk.objects.filter(partnership=partnership)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("partnership", "owner", "owner_person", "accepted_by").order_by("-score", "id")


def is_above(risk: Risk, appetite: RiskAppetite | None) -> bool:
    """Above the appetite: live, not accepted for innovation, and scoring above the threshold."""
    return (appetite is not None and risk.status in ACTIVE_STATUSES and not risk.accepted_for_innovation
            and risk.score > appetite.threshold)


def above_appetite(*, partnership, appetite: RiskAppetite | None = None, limit: int | None = None) -> list[Risk]:
    """Open or mitigating risks scoring above the appetite, excluding those accepted for innovation.

    Empty while the partnership has set no appetite. The review-meeting agenda uses this.
    """
    appetite = appetite if appetite is not None else current_appetite(partnership=partnership)
    if appetite is None:
        return []
    qs = (Risk.objects.filter(partnership=partnership, status__in=ACTIVE_STATUSES, accepted_for_innovation=False,
                              score__gt=appetite.threshold)
          .select_related("owner").order_by("-score", "id"))
    return list(qs[:limit] if limit else qs)


def risk_get(*, pk: int) -> Risk:
    return Risk.objects.select_related("partnership", "owner", "owner_person", "accepted_by", "created_by",
                                       "work_item").get(pk=pk)


def risk_history(*, risk, limit: int = 50) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(partnership_id=risk.partnership_id, object_type="risks.risk",
                                          object_id=str(risk.pk)).select_related("actor", "acting_for")
                .order_by("-id")[:limit])


# --- the heat map ----------------------------------------------------------------------------

def heat_map(*, partnership, appetite: RiskAppetite | None) -> dict:
    """Counts of live risks by likelihood and impact (one GROUP BY query), as a 5 × 5 grid.

    `rows` go from impact 5 (severe) down to 1; each row's cells from likelihood 1 to 5. Each
    cell says its score, its count and whether it is above the appetite. `summary` is a sentence
    that says what the grid shows, for everyone and for screen readers.
    """
    counts = {(row["likelihood"], row["impact"]): row["n"] for row in
              Risk.objects.filter(partnership=partnership, status__in=LIVE_STATUSES)
              .values("likelihood", "impact").annotate(n=Count("id")).order_by()}
    threshold = appetite.threshold if appetite else None
    rows = []
    total = above_cells = 0
    for impact in range(5, 0, -1):
        cells = []
        for likelihood in range(1, 6):
            score = likelihood * impact
            n = counts.get((likelihood, impact), 0)
            above = threshold is not None and score > threshold
            total += n
            above_cells += n if above else 0
            cells.append({"likelihood": likelihood, "impact": impact, "score": score, "count": n, "above": above})
        rows.append({"impact": impact, "label": Impact(impact).label, "cells": cells})
    columns = [{"likelihood": n, "label": Likelihood(n).label} for n in range(1, 6)]
    if total == 0:
        summary = _("No live risks are recorded.")
    elif threshold is None:
        summary = ngettext("%(n)d live risk is recorded. The partnership has not set its risk appetite yet.",
                           "%(n)d live risks are recorded. The partnership has not set its risk appetite yet.",
                           total) % {"n": total}
    else:
        summary = ngettext(
            "%(n)d live risk is recorded; %(above)d of them in cells above the appetite (a score above %(t)d).",
            "%(n)d live risks are recorded; %(above)d of them in cells above the appetite (a score above %(t)d).",
            total) % {"n": total, "above": above_cells, "t": threshold}
    return {"rows": rows, "columns": columns, "total": total, "above": above_cells, "threshold": threshold,
            "summary": summary}


# --- who acts ----------------------------------------------------------------------------------

def partner_organisations(*, partnership) -> list[Organisation]:
    return [p.organisation for p in partnership.partners.filter(status=PartnerStatus.ACTIVE)
            .select_related("organisation").order_by("organisation__name")]


def my_partner_organisations(*, person, partnership, convener_only: bool = False) -> list[Organisation]:
    """The active partner organisations the person represents (for the `acting_for` select)."""
    if not person.is_authenticated:
        return []
    from joinery.network.permissions import MANAGING_ROLES

    reps = Representative.objects.current().filter(person=person)
    if convener_only:
        reps = reps.filter(role__in=MANAGING_ROLES)
    partner_rows = partnership.partners.filter(status=PartnerStatus.ACTIVE,
                                               organisation_id__in=reps.values("organisation_id"))
    if convener_only:
        partner_rows = partner_rows.filter(role=PartnerRole.CONVENER)
    return [p.organisation for p in partner_rows.select_related("organisation").order_by("organisation__name")]
