"""Partnering agreements through the API: drafting, comments, amendments, positions, commitments,
versions and redlines, signatures, documents and their verification."""

import datetime as dt
import hashlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinery.agreements import services
from joinery.agreements.models import (
    Agreement,
    AgreementStatus,
    Amendment,
    Clause,
    Comment,
    Commitment,
    Signature,
    SignatureStatus,
)
from tests.api import test_schemathesis
from tests.api.conftest import BASE, ApiClient, token_for
from tests.conftest import (
    TOTP_SECRET,
    add_role,
    admin_of,
    make_organisation,
    make_partnership,
    make_person,
    publish,
    totp_code,
)

pytestmark = pytest.mark.django_db

wsgi_app = test_schemathesis.wsgi_app  # the fixture, for the schemathesis run below


@pytest.fixture(autouse=True)
def fresh_cache():
    """Used TOTP codes and failed attempts are remembered in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


def wrong_code() -> str:
    code = totp_code()
    return "000000" if code != "000000" else "111111"


class Cast:
    """A partnership between a city (the drafting lead) and a food bank, each with an authorised signatory."""

    def __init__(self, visibility: str = "private", name: str = "Eastside Renewal"):
        self.city = make_organisation(name=f"{name} City", sector="public", level="local")
        self.charity = make_organisation(name=f"{name} Food Bank")
        self.p = make_partnership(convener=self.city, partners=[self.charity], name=name, visibility=visibility)
        self.lead = admin_of(self.city)
        self.signers = {}
        for org in (self.city, self.charity):
            self.signers[org.pk] = make_person(mfa=True, name=f"Signatory of {org.name}")
            add_role(org, self.signers[org.pk], "signatory")
        self.lead_api = ApiClient(token_for(self.lead))
        self.charity_api = ApiClient(token_for(admin_of(self.charity)))

    def signer_api(self, org) -> ApiClient:
        return ApiClient(token_for(self.signers[org.pk]))

    def agreement(self, title: str = "Shared kitchen", bodies=("The parties run a kitchen together.",
                                                                 "The city convenes; the food bank cooks.")):
        a = services.agreement_create(actor=self.lead, partnership=self.p, acting_for=self.city, title=title,
                                      kind="partnering", parties=[self.charity])
        for n, body in enumerate(bodies, start=1):
            services.clause_add(actor=self.lead, agreement=a, acting_for=self.city, heading=f"Clause {n}",
                                body=body)
        return a

    def sent(self, **kwargs):
        a = self.agreement(**kwargs)
        services.agreement_send_for_signature(actor=self.lead, agreement=a, acting_for=self.city)
        a.refresh_from_db()
        return a

    def in_force(self, **kwargs):
        a = self.sent(**kwargs)
        for org in (self.city, self.charity):
            services.agreement_sign(actor=self.signers[org.pk], agreement=a, acting_for=org,
                                    fingerprint=a.signature_version.fingerprint)
        a.refresh_from_db()
        assert a.status == AgreementStatus.IN_FORCE
        return a


@pytest.fixture
def cast(db):
    return Cast()


def clauses_of(a) -> list[Clause]:
    return list(services.live_clauses(a))


# --- starting, listing, reading ----------------------------------------------------------------

def test_start_an_agreement_from_a_template_and_read_it(cast):
    response = cast.lead_api.post(f"/partnerships/{cast.p.slug}/agreements", {
        "acting_for": cast.city.slug, "title": "Eastside food plan", "kind": "partnering",
        "parties": [cast.charity.slug], "template": "mou", "review_date": "2031-06-01"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["drafting_lead"]["slug"] == cast.city.slug
    assert {p["slug"] for p in body["parties"]} == {cast.city.slug, cast.charity.slug}
    assert [c["heading"] for c in body["clauses"]][0] == "Purpose and shared vision"
    assert all(c["guidance"] and c["body"] == "" for c in body["clauses"])
    assert len(body["clauses"][0]["positions"]) == 2 and body["clauses"][0]["positions"][0]["stance"] is None
    assert any("has no text yet" in b for b in body["blockers"])
    assert [row["missing_positions"] for row in body["open_items"]] == [5, 5]

    detail = cast.charity_api.get(f"/agreements/{body['id']}")
    assert detail.status_code == 200 and detail.json()["title"] == "Eastside food plan"


def test_starting_refuses_non_partners_and_bad_choices(cast):
    outsider = make_organisation(name="Not A Partner")
    response = cast.lead_api.post(f"/partnerships/{cast.p.slug}/agreements", {
        "acting_for": cast.city.slug, "title": "Plan", "kind": "mou", "parties": [outsider.slug]})
    assert response.status_code == 400 and "parties" in response.json()["errors"]
    response = cast.lead_api.post(f"/partnerships/{cast.p.slug}/agreements", {
        "acting_for": cast.city.slug, "title": "Plan", "kind": "mou", "parties": []})
    assert response.status_code == 400
    assert response.json()["errors"]["parties"] == ["An agreement needs at least two parties."]
    response = cast.lead_api.post(f"/partnerships/{cast.p.slug}/agreements", {
        "acting_for": cast.city.slug, "title": "Plan", "kind": "treaty", "parties": [cast.charity.slug]})
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    response = cast.lead_api.post(f"/partnerships/{cast.p.slug}/agreements", {
        "acting_for": cast.city.slug, "title": "x" * 251, "kind": "mou", "parties": [cast.charity.slug]})
    assert response.status_code == 422 and "title" in response.json()["errors"]
    assert not Agreement.objects.exists()


def test_lists_filter_by_status_party_and_text(cast):
    a = cast.agreement(title="Shared kitchen")
    other_partner = make_organisation(name="Youth Club")
    p2 = make_partnership(convener=cast.city, partners=[other_partner], name="Westside")
    services.agreement_create(actor=cast.lead, partnership=p2, acting_for=cast.city, title="Youth nights",
                              kind="mou", parties=[other_partner])
    listed = cast.lead_api.get(f"/partnerships/{cast.p.slug}/agreements").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == a.pk
    assert cast.lead_api.get("/agreements").json()["count"] == 2
    assert cast.lead_api.get("/agreements", party=other_partner.slug).json()["items"][0]["title"] == "Youth nights"
    assert cast.lead_api.get("/agreements", partnership=p2.slug).json()["count"] == 1
    assert cast.lead_api.get("/agreements", q="kitchen together").json()["items"][0]["id"] == a.pk
    assert cast.lead_api.get("/agreements", status="in_force").json()["count"] == 0
    assert cast.lead_api.get("/agreements", status="sideways").status_code == 422
    # The food bank is not a partner in Westside: it sees only its own partnership's agreement.
    assert [x["id"] for x in cast.charity_api.get("/agreements").json()["items"]] == [a.pk]
    assert cast.charity_api.get("/agreements", partnership=p2.slug).status_code == 404


def test_agreements_in_a_private_partnership_are_invisible_to_outsiders(cast, api):
    a = cast.agreement()
    c = clauses_of(a)[0]
    services.agreement_new_round(actor=cast.lead, agreement=a, acting_for=cast.city)
    outsider = ApiClient(token_for(admin_of(make_organisation(name="Outsiders"))))
    paths = [f"/partnerships/{cast.p.slug}/agreements", f"/agreements/{a.pk}", f"/agreements/{a.pk}/versions",
             f"/agreements/{a.pk}/versions/1", f"/agreements/{a.pk}/versions/1/pdf", f"/agreements/{a.pk}/diff",
             f"/agreements/{a.pk}/clauses/{c.pk}/comments", f"/agreements/{a.pk}/amendments",
             f"/agreements/{a.pk}/commitments"]
    for client in (api, outsider):
        for path in paths:
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"detail": "Not found.", "errors": {}}
        assert client.get("/agreements").json()["count"] == 0
    response = outsider.put(f"/agreements/{a.pk}/clauses/{c.pk}", {
        "acting_for": cast.city.slug, "heading": "Hijacked", "body": "", "expected_revision": c.revision})
    assert response.status_code == 404
    assert cast.charity_api.get(f"/agreements/{a.pk}/versions/1").status_code == 200


def test_agreements_in_a_public_partnership_are_readable_without_signing_in(api):
    public = Cast(visibility="public", name="Open Streets")
    a = public.agreement()
    assert api.get(f"/agreements/{a.pk}").status_code == 404  # a draft: the partners only, by default
    assert api.get("/agreements").json()["count"] == 0
    publish(a.partnership, "drafts")
    assert api.get(f"/agreements/{a.pk}").status_code == 200
    assert api.get("/agreements").json()["count"] == 1
    assert api.post(f"/agreements/{a.pk}/clauses", {"acting_for": public.city.slug, "heading": "X"}).status_code \
        == 401


# --- clauses ----------------------------------------------------------------------------------

def test_markdown_is_stored_and_returned_as_typed(cast):
    a = cast.agreement()
    typed = "**Shared** plan\n\n<script>alert('x')</script>\n\n- one\n- two  \n"
    response = cast.lead_api.post(f"/agreements/{a.pk}/clauses", {
        "acting_for": cast.city.slug, "heading": "Purpose", "body": typed})
    assert response.status_code == 201, response.content
    assert response.json()["body"] == typed and response.json()["number"] == 3
    assert Clause.objects.get(pk=response.json()["id"]).body == typed
    detail = cast.lead_api.get(f"/agreements/{a.pk}").json()
    assert detail["clauses"][2]["body"] == typed


def test_add_a_clause_after_another_move_and_delete(cast):
    a = cast.agreement()
    first, second = clauses_of(a)
    response = cast.lead_api.post(f"/agreements/{a.pk}/clauses", {
        "acting_for": cast.city.slug, "heading": "Between", "after": first.pk})
    assert response.status_code == 201 and response.json()["number"] == 2
    between = response.json()["id"]
    moved = cast.lead_api.post(f"/agreements/{a.pk}/clauses/{between}/move",
                               {"acting_for": cast.city.slug, "direction": "up"})
    assert moved.status_code == 200 and moved.json()["number"] == 1
    assert cast.lead_api.delete(f"/agreements/{a.pk}/clauses/{second.pk}?acting_for={cast.city.slug}"
                                ).status_code == 204
    headings = [c["heading"] for c in cast.lead_api.get(f"/agreements/{a.pk}").json()["clauses"]]
    assert headings == ["Between", "Clause 1"]
    again = cast.lead_api.delete(f"/agreements/{a.pk}/clauses/{second.pk}?acting_for={cast.city.slug}")
    assert again.status_code == 404
    bad = cast.lead_api.post(f"/agreements/{a.pk}/clauses", {"acting_for": cast.city.slug, "heading": "X",
                                                              "after": 2**31 - 1})
    assert bad.status_code == 400 and "after" in bad.json()["errors"]


def test_only_the_drafting_lead_edits_clauses_directly(cast):
    a = cast.agreement()
    c = clauses_of(a)[0]
    response = cast.charity_api.put(f"/agreements/{a.pk}/clauses/{c.pk}", {
        "acting_for": cast.charity.slug, "heading": "Ours", "body": "Ours", "expected_revision": c.revision})
    assert response.status_code == 403
    assert "drafting lead" in response.json()["detail"]
    response = cast.charity_api.delete(f"/agreements/{a.pk}/clauses/{c.pk}?acting_for={cast.charity.slug}")
    assert response.status_code == 403
    c.refresh_from_db()
    assert c.heading == "Clause 1" and c.deleted_at is None


def test_a_second_save_on_an_old_revision_is_refused_with_both_texts(cast):
    a = cast.agreement()
    c = clauses_of(a)[0]
    opened = c.revision
    first = cast.lead_api.put(f"/agreements/{a.pk}/clauses/{c.pk}", {
        "acting_for": cast.city.slug, "heading": "Purpose", "body": "Their text.", "expected_revision": opened})
    assert first.status_code == 200 and first.json()["revision"] == opened + 1
    second = cast.lead_api.put(f"/agreements/{a.pk}/clauses/{c.pk}", {
        "acting_for": cast.city.slug, "heading": "Aim", "body": "My text.", "expected_revision": opened})
    assert second.status_code == 409
    body = second.json()
    assert "Nothing was overwritten" in body["detail"]
    assert body["theirs"] == {"heading": "Purpose", "body": "Their text.", "revision": opened + 1}
    assert body["yours"] == {"heading": "Aim", "body": "My text.", "revision": opened}
    c.refresh_from_db()
    assert c.body == "Their text."
    merged = cast.lead_api.put(f"/agreements/{a.pk}/clauses/{c.pk}", {
        "acting_for": cast.city.slug, "heading": "Purpose", "body": "Their text. My text.",
        "expected_revision": body["theirs"]["revision"]})
    assert merged.status_code == 200 and merged.json()["body"] == "Their text. My text."


# --- comments ---------------------------------------------------------------------------------

def test_comment_on_a_passage_reply_and_resolve(cast):
    a = cast.agreement()
    c = clauses_of(a)[0]
    url = f"/agreements/{a.pk}/clauses/{c.pk}/comments"
    response = cast.charity_api.post(url, {"acting_for": cast.charity.slug, "body": "Which kitchen?",
                                           "quote": "a kitchen"})
    assert response.status_code == 201, response.content
    thread = response.json()
    assert thread["quote"] == "a kitchen" and thread["quote_start"] == c.body.index("a kitchen")
    assert thread["acting_for"]["slug"] == cast.charity.slug

    missing = cast.charity_api.post(url, {"acting_for": cast.charity.slug, "body": "?", "quote": "not there"})
    assert missing.status_code == 400 and "quote" in missing.json()["errors"]

    reply = cast.lead_api.post(url, {"acting_for": cast.city.slug, "body": "The one on Main Street.",
                                     "parent": thread["id"]})
    assert reply.status_code == 201 and reply.json()["parent_id"] == thread["id"]

    other = clauses_of(a)[1]
    wrong_clause = cast.lead_api.post(f"/agreements/{a.pk}/clauses/{other.pk}/comments",
                                      {"acting_for": cast.city.slug, "body": "Hm", "parent": thread["id"]})
    assert wrong_clause.status_code == 400
    elsewhere = cast.agreement(title="Other")
    foreign = cast.lead_api.post(url, {"acting_for": cast.city.slug, "body": "Hm",
                                       "parent": Comment.objects.create(
                                           clause=clauses_of(elsewhere)[0], author=cast.lead,
                                           acting_for=cast.city, body="x").pk})
    assert foreign.status_code == 400 and "parent" in foreign.json()["errors"]

    assert cast.lead_api.post(f"/comments/{reply.json()['id']}/resolve",
                              {"acting_for": cast.city.slug}).status_code == 400
    resolved = cast.lead_api.post(f"/comments/{thread['id']}/resolve", {"acting_for": cast.city.slug})
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]
    listed = cast.charity_api.get(url).json()
    assert [x["id"] for x in listed["items"]] == [thread["id"], reply.json()["id"]]
    assert cast.charity_api.get(url, resolved="false").json()["count"] == 1
    detail = cast.charity_api.get(f"/agreements/{a.pk}").json()
    assert detail["clauses"][0]["comment_count"] == 2 and detail["clauses"][0]["open_thread_count"] == 0


def test_outsiders_cannot_comment(cast):
    a = cast.agreement()
    c = clauses_of(a)[0]
    public = Cast(visibility="public", name="Open Streets")
    pa = public.agreement()
    publish(pa.partnership, "drafts")
    pc = clauses_of(pa)[0]
    # A partner in another partnership can read a public agreement, but is not a party to it.
    response = cast.charity_api.post(f"/agreements/{pa.pk}/clauses/{pc.pk}/comments",
                                     {"acting_for": cast.charity.slug, "body": "Nice"})
    assert response.status_code == 403 and "not a party" in response.json()["detail"]
    assert cast.charity_api.post(f"/agreements/{a.pk}/clauses/{c.pk}/comments",
                                 {"acting_for": cast.charity.slug, "body": ""}).status_code == 400


# --- amendments -------------------------------------------------------------------------------

def test_propose_and_accept_or_reject_amendments(cast):
    a = cast.agreement()
    c = clauses_of(a)[0]
    response = cast.charity_api.post(f"/agreements/{a.pk}/amendments", {
        "acting_for": cast.charity.slug, "kind": "replace", "clause": c.pk,
        "body": "The parties run **two** kitchens together.", "rationale": "We have two sites."})
    assert response.status_code == 201, response.content
    am = response.json()
    assert am["status"] == "proposed" and am["clause_revision"] == c.revision

    assert cast.charity_api.post(f"/amendments/{am['id']}/decide", {
        "acting_for": cast.charity.slug, "accept": True, "reason": "Mine"}).status_code == 403
    no_reason = cast.lead_api.post(f"/amendments/{am['id']}/decide",
                                   {"acting_for": cast.city.slug, "accept": True, "reason": " "})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    accepted = cast.lead_api.post(f"/amendments/{am['id']}/decide",
                                  {"acting_for": cast.city.slug, "accept": True, "reason": "Agreed."})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    c.refresh_from_db()
    assert c.body == "The parties run **two** kitchens together."

    insert = cast.charity_api.post(f"/agreements/{a.pk}/amendments", {
        "acting_for": cast.charity.slug, "kind": "insert", "heading": "Hygiene", "body": "Clean."}).json()
    rejected = cast.lead_api.post(f"/amendments/{insert['id']}/decide",
                                  {"acting_for": cast.city.slug, "accept": False, "reason": "Covered by law."})
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_reason"] == "Covered by law."
    twice = cast.lead_api.post(f"/amendments/{insert['id']}/decide",
                               {"acting_for": cast.city.slug, "accept": True, "reason": "Changed my mind."})
    assert twice.status_code == 400
    listed = cast.lead_api.get(f"/agreements/{a.pk}/amendments").json()
    assert listed["count"] == 2
    assert cast.lead_api.get(f"/agreements/{a.pk}/amendments", status="rejected").json()["count"] == 1


def test_an_amendment_to_a_changed_clause_is_stale(cast):
    a = cast.agreement()
    c = clauses_of(a)[0]
    am = cast.charity_api.post(f"/agreements/{a.pk}/amendments", {
        "acting_for": cast.charity.slug, "kind": "replace", "clause": c.pk, "body": "New."}).json()
    services.clause_update(actor=cast.lead, clause=c, acting_for=cast.city, heading=c.heading, body="Edited.",
                           expected_revision=c.revision)
    response = cast.lead_api.post(f"/amendments/{am['id']}/decide",
                                  {"acting_for": cast.city.slug, "accept": True, "reason": "Fine."})
    assert response.status_code == 409 and "changed after this amendment" in response.json()["detail"]
    assert Amendment.objects.get(pk=am["id"]).status == "proposed"


def test_an_amendment_to_a_frozen_version_is_refused(cast):
    a = cast.sent()
    c = clauses_of(a)[0]
    response = cast.charity_api.post(f"/agreements/{a.pk}/amendments", {
        "acting_for": cast.charity.slug, "kind": "replace", "clause": c.pk, "body": "Late change."})
    assert response.status_code == 400
    assert "its text is frozen" in response.json()["detail"]
    assert not Amendment.objects.filter(agreement=a).exists()
    edit = cast.lead_api.put(f"/agreements/{a.pk}/clauses/{c.pk}", {
        "acting_for": cast.city.slug, "heading": "X", "body": "Y", "expected_revision": c.revision})
    assert edit.status_code == 400 and "frozen" in edit.json()["detail"]


# --- positions and signature blockers ------------------------------------------------------------

def test_an_objection_blocks_signature_until_withdrawn(cast):
    a = cast.agreement()
    c = clauses_of(a)[0]
    url = f"/agreements/{a.pk}/clauses/{c.pk}/position"
    no_reason = cast.charity_api.put(url, {"acting_for": cast.charity.slug, "stance": "object"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    objected = cast.charity_api.put(url, {"acting_for": cast.charity.slug, "stance": "object",
                                          "reason": "Too vague."})
    assert objected.status_code == 200 and objected.json()["stance"] == "object"
    detail = cast.lead_api.get(f"/agreements/{a.pk}").json()
    assert any("objects to clause" in b for b in detail["blockers"])
    row = next(r for r in detail["open_items"] if r["organisation"]["slug"] == cast.charity.slug)
    assert row["objections"] == [c.pk]
    refused = cast.lead_api.post(f"/agreements/{a.pk}/send-for-signature", {"acting_for": cast.city.slug})
    assert refused.status_code == 400
    assert any("Too vague." in m for m in refused.json()["errors"]["__all__"])

    assert cast.charity_api.put(url, {"acting_for": cast.charity.slug, "stance": "live_with"}).status_code == 200
    sent = cast.lead_api.post(f"/agreements/{a.pk}/send-for-signature", {"acting_for": cast.city.slug})
    assert sent.status_code == 200, sent.content
    assert sent.json()["for_signature"] is True
    assert {s["status"] for s in sent.json()["signatures"]} == {"pending"}


# --- commitments ------------------------------------------------------------------------------

def test_record_list_and_remove_commitments(cast):
    a = cast.agreement()
    c = clauses_of(a)[1]
    body = {"acting_for": cast.charity.slug, "clause": c.pk, "party": cast.charity.slug, "kind": "volunteer_hours",
            "description": "Kitchen volunteers", "quantity": "500", "unit": "hours",
            "period_start": "2031-01-01", "period_end": "2031-12-31"}
    response = cast.charity_api.post(f"/agreements/{a.pk}/commitments", body)
    assert response.status_code == 201, response.content
    assert response.json()["quantity"] == "500.00" and response.json()["party"]["slug"] == cast.charity.slug
    others = cast.charity_api.post(f"/agreements/{a.pk}/commitments", {**body, "party": cast.city.slug})
    assert others.status_code == 403
    backwards = cast.charity_api.post(f"/agreements/{a.pk}/commitments",
                                      {**body, "period_start": "2032-01-01"})
    assert backwards.status_code == 400 and "period_end" in backwards.json()["errors"]
    assert cast.charity_api.post(f"/agreements/{a.pk}/commitments", {**body, "quantity": "-1"}).status_code == 400
    assert cast.charity_api.post(f"/agreements/{a.pk}/commitments", {**body, "quantity": "1.005"}).status_code == 422
    assert cast.charity_api.post(f"/agreements/{a.pk}/commitments",
                                 {**body, "period_start": "0001-01-01"}).status_code == 422
    money = cast.lead_api.post(f"/agreements/{a.pk}/commitments", {
        **body, "acting_for": cast.city.slug, "party": cast.city.slug, "kind": "money",
        "description": "Equipment", "quantity": 12500.5, "unit": "CAD"})
    assert money.status_code == 201 and money.json()["quantity"] == "12500.50"

    listed = cast.lead_api.get(f"/agreements/{a.pk}/commitments").json()
    assert [m["party"]["slug"] for m in listed["items"]] == [cast.city.slug, cast.charity.slug]  # by name
    assert cast.lead_api.get(f"/agreements/{a.pk}/commitments", party=cast.city.slug).json()["count"] == 1
    detail = cast.lead_api.get(f"/agreements/{a.pk}").json()
    assert len(detail["clauses"][1]["commitments"]) == 2

    mid = response.json()["id"]
    assert cast.charity_api.delete(f"/commitments/{money.json()['id']}?acting_for={cast.charity.slug}"
                                   ).status_code == 403
    assert cast.charity_api.delete(f"/commitments/{mid}?acting_for={cast.charity.slug}").status_code == 204
    assert Commitment.objects.get(pk=mid).deleted_at is not None
    assert cast.charity_api.delete(f"/commitments/{mid}?acting_for={cast.charity.slug}").status_code == 404


# --- versions and redlines ------------------------------------------------------------------------

def test_rounds_versions_and_a_word_level_redline(cast):
    a = cast.agreement(bodies=("The parties run a kitchen together.",))
    response = cast.lead_api.post(f"/agreements/{a.pk}/rounds", {"acting_for": cast.city.slug})
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 1
    a.refresh_from_db()
    assert a.status == AgreementStatus.NEGOTIATING
    c = clauses_of(a)[0]
    services.clause_update(actor=cast.lead, clause=c, acting_for=cast.city, heading=c.heading,
                           body="The parties run two kitchens together.", expected_revision=c.revision)

    version = cast.lead_api.get(f"/agreements/{a.pk}/versions/1").json()
    assert version["fingerprint"] == hashlib.sha256(version["canonical_text"].encode("utf-8")).hexdigest()
    assert "The parties run a kitchen together." in version["canonical_text"]
    assert version["snapshot"]["clauses"][0]["heading"] == "Clause 1"
    assert cast.lead_api.get(f"/agreements/{a.pk}/versions/2").status_code == 404

    diff = cast.lead_api.get(f"/agreements/{a.pk}/diff", **{"from": "1", "to": "draft"})
    assert diff.status_code == 200, diff.content
    body = diff.json()
    assert body["from"] == "1" and body["to"] == "draft" and body["changes"] == 2
    changed = [(s["op"], s["text"].strip()) for s in body["segments"] if s["op"] != "equal"]
    assert changed == [("delete", "a kitchen"), ("insert", "two kitchens")]
    assert "".join(s["text"] for s in body["segments"] if s["op"] != "insert") == version["canonical_text"]
    assert cast.lead_api.get(f"/agreements/{a.pk}/diff").json()["segments"] == body["segments"]  # the default

    cast.lead_api.post(f"/agreements/{a.pk}/rounds", {"acting_for": cast.city.slug})
    between = cast.lead_api.get(f"/agreements/{a.pk}/diff", **{"from": "1", "to": "2"}).json()
    assert between["segments"] == body["segments"]
    listed = cast.lead_api.get(f"/agreements/{a.pk}/versions").json()
    assert [v["number"] for v in listed["items"]] == [2, 1]

    unknown = cast.lead_api.get(f"/agreements/{a.pk}/diff", **{"from": "7", "to": "draft"})
    assert unknown.status_code == 400 and list(unknown.json()["errors"]) == ["from"]
    assert cast.lead_api.get(f"/agreements/{a.pk}/diff", to="latest").status_code == 422


def test_there_is_no_draft_to_compare_once_the_text_is_frozen(cast):
    a = cast.sent()
    response = cast.lead_api.get(f"/agreements/{a.pk}/diff", **{"from": "1", "to": "draft"})
    assert response.status_code == 400 and "to" in response.json()["errors"]
    assert cast.lead_api.get(f"/agreements/{a.pk}/diff").json()["changes"] == 0
    fresh = cast.agreement(title="Fresh")
    assert cast.lead_api.get(f"/agreements/{fresh.pk}/diff").status_code == 400


# --- signatures -------------------------------------------------------------------------------

def sign_body(org, a, **extra):
    return {"acting_for": org.slug, "fingerprint": a.signature_version.fingerprint, "otp": totp_code(), **extra}


def test_every_party_signs_and_the_agreement_comes_into_force(cast):
    a = cast.sent()
    response = cast.signer_api(cast.city).post(f"/agreements/{a.pk}/sign",
                                               sign_body(cast.city, a, signer_role="Mayor"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["signature"]["status"] == "signed" and body["signature"]["signer_role"] == "Mayor"
    assert body["signature"]["fingerprint"] == a.signature_version.fingerprint
    assert body["agreement"]["status"] == "awaiting_signatures"
    response = cast.signer_api(cast.charity).post(f"/agreements/{a.pk}/sign", sign_body(cast.charity, a))
    assert response.status_code == 200, response.content
    assert response.json()["agreement"]["status"] == "in_force"
    detail = cast.lead_api.get(f"/agreements/{a.pk}").json()
    assert detail["in_force_version"]["fingerprint"] == a.signature_version.fingerprint
    assert {s["status"] for s in detail["signatures"]} == {"signed"}


def test_someone_who_is_not_a_signatory_cannot_sign(cast):
    a = cast.sent()
    response = cast.lead_api.post(f"/agreements/{a.pk}/sign", sign_body(cast.city, a))
    assert response.status_code == 403
    assert "Only an authorised signatory" in response.json()["detail"]
    # Signing for another party is refused too.
    response = cast.signer_api(cast.charity).post(f"/agreements/{a.pk}/sign", sign_body(cast.city, a))
    assert response.status_code == 403
    assert not Signature.objects.filter(status=SignatureStatus.SIGNED).exists()


def test_a_stale_fingerprint_is_refused_with_409(cast):
    a = cast.sent()
    response = cast.signer_api(cast.city).post(f"/agreements/{a.pk}/sign",
                                               sign_body(cast.city, a, fingerprint="0" * 64))
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["fingerprint"]
    assert "different text" in response.json()["detail"]
    assert not Signature.objects.filter(status=SignatureStatus.SIGNED).exists()


def test_signing_twice_is_refused(cast):
    a = cast.sent()
    client = cast.signer_api(cast.city)
    assert client.post(f"/agreements/{a.pk}/sign", sign_body(cast.city, a)).status_code == 200
    again = client.post(f"/agreements/{a.pk}/sign", sign_body(cast.city, a))
    assert again.status_code == 400
    assert "already signed" in again.json()["detail"]


def test_a_wrong_or_reused_code_is_refused_and_nothing_is_signed(cast):
    a = cast.sent()
    client = cast.signer_api(cast.city)
    response = client.post(f"/agreements/{a.pk}/sign", sign_body(cast.city, a, otp=wrong_code()))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["otp"]
    sig = Signature.objects.get(version=a.signature_version, organisation=cast.city)
    assert sig.status == SignatureStatus.PENDING
    # A code works once: replaying one that was used elsewhere is refused.
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    code = totp_code(TOTP_SECRET)
    assert TOTP(Authenticator.objects.get(user=cast.signers[cast.city.pk])).validate_code(code)
    replay = client.post(f"/agreements/{a.pk}/sign", sign_body(cast.city, a, otp=code))
    assert replay.status_code == 400 and "otp" in replay.json()["errors"]
    sig.refresh_from_db()
    assert sig.status == SignatureStatus.PENDING


def test_repeated_wrong_codes_lock_signing_for_a_while(cast):
    a = cast.sent()
    client = cast.signer_api(cast.city)
    for _ in range(5):
        assert client.post(f"/agreements/{a.pk}/sign",
                           sign_body(cast.city, a, otp=wrong_code())).status_code == 400
    locked = client.post(f"/agreements/{a.pk}/sign", sign_body(cast.city, a))
    assert locked.status_code == 429 and "Too many wrong codes" in locked.json()["detail"]
    cache.clear()
    assert client.post(f"/agreements/{a.pk}/sign", sign_body(cast.city, a)).status_code == 200


def test_signing_needs_two_factor_authentication(cast):
    a = cast.sent()
    no_mfa = make_person()
    add_role(cast.charity, no_mfa, "signatory")
    response = ApiClient(token_for(no_mfa)).post(f"/agreements/{a.pk}/sign", sign_body(cast.charity, a))
    assert response.status_code == 403 and "two-factor" in response.json()["detail"]


def test_declining_sends_the_agreement_back_to_negotiation(cast):
    a = cast.sent()
    client = cast.signer_api(cast.charity)
    no_reason = client.post(f"/agreements/{a.pk}/decline", {"acting_for": cast.charity.slug, "reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    response = client.post(f"/agreements/{a.pk}/decline", {"acting_for": cast.charity.slug,
                                                           "reason": "Our board has not approved it."})
    assert response.status_code == 200, response.content
    assert response.json()["signature"]["status"] == "declined"
    assert response.json()["agreement"]["status"] == "negotiating"
    late = cast.signer_api(cast.city).post(f"/agreements/{a.pk}/sign", sign_body(cast.city, a))
    assert late.status_code == 400 and "not waiting for signatures" in late.json()["detail"]


# --- review, variation, ending ------------------------------------------------------------------

def test_vary_review_and_end_an_agreement_in_force(cast):
    a = cast.in_force()
    var = cast.lead_api.post(f"/agreements/{a.pk}/variation", {"acting_for": cast.city.slug})
    assert var.status_code == 201, var.content
    assert var.json()["variation_of_id"] == a.pk and var.json()["status"] == "negotiating"
    assert [c["body"] for c in var.json()["clauses"]] == [c.body for c in clauses_of(a)]
    assert cast.lead_api.post(f"/agreements/{a.pk}/variation", {"acting_for": cast.city.slug}).status_code == 400
    assert cast.lead_api.get(f"/agreements/{a.pk}").json()["status"] == "in_force"

    review = cast.lead_api.post(f"/agreements/{a.pk}/reviews", {
        "acting_for": cast.city.slug, "proposed_outcome": "continue",
        "closes_at": (timezone.now() + dt.timedelta(days=7)).isoformat(), "rationale": "A year on.",
        "next_review_date": "2032-06-01"})
    assert review.status_code == 201, review.content
    assert review.json()["decision_id"] and review.json()["outcome"] == ""
    detail = cast.lead_api.get(f"/agreements/{a.pk}").json()
    assert detail["status"] == "under_review" and detail["reviews"][0]["id"] == review.json()["id"]
    assert detail["variations"][0]["id"] == var.json()["id"]

    assert cast.charity_api.post(f"/agreements/{a.pk}/end", {
        "acting_for": cast.charity.slug, "how": "terminated", "reason": "x"}).status_code == 403
    ended = cast.lead_api.post(f"/agreements/{a.pk}/end", {"acting_for": cast.city.slug, "how": "terminated",
                                                           "reason": "The programme closed."})
    assert ended.status_code == 200, ended.content
    assert ended.json()["status"] == "terminated" and ended.json()["end_reason"] == "The programme closed."

    draft = cast.agreement(title="Abandoned idea")
    abandoned = cast.lead_api.post(f"/agreements/{draft.pk}/end", {"acting_for": cast.city.slug,
                                                                   "how": "abandoned", "reason": "No funding."})
    assert abandoned.json()["status"] == "terminated"


def test_only_an_agreement_in_force_can_be_reviewed(cast):
    a = cast.agreement()
    response = cast.lead_api.post(f"/agreements/{a.pk}/reviews", {
        "acting_for": cast.city.slug, "proposed_outcome": "vary",
        "closes_at": (timezone.now() + dt.timedelta(days=7)).isoformat()})
    assert response.status_code == 400 and "in force" in response.json()["detail"]


# --- documents and verification --------------------------------------------------------------------

def verify_raw(client: ApiClient, data: bytes, content_type: str = "application/octet-stream"):
    headers = {"Authorization": f"Bearer {client.key}"} if client.key else {}
    return client.client.post(f"{BASE}/agreements/verify", data=data, content_type=content_type, headers=headers)


def verify_upload(client: ApiClient, data: bytes, name: str = "agreement.pdf"):
    headers = {"Authorization": f"Bearer {client.key}"} if client.key else {}
    return client.client.post(f"{BASE}/agreements/verify", data={"file": SimpleUploadedFile(name, data)},
                              headers=headers)


def test_download_the_pdf_and_verify_it(cast, api):
    a = cast.in_force()
    response = cast.charity_api.get(f"/agreements/{a.pk}/versions/1/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"agreement-{a.pk}-v1.pdf" in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")

    ok = verify_upload(cast.charity_api, pdf)
    assert ok.status_code == 200, ok.content
    assert ok.json()["ok"] is True and ok.json()["code"] == "ok"
    assert ok.json()["agreement_id"] == a.pk and ok.json()["version"] == 1
    assert verify_raw(cast.charity_api, pdf, "application/pdf").json()["ok"] is True

    altered = bytearray(pdf)
    altered[len(pdf) // 2] ^= 0x01
    bad = verify_upload(cast.charity_api, bytes(altered))
    assert bad.status_code == 200 and bad.json()["ok"] is False and bad.json()["message"]

    text = cast.charity_api.get(f"/agreements/{a.pk}/versions/1").json()["canonical_text"].encode("utf-8")
    assert verify_raw(cast.charity_api, text, "text/plain").json()["ok"] is True
    changed = verify_raw(cast.charity_api, text.replace(b"kitchen", b"canteen"), "text/plain").json()
    assert changed["ok"] is False

    # Anyone may ask; the agreement is named only to those who may see it.
    anonymous = verify_upload(api, pdf).json()
    assert anonymous["ok"] is True and anonymous["agreement_id"] is None and anonymous["version"] is None
    reader = ApiClient(token_for(admin_of(cast.charity), scope="read"))
    assert verify_upload(reader, pdf).json()["agreement_id"] == a.pk

    empty = verify_raw(cast.charity_api, b"")
    assert empty.status_code == 400 and "file" in empty.json()["errors"]
    unrelated = verify_upload(cast.charity_api, b"Just some notes", name="notes.txt").json()
    assert unrelated["ok"] is False


# --- read-only tokens ---------------------------------------------------------------------------

def test_a_read_only_token_is_refused_on_every_write(cast):
    a = cast.agreement()
    c = clauses_of(a)[0]
    reader = ApiClient(token_for(cast.lead, scope="read"))
    assert reader.get(f"/agreements/{a.pk}").status_code == 200
    writes = [
        ("post", f"/partnerships/{cast.p.slug}/agreements", {"acting_for": cast.city.slug, "title": "T",
                                                             "kind": "mou", "parties": [cast.charity.slug]}),
        ("post", f"/agreements/{a.pk}/clauses", {"acting_for": cast.city.slug, "heading": "New"}),
        ("put", f"/agreements/{a.pk}/clauses/{c.pk}", {"acting_for": cast.city.slug, "heading": "H", "body": "B",
                                                       "expected_revision": c.revision}),
        ("put", f"/agreements/{a.pk}/clauses/{c.pk}/position", {"acting_for": cast.city.slug, "stance": "agree"}),
        ("post", f"/agreements/{a.pk}/clauses/{c.pk}/comments", {"acting_for": cast.city.slug, "body": "Hi"}),
        ("post", f"/agreements/{a.pk}/rounds", {"acting_for": cast.city.slug}),
        ("post", f"/agreements/{a.pk}/send-for-signature", {"acting_for": cast.city.slug}),
    ]
    for method, path, body in writes:
        response = getattr(reader, method)(path, body)
        assert response.status_code == 403, path
        assert "can only read" in response.json()["detail"]
    response = reader.delete(f"/agreements/{a.pk}/clauses/{c.pk}?acting_for={cast.city.slug}")
    assert response.status_code == 403
    c.refresh_from_db()
    assert c.heading == "Clause 1" and c.deleted_at is None
    assert not a.versions.exists() and not Comment.objects.exists()


# --- the cut-and-paste advice ---------------------------------------------------------------------

def test_the_drafting_lead_is_told_when_a_draft_copies_another_agreement(cast):
    from joinery.agreements import similarity

    words = ("Each party shares its kitchen with the other on weekdays from nine until five, keeps the "
             "equipment clean and reports any breakage within two working days to the coordinator.")
    elsewhere = Cast(name="Westside")
    original = elsewhere.agreement(title="Westside kitchen", bodies=(words,))
    copy = cast.agreement(title="Copied kitchen", bodies=(words,))
    similarity.reset_cache()
    for x in (original, copy):
        similarity.update_fingerprint(x)
    try:
        response = cast.lead_api.get(f"/agreements/{copy.pk}/similar")
        assert response.status_code == 200, response.content
        [match] = response.json()
        assert match["score"] == 1.0
        # The other agreement is in a private partnership this person cannot see: it stays unnamed.
        assert match["agreement_id"] is None and match["title"] is None and match["partnership"] is None
        assert match["shared_clauses"][0]["clause"] == "Clause 1"
        assert match["shared_clauses"][0]["other_clause"] is None
        mine = elsewhere.lead_api.get(f"/agreements/{original.pk}/similar").json()
        assert mine[0]["agreement_id"] is None
        refused = cast.charity_api.get(f"/agreements/{copy.pk}/similar")
        assert refused.status_code == 403 and "drafting lead" in refused.json()["detail"]
    finally:
        similarity.reset_cache()


# --- query counts ------------------------------------------------------------------------------

def count_queries(client: ApiClient, path: str, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **query)
    assert response.status_code == 200, response.content
    return len(captured)


def _grow(cast: Cast, a, n: int) -> None:
    """n more clauses, each with a comment, a reply, a position, a commitment and an amendment."""
    for i in range(n):
        c = services.clause_add(actor=cast.lead, agreement=a, acting_for=cast.city, heading=f"Extra {i}",
                                body=f"Extra clause number {i}.")
        cm = services.comment_add(actor=cast.lead, clause=c, acting_for=cast.city, body="Why?")
        services.comment_add(actor=admin_of(cast.charity), clause=c, acting_for=cast.charity, body="Because.",
                             parent=cm)
        services.clause_position_record(actor=admin_of(cast.charity), clause=c, acting_for=cast.charity,
                                        stance="agree")
        services.commitment_add(actor=cast.lead, clause=c, acting_for=cast.city, party=cast.charity,
                                kind="money", description="Funds", quantity=10, unit="CAD",
                                period_start=dt.date(2031, 1, 1), period_end=dt.date(2031, 12, 31))
        services.amendment_propose(actor=admin_of(cast.charity), agreement=a, acting_for=cast.charity,
                                   kind="replace", clause=c, body=f"Better text {i}.")
        services.agreement_new_round(actor=cast.lead, agreement=a, acting_for=cast.city)
    # And another agreement in the same partnership, per round.
    for i in range(n):
        cast.agreement(title=f"Another {n}-{i}")


@pytest.mark.parametrize("path", [
    "/partnerships/{slug}/agreements", "/agreements", "/agreements/{a}", "/agreements/{a}/amendments",
    "/agreements/{a}/commitments", "/agreements/{a}/versions", "/agreements/{a}/clauses/{c}/comments",
])
def test_reads_cost_the_same_number_of_queries_however_many_rows(cast, path):
    a = cast.agreement()
    first = clauses_of(a)[0]
    for i in range(3):
        cm = services.comment_add(actor=cast.lead, clause=first, acting_for=cast.city, body=f"Note {i}")
        services.comment_resolve(actor=cast.lead, comment=cm, acting_for=cast.city)
    url = path.format(slug=cast.p.slug, a=a.pk, c=first.pk)
    _grow(cast, a, 2)
    few = count_queries(cast.lead_api, url, limit=100)
    _grow(cast, a, 5)
    for i in range(5):
        services.comment_add(actor=cast.lead, clause=first, acting_for=cast.city, body=f"More {i}")
    many = count_queries(cast.lead_api, url, limit=100)
    assert many == few, f"{few} queries for a few rows, {many} for more"


# --- the OpenAPI description, with real ids ------------------------------------------------------------

@pytest.mark.django_db
def test_agreement_operations_conform_to_the_description_with_real_ids(wsgi_app):
    """Schemathesis over the agreement operations, with real ids so requests reach past the 404s."""
    from collections import Counter

    import schemathesis

    cast = Cast()
    person = cast.lead
    add_role(cast.city, person, "signatory")
    draft = cast.agreement(title="Draft")
    services.agreement_new_round(actor=person, agreement=draft, acting_for=cast.city)
    clause = clauses_of(draft)[0]
    comment = services.comment_add(actor=person, clause=clause, acting_for=cast.city, body="Note",
                                   quote="kitchen")
    amendment = services.amendment_propose(actor=admin_of(cast.charity), agreement=draft,
                                           acting_for=cast.charity, kind="replace", clause=clause, body="New.")
    commitment = services.commitment_add(actor=person, clause=clause, acting_for=cast.city, party=cast.city,
                                         kind="money", description="Funds", quantity=5, unit="CAD",
                                         period_start=dt.date(2031, 1, 1), period_end=dt.date(2031, 2, 1))
    sent = cast.sent(title="Sent")
    in_force = cast.in_force(title="In force")
    key = token_for(person)
    known = {
        "slug": [cast.p.slug],
        "agreement_id": [draft.pk, sent.pk, in_force.pk],
        "clause_id": [clause.pk, clauses_of(sent)[0].pk],
        "comment_id": [comment.pk],
        "amendment_id": [amendment.pk],
        "commitment_id": [commitment.pk],
        "number": [1],
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if "agreements" in (op.definition.raw.get("tags") or [])]
    assert len(operations) >= 30
    cases = {"count": 0}
    statuses: dict[str, Counter] = {}
    for operation in operations:
        test_schemathesis.run_operation(operation, known, key, cases, statuses)
    print(f"\nschemathesis (agreements, real ids): {cases['count']} cases over {len(operations)} operations")
    for label, counter in statuses.items():
        print(f"  {label}: {dict(sorted(counter.items()))}")
    assert sum(c[s] for c in statuses.values() for s in c if 200 <= s < 300) >= len(operations)
