"""API: partnering agreements — drafting, comments, amendments, positions, commitments,
versions and redlines, signatures, reviews, documents and their verification.

Every write calls agreements.services, as the web pages do; `acting_for` (an
organisation's short name) says which of your organisations you act for. An agreement
is visible to whoever may see its partnership: one in a private partnership answers 404
to anyone else, as on the web. Reads of agreements in public partnerships need no sign-in.

Signing over the API has no interactive re-authentication, so the request carries a
current code from the signer's authenticator app (`otp`).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from joinery.accounts.selectors import person_for_token
from joinery.api.auth import ANYONE, ANYONE_OPENAPI, Anonymous, TokenAuth, session_auth
from joinery.api.common import (
    MAX_ID,
    DateTime,
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
from joinery.api.errors import ERROR_RESPONSES, ErrorOut, validation_error_body
from joinery.core.exceptions import PermissionDenied, ValidationError
from joinery.network.api import OrganisationBrief, PartnershipBrief, PersonBrief

from . import clause_templates, services
from .models import (
    Agreement,
    AgreementKind,
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
    ReviewOutcome,
    Signature,
)

router = Router(tags=["agreements"])


def _selectors():
    # Imported when called: the web pages' reads are shared, and a module being worked on
    # must not stop the whole API from starting.
    from . import selectors

    return selectors


# --- input types ----------------------------------------------------------------------------

def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


#: A date between 1900 and 2999.
Date = bounded_date(1900, 2999)
#: Clause text and other long Markdown.
LongText = Annotated[Text, Field(max_length=100_000)]
#: A comment, a rationale, a reason.
NoteText = Annotated[Text, Field(max_length=20_000)]
Language = Literal[tuple(code for code, _name in settings.LANGUAGES)]  # type: ignore[valid-type]
Template = Literal[tuple(clause_templates.TEMPLATES)]  # type: ignore[valid-type]
#: At most this many parties in one agreement.
MAX_PARTIES = 100

# --- schemas -------------------------------------------------------------------------------


class AgreementBrief(Schema):
    id: int
    title: str
    status: str


class AgreementOut(Schema):
    id: int
    partnership: PartnershipBrief
    title: str
    kind: str
    language: str
    status: str
    template: str
    drafting_lead: OrganisationBrief
    parties: list[OrganisationBrief]
    variation_of_id: int | None
    review_date: dt.date | None
    expiry_date: dt.date | None
    in_force_since: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_parties(obj) -> list:
        parties = getattr(obj, "party_list", None)
        if parties is not None:
            return parties
        return [p.organisation for p in obj.parties.all()]


class VersionBrief(Schema):
    number: int
    fingerprint: str = Field(description="SHA-256 of the version's canonical text.")
    for_signature: bool
    frozen_at: dt.datetime
    frozen_by: PersonBrief


class SignatureOut(Schema):
    organisation: OrganisationBrief
    version: int
    status: str
    signer_name: str
    signer_role: str
    signed_at: dt.datetime | None
    fingerprint: str
    reason: str

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.version.number


class CommitmentOut(Schema):
    id: int
    agreement_id: int
    clause_id: int
    party: OrganisationBrief
    kind: str
    description: str
    quantity: str = Field(description="A decimal number, as text (two decimal places).")
    unit: str
    period_start: dt.date
    period_end: dt.date
    created_at: dt.datetime

    @staticmethod
    def resolve_quantity(obj) -> str:
        return str(obj.quantity)


class ClausePositionSummary(Schema):
    organisation: OrganisationBrief
    stance: str | None = Field(description="null while the party has recorded no position.")
    reason: str
    stale: bool = Field(description="The clause changed after the position was recorded.")
    updated_at: dt.datetime | None


class ClauseOut(Schema):
    id: int
    number: int
    heading: str
    body: str = Field(description="Markdown, as typed.")
    guidance: str
    revision: int = Field(description="Send it back as `expected_revision` when you save the clause.")
    updated_at: dt.datetime


class ClauseDetailOut(ClauseOut):
    positions: list[ClausePositionSummary]
    commitments: list[CommitmentOut]
    comment_count: int
    open_thread_count: int

    @staticmethod
    def resolve_positions(obj) -> list[dict]:
        rows = []
        for row in obj.position_rows:
            pos = row["position"]
            rows.append({"organisation": row["organisation"], "stance": pos.stance if pos else None,
                         "reason": pos.reason if pos else "", "stale": row["stale"],
                         "updated_at": pos.updated_at if pos else None})
        return rows

    @staticmethod
    def resolve_commitments(obj) -> list:
        return obj.live_commitments

    @staticmethod
    def resolve_comment_count(obj) -> int:
        return len(obj.comments.all())

    @staticmethod
    def resolve_open_thread_count(obj) -> int:
        return len(obj.open_threads)


class OpenItemOut(Schema):
    organisation: OrganisationBrief
    objections: list[int] = Field(description="The clauses this party objects to (ids).")
    missing_positions: int
    awaiting_signature: bool
    amendments_to_decide: int

    @staticmethod
    def resolve_objections(obj) -> list[int]:
        return [c.pk for c in obj["objections"]]


class ReviewOut(Schema):
    id: int
    agreement_id: int
    decision_id: int
    proposed_outcome: str
    outcome: str
    next_review_date: dt.date | None
    recorded_at: dt.datetime | None
    created_at: dt.datetime


class AgreementDetailOut(AgreementOut):
    clauses: list[ClauseDetailOut]
    blockers: list[str] = Field(description="Why the draft cannot go to signature yet (empty when it can).")
    open_items: list[OpenItemOut]
    open_amendments: int
    versions: list[VersionBrief]
    signature_version: VersionBrief | None
    in_force_version: VersionBrief | None
    signatures: list[SignatureOut] = Field(
        description="The signatures on the version out for signature, in force, or last sent for signature.")
    reviews: list[ReviewOut]
    variations: list[AgreementBrief]

    # `_detail` prepares these (names with a trailing underscore) in a bounded number of queries.
    @staticmethod
    def resolve_clauses(obj):
        return obj.clauses_

    @staticmethod
    def resolve_blockers(obj):
        return obj.blockers_

    @staticmethod
    def resolve_open_items(obj):
        return obj.open_items_

    @staticmethod
    def resolve_open_amendments(obj):
        return obj.open_amendments_

    @staticmethod
    def resolve_versions(obj):
        return obj.versions_

    @staticmethod
    def resolve_signature_version(obj):
        return obj.signature_version_

    @staticmethod
    def resolve_in_force_version(obj):
        return obj.in_force_version_

    @staticmethod
    def resolve_signatures(obj):
        return obj.signatures_

    @staticmethod
    def resolve_reviews(obj):
        return obj.reviews_

    @staticmethod
    def resolve_variations(obj):
        return obj.variations_


class AgreementIn(InputSchema):
    acting_for: OrgSlug = Field(description="Your organisation, a partner; it leads the drafting unless you "
                                            "name another `drafting_lead`.")
    title: Annotated[Text, Field(max_length=_max(Agreement, "title"))]
    kind: AgreementKind
    parties: list[OrgSlug] = Field([], max_length=MAX_PARTIES,
                                   description="The other parties' short names (partners in the partnership).")
    drafting_lead: OrgSlug | None = None
    template: Template = Field("", description="A structured template of clause prompts, or \"\" for blank.")
    language: Language = "en"
    review_date: Date | None = None
    expiry_date: Date | None = None


class ClauseIn(InputSchema):
    acting_for: OrgSlug
    heading: Annotated[Text, Field(max_length=_max(Clause, "heading"))]
    body: LongText = ""
    after: Id | None = Field(None, description="The clause it follows (default: at the end).")


class ClauseUpdateIn(InputSchema):
    acting_for: OrgSlug
    heading: Annotated[Text, Field(max_length=_max(Clause, "heading"))]
    body: LongText
    expected_revision: int = Field(ge=0, le=MAX_ID, description="The clause's `revision` when you read it.")


class ClauseMoveIn(InputSchema):
    acting_for: OrgSlug
    direction: Literal["up", "down"]


class ClauseTextOut(Schema):
    heading: str
    body: str
    revision: int


class ClauseConflictOut(ErrorOut):
    theirs: ClauseTextOut = Field(description="The clause as saved now.")
    yours: ClauseTextOut = Field(description="What you sent, with the revision you based it on.")


class CommentOut(Schema):
    id: int
    clause_id: int
    parent_id: int | None
    author: PersonBrief
    acting_for: OrganisationBrief
    body: str
    quote: str
    quote_start: int | None
    quote_end: int | None
    resolved_at: dt.datetime | None
    resolved_by: PersonBrief | None
    created_at: dt.datetime


class CommentIn(InputSchema):
    acting_for: OrgSlug
    body: NoteText
    quote: NoteText = Field("", description="A passage of the clause's text the comment is about.")
    quote_start: int | None = Field(None, ge=0, le=MAX_ID, description="Where the passage starts in the text.")
    quote_end: int | None = Field(None, ge=0, le=MAX_ID)
    parent: Id | None = Field(None, description="The comment this replies to.")


class ActingForIn(InputSchema):
    acting_for: OrgSlug


class AmendmentOut(Schema):
    id: int
    agreement_id: int
    clause_id: int | None
    kind: str
    heading: str
    body: str
    rationale: str
    clause_revision: int | None
    proposer: PersonBrief
    acting_for: OrganisationBrief
    status: str
    decided_by: PersonBrief | None
    decided_at: dt.datetime | None
    decision_reason: str
    created_at: dt.datetime


class AmendmentIn(InputSchema):
    acting_for: OrgSlug
    kind: AmendmentKind
    clause: Id | None = Field(None, description="The clause replaced or deleted; for a new clause, the one it "
                                                "follows.")
    heading: Annotated[Text, Field(max_length=_max(Amendment, "heading"))] = ""
    body: LongText = ""
    rationale: NoteText = ""


class AmendmentDecideIn(InputSchema):
    acting_for: OrgSlug
    accept: bool
    reason: NoteText


class ClausePositionOut(Schema):
    clause_id: int
    organisation: OrganisationBrief
    stance: str
    reason: str
    clause_revision: int
    recorded_by: PersonBrief
    updated_at: dt.datetime


class ClausePositionIn(InputSchema):
    acting_for: OrgSlug
    stance: ClauseStance
    reason: NoteText = Field("", description="Required for an objection.")


class CommitmentIn(InputSchema):
    acting_for: OrgSlug
    clause: Id
    party: OrgSlug = Field(description="The party that commits (yours, unless you are the drafting lead).")
    kind: CommitmentKind
    description: Annotated[Text, Field(max_length=_max(Commitment, "description"))]
    quantity: Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]
    unit: Annotated[Text, Field(max_length=_max(Commitment, "unit"))]
    period_start: Date
    period_end: Date


class VersionOut(VersionBrief):
    canonical_text: str = Field(description="Its UTF-8 bytes hash to `fingerprint`.")
    snapshot: dict[str, Any]
    signatures: list[SignatureOut]

    @staticmethod
    def resolve_signatures(obj):
        return _signatures(obj)


class SegmentOut(Schema):
    op: Literal["equal", "insert", "delete"]
    text: str


class DiffOut(Schema):
    from_: str = Field(alias="from")
    to: str
    changes: int
    segments: list[SegmentOut]


class SignIn(InputSchema):
    acting_for: OrgSlug
    fingerprint: Annotated[Text, Field(max_length=200, description="The `fingerprint` of the version you read.")]
    otp: Annotated[Text, Field(max_length=20, description="A current code from your authenticator app.")]
    signer_name: Annotated[Text, Field(max_length=_max(Signature, "signer_name"))] = ""
    signer_role: Annotated[Text, Field(max_length=_max(Signature, "signer_role"))] = ""


class DeclineIn(InputSchema):
    acting_for: OrgSlug
    reason: NoteText


class SignatureResultOut(Schema):
    signature: SignatureOut
    agreement: AgreementOut


class ReviewIn(InputSchema):
    acting_for: OrgSlug
    proposed_outcome: ReviewOutcome
    closes_at: DateTime
    rationale: NoteText = ""
    next_review_date: Date | None = None


class EndIn(InputSchema):
    acting_for: OrgSlug
    how: Literal["expired", "terminated", "abandoned"] = Field(
        description="An agreement in force expired or was terminated; a draft is abandoned.")
    reason: NoteText


class VerificationOut(Schema):
    ok: bool
    code: str = Field(description="ok, not_joinery, unreadable, unknown_version, altered, …")
    message: str
    agreement_id: int | None = Field(description="Given when you may see the agreement.")
    version: int | None


class SharedClauseOut(Schema):
    clause: str
    other_clause: str | None = Field(description="null when the other agreement is hidden from you.")
    similarity: float


class SimilarOut(Schema):
    agreement_id: int | None = Field(description="null when the other agreement's partnership is hidden from you.")
    title: str | None
    partnership: PartnershipBrief | None
    score: float = Field(description="The share of this draft's text found in the other agreement (0–1).")
    shared_clauses: list[SharedClauseOut]


# --- helpers -------------------------------------------------------------------------------

def _org(slug: str | None, field: str = "acting_for"):
    return organisation_by_slug(slug, field=field) if slug is not None else None


def _visible(person, partnership) -> None:
    if not person.has_perm("network.view_partnership", partnership):
        raise Http404


def _agreement(person, pk: int) -> Agreement:
    """The agreement, or 404 if it does not exist or is hidden from `person` (network/visibility.py)."""
    a = (Agreement.objects.select_related("partnership", "drafting_lead", "signature_version",
                                          "in_force_version").filter(pk=pk).first())
    if a is None or not _selectors().can_see_agreement(person=person, agreement=a):
        raise Http404
    return a


def _require_area(person, agreement, area: str) -> None:
    """Comments, amendments and the negotiation's versions each show where their area does."""
    if not getattr(_selectors().shows(person=person, agreement=agreement), area):
        raise Http404


