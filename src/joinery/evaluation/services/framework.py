"""Writes to the evaluation framework: the framework, its logic model, indicators, targets and links.

Rules worth knowing (the pages, the API and the command line all come through here):

- One framework per partnership. Any active partner builds it (its representatives act for it);
  building it together is the point, and every change is audited.
- The logic model runs activity → output → outcome → impact: an outcome contributes to one
  outcome at the next level only, in the same framework.
- An indicator is either reported by an active partner, or fed by a citizen feedback form of the
  same partnership (then it serves service experience and has no reporting partner).
- Periods (baseline, targets) are keys of the framework's kind; targets must fall within the
  framework's dates, a baseline may come before them.
- The partners adopt the framework by a partnership decision (`framework_propose_adoption`;
  `apply_framework_decision` runs when the decision closes). While the proposal is open the
  framework is frozen, so the partners adopt exactly what they were asked about.
- After adoption every change bumps `Framework.revision` and writes a `FrameworkVersion` (a
  snapshot of the whole framework and its SHA-256) in the same transaction. Outcomes and
  indicators are retired, never deleted.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, ValidationError, check_version
from joinery.network.models import DecisionKind, PartnerStatus
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Representative
from joinery.organisations.services import require_can_act_for

from ..models import (
    LOGIC_ORDER,
    Aggregation,
    Direction,
    FeedbackMeasure,
    Framework,
    FrameworkStatus,
    FrameworkVersion,
    Indicator,
    IndicatorTarget,
    LogicLevel,
    Outcome,
    Question,
    Serves,
    ValueType,
)
from ..periods import PeriodKind, parse, periods_between

DECISION_DAYS = 7
MAX_YEARS = 20                      # a framework longer than this is a typing mistake
MAX_DAYS_SETTING = 365
MAX_ABS = Decimal("99999999999999")  # the columns hold 18 digits, 4 after the point
FOUR = Decimal("0.0001")
CODE_RE = re.compile(r"^[-a-zA-Z0-9_]+$")

FRAMEWORK_FIELDS = ["title", "purpose", "period_kind", "starts_on", "ends_on", "reporting_days", "reminder_days"]
OUTCOME_FIELDS = ["level", "title", "description", "contributes_to", "position"]
INDICATOR_FIELDS = ["outcome", "code", "name", "definition", "unit", "value_type", "direction", "aggregation",
                    "baseline", "baseline_period", "data_source", "reporting_partner", "serves", "question",
                    "feedback_channel", "feedback_measure", "position"]


# --- helpers ---------------------------------------------------------------------------------

def _active_partner(partnership, organisation) -> bool:
    return partnership.partners.filter(status=PartnerStatus.ACTIVE, organisation=organisation).exists()


def require_builder(actor, acting_for, partnership):
    """The actor may build `partnership`'s framework for `acting_for` (an active partner), or PermissionDenied."""
    if acting_for is None:
        raise PermissionDenied(_("Choose the organisation you act for."))
    if not _active_partner(partnership, acting_for):
        raise PermissionDenied(_("%(org)s is not an active partner in %(p)s.")
                               % {"org": acting_for.name, "p": partnership.name})
    return require_can_act_for(actor, acting_for)


def _partner_people(partnership) -> list:
    org_ids = partnership.partners.filter(status=PartnerStatus.ACTIVE).values_list("organisation_id", flat=True)
    reps = Representative.objects.current().filter(organisation_id__in=list(org_ids)).select_related("person")
    return [r.person for r in reps]


def _org_people(org) -> list:
    return [r.person for r in Representative.objects.current().filter(organisation=org).select_related("person")]


def _lock(framework) -> Framework:
    # Every write locks the framework row, so revisions are numbered one at a time.
    return Framework.objects.select_for_update(of=("self",)).select_related("partnership").get(pk=framework.pk)


def _require_open_for_changes(framework) -> None:
    if framework.status == FrameworkStatus.PROPOSED:
        raise ValidationError(_("The framework is before the partners for adoption: it cannot change until "
                                "the decision closes."), code="proposed")


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def _num(value) -> str | None:
    """A decimal as plain text without trailing zeros ("120", "8.5"), for snapshots and audit."""
    if value is None:
        return None
    d = Decimal(value).normalize()
    return format(d, "f")


