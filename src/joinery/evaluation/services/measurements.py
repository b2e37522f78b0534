"""Writes of measurements: report, correct, import a file, push from the API, remind.

One piece of code, `ReportingRules.check`, decides whether a value may be reported, whether it
comes from the web form, a row of an imported file, the API or the command line, so the same
input gets the same answer everywhere.

Rules worth knowing:

- Values are reported once the framework is adopted, by the indicator's reporting partner or
  by the convener on its behalf (`reported_for` is the organisation acted for). Indicators fed
  by citizen feedback take no reports: their values come from the feedback form.
- A period must be one of the framework's periods and must have started.
- Measurements are append-only. A correction marks the current row as no longer current and
  adds a row that `replaces` it, with the reason; both stay. A partial unique index keeps at
  most one current value per indicator and period, so the old row is retired first.
- Imports and API pushes are all or nothing, with a report row by row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.network.models import PartnerRole, PartnerStatus
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Representative, RepresentativeRole
from joinery.organisations.services import require_can_act_for

from .. import importing
from ..models import (
    Framework,
    FrameworkStatus,
    Indicator,
    Measurement,
    MeasurementImport,
    MeasurementReminder,
    MeasurementSource,
    ValueType,
)
from ..periods import Period, PeriodKind, parse, periods_between
from .framework import value_fault

MAX_ABS = Decimal("99999999999999.9999")  # the column: 18 digits, 4 after the point
MAX_REPORT = 1000
MAX_NOTE = 5000
MANAGING_ROLES = [RepresentativeRole.ADMIN, RepresentativeRole.COORDINATOR]
#: Who hears that values are due: everyone who represents the reporting partner day to day.
REMINDED_ROLES = [RepresentativeRole.ADMIN, RepresentativeRole.COORDINATOR, RepresentativeRole.MEMBER]
EXAMPLES = {PeriodKind.MONTH: "2025-07", PeriodKind.QUARTER: "2025-Q3", PeriodKind.YEAR: "2025"}
COLUMN_ORDER = {c: i for i, c in enumerate(("",) + importing.COLUMNS)}


class ImportRejected(ValidationError):
    """The file had problems: nothing was imported. `batch` is the rejected import, with its report."""

    def __init__(self, *, batch: MeasurementImport, report: list[dict], problems: int):
        super().__init__(
            {"file": _("The file has %(n)s problem(s), listed row by row: nothing was imported. Fix them and "
                       "import the whole file again.") % {"n": problems}}, code="import_rejected")
        self.batch, self.report, self.problems = batch, report, problems


class RowsRejected(ValidationError):
    """Pushed rows had problems: nothing was saved. `report` lists them (row, column, problem, fix)."""

    def __init__(self, report: list[dict]):
        super().__init__({"rows": [_("Row %(row)s, %(column)s: %(problem)s %(fix)s")
                                   % {**r, "column": r["column"] or _("row")} for r in report]},
                         code="rows_rejected")
        self.report = report


def _report_row(row: int, column: str, problem, fix="") -> dict:
    return {"row": row, "column": column, "problem": str(problem), "fix": str(fix)}


# --- who may report ------------------------------------------------------------------------------

def _people_of(org_ids, roles=MANAGING_ROLES) -> list:
    return [r.person for r in Representative.objects.current().filter(organisation_id__in=list(org_ids),
                                                                      role__in=roles).select_related("person")]


def convener_ids(partnership) -> set[int]:
    return set(partnership.partners.filter(status=PartnerStatus.ACTIVE, role=PartnerRole.CONVENER)
               .values_list("organisation_id", flat=True))


def require_reporter(actor, acting_for, framework: Framework) -> None:
    """The actor acts for an active partner of the framework's partnership; else PermissionDenied."""
    partnership = framework.partnership
    if acting_for is None:
        raise PermissionDenied(_("Choose the organisation you act for."))
    if not partnership.partners.filter(status=PartnerStatus.ACTIVE, organisation=acting_for).exists():
        raise PermissionDenied(_("%(org)s is not an active partner in %(p)s.")
                               % {"org": acting_for.name, "p": partnership.name})
    require_can_act_for(actor, acting_for)


