"""Writes about partnerships, partners, invitations, charters, decisions and positions.

Each function authorises, validates, writes, audits and notifies in one
transaction. The web views, the API and the `joinery` command call these.
`acting_for` is the organisation the person acts for; it must be one they
represent (and, for a public body, they must have set up MFA).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from joinery.audit.services import record_event, snapshot
from joinery.core.exceptions import PermissionDenied, ValidationError, check_version
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Organisation, Representative
from joinery.organisations.services import require_can_act_for

from .decision_rules import (
    STANCES_NEEDING_REASON,
    DecisionRule,
    Outcome,
    PositionInput,
    allowed_stances,
    compute_outcome,
)
from .models import (
    CharterVersion,
    Decision,
    DecisionKind,
    DecisionParticipant,
    DecisionStatus,
    Invitation,
    InvitationStatus,
    Partner,
    PartnerRole,
    Partnership,
    PartnerStatus,
    Position,
    Visibility,
)
from .permissions import MANAGING_ROLES

# Later apps act on a closed decision (e.g. an agreement review records its outcome)
# by appending a callable(decision=, actor=) here from their AppConfig.ready().
DECISION_CLOSED_HOOKS: list = []

PARTNERSHIP_FIELDS = ["name", "purpose", "geography", "start_date", "end_date", "visibility"]
CHARTER_FIELDS = ["purpose", "scope", "limits", "decision_rule", "quorum", "review_date", "changes_need_decision"]


# --- helpers -------------------------------------------------------------------------------

def _people_of(org_ids) -> list:
    reps = Representative.objects.current().filter(organisation_id__in=list(org_ids)).select_related("person")
    return [r.person for r in reps]


def _partner_people(partnership) -> list:
    return _people_of(partnership.partners.filter(status=PartnerStatus.ACTIVE).values_list("organisation_id", flat=True))


def _active_partner(partnership, organisation) -> Partner | None:
    return partnership.partners.filter(status=PartnerStatus.ACTIVE, organisation=organisation).first()


def _require_convener(actor, partnership, acting_for) -> None:
    partner = _active_partner(partnership, acting_for)
    if partner is None or partner.role != PartnerRole.CONVENER:
        raise PermissionDenied(_("Only the convener of %(p)s can do this.") % {"p": partnership.name})
    require_can_act_for(actor, acting_for, roles=MANAGING_ROLES)


def _require_partner(actor, partnership, acting_for) -> Partner:
    partner = _active_partner(partnership, acting_for)
    if partner is None:
        raise PermissionDenied(_("%(org)s is not a partner in %(p)s.") % {"org": acting_for.name, "p": partnership.name})
    require_can_act_for(actor, acting_for)
    return partner


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "partnership"
    slug, n = base, 2
    while slug == "new" or Partnership.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _validate_dates(start, end) -> None:
    if start and end and end < start:
        raise ValidationError({"end_date": _("The end date must be on or after the start date.")})


def _validate_charter(fields: dict, partnership: Partnership) -> None:
    errors = {}
    if not (fields.get("purpose") or "").strip():
        errors["purpose"] = _("Say what the partnership is for.")
    rule = fields.get("decision_rule")
    if rule not in DecisionRule.values:
        errors["decision_rule"] = _("Choose a decision rule.")
    quorum = fields.get("quorum")
    partner_count = partnership.partners.filter(status=PartnerStatus.ACTIVE).count() if partnership.pk else 1
    if rule == DecisionRule.MAJORITY:
        if not quorum:
            errors["quorum"] = _("A majority rule needs a quorum: how many partners must take a position.")
        elif quorum > partner_count:
            errors["quorum"] = _(
                "The quorum (%(q)d) is larger than the partnership (%(n)d active partners), so no decision could ever be made."
            ) % {"q": quorum, "n": partner_count}
    elif quorum:
        if quorum > partner_count:
            errors["quorum"] = _(
                "The quorum (%(q)d) is larger than the partnership (%(n)d active partners), so no decision could ever be made."
            ) % {"q": quorum, "n": partner_count}
    if errors:
        raise ValidationError(errors)


# --- partnerships --------------------------------------------------------------------------

@transaction.atomic
def partnership_create(*, actor, acting_for: Organisation, name: str, purpose: str, geography: str = "",
                       start_date: dt.date | None = None, end_date: dt.date | None = None,
                       visibility: str = Visibility.PRIVATE, decision_rule: str = DecisionRule.CONSENSUS,
                       quorum: int | None = None) -> Partnership:
    """Start a partnership convened by `acting_for`, with its first charter."""
    require_can_act_for(actor, acting_for, roles=MANAGING_ROLES)
    if not acting_for.is_active:
        raise ValidationError(_("%(org)s is closed.") % {"org": acting_for.name})
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Enter a name for the partnership.")
    if not (purpose or "").strip():
        errors["purpose"] = _("Say what the partnership is for.")
    if visibility not in Visibility.values:
        errors["visibility"] = _("Choose who can see the partnership.")
    if errors:
        raise ValidationError(errors)
    _validate_dates(start_date, end_date)
    p = Partnership(name=name.strip(), purpose=purpose.strip(), geography=geography, start_date=start_date,
                    end_date=end_date, visibility=visibility, created_by=actor, slug=_unique_slug(name))
    p.full_clean()
    p.save()
    record_event(actor=actor, acting_for=acting_for, partnership=p, action="partnership.created", obj=p,
                 after=snapshot(p, PARTNERSHIP_FIELDS))
    partner = Partner.objects.create(partnership=p, organisation=acting_for, role=PartnerRole.CONVENER)
    record_event(actor=actor, acting_for=acting_for, partnership=p, action="partner.joined", obj=partner,
                 after={"organisation": acting_for.pk, "role": PartnerRole.CONVENER})
    charter_fields = dict(purpose=p.purpose, scope="", limits="", decision_rule=decision_rule, quorum=quorum,
                          review_date=None, changes_need_decision=False)
    _validate_charter(charter_fields, p)
    _write_charter(actor=actor, acting_for=acting_for, partnership=p, fields=charter_fields,
                   change_note=_("First charter"))
    return p


@transaction.atomic
def partnership_update(*, actor, partnership: Partnership, acting_for: Organisation,
                       expected_version: int | None = None, **fields) -> Partnership:
    p = Partnership.objects.select_for_update().get(pk=partnership.pk)
    _require_convener(actor, p, acting_for)
    check_version(p, expected_version)
    before = snapshot(p, PARTNERSHIP_FIELDS)
    for key, value in fields.items():
        if key not in PARTNERSHIP_FIELDS:
            raise ValidationError(_("Unknown field: %(f)s") % {"f": key})
        setattr(p, key, value)
    _validate_dates(p.start_date, p.end_date)
    p.full_clean()
    p.version += 1
    p.save()
    record_event(actor=actor, acting_for=acting_for, partnership=p, action="partnership.updated", obj=p,
                 before=before, after=snapshot(p, PARTNERSHIP_FIELDS))
    return p


# --- invitations and membership ------------------------------------------------------------

@transaction.atomic
def invitation_create(*, actor, partnership: Partnership, acting_for: Organisation, organisation: Organisation,
                      role: str = PartnerRole.PARTNER, message: str = "") -> Invitation:
    _require_convener(actor, partnership, acting_for)
    if role not in PartnerRole.values:
        raise ValidationError({"role": _("Choose a partner role.")})
    if not organisation.is_active:
        raise ValidationError({"organisation": _("%(org)s is closed and cannot be invited.") % {"org": organisation.name}})
    if _active_partner(partnership, organisation):
        raise ValidationError({"organisation": _("%(org)s is already a partner.") % {"org": organisation.name}})
    if partnership.invitations.filter(organisation=organisation, status=InvitationStatus.PENDING).exists():
        raise ValidationError({"organisation": _("%(org)s has already been invited and has not answered yet.")
                               % {"org": organisation.name}})
    try:
        with transaction.atomic():
            inv = Invitation.objects.create(partnership=partnership, organisation=organisation, role=role,
                                            message=message, invited_by=actor)
    except IntegrityError as exc:  # a concurrent duplicate
        raise ValidationError({"organisation": _("%(org)s has already been invited.") % {"org": organisation.name}}) from exc
    record_event(actor=actor, acting_for=acting_for, partnership=partnership, action="invitation.created", obj=inv,
                 after={"organisation": organisation.pk, "role": role})
    notify(recipients=_people_of([organisation.pk]), kind=NotificationKind.INVITATION,
           title=lambda: _("%(org)s is invited to join %(p)s") % {"org": organisation.name, "p": partnership.name},
           body=lambda: message, url="/invitations/")
    return inv


@transaction.atomic
def invitation_respond(*, actor, invitation: Invitation, accept: bool, reason: str = "") -> Invitation:
    inv = Invitation.objects.select_for_update().select_related("partnership", "organisation").get(pk=invitation.pk)
    require_can_act_for(actor, inv.organisation)
    if inv.status != InvitationStatus.PENDING:
        raise ValidationError(_("This invitation has already been answered (%(s)s).") % {"s": inv.get_status_display()})
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("Say why you are declining, so the convener understands.")})
    inv.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    inv.responded_by = actor
    inv.responded_at = timezone.now()
    inv.response_reason = reason
    inv.save()
    p = inv.partnership
    record_event(actor=actor, acting_for=inv.organisation, partnership=p,
                 action="invitation.accepted" if accept else "invitation.declined", obj=inv,
                 after={"reason": reason})
    if accept:
        partner = Partner.objects.create(partnership=p, organisation=inv.organisation, role=inv.role)
        record_event(actor=actor, acting_for=inv.organisation, partnership=p, action="partner.joined", obj=partner,
                     after={"organisation": inv.organisation_id, "role": inv.role})
        # A partner joining while decisions are open is asked too.
        for d in p.decisions.filter(status=DecisionStatus.OPEN, closes_at__gt=timezone.now()):
            DecisionParticipant.objects.get_or_create(decision=d, organisation=inv.organisation)
    notify(recipients=_partner_people(p), kind=NotificationKind.INVITATION_ANSWERED,
           title=lambda: (_("%(org)s joined %(p)s") if accept else _("%(org)s declined to join %(p)s"))
           % {"org": inv.organisation.name, "p": p.name},
           body=lambda: reason, url=p.get_absolute_url())
    return inv


@transaction.atomic
def invitation_withdraw(*, actor, invitation: Invitation, acting_for: Organisation) -> Invitation:
    inv = Invitation.objects.select_for_update().select_related("partnership").get(pk=invitation.pk)
    _require_convener(actor, inv.partnership, acting_for)
    if inv.status != InvitationStatus.PENDING:
        raise ValidationError(_("Only an invitation waiting for an answer can be withdrawn."))
    inv.status = InvitationStatus.WITHDRAWN
    inv.save(update_fields=["status", "updated_at"])
    record_event(actor=actor, acting_for=acting_for, partnership=inv.partnership, action="invitation.withdrawn", obj=inv)
    return inv


def _end_partnership_membership(*, actor, acting_for, partner: Partner, status: str, reason: str, action: str):
    before = {"status": partner.status}
    partner.status = status
    partner.left_at = timezone.now()
    partner.left_reason = reason
    partner.save()
    record_event(actor=actor, acting_for=acting_for, partnership=partner.partnership, action=action, obj=partner,
                 before=before, after={"status": status, "reason": reason})


@transaction.atomic
def partner_withdraw(*, actor, partner: Partner, reason: str) -> Partner:
    partner = Partner.objects.select_for_update().select_related("partnership", "organisation").get(pk=partner.pk)
    require_can_act_for(actor, partner.organisation, roles=MANAGING_ROLES)
    if partner.status != PartnerStatus.ACTIVE:
        raise ValidationError(_("%(org)s is no longer a partner.") % {"org": partner.organisation.name})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why your organisation is withdrawing.")})
    if partner.role == PartnerRole.CONVENER and not partner.partnership.partners.filter(
            status=PartnerStatus.ACTIVE, role=PartnerRole.CONVENER).exclude(pk=partner.pk).exists():
        raise ValidationError(_("The convener cannot withdraw while it is the only convener. "
                                "Another partner must become convener first."))
    _end_partnership_membership(actor=actor, acting_for=partner.organisation, partner=partner,
                                status=PartnerStatus.WITHDRAWN, reason=reason, action="partner.withdrew")
    notify(recipients=_partner_people(partner.partnership), kind=NotificationKind.MEMBERSHIP,
           title=lambda: _("%(org)s withdrew from %(p)s") % {"org": partner.organisation.name, "p": partner.partnership.name},
           body=lambda: reason, url=partner.partnership.get_absolute_url())
    return partner


@transaction.atomic
def partner_remove(*, actor, partner: Partner, acting_for: Organisation, reason: str) -> Partner:
    partner = Partner.objects.select_for_update().select_related("partnership", "organisation").get(pk=partner.pk)
    _require_convener(actor, partner.partnership, acting_for)
    if partner.status != PartnerStatus.ACTIVE:
        raise ValidationError(_("%(org)s is no longer a partner.") % {"org": partner.organisation.name})
    if partner.organisation_id == acting_for.pk:
        raise ValidationError(_("The convener cannot remove itself; withdraw instead."))
    if not reason.strip():
        raise ValidationError({"reason": _("Record the reason for removing this partner.")})
    _end_partnership_membership(actor=actor, acting_for=acting_for, partner=partner, status=PartnerStatus.REMOVED,
                                reason=reason, action="partner.removed")
    notify(recipients=_people_of([partner.organisation_id]) + _partner_people(partner.partnership),
           kind=NotificationKind.MEMBERSHIP,
           title=lambda: _("%(org)s was removed from %(p)s") % {"org": partner.organisation.name, "p": partner.partnership.name},
           body=lambda: reason, url=partner.partnership.get_absolute_url())
    return partner


# --- charter -------------------------------------------------------------------------------

def _write_charter(*, actor, acting_for, partnership, fields: dict, change_note: str,
                   author=None) -> CharterVersion:
    last = partnership.charter_versions.order_by("-number").first()
    before = snapshot(last, CHARTER_FIELDS) if last else None
    cv = CharterVersion(partnership=partnership, number=(last.number + 1) if last else 1,
                        created_by=author or actor, change_note=change_note, **fields)
    cv.full_clean()
    cv.save()
    record_event(actor=actor, acting_for=acting_for, partnership=partnership, action="charter.version_created",
                 obj=cv, before=before, after=snapshot(cv, CHARTER_FIELDS))
    return cv


@transaction.atomic
def charter_amend(*, actor, partnership: Partnership, acting_for: Organisation, expected_number: int | None = None,
                  change_note: str = "", closes_at: dt.datetime | None = None, **fields) -> CharterVersion | Decision:
    """Change the charter: a new version at once, or a decision first if the charter says so.

    Returns the new CharterVersion, or the Decision that will adopt it when carried.
    """
    p = Partnership.objects.select_for_update().get(pk=partnership.pk)
    _require_convener(actor, p, acting_for)
    current = p.charter_versions.order_by("-number").first()
    if expected_number is not None and current and int(expected_number) != current.number:
        raise ValidationError(_("The charter was changed (now version %(n)d) after you opened it. "
                                "Reload it and make your change again.") % {"n": current.number}, code="stale")
    merged = {k: getattr(current, k) for k in CHARTER_FIELDS} if current else {}
    for k, v in fields.items():
        if k not in CHARTER_FIELDS:
            raise ValidationError(_("Unknown field: %(f)s") % {"f": k})
        merged[k] = v
    if merged.get("decision_rule") != DecisionRule.MAJORITY and not merged.get("quorum"):
        merged["quorum"] = None
    _validate_charter(merged, p)
    if current and current.changes_need_decision:
        payload = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in merged.items()}
        payload["change_note"] = change_note
        return decision_open(
            actor=actor, partnership=p, acting_for=acting_for,
            title=_("Charter change: %(note)s") % {"note": change_note or _("new version")},
            question=_("Do the partners adopt the proposed charter as version %(n)d?") % {"n": current.number + 1},
            background=change_note, options="",
            closes_at=closes_at or (timezone.now() + dt.timedelta(days=7)),
            kind=DecisionKind.CHARTER, payload=payload,
        )
    return _write_charter(actor=actor, acting_for=acting_for, partnership=p, fields=merged, change_note=change_note)


# --- what the public sees --------------------------------------------------------------------

def _publication_changes(p: Partnership, changes: dict) -> dict:
    """The changes as {area: bool}, only those that differ from what is shown now."""
    from .visibility import AREAS, is_published

    unknown = [k for k in changes if k not in AREAS]
    if unknown:
        raise ValidationError({"publication": _("Unknown area: %(a)s") % {"a": ", ".join(sorted(unknown))}})
    if not p.is_public:
        raise ValidationError({"publication": _(
            "This partnership is private: only its partners see anything. Make it public first.")})
    return {k: bool(v) for k, v in changes.items() if bool(v) != is_published(p, k)}


def _write_publication(*, actor, acting_for, partnership: Partnership, changes: dict) -> Partnership:
    from .visibility import AREAS

    before = dict(partnership.publication or {})
    chosen = dict(before)
    for area, public in changes.items():
        if public == AREAS[area].public_by_default:
            chosen.pop(area, None)  # back to the default: store nothing
        else:
            chosen[area] = public
    partnership.publication = chosen
    partnership.version += 1
    partnership.save(update_fields=["publication", "version", "updated_at"])
    record_event(actor=actor, acting_for=acting_for, partnership=partnership, action="partnership.publication_changed",
                 obj=partnership, before={"publication": before},
                 after={"publication": chosen, "changed": changes})
    return partnership


@transaction.atomic
def publication_set(*, actor, partnership: Partnership, acting_for: Organisation, changes: dict,
                    expected_version: int | None = None, reason: str = "",
                    closes_at: dt.datetime | None = None) -> Partnership | Decision:
    """Show areas of a public partnership to everyone (True) or to its partners only (False).

    The convener decides; where the charter says changes need a decision, this opens one
    (kind "publication") and the change applies when it is carried. Returns the partnership,
    or the decision.
    """
    p = Partnership.objects.select_for_update().get(pk=partnership.pk)
    _require_convener(actor, p, acting_for)
    check_version(p, expected_version)
    changed = _publication_changes(p, changes)
    if not changed:
        raise ValidationError({"publication": _("Nothing would change: choose at least one area to show or hide.")})
    current = p.charter_versions.order_by("-number").first()
    if current and current.changes_need_decision:
        from .visibility import AREAS

        listed = ", ".join(f"{AREAS[k].label} → {_('everyone') if v else _('partners only')}"
                           for k, v in changed.items())
        return decision_open(
            actor=actor, partnership=p, acting_for=acting_for,
            title=_("What the public sees: %(changes)s") % {"changes": listed},
            question=_("Do the partners agree to change who sees these parts of the partnership: %(changes)s?")
            % {"changes": listed},
            background=reason, closes_at=closes_at or (timezone.now() + dt.timedelta(days=7)),
            kind=DecisionKind.PUBLICATION, payload={"publication": changed, "reason": reason},
        )
    return _write_publication(actor=actor, acting_for=acting_for, partnership=p, changes=changed)


# --- decisions -----------------------------------------------------------------------------

@transaction.atomic
def decision_open(*, actor, partnership: Partnership, acting_for: Organisation, title: str, question: str,
                  closes_at: dt.datetime, background: str = "", options: str = "",
                  kind: str = DecisionKind.GENERAL, payload: dict | None = None) -> Decision:
    """Put a question to every active partner, to close at `closes_at` under the charter's rule."""
    from . import tasks

    _require_partner(actor, partnership, acting_for)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Enter a short title.")
    if not (question or "").strip():
        errors["question"] = _("Enter the question the partners are asked.")
    if closes_at is None:
        errors["closes_at"] = _("Enter when the decision closes.")
    elif closes_at <= timezone.now():
        errors["closes_at"] = _("The closing time must be in the future.")
    if errors:
        raise ValidationError(errors)
    charter = partnership.charter_versions.order_by("-number").first()
    d = Decision(partnership=partnership, title=title.strip(), question=question.strip(), background=background,
                 options=options, kind=kind, payload=payload, proposed_by=actor, proposed_for=acting_for,
                 rule=charter.decision_rule, quorum=charter.quorum, charter_version=charter, closes_at=closes_at)
    d.full_clean()
    d.save()
    org_ids = list(partnership.partners.filter(status=PartnerStatus.ACTIVE).values_list("organisation_id", flat=True))
    DecisionParticipant.objects.bulk_create([DecisionParticipant(decision=d, organisation_id=o) for o in org_ids])
    record_event(actor=actor, acting_for=acting_for, partnership=partnership, action="decision.opened", obj=d,
                 after={"title": d.title, "rule": d.rule, "quorum": d.quorum, "closes_at": closes_at,
                        "participants": org_ids})
    notify(recipients=_people_of(org_ids), kind=NotificationKind.DECISION_OPENED,
           title=lambda: _("Decision opened in %(p)s: %(t)s") % {"p": partnership.name, "t": d.title},
           body=lambda: d.question, url=d.get_absolute_url())
    # Deferred tasks, enqueued in this transaction: the reminder and the closing.
    soon = closes_at - dt.timedelta(hours=24)
    if soon > timezone.now():
        tasks.remind_decision_closing.using(run_after=soon).enqueue(d.pk)
    tasks.close_decision.using(run_after=closes_at).enqueue(d.pk)
    return d