def _agreement_out(pk: int) -> Agreement:
    a = Agreement.objects.select_related("partnership", "drafting_lead").get(pk=pk)
    a.party_list = _selectors().parties_of(agreement=a)
    return a


def _clause(agreement, pk: int) -> Clause:
    c = Clause.objects.filter(pk=pk, agreement=agreement, deleted_at__isnull=True).first()
    if c is None:
        raise Http404
    c.agreement = agreement
    return c


def _clause_field(agreement, pk: int | None, field: str) -> Clause | None:
    """A clause named in the body: a field error when it is not in this agreement's draft."""
    if pk is None:
        return None
    c = Clause.objects.filter(pk=pk, agreement=agreement).first()
    if c is None:
        raise ValidationError({field: _("That clause is not in this agreement.")})
    c.agreement = agreement
    return c


def _version(agreement, number: int, person=None) -> AgreementVersion:
    v = agreement.versions.select_related("frozen_by").filter(number=number).first()
    if v is None or (person is not None
                     and not _selectors().version_visible(person=person, agreement=agreement, version=v)):
        raise Http404
    return v


def _signatures(version) -> list[Signature]:
    if version is None:
        return []
    return list(version.signatures.select_related("organisation", "version").order_by("organisation__name"))


def _detail(a: Agreement, person=None) -> Agreement:
    """The agreement with everything the detail answer shows, in a bounded number of queries.

    With `person`, what they may not see (positions, amendments, earlier versions) is left out.
    """
    sel = _selectors()
    seen = sel.shows(person=person, agreement=a) if person is not None else None
    a.party_list = parties = sel.parties_of(agreement=a)
    a.clauses_ = sel.clauses_for_page(agreement=a, parties=parties, visible=seen)
    amendments = sel.amendments_for_page(agreement=a) if seen is None or seen.amendments else []
    a.versions_ = sel.versions_for_page(agreement=a)
    if seen is not None and not seen.drafts:
        a.versions_ = [v for v in a.versions_ if v.pk == a.in_force_version_id]
    by_pk = {v.pk: v for v in a.versions_}
    sig_version = sel.signature_version_of(agreement=a, versions=a.versions_)
    a.signatures_ = _signatures(sig_version)
    a.open_items_ = sel.open_items(agreement=a, clauses=a.clauses_, parties=parties, amendments=amendments,
                                   signatures=a.signatures_)
    a.open_amendments_ = sum(1 for am in amendments if am.status == AmendmentStatus.PROPOSED)
    a.blockers_ = [str(b) for b in services.signature_blockers(a)] if a.is_editable else []
    a.signature_version_ = by_pk.get(a.signature_version_id)
    a.in_force_version_ = by_pk.get(a.in_force_version_id)
    a.reviews_ = list(a.reviews.order_by("-created_at", "-id"))
    a.variations_ = list(a.variations.order_by("-created_at", "-id"))
    return a