def require_adopted(framework: Framework) -> None:
    if framework.status != FrameworkStatus.ADOPTED:
        raise ValidationError(_("The evaluation framework is not adopted yet: values are reported once the "
                                "partners have adopted it by a decision."), code="not_adopted")


# --- the rules -----------------------------------------------------------------------------------

def check_value(indicator: Indicator, raw, *, delimiter: str = ","):
    """(Decimal or None, (problem, fix) or None) for a value of `indicator`."""
    if isinstance(raw, str) or raw is None or isinstance(raw, float | bool):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None, (_("The value is missing."), _("Enter the value measured for this period."))
        value, problem = importing.parse_decimal(raw, delimiter=delimiter)
        if problem:
            return None, (problem, _("Write a number such as 120 or 87.5, without the unit."))
    else:
        try:
            value = Decimal(raw)
        except (InvalidOperation, TypeError, ValueError):
            return None, (_("“%(v)s” is not a number.") % {"v": str(raw)[:40]},
                          _("Write a number such as 120 or 87.5, without the unit."))
    kind = indicator.value_type
    fault = value_fault(value, kind, max_abs=MAX_ABS)
    if fault == "number":
        return None, (_("“%(v)s” is not a number.") % {"v": str(raw)[:40]},
                      _("Write a number such as 120 or 87.5, without the unit."))
    if fault == "size":
        return None, (_("The value is too large."), _("Values have at most 14 digits before the decimal point."))
    if fault == "places":
        return None, (_("The value has more than four decimal places."), _("Round it to four decimal places."))
    if fault == "whole":
        return None, (_("%(i)s counts whole numbers; %(v)s is not one.") % {"i": indicator.name, "v": value},
                      _("Write a whole number, for example 120."))
    if fault == "percentage":
        return None, (_("A percentage is between 0 and 100; %(v)s is not.") % {"v": value},
                      _("Write the percentage without the % sign, for example 62.5."))
    if kind != ValueType.DECIMAL and value < 0:
        return None, (_("%(i)s cannot be negative.") % {"i": indicator.name}, _("Write zero or more."))
    return value, None


def check_period(framework: Framework, key, *, today: dt.date):
    """(Period or None, (problem, fix) or None)."""
    key = importing.text(key)
    example = EXAMPLES[PeriodKind(framework.period_kind)]
    if not key:
        return None, (_("The period is missing."), _("Write the period like %(e)s.") % {"e": example})
    p = parse(framework.period_kind, key)
    if p is None:
        return None, (_("“%(k)s” is not a period of this framework, which reports %(kind)s.")
                      % {"k": key[:20], "kind": str(PeriodKind(framework.period_kind).label).lower()},
                      _("Write the period like %(e)s.") % {"e": example})
    if p.end < framework.starts_on or p.start > framework.ends_on:
        return None, (_("%(p)s is outside the framework, which runs from %(s)s to %(e)s.")
                      % {"p": p.label, "s": framework.starts_on.isoformat(), "e": framework.ends_on.isoformat()},
                      _("Report only periods of the framework."))
    if p.start > today:
        return None, (_("%(p)s has not started yet.") % {"p": p.label},
                      _("Report a value once its period has started."))
    return p, None


@dataclass
class Planned:
    """A checked value, ready to write."""

    indicator: Indicator
    period: Period
    value: Decimal
    note: str
    replaces: Measurement | None = None
    reason: str = ""


