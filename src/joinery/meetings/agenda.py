"""The review meeting's agenda, generated from what is due in the partnership.

`generate()` reads the partnership and returns sections, each a list of items, as plain data:
the meeting keeps them as a snapshot (`ReviewMeeting.agenda`) so the agenda the partners
received does not change under them; "refresh the agenda" regenerates it.

    [{"section": "overdue_tasks", "more": 0, "items": [
        {"kind": "overdue_task", "work_item_id": 7, "title": "Deliver the leaflets",
         "owner": "Eastside Food Bank", "due_date": "2026-12-12", "days_overdue": "10",
         "url": "/work/7/"}]}, ...]

An item holds facts, never a sentence: its `kind`, the ids, titles and names as people entered
them, dates as ISO strings and numbers as strings. The sentence is written when the agenda is
read (`render_item`, through `for_display`), in the reader's language, with dates and numbers
formatted for that language: a French-speaking partner reads "12 décembre 2026" and "12 500,5"
on an agenda a colleague generated in English. Items stored before this (`{"text", "url"}`)
are shown as they were written.

Every section is bounded (at most `LIMIT` items, with how many more there are) so a partnership
with thousands of overdue tasks still gets a readable agenda in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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

#: The kind of an item stored before items held facts: its `text` is shown as it was written.
TEXT = "text"
#: Keys of a stored item that are not facts.
NOT_FACTS = frozenset({"kind", "url", "text"})


def heading(key: str) -> str:
    return str(HEADINGS.get(key, key))


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


# --- facts: what is stored -----------------------------------------------------------------

def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _amount(value) -> str:
    """A number as a string that keeps its precision (Decimal("12500.50") -> "12500.50")."""
    return str(value) if value is not None else ""


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
        out.append({"kind": "overdue_task", "work_item_id": item.pk, "title": item.title, "owner": item.owner.name,
                    "due_date": _iso(item.due_date), "days_overdue": str(days), "url": url_of(item)})
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
        out.append({"kind": "commitment_behind", "commitment_id": c.pk, "agreement_id": c.agreement_id,
                    "party": c.party.name, "description": c.description, "unit": row.get("unit") or c.unit,
                    "contributed": _amount(row["contributed"]), "expected_by_now": _amount(row["expected_by_now"]),
                    "gap": _amount(row["gap"]), "committed": _amount(row["committed"]),
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
    return [{"kind": "risk_above_appetite", "risk_id": r.pk, "title": r.title, "owner": r.owner.name,
             "score": str(r.score), "appetite": str(appetite.threshold),
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
        url = reverse("network:decision", kwargs={"slug": partnership.slug, "pk": d.pk})
        if d.status != DecisionStatus.CLOSED:
            out.append({"kind": "decision_open", "decision_id": d.pk, "title": d.title,
                        "closes_on": _iso(timezone.localtime(d.closes_at).date()), "url": url})
        else:
            out.append({"kind": "decision_review", "decision_id": d.pk, "title": d.title,
                        "review_date": _iso(d.review_date), "url": url})
    return out, more


def agreement_reviews(partnership, meeting_date: dt.date) -> tuple[list[dict], int]:
    """Agreements (not ended) whose review date is overdue or within 60 days of the meeting."""
    from joinery.agreements.models import Agreement, AgreementStatus

    ended = [AgreementStatus.EXPIRED, AgreementStatus.TERMINATED, AgreementStatus.SUPERSEDED]
    horizon = meeting_date + dt.timedelta(days=AGREEMENT_WINDOW_DAYS)
    rows = (Agreement.objects.filter(partnership=partnership, review_date__isnull=False, review_date__lte=horizon)
            .exclude(status__in=ended).order_by("review_date", "id"))
    items, more = _bounded(rows)
    return [{"kind": "agreement_review", "agreement_id": a.pk, "title": a.title, "review_date": _iso(a.review_date),
             "status": a.status, "url": reverse("agreements:detail", args=[a.pk])} for a in items], more


# --- the agenda ----------------------------------------------------------------------------

def generate(*, partnership, starts_at: dt.datetime, today: dt.date | None = None) -> list[dict]:
    """The agenda's sections for a meeting of `partnership` starting at `starts_at`, as facts (no sentences)."""
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