def _detail_of(pk: int) -> Agreement:
    return _detail(Agreement.objects.select_related("partnership", "drafting_lead").get(pk=pk))


# --- agreements ----------------------------------------------------------------------------

@router.get("/partnerships/{slug}/agreements", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[AgreementOut], **ERROR_RESPONSES}, summary="A partnership's agreements")
@paginate(Pagination)
def partnership_agreements(request, slug: SlugPath, status: AgreementStatus | None = None,
                           party: OrgSlug | None = None, q: Annotated[Text, Field(max_length=200)] = ""):
    """Newest change first. `party` keeps those an organisation is party to; `q` searches titles and clause
    text."""
    partnership = visible_partnership(request.auth, slug)
    return _selectors().agreement_list(person=request.auth, partnership=partnership, status=status or "",
                                       organisation=_org(party, "party"), query=q)


@router.get("/agreements", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[AgreementOut], **ERROR_RESPONSES}, summary="Agreements you can see")
@paginate(Pagination)
def agreement_list(request, status: AgreementStatus | None = None, party: OrgSlug | None = None,
                   partnership: Annotated[Text | None, Query(max_length=80,
                                                             description="A partnership's short name.")] = None,
                   q: Annotated[Text, Field(max_length=200)] = ""):
    """Agreements in public partnerships and in those your organisations are partners in."""
    p = visible_partnership(request.auth, partnership) if partnership else None
    return _selectors().agreement_list(person=request.auth, partnership=p, status=status or "",
                                       organisation=_org(party, "party"), query=q)


