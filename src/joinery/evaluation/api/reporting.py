"""API: partners' own reporting requirements, their reports, and open data.

Writes call `evaluation.services.reporting`, as the web pages do; `acting_for` is an
organisation's short name. Requirements and reports are visible to the partnership's
partners (and staff): anyone else gets 404. The open data dataset is public while published.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import IdPath, InputSchema, OrgSlug, SlugPath, Text, organisation_by_slug
from joinery.api.errors import ERROR_RESPONSES
from joinery.core.exceptions import ValidationError
from joinery.network.api import OrganisationBrief
from joinery.network.models import Partnership

from ..models import Framework, Indicator, Licence, OpenDataPublication, ReportingRequirement
from ..periods import PeriodKind
from ..selectors import open_data as open_data_selectors
from ..selectors import reporting as selectors
from ..services import reporting as services

router = Router(tags=["Evaluation"])

SEE = "network.view_partnership_activity"
Version = Annotated[int, Field(ge=0, le=2**31 - 1)]


# --- schemas -------------------------------------------------------------------------------

class ItemOut(Schema):
    indicator: str = Field(description="The shared indicator's code.")
    indicator_id: int
    indicator_name: str
    external_name: str
    external_code: str

    @staticmethod
    def resolve_indicator(obj) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_indicator_name(obj) -> str:
        return obj.indicator.name


class RequirementOut(Schema):
    id: int
    organisation: OrganisationBrief = Field(description="The partner the requirement belongs to.")
    name: str
    report_to: str
    reference: str
    period_kind: str
    notes: str
    items: list[ItemOut]
    version: int = Field(description="Send it back as `expected_version` when you change the requirement.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())


class RequirementIn(InputSchema):
    acting_for: OrgSlug = Field(description="The partner whose requirement this is.")
    name: Annotated[Text, Field(max_length=200)]
    report_to: Annotated[Text, Field(max_length=200)]
    period_kind: PeriodKind
    reference: Annotated[Text, Field(max_length=100)] = ""
    notes: Annotated[Text, Field(max_length=20_000)] = ""


class RequirementPatch(InputSchema):
    """Send only the fields to change."""

    acting_for: OrgSlug
    expected_version: Version | None = None
    name: Annotated[Text, Field(max_length=200)] = None
    report_to: Annotated[Text, Field(max_length=200)] = None
    period_kind: PeriodKind = None
    reference: Annotated[Text, Field(max_length=100)] = None
    notes: Annotated[Text, Field(max_length=20_000)] = None


class ItemIn(Schema):
    indicator: Annotated[Text, Field(max_length=60, description="The shared indicator's code.")]
    external_name: Annotated[Text, Field(max_length=200)]
    external_code: Annotated[Text, Field(max_length=60)] = ""


class ItemsIn(InputSchema):
    acting_for: OrgSlug
    expected_version: Version | None = None
    items: list[ItemIn] = Field(max_length=500, description="The whole mapping, in report order (replaces it).")


class ReportRowOut(Schema):
    external_code: str
    external_name: str
    indicator: str = Field(description="The shared indicator's code.")
    unit: str
    value: str | None = Field(description="Exact decimal, rolled up from the framework's periods.")
    target: str | None = Field(description="Rolled up the same way, only when every inner period has one.")
    status: str = Field(description="on_track, at_risk, off_track, no_data or no_target.")
    reported: int = Field(description="How many of the framework's periods in this period have a value.")
    expected: int
    corrected: bool


class ReportPeriodOut(Schema):
    period: str
    label: str
    start: dt.date
    end: dt.date
    complete: bool
    rows: list[ReportRowOut]


class ReportOut(Schema):
    requirement: int
    organisation: OrganisationBrief
    name: str
    report_to: str
    reference: str
    framework_version: int
    generated_on: dt.date
    periods: list[ReportPeriodOut]


class PublicationOut(Schema):
    is_published: bool
    title: str
    description: str
    licence: str
    publisher: str
    contact_email: str
    indicators: list[str] = Field(description="Codes of the published indicators.")
    first_published_at: dt.datetime | None
    version: int


class PublicationIn(InputSchema):
    acting_for: OrgSlug = Field(description="The convener.")
    expected_version: Version | None = None
    is_published: bool
    title: Annotated[Text, Field(max_length=200)]
    description: Annotated[Text, Field(max_length=20_000)]
    licence: Licence
    publisher: Annotated[Text, Field(max_length=200)]
    contact_email: Annotated[Text, Field(max_length=254)]
    indicators: list[Annotated[Text, Field(max_length=60)]] = Field(
        max_length=1000, description="Codes of the indicators to publish; every other one is unpublished.")


class OpenValueOut(Schema):
    period: str
    start: str
    end: str
    value: str | None
    target: str | None


class OpenIndicatorOut(Schema):
    code: str
    name: str
    definition: str
    outcome: str
    unit: str
    value_type: str
    direction: str
    aggregation: str
    serves: str
    question: str
    data_source: str
    baseline: str | None
    baseline_period: str | None
    values: list[OpenValueOut]


class LicenceOut(Schema):
    id: str
    name: str


class DatasetOut(Schema):
    title: str
    description: str
    publisher: str
    contact_email: str
    licence: LicenceOut
    partnership: dict[str, str]
    period_kind: str
    first_published: str | None
    last_updated: str | None
    page: str
    csv: str
    indicators: list[OpenIndicatorOut]


# --- helpers -------------------------------------------------------------------------------

def _partnership(person, slug: str) -> Partnership:
    p = Partnership.objects.filter(slug=slug).first()
    if p is None or not person.has_perm(SEE, p):
        raise Http404
    return p


def _framework(partnership) -> Framework:
    f = Framework.objects.filter(partnership=partnership).first()
    if f is None:
        raise Http404
    return f


def _requirement(person, pk: int) -> ReportingRequirement:
    try:
        r = selectors.requirement_get(pk=pk)
    except ReportingRequirement.DoesNotExist as exc:
        raise Http404 from exc
    if not person.has_perm(SEE, r.framework.partnership):
        raise Http404
    return r


def _fresh(r) -> ReportingRequirement:
    return selectors.requirement_get(pk=r.pk)


def _publication_out(framework) -> dict:
    pub = OpenDataPublication.objects.filter(framework=framework).first()
    codes = list(Indicator.objects.filter(framework=framework, is_published=True, retired_at__isnull=True)
                 .order_by("position", "id").values_list("code", flat=True))
    if pub is None:
        return {"is_published": False, "title": "", "description": "", "licence": Licence.CC_BY_4, "publisher": "",
                "contact_email": "", "indicators": codes, "first_published_at": None, "version": 0}
    return {"is_published": pub.is_published, "title": pub.title, "description": pub.description,
            "licence": pub.licence, "publisher": pub.publisher, "contact_email": pub.contact_email,
            "indicators": codes, "first_published_at": pub.first_published_at, "version": pub.version}


# --- requirements --------------------------------------------------------------------------

@router.get("/partnerships/{slug}/evaluation/requirements", response={200: list[RequirementOut], **ERROR_RESPONSES},
            summary="Partners' own reporting requirements")
def requirement_list(request, slug: SlugPath):
    """Every partner's requirements with their mapping; partners and staff only."""
    f = _framework(_partnership(request.auth, slug))
    return list(ReportingRequirement.objects.filter(framework=f).select_related("organisation")
                .prefetch_related("items__indicator").order_by("organisation__name", "name", "id"))


