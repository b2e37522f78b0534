"""API: evaluation measurements — list, report one, push many (all or nothing), correct, history.

Every write calls evaluation.services.measurements, as the web pages and the `joinery` command
do; `acting_for` (an organisation's short name) says which of your organisations you act for:
the indicator's reporting partner, or the convener on its behalf. Reads follow the
partnership's visibility: a private partnership's values answer 404 to anyone else.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
    IdPath,
    InputSchema,
    OrgSlug,
    Pagination,
    SlugPath,
    Text,
    organisation_by_slug,
    visible_partnership,
)
from joinery.api.errors import ERROR_RESPONSES, ErrorOut
from joinery.core.exceptions import ValidationError
from joinery.network.api import OrganisationBrief, PersonBrief

from .. import importing
from ..models import Indicator, Measurement, MeasurementSource
from ..periods import parse
from ..selectors import measurements as selectors
from ..services import measurements as services

router = Router(tags=["Evaluation"])

Code = Annotated[Text, Field(min_length=1, max_length=60, description="The indicator's code.")]
PeriodKey = Annotated[Text, Field(min_length=1, max_length=10,
                                  description="A period of the framework: 2025-07, 2025-Q3 or 2025.")]
Value = Annotated[Decimal, Field(max_digits=30, decimal_places=10,
                                 description="The value, without the unit (at most four decimal places are kept).")]
Note = Annotated[Text, Field(max_length=5000)]


# --- schemas -------------------------------------------------------------------------------

class MeasuredIndicator(Schema):
    id: int
    code: str
    name: str
    unit: str


class MeasurementOut(Schema):
    id: int
    indicator: MeasuredIndicator
    period: str
    period_label: str
    value: str
    reported_for: OrganisationBrief
    reported_by: PersonBrief
    reported_at: dt.datetime
    source: str
    note: str
    is_current: bool = Field(description="False once a correction replaced it.")
    replaces_id: int | None = Field(description="The value this one corrected.")
    correction_reason: str
    import_id: int | None

    @staticmethod
    def resolve_value(obj) -> str:
        return importing.plain(obj.value)

    @staticmethod
    def resolve_period_label(obj) -> str:
        p = parse(obj.indicator.framework.period_kind, obj.period)
        return p.label if p else obj.period

    @staticmethod
    def resolve_import_id(obj) -> int | None:
        return obj.batch_id


class MeasurementDetailOut(MeasurementOut):
    history: list[MeasurementOut] = Field(description="Every value reported for this indicator and period, "
                                                      "newest first (this one included).")

    @staticmethod
    def resolve_history(obj) -> list:
        return obj.chain


class MeasurementIn(InputSchema):
    acting_for: OrgSlug
    indicator: Code
    period: PeriodKey
    value: Value
    note: Note = ""


class MeasurementRowIn(InputSchema):
    indicator: Code
    period: PeriodKey
    value: Value
    unit: Annotated[Text, Field(max_length=40)] = Field("", description="If given, must be the indicator's unit.")
    note: Note = ""
    correction_reason: Note = Field("", description="Set it to correct the current value; leave it empty to "
                                                    "report a first value.")


class MeasurementBatchIn(InputSchema):
    acting_for: OrgSlug
    rows: list[MeasurementRowIn] = Field(min_length=1, max_length=5000)


class MeasurementCorrectIn(InputSchema):
    acting_for: OrgSlug
    value: Value
    reason: Annotated[Text, Field(min_length=1, max_length=5000)]
    note: Note = ""


class MeasurementRowProblem(Schema):
    row: int = Field(description="The row's position in `rows`, from 1.")
    column: str
    problem: str
    fix: str


class MeasurementBatchRejectedOut(ErrorOut):
    report: list[MeasurementRowProblem] = []


# --- helpers -------------------------------------------------------------------------------

def _framework(person, slug: str):
    framework = selectors.framework_of(visible_partnership(person, slug, "measurements"))
    if framework is None:
        raise Http404
    return framework


def _measurements():
    return Measurement.objects.select_related("indicator__framework", "reported_for", "reported_by")


def _visible(person, pk: int) -> Measurement:
    m = _measurements().select_related("indicator__framework__partnership").filter(pk=pk).first()
    if m is None or not person.has_perm("network.see_measurements", m.indicator.framework.partnership):
        raise Http404
    return m


def _indicator(framework, code: str) -> Indicator:
    i = framework.indicators.filter(code__iexact=code.strip()).first()
    if i is None:
        raise ValidationError({"indicator": _("There is no indicator “%(c)s” in this framework.") % {"c": code[:60]}})
    return i


# --- endpoints ------------------------------------------------------------------------------

@router.get("/partnerships/{slug}/evaluation/measurements", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[MeasurementOut], **ERROR_RESPONSES}, summary="A partnership's measurements")
@paginate(Pagination)
def measurement_list(request, slug: SlugPath, indicator: Code | None = None, period: PeriodKey | None = None,
                     organisation: OrgSlug | None = None, include_replaced: bool = False):
    """Latest reported first. Corrected (replaced) values are left out unless `include_replaced`."""
    framework = _framework(request.auth, slug)
    filters = selectors.MeasurementFilters(
        indicator=_indicator(framework, indicator) if indicator else None, period=period or "",
        organisation=organisation_by_slug(organisation, field="organisation") if organisation else None,
        include_replaced=include_replaced)
    return selectors.measurements_queryset(framework=framework, filters=filters).select_related(
        "indicator__framework", "reported_for", "reported_by")


@router.post("/partnerships/{slug}/evaluation/measurements", response={201: MeasurementOut, **ERROR_RESPONSES},
             summary="Report a value")
def measurement_report(request, slug: SlugPath, payload: MeasurementIn):
    """One indicator's value for one period. 400 if the period already has a value: correct it instead."""
    framework = _framework(request.auth, slug)
    m = services.measurement_report(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"),
        indicator=_indicator(framework, payload.indicator), period=payload.period, value=payload.value,
        note=payload.note, source=MeasurementSource.API)
    return Status(201, _measurements().get(pk=m.pk))