@router.post("/partnerships/{slug}/agreements", response={201: AgreementDetailOut, **ERROR_RESPONSES},
             summary="Start an agreement")
def agreement_create(request, slug: SlugPath, payload: AgreementIn):
    """An administrator or coordinator of a partner starts it, among some or all partners, blank or from a
    template of clause prompts."""
    partnership = visible_partnership(request.auth, slug)
    a = services.agreement_create(
        actor=request.auth, partnership=partnership, acting_for=_org(payload.acting_for), title=payload.title,
        kind=payload.kind, parties=[_org(s, "parties") for s in payload.parties],
        drafting_lead=_org(payload.drafting_lead, "drafting_lead"), template=payload.template,
        language=payload.language, review_date=payload.review_date, expiry_date=payload.expiry_date)
    return Status(201, _detail_of(a.pk))


# --- verification (registered before /agreements/{agreement_id}, which would match "verify") --

MAX_DOCUMENT = 20 * 1024 * 1024


class _TokenOrReadToken(TokenAuth):
    """A personal API token of either scope: verifying a document changes nothing."""

    def authenticate(self, request, token: str):
        person, api_token = person_for_token(token.strip())
        if person is None:
            return None
        request.api_token = api_token
        return person


_TokenOrReadToken.__name__ = "TokenAuth"  # the same security scheme in the OpenAPI description


