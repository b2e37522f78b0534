"""Writes about agreements. Web, API and CLI call these; each is atomic and audited.

The state machine (see docs/agreements.md):

    draft ──new round──▶ negotiating ──send for signature──▶ awaiting_signatures
      ▲                      ▲   │                               │        │
      └──────────────────────┘   └────── a party declines ◀──────┘        │ every party signed
                                                                            ▼
    terminated ◀── review (terminate) ── under_review ◀── review ── in_force ──▶ expired
                                              │                        ▲
                                              └── continue ────────────┘
    A variation is a new agreement (variation_of) drafted from the text in force;
    when it comes into force the original becomes superseded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, ValidationError
from joinery.core.faults import fault_point
from joinery.network.models import PartnerStatus
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Organisation, Representative, RepresentativeRole
from joinery.organisations.services import require_can_act_for

from . import clause_templates
from .models import (
    EDITABLE_STATUSES,
    IN_FORCE_STATUSES,
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    AgreementVersion,
    Amendment,
    AmendmentKind,
    AmendmentStatus,
    Clause,
    ClausePosition,
    ClauseStance,
    Comment,
    Commitment,
    CommitmentKind,
    Review,
    ReviewOutcome,
    Signature,
    SignatureStatus,
)

DRAFTING_ROLES = [RepresentativeRole.ADMIN, RepresentativeRole.COORDINATOR, RepresentativeRole.MEMBER,
                  RepresentativeRole.SIGNATORY]
LEAD_ROLES = [RepresentativeRole.ADMIN, RepresentativeRole.COORDINATOR]


class ClauseConflict(ValidationError):
    """Someone saved the clause after the editor opened it: both texts, for a merge."""

    def __init__(self, *, clause: Clause, yours_heading: str, yours_body: str):
        super().__init__(
            _("Someone else saved this clause after you opened it. Nothing was overwritten: compare "
              "both texts below, merge them, and save again."), code="conflict")
        self.clause = clause
        self.theirs_heading, self.theirs_body = clause.heading, clause.body
        self.yours_heading, self.yours_body = yours_heading, yours_body


# --- helpers -------------------------------------------------------------------------------

def _lock(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related("partnership", "drafting_lead").get(pk=agreement.pk)


def _party_ids(agreement) -> set[int]:
    return set(agreement.parties.values_list("organisation_id", flat=True))


def _require_party(actor, agreement, acting_for, roles=None):
    if acting_for.pk not in _party_ids(agreement):
        raise PermissionDenied(_("%(org)s is not a party to this agreement.") % {"org": acting_for.name})
    return require_can_act_for(actor, acting_for, roles=roles or DRAFTING_ROLES)


def _require_lead(actor, agreement, acting_for):
    if acting_for.pk != agreement.drafting_lead_id:
        raise PermissionDenied(_("Only the drafting lead (%(org)s) can do this.") % {"org": agreement.drafting_lead.name})
    return require_can_act_for(actor, acting_for, roles=LEAD_ROLES)


def _require_editable(agreement):
    if agreement.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("This agreement is %(status)s: its text is frozen. Start a variation to change it.")
            % {"status": agreement.get_status_display().lower()}, code="frozen")


def _people_of(org_ids):
    return [r.person for r in Representative.objects.current().filter(organisation_id__in=list(org_ids))
            .select_related("person")]


def _audit(actor, action, obj, agreement, acting_for=None, before=None, after=None):
    record_event(actor=actor, action=action, obj=obj, acting_for=acting_for, partnership=agreement.partnership,
                 before=before, after=after)


def live_clauses(agreement):
    return agreement.clauses.filter(deleted_at__isnull=True).order_by("position", "id")


def _renumber(agreement):
    for i, c in enumerate(live_clauses(agreement), start=1):
        if c.position != i * 10:
            Clause.objects.filter(pk=c.pk).update(position=i * 10)


def _refresh_similarity(agreement) -> None:
    """After the write commits, recompute the draft's text fingerprint for the cut-and-paste advice."""
    from . import similarity

    transaction.on_commit(lambda: similarity.update_fingerprint(agreement))


# --- canonical text and fingerprints --------------------------------------------------------

def snapshot_of(agreement) -> dict:
    """The agreement's current text as data: what a version freezes."""
    clauses = []
    commitments = {}
    for c in agreement.commitments.filter(deleted_at__isnull=True).select_related("party").order_by("party__name", "id"):
        commitments.setdefault(c.clause_id, []).append({
            "party": c.party.name, "party_id": c.party_id, "kind": c.kind, "description": c.description,
            "quantity": str(c.quantity), "unit": c.unit,
            "period_start": c.period_start.isoformat(), "period_end": c.period_end.isoformat(),
        })
    for n, c in enumerate(live_clauses(agreement), start=1):
        clauses.append({"number": n, "clause_id": c.pk, "heading": c.heading, "body": c.body,
                        "commitments": commitments.get(c.pk, [])})
    return {
        "title": agreement.title, "kind": agreement.kind, "language": agreement.language,
        "parties": sorted(agreement.parties.values_list("organisation__name", flat=True)),
        "clauses": clauses,
    }