class ReportingRules:
    """Checks measurements for one framework, reported by one organisation."""

    def __init__(self, framework: Framework, acting_for, *, today: dt.date | None = None):
        self.framework, self.acting_for = framework, acting_for
        self.today = today or timezone.localdate()

    @cached_property
    def is_convener(self) -> bool:
        return self.acting_for.pk in convener_ids(self.framework.partnership)

    @cached_property
    def indicators_by_code(self) -> dict[str, Indicator]:
        return {i.code.lower(): i for i in self.framework.indicators.select_related("reporting_partner")}

    def may_report(self, indicator: Indicator) -> bool:
        if self.is_convener:
            return True
        return indicator.reporting_partner_id == self.acting_for.pk

    def check_indicator(self, indicator: Indicator):
        """(problem, fix) when this organisation may not report `indicator`, else None."""
        if indicator.framework_id != self.framework.pk:
            return (_("This indicator is not in the framework."), "")
        if indicator.retired_at is not None:
            return (_("%(i)s was retired from the framework.") % {"i": indicator.name},
                    _("Report only the framework's current indicators."))
        if indicator.fed_by_feedback:
            return (_("%(i)s comes from citizen feedback: it is not reported by partners.") % {"i": indicator.name},
                    _("Remove it: its values are counted from the feedback form."))
        if not self.may_report(indicator):
            who = indicator.reporting_partner.name if indicator.reporting_partner_id else _("the convener")
            return (_("%(org)s is not the reporting partner for %(i)s (%(who)s reports it).")
                    % {"org": self.acting_for.name, "i": indicator.name, "who": who},
                    _("Leave it to %(who)s, or ask the convener to report it.") % {"who": who})
        return None

    def check(self, *, indicator: Indicator, period, value, unit=None, note="", delimiter=","):
        """(Planned or None, {field: (problem, fix)})."""
        errors: dict[str, tuple] = {}
        problem = self.check_indicator(indicator)
        if problem:
            errors["indicator"] = problem
        p, problem = check_period(self.framework, period, today=self.today)
        if problem:
            errors["period"] = problem
        v, problem = check_value(indicator, value, delimiter=delimiter)
        if problem:
            errors["value"] = problem
        unit = importing.text(unit)
        if unit and unit.lower() != (indicator.unit or "").strip().lower():
            errors["unit"] = (_("A value of the wrong unit: %(i)s is counted in %(u)s, not “%(given)s”.")
                              % {"i": indicator.name, "u": indicator.unit, "given": unit[:40]},
                              _("Convert the value to %(u)s, or leave the unit empty.") % {"u": indicator.unit})
        note = importing.text(note)
        if len(note) > MAX_NOTE:
            errors["note"] = (_("The note is longer than %(n)s characters.") % {"n": MAX_NOTE}, _("Shorten it."))
        if errors:
            return None, errors
        return Planned(indicator=indicator, period=p, value=v, note=note), {}


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError({field: " ".join(str(x) for x in (problem, fix) if x)
                               for field, (problem, fix) in errors.items()})


def _already_reported(indicator: Indicator, period: Period) -> tuple:
    return (_("%(i)s already has a value for %(p)s: correct it instead.") % {"i": indicator.name, "p": period.label},
            _("Correct the current value, giving the reason, rather than reporting it again."))


def _snap(m: Measurement) -> dict:
    return {"indicator": m.indicator_id, "period": m.period, "value": m.value, "reported_for": m.reported_for_id,
            "source": m.source, "note": m.note, "batch": m.batch_id, "replaces": m.replaces_id,
            "correction_reason": m.correction_reason}


def _tell_convener(actor, framework, title, url) -> None:
    partnership = framework.partnership
    notify(recipients=[p for p in _people_of(convener_ids(partnership)) if p.pk != actor.pk],
           kind=NotificationKind.EVALUATION, title=title, url=url)


# --- report and correct -----------------------------------------------------------------------

@transaction.atomic
def measurement_report(*, actor, acting_for, indicator: Indicator, period: str, value, note: str = "",
                       source: str = MeasurementSource.FORM) -> Measurement:
    """Report one indicator's value for one period. See the module's rules."""
    indicator = Indicator.objects.select_related("framework__partnership", "reporting_partner").get(pk=indicator.pk)
    framework = indicator.framework
    require_reporter(actor, acting_for, framework)
    require_adopted(framework)
    rules = ReportingRules(framework, acting_for)
    planned, errors = rules.check(indicator=indicator, period=period, value=value, note=note)
    _raise(errors)
    if Measurement.objects.filter(indicator=indicator, period=planned.period.key, is_current=True).exists():
        _raise({"period": _already_reported(indicator, planned.period)})
    m = Measurement(indicator=indicator, period=planned.period.key, value=planned.value, reported_for=acting_for,
                    reported_by=actor, reported_at=timezone.now(), source=source, note=planned.note)
    try:
        with transaction.atomic():
            m.save()
    except IntegrityError:  # someone reported the same period a moment ago
        _raise({"period": _already_reported(indicator, planned.period)})
    record_event(actor=actor, action="evaluation.measurement_reported", obj=m, acting_for=acting_for,
                 partnership=framework.partnership, after=_snap(m))
    # No notification for a single value: partners report many each period, and the convener
    # would drown. Corrections, imports and pushes (one notification each) are told.
    return m