@router.post("/agreements/verify", auth=[_TokenOrReadToken(), session_auth, Anonymous()],
             response={200: VerificationOut, **ERROR_RESPONSES}, summary="Does a document match the record?",
             openapi_extra={**ANYONE_OPENAPI, "requestBody": {"content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                 "text/plain": {"schema": {"type": "string"}}}}})
def verify(request, file: File[UploadedFile] = None):
    """Send a PDF downloaded from Joinery or a version's canonical-text export, either as the `file` of a
    multipart form or as the raw request body. The answer says whether it matches the record, and which
    version it is (`agreement_id` and `version` when you may see the agreement). Anyone may ask; a read-only
    token is enough."""
    from . import documents

    if file is not None:
        data = file.read(MAX_DOCUMENT + 1)
    elif request.content_type == "multipart/form-data":
        data = b""
    else:
        try:
            data = request.body
        except RequestDataTooBig:
            raise ValidationError({"file": _("This document is too large to send as the request body: upload "
                                             "it as the `file` of a multipart form.")}) from None
    if len(data) > MAX_DOCUMENT:
        raise ValidationError({"file": _("This document is too large to be an agreement from Joinery.")})
    if not data:
        raise ValidationError({"file": _("Send the document: a PDF from Joinery or a text export.")})
    result = documents.verify_document(data)
    visible = result.agreement is not None and _selectors().can_see_agreement(
        person=request.auth, agreement=result.agreement)
    return {"ok": result.ok, "code": getattr(result, "code", "") or "", "message": result.message,
            "agreement_id": result.agreement.pk if visible else None,
            "version": result.version.number if visible and result.version is not None else None}


# --- one agreement -------------------------------------------------------------------------

@router.get("/agreements/{agreement_id}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: AgreementDetailOut, **ERROR_RESPONSES}, summary="One agreement, with its clauses")
def agreement_detail(request, agreement_id: IdPath):
    """The parties, the clauses with each party's position and the commitments, what still blocks signature
    and what is open for whom, the versions and the signatures."""
    return _detail(_agreement(request.auth, agreement_id), request.auth)


# --- clauses -------------------------------------------------------------------------------

@router.post("/agreements/{agreement_id}/clauses", response={201: ClauseOut, **ERROR_RESPONSES},
             summary="Add a clause (the drafting lead)")
def clause_add(request, agreement_id: IdPath, payload: ClauseIn):
    """Other parties propose a new clause as an amendment. `body` is Markdown, stored as typed."""
    a = _agreement(request.auth, agreement_id)
    c = services.clause_add(actor=request.auth, agreement=a, acting_for=_org(payload.acting_for),
                            heading=payload.heading, body=payload.body,
                            after=_clause_field(a, payload.after, "after"))
    return Status(201, _numbered(c))


def _numbered(clause: Clause) -> Clause:
    clause.refresh_from_db()
    ids = list(services.live_clauses(clause.agreement).values_list("pk", flat=True))
    clause.number = ids.index(clause.pk) + 1 if clause.pk in ids else 0
    return clause


@router.put("/agreements/{agreement_id}/clauses/{clause_id}",
            response={200: ClauseOut, **ERROR_RESPONSES, 409: ClauseConflictOut},
            summary="Save a clause's text (the drafting lead)")
def clause_update(request, agreement_id: IdPath, clause_id: IdPath, payload: ClauseUpdateIn):
    """Send the `revision` you read as `expected_revision`. If someone saved the clause since, nothing is
    overwritten: the answer is 409 with both texts (`theirs` and `yours`) to merge and save again with
    `theirs.revision`."""
    a = _agreement(request.auth, agreement_id)
    c = _clause(a, clause_id)
    try:
        c = services.clause_update(actor=request.auth, clause=c, acting_for=_org(payload.acting_for),
                                   heading=payload.heading, body=payload.body,
                                   expected_revision=payload.expected_revision)
    except services.ClauseConflict as exc:
        body = validation_error_body(exc)
        body["theirs"] = {"heading": exc.theirs_heading, "body": exc.theirs_body, "revision": exc.clause.revision}
        body["yours"] = {"heading": exc.yours_heading, "body": exc.yours_body,
                         "revision": payload.expected_revision}
        return Status(409, body)
    return _numbered(c)


@router.delete("/agreements/{agreement_id}/clauses/{clause_id}", response={204: None, **ERROR_RESPONSES},
               summary="Delete a clause (the drafting lead)")
def clause_delete(request, agreement_id: IdPath, clause_id: IdPath, acting_for: OrgSlug):
    """Its commitments go with it. `acting_for` is a query parameter here."""
    a = _agreement(request.auth, agreement_id)
    services.clause_delete(actor=request.auth, clause=_clause(a, clause_id), acting_for=_org(acting_for))
    return Status(204, None)


@router.post("/agreements/{agreement_id}/clauses/{clause_id}/move", response={200: ClauseOut, **ERROR_RESPONSES},
             summary="Move a clause up or down (the drafting lead)")
def clause_move(request, agreement_id: IdPath, clause_id: IdPath, payload: ClauseMoveIn):
    a = _agreement(request.auth, agreement_id)
    c = services.clause_move(actor=request.auth, clause=_clause(a, clause_id), acting_for=_org(payload.acting_for),
                             direction=payload.direction)
    return _numbered(c)


# --- comments ------------------------------------------------------------------------------

@router.get("/agreements/{agreement_id}/clauses/{clause_id}/comments", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[CommentOut], **ERROR_RESPONSES}, summary="Comments on a clause, oldest first")
@paginate(Pagination)
def comment_list(request, agreement_id: IdPath, clause_id: IdPath, resolved: bool | None = None):
    """Threads and their replies (`parent_id`). `resolved` filters on the comment's own state."""
    a = _agreement(request.auth, agreement_id)
    _require_area(request.auth, a, "comments")
    c = _clause(a, clause_id)
    qs = c.comments.select_related("author", "acting_for", "resolved_by").order_by("created_at", "id")
    if resolved is not None:
        qs = qs.filter(resolved_at__isnull=not resolved)
    return qs


@router.post("/agreements/{agreement_id}/clauses/{clause_id}/comments",
             response={201: CommentOut, **ERROR_RESPONSES}, summary="Comment on a clause or a passage of it")
def comment_add(request, agreement_id: IdPath, clause_id: IdPath, payload: CommentIn):
    """Any party. `quote` is a passage of the clause's text (give `quote_start`/`quote_end` to say which
    occurrence); `parent` makes it a reply."""
    a = _agreement(request.auth, agreement_id)
    c = _clause(a, clause_id)
    parent = None
    if payload.parent is not None:
        parent = Comment.objects.filter(pk=payload.parent, clause__agreement=a).first()
        if parent is None:
            raise ValidationError({"parent": _("That comment is not on this agreement.")})
    cm = services.comment_add(actor=request.auth, clause=c, acting_for=_org(payload.acting_for), body=payload.body,
                              quote=payload.quote, quote_start=payload.quote_start, quote_end=payload.quote_end,
                              parent=parent)
    return Status(201, cm)


def _comment(person, pk: int) -> Comment:
    cm = (Comment.objects.select_related("clause__agreement__partnership", "clause__agreement__drafting_lead",
                                         "author", "acting_for", "resolved_by").filter(pk=pk).first())
    if cm is None:
        raise Http404
    _visible(person, cm.clause.agreement.partnership)
    return cm


@router.post("/comments/{comment_id}/resolve", response={200: CommentOut, **ERROR_RESPONSES},
             summary="Resolve a comment thread")
def comment_resolve(request, comment_id: IdPath, payload: ActingForIn):
    """Any party, from the thread's first comment."""
    cm = _comment(request.auth, comment_id)
    services.comment_resolve(actor=request.auth, comment=cm, acting_for=_org(payload.acting_for))
    return _comment(request.auth, comment_id)


# --- amendments ----------------------------------------------------------------------------

def _amendments():
    return Amendment.objects.select_related("acting_for", "proposer", "decided_by")


@router.get("/agreements/{agreement_id}/amendments", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[AmendmentOut], **ERROR_RESPONSES}, summary="Amendments, newest first")
@paginate(Pagination)
def amendment_list(request, agreement_id: IdPath, status: AmendmentStatus | None = None):
    a = _agreement(request.auth, agreement_id)
    _require_area(request.auth, a, "amendments")
    qs = _amendments().filter(agreement=a).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post("/agreements/{agreement_id}/amendments", response={201: AmendmentOut, **ERROR_RESPONSES},
             summary="Propose an amendment")
def amendment_propose(request, agreement_id: IdPath, payload: AmendmentIn):
    """Any party, while the draft is open: replacement text for a clause, a new clause, or a deletion. The
    drafting lead accepts or rejects it. Refused once the text is frozen."""
    a = _agreement(request.auth, agreement_id)
    am = services.amendment_propose(actor=request.auth, agreement=a, acting_for=_org(payload.acting_for),
                                    kind=payload.kind, clause=_clause_field(a, payload.clause, "clause"),
                                    heading=payload.heading, body=payload.body, rationale=payload.rationale)
    return Status(201, _amendments().get(pk=am.pk))


@router.post("/amendments/{amendment_id}/decide", response={200: AmendmentOut, **ERROR_RESPONSES},
             summary="Accept or reject an amendment (the drafting lead)")
def amendment_decide(request, amendment_id: IdPath, payload: AmendmentDecideIn):
    """With a reason, for the partners' record. Accepting applies it to the draft; 409 when the clause
    changed after the amendment was proposed."""
    am = Amendment.objects.select_related("agreement__partnership").filter(pk=amendment_id).first()
    if am is None:
        raise Http404
    _visible(request.auth, am.agreement.partnership)
    services.amendment_decide(actor=request.auth, amendment=am, acting_for=_org(payload.acting_for),
                              accept=payload.accept, reason=payload.reason)
    return _amendments().get(pk=am.pk)


# --- positions -----------------------------------------------------------------------------

@router.put("/agreements/{agreement_id}/clauses/{clause_id}/position",
            response={200: ClausePositionOut, **ERROR_RESPONSES}, summary="Record your party's position on a clause")
def clause_position(request, agreement_id: IdPath, clause_id: IdPath, payload: ClausePositionIn):
    """agree, live_with (can live with it) or object (with a reason). No agreement goes to signature while a
    clause has an objection."""
    a = _agreement(request.auth, agreement_id)
    pos = services.clause_position_record(actor=request.auth, clause=_clause(a, clause_id),
                                          acting_for=_org(payload.acting_for), stance=payload.stance,
                                          reason=payload.reason)
    return ClausePosition.objects.select_related("organisation", "recorded_by").get(pk=pos.pk)


# --- commitments ---------------------------------------------------------------------------

def _commitments():
    return Commitment.objects.filter(deleted_at__isnull=True, clause__deleted_at__isnull=True).select_related("party")


@router.get("/agreements/{agreement_id}/commitments", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[CommitmentOut], **ERROR_RESPONSES}, summary="The draft's commitments, by party")
@paginate(Pagination)
def commitment_list(request, agreement_id: IdPath, party: OrgSlug | None = None):
    a = _agreement(request.auth, agreement_id)
    qs = _commitments().filter(agreement=a).order_by("party__name", "clause__position", "period_start", "id")
    if party:
        qs = qs.filter(party=_org(party, "party"))
    return qs


@router.post("/agreements/{agreement_id}/commitments", response={201: CommitmentOut, **ERROR_RESPONSES},
             summary="Record a commitment in a clause")
def commitment_add(request, agreement_id: IdPath, payload: CommitmentIn):
    """A party records its own commitments; the drafting lead may record any party's."""
    a = _agreement(request.auth, agreement_id)
    clause = _clause_field(a, payload.clause, "clause")
    m = services.commitment_add(actor=request.auth, clause=clause, acting_for=_org(payload.acting_for),
                                party=_org(payload.party, "party"), kind=payload.kind,
                                description=payload.description, quantity=payload.quantity, unit=payload.unit,
                                period_start=payload.period_start, period_end=payload.period_end)
    return Status(201, _commitments().get(pk=m.pk))


@router.delete("/commitments/{commitment_id}", response={204: None, **ERROR_RESPONSES},
               summary="Remove a commitment")
def commitment_remove(request, commitment_id: IdPath, acting_for: OrgSlug):
    """The party itself or the drafting lead. `acting_for` is a query parameter here."""
    m = (Commitment.objects.select_related("agreement__partnership")
         .filter(pk=commitment_id, deleted_at__isnull=True).first())
    if m is None:
        raise Http404
    _visible(request.auth, m.agreement.partnership)
    services.commitment_remove(actor=request.auth, commitment=m, acting_for=_org(acting_for))
    return Status(204, None)


# --- rounds, versions and redlines ---------------------------------------------------------

@router.post("/agreements/{agreement_id}/rounds", response={201: VersionBrief, **ERROR_RESPONSES},
             summary="Freeze the draft as a version and carry on negotiating (the drafting lead)")
def new_round(request, agreement_id: IdPath, payload: ActingForIn):
    a = _agreement(request.auth, agreement_id)
    v = services.agreement_new_round(actor=request.auth, agreement=a, acting_for=_org(payload.acting_for))
    return Status(201, _version(a, v.number))


@router.post("/agreements/{agreement_id}/send-for-signature", response={200: VersionOut, **ERROR_RESPONSES},
             summary="Freeze the settled text and ask each party to sign (the drafting lead)")
def send_for_signature(request, agreement_id: IdPath, payload: ActingForIn):
    """Refused (400, one message per reason) while a clause has an objection, a clause has no text, or an
    amendment waits for a decision."""
    a = _agreement(request.auth, agreement_id)
    v = services.agreement_send_for_signature(actor=request.auth, agreement=a, acting_for=_org(payload.acting_for))
    return _version(a, v.number)


@router.get("/agreements/{agreement_id}/versions", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: list[VersionBrief], **ERROR_RESPONSES}, summary="The frozen versions, newest first")
@paginate(Pagination)
def version_list(request, agreement_id: IdPath):
    a = _agreement(request.auth, agreement_id)
    qs = a.versions.defer("canonical_text", "snapshot").select_related("frozen_by").order_by("-number")
    if not _selectors().shows(person=request.auth, agreement=a).drafts:
        qs = qs.filter(pk=a.in_force_version_id)  # only the text in force; the negotiated ones stay among partners
    return qs


