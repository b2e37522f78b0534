"""Reads about agreements for the web pages: lists, the agreement page, versions, history.

Every page reads a bounded number of queries whatever the size of the agreement: the
agreement page fetches clauses, comments, positions and commitments once each and groups
them in Python (tests/agreements/test_views.py asserts the count stays flat).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.safestring import mark_safe

from joinery.audit.models import AuditEvent
from joinery.network.models import PartnerStatus
from joinery.network.visibility import can_see, partnerships_showing
from joinery.organisations.models import Organisation, Representative, RepresentativeRole

from .models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    AgreementVersion,
    Amendment,
    AmendmentStatus,
    Clause,
    ClausePosition,
    ClauseStance,
    Comment,
    Commitment,
    Review,
    Signature,
    SignatureStatus,
)

LEAD_ROLES = [RepresentativeRole.ADMIN, RepresentativeRole.COORDINATOR]
ENDED_STATUSES = {AgreementStatus.EXPIRED, AgreementStatus.TERMINATED, AgreementStatus.SUPERSEDED}


# --- who sees what (network/visibility.py) ------------------------------------------------------

# Until it is signed an agreement is a draft: its partners see it, the public does not (by default).
DRAFT_STATUSES = {AgreementStatus.DRAFT, AgreementStatus.NEGOTIATING, AgreementStatus.AWAITING_SIGNATURES}


def area_of(agreement) -> str:
    """The visibility area an agreement falls in: "drafts" until signed, then "agreements"."""
    return "drafts" if agreement.status in DRAFT_STATUSES else "agreements"


def can_see_agreement(*, person, agreement) -> bool:
    return can_see(person, agreement.partnership, area_of(agreement))


def visible_agreements(*, person) -> QuerySet:
    """Every agreement the person may see: drafts where drafts show, signed ones where agreements show."""
    return Agreement.objects.filter(
        Q(status__in=DRAFT_STATUSES, partnership__in=partnerships_showing(person=person, area="drafts"))
        | (~Q(status__in=DRAFT_STATUSES)
           & Q(partnership__in=partnerships_showing(person=person, area="agreements"))))


@dataclass(frozen=True)
class Shows:
    """Which parts of one agreement the person sees besides its text."""

    comments: bool
    positions: bool
    amendments: bool
    drafts: bool  # earlier versions, redlines and the history of the negotiation

    @property
    def hidden(self) -> bool:
        return not (self.comments and self.positions and self.amendments and self.drafts)


def shows(*, person, agreement) -> Shows:
    p = agreement.partnership
    return Shows(comments=can_see(person, p, "comments"), positions=can_see(person, p, "positions"),
                 amendments=can_see(person, p, "amendments"), drafts=can_see(person, p, "drafts"))


def version_visible(*, person, agreement, version) -> bool:
    """Every version to those who see drafts; otherwise only the text that came into force."""
    return can_see(person, agreement.partnership, "drafts") or version.pk == agreement.in_force_version_id


# --- lists ------------------------------------------------------------------------------------

def agreement_list(*, person, partnership=None, status: str = "", organisation: Organisation | None = None,
                   query: str = "") -> QuerySet:
    """Agreements in partnerships the person can see, filtered; parties prefetched."""
    qs = visible_agreements(person=person)
    if partnership is not None:
        qs = qs.filter(partnership=partnership)
    if status:
        qs = qs.filter(status=status)
    if organisation is not None:
        qs = qs.filter(parties__organisation=organisation)
    query = (query or "").strip()
    if query:
        in_clauses = Clause.objects.filter(agreement=OuterRef("pk"), deleted_at__isnull=True).filter(
            Q(heading__icontains=query) | Q(body__icontains=query))
        qs = qs.filter(Q(title__icontains=query) | Exists(in_clauses))
    return (qs.select_related("partnership", "drafting_lead")
            .prefetch_related(Prefetch("parties", queryset=AgreementParty.objects.select_related("organisation")))
            .order_by("-updated_at", "-id"))


def upcoming_reviews(*, person, partnership=None, days: int = 90, limit: int = 20) -> list[Agreement]:
    """Agreements in force whose review date falls in the next `days` days (or is overdue)."""
    today = timezone.localdate()
    qs = Agreement.objects.filter(partnership__in=partnerships_showing(person=person, area="agreements"),
                                  status=AgreementStatus.IN_FORCE, review_date__isnull=False,
                                  review_date__lte=today + dt.timedelta(days=days))
    if partnership is not None:
        qs = qs.filter(partnership=partnership)
    return list(qs.select_related("partnership").order_by("review_date", "id")[:limit])


def review_calendar_agreements(*, partnership, person) -> list[Agreement]:
    """The agreements whose review dates go in the partnership's calendar feed (those the person sees)."""
    return list(visible_agreements(person=person).filter(partnership=partnership, review_date__isnull=False)
                .exclude(status__in=ENDED_STATUSES)
                .select_related("partnership", "drafting_lead").order_by("review_date", "id"))