def _lock(measurement: Measurement) -> Measurement:
    return (Measurement.objects.select_for_update(of=("self",))
            .select_related("indicator__framework__partnership", "indicator__reporting_partner")
            .get(pk=measurement.pk))


def stale_correction() -> StaleEdit:
    return StaleEdit(_("Someone corrected this value first: it is no longer the current value. Reload the page "
                       "to see the current value, then correct that one if it is still wrong."))


@transaction.atomic
def measurement_correct(*, actor, acting_for, measurement: Measurement, value, reason: str, note: str = "",
                        source: str = MeasurementSource.FORM) -> Measurement:
    """Correct the current value: the old row stays (not current), a new row replaces it, with the reason."""
    old = _lock(measurement)
    indicator, framework = old.indicator, old.indicator.framework
    require_reporter(actor, acting_for, framework)
    if not old.is_current:
        raise stale_correction()
    require_adopted(framework)
    rules = ReportingRules(framework, acting_for)
    planned, errors = rules.check(indicator=indicator, period=old.period, value=value, note=note)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = (_("Give the reason for the correction."),
                            _("Partners reading the history need to know why the value changed."))
    elif len(reason) > MAX_NOTE:
        errors["reason"] = (_("The reason is longer than %(n)s characters.") % {"n": MAX_NOTE}, _("Shorten it."))
    _raise(errors)
    if planned.value == old.value and planned.note == old.note:
        raise ValidationError({"value": _("The value and the note are the same as the current ones: nothing to "
                                          "correct.")})
    return _write_correction(actor, acting_for, old, planned.value, planned.note, reason, source, rules)


def _write_correction(actor, acting_for, old, value, note, reason, source, rules, batch=None) -> Measurement:
    # The partial unique index allows one current row: retire the old one before adding the new.
    old.is_current = False
    old.save(update_fields=["is_current"])
    new = Measurement.objects.create(
        indicator=old.indicator, period=old.period, value=value, reported_for=rules.acting_for, reported_by=actor,
        reported_at=timezone.now(), source=source, note=note, replaces=old, correction_reason=reason, batch=batch)
    if batch is None:
        record_event(actor=actor, action="evaluation.measurement_corrected", obj=new, acting_for=acting_for,
                     partnership=rules.framework.partnership, before={**_snap(old), "id": old.pk}, after=_snap(new))
        record_event(actor=actor, action="evaluation.measurement_replaced", obj=old, acting_for=acting_for,
                     partnership=rules.framework.partnership, before={"is_current": True},
                     after={"is_current": False, "replaced_by": new.pk})
        period = parse(rules.framework.period_kind, old.period)
        _tell_convener(actor, rules.framework,
                       lambda: _("%(org)s corrected %(i)s for %(p)s: %(old)s → %(new)s")
                       % {"org": acting_for.name, "i": old.indicator.name, "p": period.label if period else old.period,
                          "old": importing.plain(old.value), "new": importing.plain(value)},
                       reverse("evaluation:measurement", args=[new.pk]))
    return new


# --- many rows: import and push --------------------------------------------------------------