def parse_value(raw, value_type: str) -> Decimal:
    """`raw` as a value of `value_type`, or ValueError with a message for people."""
    if isinstance(raw, bool):
        raise ValueError(_("Enter a number."))
    try:
        d = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(_("Enter a number, for example 120 or 8.5.")) from None
    fault = value_fault(d, value_type)
    if fault:
        raise ValueError({
            "number": _("Enter a number, for example 120 or 8.5."),
            "size": _("This number is too large."),
            "places": _("Use at most four digits after the decimal point."),
            "whole": _("This indicator counts whole numbers: enter a whole number."),
            "percentage": _("A percentage is between 0 and 100."),
        }[fault])
    return d.quantize(FOUR)


def value_fault(d: Decimal, value_type: str, *, max_abs: Decimal = MAX_ABS) -> str | None:
    """Which rule a number breaks as a value of `value_type`: "number", "size", "places", "whole",
    "percentage", or None. The one set of checks; each caller words the problem for its readers."""
    if not d.is_finite():
        return "number"
    if abs(d) > max_abs:
        return "size"
    if d != d.quantize(FOUR):
        return "places"
    if value_type == ValueType.WHOLE and d != d.to_integral_value():
        return "whole"
    if value_type == ValueType.PERCENTAGE and not Decimal(0) <= d <= Decimal(100):
        return "percentage"
    return None


def framework_periods(framework) -> list:
    return periods_between(framework.period_kind, framework.starts_on, framework.ends_on)


def _period_error(framework, key: str, *, may_precede: bool = False) -> str | None:
    """Why `key` is not a usable period of the framework, or None."""
    period = parse(framework.period_kind, key)
    if period is None:
        examples = {PeriodKind.MONTH: "2025-07", PeriodKind.QUARTER: "2025-Q3", PeriodKind.YEAR: "2025"}
        return _("“%(key)s” is not a %(kind)s period: write it like %(example)s.") % {
            "key": key, "kind": PeriodKind(framework.period_kind).label.lower(),
            "example": examples[PeriodKind(framework.period_kind)]}
    first, last = framework_periods(framework)[0], framework_periods(framework)[-1]
    if period > last or (period < first and not may_precede):
        return _("%(label)s is a period outside the framework, which runs from %(first)s to %(last)s.") % {
            "label": period.label, "first": first.label, "last": last.label}
    return None


