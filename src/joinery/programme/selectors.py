"""Reads about work programmes for the pages, the API and other apps (meetings' agenda).

Every read is bounded: lists fetch one page (LIMIT/OFFSET with a cap, one row more than
the page to know whether there is a next one) and never count the whole table. Filters
lead with the partnership or the owner so the database uses the
(partnership, status, due_date) and (owner, status, due_date) indexes. A programme's tree
is read in one query and assembled in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from joinery.network.models import (
    Decision,
    DecisionKind,
    DecisionStatus,
    PartnerRole,
    PartnerStatus,
)
from joinery.network.permissions import MANAGING_ROLES
from joinery.network.visibility import partnerships_showing
from joinery.organisations.models import Organisation, Representative

from .models import (
    OPEN_STATUSES,
    ItemKind,
    SignupStatus,
    VolunteerSignup,
    WorkItem,
    WorkProgramme,
)

#: Pages of a list go no further than this (ask for a narrower filter instead).
MAX_PAGE = 200
PAGE_SIZE = 50
#: The timeline shows at most this many rows: open work and work due in the last RECENT_DAYS.
TIMELINE_LIMIT = 200
RECENT_DAYS = 30
#: A programme page shows at most this many items (the list pages reach the rest).
TREE_LIMIT = 2000
#: "Open" as a filter value: planned, in progress or blocked.
OPEN = "open"
#: Programmes of the whole partnership before those of one agreement (NULL first on every database).
WHOLE_FIRST = F("agreement_id").asc(nulls_first=True)


def _today() -> dt.date:
    return timezone.localdate()


def _item_qs() -> QuerySet:
    # The programme is prefetched, not joined: a join made PostgreSQL hash the whole programme table.
    return WorkItem.objects.select_related("owner", "owner_person", "parent").prefetch_related("programme")


# --- who the person is in a partnership -------------------------------------------------------

@dataclass
class Standing:
    """The signed-in person's organisations in one partnership (read once per request)."""

    partner_orgs: list = field(default_factory=list)    # active partners they represent (any role)
    planner_orgs: list = field(default_factory=list)    # … as administrator or coordinator
    convener_orgs: list = field(default_factory=list)   # the convener, as administrator or coordinator

    @property
    def is_partner(self) -> bool:
        return bool(self.partner_orgs)

    def editor_orgs(self, item) -> list:
        """Organisations the person may act for to change `item`: its owner, then the convener."""
        out = [o for o in self.partner_orgs if o.pk == item.owner_id]
        out += [o for o in self.convener_orgs if o.pk != item.owner_id]
        return out


def standing(*, person, partnership) -> Standing:
    if not person.is_authenticated:
        return Standing()
    roles: dict[int, set[str]] = {}
    for org_id, role in (Representative.objects.current().filter(person=person)
                         .values_list("organisation_id", "role")):
        roles.setdefault(org_id, set()).add(role)
    if not roles:
        return Standing()
    partners = list(partnership.partners.filter(status=PartnerStatus.ACTIVE, organisation_id__in=roles)
                    .select_related("organisation").order_by("organisation__name"))
    managing = set(MANAGING_ROLES)
    return Standing(
        partner_orgs=[p.organisation for p in partners],
        planner_orgs=[p.organisation for p in partners if roles[p.organisation_id] & managing],
        convener_orgs=[p.organisation for p in partners
                       if p.role == PartnerRole.CONVENER and roles[p.organisation_id] & managing],
    )


def partner_organisations(*, partnership) -> list[Organisation]:
    """The active partners (who may own work)."""
    return list(Organisation.objects.filter(partnerships__partnership=partnership,
                                            partnerships__status=PartnerStatus.ACTIVE).order_by("name"))


def partner_people(*, partnership) -> list[Representative]:
    """Current representatives of the active partners (who may be an item's owner person)."""
    orgs = partnership.partners.filter(status=PartnerStatus.ACTIVE).values("organisation_id")
    return list(Representative.objects.current().filter(organisation_id__in=orgs)
                .select_related("person", "organisation").order_by("person__full_name", "organisation__name"))


# --- programmes ---------------------------------------------------------------------------

def programmes_of(*, partnership, limit: int = 100) -> list[WorkProgramme]:
    return list(partnership.programmes.select_related("agreement").order_by(WHOLE_FIRST, "id")[:limit])


def programme_get(*, pk: int) -> WorkProgramme:
    return WorkProgramme.objects.select_related("partnership", "agreement", "adoption_decision",
                                                "created_by").get(pk=pk)


@dataclass
class Node:
    item: WorkItem
    children: list = field(default_factory=list)


@dataclass
class Tree:
    roots: list
    count: int
    truncated: bool
    overdue: int


