"""API: building the evaluation framework — the framework, its logic model, indicators, targets,
links, adoption by decision and the versions kept after adoption.

Every write calls evaluation.services.framework, as the web pages do; `acting_for` (an
organisation's short name) says which of your organisations you act for (an active partner).
Reads follow the partnership's visibility: a private partnership's framework answers 404 to
anyone else. Values (baseline, targets) are sent as numbers or strings and returned as strings.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
    DateTime,
    Id,
    IdPath,
    InputSchema,
    OrgSlug,
    SlugPath,
    Text,
    bounded_date,
    organisation_by_slug,
    visible_partnership,
)
from joinery.api.errors import ERROR_RESPONSES
from joinery.core.exceptions import ValidationError
from joinery.network.api import OrganisationBrief, PartnershipBrief, PersonBrief

from ..models import (
    Aggregation,
    Direction,
    Framework,
    Indicator,
    LogicLevel,
    Outcome,
    Question,
    Serves,
    ValueType,
)
from ..periods import PeriodKind
from ..selectors import framework as selectors
from ..services import framework as services

router = Router(tags=["Evaluation"])

Title = Annotated[Text, Field(max_length=200)]
LongText = Annotated[Text, Field(max_length=20_000)]
Version = Annotated[int, Field(ge=0, le=2**31 - 1)]
Value = Annotated[Decimal, Field(max_digits=30, decimal_places=10,
                                 description="A number; at most four decimal places are kept.")]
PeriodKey = Annotated[Text, Field(max_length=10, description="A period of the framework: 2025-07, 2025-Q3 or 2025.")]


#: A date between 1900 and 2200.
Date = bounded_date(1900, 2200)


# --- schemas -------------------------------------------------------------------------------

class FrameworkOut(Schema):
    id: int
    partnership: PartnershipBrief
    title: str
    purpose: str
    period_kind: str
    starts_on: dt.date
    ends_on: dt.date
    reporting_days: int
    reminder_days: int
    periods: list[str] = Field(description="The framework's periods, in order.")
    status: str = Field(description="draft, proposed (before the partners) or adopted.")
    adopted_at: dt.datetime | None
    adoption_decision_id: int | None
    revision: int = Field(description="The framework version: 0 until adopted, 1 at adoption, +1 per change.")
    version: int = Field(description="Send it back as `expected_version` when you change the framework.")

    @staticmethod
    def resolve_periods(obj) -> list[str]:
        return [p.key for p in selectors.framework_periods(obj)]


class FrameworkIn(InputSchema):
    acting_for: OrgSlug
    title: Title
    purpose: LongText = ""
    period_kind: PeriodKind = PeriodKind.QUARTER
    starts_on: Date
    ends_on: Date
    reporting_days: int = Field(30, ge=0, le=365)
    reminder_days: int = Field(7, ge=0, le=365)


class FrameworkPatch(InputSchema):
    """Send only the fields to change, with the `version` you read as `expected_version`."""

    acting_for: OrgSlug
    expected_version: Version
    title: Title = None
    purpose: LongText = None
    period_kind: PeriodKind = None
    starts_on: Date = None
    ends_on: Date = None
    reporting_days: int = Field(None, ge=0, le=365)
    reminder_days: int = Field(None, ge=0, le=365)


class FrameworkAdoptIn(InputSchema):
    acting_for: OrgSlug
    closes_at: DateTime | None = Field(None, description="When the decision closes; a week from now if absent.")


class AdoptOut(Schema):
    detail: str
    decision_id: int
    decision_url: str


class OutcomeOut(Schema):
    id: int
    level: str
    title: str
    description: str
    contributes_to_id: int | None
    position: int
    retired_at: dt.datetime | None
    version: int


class OutcomeIn(InputSchema):
    acting_for: OrgSlug
    level: LogicLevel = LogicLevel.OUTCOME
    title: Title
    description: LongText = ""
    contributes_to: Id | None = Field(None, description="A step at the next level of this framework.")


class OutcomePatch(InputSchema):
    acting_for: OrgSlug
    expected_version: Version
    level: LogicLevel = None
    title: Title = None
    description: LongText = None
    contributes_to: Id | None = None
    position: int = Field(None, ge=0, le=100_000)


class RetireIn(InputSchema):
    acting_for: OrgSlug
    expected_version: Version | None = None


class IndicatorOut(Schema):
    id: int
    framework_id: int
    outcome_id: int
    code: str
    name: str
    definition: str
    unit: str
    value_type: str
    direction: str
    aggregation: str
    baseline: str | None
    baseline_period: str
    data_source: str
    reporting_partner: OrganisationBrief | None
    serves: str
    question: str
    feedback_channel_id: int | None
    feedback_measure: str
    targets: dict[str, str] = Field(description="Target by period.")
    work_item_ids: list[int]
    commitment_ids: list[int]
    is_published: bool
    position: int
    retired_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_baseline(obj) -> str | None:
        return services._num(obj.baseline)

    @staticmethod
    def resolve_targets(obj) -> dict[str, str]:
        return {t.period: services._num(t.value) for t in obj.targets.all()}

    @staticmethod
    def resolve_work_item_ids(obj) -> list[int]:
        return sorted(w.pk for w in obj.work_items.all())

    @staticmethod
    def resolve_commitment_ids(obj) -> list[int]:
        return sorted(c.pk for c in obj.commitments.all())


class IndicatorIn(InputSchema):
    acting_for: OrgSlug
    outcome: Id = Field(description="The step of the logic model it measures.")
    code: Annotated[Text, Field(max_length=60)]
    name: Title
    definition: LongText
    unit: Annotated[Text, Field(max_length=40)]
    value_type: ValueType = ValueType.WHOLE
    direction: Direction = Direction.HIGHER
    aggregation: Aggregation = Aggregation.SUM
    baseline: Value | None = None
    baseline_period: PeriodKey = ""
    data_source: Annotated[Text, Field(max_length=300)]
    reporting_partner: OrgSlug | None = Field(None, description="The active partner that reports it.")
    serves: Serves
    question: Question
    feedback_channel: Id | None = Field(None, description="A feedback form of this partnership, for an indicator "
                                                          "fed by citizen feedback.")
    feedback_measure: Annotated[Text, Field(max_length=14)] = ""


class IndicatorPatch(InputSchema):
    acting_for: OrgSlug
    expected_version: Version
    outcome: Id = None
    code: Annotated[Text, Field(max_length=60)] = None
    name: Title = None
    definition: LongText = None
    unit: Annotated[Text, Field(max_length=40)] = None
    value_type: ValueType = None
    direction: Direction = None
    aggregation: Aggregation = None
    baseline: Value | None = None
    baseline_period: PeriodKey = None
    data_source: Annotated[Text, Field(max_length=300)] = None
    reporting_partner: OrgSlug | None = None
    serves: Serves = None
    question: Question = None
    feedback_channel: Id | None = None
    feedback_measure: Annotated[Text, Field(max_length=14)] = None
    position: int = Field(None, ge=0, le=100_000)


class TargetsIn(InputSchema):
    acting_for: OrgSlug
    targets: dict[PeriodKey, Value | None] = Field(
        max_length=1000, description="Target by period; null removes a period's target. Periods not named stay.")
    expected_version: Version | None = None


class LinksIn(InputSchema):
    acting_for: OrgSlug
    work_items: list[Id] | None = Field(None, max_length=1000,
                                        description="Work item ids; absent leaves them unchanged.")
    commitments: list[Id] | None = Field(None, max_length=1000,
                                         description="Commitment ids; absent leaves them unchanged.")
    expected_version: Version | None = None


class FrameworkVersionOut(Schema):
    number: int
    summary: str
    sha256: str = Field(description="SHA-256 of the snapshot's canonical JSON (sorted keys, no spaces, UTF-8).")
    decision_id: int | None
    created_by: PersonBrief
    created_at: dt.datetime


class VersionDetailOut(FrameworkVersionOut):
    snapshot: dict


# --- helpers -------------------------------------------------------------------------------

def _framework(person, slug) -> Framework:
    p = visible_partnership(person, slug, "scorecards")
    f = selectors.framework_for(p)
    if f is None:
        raise Http404
    return f


def _indicator(person, pk) -> Indicator:
    i = Indicator.objects.select_related("framework", "framework__partnership").filter(pk=pk).first()
    if i is None or not person.has_perm("network.see_scorecards", i.framework.partnership):
        raise Http404
    return i


def _outcome(person, pk) -> Outcome:
    o = Outcome.objects.select_related("framework", "framework__partnership").filter(pk=pk).first()
    if o is None or not person.has_perm("network.see_scorecards", o.framework.partnership):
        raise Http404
    return o


def _indicator_out(pk) -> Indicator:
    return (Indicator.objects.select_related("reporting_partner")
            .prefetch_related("targets", "work_items", "commitments").get(pk=pk))


def _ref(model, pk, field, message):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: message})
    return found


def _indicator_refs(fields: dict) -> dict:
    from joinery.feedback.models import FeedbackChannel

    if "outcome" in fields:
        fields["outcome"] = _ref(Outcome, fields["outcome"], "outcome", _("No outcome has this id."))
    if "reporting_partner" in fields and fields["reporting_partner"] is not None:
        fields["reporting_partner"] = organisation_by_slug(fields["reporting_partner"], field="reporting_partner")
    if "feedback_channel" in fields:
        fields["feedback_channel"] = _ref(FeedbackChannel, fields["feedback_channel"], "feedback_channel",
                                          _("No feedback form has this id."))
    return fields


def _no_nulls(fields: dict, names) -> None:
    for name in names:
        if name in fields and fields[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})


# --- the framework -------------------------------------------------------------------------

@router.get("/partnerships/{slug}/evaluation/framework", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: FrameworkOut, **ERROR_RESPONSES}, summary="The partnership's evaluation framework")
def framework_get(request, slug: SlugPath):
    """404 when the partnership has no framework yet."""
    return _framework(request.auth, slug)


@router.post("/partnerships/{slug}/evaluation/framework", response={201: FrameworkOut, **ERROR_RESPONSES},
             summary="Start the evaluation framework")
def framework_create(request, slug: SlugPath, payload: FrameworkIn):
    """Any active partner. One framework per partnership; it is a draft until the partners adopt it."""
    p = visible_partnership(request.auth, slug)
    data = payload.dict()
    acting_for = organisation_by_slug(data.pop("acting_for"), field="acting_for")
    services.framework_create(actor=request.auth, acting_for=acting_for, partnership=p, **data)
    return Status(201, selectors.framework_for(p))


@router.patch("/partnerships/{slug}/evaluation/framework", response={200: FrameworkOut, **ERROR_RESPONSES},
              summary="Change the framework's settings")
def framework_update(request, slug: SlugPath, payload: FrameworkPatch):
    """Any active partner. After adoption the change makes a new version; the reporting period is fixed."""
    f = _framework(request.auth, slug)
    fields = payload.dict(exclude_unset=True)
    acting_for = organisation_by_slug(fields.pop("acting_for"), field="acting_for")
    expected_version = fields.pop("expected_version")
    _no_nulls(fields, list(fields))
    services.framework_update(actor=request.auth, acting_for=acting_for, framework=f,
                              expected_version=expected_version, **fields)
    return selectors.framework_for(f.partnership)


@router.post("/partnerships/{slug}/evaluation/framework/adopt", response={202: AdoptOut, **ERROR_RESPONSES},
             summary="Propose the framework for adoption")
def framework_adopt(request, slug: SlugPath, payload: FrameworkAdoptIn):
    """Opens a partnership decision under the charter's rule; the framework is adopted when it is carried.
    Until the decision closes the framework cannot change."""
    f = _framework(request.auth, slug)
    d = services.framework_propose_adoption(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"), framework=f,
        closes_at=payload.closes_at)
    return Status(202, {"detail": _("The framework has been put to the partners for adoption."),
                        "decision_id": d.pk, "decision_url": d.get_absolute_url()})


# --- outcomes ------------------------------------------------------------------------------

@router.get("/partnerships/{slug}/evaluation/outcomes", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[OutcomeOut], **ERROR_RESPONSES}, summary="The steps of the logic model")
def outcome_list(request, slug: SlugPath, include_retired: bool = False):
    return list(selectors.outcomes_of(_framework(request.auth, slug), include_retired=include_retired))


@router.post("/partnerships/{slug}/evaluation/outcomes", response={201: OutcomeOut, **ERROR_RESPONSES},
             summary="Add a step to the logic model")
def outcome_create(request, slug: SlugPath, payload: OutcomeIn):
    """`contributes_to` must be a step of the next level (activity → output → outcome → impact)."""
    f = _framework(request.auth, slug)
    o = services.outcome_create(
        actor=request.auth, acting_for=organisation_by_slug(payload.acting_for, field="acting_for"), framework=f,
        level=payload.level, title=payload.title, description=payload.description,
        contributes_to=_ref(Outcome, payload.contributes_to, "contributes_to", _("No outcome has this id.")))
    return Status(201, o)


@router.patch("/evaluation/outcomes/{outcome_id}", response={200: OutcomeOut, **ERROR_RESPONSES},
              summary="Change a step of the logic model")
def outcome_update(request, outcome_id: IdPath, payload: OutcomePatch):
    o = _outcome(request.auth, outcome_id)
    fields = payload.dict(exclude_unset=True)
    acting_for = organisation_by_slug(fields.pop("acting_for"), field="acting_for")
    expected_version = fields.pop("expected_version")
    _no_nulls(fields, [k for k in fields if k != "contributes_to"])
    if "contributes_to" in fields:
        fields["contributes_to"] = _ref(Outcome, fields["contributes_to"], "contributes_to",
                                        _("No outcome has this id."))
    return services.outcome_update(actor=request.auth, acting_for=acting_for, outcome=o,
                                   expected_version=expected_version, **fields)


@router.post("/evaluation/outcomes/{outcome_id}/retire", response={200: OutcomeOut, **ERROR_RESPONSES},
             summary="Retire a step of the logic model")
def outcome_retire(request, outcome_id: IdPath, payload: RetireIn):
    """Kept for the history. Its indicators must be retired or moved first."""
    o = _outcome(request.auth, outcome_id)
    return services.outcome_retire(actor=request.auth, outcome=o, expected_version=payload.expected_version,
                                   acting_for=organisation_by_slug(payload.acting_for, field="acting_for"))


# --- indicators ----------------------------------------------------------------------------

@router.get("/partnerships/{slug}/evaluation/indicators", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[IndicatorOut], **ERROR_RESPONSES}, summary="The framework's indicators")
def indicator_list(request, slug: SlugPath, include_retired: bool = False):
    f = _framework(request.auth, slug)
    return list(selectors.indicators_of(f, include_retired=include_retired)
                .prefetch_related("targets", "work_items", "commitments"))


@router.post("/partnerships/{slug}/evaluation/indicators", response={201: IndicatorOut, **ERROR_RESPONSES},
             summary="Add an indicator")
def indicator_create(request, slug: SlugPath, payload: IndicatorIn):
    """Reported by an active partner (`reporting_partner`), or fed by a feedback form of this partnership
    (`feedback_channel` and `feedback_measure`; it then serves service_experience)."""
    f = _framework(request.auth, slug)
    fields = _indicator_refs(payload.dict())
    acting_for = organisation_by_slug(fields.pop("acting_for"), field="acting_for")
    i = services.indicator_create(actor=request.auth, acting_for=acting_for, framework=f, **fields)
    return Status(201, _indicator_out(i.pk))


@router.get("/evaluation/indicators/{indicator_id}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: IndicatorOut, **ERROR_RESPONSES}, summary="One indicator")
def indicator_get(request, indicator_id: IdPath):
    return _indicator_out(_indicator(request.auth, indicator_id).pk)


@router.patch("/evaluation/indicators/{indicator_id}", response={200: IndicatorOut, **ERROR_RESPONSES},
              summary="Change an indicator")
def indicator_update(request, indicator_id: IdPath, payload: IndicatorPatch):
    """Send only the fields to change. After adoption the change makes a new framework version."""
    i = _indicator(request.auth, indicator_id)
    fields = payload.dict(exclude_unset=True)
    acting_for = organisation_by_slug(fields.pop("acting_for"), field="acting_for")
    expected_version = fields.pop("expected_version")
    nullable = {"baseline", "reporting_partner", "feedback_channel"}
    _no_nulls(fields, [k for k in fields if k not in nullable])
    services.indicator_update(actor=request.auth, acting_for=acting_for, indicator=i,
                              expected_version=expected_version, **_indicator_refs(fields))
    return _indicator_out(i.pk)


@router.post("/evaluation/indicators/{indicator_id}/retire", response={200: IndicatorOut, **ERROR_RESPONSES},
             summary="Retire an indicator")
def indicator_retire(request, indicator_id: IdPath, payload: RetireIn):
    """Its values stay readable; no new values are reported."""
    i = _indicator(request.auth, indicator_id)
    services.indicator_retire(actor=request.auth, indicator=i, expected_version=payload.expected_version,
                              acting_for=organisation_by_slug(payload.acting_for, field="acting_for"))
    return _indicator_out(i.pk)


@router.put("/evaluation/indicators/{indicator_id}/targets", response={200: IndicatorOut, **ERROR_RESPONSES},
            summary="Set an indicator's targets")
def indicator_targets(request, indicator_id: IdPath, payload: TargetsIn):
    """Targets must be for periods within the framework and values of the indicator's kind; errors name the
    period."""
    i = _indicator(request.auth, indicator_id)
    services.indicator_targets_set(actor=request.auth, indicator=i, targets=payload.targets,
                                   expected_version=payload.expected_version,
                                   acting_for=organisation_by_slug(payload.acting_for, field="acting_for"))
    return _indicator_out(i.pk)


@router.put("/evaluation/indicators/{indicator_id}/links", response={200: IndicatorOut, **ERROR_RESPONSES},
            summary="Link an indicator to work and commitments")
def indicator_links(request, indicator_id: IdPath, payload: LinksIn):
    """Work items of this partnership's programmes and commitments of its agreements."""
    i = _indicator(request.auth, indicator_id)
    services.indicator_links_set(actor=request.auth, indicator=i, work_items=payload.work_items,
                                 commitments=payload.commitments, expected_version=payload.expected_version,
                                 acting_for=organisation_by_slug(payload.acting_for, field="acting_for"))
    return _indicator_out(i.pk)


# --- versions ------------------------------------------------------------------------------

@router.get("/partnerships/{slug}/evaluation/versions", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[FrameworkVersionOut], **ERROR_RESPONSES}, summary="Versions of the framework")
def version_list(request, slug: SlugPath):
    """Newest first. Version 1 is the adopted framework; each later version is one change."""
    return list(selectors.versions_of(_framework(request.auth, slug)))


@router.get("/partnerships/{slug}/evaluation/versions/{number}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: VersionDetailOut, **ERROR_RESPONSES}, summary="One version, with its snapshot")
def version_get(request, slug: SlugPath, number: IdPath):
    v = selectors.version_of(_framework(request.auth, slug), number)
    if v is None:
        raise Http404
    return v