def canonical_text(snapshot: dict) -> str:
    """A stable plain-text rendering: the fingerprint is the SHA-256 of exactly this."""
    lines = [snapshot["title"].strip(), f"[{snapshot['kind']}] [{snapshot['language']}]",
             "Parties: " + "; ".join(snapshot["parties"]), ""]
    for c in snapshot["clauses"]:
        lines.append(f"{c['number']}. {c['heading'].strip()}")
        body = "\n".join(line.rstrip() for line in c["body"].replace("\r\n", "\n").strip().split("\n"))
        if body:
            lines.append(body)
        for m in c["commitments"]:
            lines.append(f"- Commitment: {m['party']} — {m['kind']} — {m['quantity']} {m['unit']} — "
                         f"{m['period_start']}..{m['period_end']} — {m['description']}")
        lines.append("")
    return "\n".join(lines).strip() + "\n"


def fingerprint_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _freeze(actor, agreement, *, for_signature: bool) -> AgreementVersion:
    snap = snapshot_of(agreement)
    text = canonical_text(snap)
    number = (agreement.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    v = AgreementVersion.objects.create(agreement=agreement, number=number, canonical_text=text,
                                        fingerprint=fingerprint_of(text), snapshot=snap, frozen_by=actor,
                                        for_signature=for_signature)
    _audit(actor, "agreement.version_frozen", v, agreement,
           after={"number": number, "fingerprint": v.fingerprint, "for_signature": for_signature})
    return v


# --- create and draft -----------------------------------------------------------------------

@transaction.atomic
def agreement_create(*, actor, partnership, acting_for: Organisation, title: str, kind: str,
                     parties: list[Organisation], drafting_lead: Organisation | None = None, template: str = "",
                     language: str = "en", review_date: dt.date | None = None,
                     expiry_date: dt.date | None = None) -> Agreement:
    """Start an agreement among some or all partners, blank or from a structured template."""
    active = set(partnership.partners.filter(status=PartnerStatus.ACTIVE).values_list("organisation_id", flat=True))
    if acting_for.pk not in active:
        raise PermissionDenied(_("%(org)s is not a partner in %(p)s.") % {"org": acting_for.name, "p": partnership.name})
    require_can_act_for(actor, acting_for, roles=LEAD_ROLES)
    drafting_lead = drafting_lead or acting_for
    party_ids = {o.pk for o in parties} | {acting_for.pk}
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Enter a title.")
    if kind not in AgreementKind.values:
        errors["kind"] = _("Choose the type of agreement.")
    if template not in clause_templates.TEMPLATES:
        errors["template"] = _("Choose a template or a blank agreement.")
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose the language of the agreement.")
    outsiders = party_ids - active
    if outsiders:
        names = ", ".join(Organisation.objects.filter(pk__in=outsiders).values_list("name", flat=True))
        errors["parties"] = _("Only partners can be parties; not partners: %(names)s.") % {"names": names}
    if len(party_ids) < 2:
        errors["parties"] = _("An agreement needs at least two parties.")
    if drafting_lead.pk not in party_ids:
        errors["drafting_lead"] = _("The drafting lead must be one of the parties.")
    if review_date and expiry_date and expiry_date < review_date:
        errors["expiry_date"] = _("The expiry date must be after the review date.")
    if errors:
        raise ValidationError(errors)
    a = Agreement(partnership=partnership, title=title.strip(), kind=kind, language=language,
                  drafting_lead=drafting_lead, template=template, created_by=actor, review_date=review_date,
                  expiry_date=expiry_date)
    a.full_clean()
    a.save()
    AgreementParty.objects.bulk_create([AgreementParty(agreement=a, organisation_id=o) for o in sorted(party_ids)])
    _audit(actor, "agreement.created", a, a, acting_for,
           after={"title": a.title, "kind": kind, "parties": sorted(party_ids), "drafting_lead": drafting_lead.pk,
                  "template": template, "language": language})
    with translation.override(language):
        for n, (heading, guidance) in enumerate(clause_templates.template_clauses(template), start=1):
            Clause.objects.create(agreement=a, position=n * 10, heading=heading, body="", guidance=guidance,
                                  updated_by=actor)
    notify(recipients=_people_of(party_ids - {acting_for.pk}), kind=NotificationKind.AGREEMENT,
           title=lambda: _("New agreement to draft together: %(t)s") % {"t": a.title},
           url=a.get_absolute_url())
    return a


@transaction.atomic
def clause_add(*, actor, agreement, acting_for, heading: str, body: str = "", after: Clause | None = None) -> Clause:
    """The drafting lead adds a clause directly; other parties propose one as an amendment."""
    a = _lock(agreement)
    _require_lead(actor, a, acting_for)
    _require_editable(a)
    if not heading.strip():
        raise ValidationError({"heading": _("Enter a heading for the clause.")})
    position = (after.position + 5) if after else ((live_clauses(a).aggregate(m=Max("position"))["m"] or 0) + 10)
    c = Clause.objects.create(agreement=a, position=position, heading=heading.strip(), body=body, updated_by=actor)
    _renumber(a)
    _audit(actor, "clause.added", c, a, acting_for, after={"heading": c.heading, "body": body})
    _refresh_similarity(a)
    return c


@transaction.atomic
def clause_update(*, actor, clause: Clause, acting_for, heading: str, body: str, expected_revision: int) -> Clause:
    """Save a clause's text. A save based on an older revision is refused with both texts."""
    a = _lock(clause.agreement)
    c = Clause.objects.select_for_update().get(pk=clause.pk)
    _require_lead(actor, a, acting_for)
    _require_editable(a)
    if c.deleted_at:
        raise ValidationError(_("This clause was deleted."))
    if not heading.strip():
        raise ValidationError({"heading": _("Enter a heading for the clause.")})
    if int(expected_revision) != c.revision:
        raise ClauseConflict(clause=c, yours_heading=heading, yours_body=body)
    before = {"heading": c.heading, "body": c.body, "revision": c.revision}
    if (c.heading, c.body) == (heading.strip(), body):
        return c
    c.heading, c.body, c.updated_by = heading.strip(), body, actor
    c.revision += 1
    c.save()
    _audit(actor, "clause.updated", c, a, acting_for, before=before,
           after={"heading": c.heading, "body": c.body, "revision": c.revision})
    _refresh_similarity(a)
    return c


@transaction.atomic
def clause_delete(*, actor, clause: Clause, acting_for) -> Clause:
    a = _lock(clause.agreement)
    _require_lead(actor, a, acting_for)
    _require_editable(a)
    clause = Clause.objects.select_for_update().get(pk=clause.pk)  # the caller's copy may be stale
    if clause.deleted_at:
        raise ValidationError(_("This clause was deleted."))
    clause.deleted_at = timezone.now()
    clause.revision += 1
    clause.save(update_fields=["deleted_at", "revision", "updated_at"])
    clause.commitments.filter(deleted_at__isnull=True).update(deleted_at=clause.deleted_at)
    _renumber(a)
    _audit(actor, "clause.deleted", clause, a, acting_for, before={"heading": clause.heading, "body": clause.body})
    _refresh_similarity(a)
    return clause


@transaction.atomic
def clause_move(*, actor, clause: Clause, acting_for, direction: str) -> Clause:
    a = _lock(clause.agreement)
    _require_lead(actor, a, acting_for)
    _require_editable(a)
    clauses = list(live_clauses(a))
    if clause.pk not in [c.pk for c in clauses]:
        raise ValidationError(_("This clause was deleted."))
    i = [c.pk for c in clauses].index(clause.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(clauses):
        clauses[i], clauses[j] = clauses[j], clauses[i]
        for n, c in enumerate(clauses, start=1):
            Clause.objects.filter(pk=c.pk).update(position=n * 10)
        _audit(actor, "clause.moved", clause, a, acting_for, after={"direction": direction})
    return clause


# --- comments -------------------------------------------------------------------------------

@transaction.atomic
def comment_add(*, actor, clause: Clause, acting_for, body: str, quote: str = "", quote_start: int | None = None,
                quote_end: int | None = None, parent: Comment | None = None) -> Comment:
    """Comment on a clause, or on a passage of it (the quote must be in the clause's text)."""
    a = _lock(clause.agreement)
    _require_party(actor, a, acting_for)
    if a.status not in EDITABLE_STATUSES | {AgreementStatus.AWAITING_SIGNATURES}:
        raise ValidationError(_("Comments are closed: this agreement is %(s)s.") % {"s": a.get_status_display().lower()})
    if not (body or "").strip():
        raise ValidationError({"body": _("Write your comment.")})
    if parent is not None and parent.clause_id != clause.pk:
        raise ValidationError(_("A reply must be on the same clause."))
    quote = (quote or "").strip()
    if quote:
        if quote_start is None:
            found = clause.body.find(quote)
            if found < 0:
                raise ValidationError({"quote": _("The selected passage is not in the clause's current text.")})
            quote_start, quote_end = found, found + len(quote)
        elif (quote_end is None or not 0 <= quote_start <= quote_end <= len(clause.body)
              or clause.body[quote_start:quote_end].strip() != quote):
            raise ValidationError({"quote": _("The selected passage does not match the clause's text at that place.")})
    else:
        quote_start = quote_end = None
    cm = Comment.objects.create(clause=clause, parent=parent, author=actor, acting_for=acting_for, body=body.strip(),
                                quote=quote, quote_start=quote_start, quote_end=quote_end)
    _audit(actor, "comment.added", cm, a, acting_for,
           after={"clause": clause.pk, "body": cm.body, "quote": quote, "parent": parent.pk if parent else None})
    return cm


@transaction.atomic
def comment_resolve(*, actor, comment: Comment, acting_for) -> Comment:
    a = comment.clause.agreement
    _require_party(actor, a, acting_for)
    if comment.parent_id:
        raise ValidationError(_("Resolve the thread from its first comment."))
    if comment.resolved_at is None:
        comment.resolved_at, comment.resolved_by = timezone.now(), actor
        comment.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
        _audit(actor, "comment.resolved", comment, a, acting_for)
    return comment


# --- amendments -----------------------------------------------------------------------------

@transaction.atomic
def amendment_propose(*, actor, agreement, acting_for, kind: str, clause: Clause | None = None, heading: str = "",
                      body: str = "", rationale: str = "") -> Amendment:
    a = _lock(agreement)
    _require_party(actor, a, acting_for)
    _require_editable(a)
    errors = {}
    if kind not in AmendmentKind.values:
        errors["kind"] = _("Choose what the amendment does.")
    if kind in (AmendmentKind.REPLACE, AmendmentKind.DELETE) and clause is None:
        errors["clause"] = _("Choose the clause to change.")
    if clause is not None and (clause.agreement_id != a.pk or clause.deleted_at):
        errors["clause"] = _("That clause is not in this agreement's current draft.")
    if kind == AmendmentKind.INSERT and not heading.strip():
        errors["heading"] = _("Enter a heading for the new clause.")
    if kind == AmendmentKind.REPLACE and clause is not None and body == clause.body and heading in ("", clause.heading):
        errors["body"] = _("The proposed text is the same as the current text.")
    if errors:
        raise ValidationError(errors)
    am = Amendment.objects.create(agreement=a, clause=clause, kind=kind, heading=heading.strip(), body=body,
                                  rationale=rationale, proposer=actor, acting_for=acting_for,
                                  clause_revision=clause.revision if clause else None)
    _audit(actor, "amendment.proposed", am, a, acting_for,
           after={"kind": kind, "clause": clause.pk if clause else None, "heading": am.heading, "body": body,
                  "rationale": rationale})
    lead_people = _people_of([a.drafting_lead_id])
    notify(recipients=lead_people, kind=NotificationKind.AGREEMENT,
           title=lambda: _("Amendment proposed to %(t)s by %(org)s") % {"t": a.title, "org": acting_for.name},
           body=lambda: rationale, url=a.get_absolute_url())
    return am


@transaction.atomic
def amendment_decide(*, actor, amendment: Amendment, acting_for, accept: bool, reason: str) -> Amendment:
    """The drafting lead accepts (applies) or rejects an amendment, giving a reason."""
    am = Amendment.objects.select_for_update(of=("self",)).select_related("clause").get(pk=amendment.pk)
    a = _lock(am.agreement)
    _require_lead(actor, a, acting_for)
    _require_editable(a)
    if am.status != AmendmentStatus.PROPOSED:
        raise ValidationError(_("This amendment was already %(s)s.") % {"s": am.get_status_display().lower()})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for your decision, for the partners' record.")})
    if accept:
        clause = am.clause
        if am.kind == AmendmentKind.REPLACE:
            if clause.deleted_at:
                raise ValidationError(_("The clause this amendment changes has been deleted."))
            if clause.revision != am.clause_revision:
                raise ValidationError(_("The clause changed after this amendment was proposed. Reject it, or ask "
                                        "the proposer to propose it again on the current text."), code="stale")
            before = {"heading": clause.heading, "body": clause.body}
            clause.heading = am.heading or clause.heading
            clause.body = am.body
            clause.revision += 1
            clause.updated_by = actor
            clause.save()
            _audit(actor, "clause.updated", clause, a, acting_for, before=before,
                   after={"heading": clause.heading, "body": clause.body, "amendment": am.pk})
        elif am.kind == AmendmentKind.INSERT:
            position = (clause.position + 5) if clause else ((live_clauses(a).aggregate(m=Max("position"))["m"] or 0) + 10)
            new = Clause.objects.create(agreement=a, position=position, heading=am.heading, body=am.body,
                                        updated_by=actor)
            _renumber(a)
            _audit(actor, "clause.added", new, a, acting_for, after={"heading": new.heading, "amendment": am.pk})
        else:
            if clause.deleted_at:
                raise ValidationError(_("The clause this amendment deletes has already been deleted."))
            if clause.revision != am.clause_revision:
                raise ValidationError(_("The clause changed after this amendment was proposed. Reject it, or ask "
                                        "the proposer to propose it again on the current text."), code="stale")
            clause.deleted_at = timezone.now()
            clause.revision += 1
            clause.save(update_fields=["deleted_at", "revision", "updated_at"])
            clause.commitments.filter(deleted_at__isnull=True).update(deleted_at=clause.deleted_at)
            _renumber(a)
            _audit(actor, "clause.deleted", clause, a, acting_for, after={"amendment": am.pk})
    am.status = AmendmentStatus.ACCEPTED if accept else AmendmentStatus.REJECTED
    am.decided_by, am.decided_at, am.decision_reason = actor, timezone.now(), reason.strip()
    am.save()
    _audit(actor, "amendment.accepted" if accept else "amendment.rejected", am, a, acting_for,
           after={"reason": am.decision_reason})
    if accept:
        _refresh_similarity(a)
    notify(recipients=_people_of([am.acting_for_id]), kind=NotificationKind.AGREEMENT,
           title=lambda: (_("Your amendment to %(t)s was accepted") if accept else
                          _("Your amendment to %(t)s was rejected")) % {"t": a.title},
           body=lambda: am.decision_reason, url=a.get_absolute_url())
    return am


# --- positions on clauses ---------------------------------------------------------------------

@transaction.atomic
def clause_position_record(*, actor, clause: Clause, acting_for, stance: str, reason: str = "") -> ClausePosition:
    a = _lock(clause.agreement)
    _require_party(actor, a, acting_for)
    _require_editable(a)
    if stance not in ClauseStance.values:
        raise ValidationError({"stance": _("Choose a position.")})
    if stance == ClauseStance.OBJECT and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for your objection, so the parties can resolve it.")})
    existing = ClausePosition.objects.filter(clause=clause, organisation=acting_for).first()
    before = {"stance": existing.stance, "reason": existing.reason} if existing else None
    pos, _created = ClausePosition.objects.update_or_create(
        clause=clause, organisation=acting_for,
        defaults={"stance": stance, "reason": reason.strip(), "recorded_by": actor, "clause_revision": clause.revision})
    _audit(actor, "clause_position.recorded", pos, a, acting_for, before=before,
           after={"clause": clause.pk, "stance": stance, "reason": pos.reason})
    return pos


def open_objections(agreement) -> list[ClausePosition]:
    return list(ClausePosition.objects.filter(clause__agreement=agreement, clause__deleted_at__isnull=True,
                                              stance=ClauseStance.OBJECT)
                .select_related("clause", "organisation").order_by("clause__position"))


# --- commitments ----------------------------------------------------------------------------

@transaction.atomic
def commitment_add(*, actor, clause: Clause, acting_for, party: Organisation, kind: str, description: str,
                   quantity, unit: str, period_start: dt.date, period_end: dt.date) -> Commitment:
    a = _lock(clause.agreement)
    _require_party(actor, a, acting_for)
    _require_editable(a)
    if acting_for.pk not in (party.pk, a.drafting_lead_id):
        raise PermissionDenied(_("A party records its own commitments (or the drafting lead records them)."))
    clause = Clause.objects.select_for_update().get(pk=clause.pk)  # the caller's copy may be stale
    if clause.deleted_at:
        raise ValidationError(_("This clause was deleted."))
    errors = {}
    if party.pk not in _party_ids(a):
        errors["party"] = _("%(org)s is not a party to this agreement.") % {"org": party.name}
    if kind not in CommitmentKind.values:
        errors["kind"] = _("Choose what is committed.")
    try:
        quantity = Decimal(str(quantity))
        if quantity <= 0:
            errors["quantity"] = _("Enter an amount greater than zero.")
    except Exception:
        errors["quantity"] = _("Enter a number.")
    if not (unit or "").strip():
        errors["unit"] = _("Enter the unit, for example CAD or hours.")
    if not (description or "").strip():
        errors["description"] = _("Describe the commitment.")
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = _("The end of the period must be after its start.")
    if errors:
        raise ValidationError(errors)
    m = Commitment(agreement=a, clause=clause, party=party, kind=kind, description=description.strip(),
                   quantity=quantity, unit=unit.strip(), period_start=period_start, period_end=period_end)
    m.full_clean()
    m.save()
    clause.revision += 1
    clause.save(update_fields=["revision", "updated_at"])
    _audit(actor, "commitment.added", m, a, acting_for,
           after={"party": party.pk, "kind": kind, "quantity": quantity, "unit": m.unit,
                  "period": [period_start, period_end], "description": m.description})
    return m


@transaction.atomic
def commitment_remove(*, actor, commitment: Commitment, acting_for) -> Commitment:
    a = _lock(commitment.agreement)
    _require_party(actor, a, acting_for)
    _require_editable(a)
    if acting_for.pk not in (commitment.party_id, a.drafting_lead_id):
        raise PermissionDenied(_("A party removes its own commitments (or the drafting lead does)."))
    commitment.deleted_at = timezone.now()
    commitment.save(update_fields=["deleted_at", "updated_at"])
    _audit(actor, "commitment.removed", commitment, a, acting_for)
    return commitment


# --- rounds, signature ------------------------------------------------------------------------

@transaction.atomic
def agreement_new_round(*, actor, agreement, acting_for) -> AgreementVersion:
    """Freeze the current draft as a version and carry on negotiating."""
    a = _lock(agreement)
    _require_lead(actor, a, acting_for)
    _require_editable(a)
    if not live_clauses(a).exists():
        raise ValidationError(_("Add at least one clause before freezing a version."))
    v = _freeze(actor, a, for_signature=False)
    if a.status == AgreementStatus.DRAFT:
        a.status = AgreementStatus.NEGOTIATING
        a.version += 1
        a.save()
        _audit(actor, "agreement.status_changed", a, a, acting_for, before={"status": "draft"},
               after={"status": a.status})
    notify(recipients=_people_of(_party_ids(a) - {acting_for.pk}), kind=NotificationKind.AGREEMENT,
           title=lambda: _("%(t)s: version %(n)d is ready to read") % {"t": a.title, "n": v.number},
           url=a.get_absolute_url())
    return v


def signature_blockers(agreement) -> list[str]:
    """Why the agreement cannot go to signature yet (empty when it can)."""
    reasons = []
    clauses = list(live_clauses(agreement))
    if not clauses:
        reasons.append(_("The agreement has no clauses."))
    with_commitments = set(agreement.commitments.filter(deleted_at__isnull=True).values_list("clause_id", flat=True))
    for c in clauses:
        if not c.body.strip() and c.pk not in with_commitments:
            reasons.append(_("Clause “%(h)s” has no text yet.") % {"h": c.heading})
    for pos in open_objections(agreement):
        reasons.append(_("%(org)s objects to clause “%(h)s”: %(r)s")
                       % {"org": pos.organisation.name, "h": pos.clause.heading, "r": pos.reason})
    if agreement.amendments.filter(status=AmendmentStatus.PROPOSED).exists():
        reasons.append(_("Some proposed amendments have not been accepted or rejected."))
    return reasons


def _signatories(org_id) -> list:
    return [r.person for r in Representative.objects.current().filter(
        organisation_id=org_id, role=RepresentativeRole.SIGNATORY).select_related("person")]


@transaction.atomic
def agreement_send_for_signature(*, actor, agreement, acting_for) -> AgreementVersion:
    """Freeze the settled text and ask each party's authorised signatories to sign it."""
    a = _lock(agreement)
    _require_lead(actor, a, acting_for)
    _require_editable(a)
    blockers = signature_blockers(a)
    if blockers:
        raise ValidationError([ValidationError(b, code="not_settled") for b in blockers])
    v = _freeze(actor, a, for_signature=True)
    for org_id in sorted(_party_ids(a)):
        sig = Signature.objects.create(version=v, organisation_id=org_id)
        sig.requested_from.set(_signatories(org_id))
    before = a.status
    a.status = AgreementStatus.AWAITING_SIGNATURES
    a.signature_version = v
    a.version += 1
    a.save()
    _audit(actor, "agreement.sent_for_signature", a, a, acting_for, before={"status": before},
           after={"status": a.status, "version": v.number, "fingerprint": v.fingerprint})
    signers = [p for org_id in _party_ids(a) for p in _signatories(org_id)]
    notify(recipients=signers, kind=NotificationKind.AGREEMENT,
           title=lambda: _("Please sign %(t)s (version %(n)d)") % {"t": a.title, "n": v.number},
           url=a.get_absolute_url())
    return v


@transaction.atomic
def agreement_sign(*, actor, agreement, acting_for, fingerprint: str, signer_name: str = "",
                   signer_role: str = "") -> Signature:
    """Sign the frozen version for `acting_for`. The caller must have re-authenticated with MFA.

    Refused: someone who is not the organisation's authorised signatory, a fingerprint that is
    not the version out for signature (a stale copy), or a second signature.
    """
    a = _lock(agreement)
    if a.status != AgreementStatus.AWAITING_SIGNATURES or a.signature_version_id is None:
        raise ValidationError(_("This agreement is not waiting for signatures."))
    if acting_for.pk not in _party_ids(a):
        raise PermissionDenied(_("%(org)s is not a party to this agreement.") % {"org": acting_for.name})
    if not acting_for.representatives.current().filter(person=actor, role=RepresentativeRole.SIGNATORY).exists():
        raise PermissionDenied(_("Only an authorised signatory of %(org)s can sign for it, and you are not one. "
                                 "Ask %(org)s's administrator who signs.") % {"org": acting_for.name})
    rep = require_can_act_for(actor, acting_for, roles=[RepresentativeRole.SIGNATORY])
    if not actor.has_mfa():
        raise PermissionDenied(_("Signing needs two-factor authentication. Set it up first."))
    v = a.signature_version
    if fingerprint != v.fingerprint:
        raise ValidationError({"fingerprint": ValidationError(
            _("You are signing a different text from the version out for signature (version %(n)d). Reload the "
              "agreement and read it again.") % {"n": v.number}, code="stale")})
    sig = Signature.objects.select_for_update().get(version=v, organisation=acting_for)
    if sig.status == SignatureStatus.SIGNED:
        raise ValidationError(_("%(org)s has already signed this version.") % {"org": acting_for.name})
    if sig.status != SignatureStatus.PENDING:
        raise ValidationError(_("This signature request is no longer open."))
    sig.status = SignatureStatus.SIGNED
    sig.signer = actor
    sig.signer_name = (signer_name or actor.display_name).strip()
    sig.signer_role = (signer_role or str(rep.get_role_display())).strip()
    sig.signed_at = timezone.now()
    sig.fingerprint = v.fingerprint
    sig.save()
    _audit(actor, "agreement.signed", sig, a, acting_for,
           after={"version": v.number, "fingerprint": v.fingerprint, "signer_name": sig.signer_name,
                  "signer_role": sig.signer_role})
    if not v.signatures.exclude(status=SignatureStatus.SIGNED).exists():
        _come_into_force(actor, a, v, acting_for)
    fault_point("agreement.sign")  # tests/faults: everything written, nothing committed yet
    return sig


def _come_into_force(actor, a: Agreement, v: AgreementVersion, acting_for) -> None:
    # Every party signed the same fingerprint: the agreement is in force.
    assert set(v.signatures.values_list("fingerprint", flat=True)) == {v.fingerprint}
    a.status = AgreementStatus.IN_FORCE
    a.in_force_version = v
    a.in_force_since = timezone.now()
    a.version += 1
    a.save()
    _audit(actor, "agreement.in_force", a, a, acting_for, after={"version": v.number, "fingerprint": v.fingerprint})
    if a.variation_of_id:
        original = Agreement.objects.select_for_update().get(pk=a.variation_of_id)
        if original.status in IN_FORCE_STATUSES:
            original.status = AgreementStatus.SUPERSEDED
            original.ended_at = timezone.now()
            original.end_reason = _("Varied by “%(t)s”") % {"t": a.title}
            original.version += 1
            original.save()
            _audit(actor, "agreement.superseded", original, original, acting_for, after={"by": a.pk})
    _schedule_review_reminder(a)
    if a.expiry_date:
        from . import tasks

        when = timezone.make_aware(dt.datetime.combine(a.expiry_date + dt.timedelta(days=1), dt.time(0, 5)))
        tasks.expire_agreements.using(run_after=max(when, timezone.now())).enqueue()
    notify(recipients=_people_of(_party_ids(a)), kind=NotificationKind.AGREEMENT,
           title=lambda: _("%(t)s is in force: every party has signed") % {"t": a.title}, url=a.get_absolute_url())


@transaction.atomic
def agreement_decline_signature(*, actor, agreement, acting_for, reason: str) -> Signature:
    """Decline to sign: the agreement goes back to negotiation; other signatures lapse."""
    a = _lock(agreement)
    if a.status != AgreementStatus.AWAITING_SIGNATURES:
        raise ValidationError(_("This agreement is not waiting for signatures."))
    require_can_act_for(actor, acting_for, roles=[RepresentativeRole.SIGNATORY])
    if not reason.strip():
        raise ValidationError({"reason": _("Say why your organisation declines to sign, so the parties can resolve it.")})
    v = a.signature_version
    sig = Signature.objects.select_for_update().filter(version=v, organisation=acting_for).first()
    if sig is None:
        raise PermissionDenied(_("%(org)s is not a party to this agreement.") % {"org": acting_for.name})
    if sig.status != SignatureStatus.PENDING:
        raise ValidationError(_("%(org)s has already answered this request.") % {"org": acting_for.name})
    sig.status, sig.reason, sig.signer = SignatureStatus.DECLINED, reason.strip(), actor
    sig.save()
    v.signatures.exclude(pk=sig.pk).update(status=SignatureStatus.VOID)
    a.status = AgreementStatus.NEGOTIATING
    a.signature_version = None
    a.version += 1
    a.save()
    _audit(actor, "agreement.signature_declined", sig, a, acting_for, after={"reason": sig.reason, "version": v.number})
    notify(recipients=_people_of(_party_ids(a)), kind=NotificationKind.AGREEMENT,
           title=lambda: _("%(org)s declined to sign %(t)s; back to negotiation") % {"org": acting_for.name, "t": a.title},
           body=lambda: sig.reason, url=a.get_absolute_url())
    return sig


def pass_signature_requests_to_successor(*, actor, organisation, leaving, successor) -> None:
    """Handover hook: the successor inherits the leaving person's pending signature requests."""
    pending = Signature.objects.filter(organisation=organisation, status=SignatureStatus.PENDING,
                                       requested_from=leaving)
    for sig in pending.select_related("version__agreement__partnership"):
        sig.requested_from.remove(leaving)
        sig.requested_from.add(successor)
        record_event(actor=actor, action="signature_request.reassigned", obj=sig, acting_for=organisation,
                     partnership=sig.version.agreement.partnership,
                     after={"from": leaving.pk, "to": successor.pk})


# --- review, variation, ending ----------------------------------------------------------------

def _schedule_review_reminder(a: Agreement) -> None:
    from . import tasks

    if a.review_date:
        when = timezone.make_aware(dt.datetime.combine(a.review_date - dt.timedelta(days=30), dt.time(9)))
        tasks.remind_review.using(run_after=max(when, timezone.now())).enqueue(a.pk, a.review_date.isoformat())


def remind_review(*, agreement, due: str) -> int:
    """Remind the drafting lead and the parties that a review is due (in-app and email)."""
    a = agreement
    if a.status not in IN_FORCE_STATUSES or not a.review_date or a.review_date.isoformat() != due:
        return 0
    with transaction.atomic():
        sent = notify(recipients=_people_of(_party_ids(a)), kind=NotificationKind.AGREEMENT,
                      title=lambda: _("Review due on %(d)s: %(t)s") % {"d": a.review_date.isoformat(), "t": a.title},
                      url=a.get_absolute_url())
    return len(sent)


@transaction.atomic
def agreement_review_open(*, actor, agreement, acting_for, proposed_outcome: str, closes_at: dt.datetime,
                          rationale: str = "", next_review_date: dt.date | None = None) -> Review:
    """Put a review to the partners as a decision under the charter's rule."""
    from joinery.network.models import DecisionKind
    from joinery.network.services import decision_open

    a = _lock(agreement)
    _require_party(actor, a, acting_for, roles=LEAD_ROLES)
    if a.status != AgreementStatus.IN_FORCE:
        raise ValidationError(_("Only an agreement in force can be reviewed."))
    if proposed_outcome not in ReviewOutcome.values:
        raise ValidationError({"proposed_outcome": _("Choose the outcome you propose.")})
    d = decision_open(
        actor=actor, partnership=a.partnership, acting_for=acting_for,
        title=_("Review of %(t)s: %(o)s") % {"t": a.title, "o": ReviewOutcome(proposed_outcome).label},
        question=_("Do the partners agree to %(o)s?") % {"o": str(ReviewOutcome(proposed_outcome).label).lower()},
        background=rationale, closes_at=closes_at, kind=DecisionKind.AGREEMENT_REVIEW,
        payload={"agreement": a.pk, "proposed_outcome": proposed_outcome,
                 "next_review_date": next_review_date.isoformat() if next_review_date else None})
    r = Review.objects.create(agreement=a, proposed_outcome=proposed_outcome, decision=d,
                              next_review_date=next_review_date)
    a.status = AgreementStatus.UNDER_REVIEW
    a.version += 1
    a.save()
    _audit(actor, "agreement.review_opened", r, a, acting_for,
           after={"decision": d.pk, "proposed_outcome": proposed_outcome})
    return r


def apply_review_decision(*, decision, actor) -> None:
    """Decision-closed hook: record a review's outcome and act on it (inside the closing transaction)."""
    from joinery.network.decision_rules import Outcome

    review = Review.objects.filter(decision=decision).select_related("agreement").first()
    if review is None or review.recorded_at:
        return
    a = Agreement.objects.select_for_update().get(pk=review.agreement_id)
    carried = decision.outcome == Outcome.CARRIED
    outcome = review.proposed_outcome if carried else ReviewOutcome.CONTINUE
    review.outcome, review.recorded_at = outcome, timezone.now()
    review.save()
    if a.status != AgreementStatus.UNDER_REVIEW:
        # It expired, was terminated or was superseded while the partners decided: record, do not revive.
        record_event(actor=actor, action="agreement.review_recorded", obj=review, partnership=a.partnership,
                     after={"outcome": outcome, "decision": decision.pk, "carried": carried, "status": a.status})
        return
    if outcome == ReviewOutcome.TERMINATE:
        a.status, a.ended_at = AgreementStatus.TERMINATED, timezone.now()
        a.end_reason = _("Terminated by the partners' decision “%(t)s”") % {"t": decision.title}
    else:
        a.status = AgreementStatus.IN_FORCE
        if review.next_review_date:
            a.review_date = review.next_review_date
    a.version += 1
    a.save()
    record_event(actor=actor, action="agreement.review_recorded", obj=review, partnership=a.partnership,
                 after={"outcome": outcome, "decision": decision.pk, "carried": carried})
    if a.status == AgreementStatus.IN_FORCE:
        _schedule_review_reminder(a)
    if outcome == ReviewOutcome.VARY:
        _start_variation(actor=actor or decision.proposed_by, original=a, acting_for=decision.proposed_for)


def _variation_title(title: str) -> str:
    limit = Agreement._meta.get_field("title").max_length
    full = _("%(t)s (variation)") % {"t": title}
    return full if len(full) <= limit else _("%(t)s (variation)") % {"t": title[:limit - (len(full) - len(title)) - 1]
                                                                     + "…"}


def _start_variation(*, actor, original: Agreement, acting_for) -> Agreement:
    v = original.in_force_version
    var = Agreement.objects.create(
        partnership=original.partnership, title=_variation_title(original.title), kind=original.kind,
        language=original.language, drafting_lead=original.drafting_lead, template="", variation_of=original,
        created_by=actor, review_date=original.review_date, expiry_date=original.expiry_date,
        status=AgreementStatus.NEGOTIATING)
    AgreementParty.objects.bulk_create([AgreementParty(agreement=var, organisation_id=p)
                                        for p in sorted(_party_ids(original))])
    for c in v.snapshot["clauses"]:
        clause = Clause.objects.create(agreement=var, position=c["number"] * 10, heading=c["heading"], body=c["body"],
                                       updated_by=actor)
        for m in c["commitments"]:
            Commitment.objects.create(agreement=var, clause=clause, party_id=m["party_id"], kind=m["kind"],
                                      description=m["description"], quantity=Decimal(m["quantity"]), unit=m["unit"],
                                      period_start=dt.date.fromisoformat(m["period_start"]),
                                      period_end=dt.date.fromisoformat(m["period_end"]))
    record_event(actor=actor, action="agreement.variation_started", obj=var, acting_for=acting_for,
                 partnership=var.partnership, after={"varies": original.pk, "from_version": v.number})
    _refresh_similarity(var)
    return var


@transaction.atomic
def agreement_start_variation(*, actor, agreement, acting_for) -> Agreement:
    """Start a new draft from the text in force; the original stays in force until it is signed."""
    a = _lock(agreement)
    _require_party(actor, a, acting_for, roles=LEAD_ROLES)
    if a.status not in IN_FORCE_STATUSES:
        raise ValidationError(_("Only an agreement in force can be varied."))
    if a.variations.filter(status__in=list(EDITABLE_STATUSES) + [AgreementStatus.AWAITING_SIGNATURES]).exists():
        raise ValidationError(_("A variation of this agreement is already being drafted."))
    return _start_variation(actor=actor, original=a, acting_for=acting_for)


@transaction.atomic
def agreement_end(*, actor, agreement, acting_for, how: str, reason: str) -> Agreement:
    """Record expiry or termination with a reason (termination by the parties' decision goes through a review)."""
    a = _lock(agreement)
    _require_lead(actor, a, acting_for)
    if how not in ("expired", "terminated", "abandoned"):
        raise ValidationError({"how": _("Choose how the agreement ends.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Record the reason.")})
    if how == "abandoned":
        if a.status not in EDITABLE_STATUSES:
            raise ValidationError(_("Only a draft can be abandoned."))
        new_status = AgreementStatus.TERMINATED
    else:
        if a.status not in IN_FORCE_STATUSES:
            raise ValidationError(_("Only an agreement in force can expire or be terminated."))
        new_status = AgreementStatus.EXPIRED if how == "expired" else AgreementStatus.TERMINATED
    before = a.status
    a.status, a.ended_at, a.end_reason = new_status, timezone.now(), reason.strip()
    a.version += 1
    a.save()
    _audit(actor, f"agreement.{how}", a, a, acting_for, before={"status": before},
           after={"status": a.status, "reason": a.end_reason})
    notify(recipients=_people_of(_party_ids(a)), kind=NotificationKind.AGREEMENT,
           title=lambda: _("%(t)s has ended: %(s)s") % {"t": a.title, "s": a.get_status_display()},
           body=lambda: a.end_reason, url=a.get_absolute_url())
    return a


def expire_due_agreements() -> int:
    """Mark agreements in force past their expiry date as expired (run daily by the worker or cron)."""
    n = 0
    for a in Agreement.objects.filter(status__in=list(IN_FORCE_STATUSES), expiry_date__lt=timezone.localdate()):
        with transaction.atomic():
            a = _lock(a)
            a.status, a.ended_at = AgreementStatus.EXPIRED, timezone.now()
            a.end_reason = _("Reached its expiry date")
            a.version += 1
            a.save()
            record_event(actor=None, action="agreement.expired", obj=a, partnership=a.partnership,
                         after={"expiry_date": a.expiry_date})
        n += 1
    return n