@router.get("/agreements/{agreement_id}/versions/{number}", auth=ANYONE, openapi_extra=ANYONE_OPENAPI,
            response={200: VersionOut, **ERROR_RESPONSES}, summary="One version: canonical text and fingerprint")
def version_detail(request, agreement_id: IdPath, number: IdPath):
    """`canonical_text` is what was agreed, as plain text; the SHA-256 of its UTF-8 bytes is `fingerprint`."""
    return _version(_agreement(request.auth, agreement_id), number, request.auth)


@router.get("/agreements/{agreement_id}/versions/{number}/pdf", auth=ANYONE,
            response=ERROR_RESPONSES, summary="One version as a PDF",
            openapi_extra={**ANYONE_OPENAPI, "responses": {200: {
                "description": "The PDF, in the agreement's language, with its signatures and fingerprint.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def version_pdf(request, agreement_id: IdPath, number: IdPath):
    """The same bytes for the same version and signatures: `POST /agreements/verify` checks a copy."""
    from . import documents

    a = _agreement(request.auth, agreement_id)
    v = _version(a, number, request.auth)
    response = HttpResponse(documents.render_pdf(v), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{documents.document_filename(v)}"'
    return response


VersionRef = Annotated[str, Query(pattern=r"^([1-9][0-9]{0,8}|draft)$", description="A version number, or draft.")]


@router.get("/agreements/{agreement_id}/diff", auth=ANYONE, openapi_extra=ANYONE_OPENAPI, by_alias=True,
            response={200: DiffOut, **ERROR_RESPONSES}, summary="A redline between two versions")
def diff(request, agreement_id: IdPath, from_: Annotated[VersionRef | None, Query(alias="from")] = None,
         to: VersionRef | None = None):
    """Word by word, in order: `equal` text, `delete`d text (in `from` only) and `insert`ed text (in `to`
    only). `from` and `to` are version numbers, or `draft` for the current draft while it is open. By default,
    the latest version against the draft (or the last two versions once the text is frozen)."""
    a = _agreement(request.auth, agreement_id)
    _require_area(request.auth, a, "drafts")
    numbers = list(a.versions.order_by("number").values_list("number", flat=True))
    if from_ is None:
        from_ = str(numbers[-2] if len(numbers) > 1 and not a.is_editable else numbers[-1]) if numbers else None
    if to is None:
        to = "draft" if a.is_editable else (str(numbers[-1]) if numbers else None)
    errors = {}
    for field, which in (("from", from_), ("to", to)):
        if which is None:
            errors[field] = _("This agreement has no version to compare yet.")
        elif which == "draft" and not a.is_editable:
            errors[field] = _("The text is frozen: there is no open draft. Compare versions.")
        elif which != "draft" and int(which) not in numbers:
            errors[field] = _("This agreement has no version %(n)s.") % {"n": which}
    if errors:
        raise ValidationError(errors)

    def text_of(which: str) -> str:
        if which == "draft":
            return services.canonical_text(services.snapshot_of(a))
        return a.versions.get(number=int(which)).canonical_text

    segments = _selectors().redline(text_of(from_), text_of(to))
    return {"from": from_, "to": to, "segments": segments,
            "changes": sum(1 for s in segments if s["op"] != "equal")}


# --- signatures ----------------------------------------------------------------------------

OTP_ATTEMPTS = 5
OTP_WINDOW = 300  # seconds


def _otp_failures_key(person) -> str:
    return f"joinery.api.sign-otp-failures:{person.pk}"


def _check_otp(person, code: str) -> bool:
    """Is `code` a current, unused TOTP code of `person`'s authenticator? (A used code is marked.)"""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    authenticator = Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).first()
    code = "".join(code.split())
    return authenticator is not None and bool(code) and TOTP(authenticator).validate_code(code)


class _WrongCode(Exception):
    pass


@router.post("/agreements/{agreement_id}/sign",
             response={200: SignatureResultOut, **ERROR_RESPONSES, 429: ErrorOut},
             summary="Sign the version out for signature, for your organisation")
def agreement_sign(request, agreement_id: IdPath, payload: SignIn):
    """Only an authorised signatory of a party can sign for it, and only with two-factor authentication.

    There is no interactive re-authentication over the API, so **the request must carry `otp`: a current
    code from the signer's authenticator app** (the TOTP set up on the account page). A code works once.
    `fingerprint` must be the fingerprint of the version out for signature — the text you read; a
    different one (a stale copy) is refused with 409. A wrong code is refused with 400 (`errors.otp`);
    after 5 wrong codes in 5 minutes, signing is refused with 429 for a while.

    The agreement comes into force when every party has signed the same version.
    """
    person = request.auth
    a = _agreement(person, agreement_id)
    acting_for = _org(payload.acting_for)
    failures_key = _otp_failures_key(person)
    if (cache.get(failures_key) or 0) >= OTP_ATTEMPTS:
        return Status(429, {"detail": _("Too many wrong codes. Wait a few minutes, then sign with a current code "
                                         "from your authenticator app."), "errors": {}})
    try:
        with transaction.atomic():
            # The service refuses a non-signatory, a stale fingerprint or a second signature before the
            # code is looked at; a wrong code undoes the signature.
            sig = services.agreement_sign(actor=person, agreement=a, acting_for=acting_for,
                                          fingerprint=payload.fingerprint, signer_name=payload.signer_name,
                                          signer_role=payload.signer_role)
            if not _check_otp(person, payload.otp):
                raise _WrongCode
    except _WrongCode:
        cache.add(failures_key, 0, OTP_WINDOW)
        try:
            cache.incr(failures_key)
        except ValueError:
            cache.set(failures_key, 1, OTP_WINDOW)
        raise ValidationError({"otp": _("This code is not valid (or was already used). Enter the current code "
                                        "from your authenticator app.")}) from None
    cache.delete(failures_key)
    sig = Signature.objects.select_related("organisation", "version").get(pk=sig.pk)
    return {"signature": sig, "agreement": _agreement_out(a.pk)}


@router.post("/agreements/{agreement_id}/decline", response={200: SignatureResultOut, **ERROR_RESPONSES},
             summary="Decline to sign, for your organisation")
def agreement_decline(request, agreement_id: IdPath, payload: DeclineIn):
    """An authorised signatory, with a reason. The agreement goes back to negotiation; the other signatures
    on that version lapse."""
    a = _agreement(request.auth, agreement_id)
    sig = services.agreement_decline_signature(actor=request.auth, agreement=a, acting_for=_org(payload.acting_for),
                                               reason=payload.reason)
    sig = Signature.objects.select_related("organisation", "version").get(pk=sig.pk)
    return {"signature": sig, "agreement": _agreement_out(a.pk)}


# --- review, variation, ending -------------------------------------------------------------

@router.post("/agreements/{agreement_id}/variation", response={201: AgreementDetailOut, **ERROR_RESPONSES},
             summary="Start a variation of an agreement in force")
def agreement_variation(request, agreement_id: IdPath, payload: ActingForIn):
    """A new draft from the text in force (answered here); the original stays in force until the variation
    is signed."""
    a = _agreement(request.auth, agreement_id)
    var = services.agreement_start_variation(actor=request.auth, agreement=a, acting_for=_org(payload.acting_for))
    return Status(201, _detail_of(var.pk))


@router.post("/agreements/{agreement_id}/reviews", response={201: ReviewOut, **ERROR_RESPONSES},
             summary="Put a review of an agreement in force to the partners")
def agreement_review(request, agreement_id: IdPath, payload: ReviewIn):
    """It opens a partnership decision under the charter's rule (see `decision_id`); when that decision
    closes, the outcome is recorded: continue, vary (a variation starts) or terminate."""
    a = _agreement(request.auth, agreement_id)
    r = services.agreement_review_open(actor=request.auth, agreement=a, acting_for=_org(payload.acting_for),
                                       proposed_outcome=payload.proposed_outcome, closes_at=payload.closes_at,
                                       rationale=payload.rationale, next_review_date=payload.next_review_date)
    return Status(201, r)


@router.post("/agreements/{agreement_id}/end", response={200: AgreementOut, **ERROR_RESPONSES},
             summary="Record that an agreement expired or was terminated, or abandon a draft (the drafting lead)")
def agreement_end(request, agreement_id: IdPath, payload: EndIn):
    a = _agreement(request.auth, agreement_id)
    services.agreement_end(actor=request.auth, agreement=a, acting_for=_org(payload.acting_for), how=payload.how,
                           reason=payload.reason)
    return _agreement_out(a.pk)


# --- the cut-and-paste advice ----------------------------------------------------------------

@router.get("/agreements/{agreement_id}/similar", response={200: list[SimilarOut], **ERROR_RESPONSES},
            summary="Other agreements sharing much of this draft's text (the drafting lead)")
def similar(request, agreement_id: IdPath):
    """Advice, never a block: re-using another partnership's agreement is tempting but not advisable. An
    agreement you cannot see stays unnamed. Empty once the text is frozen."""
    from . import similarity

    a = _agreement(request.auth, agreement_id)
    sel = _selectors()
    me = sel.standing(person=request.auth, agreement=a, parties=sel.parties_of(agreement=a))
    if not me.is_lead:
        raise PermissionDenied(_("Only the drafting lead (%(org)s) sees this advice.") % {"org": a.drafting_lead.name})
    if not a.is_editable:
        return []
    matches = similarity.similar_agreements(a, limit=5)
    visible = set(sel.visible_agreements(person=request.auth)
                  .filter(pk__in={m.agreement.pk for m in matches}).values_list("pk", flat=True))
    out = []
    for m in matches:
        shown = m.agreement.pk in visible
        out.append({
            "agreement_id": m.agreement.pk if shown else None,
            "title": m.agreement.title if shown else None,
            "partnership": m.agreement.partnership if shown else None,
            "score": m.score,
            "shared_clauses": [{"clause": ours, "other_clause": theirs if shown else None, "similarity": score}
                               for ours, theirs, score in m.shared_clauses],
        })
    return out