def _check_rows(rules: ReportingRules, rows: list[tuple[int, dict]], *, delimiter=",", progress=None):
    """(report, planned) for rows of {column: raw value}: every row checked, duplicates reported both ways."""
    report: list[dict] = []
    planned: list[Planned] = []
    keys = {}
    for n, raw in rows:
        code = importing.text(raw.get("indicator")).lower()
        keys[n] = (code, importing.text(raw.get("period")).upper())
    counts = Counter(k for k in keys.values() if k[0] and k[1])
    ids = {rules.indicators_by_code[c].pk for c, _p in counts if c in rules.indicators_by_code}
    current = {(m.indicator_id, m.period): m for m in Measurement.objects.filter(
        indicator_id__in=ids, is_current=True, period__in={p for _c, p in counts})}
    total = len(rows)
    for done, (n, raw) in enumerate(rows, start=1):
        problems = []
        code = keys[n][0]
        indicator = rules.indicators_by_code.get(code)
        if indicator is None:
            problems.append(("indicator", _("There is no indicator “%(c)s” in this framework.") % {"c": code[:60]}
                             if code else _("The indicator is missing."),
                             _("Use the indicator's code, as shown on the framework page.")))
        else:
            plan, errors = rules.check(indicator=indicator, period=raw.get("period"), value=raw.get("value"),
                                       unit=raw.get("unit"), note=raw.get("note"), delimiter=delimiter)
            problems.extend((col, p, f) for col, (p, f) in errors.items())
            if plan is not None:
                if counts[keys[n]] > 1:
                    others = [str(o) for o, k in keys.items() if k == keys[n] and o != n]
                    problems.append(("period", _("%(i)s for %(p)s appears more than once in the file (also row "
                                                 "%(rows)s).") % {"i": indicator.name, "p": plan.period.label,
                                                                  "rows": ", ".join(others)},
                                     _("Keep one row for each indicator and period.")))
                reason = importing.text(raw.get("correction_reason"))
                existing = current.get((indicator.pk, plan.period.key))
                if reason and existing is None:
                    problems.append(("correction_reason", _("There is no value to correct for %(i)s in %(p)s.")
                                     % {"i": indicator.name, "p": plan.period.label},
                                     _("Leave correction_reason empty to report a first value.")))
                elif not reason and existing is not None:
                    problems.append(("value", *_already_reported(indicator, plan.period)))
                elif len(reason) > MAX_NOTE:
                    problems.append(("correction_reason", _("The reason is longer than %(n)s characters.")
                                     % {"n": MAX_NOTE}, _("Shorten it.")))
                plan.replaces, plan.reason = existing, reason
                if not problems:
                    planned.append(plan)
        report.extend(_report_row(n, col, p, f) for col, p, f in problems)
        if progress is not None and (done % 250 == 0 or done == total):
            progress(done, total)
    report.sort(key=lambda r: (r["row"], COLUMN_ORDER.get(r["column"], 99)))
    return report, planned


def _write_planned(actor, rules: ReportingRules, planned: list[Planned], *, source, batch=None) -> list[Measurement]:
    now = timezone.now()
    replaced = [p.replaces.pk for p in planned if p.replaces is not None]
    if replaced:
        # Locked, then re-checked: someone may have corrected one since the file was checked.
        still = set(Measurement.objects.select_for_update().filter(pk__in=replaced, is_current=True)
                    .values_list("pk", flat=True))
        if len(still) != len(replaced):
            raise stale_correction()
        Measurement.objects.filter(pk__in=replaced).update(is_current=False)
    objs = [Measurement(indicator=p.indicator, period=p.period.key, value=p.value, reported_for=rules.acting_for,
                        reported_by=actor, reported_at=now, source=source, note=p.note, batch=batch,
                        replaces=p.replaces, correction_reason=p.reason) for p in planned]
    try:
        with transaction.atomic():
            Measurement.objects.bulk_create(objs, batch_size=1000)
    except IntegrityError:
        raise ValidationError(_("Someone reported some of these values while the file was being checked. Nothing "
                                "was saved: check the values again."), code="stale") from None
    return objs


