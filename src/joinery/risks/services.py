"""Writes about the risk register. Web, API and CLI call these; each is atomic and audited.

Seed 003: partnering needs risk-taking and "will not be enhanced by over-emphasis on risk
management". So besides mitigating a risk, the partnership can consciously accept it "for
innovation": the reason, who accepted it and when are recorded and every partner is told.

    open ⇄ mitigating ──accept for innovation──▶ accepted ──close──▶ closed
      └────────────────────────close───────────────────────────────▲
    (an update that sets the status back to open or mitigating reopens a risk and
     withdraws an acceptance)
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.network.models import PartnerRole, PartnerStatus
from joinery.network.permissions import MANAGING_ROLES
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Organisation, Representative
from joinery.organisations.services import require_can_act_for

from .models import Risk, RiskAppetite, RiskStatus

#: Fields a partner edits (the status through `risk_update` only moves between open and mitigating).
EDITABLE_FIELDS = ["title", "cause", "consequence", "likelihood", "impact", "owner", "owner_person",
                   "mitigations", "status", "review_date", "work_item"]
UPDATE_STATUSES = (RiskStatus.OPEN, RiskStatus.MITIGATING)
#: A reason for accepting a risk must say something: at least this many characters and words.
MIN_REASON_CHARS = 20
MIN_REASON_WORDS = 4
_PLACEHOLDERS = {"n/a", "na", "none", "nothing", "tbc", "tbd", "-", "--", "...", "ok", "yes", "no", "test"}


class RiskConflict(StaleEdit):
    """Someone saved the risk after the editor opened it: their version and yours, to compare."""

    def __init__(self, *, risk: Risk, yours: dict):
        super().__init__(_("Someone else saved this risk after you opened it. Nothing was overwritten: compare "
                           "their version with yours below, then save again."))
        self.risk = risk
        self.theirs = _snapshot(risk)
        self.yours = yours


# --- helpers -------------------------------------------------------------------------------

def _active_partner_ids(partnership) -> set[int]:
    return set(partnership.partners.filter(status=PartnerStatus.ACTIVE).values_list("organisation_id", flat=True))


def _require_partner(actor, partnership, acting_for) -> None:
    if acting_for is None or acting_for.pk not in _active_partner_ids(partnership):
        raise PermissionDenied(_("%(org)s is not a partner in %(p)s.")
                               % {"org": getattr(acting_for, "name", "?"), "p": partnership.name})
    require_can_act_for(actor, acting_for)


def _is_convener(partnership, organisation) -> bool:
    return partnership.partners.filter(status=PartnerStatus.ACTIVE, role=PartnerRole.CONVENER,
                                       organisation=organisation).exists()


def _require_convener(actor, partnership, acting_for) -> None:
    if acting_for is None or not _is_convener(partnership, acting_for):
        raise PermissionDenied(_("Only the convener of %(p)s can do this.") % {"p": partnership.name})
    require_can_act_for(actor, acting_for, roles=MANAGING_ROLES)


def _require_convener_or_owner(actor, risk, acting_for) -> None:
    """The convener (administrator or coordinator) or any representative of the risk's owner organisation."""
    if acting_for is not None and acting_for.pk == risk.owner_id:
        _require_partner(actor, risk.partnership, acting_for)
        return
    if acting_for is not None and _is_convener(risk.partnership, acting_for):
        require_can_act_for(actor, acting_for, roles=MANAGING_ROLES)
        return
    raise PermissionDenied(_("Only the convener or the organisation that owns this risk (%(org)s) can do this.")
                           % {"org": risk.owner.name})


def _partner_people(partnership) -> list:
    reps = (Representative.objects.current().filter(organisation_id__in=list(_active_partner_ids(partnership)))
            .select_related("person"))
    return [r.person for r in reps]


def _lock(risk: Risk) -> Risk:
    return Risk.objects.select_for_update(of=("self",)).select_related("partnership", "owner").get(pk=risk.pk)


def _snapshot(risk: Risk) -> dict:
    return {"title": risk.title, "cause": risk.cause, "consequence": risk.consequence,
            "likelihood": risk.likelihood, "impact": risk.impact, "score": risk.score,
            "owner": risk.owner_id, "owner_person": risk.owner_person_id, "mitigations": risk.mitigations,
            "status": risk.status, "review_date": risk.review_date, "work_item": risk.work_item_id,
            "accepted_for_innovation": risk.accepted_for_innovation, "acceptance_reason": risk.acceptance_reason,
            "version": risk.version}


def _audit(actor, action, risk, acting_for, before=None, after=None):
    record_event(actor=actor, action=action, obj=risk, acting_for=acting_for, partnership=risk.partnership,
                 before=before, after=after)


def _scale(value, field: str, errors: dict, message: str):
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = message
        return None
    if not 1 <= number <= 5:
        errors[field] = message
        return None
    return number