@transaction.atomic
def position_record(*, actor, decision: Decision, acting_for: Organisation, stance: str, reason: str = "") -> Position:
    """Record or change `acting_for`'s position. Allowed until the decision closes."""
    d = Decision.objects.select_for_update().select_related("partnership").get(pk=decision.pk)
    if not d.is_open:
        raise ValidationError(_("This decision closed on %(t)s; positions can no longer be recorded or changed.")
                              % {"t": timezone.localtime(d.closes_at).strftime("%Y-%m-%d %H:%M")})
    if not d.participants.filter(organisation=acting_for).exists():
        raise PermissionDenied(_("%(org)s was not asked to take a position on this decision.") % {"org": acting_for.name})
    _require_partner(actor, d.partnership, acting_for)
    if stance not in allowed_stances(d.rule):
        raise ValidationError({"stance": _("This position is not available under the %(rule)s rule.")
                               % {"rule": DecisionRule(d.rule).label}})
    if stance in STANCES_NEEDING_REASON and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for your objection or block.")})
    existing = d.positions.filter(organisation=acting_for).first()
    before = {"stance": existing.stance, "reason": existing.reason} if existing else None
    if existing:
        existing.stance, existing.reason, existing.recorded_by = stance, reason, actor
        existing.save()
        pos = existing
    else:
        pos = Position.objects.create(decision=d, organisation=acting_for, stance=stance, reason=reason,
                                      recorded_by=actor)
    record_event(actor=actor, acting_for=acting_for, partnership=d.partnership,
                 action="position.changed" if existing else "position.recorded", obj=pos,
                 before=before, after={"stance": stance, "reason": reason})
    return pos