def _audit_value(value):
    if isinstance(value, Decimal):
        return _num(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _record_version(framework: Framework, *, actor, summary: str, decision=None) -> FrameworkVersion | None:
    """After adoption: one more revision, its snapshot and hash. Before: nothing to keep."""
    from ..selectors.framework import canonical_sha256, framework_snapshot

    if framework.status != FrameworkStatus.ADOPTED:
        return None
    if decision is None:
        # The revision counts versions; `version` (optimistic locking of the settings form) is left
        # alone, so a change to an indicator does not make someone's open settings form stale.
        framework.revision += 1
        framework.save(update_fields=["revision", "updated_at"])
    snapshot = framework_snapshot(framework)
    return FrameworkVersion.objects.create(framework=framework, number=framework.revision, snapshot=snapshot,
                                          sha256=canonical_sha256(snapshot), summary=summary[:300],
                                          decision=decision, created_by=actor)


# --- the framework ---------------------------------------------------------------------------

def _clean_framework(data: dict, *, framework: Framework | None = None) -> dict:
    errors = {}
    data["title"] = _text(data.get("title"))
    data["purpose"] = _text(data.get("purpose"))
    if not data["title"]:
        errors["title"] = _("Enter a title.")
    elif len(data["title"]) > 200:
        errors["title"] = _("Use at most 200 characters.")
    if data.get("period_kind") not in PeriodKind.values:
        errors["period_kind"] = _("Choose monthly, quarterly or yearly.")
    for name in ("starts_on", "ends_on"):
        value = data.get(name)
        if isinstance(value, str):
            try:
                data[name] = dt.date.fromisoformat(value)
            except ValueError:
                errors[name] = _("Enter a date like 2025-01-01.")
        elif not isinstance(value, dt.date):
            errors[name] = _("Enter a date.")
    start, end = data.get("starts_on"), data.get("ends_on")
    if "starts_on" not in errors and "ends_on" not in errors:
        if end <= start:
            errors["ends_on"] = _("The last period must end after the first one starts.")
        elif (end - start).days > MAX_YEARS * 366:
            errors["ends_on"] = _("A framework runs for at most %(n)s years.") % {"n": MAX_YEARS}
    for name in ("reporting_days", "reminder_days"):
        try:
            data[name] = int(data.get(name))
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number of days.")
            continue
        if not 0 <= data[name] <= MAX_DAYS_SETTING:
            errors[name] = _("Enter a number of days between 0 and %(n)s.") % {"n": MAX_DAYS_SETTING}
    if framework is not None and not errors:
        # Targets and values are keyed by period: they must keep meaning what they meant.
        from ..models import Measurement

        used = set(IndicatorTarget.objects.filter(indicator__framework=framework).values_list("period", flat=True))
        used |= set(Measurement.objects.filter(indicator__framework=framework).values_list("period", flat=True)
                    .distinct())
        if data["period_kind"] != framework.period_kind:
            if framework.status == FrameworkStatus.ADOPTED:
                errors["period_kind"] = _("The reporting period of an adopted framework cannot change.")
            elif used:
                errors["period_kind"] = _("Targets or values are already set for the current periods: remove "
                                          "them before changing the reporting period.")
        else:
            probe = Framework(period_kind=data["period_kind"], starts_on=start, ends_on=end)
            outside = sorted(used - {p.key for p in framework_periods(probe)})
            if outside:
                errors["starts_on"] = _("Targets or values exist for periods these dates would leave out: "
                                        "%(periods)s.") % {"periods": ", ".join(outside[:10])}
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def framework_create(*, actor, acting_for, partnership, title, purpose="", period_kind="quarter", starts_on,
                     ends_on, reporting_days=30, reminder_days=7) -> Framework:
    """Start the partnership's evaluation framework (a draft until the partners adopt it)."""
    require_builder(actor, acting_for, partnership)
    if Framework.objects.filter(partnership=partnership).exists():
        raise ValidationError(_("%(p)s already has an evaluation framework: change it instead.")
                              % {"p": partnership.name})
    data = _clean_framework({"title": title, "purpose": purpose, "period_kind": period_kind,
                             "starts_on": starts_on, "ends_on": ends_on, "reporting_days": reporting_days,
                             "reminder_days": reminder_days})
    f = Framework.objects.create(partnership=partnership, created_by=actor, **data)
    record_event(actor=actor, acting_for=acting_for, partnership=partnership, action="evaluation.framework_created",
                 obj=f, after={k: _audit_value(v) for k, v in data.items()})
    notify(recipients=[p for p in _partner_people(partnership) if p != actor], kind=NotificationKind.EVALUATION,
           title=lambda: _("%(org)s started the evaluation framework of %(p)s")
           % {"org": acting_for.name, "p": partnership.name},
           body=lambda: f.title, url=f.get_absolute_url())
    return f


@transaction.atomic
def framework_update(*, actor, acting_for, framework, expected_version=None, **fields) -> Framework:
    """Change the framework's settings. `fields` are among FRAMEWORK_FIELDS."""
    unknown = set(fields) - set(FRAMEWORK_FIELDS)
    if unknown:
        raise TypeError(f"framework_update() got unknown fields {sorted(unknown)}")
    f = _lock(framework)
    require_builder(actor, acting_for, f.partnership)
    check_version(f, expected_version)
    _require_open_for_changes(f)
    before = {k: getattr(f, k) for k in FRAMEWORK_FIELDS}
    data = _clean_framework(before | fields, framework=f)
    changed = {k: v for k, v in data.items() if v != before[k]}
    if not changed:
        return f
    for k, v in changed.items():
        setattr(f, k, v)
    f.version += 1
    f.save()
    record_event(actor=actor, acting_for=acting_for, partnership=f.partnership, action="evaluation.framework_updated",
                 obj=f, before={k: _audit_value(before[k]) for k in changed},
                 after={k: _audit_value(v) for k, v in changed.items()})
    _record_version(f, actor=actor, summary=_("Framework settings changed: %(fields)s.")
                    % {"fields": ", ".join(str(Framework._meta.get_field(k).verbose_name) for k in changed)})
    return f


# --- outcomes --------------------------------------------------------------------------------

def _save_changes(obj, changed: dict, *, before: dict, state, action: str, actor, acting_for, partnership) -> None:
    """Write the changed fields of a step or an indicator and audit just those fields."""
    for k, v in changed.items():
        setattr(obj, k, v)
    obj.version += 1
    obj.save()
    after = state(obj)
    record_event(actor=actor, acting_for=acting_for, partnership=partnership, action=action, obj=obj,
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed})


def _next_level(level):
    i = LOGIC_ORDER.index(LogicLevel(level))
    return LOGIC_ORDER[i + 1] if i + 1 < len(LOGIC_ORDER) else None