def _validate(partnership, fields: dict) -> dict:
    """Check a risk's fields; returns them cleaned. Raises ValidationError with every problem at once."""
    errors: dict[str, str] = {}
    out = dict(fields)
    for name, message in (("title", _("Describe the risk in a few words.")),
                          ("cause", _("Say what could cause it.")),
                          ("consequence", _("Say what would happen if it did."))):
        out[name] = (fields.get(name) or "").strip()
        if not out[name]:
            errors[name] = message
    if len(out["title"]) > Risk._meta.get_field("title").max_length:
        errors["title"] = _("Keep the risk's title to 250 characters or fewer; put the detail in its cause.")
    out["likelihood"] = _scale(fields.get("likelihood"), "likelihood",
                               errors, _("Choose how likely it is, from 1 (rare) to 5 (almost certain)."))
    out["impact"] = _scale(fields.get("impact"), "impact", errors,
                           _("Choose how serious it would be, from 1 (minimal) to 5 (severe)."))
    owner = fields.get("owner")
    if not isinstance(owner, Organisation):
        errors["owner"] = _("Choose the partner organisation that owns the risk.")
    elif owner.pk not in _active_partner_ids(partnership):
        errors["owner"] = _("%(org)s is not an active partner: a risk's owner must be one.") % {"org": owner.name}
    person = fields.get("owner_person")
    if person is not None and isinstance(owner, Organisation) and not owner.representatives.current().filter(
            person=person).exists():
        errors["owner_person"] = _("%(name)s does not represent %(org)s.") % {"name": person.display_name,
                                                                              "org": owner.name}
    if fields.get("status") not in UPDATE_STATUSES:
        errors["status"] = _("Choose whether the risk is open or being mitigated.")
    out["mitigations"] = (fields.get("mitigations") or "").strip()
    review = fields.get("review_date")
    if review is not None and not (dt.date(2000, 1, 1) <= review <= dt.date(2999, 12, 31)):
        errors["review_date"] = _("Give a review date between the years 2000 and 2999.")
    item = fields.get("work_item")
    if item is not None and item.partnership_id != partnership.pk:
        errors["work_item"] = _("That work item belongs to another partnership.")
    if errors:
        raise ValidationError(errors)
    out["score"] = out["likelihood"] * out["impact"]
    return out


def _meaningful(reason: str) -> bool:
    text = reason.strip()
    if text.lower() in _PLACEHOLDERS:
        return False
    words = re.findall(r"\w+", text)
    return len(text) >= MIN_REASON_CHARS and len(words) >= MIN_REASON_WORDS


# --- appetite ------------------------------------------------------------------------------

@transaction.atomic
def risk_appetite_set(*, actor, acting_for: Organisation, partnership, threshold, statement: str) -> RiskAppetite:
    """The convener sets the appetite: a new row each time, so the appetite in force at any date stays readable."""
    _require_convener(actor, partnership, acting_for)
    errors = {}
    try:
        threshold = int(threshold)
        if not 1 <= threshold <= 25:
            raise ValueError
    except (TypeError, ValueError):
        errors["threshold"] = _("Give the highest acceptable score, a whole number from 1 to 25.")
    statement = (statement or "").strip()
    if not statement:
        errors["statement"] = _("Write the appetite statement: how much risk the partnership will take, and why.")
    if errors:
        raise ValidationError(errors)
    previous = RiskAppetite.objects.filter(partnership=partnership).order_by("-created_at", "-id").first()
    appetite = RiskAppetite.objects.create(partnership=partnership, threshold=threshold, statement=statement,
                                           set_by=actor)
    record_event(actor=actor, action="risk_appetite.set", obj=appetite, acting_for=acting_for,
                 partnership=partnership,
                 before={"threshold": previous.threshold, "statement": previous.statement} if previous else None,
                 after={"threshold": threshold, "statement": statement})
    notify(recipients=_partner_people(partnership), kind=NotificationKind.RISK,
           title=lambda: _("%(p)s has a new risk appetite: risks scoring above %(n)d are above it")
           % {"p": partnership.name, "n": threshold},
           body=lambda: statement, url=_appetite_url(partnership))
    return appetite


def _appetite_url(partnership) -> str:
    from django.urls import reverse

    return reverse("risks:appetite", args=[partnership.slug])


# --- risks ---------------------------------------------------------------------------------

@transaction.atomic
def risk_create(*, actor, acting_for: Organisation, partnership, title: str, cause: str, consequence: str,
                likelihood: int, impact: int, owner: Organisation, owner_person=None, mitigations: str = "",
                status: str = RiskStatus.OPEN, review_date: dt.date | None = None, work_item=None) -> Risk:
    """A partner records a risk; its score (likelihood × impact) is stored to sort and filter."""
    _require_partner(actor, partnership, acting_for)
    data = _validate(partnership, dict(title=title, cause=cause, consequence=consequence, likelihood=likelihood,
                                       impact=impact, owner=owner, owner_person=owner_person,
                                       mitigations=mitigations, status=status, review_date=review_date,
                                       work_item=work_item))
    risk = Risk(partnership=partnership, created_by=actor, **data)
    risk.full_clean()
    risk.save()
    _audit(actor, "risk.created", risk, acting_for, after=_snapshot(risk))
    if owner.pk != acting_for.pk:
        notify(recipients=[r.person for r in owner.representatives.current().select_related("person")],
               kind=NotificationKind.RISK,
               title=lambda: _("%(org)s recorded a risk that %(owner)s owns: %(t)s")
               % {"org": acting_for.name, "owner": owner.name, "t": risk.title},
               url=risk.get_absolute_url())
    return risk