def _tally(d: Decision, lead_ruling):
    positions = list(d.positions.select_related("organisation"))
    active = d.partnership.partners.filter(status=PartnerStatus.ACTIVE)
    active_ids = set(active.values_list("organisation_id", flat=True))
    # The electorate is fixed when asked, but a partner that has since left without
    # taking a position is no longer waited for (it can no longer answer). Positions
    # taken before leaving stand.
    answered_ids = {p.organisation_id for p in positions}
    participant_ids = {o for o in d.participants.values_list("organisation_id", flat=True)
                       if o in active_ids or o in answered_ids}
    # "Every partner was asked" means every partner that had joined before the
    # consultation closed; one joining later could not have been asked.
    joined_in_time = set(active.filter(joined_at__lt=d.closes_at).values_list("organisation_id", flat=True))
    result = compute_outcome(
        rule=d.rule, participants=len(participant_ids),
        positions=[PositionInput(p.stance, p.reason) for p in positions if p.organisation_id in participant_ids],
        quorum=d.quorum, asked_all=joined_in_time <= participant_ids, lead_ruling=lead_ruling,
    )
    return result, positions


@transaction.atomic
def decision_close(*, actor, decision: Decision, acting_for: Organisation | None = None,
                   lead_ruling: bool | None = None, rationale: str = "",
                   review_date: dt.date | None = None) -> Decision:
    """Compute and record the outcome. Runs as a task at closing time, or on demand after it.

    Under "lead decides", the convener (`acting_for`) gives `lead_ruling` once the
    consultation has closed; until then the decision waits for the lead.
    """
    d = Decision.objects.select_for_update().select_related("partnership").get(pk=decision.pk)
    if d.status == DecisionStatus.CLOSED:
        return d
    if timezone.now() < d.closes_at:
        raise ValidationError(_("This decision is still open until %(t)s.")
                              % {"t": timezone.localtime(d.closes_at).strftime("%Y-%m-%d %H:%M")})
    if actor is not None and acting_for is not None:
        _require_partner(actor, d.partnership, acting_for)
    if lead_ruling is not None:
        if d.rule != DecisionRule.LEAD:
            raise ValidationError(_("Only a 'lead decides' decision takes a ruling from the lead."))
        if acting_for is None:
            raise PermissionDenied(_("Only the convener can decide."))
        _require_convener(actor, d.partnership, acting_for)
        if not rationale.strip():
            raise ValidationError({"rationale": _("Explain the lead's decision to the partners.")})
    result, positions = _tally(d, lead_ruling)
    if result.outcome == Outcome.AWAITING_LEAD:
        if d.status != DecisionStatus.AWAITING_LEAD:
            d.status = DecisionStatus.AWAITING_LEAD
            d.outcome_explanation = result.explanation
            d.save()
            record_event(actor=actor, acting_for=acting_for, partnership=d.partnership,
                         action="decision.awaiting_lead", obj=d, after={"explanation": result.explanation})
        return d
    d.status = DecisionStatus.CLOSED
    d.closed_at = timezone.now()
    d.outcome = result.outcome
    d.outcome_explanation = result.explanation
    d.outcome_tally = {k: getattr(result, k) for k in ("agree", "reservations", "stand_aside", "object", "block", "silent")}
    d.outcome_positions = [
        {"organisation": p.organisation_id, "organisation_name": p.organisation.name, "stance": p.stance,
         "reason": p.reason} for p in positions
    ]
    d.lead_ruling = lead_ruling
    if rationale:
        d.rationale = rationale
    if review_date:
        d.review_date = review_date
    d.version += 1
    d.save()
    record_event(actor=actor, acting_for=acting_for, partnership=d.partnership, action="decision.closed", obj=d,
                 after={"outcome": d.outcome, "tally": d.outcome_tally, "positions": d.outcome_positions,
                        "rationale": d.rationale})
    if d.kind == DecisionKind.CHARTER and d.outcome == Outcome.CARRIED and d.payload:
        fields = {k: d.payload.get(k) for k in CHARTER_FIELDS}
        if fields.get("review_date"):
            fields["review_date"] = dt.date.fromisoformat(fields["review_date"])
        # The closing task has no actor: the version is credited to whoever proposed the change.
        _write_charter(actor=actor, acting_for=acting_for, partnership=d.partnership, fields=fields,
                       change_note=d.payload.get("change_note") or d.title, author=d.proposed_by)
    if d.kind == DecisionKind.PUBLICATION and d.outcome == Outcome.CARRIED and d.payload:
        p = Partnership.objects.select_for_update().get(pk=d.partnership_id)
        # Made private meanwhile: nothing is shown to the public at all, so nothing to apply.
        changes = _publication_changes(p, d.payload.get("publication") or {}) if p.is_public else {}
        if changes:
            _write_publication(actor=actor, acting_for=acting_for, partnership=p, changes=changes)
    for hook in DECISION_CLOSED_HOOKS:
        hook(decision=d, actor=actor)
    notify(recipients=_partner_people(d.partnership), kind=NotificationKind.DECISION_CLOSED,
           title=lambda: _("Decision closed in %(p)s: %(t)s — %(o)s")
           % {"p": d.partnership.name, "t": d.title, "o": Outcome(d.outcome).label},
           body=lambda: d.outcome_explanation, url=d.get_absolute_url())
    return d