def measurements_import(*, actor, acting_for, framework: Framework, filename: str, data: bytes,
                        progress=None) -> MeasurementImport:
    """Import a CSV or XLSX file of measurements: all rows, or none.

    If any row has a problem nothing is imported: a rejected MeasurementImport keeps the
    row-by-row report (row, column, problem, fix) and ImportRejected is raised with it. A file
    that cannot be read at all raises ValidationError({"file": …}) and writes nothing.
    `progress(done, total)` is called as rows are checked.
    """
    framework = Framework.objects.select_related("partnership").get(pk=framework.pk)
    require_reporter(actor, acting_for, framework)
    require_adopted(framework)
    filename = os.path.basename((filename or "").replace("\\", "/"))[:255] or "measurements"
    if data and len(data) > importing.MAX_BYTES:
        raise importing.file_error(_("The file is larger than 5 MB. Split it into smaller files and import each "
                                     "one."))
    digest = hashlib.sha256(data or b"").hexdigest()
    table = importing.read_table(filename, data)
    rules = ReportingRules(framework, acting_for)
    report, planned = _check_rows(rules, table.rows, delimiter=table.delimiter, progress=progress)
    report = [_report_row(*p) for p in table.problems] + report
    total = len(table.rows)
    if report:
        report.sort(key=lambda r: (r["row"], COLUMN_ORDER.get(r["column"], 99)))
        with transaction.atomic():
            batch = MeasurementImport.objects.create(
                framework=framework, acting_for=acting_for, filename=filename, sha256=digest, rows=total,
                status=MeasurementImport.Status.REJECTED, report=report[:MAX_REPORT], imported_by=actor)
            record_event(actor=actor, action="evaluation.measurement_import_rejected", obj=batch,
                         acting_for=acting_for, partnership=framework.partnership,
                         after={"filename": filename, "sha256": digest, "rows": total, "problems": len(report)})
        raise ImportRejected(batch=batch, report=report[:MAX_REPORT], problems=len(report))
    with transaction.atomic():
        batch = MeasurementImport.objects.create(
            framework=framework, acting_for=acting_for, filename=filename, sha256=digest, rows=total,
            status=MeasurementImport.Status.IMPORTED, report=[], imported_by=actor)
        _write_planned(actor, rules, planned, source=MeasurementSource.IMPORT, batch=batch)
        corrected = sum(1 for p in planned if p.replaces is not None)
        record_event(actor=actor, action="evaluation.measurements_imported", obj=batch, acting_for=acting_for,
                     partnership=framework.partnership,
                     after={"filename": filename, "sha256": digest, "rows": total, "corrections": corrected,
                            "replaced": [p.replaces.pk for p in planned if p.replaces is not None]})
        _tell_convener(actor, framework, lambda: _("%(org)s imported %(n)s measurements (%(f)s)")
                       % {"org": acting_for.name, "n": total, "f": filename},
                       reverse("evaluation:measurements", args=[framework.partnership.slug]))
    return batch


@transaction.atomic
def measurements_push(*, actor, acting_for, framework: Framework, rows: list[dict],
                      source: str = MeasurementSource.API) -> list[Measurement]:
    """Save many values at once (the API's batch push): the same checks as a file, all or nothing.

    Each row is {indicator (code), period, value, unit?, note?, correction_reason?}. Raises
    RowsRejected (a ValidationError on `rows`) with the report when any row has a problem.
    """
    framework = Framework.objects.select_related("partnership").get(pk=framework.pk)
    require_reporter(actor, acting_for, framework)
    require_adopted(framework)
    if not rows:
        raise ValidationError({"rows": _("Send at least one row.")})
    if len(rows) > importing.MAX_ROWS:
        raise ValidationError({"rows": _("Send at most %(n)s rows at a time.") % {"n": f"{importing.MAX_ROWS:,}"}})
    rules = ReportingRules(framework, acting_for)
    report, planned = _check_rows(rules, list(enumerate(rows, start=1)))
    if report:
        raise RowsRejected(report[:MAX_REPORT])
    objs = _write_planned(actor, rules, planned, source=source)
    record_event(actor=actor, action="evaluation.measurements_pushed", obj=framework, acting_for=acting_for,
                 partnership=framework.partnership,
                 after={"source": source, "rows": len(objs), "measurements": [m.pk for m in objs],
                        "replaced": [p.replaces.pk for p in planned if p.replaces is not None]})
    _tell_convener(actor, framework, lambda: _("%(org)s sent %(n)s measurements") % {"org": acting_for.name,
                                                                                     "n": len(objs)},
                   reverse("evaluation:measurements", args=[framework.partnership.slug]))
    return objs


