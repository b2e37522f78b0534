"""API: the contributions ledger — contributions, corrections, imports and exports, valuation
rates, the investment by partner and sector, and commitments against actuals.

Every write calls contributions.services, as the web pages and the `joinery` command do;
`acting_for` (an organisation's short name) says which of your organisations you act for.
Reads follow the partnership's visibility: a private partnership answers 404 to anyone
else. Volunteers' names are given to the partners only (`volunteer` is null otherwise).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from joinery.api.auth import ANYONE, ANYONE_OPENAPI
from joinery.api.common import (
    Id,
    IdPath,
    InputSchema,
    OrgSlug,
    Pagination,
    SlugPath,
    Text,
    bounded_date,
    organisation_by_slug,
    visible_partnership,
)
from joinery.api.errors import ERROR_RESPONSES, ErrorOut
from joinery.core.exceptions import ValidationError
from joinery.network.api import OrganisationBrief, PartnershipBrief, PersonBrief

from . import importing, services
from .models import Contribution, ContributionKind, ContributorSector, ValuationRate

router = Router(tags=["contributions"])


def _selectors():
    from . import selectors

    return selectors


# --- input types ----------------------------------------------------------------------------

#: A date between 1900 and 2999.
Date = bounded_date(1900, 2999)
Amount = Annotated[Decimal, Field(max_digits=20, decimal_places=6,
                                  description="A decimal number; at most two decimal places are kept.")]
Kind = Literal[tuple(ContributionKind.values)]  # type: ignore[valid-type]
Sector = Literal[tuple(ContributorSector.values)]  # type: ignore[valid-type]
HoursKind = Literal["staff_hours", "volunteer_hours"]
Period = Annotated[str, Field(pattern=r"^(\d{4}|\d{4}-Q[1-4])?$",
                              description="A year (2025) or a quarter (2025-Q2); empty for the whole time.")]
Reason = Annotated[Text, Field(min_length=1, max_length=5000)]


# --- schemas ---------------------------------------------------------------------------------

class RateBrief(Schema):
    id: int
    work_kind: str
    label: str
    hourly_rate: str
    currency: str
    valid_from: dt.date

    @staticmethod
    def resolve_hourly_rate(obj) -> str:
        return str(obj.hourly_rate)


class RateOut(RateBrief):
    hours_kind: str
    basis: str
    valid_until: dt.date | None
    superseded_by_id: int | None
    set_by: PersonBrief
    created_at: dt.datetime


class ContributionOut(Schema):
    id: int
    partnership: PartnershipBrief
    organisation: OrganisationBrief | None = Field(description="null for a citizen's (volunteer's) contribution.")
    volunteer: PersonBrief | None = Field(description="The volunteer, for partners; null otherwise.")
    sector: str
    kind: str
    description: str
    date: dt.date
    period_start: dt.date
    period_end: dt.date
    quantity: str = Field(description="Money in the currency, hours, or a count of items (decimal as text).")
    unit: str
    people: int
    currency: str
    value: str | None = Field(description="The value in `currency` (decimal as text); null when not valued.")
    rate: RateBrief | None = Field(description="For hours: the valuation rate used, kept for good.")
    commitment_id: int | None
    work_item_id: int | None
    evidence_url: str
    has_evidence_file: bool
    import_id: int | None
    replaces_id: int | None
    withdrawn_at: dt.datetime | None
    withdrawn_reason: str
    recorded_at: dt.datetime

    @staticmethod
    def resolve_quantity(obj) -> str:
        return str(obj.quantity)

    @staticmethod
    def resolve_value(obj) -> str | None:
        return None if obj.value is None else str(obj.value)

    @staticmethod
    def resolve_volunteer(obj, context):
        if obj.organisation_id is not None or obj.person_id is None:
            return None
        request = (context or {}).get("request")
        person = getattr(request, "auth", None)
        if person is not None and person.is_authenticated and person.has_perm(
                "contributions.see_volunteer_names", obj.partnership):
            return obj.person
        return None

    @staticmethod
    def resolve_has_evidence_file(obj) -> bool:
        return bool(obj.evidence)

    @staticmethod
    def resolve_import_id(obj) -> int | None:
        return obj.batch_id

    @staticmethod
    def resolve_recorded_at(obj) -> dt.datetime:
        return obj.created_at


class ContributionIn(InputSchema):
    acting_for: OrgSlug = Field(description="Your organisation, an active partner.")
    organisation: OrgSlug | None = Field(None, description="The contributing partner, if not `acting_for` (the "
                                                           "convener records for others).")
    kind: Kind
    description: Annotated[Text, Field(max_length=500)]
    date: Date = Field(description="When it was given; not in the future.")
    period_start: Date | None = Field(None, description="The period it covers (both or neither).")
    period_end: Date | None = None
    quantity: Amount
    currency: Annotated[Text, Field(max_length=3)] = ""
    unit: Annotated[Text, Field(max_length=40)] = ""
    people: int = Field(1, ge=1, le=100_000, description="For hours: how many people gave them.")
    work_kind: Annotated[Text, Field(max_length=60)] = Field("", description="For hours: the rate's code.")
    value: Amount | None = Field(None, description="For in-kind and data: a stated value in `currency`.")
    commitment_id: Id | None = None
    work_item_id: Id | None = None
    evidence_url: Annotated[Text, Field(max_length=500)] = ""


class CorrectIn(InputSchema):
    acting_for: OrgSlug
    reason: Reason
    organisation: OrgSlug | None = None
    kind: Kind | None = None
    description: Annotated[Text, Field(max_length=500)] | None = None
    date: Date | None = None
    period_start: Date | None = None
    period_end: Date | None = None
    quantity: Amount | None = None
    currency: Annotated[Text, Field(max_length=3)] | None = None
    unit: Annotated[Text, Field(max_length=40)] | None = None
    people: int | None = Field(None, ge=1, le=100_000)
    work_kind: Annotated[Text, Field(max_length=60)] | None = None
    value: Amount | None = None
    commitment_id: Id | None = Field(None, description="0 is not allowed; to drop the commitment, withdraw and "
                                                       "record again.")
    evidence_url: Annotated[Text, Field(max_length=500)] | None = None


class WithdrawIn(InputSchema):
    acting_for: OrgSlug
    reason: Reason


class RateIn(InputSchema):
    acting_for: OrgSlug = Field(description="The convener.")
    work_kind: Annotated[Text, Field(max_length=60)]
    label: Annotated[Text, Field(max_length=200)]
    hours_kind: HoursKind
    hourly_rate: Amount
    currency: Annotated[Text, Field(max_length=3)]
    valid_from: Date
    basis: Annotated[Text, Field(max_length=5000)]


class VolunteerHoursIn(InputSchema):
    acting_for: OrgSlug = Field(description="The task's owner organisation, or the convener.")
    signup_id: Id
    hours: Amount
    date: Date
    description: Annotated[Text, Field(max_length=500)] = ""


class ImportOut(Schema):
    id: int
    filename: str
    status: str
    rows: int
    sha256: str
    created_at: dt.datetime


class RowProblem(Schema):
    row: int = Field(description="The row as a spreadsheet numbers it (row 1 is the header).")
    column: str
    problem: str
    fix: str


class ImportRejectedOut(ErrorOut):
    import_id: int | None = None
    report: list[RowProblem] = []


class Money(Schema):
    currency: str
    value: str

    @staticmethod
    def resolve_value(obj) -> str:
        return str(obj["value"])


class InvestmentRow(Schema):
    name: str
    organisation: OrganisationBrief | None
    sector: str
    values: list[Money]
    main_value: str
    share: int | None = Field(description="% of the total in the main currency.")
    hours: str
    hours_value: list[Money]
    count: int
    unvalued: int

    @staticmethod
    def resolve_main_value(obj) -> str:
        return str(obj["main_value"])

    @staticmethod
    def resolve_hours(obj) -> str:
        return str(obj["hours"])


class SectorRow(InvestmentRow):
    name: str = ""
    organisation: OrganisationBrief | None = None
    label: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj["label"]


class InvestmentOut(Schema):
    main_currency: str
    totals: list[Money]
    government: str
    non_government: str
    non_government_share: int | None
    hours: str
    by_sector: list[SectorRow]
    by_partner: list[InvestmentRow]
    summary: list[str]

    @staticmethod
    def resolve_government(obj) -> str:
        return str(obj["government"])

    @staticmethod
    def resolve_non_government(obj) -> str:
        return str(obj["non_government"])

    @staticmethod
    def resolve_hours(obj) -> str:
        return str(obj["hours"])

    @staticmethod
    def resolve_summary(obj) -> list[str]:
        return obj["sentences"]


class CommitmentActualOut(Schema):
    commitment_id: int
    party: OrganisationBrief
    agreement_id: int
    description: str
    unit: str
    period_start: dt.date
    period_end: dt.date
    committed: str
    contributed: str
    gap: str
    percent: int | None
    expected_by_now: str
    behind: bool
    trend: list[str] = Field(description="Contributed per quarter, for the `quarters` of the answer.")

    @staticmethod
    def resolve_commitment_id(obj) -> int:
        return obj.commitment.pk

    @staticmethod
    def resolve_party(obj):
        return obj.commitment.party

    @staticmethod
    def resolve_agreement_id(obj) -> int:
        return obj.commitment.agreement_id

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.commitment.description

    @staticmethod
    def resolve_period_start(obj):
        return obj.commitment.period_start

    @staticmethod
    def resolve_period_end(obj):
        return obj.commitment.period_end

    @staticmethod
    def resolve_trend(obj) -> list[str]:
        return [str(v) for v in obj.trend]

    @staticmethod
    def resolve_committed(obj) -> str:
        return str(obj.committed)

    @staticmethod
    def resolve_contributed(obj) -> str:
        return str(obj.contributed)

    @staticmethod
    def resolve_gap(obj) -> str:
        return str(obj.gap)

    @staticmethod
    def resolve_expected_by_now(obj) -> str:
        return str(obj.expected_by_now)


class CommitmentsVsActualsOut(Schema):
    as_of: dt.date
    quarters: list[str]
    commitments: list[CommitmentActualOut]
    summary: list[str]

    @staticmethod
    def resolve_commitments(obj):
        return obj["rows"]

    @staticmethod
    def resolve_summary(obj):
        return obj["sentences"]


# --- helpers -------------------------------------------------------------------------------

def _org(slug: str | None, field: str = "acting_for"):
    return organisation_by_slug(slug, field=field) if slug is not None else None


def _contributions():
    return Contribution.objects.select_related("partnership", "organisation", "person", "rate")


def _contribution(person, pk: int) -> Contribution:
    c = (Contribution.objects.select_related("partnership", "organisation", "person", "rate", "work_item",
                                             "commitment__agreement", "commitment__party")
         .filter(pk=pk).first())
    if c is None or not person.has_perm("network.see_ledger", c.partnership):
        raise Http404  # ledger lines show where the ledger does (network/visibility.py)
    return c


def _commitment(pk: int | None, field: str = "commitment_id"):
    if pk is None:
        return None
    from joinery.agreements.models import Commitment

    m = Commitment.objects.select_related("agreement", "party").filter(pk=pk).first()
    if m is None:
        raise ValidationError({field: _("There is no commitment number %(n)s.") % {"n": pk}})
    return m


def _work_item(pk: int | None):
    if pk is None:
        return None
    from joinery.programme.models import WorkItem

    item = WorkItem.objects.filter(pk=pk).first()
    if item is None:
        raise ValidationError({"work_item_id": _("There is no task number %(n)s.") % {"n": pk}})
    return item


def _renamed(exc: ValidationError, names: dict) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


API_NAMES = {"commitment": "commitment_id", "work_item": "work_item_id"}


# --- contributions ----------------------------------------------------------------------------

@router.get("/partnerships/{slug}/contributions", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[ContributionOut], **ERROR_RESPONSES}, summary="A partnership's contributions")
@paginate(Pagination)
def contribution_list(request, slug: SlugPath, organisation: OrgSlug | None = None, kind: Kind | None = None,
                      sector: Sector | None = None, date_from: Date | None = None, date_to: Date | None = None,
                      q: Annotated[Text, Field(max_length=200)] = "", include_withdrawn: bool = False):
    """Newest first. Withdrawn and corrected contributions are left out unless `include_withdrawn`."""
    p = visible_partnership(request.auth, slug, "ledger")
    filters = _selectors().LedgerFilters(organisation=_org(organisation, "organisation"), kind=kind or "",
                                         sector=sector or "", date_from=date_from, date_to=date_to, q=q,
                                         include_withdrawn=include_withdrawn)
    return _selectors().ledger_queryset(partnership=p, filters=filters).select_related(
        "partnership", "organisation", "person", "rate")


@router.post("/partnerships/{slug}/contributions", response={201: ContributionOut, **ERROR_RESPONSES},
             summary="Record a contribution")
def contribution_create(request, slug: SlugPath, payload: ContributionIn):
    """Money, staff or volunteer hours (valued at the partnership's rate in force on `date`), in-kind or data.
    Evidence files are uploaded on the web page; here give `evidence_url`."""
    p = visible_partnership(request.auth, slug)
    try:
        c = services.contribution_record(
            actor=request.auth, acting_for=_org(payload.acting_for), partnership=p, kind=payload.kind,
            description=payload.description, date=payload.date, period_start=payload.period_start,
            period_end=payload.period_end, quantity=payload.quantity, currency=payload.currency, unit=payload.unit,
            people=payload.people, work_kind=payload.work_kind, value=payload.value,
            commitment=_commitment(payload.commitment_id), work_item=_work_item(payload.work_item_id),
            evidence_url=payload.evidence_url, organisation=_org(payload.organisation, "organisation"))
    except ValidationError as exc:
        raise _renamed(exc, API_NAMES) from exc
    return Status(201, _contributions().get(pk=c.pk))


@router.get("/contributions/{contribution_id}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: ContributionOut, **ERROR_RESPONSES}, summary="One contribution")
def contribution_detail(request, contribution_id: IdPath):
    return _contribution(request.auth, contribution_id)


@router.post("/contributions/{contribution_id}/correct", response={201: ContributionOut, **ERROR_RESPONSES},
             summary="Correct a contribution")
def contribution_correct(request, contribution_id: IdPath, payload: CorrectIn):
    """The contribution is withdrawn with your `reason` and a new one, with the fields you send changed,
    replaces it (`replaces_id`). 409 if it was already withdrawn or corrected."""
    c = _contribution(request.auth, contribution_id)
    data = payload.model_dump(exclude_unset=True)
    data.pop("acting_for"), data.pop("reason")
    changes = {k: v for k, v in data.items() if v is not None}
    if "organisation" in changes:
        changes["organisation"] = _org(changes["organisation"], "organisation")
    if "commitment_id" in changes:
        changes["commitment"] = _commitment(changes.pop("commitment_id"))
    try:
        new = services.contribution_correct(actor=request.auth, acting_for=_org(payload.acting_for), contribution=c,
                                            reason=payload.reason, **changes)
    except ValidationError as exc:
        raise _renamed(exc, API_NAMES) from exc
    return Status(201, _contributions().get(pk=new.pk))


@router.post("/contributions/{contribution_id}/withdraw", response={200: ContributionOut, **ERROR_RESPONSES},
             summary="Withdraw a contribution")
def contribution_withdraw(request, contribution_id: IdPath, payload: WithdrawIn):
    """It stops counting; the row stays, with the reason. 409 if it was already withdrawn or corrected."""
    c = _contribution(request.auth, contribution_id)
    services.contribution_withdraw(actor=request.auth, acting_for=_org(payload.acting_for), contribution=c,
                                   reason=payload.reason)
    return _contributions().get(pk=c.pk)


@router.post("/work/{item_id}/volunteer-hours", response={201: ContributionOut, **ERROR_RESPONSES},
             summary="Record a confirmed volunteer's hours on a task")
def volunteer_hours(request, item_id: IdPath, payload: VolunteerHoursIn):
    """By the task's owner organisation or the convener; valued at the partnership's volunteer rate."""
    from joinery.programme.models import VolunteerSignup

    signup = (VolunteerSignup.objects.select_related("item__partnership", "item__owner", "person")
              .filter(pk=payload.signup_id, item_id=item_id).first())
    if signup is None or not request.auth.has_perm("network.view_partnership", signup.item.partnership):
        raise Http404
    c = services.volunteer_hours_record(actor=request.auth, acting_for=_org(payload.acting_for), signup=signup,
                                        hours=payload.hours, date=payload.date, description=payload.description)
    return Status(201, _contributions().get(pk=c.pk))


# --- import and export -----------------------------------------------------------------------

@router.post("/partnerships/{slug}/contributions/import",
             response={201: ImportOut, 400: ImportRejectedOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                       409: ErrorOut, 422: ErrorOut},
             summary="Import contributions from a CSV or XLSX file (all or nothing)")
def contribution_import(request, slug: SlugPath, acting_for: Form[OrgSlug], file: File[UploadedFile]):
    """A multipart form with `acting_for` and `file` (CSV in UTF-8, or .xlsx; up to 5 MB and 50,000 rows; the
    columns are in docs/contributions.md). If any row has a problem nothing is imported: the answer is 400 with
    `report` (row, column, problem, fix) and the same problems in `errors`, keyed `row <n>: <column>`."""
    p = visible_partnership(request.auth, slug)
    data = file.read(importing.MAX_BYTES + 1)
    try:
        batch = services.contributions_import(actor=request.auth, acting_for=_org(acting_for), partnership=p,
                                              filename=file.name or "", data=data)
    except services.ImportRejected as exc:
        errors: dict[str, list[str]] = {}
        for r in exc.report:
            errors.setdefault(f"row {r['row']}: {r['column'] or 'row'}", []).append(
                " ".join(x for x in (r["problem"], r["fix"]) if x))
        return Status(400, {"detail": exc.messages[0], "errors": errors, "import_id": exc.batch.pk,
                            "report": exc.report})
    return Status(201, batch)


@router.get("/partnerships/{slug}/contributions/export", auth=ANYONE, response=ERROR_RESPONSES,
            summary="The ledger as CSV or XLSX",
            openapi_extra={**ANYONE_OPENAPI, "responses": {200: {
                "description": "The live contributions; the first columns are the import columns.",
                "content": {"text/csv": {"schema": {"type": "string"}},
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                                {"schema": {"type": "string", "format": "binary"}}}}}})
def contribution_export(request, slug: SlugPath, format: Literal["csv", "xlsx"] = "csv"):  # noqa: A002
    from . import exports

    p = visible_partnership(request.auth, slug, "ledger")
    names = request.auth.is_authenticated and request.auth.has_perm("contributions.see_volunteer_names", p)
    data, content_type, filename = exports.export_ledger(partnership=p, fmt=format, names=names)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- valuation rates ---------------------------------------------------------------------------

@router.get("/partnerships/{slug}/valuation-rates", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[RateOut], **ERROR_RESPONSES}, summary="Valuation rates, current and past")
@paginate(Pagination)
def rate_list(request, slug: SlugPath, current: bool = False):
    """By kind of work, newest first. `current` keeps the rates in force (not superseded)."""
    p = visible_partnership(request.auth, slug, "ledger")
    qs = ValuationRate.objects.filter(partnership=p).select_related("set_by").order_by("work_kind", "-valid_from",
                                                                                        "-id")
    if current:
        qs = qs.filter(valid_until__isnull=True)
    return qs


@router.post("/partnerships/{slug}/valuation-rates", response={201: RateOut, **ERROR_RESPONSES},
             summary="Set a valuation rate (the convener)")
def rate_set(request, slug: SlugPath, payload: RateIn):
    """From `valid_from`, an hour of this kind of work is worth `hourly_rate`. The current rate for the same
    `work_kind` ends the day before; contributions already recorded keep their rate and value."""
    p = visible_partnership(request.auth, slug)
    rate = services.valuation_rate_set(actor=request.auth, acting_for=_org(payload.acting_for), partnership=p,
                                       work_kind=payload.work_kind, label=payload.label,
                                       hours_kind=payload.hours_kind, hourly_rate=payload.hourly_rate,
                                       currency=payload.currency, valid_from=payload.valid_from, basis=payload.basis)
    return Status(201, ValuationRate.objects.select_related("set_by").get(pk=rate.pk))


# --- the investment ----------------------------------------------------------------------------

@router.get("/partnerships/{slug}/investment", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: InvestmentOut, **ERROR_RESPONSES}, summary="The investment by partner and by sector")
def investment(request, slug: SlugPath, period: Period = ""):
    """Valued contributions per currency (not converted), by partner (citizens together) and by sector, with
    hours and their value, and the summary sentences of the web page."""
    p = visible_partnership(request.auth, slug, "ledger")
    sel = _selectors()
    span = sel.parse_period(period)
    return sel.investment_summary(partnership=p, date_from=span[0] if span else None,
                                  date_to=span[1] if span else None)


@router.get("/partnerships/{slug}/commitments-vs-actuals", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: CommitmentsVsActualsOut, **ERROR_RESPONSES}, summary="Commitments against actuals")
def commitments_vs_actuals(request, slug: SlugPath, period: Period = ""):
    """For each commitment of the partnership's signed agreements: committed, contributed, gap, % and what was
    expected by now (pro rata over its period), with a quarterly trend. With `period`, each commitment counts
    for its share of the period."""
    p = visible_partnership(request.auth, slug, "ledger")
    sel = _selectors()
    return sel.commitments_vs_actuals(partnership=p, period=sel.parse_period(period))