def party_organisations(*, person, partnership=None) -> QuerySet:
    """Organisations that are parties to agreements the person can see (the filter's choices)."""
    agreements = visible_agreements(person=person)
    if partnership is not None:
        agreements = agreements.filter(partnership=partnership)
    return Organisation.objects.filter(
        pk__in=AgreementParty.objects.filter(agreement__in=agreements).values("organisation_id")).order_by("name")


# --- who the person is in an agreement ----------------------------------------------------------

@dataclass
class Standing:
    """What the signed-in person can act as in one agreement (read once per request)."""

    party_orgs: list = field(default_factory=list)       # parties they represent (any role)
    lead_orgs: list = field(default_factory=list)        # the drafting lead, if they are its admin/coordinator
    manager_orgs: list = field(default_factory=list)     # parties they represent as admin/coordinator
    signatory_orgs: list = field(default_factory=list)   # parties they may sign for

    @property
    def is_party(self) -> bool:
        return bool(self.party_orgs)

    @property
    def is_lead(self) -> bool:
        return bool(self.lead_orgs)


def standing(*, person, agreement, parties: list[Organisation]) -> Standing:
    if not person.is_authenticated:
        return Standing()
    party_ids = {o.pk for o in parties}
    roles: dict[int, set[str]] = {}
    for org_id, role in (Representative.objects.current().filter(person=person, organisation_id__in=party_ids)
                         .values_list("organisation_id", "role")):
        roles.setdefault(org_id, set()).add(role)
    ordered = [o for o in parties if o.pk in roles]
    return Standing(
        party_orgs=ordered,
        lead_orgs=[o for o in ordered if o.pk == agreement.drafting_lead_id and roles[o.pk] & set(LEAD_ROLES)],
        manager_orgs=[o for o in ordered if roles[o.pk] & set(LEAD_ROLES)],
        signatory_orgs=[o for o in ordered if RepresentativeRole.SIGNATORY in roles[o.pk]],
    )


# --- the agreement page -------------------------------------------------------------------------

def agreement_get(*, pk: int) -> Agreement:
    return Agreement.objects.select_related(
        "partnership", "drafting_lead", "variation_of", "created_by",
        "signature_version", "in_force_version").get(pk=pk)


def parties_of(*, agreement) -> list[Organisation]:
    return [p.organisation for p in agreement.parties.select_related("organisation").order_by("organisation__name")]


@dataclass
class Thread:
    comment: Comment
    replies: list = field(default_factory=list)


def clauses_for_page(*, agreement, parties: list[Organisation], visible: Shows | None = None) -> list[Clause]:
    """Live clauses in order, each with `.number`, `.threads` (open and resolved), `.position_rows`
    and `.live_commitments`. Comments and positions the person may not see (`visible`) stay empty.

    Four queries whatever the number of clauses and comments.
    """
    comments = Comment.objects.select_related("author", "acting_for", "resolved_by").order_by("created_at", "id")
    positions = ClausePosition.objects.select_related("organisation", "recorded_by")
    if visible is not None and not visible.comments:
        comments = comments.none()
    if visible is not None and not visible.positions:
        positions = positions.none()
    clauses = list(
        agreement.clauses.filter(deleted_at__isnull=True).order_by("position", "id")
        .select_related("updated_by")
        .prefetch_related(
            Prefetch("comments", queryset=comments),
            Prefetch("positions", queryset=positions),
            Prefetch("commitments", queryset=Commitment.objects.filter(deleted_at__isnull=True)
                     .select_related("party").order_by("party__name", "period_start", "id"),
                     to_attr="live_commitments"),
        )
    )
    for n, c in enumerate(clauses, start=1):
        c.number = n
        threads: dict[int, Thread] = {}
        orphans = []
        for cm in c.comments.all():
            if cm.parent_id is None:
                threads[cm.pk] = Thread(cm)
            elif cm.parent_id in threads:
                threads[cm.parent_id].replies.append(cm)
            else:
                orphans.append(cm)  # a reply to a reply: attach to its thread below
        for cm in orphans:
            for t in threads.values():
                if any(r.pk == cm.parent_id for r in t.replies):
                    t.replies.append(cm)
                    break
        c.threads = list(threads.values())
        c.open_threads = [t for t in c.threads if t.comment.resolved_at is None]
        c.resolved_threads = [t for t in c.threads if t.comment.resolved_at is not None]
        by_org = {p.organisation_id: p for p in c.positions.all()}
        c.position_rows = [{"organisation": o, "position": by_org.get(o.pk),
                            "stale": by_org.get(o.pk) is not None and by_org[o.pk].clause_revision != c.revision}
                           for o in parties] if visible is None or visible.positions else []
    return clauses


