"""Writes to the contributions ledger. The web pages, the API and the `joinery` command call these.

Every function is atomic and audited. A contribution is checked by one piece of code,
`LedgerRules.check`, whether it comes from the web form, the API, a volunteer's hours or a
row of an imported file, so the same input gets the same answer everywhere.

Rules worth knowing (docs/contributions.md says them for users):

- The date is when the contribution was given; the period is what it covers. The date must
  fall within the period and cannot be in the future (a contribution is an actual, not a
  pledge: pledges are commitments). Without a period, the period is the date itself.
- Hours are valued at the rate in force on the contribution's date; the contribution keeps
  that rate row and its value for good. A new rate never rewrites past valuations.
- A contribution may meet a commitment of one of this partnership's signed agreements, made by
  the contributing organisation (for a volunteer's hours: by the organisation recording them),
  if it is dated within the commitment's period and can be counted in its unit (measures.py).
- Contributions are never edited: a correction withdraws the old row and records a new one
  that `replaces` it; a withdrawal keeps the row, with its reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property

from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.agreements.models import AgreementStatus, Commitment
from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, ValidationError
from joinery.core.faults import fault_point
from joinery.network.models import Partner, PartnerRole, PartnerStatus
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Organisation, Representative
from joinery.organisations.services import require_can_act_for

from . import currencies, importing, measures
from .models import (
    HOUR_KINDS,
    Contribution,
    ContributionImport,
    ContributionKind,
    ContributorSector,
    ValuationRate,
)
from .permissions import MANAGING_ROLES

CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("999999999999.99")       # the column's 14 digits, 2 after the point
MAX_RATE = Decimal("99999999.99")
MAX_PEOPLE = 100_000
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
#: Allowed evidence files: extension → the bytes such a file starts with (None: plain text).
EVIDENCE_TYPES = {
    "pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",), "docx": (b"PK\x03\x04",), "odt": (b"PK\x03\x04",), "csv": None, "txt": None,
}
#: Agreements whose commitments count: signed, in force now or in the past. A terminated or
#: superseded agreement's commitments no longer bind (a variation carries its own).
SIGNED_STATUSES = (AgreementStatus.IN_FORCE, AgreementStatus.UNDER_REVIEW, AgreementStatus.EXPIRED)
MAX_REPORT = 1000
#: Where a field's problem shows in an import report.
FIELD_COLUMNS = {"commitment": "commitment_id", "__all__": ""}
CORRECTABLE = ("kind", "description", "date", "period_start", "period_end", "quantity", "currency", "unit",
               "people", "work_kind", "value", "commitment", "work_item", "evidence", "evidence_url",
               "organisation")


class ImportRejected(ValidationError):
    """The file had problems: nothing was imported. `batch` is the rejected import, with its report."""

    def __init__(self, *, batch: ContributionImport, report: list[dict], problems: int):
        super().__init__(
            {"file": _("The file has %(n)s problem(s), listed row by row: nothing was imported. Fix them and "
                       "import the whole file again.") % {"n": problems}}, code="import_rejected")
        self.batch, self.report, self.problems = batch, report, problems


# --- helpers ----------------------------------------------------------------------------------

def _decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return False
    return d if d.is_finite() else False


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _fmt(value) -> str:
    return f"{value:,}" if isinstance(value, int | Decimal) else str(value)


def _people_of(org_ids, roles=MANAGING_ROLES) -> list:
    return [r.person for r in Representative.objects.current().filter(organisation_id__in=list(org_ids),
                                                                      role__in=roles).select_related("person")]


def _snap(c: Contribution) -> dict:
    return {
        "kind": c.kind, "description": c.description, "date": c.date, "period": [c.period_start, c.period_end],
        "quantity": c.quantity, "unit": c.unit, "people": c.people, "currency": c.currency, "value": c.value,
        "rate": c.rate_id, "organisation": c.organisation_id, "person": c.person_id, "sector": c.sector,
        "commitment": c.commitment_id, "work_item": c.work_item_id, "evidence": c.evidence.name or "",
        "evidence_url": c.evidence_url, "batch": c.batch_id, "replaces": c.replaces_id,
    }


def _active_partner(partnership, organisation) -> bool:
    return partnership.partners.filter(status=PartnerStatus.ACTIVE, organisation=organisation).exists()


def require_partner(actor, acting_for, partnership, *, roles=None):
    """The actor's role for `acting_for`, an active partner in `partnership`; else PermissionDenied."""
    if acting_for is None:
        raise PermissionDenied(_("Choose the organisation you act for."))
    if not _active_partner(partnership, acting_for):
        raise PermissionDenied(_("%(org)s is not an active partner in %(p)s.")
                               % {"org": acting_for.name, "p": partnership.name})
    return require_can_act_for(actor, acting_for, roles=roles)


def _holds_managing_role(actor, organisation) -> bool:
    return organisation.representatives.current().filter(person=actor, role__in=MANAGING_ROLES).exists()


def _is_convener(partnership, organisation) -> bool:
    return partnership.partners.filter(status=PartnerStatus.ACTIVE, role=PartnerRole.CONVENER,
                                       organisation=organisation).exists()


# --- the rules of the ledger --------------------------------------------------------------------

