"""What each audience sees of a partnership: the visibility areas, their defaults, the checks.

A partnership's pages fall into *areas* (the charter, agreement drafts, the risk register…).
A private partnership shows no area to anyone but its partners and the administrators. A
public one shows each area either to everyone or to its partners only: the default below,
unless the convener changed it (stored in `Partnership.publication`, changed by
`services.publication_set`, audited, through a decision where the charter says so).

Every read that shows an area asks here (`can_see`, `partnerships_showing`), so pages, the
API, exports, calendar feeds and search agree. docs/visibility.md is the table of every page
and API operation against each audience; tests/visibility walks them all and compares.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    key: str
    label: str | Promise
    public_by_default: bool
    description: str | Promise


# The defaults keep negotiation among the partners: the public sees the charter, decision
# outcomes, agreements in force, the work citizens can volunteer for and the scorecards.
AREAS: dict[str, Area] = {a.key: a for a in [
    Area("charter", _("Charter"), True, _("The charter and its earlier versions.")),
    Area("decisions", _("Decision outcomes"), True,
         _("Decisions: the question, the outcome, how the rule applied and the rationale.")),
    Area("positions", _("Positions"), False,
         _("Each partner's position on a decision or on a clause of a draft, with its reasons.")),
    Area("agreements", _("Agreements in force"), True,
         _("Agreements once signed: the text in force, the parties, signatures, commitments and reviews.")),
    Area("drafts", _("Agreement drafts"), False,
         _("Agreements being drafted or negotiated, their earlier versions, redlines and history.")),
    Area("comments", _("Comments on drafts"), False, _("Partners' comments on the clauses of an agreement.")),
    Area("amendments", _("Amendments"), False, _("Amendments proposed to an agreement and how they were decided.")),
    Area("work", _("Work programme"), True,
         _("Programmes and work items, and the volunteer opportunities citizens can sign up for.")),
    Area("meetings", _("Meetings"), False, _("Meetings: dates, places, agendas and calendar feeds.")),
    Area("minutes", _("Meeting minutes"), False, _("The minutes of meetings.")),
    Area("risks", _("Risk register"), False, _("Risks, their scores, owners, treatments and the risk appetite.")),
    Area("ledger", _("Contributions ledger"), False,
         _("Ledger lines, evidence files, exports, valuation rates and investment against commitments.")),
    Area("scorecards", _("Scorecards"), True,
         _("The evaluation framework (outcomes, indicators, targets) and the scorecards.")),
    Area("measurements", _("Measurements"), False,
         _("Measurements as reported, their corrections and exports.")),
    Area("feedback", _("Feedback responses"), False,
         _("Feedback forms and what citizens answered (the public form itself is always open).")),
]}


def is_published(partnership, area: str) -> bool:
    """Whether everyone may see `area` of this partnership."""
    if partnership is None or not partnership.is_public:
        return False
    return bool((partnership.publication or {}).get(area, AREAS[area].public_by_default))


def can_see(person, partnership, area: str) -> bool:
    """Whether `person` may see `area` of the partnership: published, a partner, or an administrator."""
    from .permissions import is_partner

    if partnership is None:
        return False
    if is_published(partnership, area):
        return True
    if not person.is_authenticated:
        return False
    return person.is_staff or is_partner(person, partnership)


def published_filter(area: str, prefix: str = "") -> Q:
    """A filter on partnerships (or on rows through `prefix`, e.g. "partnership__") that publish `area`."""
    public = Q(**{f"{prefix}visibility": "public"})
    chosen = Q(**{f"{prefix}publication__{area}": True})
    if AREAS[area].public_by_default:
        return public & (chosen | ~Q(**{f"{prefix}publication__has_key": area}))
    return public & chosen


def partnerships_showing(*, person, area: str) -> QuerySet:
    """The partnerships whose `area` the person may see (for lists, search and feeds)."""
    from joinery.organisations.models import Representative

    from .models import Partner, Partnership, PartnerStatus

    qs = Partnership.objects.all()
    if person.is_authenticated and person.is_staff:
        return qs
    q = published_filter(area)
    if person.is_authenticated:
        orgs = Representative.objects.current().filter(person=person).values("organisation_id")
        q |= Q(pk__in=Partner.objects.filter(status=PartnerStatus.ACTIVE, organisation_id__in=orgs)
               .values("partnership_id"))
    return qs.filter(q)


def publication_of(partnership) -> list[dict]:
    """Every area with whom it is shown to now, for the settings page and the API."""
    chosen = partnership.publication or {}
    return [{"area": a.key, "label": a.label, "description": a.description,
             "public": is_published(partnership, a.key), "default": a.public_by_default,
             "changed": a.key in chosen and bool(chosen[a.key]) != a.public_by_default}
            for a in AREAS.values()]