MARKDOWN_CACHE_SECONDS = 30 * 24 * 3600


def render_clause_bodies(clauses: list[Clause]) -> None:
    """Set `.body_html` on each clause: its Markdown rendered and sanitised by the `markdown` filter.

    Rendering Markdown costs milliseconds a clause, so the page keeps the results for the whole
    agreement under one cache key derived from every clause's text: one cache read per page,
    and any edit changes the key.
    """
    from joinery.core.templatetags.joinery_tags import ALLOWED_TAGS, markdown

    digest = hashlib.sha256(repr(sorted(ALLOWED_TAGS)).encode())
    for c in clauses:
        digest.update(f"\x00{c.pk}\x00".encode() + c.body.encode())
    key = f"agreements:clause-html:{digest.hexdigest()}"
    rendered = cache.get(key)
    if not isinstance(rendered, dict):
        rendered = {c.pk: str(markdown(c.body)) for c in clauses if c.body}
        cache.set(key, rendered, MARKDOWN_CACHE_SECONDS)
    for c in clauses:
        c.body_html = mark_safe(rendered.get(c.pk, ""))  # sanitised by nh3 before it was stored


def amendments_for_page(*, agreement) -> list[Amendment]:
    return list(agreement.amendments.select_related("clause", "acting_for", "proposer", "decided_by")
                .order_by("-created_at", "-id"))


def versions_for_page(*, agreement) -> list[AgreementVersion]:
    return list(agreement.versions.defer("canonical_text", "snapshot").select_related("frozen_by")
                .order_by("-number"))


def signature_version_of(*, agreement, versions: list[AgreementVersion]) -> AgreementVersion | None:
    """The version whose signatures the page shows: out for signature, in force, or the last one asked."""
    wanted = agreement.signature_version_id or agreement.in_force_version_id
    for v in versions:
        if (wanted and v.pk == wanted) or (not wanted and v.for_signature):
            return v
    return None


def signatures_of(*, version) -> list[Signature]:
    if version is None:
        return []
    return list(version.signatures.select_related("organisation", "signer").order_by("organisation__name"))


def reviews_for_page(*, agreement) -> list[Review]:
    return list(agreement.reviews.select_related("decision", "decision__partnership").order_by("-created_at"))


def open_items(*, agreement, clauses: list[Clause], parties: list[Organisation], amendments: list[Amendment],
               signatures: list[Signature]) -> list[dict]:
    """For each party, what is still open for it: objections, clauses without a position, signatures."""
    rows = []
    proposed = [am for am in amendments if am.status == AmendmentStatus.PROPOSED]
    for org in parties:
        objections, missing = [], 0
        for c in clauses:
            pos = next((r["position"] for r in c.position_rows if r["organisation"].pk == org.pk), None)
            if pos is None:
                missing += 1
            elif pos.stance == ClauseStance.OBJECT:
                objections.append(c)
        sig = next((s for s in signatures if s.organisation_id == org.pk), None)
        rows.append({
            "organisation": org,
            "objections": objections,
            "missing_positions": missing if agreement.is_editable else 0,
            "awaiting_signature": bool(sig and sig.status == SignatureStatus.PENDING
                                       and agreement.status == AgreementStatus.AWAITING_SIGNATURES),
            "amendments_to_decide": len(proposed) if org.pk == agreement.drafting_lead_id else 0,
        })
    return rows


def commitments_by_party(*, clauses: list[Clause]) -> list[dict]:
    """[{party, commitments: [(clause, commitment)], totals: {(kind label, unit): quantity}}]."""
    by_party: dict[int, dict] = {}
    for c in clauses:
        for m in c.live_commitments:
            row = by_party.setdefault(m.party_id, {"party": m.party, "items": [], "totals": {}})
            row["items"].append({"clause": c, "commitment": m})
            key = (str(m.get_kind_display()), m.unit)
            row["totals"][key] = row["totals"].get(key, 0) + m.quantity
    out = sorted(by_party.values(), key=lambda r: r["party"].name)
    for row in out:
        row["totals"] = [{"kind": k, "unit": u, "quantity": q} for (k, u), q in sorted(row["totals"].items())]
    return out