def programme_tree(programme: WorkProgramme, *, limit: int = TREE_LIMIT) -> Tree:
    """Objectives → initiatives → milestones → tasks, in one query. Orphans (parent beyond the limit) are roots."""
    rows = list(programme.items.select_related("owner", "owner_person").order_by("position", "id")[:limit + 1])
    truncated = len(rows) > limit
    rows = rows[:limit]
    nodes = {i.pk: Node(i) for i in rows}
    roots = []
    for i in rows:
        parent = nodes.get(i.parent_id)
        (parent.children if parent else roots).append(nodes[i.pk])
    return Tree(roots=roots, count=len(rows), truncated=truncated, overdue=sum(1 for i in rows if i.is_overdue))


def pending_changes(*, programme: WorkProgramme, limit: int = 50) -> list[Decision]:
    """Open programme-change decisions about this programme (a partnership has few open decisions)."""
    qs = (Decision.objects.filter(partnership_id=programme.partnership_id, kind=DecisionKind.PROGRAMME_CHANGE,
                                  status__in=[DecisionStatus.OPEN, DecisionStatus.AWAITING_LEAD])
          .select_related("partnership").order_by("closes_at", "id"))
    return [d for d in qs[:limit] if (d.payload or {}).get("programme") == programme.pk]


def pending_changes_for_item(*, item: WorkItem, limit: int = 50) -> list[Decision]:
    return [d for d in pending_changes(programme=item.programme, limit=limit)
            if (d.payload or {}).get("item") == item.pk]


# --- lists --------------------------------------------------------------------------------

@dataclass
class WorkPage:
    """One page of a list, without counting the whole list."""

    items: list
    number: int
    has_next: bool
    limit: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.limit + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.limit + len(self.items)


def work_queryset(*, partnership, owner=None, status: str | None = None, overdue: bool = False,
                  kind: str | None = None, q: str = "", programme=None) -> QuerySet:
    """The filtered items of a partnership, soonest due first (undated last)."""
    qs = _item_qs().filter(partnership=partnership)
    if programme is not None:
        qs = qs.filter(programme=programme)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if status == OPEN:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_date__lt=_today())
    if kind:
        qs = qs.filter(kind=kind)
    q = (q or "").strip()
    if q:
        qs = qs.filter(title__icontains=q)
    return qs.order_by(F("due_date").asc(nulls_last=True), "id")


def paginate(qs: QuerySet, *, page: int = 1, limit: int = PAGE_SIZE) -> WorkPage:
    page = max(1, min(int(page or 1), MAX_PAGE))
    limit = max(1, min(int(limit or PAGE_SIZE), 100))
    start = (page - 1) * limit
    rows = list(qs[start:start + limit + 1])
    return WorkPage(items=rows[:limit], number=page, has_next=len(rows) > limit and page < MAX_PAGE, limit=limit)


def work_list(*, partnership, owner=None, status: str | None = None, overdue: bool = False,
              kind: str | None = None, q: str = "", page: int = 1, limit: int = PAGE_SIZE,
              programme=None) -> WorkPage:
    """One page of the partnership's work, filtered (status "open" = planned, in progress or blocked)."""
    return paginate(work_queryset(partnership=partnership, owner=owner, status=status, overdue=overdue, kind=kind,
                                  q=q, programme=programme), page=page, limit=limit)


def overdue_items(partnership, *, limit: int = 100) -> list[WorkItem]:
    """Open items past their due date, most overdue first (the review meeting's agenda uses this)."""
    return list(_item_qs().filter(partnership=partnership, status__in=OPEN_STATUSES, due_date__lt=_today())
                .order_by("due_date", "id")[:limit])


@dataclass
class Timeline:
    rows: list
    truncated: bool
    overdue: int
    next_milestone: WorkItem | None
    chart: dict


def timeline_rows(partnership, *, limit: int = TIMELINE_LIMIT, recent_days: int = RECENT_DAYS,
                  today: dt.date | None = None) -> Timeline:
    """Dated work to draw: open items, and items due in the last `recent_days`, soonest first."""
    today = today or _today()
    since = today - dt.timedelta(days=recent_days)
    dated = Q(due_date__isnull=False) | Q(start_date__isnull=False)
    wanted = Q(status__in=OPEN_STATUSES) | Q(due_date__gte=since)
    rows = list(WorkItem.objects.select_related("owner").filter(partnership=partnership).filter(dated & wanted)
                .order_by(F("due_date").asc(nulls_last=True), "id")[:limit + 1])
    truncated = len(rows) > limit
    rows = rows[:limit]
    next_milestone = next((r for r in rows if r.kind == ItemKind.MILESTONE and r.is_open and r.due_date
                           and r.due_date >= today), None)

    def ms(d: dt.date) -> int:
        return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp() * 1000)

    chart = {"today": ms(today), "rows": []}
    for r in rows:
        start = r.start_date or r.due_date
        end = r.due_date or r.start_date
        chart["rows"].append({
            "label": r.title[:60], "owner": r.owner.name, "start": ms(start), "end": ms(end) + 86_400_000,
            "status": r.status, "status_label": str(r.get_status_display()), "overdue": r.is_overdue,
            "kind": r.kind, "start_text": start.isoformat(), "end_text": end.isoformat(),
        })
    return Timeline(rows=rows, truncated=truncated, overdue=sum(1 for r in rows if r.is_overdue),
                    next_milestone=next_milestone, chart=chart)


