"""Reads of the contributions ledger: the ledger itself, the investment by partner and sector,
commitments against actuals, and valuation rates.

At national scale the table holds millions of contributions, a few hundred per partnership.
Every read here is bounded by the partnership (the (partnership, -date, -id) index), pages
through the ledger by keyset, and adds up with GROUP BY: a constant number of queries
whatever the number of rows (tests/contributions/test_views.py counts them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncQuarter
from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.agreements.models import AgreementStatus, Commitment
from joinery.audit.models import AuditEvent
from joinery.network.models import PartnerStatus
from joinery.organisations.models import Organisation

from . import measures
from .models import HOUR_KINDS, Contribution, ContributionKind, ContributorSector, ValuationRate
from .services import SIGNED_STATUSES

ACTIVE_STATUSES = (AgreementStatus.IN_FORCE, AgreementStatus.UNDER_REVIEW)
PAGE_SIZE = 50
CENT = Decimal("0.01")
ZERO = Decimal("0")


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _percent(part, whole) -> int | None:
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# --- the ledger ----------------------------------------------------------------------------------

@dataclass
class LedgerFilters:
    organisation: Organisation | None = None
    kind: str = ""
    sector: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    include_withdrawn: bool = False

    @property
    def active(self) -> bool:
        return bool(self.organisation or self.kind or self.sector or self.date_from or self.date_to or self.q
                    or self.include_withdrawn)


def ledger_queryset(*, partnership, filters: LedgerFilters | None = None) -> QuerySet:
    """The partnership's contributions, newest first, filtered (withdrawn ones only when asked)."""
    f = filters or LedgerFilters()
    qs = Contribution.objects.filter(partnership=partnership)
    if not f.include_withdrawn:
        qs = qs.filter(withdrawn_at__isnull=True)
    if f.organisation is not None:
        qs = qs.filter(organisation=f.organisation)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.sector:
        qs = qs.filter(sector=f.sector)
    if f.date_from:
        qs = qs.filter(date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date__lte=f.date_to)
    if f.q.strip():
        qs = qs.filter(description__icontains=f.q.strip())
    return qs.order_by("-date", "-id")


def _with_related(qs: QuerySet) -> QuerySet:
    return qs.select_related("organisation", "person", "rate", "commitment", "work_item", "batch")


@dataclass
class LedgerPage:
    rows: list
    next_cursor: str = ""
    first_page: bool = True


def encode_cursor(c: Contribution) -> str:
    return f"{c.date.isoformat()}_{c.pk}"


def decode_cursor(cursor: str | None):
    try:
        day, pk = (cursor or "").split("_", 1)
        return dt.date.fromisoformat(day), int(pk)
    except (ValueError, TypeError):
        return None