class LedgerRules:
    """Checks contributions for one partnership, recorded by one organisation.

    Reads what it needs once (partners, rates, commitments) so that checking 50,000 rows of an
    import costs a handful of queries, not one per row.
    """

    def __init__(self, partnership, acting_for, *, actor=None, today: dt.date | None = None):
        self.partnership = partnership
        self.acting_for = acting_for
        self.actor = actor
        self.today = today or timezone.localdate()
        self._commitments: dict[int, Commitment | None] = {}

    # what is read once
    @cached_property
    def partners(self) -> dict[int, Partner]:
        """Every organisation that is or was a partner (contributions may predate a departure)."""
        out: dict[int, Partner] = {}
        for p in self.partnership.partners.select_related("organisation").order_by("joined_at", "id"):
            if p.organisation_id not in out or p.status == PartnerStatus.ACTIVE:
                out[p.organisation_id] = p
        return out

    @cached_property
    def records_for_others(self) -> bool:
        """The convener's administrators and coordinators record contributions for any partner."""
        p = self.partners.get(self.acting_for.pk)
        return (p is not None and p.status == PartnerStatus.ACTIVE and p.role == PartnerRole.CONVENER
                and self.actor is not None and _holds_managing_role(self.actor, self.acting_for))

    @cached_property
    def rates(self) -> list[ValuationRate]:
        return list(ValuationRate.objects.filter(partnership=self.partnership).order_by("work_kind", "-valid_from"))

    def warm(self) -> None:
        """Read the partners, the rates and the acting organisation's standing now, once."""
        for attribute in ("partners", "rates", "records_for_others", "organisations_by_name"):
            getattr(self, attribute)

    def preload_commitments(self, ids) -> None:
        ids = {i for i in ids if i and i not in self._commitments}
        if not ids:
            return
        found = {m.pk: m for m in Commitment.objects.filter(pk__in=ids).select_related("agreement", "party")}
        for i in ids:
            self._commitments[i] = found.get(i)

    def commitment(self, pk: int) -> Commitment | None:
        self.preload_commitments([pk])
        return self._commitments.get(pk)

    @cached_property
    def organisations_by_name(self) -> dict[str, Organisation]:
        """A partner by its short name, identifier or name (any case), for import files."""
        out: dict[str, Organisation] = {}
        for p in self.partners.values():
            o = p.organisation
            for key in (o.name, o.identifier, o.slug):
                if key and key.strip():
                    out.setdefault(key.strip().lower(), o)
        return out

    def rates_in_force(self, date: dt.date) -> list[ValuationRate]:
        return [r for r in self.rates if r.valid_from <= date and (r.valid_until is None or r.valid_until >= date)]

    def rate_for(self, kind: str, work_kind: str, date: dt.date):
        """(rate, None) or (None, (problem, fix)) for hours of `kind` on `date`."""
        in_force = self.rates_in_force(date)
        kind_label = ContributionKind(kind).label.lower()
        when = date.isoformat()
        if work_kind:
            rate = next((r for r in in_force if r.work_kind == work_kind), None)
            if rate is None:
                codes = sorted({r.work_kind for r in in_force if r.hours_kind == kind})
                return None, (_("The partnership has no rate for the kind of work “%(w)s” on %(d)s.")
                              % {"w": work_kind, "d": when},
                              _("Use one of the kinds of work it values: %(codes)s — or ask the convener to set a "
                                "rate on the valuation rates page.") % {"codes": ", ".join(codes) or _("none yet")})
            if rate.hours_kind != kind:
                return None, (_("“%(w)s” is a rate for %(other)s, not %(kind)s.")
                              % {"w": work_kind, "other": ContributionKind(rate.hours_kind).label.lower(),
                                 "kind": kind_label},
                              _("Choose a kind of work valued for %(kind)s, or change the kind of contribution.")
                              % {"kind": kind_label})
            return rate, None
        candidates = [r for r in in_force if r.hours_kind == kind]
        if len(candidates) == 1:
            return candidates[0], None
        if not candidates:
            return None, (_("The partnership has no rate for %(kind)s on %(d)s, so these hours cannot be valued.")
                          % {"kind": kind_label, "d": when},
                          _("Ask the convener to set one on the valuation rates page."))
        return None, (_("The partnership values %(kind)s at different rates.") % {"kind": kind_label},
                      _("Choose the kind of work: %(codes)s.")
                      % {"codes": ", ".join(sorted(r.work_kind for r in candidates))})

    # the check
    def check(self, *, kind, description, date, period_start=None, period_end=None, quantity, currency="",
              unit="", people=1, work_kind="", value=None, commitment=None, work_item=None, evidence=None,
              evidence_url="", organisation=None, person=None, keep_rate=None):
        """(an unsaved Contribution, {field: (problem, fix)}). Empty errors: it may be saved."""
        errors: dict[str, tuple[str, str]] = {}

        def bad(field, problem, fix=""):
            errors.setdefault(field, (str(problem), str(fix)))

        c = Contribution(partnership=self.partnership)

        # who
        if person is not None and organisation is None:
            c.person, c.sector = person, ContributorSector.CITIZENS
            owner = self.acting_for  # a volunteer's contribution meets the recording organisation's commitments
        else:
            organisation = organisation or self.acting_for
            partner = self.partners.get(organisation.pk)
            if partner is None:
                bad("organisation", _("%(org)s is not a partner in this partnership.") % {"org": organisation.name},
                    _("Choose one of the partners."))
            elif organisation.pk != self.acting_for.pk and not self.records_for_others:
                bad("organisation", _("You act for %(me)s, so you can only record %(me)s's contributions.")
                    % {"me": self.acting_for.name},
                    _("Leave the organisation empty, or ask the convener to record it for %(org)s.")
                    % {"org": organisation.name})
            c.organisation, c.person = organisation, person
            c.sector = ContributorSector(organisation.sector) if organisation.sector in ContributorSector.values \
                else ContributorSector.COMMUNITY
            owner = organisation

        # what
        if kind not in ContributionKind.values:
            bad("kind", _("Choose what kind of contribution this is."), importing.KIND_FIX)
        c.kind = kind
        description = (description or "").strip()
        if not description:
            bad("description", _("Describe the contribution."),
                _("Say what was given, for example “Room hire for the weekly drop-in”."))
        elif len(description) > 500:
            bad("description", _("The description is longer than 500 characters."), _("Shorten it."))
        c.description = description

        # when
        if date is None:
            bad("date", _("Enter the date the contribution was given."), importing._DATE_FIX)
        elif date > self.today:
            bad("date", _("The date %(d)s is in the future: a contribution is recorded once it is given.")
                % {"d": date.isoformat()},
                _("Enter the date it was given. Promises for the future are commitments, in an agreement."))
        if period_start is None and period_end is None:
            period_start = period_end = date
        elif period_start is None or period_end is None:
            bad("period_start" if period_start is None else "period_end",
                _("Give both the start and the end of the period, or neither."),
                _("Leave both empty when the contribution covers a single day."))
        if period_start and period_end and period_end < period_start:
            bad("period_end", _("The period ends (%(e)s) before it starts (%(s)s).")
                % {"e": period_end.isoformat(), "s": period_start.isoformat()},
                _("Make the end of the period the same as or after its start."))
        elif date and period_start and period_end and not period_start <= date <= period_end:
            bad("date", _("The date %(d)s is outside the period %(s)s to %(e)s.")
                % {"d": date.isoformat(), "s": period_start.isoformat(), "e": period_end.isoformat()},
                _("The date is when it was given; the period is what it covers. Put the date within the period."))
        c.date, c.period_start, c.period_end = date, period_start, period_end

        # how much
        q = _decimal(quantity)
        if q is None:
            bad("quantity", _("Enter the amount."), _("Money in the currency, hours, or a count of items."))
        elif q is False:
            bad("quantity", _("The amount must be a number."), _("Write a number such as 1250 or 1250.50."))
        elif q <= 0:
            bad("quantity", _("The amount must be more than zero (you entered %(q)s).") % {"q": q},
                _("Enter what was given. To undo a contribution, withdraw or correct it instead."))
        elif q > MAX_QUANTITY:
            bad("quantity", _("The amount is too large."), _("Check the number; split it if it is real."))
        elif q != q.quantize(CENT):
            bad("quantity", _("The amount has more than two decimal places."), _("Round it to two decimal places."))
        c.quantity = q if isinstance(q, Decimal) else None

        try:
            people = int(people) if people not in (None, "") else 1
        except (TypeError, ValueError):
            people = 0
        if not 1 <= people <= MAX_PEOPLE:
            bad("people", _("The number of people must be a whole number from 1 to %(max)s.")
                % {"max": _fmt(MAX_PEOPLE)}, _("Enter how many people gave these hours."))
            people = 1
        c.people = people

        currency = currencies.normalise(currency)
        if currency and not currencies.is_known(currency):
            bad("currency", _("“%(c)s” is not a currency code we know.") % {"c": currency[:10]},
                _("Use a three-letter ISO 4217 code, such as CAD, EUR or USD."))
            currency = ""
        c.currency = currency
        c.unit = (unit or "").strip()[:40]
        c.evidence_url = (evidence_url or "").strip()
        c.rate, c.value = None, None
        stated = _decimal(value)

        if kind == ContributionKind.MONEY:
            if not currency and "currency" not in errors:
                bad("currency", _("Say which currency the money is in."), _("For example CAD, EUR or USD."))
            c.unit = currency
            c.value = c.quantity
            if stated not in (None, False) and c.quantity is not None and stated != c.quantity:
                bad("value", _("The value of money is its amount."), _("Leave the value empty."))
        elif kind in HOUR_KINDS:
            c.unit = _("hours")
            if isinstance(q, Decimal) and q > 0 and period_start and period_end and period_end >= period_start:
                days = (period_end - period_start).days + 1
                most = people * 24 * days
                if q > most:
                    bad("quantity", _("%(q)s hours is more than %(people)s person(s) can give in %(days)s day(s): at "
                                      "most %(most)s hours.")
                        % {"q": q, "people": people, "days": days, "most": _fmt(most)},
                        _("Check the hours, the number of people, and the period they cover."))
            if date is not None:
                if keep_rate is not None:
                    rate, problem = keep_rate, None
                else:
                    rate, problem = self.rate_for(kind, (work_kind or "").strip(), date)
                if problem:
                    bad("work_kind", *problem)
                else:
                    c.rate = rate
                    if currency and currency != rate.currency:
                        bad("currency", _("Hours are valued in the rate's currency, %(c)s.") % {"c": rate.currency},
                            _("Leave the currency empty or write %(c)s.") % {"c": rate.currency})
                    c.currency = rate.currency
                    if c.quantity is not None and c.quantity > 0:
                        c.value = _cents(c.quantity * rate.hourly_rate)
            if stated not in (None, False):
                bad("value", _("Hours are valued at the partnership's rate, not a stated value."),
                    _("Leave the value empty."))
        elif kind in (ContributionKind.IN_KIND, ContributionKind.DATA):
            if not c.unit:
                bad("unit", _("Say what the amount counts."), _("For example: rooms, laptops, meals, datasets."))
            if stated is False:
                bad("value", _("The value must be a number."), _("Write a number such as 1250 or 1250.50."))
            elif stated is not None:
                if stated <= 0:
                    bad("value", _("The value must be more than zero."), _("Leave it empty if it has no stated value."))
                elif stated > MAX_QUANTITY or stated != stated.quantize(CENT):
                    bad("value", _("The value must be a sum of money with at most two decimal places."),
                        _("Round it to two decimal places."))
                elif not currency and "currency" not in errors:
                    bad("currency", _("Say which currency the value is in."), _("For example CAD, EUR or USD."))
                else:
                    c.value = stated

        # what it meets and serves
        if commitment is not None:
            self._check_commitment(c, commitment, owner, bad)
        c.commitment = commitment
        if work_item is not None and work_item.partnership_id != self.partnership.pk:
            bad("work_item", _("That task is in another partnership."), _("Choose one of this partnership's tasks."))
        c.work_item = work_item

        # evidence
        if c.evidence_url:
            if len(c.evidence_url) > 500:
                bad("evidence_url", _("The link is longer than 500 characters."), _("Use a shorter link."))
            else:
                try:
                    URLValidator(schemes=["http", "https"])(c.evidence_url)
                except ValidationError:
                    bad("evidence_url", _("The evidence link is not a web address."),
                        _("Give a full address starting with https://, or leave it empty."))
        if evidence is not None:
            problem = evidence_problem(evidence)
            if problem:
                bad("evidence", *problem)
            else:
                c.evidence = evidence
        return c, errors

    def _check_commitment(self, c, commitment, owner, bad) -> None:
        if commitment.agreement.partnership_id != self.partnership.pk:
            bad("commitment", _("That commitment is in another partnership's agreement."),
                _("A contribution can only meet a commitment made in this partnership's agreements."))
            return
        if commitment.deleted_at is not None:
            bad("commitment", _("That commitment was removed from its agreement."), _("Choose another commitment."))
            return
        if commitment.agreement.status not in SIGNED_STATUSES:
            bad("commitment", _("That commitment's agreement (%(a)s) is %(s)s: it is not a commitment until it is "
                                "signed.") % {"a": commitment.agreement.title,
                                              "s": commitment.agreement.get_status_display().lower()},
                _("Record the contribution without a commitment, and link it once the agreement is in force."))
            return
        if commitment.party_id != owner.pk:
            if c.person_id and c.organisation_id is None:
                why = _("A volunteer's hours meet a commitment of the organisation recording them (%(org)s).")
            else:
                why = _("A contribution meets its own organisation's commitments (%(org)s's).")
            bad("commitment", _("That commitment is %(party)s's.") % {"party": commitment.party.name},
                why % {"org": owner.name})
            return
        if c.date and not commitment.period_start <= c.date <= commitment.period_end:
            bad("commitment", _("That commitment runs from %(s)s to %(e)s; this contribution is dated %(d)s.")
                % {"s": commitment.period_start.isoformat(), "e": commitment.period_end.isoformat(),
                   "d": c.date.isoformat()},
                _("Check the date, or choose the commitment for that period."))
            return
        measure = measures.measure_of(commitment)
        if c.quantity is not None and c.kind in ContributionKind.values and measures.counted(
                measure, kind=c.kind, currency=c.currency, unit=c.unit, quantity=c.quantity, value=c.value) is None:
            how, what = measure
            if how == measures.VALUE:
                problem = _("That commitment is counted in %(c)s, and this contribution has no value in %(c)s.") \
                    % {"c": what}
            elif how == measures.HOURS:
                problem = _("That commitment is counted in hours: only staff or volunteer hours meet it.")
            else:
                problem = _("That commitment is counted in “%(u)s”, and this contribution in “%(v)s”.") \
                    % {"u": commitment.unit, "v": c.unit}
            bad("commitment", problem, _("Record the contribution in the commitment's unit, or without a commitment."))