def commitments_for_export(*, agreement) -> list[tuple[int, Clause, Commitment]]:
    """(clause number, clause, commitment) for the draft's live commitments, by party then clause."""
    clauses = list(agreement.clauses.filter(deleted_at__isnull=True).order_by("position", "id"))
    numbers = {c.pk: (n, c) for n, c in enumerate(clauses, start=1)}
    rows = []
    for m in (agreement.commitments.filter(deleted_at__isnull=True, clause__deleted_at__isnull=True)
              .select_related("party")):
        n, c = numbers[m.clause_id]
        rows.append((n, c, m))
    rows.sort(key=lambda r: (r[2].party.name, r[0], r[2].period_start, r[2].pk))
    return rows


# --- passages -----------------------------------------------------------------------------------

_EMPHASIS = "*_`~"
_MARKUP_BETWEEN = r"(?:[\s*_`~>#\[\]]|\]\([^)\s]*\))+"


def locate_passage(source: str, quote: str) -> str:
    """The exact stretch of a clause's Markdown source that a passage selected on the page shows.

    A selection copies the rendered words ("shared plan") while the source may carry markup
    ("**shared** plan") or other line breaks; match word by word, allowing markup and spaces in
    between. Returns the quote unchanged when it is already in the source or is not found.
    """
    quote = (quote or "").strip()
    if not quote or quote in source:
        return quote
    words = quote.split()
    if not words:
        return quote
    pattern = _MARKUP_BETWEEN.join(re.escape(w) for w in words)
    m = re.search(pattern, source)
    if not m:
        return quote
    start, end = m.span()
    while start > 0 and source[start - 1] in _EMPHASIS:  # "**shared plan**", not "shared plan**"
        start -= 1
    while end < len(source) and source[end] in _EMPHASIS:
        end += 1
    return source[start:end]


# --- versions and redline -------------------------------------------------------------------------

def version_get(*, agreement, number: int) -> AgreementVersion:
    return agreement.versions.select_related("frozen_by").get(number=number)


_TOKEN = re.compile(r"\s+|\S+\s*")


def redline(old: str, new: str) -> list[dict]:
    """A word-level comparison: [{"op": "equal"|"insert"|"delete", "text": ...}] (difflib)."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    segments: list[dict] = []

    def add(op, text):
        if not text:
            return
        if segments and segments[-1]["op"] == op:
            segments[-1]["text"] += text
        else:
            segments.append({"op": op, "text": text})

    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            if tag in ("delete", "replace"):
                add("delete", "".join(a[i1:i2]))
            if tag in ("insert", "replace"):
                add("insert", "".join(b[j1:j2]))
    return segments


# --- history ---------------------------------------------------------------------------------------

def _ids(qs) -> QuerySet:
    return qs.annotate(id_text=Cast("pk", output_field=CharField())).values("id_text")


def history_events(*, agreement) -> QuerySet:
    """The audit events that tell the agreement's story: it and its clauses, comments, amendments…"""
    a = agreement
    owned = {
        "agreements.agreement": Agreement.objects.filter(Q(pk=a.pk) | Q(variation_of=a)),
        "agreements.clause": Clause.objects.filter(agreement=a),
        "agreements.comment": Comment.objects.filter(clause__agreement=a),
        "agreements.amendment": Amendment.objects.filter(agreement=a),
        "agreements.clauseposition": ClausePosition.objects.filter(clause__agreement=a),
        "agreements.commitment": Commitment.objects.filter(agreement=a),
        "agreements.agreementversion": AgreementVersion.objects.filter(agreement=a),
        "agreements.signature": Signature.objects.filter(version__agreement=a),
        "agreements.review": Review.objects.filter(agreement=a),
    }
    q = Q()
    for object_type, qs in owned.items():
        q |= Q(object_type=object_type, object_id__in=_ids(qs))
    return (AuditEvent.objects.filter(partnership_id=a.partnership_id).filter(q)
            .select_related("actor", "acting_for").order_by("-id"))


def partner_organisations(*, partnership) -> list[Organisation]:
    return [p.organisation for p in partnership.partners.filter(status=PartnerStatus.ACTIVE)
            .select_related("organisation").order_by("organisation__name")]


def version_fingerprints() -> dict:
    """Every frozen version's fingerprint, by id, and the ids whose text no longer matches it
    (a backup's integrity check: a faithful copy reproduces both)."""
    from .models import AgreementVersion

    fingerprints, mismatched = {}, []
    for pk, text, fingerprint in AgreementVersion.objects.order_by("pk").values_list(
            "pk", "canonical_text", "fingerprint").iterator(chunk_size=500):
        fingerprints[str(pk)] = fingerprint
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != fingerprint:
            mismatched.append(pk)
    return {"versions": fingerprints, "mismatched": mismatched}