@router.post("/partnerships/{slug}/evaluation/requirements", response={201: RequirementOut, **ERROR_RESPONSES},
             summary="Add your organisation's reporting requirement")
def requirement_create(request, slug: SlugPath, payload: RequirementIn):
    f = _framework(_partnership(request.auth, slug))
    r = services.requirement_create(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"), framework=f,
        name=payload.name, report_to=payload.report_to, period_kind=payload.period_kind,
        reference=payload.reference, notes=payload.notes)
    return Status(201, _fresh(r))


@router.get("/evaluation/requirements/{requirement_id}", response={200: RequirementOut, **ERROR_RESPONSES},
            summary="One reporting requirement")
def requirement_detail(request, requirement_id: IdPath):
    return _requirement(request.auth, requirement_id)


@router.patch("/evaluation/requirements/{requirement_id}", response={200: RequirementOut, **ERROR_RESPONSES},
              summary="Change a reporting requirement")
def requirement_update(request, requirement_id: IdPath, payload: RequirementPatch):
    """Its partner or the convener. 409 if it changed since the `expected_version` you read."""
    r = _requirement(request.auth, requirement_id)
    fields = payload.dict(exclude_unset=True)
    acting_for = organisation_by_slug(fields.pop("acting_for"), field="acting_for")
    expected_version = fields.pop("expected_version", None)
    for name in ("name", "report_to", "period_kind"):
        if name in fields and fields[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})
    fields = {k: ("" if v is None else v) for k, v in fields.items()}
    r = services.requirement_update(actor=request.auth, acting_for=acting_for, requirement=r,
                                    expected_version=expected_version, **fields)
    return _fresh(r)


