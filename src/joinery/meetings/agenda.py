"""The review meeting's agenda, generated from what is due in the partnership.

`generate()` reads the partnership and returns sections, each a list of items with a text and
a link, as plain data: the meeting keeps them as a snapshot (`ReviewMeeting.agenda`) so the
agenda the partners received does not change under them; "refresh the agenda" regenerates it.

    [{"section": "overdue_tasks", "items": [{"text": "...", "url": "/..."}], "more": 0}, ...]

Section headings are rendered from the section key (so they follow the reader's language);
item texts are written when the agenda is generated. Every section is bounded (at most
`LIMIT` items, with how many more there are) so a partnership with thousands of overdue
tasks still gets a readable agenda in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

LIMIT = 20

SECTIONS = [
    ("overdue_tasks", gettext_lazy("Overdue tasks")),
    ("commitments_behind", gettext_lazy("Commitments behind")),
    ("risks_above_appetite", gettext_lazy("Risks above appetite")),
    ("decisions_to_revisit", gettext_lazy("Decisions to revisit")),
    ("agreement_reviews", gettext_lazy("Agreement review dates")),
]
HEADINGS = dict(SECTIONS)
#: Decisions whose review date falls within this many days after the meeting are revisited.
DECISION_WINDOW_DAYS = 30
#: Agreements whose review date falls within this many days after the meeting are on the agenda.
AGREEMENT_WINDOW_DAYS = 60


def heading(key: str) -> str:
    return str(HEADINGS.get(key, key))


def _date(value: dt.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _number(value) -> str:
    """12,500 or 12,500.50: what a person reads in a sentence."""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (ArithmeticError, ValueError):
        return str(value)
    return f"{number:,.2f}".removesuffix(".00")


def url_of(obj) -> str:
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:  # the page is not there (yet): the item still reads, without a link
        return ""


def _bounded(rows, total: int | None = None) -> tuple[list, int]:
    """The first LIMIT rows and how many more there are (rows may be a queryset or a list)."""
    if hasattr(rows, "count") and hasattr(rows, "query"):
        first = list(rows[:LIMIT + 1])
        if len(first) <= LIMIT:
            return first, 0
        return first[:LIMIT], (total if total is not None else rows.count()) - LIMIT
    rows = list(rows)
    return rows[:LIMIT], max(0, len(rows) - LIMIT)


# --- the sections --------------------------------------------------------------------------

def overdue_tasks(partnership, today: dt.date) -> tuple[list[dict], int]:
    """Open work items due before today (read by the work programme's `overdue_items`)."""
    from joinery.programme.models import OPEN_STATUSES, WorkItem

    everything = WorkItem.objects.filter(partnership=partnership, status__in=OPEN_STATUSES, due_date__lt=today)
    try:
        from joinery.programme.selectors import overdue_items
    except ImportError:
        overdue_items = None
    if overdue_items is not None:
        rows = list(overdue_items(partnership=partnership, limit=LIMIT + 1))
    else:
        rows = list(everything.select_related("owner").order_by("due_date", "id")[:LIMIT + 1])
    more = everything.count() - LIMIT if len(rows) > LIMIT else 0
    out = []
    for item in rows[:LIMIT]:
        days = (today - item.due_date).days if item.due_date else 0
        out.append({"text": ngettext("%(t)s — %(org)s, due %(d)s (%(n)d day overdue)",
                                     "%(t)s — %(org)s, due %(d)s (%(n)d days overdue)", days)
                    % {"t": item.title, "org": item.owner.name, "d": _date(item.due_date), "n": days},
                    "url": url_of(item)})
    return out, more


def commitments_behind(partnership, today: dt.date) -> tuple[list[dict], int]:
    """Commitments whose contributions are behind what was expected by now (the contributions ledger)."""
    try:
        from joinery.contributions import selectors as contribution_selectors
    except ImportError:
        return [], 0
    reader = getattr(contribution_selectors, "commitments_behind", None)
    if reader is None:
        return [], 0
    rows, more = _bounded(reader(partnership=partnership, as_of=today))
    out = []
    for row in rows:
        c = row["commitment"]
        out.append({"text": _("%(org)s: %(desc)s — %(got)s of %(expected)s %(unit)s expected by now (%(gap)s behind; "
                              "%(total)s committed)")
                    % {"org": c.party.name, "desc": c.description, "got": _number(row["contributed"]),
                       "expected": _number(row["expected_by_now"]), "unit": row.get("unit") or c.unit, "gap": _number(row["gap"]),
                       "total": _number(row["committed"])},
                    "url": reverse("agreements:detail", args=[c.agreement_id])})
    return out, more


def risks_above_appetite(partnership, today: dt.date) -> tuple[list[dict], int]:
    from joinery.risks import selectors as risk_selectors

    appetite = risk_selectors.current_appetite(partnership=partnership)
    if appetite is None:
        return [], 0
    risks = risk_selectors.above_appetite(partnership=partnership, appetite=appetite, limit=LIMIT + 1)
    more = 0
    if len(risks) > LIMIT:
        from joinery.risks.models import Risk

        more = Risk.objects.filter(partnership=partnership, status__in=risk_selectors.ACTIVE_STATUSES,
                                   accepted_for_innovation=False, score__gt=appetite.threshold).count() - LIMIT
        risks = risks[:LIMIT]
    return [{"text": _("%(t)s — %(org)s, score %(s)d (appetite: up to %(a)d)")
             % {"t": r.title, "org": r.owner.name, "s": r.score, "a": appetite.threshold},
             "url": reverse("risks:detail", args=[r.pk])} for r in risks], more


def decisions_to_revisit(partnership, meeting_date: dt.date) -> tuple[list[dict], int]:
    """Open decisions, and decided ones whose review date falls before or soon after the meeting."""
    from joinery.network.models import Decision, DecisionStatus

    horizon = meeting_date + dt.timedelta(days=DECISION_WINDOW_DAYS)
    rows = (Decision.objects.filter(partnership=partnership)
            .filter(Q(status__in=[DecisionStatus.OPEN, DecisionStatus.AWAITING_LEAD])
                    | Q(review_date__isnull=False, review_date__lte=horizon))
            .order_by("review_date", "closes_at", "id"))
    items, more = _bounded(rows)
    out = []
    for d in items:
        if d.status != DecisionStatus.CLOSED:
            text = _("%(t)s — open for positions until %(d)s") % {
                "t": d.title, "d": _date(timezone.localtime(d.closes_at).date())}
        else:
            text = _("%(t)s — review date %(d)s") % {"t": d.title, "d": _date(d.review_date)}
        out.append({"text": text, "url": reverse("network:decision", kwargs={"slug": partnership.slug, "pk": d.pk})})
    return out, more


def agreement_reviews(partnership, meeting_date: dt.date) -> tuple[list[dict], int]:
    """Agreements (not ended) whose review date is overdue or within 60 days of the meeting."""
    from joinery.agreements.models import Agreement, AgreementStatus

    ended = [AgreementStatus.EXPIRED, AgreementStatus.TERMINATED, AgreementStatus.SUPERSEDED]
    horizon = meeting_date + dt.timedelta(days=AGREEMENT_WINDOW_DAYS)
    rows = (Agreement.objects.filter(partnership=partnership, review_date__isnull=False, review_date__lte=horizon)
            .exclude(status__in=ended).order_by("review_date", "id"))
    items, more = _bounded(rows)
    return [{"text": _("%(t)s — review due %(d)s (%(s)s)")
             % {"t": a.title, "d": _date(a.review_date), "s": a.get_status_display().lower()},
             "url": reverse("agreements:detail", args=[a.pk])} for a in items], more


# --- the agenda ----------------------------------------------------------------------------

def generate(*, partnership, starts_at: dt.datetime, today: dt.date | None = None) -> list[dict]:
    """The agenda's sections for a meeting of `partnership` starting at `starts_at`."""
    today = today or timezone.localdate()
    meeting_date = timezone.localtime(starts_at).date() if timezone.is_aware(starts_at) else starts_at.date()
    readers = [
        ("overdue_tasks", lambda: overdue_tasks(partnership, today)),
        ("commitments_behind", lambda: commitments_behind(partnership, today)),
        ("risks_above_appetite", lambda: risks_above_appetite(partnership, today)),
        ("decisions_to_revisit", lambda: decisions_to_revisit(partnership, meeting_date)),
        ("agreement_reviews", lambda: agreement_reviews(partnership, meeting_date)),
    ]
    sections = []
    for key, read in readers:
        items, more = read()
        sections.append({"section": key, "items": items, "more": more})
    return sections


def for_display(agenda: list[dict]) -> list[dict]:
    """The stored sections with their headings in the reader's language."""
    return [{"key": s.get("section", ""), "heading": heading(s.get("section", "")), "items": s.get("items", []),
             "more": s.get("more", 0)} for s in (agenda or [])]