def evidence_problem(f):
    """(problem, fix) when an uploaded evidence file is refused, else None."""
    name = os.path.basename(getattr(f, "name", "") or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ", ".join(sorted(EVIDENCE_TYPES))
    if ext not in EVIDENCE_TYPES:
        return (_("Evidence files must be one of: %(types)s.") % {"types": allowed},
                _("Save the evidence as a PDF, or give a link to it instead."))
    size = getattr(f, "size", None) or 0
    if size > MAX_EVIDENCE_BYTES:
        return (_("The evidence file is larger than 10 MB."),
                _("Make it smaller (a PDF of the key pages), or give a link to it instead."))
    if size == 0:
        return _("The evidence file is empty."), _("Choose the file again.")
    f.seek(0)
    head = f.read(8192)
    f.seek(0)
    signatures = EVIDENCE_TYPES[ext]
    ok = (b"\x00" not in head) if signatures is None else any(head.startswith(s) for s in signatures)
    if not ok:
        return (_("The file %(name)s is not really a .%(ext)s file.") % {"name": name, "ext": ext},
                _("Save it again in that format, or as a PDF."))
    return None


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError({field: " ".join(p for p in (problem, fix) if p)
                               for field, (problem, fix) in errors.items()})


# --- valuation rates ---------------------------------------------------------------------------

@transaction.atomic
def valuation_rate_set(*, actor, acting_for, partnership, work_kind: str, label: str, hours_kind: str,
                       hourly_rate, currency: str, valid_from: dt.date, basis: str) -> ValuationRate:
    """The convener sets what an hour of a kind of work is worth from `valid_from`.

    The rate in force for that kind of work (if any) is closed the day before and points to the
    new one; no rate row is ever changed otherwise, and contributions keep the rate they used.
    """
    require_partner(actor, acting_for, partnership, roles=MANAGING_ROLES)
    if not _is_convener(partnership, acting_for):
        raise PermissionDenied(_("Only the convener sets valuation rates."))
    errors = {}
    work_kind = (work_kind or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,59}", work_kind):
        errors["work_kind"] = _("Enter a short code of letters, digits and hyphens, for example volunteer-general.")
    label = (label or "").strip()
    if not label:
        errors["label"] = _("Name the kind of work, for example “General volunteering”.")
    elif len(label) > 200:
        errors["label"] = _("The name is longer than 200 characters.")
    if hours_kind not in [k.value for k in HOUR_KINDS]:
        errors["hours_kind"] = _("Choose whether the rate applies to staff hours or volunteer hours.")
    rate = _decimal(hourly_rate)
    if rate is None or rate is False:
        errors["hourly_rate"] = _("Enter the value of one hour, for example 28.50.")
    elif rate <= 0:
        errors["hourly_rate"] = _("The value of one hour must be more than zero.")
    elif rate > MAX_RATE or rate != rate.quantize(CENT):
        errors["hourly_rate"] = _("Enter a sum with at most two decimal places.")
    currency = currencies.normalise(currency)
    if not currencies.is_known(currency):
        errors["currency"] = _("Enter a three-letter ISO 4217 currency code, such as CAD, EUR or USD.")
    if valid_from is None:
        errors["valid_from"] = _("Enter the date the rate applies from.")
    basis = (basis or "").strip()
    if not basis:
        errors["basis"] = _("Say where the figure comes from (a survey, a wage scale, a published rate), so "
                            "partners can check it.")
    current = (ValuationRate.objects.select_for_update()
               .filter(partnership=partnership, work_kind=work_kind, valid_until__isnull=True)
               .order_by("-valid_from").first()) if "work_kind" not in errors else None
    if current is not None and valid_from is not None and valid_from <= current.valid_from:
        errors["valid_from"] = _("The current rate for “%(w)s” applies from %(d)s: a new rate must start after "
                                 "that date.") % {"w": work_kind, "d": current.valid_from.isoformat()}
    if errors:
        raise ValidationError(errors)
    new = ValuationRate(partnership=partnership, work_kind=work_kind, label=label, hours_kind=hours_kind,
                        hourly_rate=rate, currency=currency, basis=basis, valid_from=valid_from, set_by=actor)
    new.full_clean()
    new.save()
    before = None
    if current is not None:
        before = {"rate": current.pk, "hourly_rate": current.hourly_rate, "currency": current.currency,
                  "valid_from": current.valid_from, "valid_until": None}
        current.valid_until = valid_from - dt.timedelta(days=1)
        current.superseded_by = new
        current.save(update_fields=["valid_until", "superseded_by", "updated_at"])
    record_event(actor=actor, action="valuation_rate.set", obj=new, acting_for=acting_for, partnership=partnership,
                 before=before, after={"work_kind": work_kind, "label": label, "hours_kind": hours_kind,
                                       "hourly_rate": rate, "currency": currency, "valid_from": valid_from,
                                       "basis": basis, "supersedes": current.pk if current else None})
    others = set(partnership.partners.filter(status=PartnerStatus.ACTIVE).values_list("organisation_id", flat=True))
    notify(recipients=[p for p in _people_of(others) if p.pk != actor.pk], kind=NotificationKind.CONTRIBUTION,
           title=lambda: _("%(p)s: an hour of “%(l)s” is now valued at %(r)s %(c)s")
           % {"p": partnership.name, "l": label, "r": rate, "c": currency},
           body=lambda: _("From %(d)s. Contributions already recorded keep their value. Basis: %(b)s")
           % {"d": valid_from.isoformat(), "b": basis},
           url=reverse("contributions:rates", args=[partnership.slug]))
    return new


# --- contributions ---------------------------------------------------------------------------

def _save_new(actor, c: Contribution) -> Contribution:
    c.recorded_by = actor
    c.full_clean(exclude=["evidence"], validate_unique=False, validate_constraints=False)
    c.save()
    return c


def _tell_contributor(actor, acting_for, c: Contribution, title) -> None:
    """When someone records or changes another organisation's contribution, its managers hear of it."""
    if c.organisation_id and c.organisation_id != acting_for.pk:
        notify(recipients=[p for p in _people_of([c.organisation_id]) if p.pk != actor.pk],
               kind=NotificationKind.CONTRIBUTION, title=title, url=c.get_absolute_url())


@transaction.atomic
def contribution_record(*, actor, acting_for, partnership, kind: str, description: str, date: dt.date,
                        period_start: dt.date | None = None, period_end: dt.date | None = None, quantity,
                        currency: str = "", unit: str = "", people: int = 1, work_kind: str = "", value=None,
                        commitment=None, work_item=None, evidence=None, evidence_url: str = "", person=None,
                        organisation=None) -> Contribution:
    """Record what a partner (or, with `person`, a citizen) put in. See the module's rules."""
    require_partner(actor, acting_for, partnership)
    rules = LedgerRules(partnership, acting_for, actor=actor)
    if commitment is not None:
        commitment = rules.commitment(commitment.pk)  # as stored now, with its agreement's current status
    c, errors = rules.check(kind=kind, description=description, date=date, period_start=period_start,
                            period_end=period_end, quantity=quantity, currency=currency, unit=unit, people=people,
                            work_kind=work_kind, value=value, commitment=commitment, work_item=work_item,
                            evidence=evidence, evidence_url=evidence_url, organisation=organisation, person=person)
    _raise(errors)
    _save_new(actor, c)
    record_event(actor=actor, action="contribution.recorded", obj=c, acting_for=acting_for,
                 partnership=partnership, after=_snap(c))
    _tell_contributor(actor, acting_for, c, lambda: _("%(who)s recorded a contribution for %(org)s: %(d)s")
                      % {"who": acting_for.name, "org": c.organisation.name, "d": c.description})
    return c


def _lock(contribution: Contribution) -> Contribution:
    return (Contribution.objects.select_for_update(of=("self",))
            .select_related("partnership", "organisation", "person", "rate", "commitment__agreement",
                            "commitment__party", "work_item").get(pk=contribution.pk))


def _require_can_change(actor, acting_for, c: Contribution) -> LedgerRules:
    require_partner(actor, acting_for, c.partnership)
    rules = LedgerRules(c.partnership, acting_for, actor=actor)
    if acting_for.pk == c.organisation_id or rules.records_for_others:
        return rules
    if c.organisation_id is None and (c.recorded_by_id == actor.pk
                                      or (c.work_item_id and c.work_item.owner_id == acting_for.pk)):
        return rules
    raise PermissionDenied(_("Only %(org)s or the convener can change this contribution.")
                           % {"org": c.contributor_name if c.organisation_id else _("the organisation that "
                                                                                    "recorded it")})


def _require_live(c: Contribution) -> None:
    if c.withdrawn_at is not None:
        raise ValidationError(_("This contribution was already withdrawn or corrected (%(d)s): it cannot be "
                                "changed again. Reload the page to see the current record.")
                              % {"d": timezone.localtime(c.withdrawn_at).strftime("%Y-%m-%d %H:%M")}, code="stale")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason, so that partners reading the ledger understand the "
                                           "change.")})
    return reason