def my_organisation_work(person, *, limit: int = 200) -> list[WorkItem]:
    """Open work owned by the organisations the person represents, in every partnership; overdue first."""
    if not person.is_authenticated:
        return []
    orgs = list(Representative.objects.current().filter(person=person).values_list("organisation_id", flat=True))
    if not orgs:
        return []
    return list(_item_qs().select_related("partnership").filter(owner_id__in=orgs, status__in=OPEN_STATUSES)
                .order_by(F("due_date").asc(nulls_last=True), "id")[:limit])


def volunteer_opportunities(person, *, limit: int = 100) -> list[WorkItem]:
    """Open tasks that want volunteers, in public partnerships and the person's own; with who has signed up.

    Upcoming tasks come first (soonest first), then undated ones, then overdue ones, so a volunteer
    sees what they can still join. The page is read from the partial index `workitem_volunteer_due`
    without counting sign-ups; confirmed volunteers are counted afterwards for this page only
    (counting across every open volunteer task of a country was the slow part).
    """
    today = timezone.localdate()
    base = (WorkItem.objects.filter(volunteers_wanted__gt=0, status__in=OPEN_STATUSES,
                                    partnership__in=partnerships_showing(person=person, area="work"))
            .select_related("partnership", "owner", "owner_person"))
    items = list(base.filter(Q(due_date__gte=today) | Q(due_date__isnull=True))
                 .order_by(F("due_date").asc(nulls_last=True), "id")[:limit])
    if len(items) < limit:
        items += list(base.filter(due_date__lt=today).order_by("-due_date", "-id")[:limit - len(items)])
    confirmed = signup_counts(items)
    if person.is_authenticated and items:
        mine = {s.item_id: s for s in VolunteerSignup.objects.filter(person=person, item__in=[i.pk for i in items])}
    else:
        mine = {}
    for i in items:
        i.my_signup = mine.get(i.pk)
        i.confirmed = confirmed.get(i.pk, 0)
        i.places_left = max(0, i.volunteers_wanted - i.confirmed)
    return items


# --- one item -----------------------------------------------------------------------------

def item_get(*, pk: int) -> WorkItem:
    return (WorkItem.objects.select_related("programme", "partnership", "owner", "owner_person", "parent",
                                            "created_by", "programme__agreement").get(pk=pk))


def item_links(item: WorkItem) -> dict:
    """Children, dependencies, dependants and commitments of one item (one query each)."""
    return {
        "children": list(item.children.select_related("owner").order_by("position", "id")),
        "depends_on": list(item.depends_on.select_related("owner").order_by("due_date", "id")),
        "dependants": list(item.dependants.select_related("owner").order_by("due_date", "id")),
        "commitments": list(item.commitments.select_related("agreement", "party").order_by("agreement_id", "id")),
    }


def signups_of(item: WorkItem) -> list[VolunteerSignup]:
    return list(item.signups.select_related("person", "decided_by").order_by("created_at", "id"))


def partnership_commitments(*, partnership, limit: int = 500):
    """Live commitments of the partnership's agreements (the choices a work item may fulfil)."""
    from joinery.agreements.models import Commitment

    return list(Commitment.objects.filter(agreement__partnership=partnership, deleted_at__isnull=True,
                                          clause__deleted_at__isnull=True)
                .select_related("agreement", "party").order_by("agreement__title", "party__name", "id")[:limit])


def programme_items_for_choice(*, programme, limit: int = 1000) -> list[WorkItem]:
    """Items of one programme, for parent and dependency choices."""
    return list(programme.items.order_by("position", "id")[:limit])


def signup_counts(items) -> dict[int, int]:
    """Confirmed volunteers per item, one query."""
    ids = [i.pk for i in items if i.volunteers_wanted]
    if not ids:
        return {}
    return dict(VolunteerSignup.objects.filter(item_id__in=ids, status=SignupStatus.CONFIRMED)
                .values_list("item_id").annotate(n=Count("id")).values_list("item_id", "n"))