@transaction.atomic
def risk_update(*, actor, acting_for: Organisation, risk: Risk, expected_version: int | None, **fields) -> Risk:
    """Change a risk. A save based on an older version is refused with both versions (RiskConflict)."""
    r = _lock(risk)
    _require_partner(actor, r.partnership, acting_for)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    merged = {name: getattr(r, name) for name in EDITABLE_FIELDS}
    if merged["status"] not in UPDATE_STATUSES:
        merged["status"] = RiskStatus.OPEN if r.status == RiskStatus.CLOSED else RiskStatus.MITIGATING
    merged.update(fields)
    if expected_version is None:
        raise ValidationError({"expected_version": _("Send the version of the risk you read.")})
    if int(expected_version) != r.version:
        yours = {k: (v.pk if hasattr(v, "pk") else v) for k, v in merged.items()}
        raise RiskConflict(risk=r, yours=yours)
    if r.status == RiskStatus.CLOSED and fields.get("status") not in UPDATE_STATUSES:
        raise ValidationError(_("This risk is closed. To change it, reopen it: set its status to open or being "
                                "mitigated."))
    data = _validate(r.partnership, merged)
    before = _snapshot(r)
    keep_status = "status" not in fields and r.status in (RiskStatus.ACCEPTED, RiskStatus.CLOSED)
    for name, value in data.items():
        if name == "status" and keep_status:
            continue
        setattr(r, name, value)
    if r.status in UPDATE_STATUSES and before["accepted_for_innovation"]:
        # Set back to open or mitigating: the partnership no longer accepts it as it is.
        r.accepted_for_innovation, r.acceptance_reason, r.accepted_by, r.accepted_at = False, "", None, None
    after = _snapshot(r)
    if {k: v for k, v in after.items() if k != "version"} == {k: v for k, v in before.items() if k != "version"}:
        return r
    r.version += 1
    r.full_clean()
    r.save()
    after["version"] = r.version
    _audit(actor, "risk.updated", r, acting_for, before=before, after=after)
    return r


@transaction.atomic
def risk_accept_for_innovation(*, actor, acting_for: Organisation, risk: Risk, reason: str,
                               expected_version: int | None = None) -> Risk:
    """Consciously accept a risk instead of mitigating it away, saying why (seed 003's balance)."""
    r = _lock(risk)
    _require_convener_or_owner(actor, r, acting_for)
    if expected_version is not None and int(expected_version) != r.version:
        raise StaleEdit()
    if r.status == RiskStatus.CLOSED:
        raise ValidationError(_("This risk is closed: reopen it before accepting it."))
    if r.accepted_for_innovation:
        raise ValidationError(_("This risk is already accepted for innovation."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the partnership accepts this risk: what it makes possible "
                                           "that mitigating it would not.")})
    if not _meaningful(reason):
        raise ValidationError({"reason": _("Give a real reason, in a sentence of at least %(n)d characters: what "
                                           "the partnership gains by taking this risk.") % {"n": MIN_REASON_CHARS}})
    before = _snapshot(r)
    r.status = RiskStatus.ACCEPTED
    r.accepted_for_innovation = True
    r.acceptance_reason = reason
    r.accepted_by = actor
    r.accepted_at = timezone.now()
    r.version += 1
    r.save()
    _audit(actor, "risk.accepted_for_innovation", r, acting_for, before=before,
           after={"status": r.status, "accepted_for_innovation": True, "acceptance_reason": reason,
                  "accepted_at": r.accepted_at, "version": r.version})
    notify(recipients=_partner_people(r.partnership), kind=NotificationKind.RISK,
           title=lambda: _("%(org)s accepted a risk for innovation: %(t)s") % {"org": acting_for.name, "t": r.title},
           body=lambda: reason, url=r.get_absolute_url())
    return r


@transaction.atomic
def risk_close(*, actor, acting_for: Organisation, risk: Risk, reason: str = "",
               expected_version: int | None = None) -> Risk:
    """Close a risk that has passed or no longer matters; the reason goes in the audit record."""
    r = _lock(risk)
    _require_convener_or_owner(actor, r, acting_for)
    if expected_version is not None and int(expected_version) != r.version:
        raise StaleEdit()
    if r.status == RiskStatus.CLOSED:
        raise ValidationError(_("This risk is already closed."))
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ValidationError({"reason": _("Keep the reason to 2,000 characters or fewer.")})
    before = {"status": r.status}
    r.status = RiskStatus.CLOSED
    r.version += 1
    r.save()
    _audit(actor, "risk.closed", r, acting_for, before=before,
           after={"status": r.status, "reason": reason, "version": r.version})
    return r