def ledger(*, partnership, filters: LedgerFilters | None = None, after: str | None = None,
           limit: int = PAGE_SIZE) -> LedgerPage:
    """One page of the ledger, by keyset: `after` is the cursor of the last row of the previous page.

    Keyset pagination reads only the page it shows, however deep, using the
    (partnership, -date, -id) index; there is no COUNT(*).
    """
    qs = ledger_queryset(partnership=partnership, filters=filters)
    position = decode_cursor(after)
    if position is not None:
        day, pk = position
        qs = qs.filter(Q(date__lt=day) | Q(date=day, pk__lt=pk))
    if filters is not None and filters.include_withdrawn:
        qs = qs.annotate(corrected=Exists(Contribution.objects.filter(replaces=OuterRef("pk"))))
    rows = list(_with_related(qs)[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return LedgerPage(rows=rows, next_cursor=encode_cursor(rows[-1]) if more else "", first_page=position is None)


def ledger_totals(*, partnership, filters: LedgerFilters | None = None) -> dict:
    """What the filtered ledger adds up to: value per currency, hours, and how many have no value."""
    f = filters or LedgerFilters()
    live = LedgerFilters(**{**f.__dict__, "include_withdrawn": False})
    rows = (ledger_queryset(partnership=partnership, filters=live).order_by()
            .values("currency").annotate(total_value=Sum("value"), n=Count("id"),
                                         hours=Sum("quantity", filter=Q(kind__in=HOUR_KINDS)),
                                         unvalued=Count("id", filter=Q(value__isnull=True))))
    out = {"values": [], "hours": ZERO, "count": 0, "unvalued": 0}
    for r in rows:
        out["count"] += r["n"]
        out["unvalued"] += r["unvalued"]
        out["hours"] += r["hours"] or ZERO
        if r["currency"] and r["total_value"] is not None:
            out["values"].append({"currency": r["currency"], "value": _cents(r["total_value"])})
    out["values"].sort(key=lambda v: -v["value"])
    return out


def contributor_choices(*, partnership) -> list[Organisation]:
    """Organisations that are or were partners: the ledger's filter."""
    return list(Organisation.objects.filter(partnerships__partnership=partnership).distinct().order_by("name"))


def contribution_get(*, pk: int) -> Contribution:
    return (Contribution.objects.select_related(
        "partnership", "organisation", "person", "rate", "commitment__agreement", "commitment__party", "work_item",
        "batch", "recorded_by", "replaces", "replaced_by").get(pk=pk))


def contribution_history(*, contribution: Contribution, limit: int = 20) -> list[AuditEvent]:
    """The audit events of this contribution and of the rows it replaces or was replaced by."""
    ids = [str(contribution.pk)]
    if contribution.replaces_id:
        ids.append(str(contribution.replaces_id))
    replaced_by = getattr(contribution, "replaced_by", None) if _has_replacement(contribution) else None
    if replaced_by is not None:
        ids.append(str(replaced_by.pk))
    return list(AuditEvent.objects.filter(partnership_id=contribution.partnership_id,
                                          object_type="contributions.contribution", object_id__in=ids)
                .select_related("actor", "acting_for").order_by("-id")[:limit])


def _has_replacement(c: Contribution) -> bool:
    try:
        return c.replaced_by is not None
    except Contribution.DoesNotExist:
        return False


def replacement_of(c: Contribution) -> Contribution | None:
    return c.replaced_by if _has_replacement(c) else None


# --- valuation rates --------------------------------------------------------------------------

def rates_for_page(*, partnership) -> list[ValuationRate]:
    """Every rate, current and past, with `.used`: how many live contributions it values."""
    return list(ValuationRate.objects.filter(partnership=partnership)
                .select_related("set_by", "superseded_by")
                .annotate(used=Count("contributions", filter=Q(contributions__withdrawn_at__isnull=True)))
                .order_by("work_kind", "-valid_from", "-id"))


def rates_in_force(*, partnership, on: dt.date | None = None) -> list[ValuationRate]:
    on = on or timezone.localdate()
    return list(ValuationRate.objects.filter(partnership=partnership, valid_from__lte=on)
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on)).order_by("hours_kind", "label"))


def usual_currency(*, partnership) -> str:
    """The currency the partnership's rates use (a sensible default for its forms)."""
    return (ValuationRate.objects.filter(partnership=partnership).order_by("-valid_from")
            .values_list("currency", flat=True).first() or "")


def commitment_choices(*, partnership) -> list[Commitment]:
    """Commitments of the partnership's signed agreements, for a contribution form."""
    return list(Commitment.objects.filter(agreement__partnership=partnership, agreement__status__in=SIGNED_STATUSES,
                                          deleted_at__isnull=True)
                .select_related("party", "agreement").order_by("party__name", "period_start", "id"))


# --- the investment -----------------------------------------------------------------------------

SECTOR_ORDER = [s.value for s in ContributorSector]


def _partners(partnership) -> list:
    return list(partnership.partners.select_related("organisation").order_by("organisation__name", "-joined_at"))