# --- reminders --------------------------------------------------------------------------------

def due_dates(framework: Framework, period: Period) -> tuple[dt.date, dt.date]:
    """(reminder day, due date) of a period: due `reporting_days` after it ends, reminded before."""
    due = period.end + dt.timedelta(days=framework.reporting_days)
    return due - dt.timedelta(days=framework.reminder_days), due


def reminders_schedule(*, framework: Framework) -> None:
    """Enqueue a reminder run at the reminder day of each of the framework's periods not yet due."""
    if framework.status != FrameworkStatus.ADOPTED:
        return
    from .. import tasks

    now, today = timezone.now(), timezone.localdate()
    for p in periods_between(framework.period_kind, framework.starts_on, framework.ends_on):
        remind_on, due = due_dates(framework, p)
        if due < today:
            continue
        when = timezone.make_aware(dt.datetime.combine(remind_on, dt.time(9)))
        tasks.send_measurement_reminders.using(run_after=max(when, now)).enqueue(remind_on.isoformat())


def _responsible(indicator: Indicator, conveners: set[int]) -> int | None:
    if indicator.reporting_partner_id:
        return indicator.reporting_partner_id
    return min(conveners) if conveners else None


def reminders_send(*, today: dt.date | None = None) -> int:
    """Remind each reporting partner, once per period, of values still missing before the due date.

    Safe to run any number of times: a partner reminded of a period (MeasurementReminder) is not
    reminded again. Returns how many reminders went out.
    """
    today = today or timezone.localdate()
    sent = 0
    for framework in Framework.objects.filter(status=FrameworkStatus.ADOPTED).select_related("partnership"):
        periods = [p for p in periods_between(framework.period_kind, framework.starts_on, framework.ends_on)
                   if due_dates(framework, p)[0] <= today <= due_dates(framework, p)[1]]
        if not periods:
            continue
        conveners = convener_ids(framework.partnership)
        active = set(framework.partnership.partners.filter(status=PartnerStatus.ACTIVE)
                     .values_list("organisation_id", flat=True))
        indicators = list(framework.indicators.filter(retired_at__isnull=True, feedback_channel__isnull=True))
        for p in periods:
            reported = set(Measurement.objects.filter(indicator__in=indicators, period=p.key, is_current=True)
                           .values_list("indicator_id", flat=True))
            missing: dict[int, list[Indicator]] = defaultdict(list)
            for i in indicators:
                org = _responsible(i, conveners)
                if i.pk not in reported and org in active:
                    missing[org].append(i)
            done = set(MeasurementReminder.objects.filter(framework=framework, period=p.key)
                       .values_list("organisation_id", flat=True))
            for org_id, items in missing.items():
                if org_id not in done and _remind(framework, org_id, p, items):
                    sent += 1
    return sent


def _remind(framework: Framework, org_id: int, period: Period, items: list[Indicator]) -> bool:
    _remind_on, due = due_dates(framework, period)
    try:
        with transaction.atomic():
            reminder = MeasurementReminder.objects.create(framework=framework, organisation_id=org_id,
                                                          period=period.key, sent_at=timezone.now())
            names = ", ".join(i.name for i in items[:10]) + ("…" if len(items) > 10 else "")
            notify(recipients=_people_of([org_id], REMINDED_ROLES), kind=NotificationKind.EVALUATION,
                   title=lambda: _("%(p)s: values for %(period)s are due by %(d)s")
                   % {"p": framework.partnership.name, "period": period.label, "d": due.isoformat()},
                   body=lambda: _("Still to report (%(n)s): %(names)s") % {"n": len(items), "names": names},
                   url=reverse("evaluation:report", args=[framework.partnership.slug]))
            record_event(actor=None, action="evaluation.measurement_reminder_sent", obj=reminder,
                         acting_for=reminder.organisation, partnership=framework.partnership,
                         after={"period": period.key, "due": due, "missing": [i.code for i in items]})
    except IntegrityError:  # another run reminded them a moment ago
        return False
    return True