@transaction.atomic
def contribution_correct(*, actor, acting_for, contribution: Contribution, reason: str, **changes) -> Contribution:
    """Correct a contribution: the old row is withdrawn (kept, with the reason) and a new row replaces it.

    `changes` are any of the fields contribution_record takes (not the contributor's person).
    Hours keep the old row's rate unless the date, the kind or the kind of work changes.
    """
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise TypeError(f"contribution_correct() cannot change {sorted(unknown)}")
    old = _lock(contribution)
    _require_live(old)
    rules = _require_can_change(actor, acting_for, old)
    reason = _reason(reason)
    current = {
        "kind": old.kind, "description": old.description, "date": old.date, "period_start": old.period_start,
        "period_end": old.period_end, "quantity": old.quantity, "currency": old.currency, "unit": old.unit,
        "people": old.people, "work_kind": old.rate.work_kind if old.rate_id else "",
        "value": old.value if old.kind in (ContributionKind.IN_KIND, ContributionKind.DATA) else None,
        "commitment": old.commitment, "work_item": old.work_item, "evidence": None,
        "evidence_url": old.evidence_url, "organisation": old.organisation,
    }
    if changes.get("commitment") is not None:
        changes["commitment"] = rules.commitment(changes["commitment"].pk)
    wanted = {**current, **changes}
    single_day = old.period_start == old.period_end == old.date
    if single_day and "date" in changes and not ({"period_start", "period_end"} & set(changes)):
        wanted["period_start"] = wanted["period_end"] = wanted["date"]  # a one-day contribution moves whole
    if wanted["kind"] == ContributionKind.MONEY:
        wanted["unit"] = wanted["currency"]
    same = {k: v for k, v in wanted.items() if k != "evidence"} == {k: v for k, v in current.items() if k != "evidence"}
    if same and changes.get("evidence") is None:
        raise ValidationError(_("Nothing was changed. Change the details that are wrong, or withdraw the "
                                "contribution instead."))
    keep_rate = old.rate if (old.rate_id and all(wanted[k] == current[k] for k in ("date", "kind", "work_kind"))) \
        else None
    c, errors = rules.check(person=old.person if old.organisation_id is None else None, keep_rate=keep_rate,
                            **wanted)
    _raise(errors)
    if changes.get("evidence") is None and old.evidence:
        c.evidence = old.evidence.name  # the same stored file
    c.replaces = old
    c.batch = None
    old.withdrawn_at, old.withdrawn_reason = timezone.now(), reason
    old.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
    _save_new(actor, c)
    record_event(actor=actor, action="contribution.corrected", obj=c, acting_for=acting_for,
                 partnership=old.partnership, before={**_snap(old), "id": old.pk},
                 after={**_snap(c), "reason": reason})
    _tell_contributor(actor, acting_for, c, lambda: _("%(who)s corrected a contribution of %(org)s: %(r)s")
                      % {"who": acting_for.name, "org": c.organisation.name, "r": reason})
    return c