@router.put("/evaluation/requirements/{requirement_id}/items", response={200: RequirementOut, **ERROR_RESPONSES},
            summary="Map a requirement onto the shared indicators")
def requirement_items(request, requirement_id: IdPath, payload: ItemsIn):
    """Replaces the whole mapping. Errors name the item: `items.<n>.indicator`, `items.<n>.external_name`."""
    r = _requirement(request.auth, requirement_id)
    by_code = {i.code: i for i in Indicator.objects.filter(framework=r.framework,
                                                          code__in=[it.indicator for it in payload.items])}
    errors = {f"items.{n}.indicator": _("No indicator of this framework has the code “%(c)s”.") % {"c": it.indicator}
              for n, it in enumerate(payload.items) if it.indicator not in by_code}
    if errors:
        raise ValidationError(errors)
    items = [{"indicator": by_code[it.indicator], "external_name": it.external_name,
              "external_code": it.external_code} for it in payload.items]
    r = services.requirement_items_set(actor=request.auth,
                                       acting_for=organisation_by_slug(payload.acting_for, field="acting_for"),
                                       requirement=r, items=items, expected_version=payload.expected_version)
    return _fresh(r)


@router.get("/evaluation/requirements/{requirement_id}/report", response={200: ReportOut, **ERROR_RESPONSES},
            summary="A partner's own report, from the shared data")
def requirement_report(request, requirement_id: IdPath,
                       period: str | None = None):
    """For every period of the requirement, or just `period` (e.g. 2025 for a yearly requirement)."""
    r = _requirement(request.auth, requirement_id)
    report = selectors.partner_report(r, period_key=period or None)
    plain = open_data_selectors.plain
    return {
        "requirement": r.pk, "organisation": r.organisation, "name": r.name, "report_to": r.report_to,
        "reference": r.reference, "framework_version": r.framework.revision, "generated_on": report.generated_on,
        "periods": [{
            "period": rp.period.key, "label": rp.period.label, "start": rp.period.start, "end": rp.period.end,
            "complete": not rp.incomplete,
            "rows": [{"external_code": row.external_code, "external_name": row.external_name,
                      "indicator": row.indicator.code, "unit": row.unit, "value": plain(row.value) or None,
                      "target": plain(row.target) or None, "status": row.status, "reported": row.reported,
                      "expected": row.expected, "corrected": row.corrected} for row in rp.rows],
        } for rp in report.periods],
    }


# --- open data -----------------------------------------------------------------------------

@router.get("/partnerships/{slug}/evaluation/open-data", response={200: PublicationOut, **ERROR_RESPONSES},
            summary="The partnership's open data settings")
def publication_get(request, slug: SlugPath):
    return _publication_out(_framework(_partnership(request.auth, slug)))


@router.put("/partnerships/{slug}/evaluation/open-data", response={200: PublicationOut, **ERROR_RESPONSES},
            summary="Publish open data (the convener)")
def publication_put(request, slug: SlugPath, payload: PublicationIn):
    """The chosen indicators are published and every other one unpublished, in one transaction."""
    f = _framework(_partnership(request.auth, slug))
    by_code = {i.code: i for i in Indicator.objects.filter(framework=f, code__in=payload.indicators)}
    unknown = [c for c in payload.indicators if c not in by_code]
    if unknown:
        raise ValidationError({"indicators": _("No indicator of this framework has the code “%(c)s”.")
                               % {"c": unknown[0]}})
    services.publication_update(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"), framework=f,
        is_published=payload.is_published, title=payload.title, description=payload.description,
        licence=payload.licence, publisher=payload.publisher, contact_email=payload.contact_email,
        indicators=list(by_code.values()), expected_version=payload.expected_version)
    return _publication_out(f)


@router.get("/open-data/{slug}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: DatasetOut, **ERROR_RESPONSES}, summary="A published open dataset (public)")
def open_dataset(request, slug: SlugPath):
    """Metadata, the published indicators and their values (exact decimal strings). 404 unless published."""
    ds = open_data_selectors.dataset(slug=slug)
    if ds is None:
        raise Http404
    return open_data_selectors.dataset_dict(ds, base_url=request.build_absolute_uri("/")[:-1])