def _clean_outcome(framework, data: dict, *, outcome: Outcome | None = None) -> dict:
    errors = {}
    data["title"] = _text(data.get("title"))
    data["description"] = _text(data.get("description"))
    if not data["title"]:
        errors["title"] = _("Enter a title.")
    elif len(data["title"]) > 200:
        errors["title"] = _("Use at most 200 characters.")
    level = data.get("level")
    if level not in LogicLevel.values:
        errors["level"] = _("Choose activity, output, outcome or impact.")
    target = data.get("contributes_to")
    if target is not None and "level" not in errors:
        wanted = _next_level(level)
        if target.framework_id != framework.pk:
            errors["contributes_to"] = _("Choose a step of this framework.")
        elif target.retired_at is not None:
            errors["contributes_to"] = _("“%(t)s” is retired.") % {"t": target.title}
        elif outcome is not None and target.pk == outcome.pk:
            errors["contributes_to"] = _("A step cannot contribute to itself.")
        elif wanted is None:
            errors["contributes_to"] = _("An impact is the last step of the logic model: it contributes to "
                                         "nothing further.")
        elif target.level != wanted:
            errors["contributes_to"] = _("An %(level)s contributes to an %(next)s, the next step of the logic "
                                         "model; “%(t)s” is an %(its)s.") % {
                "level": LogicLevel(level).label.lower(), "next": LogicLevel(wanted).label.lower(),
                "t": target.title, "its": LogicLevel(target.level).label.lower()}
    if outcome is not None and "level" not in errors and level != outcome.level:
        below = outcome.contributors.filter(retired_at__isnull=True)
        if below.exists():
            errors["level"] = _("Other steps contribute to this one: move them first, or keep its level.")
    try:
        data["position"] = int(data.get("position") or 0)
        if data["position"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["position"] = _("Enter a whole number, 0 or more.")
    if errors:
        raise ValidationError(errors)
    return data


def _outcome_state(o: Outcome) -> dict:
    return {"level": o.level, "title": o.title, "description": o.description,
            "contributes_to": o.contributes_to_id, "position": o.position}


@transaction.atomic
def outcome_create(*, actor, acting_for, framework, level, title, description="", contributes_to=None) -> Outcome:
    """Add a step to the logic model."""
    f = _lock(framework)
    require_builder(actor, acting_for, f.partnership)
    _require_open_for_changes(f)
    position = (f.outcomes.aggregate(m=Max("position"))["m"] or 0) + 1
    data = _clean_outcome(f, {"level": level, "title": title, "description": description,
                              "contributes_to": contributes_to, "position": position})
    o = Outcome.objects.create(framework=f, **data)
    record_event(actor=actor, acting_for=acting_for, partnership=f.partnership, action="evaluation.outcome_created",
                 obj=o, after=_outcome_state(o))
    _record_version(f, actor=actor, summary=_("Added the %(level)s “%(t)s”.")
                    % {"level": LogicLevel(o.level).label.lower(), "t": o.title})
    return o


def _lock_for_change(obj, lock, *, actor, acting_for, expected_version):
    """(framework, obj), both locked, once the actor may change `obj` (a step or an indicator) now."""
    f = _lock(obj.framework)
    locked = lock(obj)
    require_builder(actor, acting_for, f.partnership)
    check_version(locked, expected_version)
    _require_open_for_changes(f)
    return f, locked


def _lock_outcome(outcome) -> Outcome:
    return Outcome.objects.select_for_update(of=("self",)).get(pk=outcome.pk)


@transaction.atomic
def outcome_update(*, actor, acting_for, outcome, expected_version=None, **fields) -> Outcome:
    """Change a step of the logic model. `fields` are among OUTCOME_FIELDS."""
    unknown = set(fields) - set(OUTCOME_FIELDS)
    if unknown:
        raise TypeError(f"outcome_update() got unknown fields {sorted(unknown)}")
    f, o = _lock_for_change(outcome, _lock_outcome, actor=actor, acting_for=acting_for,
                           expected_version=expected_version)
    if o.retired_at is not None:
        raise ValidationError(_("This step is retired and can no longer change."))
    before = _outcome_state(o)
    current = {"level": o.level, "title": o.title, "description": o.description,
               "contributes_to": o.contributes_to, "position": o.position}
    data = _clean_outcome(f, current | fields, outcome=o)
    changed = {k: v for k, v in data.items() if v != current[k]}
    if not changed:
        return o
    _save_changes(o, changed, before=before, state=_outcome_state, action="evaluation.outcome_updated",
                  actor=actor, acting_for=acting_for, partnership=f.partnership)
    _record_version(f, actor=actor, summary=_("Changed the %(level)s “%(t)s”.")
                    % {"level": LogicLevel(o.level).label.lower(), "t": o.title})
    return o


@transaction.atomic
def outcome_retire(*, actor, acting_for, outcome, expected_version=None) -> Outcome:
    """Retire a step: kept for the history, no longer part of the framework. Its indicators go first."""
    f, o = _lock_for_change(outcome, _lock_outcome, actor=actor, acting_for=acting_for,
                           expected_version=expected_version)
    if o.retired_at is not None:
        raise ValidationError(_("This step is already retired."))
    if o.indicators.filter(retired_at__isnull=True).exists():
        raise ValidationError(_("Retire or move this step's indicators first."))
    if o.contributors.filter(retired_at__isnull=True).exists():
        raise ValidationError(_("Other steps contribute to this one: retire or move them first."))
    o.retired_at = timezone.now()
    o.version += 1
    o.save()
    record_event(actor=actor, acting_for=acting_for, partnership=f.partnership, action="evaluation.outcome_retired",
                 obj=o, after={"retired_at": o.retired_at})
    _record_version(f, actor=actor, summary=_("Retired the %(level)s “%(t)s”.")
                    % {"level": LogicLevel(o.level).label.lower(), "t": o.title})
    return o


# --- indicators ------------------------------------------------------------------------------

def _clean_indicator(framework, data: dict, *, indicator: Indicator | None = None) -> dict:
    errors = {}
    for name, limit in (("code", 60), ("name", 200), ("unit", 40), ("data_source", 300)):
        data[name] = _text(data.get(name))
        if len(data[name]) > limit:
            errors[name] = _("Use at most %(n)s characters.") % {"n": limit}
    data["definition"] = _text(data.get("definition"))
    data["baseline_period"] = _text(data.get("baseline_period"))
    data["feedback_measure"] = _text(data.get("feedback_measure"))
    required = {"code": _("Enter a short code, for example meals-served."), "name": _("Enter a name."),
                "definition": _("Say exactly what is counted or measured, and how."),
                "unit": _("Enter the unit, for example people, meals, days or %."),
                "data_source": _("Say where the figures come from.")}
    for name, message in required.items():
        if not data[name]:
            errors.setdefault(name, message)
    if data["code"] and "code" not in errors:
        if not CODE_RE.match(data["code"]):
            errors["code"] = _("Use only letters, digits, hyphens and underscores, for example meals-served.")
        else:
            clash = Indicator.objects.filter(framework=framework, code__iexact=data["code"])
            if indicator is not None:
                clash = clash.exclude(pk=indicator.pk)
            if clash.exists():
                errors["code"] = _("Another indicator of this framework already uses the code “%(c)s”.") % {
                    "c": data["code"]}
    for name, choices, message in (
            ("value_type", ValueType, _("Choose whole number, number or percentage.")),
            ("direction", Direction, _("Say whether higher or lower is better.")),
            ("aggregation", Aggregation, _("Choose how longer periods are made.")),
            ("serves", Serves, _("Choose the bottom line or process outcome it serves.")),
            ("question", Question, _("Choose which of the three questions it answers."))):
        if data.get(name) not in choices.values:
            errors[name] = message
    outcome = data.get("outcome")
    if outcome is None:
        errors["outcome"] = _("Choose the outcome it measures.")
    elif outcome.framework_id != framework.pk:
        errors["outcome"] = _("Choose an outcome of this framework.")
    elif outcome.retired_at is not None and (indicator is None or indicator.outcome_id != outcome.pk):
        errors["outcome"] = _("“%(t)s” is retired.") % {"t": outcome.title}
    baseline = data.get("baseline")
    if baseline is None or baseline == "":
        data["baseline"] = None
    elif "value_type" not in errors:
        try:
            data["baseline"] = parse_value(baseline, data["value_type"])
        except ValueError as exc:
            errors["baseline"] = str(exc)
    if data["baseline_period"]:
        problem = _period_error(framework, data["baseline_period"], may_precede=True)
        if problem:
            errors["baseline_period"] = problem
    channel = data.get("feedback_channel")
    partner = data.get("reporting_partner")
    if channel is not None:
        if channel.partnership_id != framework.partnership_id:
            errors["feedback_channel"] = _("Choose a feedback form of this partnership.")
        if data["feedback_measure"] not in FeedbackMeasure.values:
            errors["feedback_measure"] = _("Choose what the indicator reads from the feedback form.")
        if data.get("serves") != Serves.SERVICE_EXPERIENCE:
            errors["serves"] = _("An indicator fed by citizen feedback serves service experience.")
        if partner is not None:
            errors["reporting_partner"] = _("An indicator fed by citizen feedback has no reporting partner: "
                                            "its values come from the feedback form.")
    else:
        if data["feedback_measure"]:
            errors["feedback_measure"] = _("Choose the feedback form too, or leave this empty.")
        if partner is None:
            errors["reporting_partner"] = _("Choose the partner that reports it.")
        elif not _active_partner(framework.partnership, partner):
            errors["reporting_partner"] = _("%(org)s is not an active partner in %(p)s.") % {
                "org": partner.name, "p": framework.partnership.name}
    try:
        data["position"] = int(data.get("position") or 0)
        if data["position"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["position"] = _("Enter a whole number, 0 or more.")
    if indicator is not None and "value_type" not in errors and data["value_type"] != indicator.value_type:
        # Targets and reported values stay valid only if they are values of the new kind.
        from ..models import Measurement

        for what, rows in ((_("target"), indicator.targets.values_list("period", "value")),
                           (_("reported value"), Measurement.objects.filter(indicator=indicator, is_current=True)
                            .values_list("period", "value"))):
            for period, value in rows:
                try:
                    parse_value(value, data["value_type"])
                except ValueError:
                    errors["value_type"] = _("The %(what)s for %(period)s (%(v)s) is not a value of this kind.") % {
                        "what": what, "period": period, "v": _num(value)}
                    break
            if "value_type" in errors:
                break
    if errors:
        raise ValidationError(errors)
    return data


def _indicator_state(i: Indicator) -> dict:
    return {name: _audit_value(getattr(i, name)) for name in INDICATOR_FIELDS}


def _lock_indicator(indicator) -> Indicator:
    return Indicator.objects.select_for_update(of=("self",)).get(pk=indicator.pk)


@transaction.atomic
def indicator_create(*, actor, acting_for, framework, outcome, code, name, definition, unit, value_type="whole",
                     direction="higher", aggregation="sum", baseline=None, baseline_period="", data_source,
                     reporting_partner=None, serves, question, feedback_channel=None,
                     feedback_measure="") -> Indicator:
    """Add an indicator to one outcome of the framework."""
    f = _lock(framework)
    require_builder(actor, acting_for, f.partnership)
    _require_open_for_changes(f)
    position = (f.indicators.aggregate(m=Max("position"))["m"] or 0) + 1
    data = _clean_indicator(f, {
        "outcome": outcome, "code": code, "name": name, "definition": definition, "unit": unit,
        "value_type": value_type, "direction": direction, "aggregation": aggregation, "baseline": baseline,
        "baseline_period": baseline_period, "data_source": data_source, "reporting_partner": reporting_partner,
        "serves": serves, "question": question, "feedback_channel": feedback_channel,
        "feedback_measure": feedback_measure, "position": position})
    i = Indicator.objects.create(framework=f, **data)
    record_event(actor=actor, acting_for=acting_for, partnership=f.partnership, action="evaluation.indicator_created",
                 obj=i, after=_indicator_state(i))
    _record_version(f, actor=actor, summary=_("Added the indicator %(code)s “%(n)s”.") % {"code": i.code, "n": i.name})
    if reporting_partner is not None and reporting_partner != acting_for:
        notify(recipients=_org_people(reporting_partner), kind=NotificationKind.EVALUATION,
               title=lambda: _("%(org)s will report the indicator “%(n)s” in %(p)s")
               % {"org": reporting_partner.name, "n": i.name, "p": f.partnership.name},
               body=lambda: i.definition, url=f.get_absolute_url())
    return i


@transaction.atomic
def indicator_update(*, actor, acting_for, indicator, expected_version=None, **fields) -> Indicator:
    """Change an indicator. `fields` are among INDICATOR_FIELDS."""
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise TypeError(f"indicator_update() got unknown fields {sorted(unknown)}")
    f, i = _lock_for_change(indicator, _lock_indicator, actor=actor, acting_for=acting_for,
                           expected_version=expected_version)
    if i.retired_at is not None:
        raise ValidationError(_("This indicator is retired and can no longer change."))
    current = {name: getattr(i, name) for name in INDICATOR_FIELDS}
    before = _indicator_state(i)
    data = _clean_indicator(f, current | fields, indicator=i)
    changed = {k: v for k, v in data.items() if v != current[k]}
    if not changed:
        return i
    _save_changes(i, changed, before=before, state=_indicator_state, action="evaluation.indicator_updated",
                  actor=actor, acting_for=acting_for, partnership=f.partnership)
    _record_version(f, actor=actor, summary=_("Changed the indicator %(code)s: %(fields)s.") % {
        "code": i.code, "fields": ", ".join(str(Indicator._meta.get_field(k).verbose_name) for k in changed)})
    # The partner that reports it should know what it now reports (a new one, or a changed definition).
    partner = i.reporting_partner
    if partner is not None and partner != acting_for and (
            "reporting_partner" in changed or f.status == FrameworkStatus.ADOPTED):
        notify(recipients=_org_people(partner), kind=NotificationKind.EVALUATION,
               title=lambda: _("The indicator “%(n)s” that %(org)s reports in %(p)s has changed")
               % {"n": i.name, "org": partner.name, "p": f.partnership.name},
               body=lambda: i.definition, url=f.get_absolute_url())
    return i


@transaction.atomic
def indicator_retire(*, actor, acting_for, indicator, expected_version=None) -> Indicator:
    """Retire an indicator: its values stay readable, no new ones are reported."""
    f, i = _lock_for_change(indicator, _lock_indicator, actor=actor, acting_for=acting_for,
                           expected_version=expected_version)
    if i.retired_at is not None:
        raise ValidationError(_("This indicator is already retired."))
    i.retired_at = timezone.now()
    i.version += 1
    i.save()
    record_event(actor=actor, acting_for=acting_for, partnership=f.partnership, action="evaluation.indicator_retired",
                 obj=i, after={"retired_at": i.retired_at})
    _record_version(f, actor=actor, summary=_("Retired the indicator %(code)s “%(n)s”.") % {"code": i.code, "n": i.name})
    return i


@transaction.atomic
def indicator_targets_set(*, actor, acting_for, indicator, targets: dict, expected_version=None) -> Indicator:
    """Set, change or remove (None or "") the targets of the periods named in `targets`; others stay."""
    f, i = _lock_for_change(indicator, _lock_indicator, actor=actor, acting_for=acting_for,
                           expected_version=expected_version)
    if i.retired_at is not None:
        raise ValidationError(_("This indicator is retired and can no longer change."))
    if not isinstance(targets, dict):
        raise ValidationError({"targets": _("Give the targets by period.")})
    errors, wanted = {}, {}
    for key, raw in targets.items():
        key = _text(key)
        problem = _period_error(f, key)
        if problem:
            errors[key or "targets"] = problem
            continue
        key = parse(f.period_kind, key).key
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            wanted[key] = None
            continue
        try:
            wanted[key] = parse_value(raw, i.value_type)
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise ValidationError(errors)
    existing = {t.period: t for t in i.targets.all()}
    before, after = {}, {}
    for key, value in wanted.items():
        old = existing.get(key)
        if value is None:
            if old is not None:
                before[key], after[key] = _num(old.value), None
                old.delete()
        elif old is None:
            IndicatorTarget.objects.create(indicator=i, period=key, value=value)
            before[key], after[key] = None, _num(value)
        elif old.value != value:
            before[key], after[key] = _num(old.value), _num(value)
            old.value = value
            old.save(update_fields=["value"])
    if not after:
        return i
    i.version += 1
    i.save(update_fields=["version", "updated_at"])
    record_event(actor=actor, acting_for=acting_for, partnership=f.partnership, action="evaluation.targets_set",
                 obj=i, before=before, after=after)
    _record_version(f, actor=actor, summary=_("Changed the targets of %(code)s for %(periods)s.")
                    % {"code": i.code, "periods": ", ".join(sorted(after))})
    return i


def _ids(values) -> list[int]:
    out = []
    for v in values:
        pk = getattr(v, "pk", v)
        try:
            out.append(int(pk))
        except (TypeError, ValueError):
            raise ValidationError(_("“%(v)s” is not an id.") % {"v": pk}) from None
    return sorted(set(out))


@transaction.atomic
def indicator_links_set(*, actor, acting_for, indicator, work_items=None, commitments=None,
                        expected_version=None) -> Indicator:
    """Say which work items the indicator depends on and which commitments it serves (None: unchanged)."""
    from joinery.agreements.models import Commitment
    from joinery.programme.models import WorkItem

    f, i = _lock_for_change(indicator, _lock_indicator, actor=actor, acting_for=acting_for,
                           expected_version=expected_version)
    if i.retired_at is not None:
        raise ValidationError(_("This indicator is retired and can no longer change."))
    errors, before, after = {}, {}, {}
    if work_items is not None:
        ids = _ids(work_items)
        found = set(WorkItem.objects.filter(pk__in=ids, partnership=f.partnership).values_list("pk", flat=True))
        if set(ids) - found:
            errors["work_items"] = _("Choose work items of this partnership's programmes.")
        else:
            current = sorted(i.work_items.values_list("pk", flat=True))
            if current != ids:
                before["work_items"], after["work_items"] = current, ids
    if commitments is not None:
        ids = _ids(commitments)
        found = set(Commitment.objects.filter(pk__in=ids, agreement__partnership=f.partnership)
                    .values_list("pk", flat=True))
        if set(ids) - found:
            errors["commitments"] = _("Choose commitments of this partnership's agreements.")
        else:
            current = sorted(i.commitments.values_list("pk", flat=True))
            if current != ids:
                before["commitments"], after["commitments"] = current, ids
    if errors:
        raise ValidationError(errors)
    if not after:
        return i
    if "work_items" in after:
        i.work_items.set(after["work_items"])
    if "commitments" in after:
        i.commitments.set(after["commitments"])
    i.version += 1
    i.save(update_fields=["version", "updated_at"])
    record_event(actor=actor, acting_for=acting_for, partnership=f.partnership, action="evaluation.links_set",
                 obj=i, before=before, after=after)
    _record_version(f, actor=actor, summary=_("Changed what %(code)s is linked to.") % {"code": i.code})
    return i


# --- adoption --------------------------------------------------------------------------------

@transaction.atomic
def framework_propose_adoption(*, actor, acting_for, framework, closes_at=None):
    """Put the framework to the partners as a decision under the charter's rule. Returns the Decision."""
    from joinery.network.services import decision_open

    f = _lock(framework)
    require_builder(actor, acting_for, f.partnership)
    if f.status == FrameworkStatus.ADOPTED:
        raise ValidationError(_("This framework is already adopted: changes to it are versioned."))
    if f.status == FrameworkStatus.PROPOSED:
        raise ValidationError(_("This framework is already before the partners for adoption."))
    if not f.indicators.filter(retired_at__isnull=True).exists():
        raise ValidationError(_("Add at least one indicator before proposing the framework for adoption."))
    closes_at = closes_at or (timezone.now() + dt.timedelta(days=DECISION_DAYS))
    decision = decision_open(
        actor=actor, partnership=f.partnership, acting_for=acting_for,
        title=(_("Adopt the evaluation framework “%(t)s”") % {"t": f.title})[:200],
        question=_("Do the partners adopt the evaluation framework “%(t)s” as it stands?") % {"t": f.title},
        background=f.purpose, closes_at=closes_at, kind=DecisionKind.FRAMEWORK_ADOPTION,
        payload={"framework": f.pk, "revision": f.revision})
    f.status = FrameworkStatus.PROPOSED
    f.version += 1
    f.save(update_fields=["status", "version", "updated_at"])
    record_event(actor=actor, acting_for=acting_for, partnership=f.partnership,
                 action="evaluation.framework_adoption_proposed", obj=f, after={"decision": decision.pk})
    return decision


def apply_framework_decision(*, decision, actor) -> None:
    """Decision-closed hook: a carried framework_adoption decision adopts the framework; any other outcome
    returns it to draft. Runs inside the closing transaction; other decision kinds are ignored."""
    from joinery.network.decision_rules import Outcome as DecisionOutcome

    from .measurements import reminders_schedule

    if decision.kind != DecisionKind.FRAMEWORK_ADOPTION or not decision.payload:
        return
    f = (Framework.objects.select_for_update(of=("self",)).select_related("partnership")
         .filter(pk=decision.payload.get("framework"), partnership=decision.partnership_id).first())
    if f is None or f.status != FrameworkStatus.PROPOSED:
        return
    by = actor or decision.proposed_by
    if decision.outcome != DecisionOutcome.CARRIED:
        f.status = FrameworkStatus.DRAFT
        f.version += 1
        f.save(update_fields=["status", "version", "updated_at"])
        record_event(actor=actor, acting_for=decision.proposed_for, partnership=f.partnership,
                     action="evaluation.framework_not_adopted", obj=f,
                     after={"decision": decision.pk, "outcome": decision.outcome})
        return
    f.status = FrameworkStatus.ADOPTED
    f.adopted_at = timezone.now()
    f.adoption_decision = decision
    f.revision = 1
    f.version += 1
    f.save(update_fields=["status", "adopted_at", "adoption_decision", "revision", "version", "updated_at"])
    version = _record_version(f, actor=by, decision=decision,
                              summary=_("Adopted by decision “%(t)s”.") % {"t": decision.title})
    record_event(actor=actor, acting_for=decision.proposed_for, partnership=f.partnership,
                 action="evaluation.framework_adopted", obj=f,
                 after={"decision": decision.pk, "revision": 1, "sha256": version.sha256})
    notify(recipients=_partner_people(f.partnership), kind=NotificationKind.EVALUATION,
           title=lambda: _("The partners of %(p)s adopted the evaluation framework") % {"p": f.partnership.name},
           body=lambda: f.title, url=f.get_absolute_url())
    reminders_schedule(framework=f)