@transaction.atomic
def decision_record_rationale(*, actor, decision: Decision, acting_for: Organisation, rationale: str,
                              review_date: dt.date | None, expected_version: int | None = None) -> Decision:
    """After closing, the convener records why and when to review."""
    d = Decision.objects.select_for_update().select_related("partnership").get(pk=decision.pk)
    _require_convener(actor, d.partnership, acting_for)
    check_version(d, expected_version)
    if d.status != DecisionStatus.CLOSED:
        raise ValidationError(_("The rationale is recorded once the decision has closed."))
    if not rationale.strip():
        raise ValidationError({"rationale": _("Enter the rationale.")})
    if review_date and review_date <= timezone.localdate():
        raise ValidationError({"review_date": _("The review date must be in the future.")})
    before = {"rationale": d.rationale, "review_date": d.review_date}
    d.rationale, d.review_date = rationale, review_date
    d.version += 1
    d.save()
    record_event(actor=actor, acting_for=acting_for, partnership=d.partnership, action="decision.rationale_recorded",
                 obj=d, before=before, after={"rationale": rationale, "review_date": review_date})
    return d


def remind_closing(*, decision: Decision) -> int:
    """Notify partners who have not taken a position that the decision closes soon."""
    d = decision
    if d.status != DecisionStatus.OPEN:
        return 0
    responded = set(d.positions.values_list("organisation_id", flat=True))
    waiting = set(d.participants.values_list("organisation_id", flat=True)) - responded
    with transaction.atomic():
        sent = notify(recipients=_people_of(waiting), kind=NotificationKind.DECISION_CLOSING,
                      title=lambda: _("Closing soon in %(p)s: %(t)s") % {"p": d.partnership.name, "t": d.title},
                      body=lambda: d.question, url=d.get_absolute_url())
    return len(sent)


def close_due_decisions() -> int:
    """Close every open decision whose time has come (a sweep for cron or the worker)."""
    n = 0
    for d in Decision.objects.filter(status=DecisionStatus.OPEN, closes_at__lte=timezone.now()):
        decision_close(actor=None, decision=d)
        n += 1
    return n