@transaction.atomic
def contribution_withdraw(*, actor, acting_for, contribution: Contribution, reason: str) -> Contribution:
    """Take a contribution out of the totals. The row stays in the ledger's history, with the reason."""
    c = _lock(contribution)
    _require_live(c)
    _require_can_change(actor, acting_for, c)
    reason = _reason(reason)
    c.withdrawn_at, c.withdrawn_reason = timezone.now(), reason
    c.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
    record_event(actor=actor, action="contribution.withdrawn", obj=c, acting_for=acting_for,
                 partnership=c.partnership, before={"withdrawn_at": None}, after={"reason": reason})
    _tell_contributor(actor, acting_for, c, lambda: _("%(who)s withdrew a contribution of %(org)s: %(r)s")
                      % {"who": acting_for.name, "org": c.organisation.name, "r": reason})
    return c


# --- volunteers' hours -----------------------------------------------------------------------

@transaction.atomic
def volunteer_hours_record(*, actor, acting_for, signup, hours, date: dt.date, description: str = "",
                           work_kind: str = "", commitment=None) -> Contribution:
    """Record a confirmed volunteer's hours on a task: the community's contribution, valued at the
    partnership's volunteer rate. By the task's owner organisation or the convener."""
    from joinery.programme.models import SignupStatus

    item = signup.item
    partnership = item.partnership
    require_partner(actor, acting_for, partnership)
    if acting_for.pk != item.owner_id and not _is_convener(partnership, acting_for):
        raise PermissionDenied(_("Only the task's owner (%(org)s) or the convener records volunteers' hours.")
                               % {"org": item.owner.name})
    if signup.status != SignupStatus.CONFIRMED:
        raise ValidationError({"hours": _("%(who)s is not a confirmed volunteer on this task (%(s)s): confirm "
                                          "them first.") % {"who": signup.person.display_name,
                                                           "s": signup.get_status_display().lower()}})
    rules = LedgerRules(partnership, acting_for, actor=actor)
    if commitment is not None:
        commitment = rules.commitment(commitment.pk)
    text = (description or "").strip() or _("Volunteering on “%(task)s”") % {"task": item.title}
    c, errors = rules.check(kind=ContributionKind.VOLUNTEER_HOURS, description=text[:500], date=date,
                            quantity=hours, people=1, work_kind=work_kind, commitment=commitment, work_item=item,
                            person=signup.person, organisation=None)
    if "quantity" in errors:
        errors["hours"] = errors.pop("quantity")
    _raise(errors)
    _save_new(actor, c)
    record_event(actor=actor, action="contribution.volunteer_hours_recorded", obj=c, acting_for=acting_for,
                 partnership=partnership, after={**_snap(c), "signup": signup.pk})
    notify(recipients=[signup.person], kind=NotificationKind.VOLUNTEERING,
           title=lambda: _("Thank you: your %(h)s hours on “%(task)s” are recorded") % {"h": c.quantity,
                                                                                         "task": item.title},
           body=lambda: _("%(p)s counts them as the community's contribution.") % {"p": partnership.name},
           url=item.get_absolute_url())
    return c