# --- sentences: what is read, in the reader's language --------------------------------------

def _date(value) -> str:
    """An ISO date (or a date) as the reader writes it: 12 December 2026, 12 décembre 2026."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except (TypeError, ValueError):
            return str(value or "")
    return formats.date_format(value, "DATE_FORMAT", use_l10n=True)


def _number(value) -> str:
    """A stored number as the reader writes it: 12,500.50 in English, 12 500,50 in French; 12,500 if whole."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (ArithmeticError, ValueError):
        return str(value)
    places = 0 if number == number.to_integral_value() else 2
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def _int(value) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def _text(value) -> str:
    return "" if value is None else str(value)


def _overdue_task(item: dict) -> str:
    days = _int(item.get("days_overdue"))
    return ngettext("%(t)s — %(org)s, due %(d)s (%(n)d day overdue)",
                    "%(t)s — %(org)s, due %(d)s (%(n)d days overdue)", days) % {
        "t": _text(item.get("title")), "org": _text(item.get("owner")), "d": _date(item.get("due_date")), "n": days}


def _commitment_behind(item: dict) -> str:
    return _("%(org)s: %(desc)s — %(got)s of %(expected)s %(unit)s expected by now (%(gap)s behind; "
             "%(total)s committed)") % {
        "org": _text(item.get("party")), "desc": _text(item.get("description")),
        "got": _number(item.get("contributed")), "expected": _number(item.get("expected_by_now")),
        "unit": _text(item.get("unit")), "gap": _number(item.get("gap")), "total": _number(item.get("committed"))}


def _risk_above_appetite(item: dict) -> str:
    return _("%(t)s — %(org)s, score %(s)d (appetite: up to %(a)d)") % {
        "t": _text(item.get("title")), "org": _text(item.get("owner")), "s": _int(item.get("score")),
        "a": _int(item.get("appetite"))}


def _decision_open(item: dict) -> str:
    return _("%(t)s — open for positions until %(d)s") % {"t": _text(item.get("title")),
                                                          "d": _date(item.get("closes_on"))}


def _decision_review(item: dict) -> str:
    return _("%(t)s — review date %(d)s") % {"t": _text(item.get("title")), "d": _date(item.get("review_date"))}


def _agreement_status(value) -> str:
    from joinery.agreements.models import AgreementStatus

    label = dict(AgreementStatus.choices).get(value)
    return str(label).lower() if label is not None else _text(value)


def _agreement_review(item: dict) -> str:
    return _("%(t)s — review due %(d)s (%(s)s)") % {
        "t": _text(item.get("title")), "d": _date(item.get("review_date")),
        "s": _agreement_status(item.get("status"))}


RENDERERS: dict[str, Callable[[dict], str]] = {
    "overdue_task": _overdue_task,
    "commitment_behind": _commitment_behind,
    "risk_above_appetite": _risk_above_appetite,
    "decision_open": _decision_open,
    "decision_review": _decision_review,
    "agreement_review": _agreement_review,
}
KINDS = tuple(RENDERERS)


def render_item(item) -> str:
    """The item's sentence in the active language. An item stored as text (before items held facts, or of a kind
    this version does not know) is shown as it was written."""
    if not isinstance(item, dict):
        return _text(item)
    render = RENDERERS.get(item.get("kind"))
    if render is None:
        return _text(item.get("text") or item.get("title"))
    return render(item)


def facts_of(item) -> dict:
    """What an item records, without its kind, link and (old) text."""
    if not isinstance(item, dict):
        return {}
    return {k: v for k, v in item.items() if k not in NOT_FACTS}


def display_item(item) -> dict:
    """One item for a page, the API or the calendar: its kind, facts, link, and sentence in the active language."""
    kind = item.get("kind") if isinstance(item, dict) else None
    return {"kind": kind if kind in RENDERERS else TEXT, "text": render_item(item),
            "url": _text(item.get("url")) if isinstance(item, dict) else "", "facts": facts_of(item)}


def for_display(agenda: list[dict]) -> list[dict]:
    """The stored sections with their headings and item sentences in the reader's language."""
    return [{"key": s.get("section", ""), "heading": heading(s.get("section", "")),
             "items": [display_item(i) for i in s.get("items") or []], "more": s.get("more", 0)}
            for s in (agenda or [])]