@router.post("/partnerships/{slug}/evaluation/measurements/batch",
             response={201: list[MeasurementOut], 422: MeasurementBatchRejectedOut, 400: ErrorOut, 401: ErrorOut,
                       403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Push many values (all or nothing)")
def measurement_batch(request, slug: SlugPath, payload: MeasurementBatchIn):
    """The same checks as a file import. If any row has a problem nothing is saved: the answer is 422 with
    `report` (row, column, problem, fix) and the same problems in `errors`, keyed `row <n>: <column>`."""
    framework = _framework(request.auth, slug)
    try:
        objs = services.measurements_push(
            actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"),
            framework=framework, rows=[r.model_dump() for r in payload.rows], source=MeasurementSource.API)
    except services.RowsRejected as exc:
        errors: dict[str, list[str]] = {}
        for r in exc.report:
            errors.setdefault(f"row {r['row']}: {r['column'] or 'row'}", []).append(
                " ".join(x for x in (r["problem"], r["fix"]) if x))
        return Status(422, {"detail": _("Some rows have problems: nothing was saved."), "errors": errors,
                            "report": exc.report})
    return Status(201, list(_measurements().filter(pk__in=[m.pk for m in objs]).order_by("pk")))


@router.get("/evaluation/measurements/{measurement_id}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: MeasurementDetailOut, **ERROR_RESPONSES}, summary="One value, with its history")
def measurement_detail(request, measurement_id: IdPath):
    m = _visible(request.auth, measurement_id)
    m.chain = list(_measurements().filter(indicator_id=m.indicator_id, period=m.period)
                   .order_by("-reported_at", "-pk"))
    return m


@router.post("/evaluation/measurements/{measurement_id}/correct",
             response={201: MeasurementOut, **ERROR_RESPONSES}, summary="Correct a value")
def measurement_correct(request, measurement_id: IdPath, payload: MeasurementCorrectIn):
    """A new value replaces the current one (`replaces_id`), with your `reason`; the old one stays in the history.
    409 if it is no longer the current value (someone corrected it first)."""
    m = _visible(request.auth, measurement_id)
    new = services.measurement_correct(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"), measurement=m,
        value=payload.value, reason=payload.reason, note=payload.note, source=MeasurementSource.API)
    return Status(201, _measurements().get(pk=new.pk))