@transaction.atomic
def volunteer_hours_record_many(*, actor, acting_for, item, hours_by_signup: dict, date: dt.date,
                                description: str = "") -> list[Contribution]:
    """Several volunteers' hours on one task at once: all are recorded, or none.

    `hours_by_signup` maps a VolunteerSignup of `item` to its hours. Field errors come back as
    `hours_<signup id>`.
    """
    if not hours_by_signup:
        raise ValidationError(_("Enter the hours of at least one volunteer."))
    out, errors = [], {}
    for signup, hours in hours_by_signup.items():
        if signup.item_id != item.pk:
            raise ValidationError(_("That volunteer signed up for another task."))
        try:
            out.append(volunteer_hours_record(actor=actor, acting_for=acting_for, signup=signup, hours=hours,
                                              date=date, description=description))
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise
            for field, messages in exc.message_dict.items():
                key = f"hours_{signup.pk}" if field in ("hours", "people") else field
                errors.setdefault(key, " ".join(messages))
    if errors:
        raise ValidationError(errors)
    return out


# --- import ----------------------------------------------------------------------------------

def _report_row(row: int, column: str, problem, fix="") -> dict:
    return {"row": row, "column": column, "problem": str(problem), "fix": str(fix)}


def contributions_import(*, actor, acting_for, partnership, filename: str, data: bytes,
                         progress=None) -> ContributionImport:
    """Import a CSV or XLSX file of contributions: all rows, or none.

    Every row goes through the same checks as a contribution recorded on the form. If any row
    has a problem, nothing is imported: a rejected ContributionImport keeps the row-by-row report
    (row, column, problem, fix) and ImportRejected is raised with it. A file that cannot be read
    at all raises ValidationError({"file": …}) and writes nothing. `progress(done, total)` is
    called as rows are checked and written.
    """
    require_partner(actor, acting_for, partnership)
    filename = os.path.basename((filename or "").replace("\\", "/"))[:255] or "contributions"
    if not data:
        raise importing.file_error(_("The file is empty. Use the template: a header row, then one row per "
                                     "contribution."))
    if len(data) > importing.MAX_BYTES:
        raise importing.file_error(_("The file is larger than 5 MB. Split it into smaller files and import each "
                                     "one."))
    digest = hashlib.sha256(data).hexdigest()
    earlier = (ContributionImport.objects.filter(partnership=partnership, sha256=digest,
                                                 status=ContributionImport.Status.IMPORTED).first())
    if earlier is not None:
        raise importing.file_error(
            _("This file was already imported on %(d)s (%(n)s rows). Nothing was imported again: to add more "
              "contributions, import a file with only the new rows.")
            % {"d": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d"), "n": earlier.rows})
    table = importing.read_table(filename, data)
    total = len(table.rows)
    rules = LedgerRules(partnership, acting_for, actor=actor)
    report = [_report_row(row, p.column, p.problem, p.fix) for row, p in table.problems]
    ids = set()
    for _row, raw in table.rows:
        n, _p = importing.parse_int(str(raw.get("commitment_id") or "").strip().lstrip("#"))
        if n:
            ids.add(n)
    rules.preload_commitments(ids)
    rules.warm()
    objs = []
    for done, (row, raw) in enumerate(table.rows, start=1):
        values, problems = importing.parse_row(raw, delimiter=table.delimiter)
        unreadable = {p.column for p in problems}
        report.extend(_report_row(row, p.column, p.problem, p.fix) for p in problems)
        row_ok = not problems
        if values.get("sector", "").lower() == ContributorSector.CITIZENS:
            report.append(_report_row(row, "sector", _("This row is a volunteer's contribution."),
                                      _("Volunteers' hours are recorded on the task's page, not by import: remove "
                                        "this row.")))
            row_ok = False
        organisation = None
        if values.get("organisation"):
            organisation = rules.organisations_by_name.get(values["organisation"].lower())
            if organisation is None:
                report.append(_report_row(row, "organisation",
                                          _("No partner of this partnership is called or identified as “%(o)s”.")
                                          % {"o": values["organisation"][:80]},
                                          _("Use the organisation's name, short name or identifier, or leave the "
                                            "column empty for %(org)s.") % {"org": acting_for.name}))
                row_ok = False
        commitment = None
        if values.get("commitment_id"):
            commitment = rules.commitment(values["commitment_id"])
            if commitment is None:
                report.append(_report_row(row, "commitment_id",
                                          _("There is no commitment number %(n)s.") % {"n": values["commitment_id"]},
                                          _("Use the number shown next to the commitment on the agreement page, or "
                                            "leave the column empty.")))
                row_ok = False
        kind = values["kind"]
        c, errors = rules.check(
            kind=kind, description=values.get("description", ""), date=values.get("date"),
            period_start=values.get("period_start"), period_end=values.get("period_end"),
            quantity=values.get("quantity"), currency=values.get("currency", ""), unit=values.get("unit", ""),
            people=values.get("people") or 1, work_kind=values.get("work_kind", ""),
            value=values.get("value") if kind in (ContributionKind.IN_KIND, ContributionKind.DATA) else None,
            commitment=commitment, evidence_url=values.get("evidence_url", ""), organisation=organisation)
        for field, (problem, fix) in errors.items():
            column = FIELD_COLUMNS.get(field, field)
            if column in unreadable or (column == "kind" and "kind" in unreadable):
                continue  # already reported why the cell cannot be read
            if field in ("date", "period_start", "period_end") and unreadable & {"date", "period_start",
                                                                                 "period_end"}:
                continue
            report.append(_report_row(row, column, problem, fix))
            row_ok = False
        if row_ok:
            c.recorded_by = actor
            objs.append(c)
        if progress is not None and (done % 250 == 0 or done == total):
            progress(done, total)
    if report:
        report.sort(key=lambda r: (r["row"], COLUMN_ORDER.get(r["column"], 99)))
        with transaction.atomic():
            batch = ContributionImport.objects.create(
                partnership=partnership, acting_for=acting_for, filename=filename, sha256=digest, rows=total,
                status=ContributionImport.Status.REJECTED, report=report[:MAX_REPORT], imported_by=actor)
            record_event(actor=actor, action="contribution_import.rejected", obj=batch, acting_for=acting_for,
                         partnership=partnership, after={"filename": filename, "sha256": digest, "rows": total,
                                                         "problems": len(report)})
        raise ImportRejected(batch=batch, report=report[:MAX_REPORT], problems=len(report))
    with transaction.atomic():
        batch = ContributionImport.objects.create(
            partnership=partnership, acting_for=acting_for, filename=filename, sha256=digest, rows=total,
            status=ContributionImport.Status.IMPORTED, report=[], imported_by=actor)
        for c in objs:
            c.batch = batch
        Contribution.objects.bulk_create(objs, batch_size=500)
        totals: dict[str, Decimal] = {}
        for c in objs:
            if c.value is not None:
                totals[c.currency] = totals.get(c.currency, Decimal(0)) + c.value
        record_event(actor=actor, action="contributions.imported", obj=batch, acting_for=acting_for,
                     partnership=partnership, after={"filename": filename, "sha256": digest, "rows": total,
                                                     "value": totals})
        others = {c.organisation_id for c in objs if c.organisation_id and c.organisation_id != acting_for.pk}
        if others:
            notify(recipients=[p for p in _people_of(others) if p.pk != actor.pk], kind=NotificationKind.CONTRIBUTION,
                   title=lambda: _("%(who)s imported contributions that include your organisation's (%(f)s)")
                   % {"who": acting_for.name, "f": filename},
                   url=reverse("contributions:list", args=[partnership.slug]))
        fault_point("contributions.import")  # tests/faults: every row written, nothing committed yet
    if progress is not None:
        progress(total, total)
    return batch


COLUMN_ORDER = {c: i for i, c in enumerate(("",) + importing.COLUMNS)}