def investment_summary(*, partnership, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    """The whole investment, by partner and by sector, per currency, with valued hours.

    Two queries: one GROUP BY over the partnership's contributions, one for its partners
    (every active partner is listed, including those with nothing recorded yet).
    """
    qs = Contribution.objects.filter(partnership=partnership, withdrawn_at__isnull=True)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    groups = list(qs.order_by().values("organisation_id", "sector", "currency", "kind")
                  .annotate(total_value=Sum("value"), total_quantity=Sum("quantity"), n=Count("id"),
                            unvalued=Count("id", filter=Q(value__isnull=True))))
    for g in groups:
        g["value"], g["quantity"] = g.pop("total_value"), g.pop("total_quantity")
    partners = _partners(partnership)

    totals: dict[str, Decimal] = {}
    for g in groups:
        if g["value"] is not None and g["currency"]:
            totals[g["currency"]] = totals.get(g["currency"], ZERO) + g["value"]
    currencies = sorted(totals, key=lambda c: (-totals[c], c))
    main = currencies[0] if currencies else ""

    def blank_row(**extra):
        return {"values": {}, "hours": ZERO, "hours_value": {}, "count": 0, "unvalued": 0, "by_kind": {}, **extra}

    sectors = {s: blank_row(sector=s, label=str(ContributorSector(s).label)) for s in SECTOR_ORDER}
    orgs: dict[int, dict] = {}
    seen = set()
    for p in partners:
        if p.organisation_id in seen:
            continue
        seen.add(p.organisation_id)
        orgs[p.organisation_id] = blank_row(organisation=p.organisation, name=p.organisation.name,
                                            sector=p.organisation.sector, active=p.status == PartnerStatus.ACTIVE,
                                            role=p.get_role_display())
    citizens = blank_row(organisation=None, name=_("Citizens and volunteers"), sector=ContributorSector.CITIZENS,
                         active=True, role=_("Co-producers"))
    for g in groups:
        if g["organisation_id"] is None:
            row = citizens
        else:
            row = orgs.setdefault(g["organisation_id"], blank_row(organisation=None, name=_("Former partner"),
                                                                  sector=g["sector"], active=False, role=""))
        for target in (row, sectors.setdefault(g["sector"], blank_row(sector=g["sector"], label=g["sector"]))):
            target["count"] += g["n"]
            target["unvalued"] += g["unvalued"]
            if g["kind"] in HOUR_KINDS:
                target["hours"] += g["quantity"] or ZERO
            if g["value"] is not None and g["currency"]:
                target["values"][g["currency"]] = target["values"].get(g["currency"], ZERO) + g["value"]
                if g["kind"] in HOUR_KINDS:
                    target["hours_value"][g["currency"]] = target["hours_value"].get(g["currency"], ZERO) + g["value"]
                if g["currency"] == main:
                    target["by_kind"][g["kind"]] = target["by_kind"].get(g["kind"], ZERO) + g["value"]

    main_total = totals.get(main, ZERO)

    def finish(row):
        row["main_value"] = _cents(row["values"].get(main, ZERO))
        row["share"] = _percent(row["main_value"], main_total)
        row["values"] = [{"currency": c, "value": _cents(row["values"][c])} for c in currencies if c in row["values"]]
        row["hours_value"] = [{"currency": c, "value": _cents(v)} for c, v in sorted(row["hours_value"].items())]
        row["hours"] = _cents(row["hours"])
        return row

    by_partner = [finish(r) for r in orgs.values()]
    by_partner.sort(key=lambda r: (-r["main_value"], r["name"]))
    by_partner.append(finish(citizens))
    by_sector = [finish(sectors[s]) for s in SECTOR_ORDER]
    public = sectors[ContributorSector.PUBLIC]["main_value"]
    non_government = _cents(main_total - public)
    by_kind = []
    for k in ContributionKind:
        v = sum((r["by_kind"].get(k.value, ZERO) for r in by_sector), ZERO)
        by_kind.append({"kind": k.value, "label": str(k.label), "value": _cents(v), "share": _percent(v, main_total)})
    summary = {
        "currencies": currencies, "main_currency": main, "totals": [{"currency": c, "value": _cents(totals[c])}
                                                                   for c in currencies],
        "main_total": _cents(main_total), "by_partner": by_partner, "by_sector": by_sector, "by_kind": by_kind,
        "government": public, "non_government": non_government,
        "non_government_share": _percent(non_government, main_total),
        "hours": _cents(sum((r["hours"] for r in by_sector), ZERO)),
        "count": sum(r["count"] for r in by_sector),
    }
    summary["sentences"] = investment_sentences(summary)
    return summary


def _money(value, currency) -> str:
    return f"{currency} {value:,.2f}".strip()


def investment_sentences(s: dict) -> list[str]:
    """The text summary of the investment page, one sentence per point, server-rendered."""
    if not s["main_total"]:
        return [_("No valued contribution is recorded yet. As partners record money, hours and in-kind "
                  "contributions, this page shows who puts in what.")]
    cur = s["main_currency"]
    out = [_("Non-government partners and citizens put in %(p)s%% of the valued investment (%(ng)s of %(t)s); "
             "government put in %(g)s%% (%(gv)s).")
           % {"p": s["non_government_share"], "ng": _money(s["non_government"], cur), "t": _money(s["main_total"], cur),
              "g": _percent(s["government"], s["main_total"]), "gv": _money(s["government"], cur)}]
    leader = next((r for r in s["by_partner"] if r["organisation"] is not None and r["main_value"]), None)
    if leader is not None:
        out.append(_("%(org)s contributed the most: %(p)s%% of the total (%(v)s).")
                   % {"org": leader["name"], "p": leader["share"], "v": _money(leader["main_value"], cur)})
    outside = next((r for r in s["by_partner"] if r["organisation"] is not None and r["main_value"]
                    and r["sector"] != ContributorSector.PUBLIC), None)
    if outside is not None and outside is not leader:
        out.append(_("Outside government, %(org)s contributed the most: %(p)s%% (%(v)s).")
                   % {"org": outside["name"], "p": outside["share"], "v": _money(outside["main_value"], cur)})
    citizens = s["by_sector"][SECTOR_ORDER.index(ContributorSector.CITIZENS)]
    if citizens["hours"]:
        share = (_("less than 1%") if citizens["main_value"] and not citizens["share"]
                 else f"{citizens['share'] or 0}%")
        out.append(_("Citizens gave %(h)s volunteer hours, valued at %(v)s (%(p)s of the total).")
                   % {"h": f"{citizens['hours']:,.2f}".rstrip("0").rstrip("."), "v": _money(citizens["main_value"], cur),
                      "p": share})
    if len(s["currencies"]) > 1:
        out.append(_("Amounts in other currencies (%(c)s) are shown separately and not converted.")
                   % {"c": ", ".join(s["currencies"][1:])})
    return out


def quarterly_trend(*, partnership, quarters: int = 8, today: dt.date | None = None) -> dict:
    """Valued contributions per quarter and sector, in the main currency, for the last `quarters` quarters.

    One GROUP BY query.
    """
    today = today or timezone.localdate()
    last = _quarter_start(today)
    starts = [_add_quarters(last, -i) for i in range(quarters - 1, -1, -1)]
    rows = (Contribution.objects.filter(partnership=partnership, withdrawn_at__isnull=True, value__isnull=False,
                                        date__gte=starts[0], date__lte=today)
            .order_by().values("sector", "currency", quarter=TruncQuarter("date")).annotate(total=Sum("value")))
    by_currency: dict[str, dict] = {}
    for r in rows:
        q = r["quarter"].date() if isinstance(r["quarter"], dt.datetime) else r["quarter"]
        cell = by_currency.setdefault(r["currency"], {}).setdefault(r["sector"], {})
        cell[q] = cell.get(q, ZERO) + (r["total"] or ZERO)
    currency = max(by_currency, key=lambda c: sum(sum(v.values()) for v in by_currency[c].values()), default="")
    data = by_currency.get(currency, {})
    series = []
    for s in SECTOR_ORDER:
        series.append({"sector": s, "label": str(ContributorSector(s).label),
                       "values": [_cents(data.get(s, {}).get(q, ZERO)) for q in starts]})
    totals = [_cents(sum((data.get(s, {}).get(q, ZERO) for s in SECTOR_ORDER), ZERO)) for q in starts]
    return {"currency": currency, "quarters": [quarter_label(q) for q in starts], "series": series,
            "totals": totals}


# --- quarters ---------------------------------------------------------------------------------

def _quarter_start(d: dt.date) -> dt.date:
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _add_quarters(d: dt.date, n: int) -> dt.date:
    months = d.year * 12 + (d.month - 1) + 3 * n
    return dt.date(months // 12, months % 12 + 1, 1)


def quarter_label(d: dt.date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def parse_period(text: str | None) -> tuple[dt.date, dt.date] | None:
    """"2025" → the year; "2025-Q2" → the quarter; anything else → None (the whole time)."""
    text = (text or "").strip().upper()
    try:
        if len(text) == 4 and text.isdigit():
            return dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
        if len(text) == 7 and text[4:6] == "-Q" and text[:4].isdigit() and text[6] in "1234":
            start = dt.date(int(text[:4]), 3 * (int(text[6]) - 1) + 1, 1)
            return start, _add_quarters(start, 1) - dt.timedelta(days=1)
    except ValueError:
        return None
    return None


def period_choices(*, today: dt.date | None = None, years: int = 3) -> list[tuple[str, str]]:
    today = today or timezone.localdate()
    out = [("", _("The whole time"))]
    for y in range(today.year, today.year - years, -1):
        out.append((str(y), str(y)))
        for q in range(4, 0, -1):
            if dt.date(y, 3 * (q - 1) + 1, 1) <= today:
                out.append((f"{y}-Q{q}", f"{y} Q{q}"))
    return out


# --- commitments against actuals ----------------------------------------------------------------

def _days(a: dt.date, b: dt.date) -> int:
    return (b - a).days + 1


def _share_of(commitment, start: dt.date, end: dt.date) -> Decimal:
    """The part of a commitment that falls between start and end, pro rata over its days."""
    overlap_start, overlap_end = max(start, commitment.period_start), min(end, commitment.period_end)
    if overlap_end < overlap_start:
        return ZERO
    return _cents(commitment.quantity * Decimal(_days(overlap_start, overlap_end))
                  / Decimal(_days(commitment.period_start, commitment.period_end)))


def _signed_commitments(partnership, statuses) -> list[Commitment]:
    return list(Commitment.objects.filter(agreement__partnership=partnership, agreement__status__in=statuses,
                                          deleted_at__isnull=True)
                .select_related("party", "agreement").order_by("party__name", "period_start", "id"))


def _actuals(partnership, commitment_ids, *, until: dt.date | None = None) -> list[dict]:
    qs = Contribution.objects.filter(partnership=partnership, withdrawn_at__isnull=True,
                                     commitment_id__in=commitment_ids)
    if until is not None:
        qs = qs.filter(date__lte=until)
    rows = list(qs.order_by().values("commitment_id", "kind", "currency", "unit", quarter=TruncQuarter("date"))
                .annotate(total_quantity=Sum("quantity"), total_value=Sum("value")))
    for r in rows:
        r["quantity"], r["value"] = r.pop("total_quantity"), r.pop("total_value")
    return rows


@dataclass
class CommitmentRow:
    commitment: Commitment
    measure: tuple
    committed: Decimal = ZERO
    contributed: Decimal = ZERO
    expected_by_now: Decimal = ZERO
    by_quarter: dict = field(default_factory=dict)

    @property
    def gap(self) -> Decimal:
        return _cents(self.committed - self.contributed)

    @property
    def percent(self) -> int | None:
        return _percent(self.contributed, self.committed)

    @property
    def behind(self) -> bool:
        return self.contributed < self.expected_by_now

    @property
    def unit(self) -> str:
        return self.commitment.unit


def commitments_vs_actuals(*, partnership, period: tuple[dt.date, dt.date] | None = None,
                           as_of: dt.date | None = None) -> dict:
    """Per partner and commitment: committed, contributed, the gap, % and a quarterly trend.

    With a `period` (a year or a quarter, see parse_period) the committed amount is the
    commitment's pro-rata share of the period and only contributions dated in it count.
    Two queries whatever the number of commitments and contributions.
    """
    as_of = as_of or timezone.localdate()
    commitments = _signed_commitments(partnership, SIGNED_STATUSES)
    if period is not None:
        commitments = [m for m in commitments if m.period_start <= period[1] and m.period_end >= period[0]]
    actuals = _actuals(partnership, [m.pk for m in commitments]) if commitments else []
    rows = {m.pk: CommitmentRow(commitment=m, measure=measures.measure_of(m)) for m in commitments}
    for a in actuals:
        row = rows.get(a["commitment_id"])
        if row is None:
            continue
        q = a["quarter"].date() if isinstance(a["quarter"], dt.datetime) else a["quarter"]
        amount = measures.counted(row.measure, kind=a["kind"], currency=a["currency"], unit=a["unit"],
                                  quantity=a["quantity"], value=a["value"])
        if amount is None:
            continue
        row.by_quarter[q] = row.by_quarter.get(q, ZERO) + amount
    start_q = _quarter_start(period[0]) if period else None
    for row in rows.values():
        m = row.commitment
        if period is None:
            row.committed = _cents(m.quantity)
            row.contributed = _cents(sum(row.by_quarter.values(), ZERO))
            row.expected_by_now = _share_of(m, m.period_start, as_of) if as_of >= m.period_start else ZERO
        else:
            row.committed = _share_of(m, *period)
            row.contributed = _cents(sum((v for q, v in row.by_quarter.items() if start_q <= q <= period[1]), ZERO))
            row.expected_by_now = _share_of(m, period[0], min(as_of, period[1])) if as_of >= period[0] else ZERO
    ordered = list(rows.values())
    # the quarters shown in the trend: those the commitments cover, up to now, at most eight
    if ordered:
        first = _quarter_start(min(r.commitment.period_start for r in ordered))
        last = _quarter_start(min(max(r.commitment.period_end for r in ordered), as_of))
        if period is not None:
            first, last = max(first, _quarter_start(period[0])), min(last, _quarter_start(period[1]))
        quarters = []
        q = last
        while q >= first and len(quarters) < 8:
            quarters.insert(0, q)
            q = _add_quarters(q, -1)
    else:
        quarters = []
    partners: dict[int, dict] = {}
    for row in ordered:
        row.trend = [_cents(row.by_quarter.get(q, ZERO)) for q in quarters]
        p = partners.setdefault(row.commitment.party_id, {"organisation": row.commitment.party, "rows": [],
                                                           "by_unit": {}})
        p["rows"].append(row)
        unit = row.unit.upper() if row.measure[0] == measures.VALUE else row.unit
        u = p["by_unit"].setdefault(unit, {"unit": unit, "committed": ZERO, "contributed": ZERO,
                                           "expected_by_now": ZERO, "commitments": 0})
        u["commitments"] += 1
        u["committed"] += row.committed
        u["contributed"] += row.contributed
        u["expected_by_now"] += row.expected_by_now
    for p in partners.values():
        p["by_unit"] = [{**u, "gap": _cents(u["committed"] - u["contributed"]),
                         "percent": _percent(u["contributed"], u["committed"])} for u in p["by_unit"].values()]
    behind = [r for r in ordered if r.behind]
    sentences = []
    if ordered:
        sentences.append(_("Commitments behind what was expected by %(d)s (each spread evenly over its period): "
                           "%(b)s of %(n)s.") % {"b": len(behind), "n": len(ordered), "d": as_of.isoformat()})
    else:
        sentences.append(_("No signed agreement of this partnership has commitments yet."))
    return {"rows": ordered, "partners": sorted(partners.values(), key=lambda p: p["organisation"].name),
            "quarters": [quarter_label(q) for q in quarters], "behind": behind, "sentences": sentences,
            "as_of": as_of, "period": period}


def commitments_behind(*, partnership, as_of: dt.date | None = None) -> list[dict]:
    """Commitments of agreements in force that are behind: less contributed than expected by `as_of`.

    The contract other apps rely on (the review meeting's agenda): a list of dicts with
    `commitment` (a Commitment, party and agreement selected), `committed` (its quantity, in
    its unit), `contributed` (what counts towards it, dated on or before `as_of`),
    `expected_by_now` (the commitment pro rata over its period, up to `as_of`), `gap`
    (expected_by_now − contributed, > 0) and `unit`. Largest shortfall first. Two queries.
    """
    as_of = as_of or timezone.localdate()
    commitments = [m for m in _signed_commitments(partnership, ACTIVE_STATUSES) if m.period_start <= as_of]
    if not commitments:
        return []
    totals: dict[int, Decimal] = {}
    measure = {m.pk: measures.measure_of(m) for m in commitments}
    for a in _actuals(partnership, list(measure), until=as_of):
        amount = measures.counted(measure[a["commitment_id"]], kind=a["kind"], currency=a["currency"],
                                  unit=a["unit"], quantity=a["quantity"], value=a["value"])
        if amount is not None:
            totals[a["commitment_id"]] = totals.get(a["commitment_id"], ZERO) + amount
    out = []
    for m in commitments:
        expected = _share_of(m, m.period_start, as_of)
        contributed = _cents(totals.get(m.pk, ZERO))
        if contributed < expected:
            out.append({"commitment": m, "committed": _cents(m.quantity), "contributed": contributed,
                        "expected_by_now": expected, "gap": _cents(expected - contributed), "unit": m.unit})
    out.sort(key=lambda r: (-(r["gap"] / r["expected_by_now"]), r["commitment"].party.name, r["commitment"].pk))
    return out


def investment_chart_data(*, summary: dict, vs: dict, trend: dict) -> dict:
    """What investment.js draws: the same numbers as the tables, as plain JSON."""
    main = summary["main_currency"]
    return {
        "currency": main,
        "sectors": {"labels": [r["label"] for r in summary["by_sector"]],
                    "values": [float(r["main_value"]) for r in summary["by_sector"]]},
        "partners": {"labels": [r["name"] for r in summary["by_partner"]],
                     "values": [float(r["main_value"]) for r in summary["by_partner"]]},
        "commitments": {
            "labels": [f"{p['organisation'].name}" for p in vs["partners"] for u in p["by_unit"] if u["unit"] == main],
            "committed": [float(u["committed"]) for p in vs["partners"] for u in p["by_unit"] if u["unit"] == main],
            "contributed": [float(u["contributed"]) for p in vs["partners"] for u in p["by_unit"]
                            if u["unit"] == main],
        },
        "trend": {"labels": trend["quarters"], "currency": trend["currency"],
                  "series": [{"label": s["label"], "values": [float(v) for v in s["values"]]}
                             for s in trend["series"]]},
        "text": {"committed": _("Committed"), "contributed": _("Contributed")},
    }


def recent_imports(*, partnership, limit: int = 10) -> list:
    """The partnership's latest imports, accepted or rejected, newest first (one query)."""
    from .models import ContributionImport

    return list(ContributionImport.objects.filter(partnership=partnership)
                .select_related("imported_by", "acting_for").order_by("-created_at", "-id")[:limit])
