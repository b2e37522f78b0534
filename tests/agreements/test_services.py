"""The agreements domain, driven through its services as the web, the API and the CLI drive it.

The cast: Eastside Municipality (a public body, the drafting lead), Eastside Food Bank and
Eastside Foundation are parties; Westside Trust is a partner in the partnership but not a
party to the agreement. Each party has an authorised signatory with two-factor authentication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from joinery.agreements import services, tasks
from joinery.agreements.models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    Amendment,
    AmendmentStatus,
    Clause,
    ClausePosition,
    Comment,
    Commitment,
    Review,
    Signature,
    SignatureStatus,
)
from joinery.agreements.services import ClauseConflict
from joinery.audit.models import AuditEvent
from joinery.core.exceptions import MFARequired, PermissionDenied, ValidationError
from joinery.network import services as network
from joinery.network.models import Decision, DecisionKind, DecisionStatus
from joinery.notifications.models import Notification, NotificationKind
from joinery.organisations.services import representative_hand_over
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person

pytestmark = pytest.mark.django_db


# --- the cast and helpers -------------------------------------------------------------------

@dataclass
class Cast:
    p: object
    city: object
    charity: object
    funder: object
    outsider: object
    signer: dict

    @property
    def parties(self):
        return [self.city, self.charity, self.funder]

    @property
    def lead(self):
        return admin_of(self.city)


def build_cast(rule: str = "consensus", quorum=None) -> Cast:
    city = make_organisation(name="Eastside Municipality", sector="public", level="local")
    charity = make_organisation(name="Eastside Food Bank")
    funder = make_organisation(name="Eastside Foundation")
    outsider = make_organisation(name="Westside Trust")
    p = make_partnership(convener=city, partners=[charity, funder, outsider], rule=rule, quorum=quorum,
                         name="Eastside Renewal")
    signer = {}
    for org in (city, charity, funder):
        signer[org.pk] = make_person(mfa=True, name=f"Signatory of {org.name}")
        add_role(org, signer[org.pk], "signatory")
    return Cast(p=p, city=city, charity=charity, funder=funder, outsider=outsider, signer=signer)


@pytest.fixture
def c(db) -> Cast:
    return build_cast()


def create(c: Cast, *, template: str = "", title: str = "Shared plan", **kwargs) -> Agreement:
    return services.agreement_create(actor=c.lead, partnership=c.p, acting_for=c.city, title=title,
                                     kind="partnering", parties=[c.charity, c.funder], template=template, **kwargs)


def add(c: Cast, a: Agreement, heading: str, body: str = "We agree.", **kwargs) -> Clause:
    return services.clause_add(actor=c.lead, agreement=a, acting_for=c.city, heading=heading, body=body, **kwargs)


def edit(c: Cast, clause: Clause, body: str, heading: str | None = None) -> Clause:
    clause.refresh_from_db()
    return services.clause_update(actor=c.lead, clause=clause, acting_for=c.city, heading=heading or clause.heading,
                                  body=body, expected_revision=clause.revision)


def drafted(c: Cast, **kwargs) -> tuple[Agreement, list[Clause]]:
    """An agreement with two clauses that have text: ready to send for signature."""
    a = create(c, **kwargs)
    return a, [add(c, a, "Purpose", "To feed Eastside."), add(c, a, "Roles", "The City convenes.")]


def send(c: Cast, a: Agreement) -> AgreementVersion:
    return services.agreement_send_for_signature(actor=c.lead, agreement=a, acting_for=c.city)


def sign(c: Cast, a: Agreement, org, fingerprint: str | None = None) -> Signature:
    a.refresh_from_db()
    fp = fingerprint if fingerprint is not None else a.signature_version.fingerprint
    return services.agreement_sign(actor=c.signer[org.pk], agreement=a, acting_for=org, fingerprint=fp)


def in_force(c: Cast, **kwargs) -> Agreement:
    a, _clauses = drafted(c, **kwargs)
    send(c, a)
    for org in c.parties:
        sign(c, a, org)
    a.refresh_from_db()
    assert a.status == AgreementStatus.IN_FORCE
    return a


def commit(c: Cast, clause: Clause, org, party=None, quantity=1000, **kwargs) -> Commitment:
    fields = dict(kind="money", description="Core funding", unit="CAD", period_start=dt.date(2027, 1, 1),
                  period_end=dt.date(2027, 12, 31))
    fields.update(kwargs)
    return services.commitment_add(actor=admin_of(org), clause=clause, acting_for=org, party=party or org,
                                   quantity=quantity, **fields)


def actions(a: Agreement | None = None) -> list[str]:
    qs = AuditEvent.objects.order_by("id")
    if a is not None:
        qs = qs.filter(partnership=a.partnership)
    return list(qs.values_list("action", flat=True))


class NothingWritten:
    """Asserts that a refused call left no audit event and no row behind."""

    MODELS = (AuditEvent, Agreement, Clause, Comment, Amendment, ClausePosition, Commitment, AgreementVersion,
              Signature, Review, Decision, Notification)

    def __enter__(self):
        self.before = self._counts()
        return self

    def __exit__(self, *exc):
        assert self._counts() == self.before
        return False

    def _counts(self):
        return {m.__name__: m.objects.count() for m in self.MODELS}


# --- creating an agreement ------------------------------------------------------------------

def test_a_blank_agreement_is_a_draft_among_the_parties_led_by_its_creator(c):
    a = create(c, review_date=dt.date(2028, 1, 1))
    assert a.status == AgreementStatus.DRAFT and a.is_editable
    assert a.drafting_lead == c.city
    assert set(a.parties.values_list("organisation", flat=True)) == {o.pk for o in c.parties}
    assert not services.live_clauses(a).exists()
    event = AuditEvent.objects.get(action="agreement.created")
    assert (event.actor, event.acting_for, event.partnership) == (c.lead, c.city, c.p)
    # The other parties hear about it; the creator does not.
    told = set(Notification.objects.filter(kind=NotificationKind.AGREEMENT).values_list("recipient", flat=True))
    assert admin_of(c.charity).pk in told and c.signer[c.funder.pk].pk in told
    assert c.lead.pk not in told


def test_a_template_gives_empty_clauses_with_guiding_questions(c):
    a = create(c, template="mou")
    clauses = list(services.live_clauses(a))
    assert [cl.heading for cl in clauses] == ["Purpose and shared vision", "Roles and responsibilities",
                                             "Decision-making", "Dispute resolution",
                                             "Review, variation and termination"]
    assert all(cl.body == "" and cl.guidance for cl in clauses)
    assert "achieve together" in clauses[0].guidance
    assert [cl.position for cl in clauses] == [10, 20, 30, 40, 50]
    assert a.template == "mou"


@pytest.mark.parametrize(("change", "field"), [
    ({"title": "  "}, "title"),
    ({"kind": "treaty"}, "kind"),
    ({"template": "boilerplate"}, "template"),
    ({"language": "xx"}, "language"),
    ({"review_date": dt.date(2028, 1, 1), "expiry_date": dt.date(2027, 1, 1)}, "expiry_date"),
])
def test_creating_with_bad_input_is_refused_and_writes_nothing(c, change, field):
    fields = dict(title="Shared plan", kind="partnering", template="", parties=[c.charity])
    fields.update(change)
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=c.lead, partnership=c.p, acting_for=c.city, **fields)
    assert field in exc.value.message_dict


def test_parties_must_be_partners_and_at_least_two_and_include_the_lead(c):
    stranger = make_organisation(name="Not A Partner")
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=c.lead, partnership=c.p, acting_for=c.city, title="T", kind="mou",
                                  parties=[stranger])
    assert "Not A Partner" in exc.value.message_dict["parties"][0]
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=c.lead, partnership=c.p, acting_for=c.city, title="T", kind="mou",
                                  parties=[])
    assert "at least two parties" in exc.value.message_dict["parties"][0]
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=c.lead, partnership=c.p, acting_for=c.city, title="T", kind="mou",
                                  parties=[c.charity], drafting_lead=c.funder)
    assert "drafting_lead" in exc.value.message_dict
    assert not Agreement.objects.exists()


def test_another_party_can_be_the_drafting_lead(c):
    a = create(c, drafting_lead=c.charity)
    assert a.drafting_lead == c.charity
    add_clause = services.clause_add(actor=admin_of(c.charity), agreement=a, acting_for=c.charity, heading="Purpose")
    assert add_clause.heading == "Purpose"
    with pytest.raises(PermissionDenied, match="drafting lead"):
        add(c, a, "Roles")


def test_only_an_administrator_or_coordinator_of_a_partner_starts_an_agreement(c):
    member = make_person(mfa=True)
    add_role(c.charity, member, "member")
    with NothingWritten(), pytest.raises(PermissionDenied):
        services.agreement_create(actor=member, partnership=c.p, acting_for=c.charity, title="T", kind="mou",
                                  parties=[c.city])
    stranger = make_organisation(name="Not A Partner")
    with pytest.raises(PermissionDenied, match="not a partner"):
        services.agreement_create(actor=admin_of(stranger), partnership=c.p, acting_for=stranger, title="T",
                                  kind="mou", parties=[c.city])


def test_a_representative_of_a_public_body_without_mfa_is_refused(c):
    coordinator = make_person(mfa=False)
    add_role(c.city, coordinator, "coordinator")
    with NothingWritten(), pytest.raises(MFARequired):
        services.agreement_create(actor=coordinator, partnership=c.p, acting_for=c.city, title="T", kind="mou",
                                  parties=[c.charity])
    a, (purpose, _roles) = drafted(c)
    with pytest.raises(MFARequired):
        services.clause_update(actor=coordinator, clause=purpose, acting_for=c.city, heading="Purpose", body="x",
                               expected_revision=purpose.revision)
    # A charity's representative need not have MFA to draft.
    volunteer = make_person(mfa=False)
    add_role(c.charity, volunteer, "member")
    services.comment_add(actor=volunteer, clause=purpose, acting_for=c.charity, body="Good start")


# --- clauses --------------------------------------------------------------------------------

def test_the_lead_adds_updates_moves_and_deletes_clauses(c):
    a = create(c)
    first = add(c, a, "Purpose")
    third = add(c, a, "Funding")
    second = add(c, a, "Roles", after=first)
    assert [cl.heading for cl in services.live_clauses(a)] == ["Purpose", "Roles", "Funding"]
    assert [cl.position for cl in services.live_clauses(a)] == [10, 20, 30]

    updated = edit(c, second, "The City convenes.")
    assert (updated.body, updated.revision) == ("The City convenes.", 2)

    services.clause_move(actor=c.lead, clause=third, acting_for=c.city, direction="up")
    assert [cl.heading for cl in services.live_clauses(a)] == ["Purpose", "Funding", "Roles"]
    services.clause_move(actor=c.lead, clause=first, acting_for=c.city, direction="up")  # already first: no-op
    assert [cl.heading for cl in services.live_clauses(a)] == ["Purpose", "Funding", "Roles"]

    services.clause_delete(actor=c.lead, clause=first, acting_for=c.city)
    assert [(cl.heading, cl.position) for cl in services.live_clauses(a)] == [("Funding", 10), ("Roles", 20)]
    assert Clause.objects.get(pk=first.pk).deleted_at is not None  # kept, for the history
    assert actions(a).count("clause.added") == 3
    assert {"clause.updated", "clause.moved", "clause.deleted"} <= set(actions(a))
    assert actions(a).count("clause.moved") == 1  # the no-op move records nothing


def test_only_the_drafting_lead_edits_clauses_directly(c):
    a, (purpose, _roles) = drafted(c)
    charity_admin = admin_of(c.charity)
    with NothingWritten():
        with pytest.raises(PermissionDenied, match="Only the drafting lead"):
            services.clause_add(actor=charity_admin, agreement=a, acting_for=c.charity, heading="Mine")
        with pytest.raises(PermissionDenied, match="Only the drafting lead"):
            services.clause_update(actor=charity_admin, clause=purpose, acting_for=c.charity, heading="Purpose",
                                   body="Mine", expected_revision=purpose.revision)
        with pytest.raises(PermissionDenied):
            services.clause_delete(actor=charity_admin, clause=purpose, acting_for=c.charity)
        # Someone who is not the city's representative cannot claim to act for it.
        with pytest.raises(PermissionDenied):
            services.clause_add(actor=charity_admin, agreement=a, acting_for=c.city, heading="Mine")


def test_a_clause_needs_a_heading(c):
    a, (purpose, _roles) = drafted(c)
    with pytest.raises(ValidationError) as exc:
        add(c, a, "   ")
    assert "heading" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.clause_update(actor=c.lead, clause=purpose, acting_for=c.city, heading="", body="x",
                               expected_revision=purpose.revision)


def test_saving_the_same_text_again_changes_nothing(c):
    a, (purpose, _roles) = drafted(c)
    before = actions(a)
    same = services.clause_update(actor=c.lead, clause=purpose, acting_for=c.city, heading="Purpose",
                                  body="To feed Eastside.", expected_revision=purpose.revision)
    assert same.revision == purpose.revision
    assert actions(a) == before


def test_two_edits_from_the_same_revision_never_overwrite_each_other(c):
    a, (purpose, _roles) = drafted(c)
    opened = purpose.revision
    services.clause_update(actor=c.lead, clause=purpose, acting_for=c.city, heading="Purpose",
                           body="First editor's text.", expected_revision=opened)
    coordinator = make_person(mfa=True)
    add_role(c.city, coordinator, "coordinator")
    with NothingWritten(), pytest.raises(ClauseConflict) as exc:
        services.clause_update(actor=coordinator, clause=purpose, acting_for=c.city, heading="Our purpose",
                               body="Second editor's text.", expected_revision=opened)
    conflict = exc.value
    assert conflict.code == "conflict"
    assert (conflict.theirs_heading, conflict.theirs_body) == ("Purpose", "First editor's text.")
    assert (conflict.yours_heading, conflict.yours_body) == ("Our purpose", "Second editor's text.")
    assert "Nothing was overwritten" in conflict.messages[0]
    purpose.refresh_from_db()
    assert purpose.body == "First editor's text." and purpose.revision == opened + 1
    # The merge is saved on the current revision.
    merged = services.clause_update(actor=coordinator, clause=purpose, acting_for=c.city, heading="Our purpose",
                                    body="Merged text.", expected_revision=conflict.clause.revision)
    assert merged.body == "Merged text."


def test_markdown_in_a_clause_is_stored_exactly_as_typed(c):
    a = create(c)
    body = "**Bold** and <script>alert('x')</script> and <b onclick=\"x()\">raw</b>\n\n- a list  \n"
    clause = add(c, a, "Purpose", body)
    clause.refresh_from_db()
    assert clause.body == body  # neutralised when rendered, not when stored


def test_deleting_a_clause_removes_its_commitments(c):
    a, (purpose, roles) = drafted(c)
    m = commit(c, roles, c.funder)
    services.clause_delete(actor=c.lead, clause=roles, acting_for=c.city)
    m.refresh_from_db()
    assert m.deleted_at is not None
    assert "Core funding" not in services.canonical_text(services.snapshot_of(a))


def test_deleting_from_a_stale_copy_does_not_move_the_revision_backwards(c):
    a, (purpose, _roles) = drafted(c)
    stale = Clause.objects.get(pk=purpose.pk)
    edit(c, purpose, "Changed once.")
    edit(c, purpose, "Changed twice.")
    services.clause_delete(actor=c.lead, clause=stale, acting_for=c.city)
    purpose.refresh_from_db()
    assert purpose.deleted_at is not None and purpose.revision == 4
    with pytest.raises(ValidationError, match="deleted"):
        services.clause_delete(actor=c.lead, clause=purpose, acting_for=c.city)
    with pytest.raises(ValidationError, match="deleted"):
        services.clause_move(actor=c.lead, clause=purpose, acting_for=c.city, direction="up")


# --- comments -------------------------------------------------------------------------------

def test_any_party_comments_on_a_clause_and_replies_and_resolves(c):
    a, (purpose, _roles) = drafted(c)
    thread = services.comment_add(actor=admin_of(c.charity), clause=purpose, acting_for=c.charity,
                                  body="  Who is Eastside?  ")
    assert thread.body == "Who is Eastside?" and thread.quote == "" and thread.quote_start is None
    reply = services.comment_add(actor=admin_of(c.funder), clause=purpose, acting_for=c.funder,
                                 body="The three wards.", parent=thread)
    assert list(thread.replies.all()) == [reply]
    with pytest.raises(ValidationError, match="first comment"):
        services.comment_resolve(actor=c.lead, comment=reply, acting_for=c.city)
    services.comment_resolve(actor=c.lead, comment=thread, acting_for=c.city)
    thread.refresh_from_db()
    assert thread.resolved_at is not None and thread.resolved_by == c.lead
    services.comment_resolve(actor=c.lead, comment=thread, acting_for=c.city)  # again: nothing more
    assert actions(a).count("comment.added") == 2
    assert actions(a).count("comment.resolved") == 1


def test_a_comment_on_a_selected_passage_records_the_quote_and_its_offsets(c):
    a = create(c)
    clause = add(c, a, "Purpose", "The parties will feed Eastside together.")
    by_quote = services.comment_add(actor=admin_of(c.charity), clause=clause, acting_for=c.charity,
                                    body="Which parties?", quote="feed Eastside")
    assert (by_quote.quote, by_quote.quote_start, by_quote.quote_end) == ("feed Eastside", 17, 30)
    by_offsets = services.comment_add(actor=admin_of(c.charity), clause=clause, acting_for=c.charity,
                                      body="Define", quote="parties", quote_start=4, quote_end=11)
    assert (by_offsets.quote_start, by_offsets.quote_end) == (4, 11)


@pytest.mark.parametrize(("quote", "start", "end", "message"), [
    ("starve Eastside", None, None, "not in the clause"),
    ("parties", 0, 7, "does not match"),
    ("parties", -36, -29, "does not match"),  # the same characters, counted from the end
    ("parties", 4, None, "does not match"),
    ("parties", 4, 400, "does not match"),
])
def test_a_passage_must_match_the_clause_text(c, quote, start, end, message):
    a = create(c)
    clause = add(c, a, "Purpose", "The parties will feed Eastside together.")
    with NothingWritten(), pytest.raises(ValidationError, match=message):
        services.comment_add(actor=admin_of(c.charity), clause=clause, acting_for=c.charity, body="?",
                             quote=quote, quote_start=start, quote_end=end)


def test_comments_are_refused_from_outsiders_empty_or_across_clauses_and_once_in_force(c):
    a, (purpose, roles) = drafted(c)
    with NothingWritten():
        with pytest.raises(PermissionDenied, match="not a party"):
            services.comment_add(actor=admin_of(c.outsider), clause=purpose, acting_for=c.outsider, body="Hi")
        with pytest.raises(ValidationError):
            services.comment_add(actor=admin_of(c.charity), clause=purpose, acting_for=c.charity, body="  ")
    thread = services.comment_add(actor=admin_of(c.charity), clause=purpose, acting_for=c.charity, body="Hi")
    with pytest.raises(ValidationError, match="same clause"):
        services.comment_add(actor=admin_of(c.charity), clause=roles, acting_for=c.charity, body="Re", parent=thread)
    send(c, a)
    services.comment_add(actor=admin_of(c.charity), clause=purpose, acting_for=c.charity, body="Still reading")
    for org in c.parties:
        sign(c, a, org)
    purpose.refresh_from_db()
    with pytest.raises(ValidationError, match="Comments are closed"):
        services.comment_add(actor=admin_of(c.charity), clause=purpose, acting_for=c.charity, body="Late")


# --- amendments -----------------------------------------------------------------------------

def propose(c, a, org, **kwargs):
    return services.amendment_propose(actor=admin_of(org), agreement=a, acting_for=org, **kwargs)


def decide(c, amendment, accept, reason="Agreed at the meeting"):
    return services.amendment_decide(actor=c.lead, amendment=amendment, acting_for=c.city, accept=accept,
                                     reason=reason)


def test_an_accepted_replacement_changes_the_clause(c):
    a, (purpose, _roles) = drafted(c)
    am = propose(c, a, c.charity, kind="replace", clause=purpose, body="To feed and house Eastside.",
                 rationale="Housing too")
    assert am.status == AmendmentStatus.PROPOSED and am.clause_revision == purpose.revision
    assert Notification.objects.filter(recipient=c.lead, title__startswith="Amendment proposed").exists()
    decide(c, am, accept=True)
    purpose.refresh_from_db()
    assert purpose.body == "To feed and house Eastside." and purpose.heading == "Purpose"
    am.refresh_from_db()
    assert (am.status, am.decided_by, am.decision_reason) == (AmendmentStatus.ACCEPTED, c.lead,
                                                              "Agreed at the meeting")
    assert actions(a)[-3:] == ["amendment.proposed", "clause.updated", "amendment.accepted"]
    assert Notification.objects.filter(recipient=admin_of(c.charity), title__contains="was accepted").exists()


def test_an_accepted_insertion_adds_a_clause_where_proposed(c):
    a, (purpose, roles) = drafted(c)
    after_purpose = propose(c, a, c.funder, kind="insert", clause=purpose, heading="Funding",
                            body="The Foundation funds the kitchen.")
    at_the_end = propose(c, a, c.funder, kind="insert", heading="Risk", body="We share risks.")
    decide(c, after_purpose, accept=True)
    decide(c, at_the_end, accept=True)
    assert [cl.heading for cl in services.live_clauses(a)] == ["Purpose", "Funding", "Roles", "Risk"]


def test_an_accepted_deletion_removes_the_clause_and_its_commitments(c):
    a, (purpose, roles) = drafted(c)
    m = commit(c, roles, c.funder)
    roles.refresh_from_db()
    am = propose(c, a, c.charity, kind="delete", clause=roles, rationale="Not needed")
    assert am.clause_revision == roles.revision == 2
    decide(c, am, accept=True)
    assert [cl.heading for cl in services.live_clauses(a)] == ["Purpose"]
    m.refresh_from_db()
    assert m.deleted_at is not None


def test_a_rejected_amendment_keeps_the_text(c):
    a, (purpose, _roles) = drafted(c)
    am = propose(c, a, c.charity, kind="replace", clause=purpose, body="Something else")
    decide(c, am, accept=False, reason="Out of scope")
    purpose.refresh_from_db()
    assert purpose.body == "To feed Eastside." and purpose.revision == 1
    am.refresh_from_db()
    assert (am.status, am.decision_reason) == (AmendmentStatus.REJECTED, "Out of scope")
    assert "amendment.rejected" in actions(a)
    with pytest.raises(ValidationError, match="already rejected"):
        decide(c, am, accept=True)


@pytest.mark.parametrize("accept", [True, False])
def test_deciding_an_amendment_needs_a_reason(c, accept):
    a, (purpose, _roles) = drafted(c)
    am = propose(c, a, c.charity, kind="replace", clause=purpose, body="Something else")
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        decide(c, am, accept=accept, reason="  ")
    assert "reason" in exc.value.message_dict
    am.refresh_from_db()
    assert am.status == AmendmentStatus.PROPOSED


def test_only_the_drafting_lead_decides_amendments(c):
    a, (purpose, _roles) = drafted(c)
    am = propose(c, a, c.charity, kind="replace", clause=purpose, body="Something else")
    with pytest.raises(PermissionDenied, match="drafting lead"):
        services.amendment_decide(actor=admin_of(c.charity), amendment=am, acting_for=c.charity, accept=True,
                                  reason="I like it")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "rewrite"}, "kind"),
    ({"kind": "replace"}, "clause"),
    ({"kind": "delete"}, "clause"),
    ({"kind": "insert", "heading": " "}, "heading"),
    ({"kind": "replace", "clause": "purpose", "body": "To feed Eastside."}, "body"),
])
def test_a_malformed_amendment_is_refused(c, kwargs, field):
    a, (purpose, _roles) = drafted(c)
    if kwargs.get("clause") == "purpose":
        kwargs = {**kwargs, "clause": purpose}
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        propose(c, a, c.charity, **kwargs)
    assert field in exc.value.message_dict


def test_an_amendment_from_an_outsider_or_on_another_agreements_clause_is_refused(c):
    a, (purpose, _roles) = drafted(c)
    other, (other_purpose, _) = drafted(c, title="Another plan")
    with pytest.raises(PermissionDenied, match="not a party"):
        propose(c, a, c.outsider, kind="insert", heading="Ours")
    with pytest.raises(ValidationError) as exc:
        propose(c, a, c.charity, kind="replace", clause=other_purpose, body="x")
    assert "clause" in exc.value.message_dict


def test_an_amendment_to_a_frozen_version_is_refused(c):
    a, (purpose, _roles) = drafted(c)
    pending = propose(c, a, c.charity, kind="replace", clause=purpose, body="Late idea")
    decide(c, pending, accept=False, reason="Later")
    send(c, a)
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        propose(c, a, c.charity, kind="replace", clause=purpose, body="Too late")
    assert exc.value.code == "frozen"
    assert "frozen" in exc.value.messages[0]


def test_an_amendment_whose_clause_changed_since_is_refused_on_accept(c):
    a, (purpose, roles) = drafted(c)
    replace = propose(c, a, c.charity, kind="replace", clause=purpose, body="Proposed on the old text")
    delete = propose(c, a, c.charity, kind="delete", clause=roles)
    edit(c, purpose, "The lead rewrote it meanwhile.")
    edit(c, roles, "The lead rewrote this too.")
    for am in (replace, delete):
        with NothingWritten(), pytest.raises(ValidationError, match="changed after") as exc:
            decide(c, am, accept=True)
        assert exc.value.code == "stale"
    purpose.refresh_from_db()
    assert purpose.body == "The lead rewrote it meanwhile."
    decide(c, replace, accept=False, reason="Overtaken by the new text")  # it can still be rejected


def test_accepting_a_replacement_of_a_deleted_clause_is_refused(c):
    a, (purpose, _roles) = drafted(c)
    am = propose(c, a, c.charity, kind="replace", clause=purpose, body="New")
    services.clause_delete(actor=c.lead, clause=purpose, acting_for=c.city)
    with pytest.raises(ValidationError, match="deleted"):
        decide(c, am, accept=True)


# --- positions ------------------------------------------------------------------------------

def position(c, clause, org, stance, reason=""):
    return services.clause_position_record(actor=admin_of(org), clause=clause, acting_for=org, stance=stance,
                                           reason=reason)


def test_each_party_records_one_position_per_clause(c):
    a, (purpose, _roles) = drafted(c)
    position(c, purpose, c.charity, "agree")
    position(c, purpose, c.funder, "live_with")
    changed = position(c, purpose, c.charity, "live_with")
    assert ClausePosition.objects.filter(clause=purpose).count() == 2
    assert changed.stance == "live_with" and changed.clause_revision == purpose.revision
    event = AuditEvent.objects.filter(action="clause_position.recorded").first()  # newest first
    assert (event.before, event.after["stance"]) == ({"stance": "agree", "reason": ""}, "live_with")


def test_an_objection_needs_a_reason_and_blocks_signature_until_withdrawn(c):
    a, (purpose, roles) = drafted(c)
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        position(c, purpose, c.funder, "object")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        position(c, purpose, c.funder, "shrug")
    position(c, purpose, c.funder, "object", "Eastside is too narrow")
    position(c, roles, c.charity, "object", "We convene too")
    blockers = services.signature_blockers(a)
    assert "Eastside Foundation objects to clause “Purpose”: Eastside is too narrow" in blockers
    assert "Eastside Food Bank objects to clause “Roles”: We convene too" in blockers
    assert [p.organisation for p in services.open_objections(a)] == [c.funder, c.charity]

    with NothingWritten(), pytest.raises(ValidationError) as exc:
        send(c, a)
    assert {e.code for e in exc.value.error_list} == {"not_settled"}
    assert any("Eastside Foundation objects" in m for m in exc.value.messages)

    position(c, purpose, c.funder, "live_with")
    services.clause_delete(actor=c.lead, clause=roles, acting_for=c.city)  # an objection to a deleted clause lapses
    assert services.signature_blockers(a) == []
    send(c, a)
    a.refresh_from_db()
    assert a.status == AgreementStatus.AWAITING_SIGNATURES


def test_positions_from_outsiders_or_once_frozen_are_refused(c):
    a, (purpose, _roles) = drafted(c)
    with pytest.raises(PermissionDenied, match="not a party"):
        position(c, purpose, c.outsider, "agree")
    send(c, a)
    with pytest.raises(ValidationError) as exc:
        position(c, purpose, c.charity, "object", "Too late")
    assert exc.value.code == "frozen"


def test_empty_clauses_and_pending_amendments_also_block_signature(c):
    a = create(c, template="mou")
    assert services.signature_blockers(a)[0] == "Clause “Purpose and shared vision” has no text yet."
    for clause in services.live_clauses(a):
        edit(c, clause, "Agreed text.")
    clause = services.live_clauses(a).first()
    propose(c, a, c.charity, kind="replace", clause=clause, body="Better text.")
    assert services.signature_blockers(a) == ["Some proposed amendments have not been accepted or rejected."]
    assert services.signature_blockers(create(c)) == ["The agreement has no clauses."]


# --- commitments ----------------------------------------------------------------------------

def test_a_party_records_its_own_commitment_and_the_lead_records_any(c):
    a, (purpose, roles) = drafted(c)
    own = commit(c, roles, c.funder, quantity="25000.50", kind="money", unit="CAD")
    assert own.quantity == Decimal("25000.50") and own.party == c.funder
    by_lead = services.commitment_add(actor=c.lead, clause=roles, acting_for=c.city, party=c.charity,
                                      kind="volunteer_hours", description="Kitchen volunteers", quantity=500,
                                      unit="hours", period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 6, 30))
    assert by_lead.party == c.charity
    roles.refresh_from_db()
    assert roles.revision == 3  # each commitment changes the clause
    text = services.canonical_text(services.snapshot_of(a))
    assert "- Commitment: Eastside Foundation — money — 25000.50 CAD — 2027-01-01..2027-12-31 — Core funding" in text
    assert actions(a).count("commitment.added") == 2
    services.commitment_remove(actor=admin_of(c.funder), commitment=own, acting_for=c.funder)
    assert "Eastside Foundation — money" not in services.canonical_text(services.snapshot_of(a))
    assert "commitment.removed" in actions(a)


def test_a_party_cannot_commit_another_party_or_an_outsider(c):
    a, (purpose, roles) = drafted(c)
    with NothingWritten():
        with pytest.raises(PermissionDenied, match="its own commitments"):
            commit(c, roles, c.charity, party=c.funder)
        with pytest.raises(PermissionDenied, match="not a party"):
            commit(c, roles, c.outsider)
        with pytest.raises(ValidationError) as exc:
            services.commitment_add(actor=c.lead, clause=roles, acting_for=c.city, party=c.outsider, kind="money",
                                    description="x", quantity=1, unit="CAD", period_start=dt.date(2027, 1, 1),
                                    period_end=dt.date(2027, 1, 2))
        assert "Westside Trust is not a party" in exc.value.message_dict["party"][0]
    own = commit(c, roles, c.funder)
    with pytest.raises(PermissionDenied, match="its own commitments"):
        services.commitment_remove(actor=admin_of(c.charity), commitment=own, acting_for=c.charity)


@pytest.mark.parametrize(("change", "field"), [
    ({"quantity": -5}, "quantity"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": "lots"}, "quantity"),
    ({"quantity": "NaN"}, "quantity"),
    ({"kind": "goodwill"}, "kind"),
    ({"unit": " "}, "unit"),
    ({"description": ""}, "description"),
    ({"period_start": dt.date(2027, 12, 31), "period_end": dt.date(2027, 1, 1)}, "period_end"),
])
def test_a_bad_commitment_is_refused(c, change, field):
    a, (purpose, roles) = drafted(c)
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        commit(c, roles, c.funder, **change)
    assert field in exc.value.message_dict
    roles.refresh_from_db()
    assert roles.revision == 1


def test_a_commitment_on_a_deleted_clause_is_refused(c):
    a, (purpose, roles) = drafted(c)
    services.clause_delete(actor=c.lead, clause=roles, acting_for=c.city)
    with pytest.raises(ValidationError, match="deleted"):
        commit(c, roles, c.funder)


# --- versions -------------------------------------------------------------------------------

def test_a_new_round_freezes_a_version_with_the_sha256_of_its_canonical_text(c):
    a, (purpose, roles) = drafted(c)
    commit(c, roles, c.funder)
    v1 = services.agreement_new_round(actor=c.lead, agreement=a, acting_for=c.city)
    a.refresh_from_db()
    assert a.status == AgreementStatus.NEGOTIATING
    assert v1.number == 1 and not v1.for_signature
    assert v1.fingerprint == hashlib.sha256(v1.canonical_text.encode("utf-8")).hexdigest()
    assert v1.canonical_text == services.canonical_text(v1.snapshot)
    assert v1.canonical_text.startswith("Shared plan\n[partnering] [en]\n"
                                        "Parties: Eastside Food Bank; Eastside Foundation; Eastside Municipality\n")
    assert "1. Purpose\nTo feed Eastside.\n\n2. Roles\nThe City convenes.\n- Commitment: Eastside Foundation" \
        in v1.canonical_text

    edit(c, purpose, "To feed all of Eastside.")
    v2 = services.agreement_new_round(actor=c.lead, agreement=a, acting_for=c.city)
    assert v2.number == 2 and v2.fingerprint != v1.fingerprint
    v1.refresh_from_db()
    assert "To feed Eastside." in v1.canonical_text  # the old version is untouched
    assert v1.fingerprint == services.fingerprint_of(services.canonical_text(v1.snapshot))
    # Same text, same fingerprint: the canonical text does not depend on when or by whom.
    v3 = services.agreement_new_round(actor=c.lead, agreement=a, acting_for=c.city)
    assert v3.fingerprint == v2.fingerprint
    assert actions(a).count("agreement.version_frozen") == 3
    assert "agreement.status_changed" in actions(a)


def test_the_canonical_text_ignores_trailing_spaces_and_windows_line_ends(c):
    a = create(c)
    clause = add(c, a, "Purpose", "Line one.   \r\nLine two.\r\n\r\n")
    text = services.canonical_text(services.snapshot_of(a))
    assert "1. Purpose\nLine one.\nLine two.\n" in text
    edit(c, clause, "Line one.\nLine two.")
    assert services.canonical_text(services.snapshot_of(a)) == text


def test_a_new_round_needs_a_clause_and_the_lead(c):
    a = create(c)
    with NothingWritten(), pytest.raises(ValidationError, match="at least one clause"):
        services.agreement_new_round(actor=c.lead, agreement=a, acting_for=c.city)
    add(c, a, "Purpose")
    with pytest.raises(PermissionDenied):
        services.agreement_new_round(actor=admin_of(c.charity), agreement=a, acting_for=c.charity)


# --- sending for signature and signing ------------------------------------------------------

def test_sending_for_signature_freezes_the_text_and_asks_each_partys_signatories(c):
    a, _clauses = drafted(c)
    v = send(c, a)
    a.refresh_from_db()
    assert a.status == AgreementStatus.AWAITING_SIGNATURES and a.signature_version == v and v.for_signature
    sigs = {s.organisation_id: s for s in v.signatures.all()}
    assert set(sigs) == {o.pk for o in c.parties}
    for org in c.parties:
        assert sigs[org.pk].status == SignatureStatus.PENDING
        assert list(sigs[org.pk].requested_from.all()) == [c.signer[org.pk]]
        assert Notification.objects.filter(recipient=c.signer[org.pk], title__startswith="Please sign").exists()
    assert actions(a)[-2:] == ["agreement.version_frozen", "agreement.sent_for_signature"]
    with pytest.raises(ValidationError) as exc:
        send(c, a)
    assert exc.value.code == "frozen"


def test_the_agreement_comes_into_force_only_when_every_party_has_signed_the_same_version(c):
    a, _clauses = drafted(c, review_date=dt.date(2030, 6, 1))
    v = send(c, a)
    first = sign(c, a, c.charity)
    assert (first.status, first.fingerprint, first.signer) == (SignatureStatus.SIGNED, v.fingerprint,
                                                                c.signer[c.charity.pk])
    assert first.signer_name == "Signatory of Eastside Food Bank"
    assert first.signer_role == "Authorised signatory"
    assert first.signed_at is not None
    sign(c, a, c.funder)
    a.refresh_from_db()
    assert a.status == AgreementStatus.AWAITING_SIGNATURES and a.in_force_version is None
    sign(c, a, c.city)
    a.refresh_from_db()
    assert a.status == AgreementStatus.IN_FORCE
    assert a.in_force_version == v and a.in_force_since is not None
    assert set(v.signatures.values_list("status", "fingerprint")) == {(SignatureStatus.SIGNED, v.fingerprint)}
    assert actions(a).count("agreement.signed") == 3
    assert actions(a)[-1] == "agreement.in_force"
    assert Notification.objects.filter(title__endswith="is in force: every party has signed").count() >= 3


def test_the_signer_can_give_their_name_and_role_as_printed(c):
    a, _clauses = drafted(c)
    v = send(c, a)
    sig = services.agreement_sign(actor=c.signer[c.funder.pk], agreement=a, acting_for=c.funder,
                                  fingerprint=v.fingerprint, signer_name=" Dr Ada Lovelace ",
                                  signer_role="Chair of the board")
    assert (sig.signer_name, sig.signer_role) == ("Dr Ada Lovelace", "Chair of the board")


def test_someone_who_is_not_the_organisations_signatory_cannot_sign(c):
    a, _clauses = drafted(c)
    v = send(c, a)
    with NothingWritten(), pytest.raises(PermissionDenied) as exc:
        services.agreement_sign(actor=admin_of(c.charity), agreement=a, acting_for=c.charity,
                                fingerprint=v.fingerprint)
    assert "Only an authorised signatory of Eastside Food Bank can sign" in str(exc.value)
    # Nor can one party's signatory sign for another.
    with pytest.raises(PermissionDenied, match="authorised signatory of Eastside Foundation"):
        services.agreement_sign(actor=c.signer[c.charity.pk], agreement=a, acting_for=c.funder,
                                fingerprint=v.fingerprint)


def test_an_organisation_that_is_not_a_party_cannot_sign(c):
    a, _clauses = drafted(c)
    v = send(c, a)
    signatory = make_person(mfa=True)
    add_role(c.outsider, signatory, "signatory")
    with NothingWritten(), pytest.raises(PermissionDenied, match="Westside Trust is not a party"):
        services.agreement_sign(actor=signatory, agreement=a, acting_for=c.outsider, fingerprint=v.fingerprint)


def test_a_signatory_without_mfa_cannot_sign(c):
    a, _clauses = drafted(c)
    v = send(c, a)
    no_mfa = make_person(mfa=False)
    add_role(c.charity, no_mfa, "signatory")
    with NothingWritten(), pytest.raises(PermissionDenied, match="two-factor"):
        services.agreement_sign(actor=no_mfa, agreement=a, acting_for=c.charity, fingerprint=v.fingerprint)
    # For a public body, the organisation-wide MFA rule refuses first.
    city_no_mfa = make_person(mfa=False)
    add_role(c.city, city_no_mfa, "signatory")
    with pytest.raises(MFARequired):
        services.agreement_sign(actor=city_no_mfa, agreement=a, acting_for=c.city, fingerprint=v.fingerprint)


def test_signing_a_stale_version_is_refused(c):
    a, (purpose, _roles) = drafted(c)
    old = services.agreement_new_round(actor=c.lead, agreement=a, acting_for=c.city)
    edit(c, purpose, "Changed after the round.")
    v = send(c, a)
    assert old.fingerprint != v.fingerprint
    for stale in (old.fingerprint, "0" * 64, ""):
        with NothingWritten(), pytest.raises(ValidationError) as exc:
            sign(c, a, c.charity, fingerprint=stale)
        [error] = exc.value.error_dict["fingerprint"]
        assert error.code == "stale"  # the API answers 409 Conflict
        assert f"version {v.number}" in error.messages[0]


def test_signing_twice_is_refused(c):
    a, _clauses = drafted(c)
    send(c, a)
    sign(c, a, c.charity)
    with NothingWritten(), pytest.raises(ValidationError, match="Eastside Food Bank has already signed"):
        sign(c, a, c.charity)


def test_signing_is_refused_when_nothing_is_out_for_signature(c):
    a, _clauses = drafted(c)
    with pytest.raises(ValidationError, match="not waiting for signatures"):
        services.agreement_sign(actor=c.signer[c.charity.pk], agreement=a, acting_for=c.charity, fingerprint="x")
    a = in_force(c, title="Signed already")
    with pytest.raises(ValidationError, match="not waiting for signatures"):
        sign(c, a, c.charity, fingerprint=a.in_force_version.fingerprint)


def test_declining_returns_to_negotiation_and_voids_the_other_signatures(c):
    a, (purpose, _roles) = drafted(c)
    v1 = send(c, a)
    sign(c, a, c.charity)
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        services.agreement_decline_signature(actor=c.signer[c.funder.pk], agreement=a, acting_for=c.funder,
                                             reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.agreement_decline_signature(actor=admin_of(c.funder), agreement=a, acting_for=c.funder,
                                             reason="Not the signatory")
    declined = services.agreement_decline_signature(actor=c.signer[c.funder.pk], agreement=a,
                                                    acting_for=c.funder, reason="The amount is wrong")
    assert (declined.status, declined.reason) == (SignatureStatus.DECLINED, "The amount is wrong")
    a.refresh_from_db()
    assert a.status == AgreementStatus.NEGOTIATING and a.signature_version is None and a.in_force_version is None
    statuses = dict(v1.signatures.values_list("organisation", "status"))
    assert statuses == {c.charity.pk: SignatureStatus.VOID, c.funder.pk: SignatureStatus.DECLINED,
                        c.city.pk: SignatureStatus.VOID}
    assert "agreement.signature_declined" in actions(a)
    assert Notification.objects.filter(title__contains="declined to sign", body="The amount is wrong").exists()

    # The text can change again; the next round needs every signature afresh.
    edit(c, purpose, "Corrected.")
    v2 = send(c, a)
    assert v2.number == v1.number + 1
    with pytest.raises(ValidationError, match="different text"):
        sign(c, a, c.charity, fingerprint=v1.fingerprint)
    for org in (c.charity, c.funder):
        sign(c, a, org)
    a.refresh_from_db()
    assert a.status == AgreementStatus.AWAITING_SIGNATURES
    sign(c, a, c.city)
    a.refresh_from_db()
    assert a.status == AgreementStatus.IN_FORCE and a.in_force_version == v2


def test_declining_twice_or_after_signing_is_refused(c):
    a, _clauses = drafted(c)
    send(c, a)
    sign(c, a, c.charity)
    with pytest.raises(ValidationError, match="already answered"):
        services.agreement_decline_signature(actor=c.signer[c.charity.pk], agreement=a, acting_for=c.charity,
                                             reason="Changed our mind")


# --- handover -------------------------------------------------------------------------------

def test_a_successor_inherits_the_pending_signature_requests_of_a_signatory_who_leaves(c):
    a, _clauses = drafted(c)
    v = send(c, a)
    leaving = c.signer[c.charity.pk]
    successor = make_person(mfa=True, name="New Director")
    add_role(c.charity, successor, "member")
    signed_elsewhere, _ = drafted(c, title="Already signed by the leaver")
    send(c, signed_elsewhere)
    sign(c, signed_elsewhere, c.charity)

    representative_hand_over(actor=admin_of(c.charity), organisation=c.charity, leaving=leaving,
                             successor=successor, reason="Retired")
    pending = v.signatures.get(organisation=c.charity)
    assert list(pending.requested_from.all()) == [successor]
    assert successor.signature_requests.count() == 1  # the signed one is not passed on
    event = AuditEvent.objects.get(action="signature_request.reassigned")
    assert event.after == {"from": leaving.pk, "to": successor.pk}
    assert event.partnership == c.p
    # The successor holds the signatory role now and can sign; the leaver cannot.
    with pytest.raises(PermissionDenied):
        services.agreement_sign(actor=leaving, agreement=a, acting_for=c.charity, fingerprint=v.fingerprint)
    sig = services.agreement_sign(actor=successor, agreement=a, acting_for=c.charity, fingerprint=v.fingerprint)
    assert sig.signer == successor


# --- variations -----------------------------------------------------------------------------

def test_a_variation_starts_from_the_text_in_force_and_supersedes_it_once_signed(c):
    a, (purpose, roles) = drafted(c, review_date=dt.date(2030, 6, 1))
    commit(c, roles, c.funder, quantity=5000)
    v = send(c, a)
    for org in c.parties:
        sign(c, a, org)
    a.refresh_from_db()

    var = services.agreement_start_variation(actor=admin_of(c.charity), agreement=a, acting_for=c.charity)
    assert var.variation_of == a and var.status == AgreementStatus.NEGOTIATING
    assert var.title == "Shared plan (variation)" and var.drafting_lead == c.city
    assert set(var.parties.values_list("organisation", flat=True)) == {o.pk for o in c.parties}
    assert [(cl.heading, cl.body) for cl in services.live_clauses(var)] == \
        [(cl["heading"], cl["body"]) for cl in v.snapshot["clauses"]]
    [copied] = var.commitments.all()
    assert (copied.party, copied.quantity) == (c.funder, Decimal("5000"))
    # The same text gives the same clauses: only the title differs.
    assert services.snapshot_of(var)["clauses"][1]["commitments"][0]["quantity"] == "5000.00"
    assert "agreement.variation_started" in actions(a)

    with pytest.raises(ValidationError, match="already being drafted"):
        services.agreement_start_variation(actor=c.lead, agreement=a, acting_for=c.city)

    var_purpose = services.live_clauses(var).first()
    edit(c, var_purpose, "To feed and house Eastside.")
    var_v = send(c, var)
    for org in (c.charity, c.funder):
        sign(c, var, org)
    a.refresh_from_db()
    assert a.status == AgreementStatus.IN_FORCE and a.in_force_version == v  # still in force meanwhile
    sign(c, var, c.city)
    a.refresh_from_db()
    var.refresh_from_db()
    assert var.status == AgreementStatus.IN_FORCE and var.in_force_version == var_v
    assert a.status == AgreementStatus.SUPERSEDED and a.ended_at is not None
    assert "Shared plan (variation)" in a.end_reason
    assert a.in_force_version == v  # what was in force stays on the record
    assert "agreement.superseded" in actions(a)


def test_a_declined_variation_leaves_the_original_in_force(c):
    a = in_force(c)
    var = services.agreement_start_variation(actor=c.lead, agreement=a, acting_for=c.city)
    send(c, var)
    services.agreement_decline_signature(actor=c.signer[c.funder.pk], agreement=var, acting_for=c.funder,
                                         reason="No")
    a.refresh_from_db()
    assert a.status == AgreementStatus.IN_FORCE


def test_only_an_agreement_in_force_can_be_varied_by_a_partys_lead_role(c):
    a, _clauses = drafted(c)
    with pytest.raises(ValidationError, match="Only an agreement in force"):
        services.agreement_start_variation(actor=c.lead, agreement=a, acting_for=c.city)
    a = in_force(c, title="In force")
    member = make_person()
    add_role(c.charity, member, "member")
    with pytest.raises(PermissionDenied):
        services.agreement_start_variation(actor=member, agreement=a, acting_for=c.charity)
    with pytest.raises(PermissionDenied, match="not a party"):
        services.agreement_start_variation(actor=admin_of(c.outsider), agreement=a, acting_for=c.outsider)


def test_varying_a_long_title_keeps_within_the_title_length(c):
    a = in_force(c, title="T" * 250)
    var = services.agreement_start_variation(actor=c.lead, agreement=a, acting_for=c.city)
    var.refresh_from_db()
    assert len(var.title) <= 250 and var.title.endswith("(variation)")


# --- reviews --------------------------------------------------------------------------------

def open_review(c, a, outcome="continue", org=None, **kwargs):
    org = org or c.city
    return services.agreement_review_open(actor=admin_of(org), agreement=a, acting_for=org,
                                          proposed_outcome=outcome,
                                          closes_at=timezone.now() + dt.timedelta(days=7), **kwargs)


def close_review(c, review, stances=None):
    """Every partner takes a position (agree unless told), the clock passes closes_at, and it closes."""
    stances = stances or {}
    for org in (c.city, c.charity, c.funder, c.outsider):
        stance, reason = stances.get(org.pk, ("agree", ""))
        network.position_record(actor=admin_of(org), decision=review.decision, acting_for=org, stance=stance,
                                reason=reason)
    Decision.objects.filter(pk=review.decision_id).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    network.decision_close(actor=None, decision=Decision.objects.get(pk=review.decision_id))
    review.refresh_from_db()
    return review


def reminder_rows(a):
    return [r for r in DBTaskResult.objects.filter(task_path=tasks.remind_review.module_path)
            if r.args_kwargs["args"][0] == a.pk]


def test_a_review_is_a_partnership_decision_under_the_charters_rule(db):
    c = build_cast(rule="majority", quorum=2)
    a = in_force(c)
    review = open_review(c, a, "continue", org=c.charity, rationale="A year on")
    d = review.decision
    assert d.kind == DecisionKind.AGREEMENT_REVIEW and d.status == DecisionStatus.OPEN
    assert (d.rule, d.quorum) == ("majority", 2)
    assert d.payload == {"agreement": a.pk, "proposed_outcome": "continue", "next_review_date": None}
    assert d.proposed_for == c.charity and d.background == "A year on"
    assert set(d.participants.values_list("organisation", flat=True)) == {c.city.pk, c.charity.pk, c.funder.pk,
                                                                         c.outsider.pk}
    a.refresh_from_db()
    assert a.status == AgreementStatus.UNDER_REVIEW
    assert "agreement.review_opened" in actions(a)
    with pytest.raises(ValidationError, match="Only an agreement in force"):
        open_review(c, a)


def test_a_review_is_refused_before_the_agreement_is_in_force_or_with_an_unknown_outcome(c):
    a, _clauses = drafted(c)
    with NothingWritten(), pytest.raises(ValidationError, match="Only an agreement in force"):
        open_review(c, a)
    a = in_force(c, title="In force")
    with NothingWritten(), pytest.raises(ValidationError) as exc:
        open_review(c, a, "renegotiate")
    assert "proposed_outcome" in exc.value.message_dict
    with pytest.raises(PermissionDenied, match="not a party"):
        open_review(c, a, org=c.outsider)


def test_a_carried_continue_review_keeps_the_agreement_in_force_with_its_next_review_date(c):
    a = in_force(c, review_date=dt.date(2030, 6, 1))
    next_date = dt.date(2031, 6, 1)
    review = close_review(c, open_review(c, a, "continue", next_review_date=next_date))
    assert review.outcome == "continue" and review.recorded_at is not None
    a.refresh_from_db()
    assert a.status == AgreementStatus.IN_FORCE and a.review_date == next_date
    assert [r.args_kwargs["args"][1] for r in reminder_rows(a)] == ["2030-06-01", "2031-06-01"]
    event = AuditEvent.objects.get(action="agreement.review_recorded")
    assert event.after == {"outcome": "continue", "decision": review.decision_id, "carried": True}
    assert event.actor is None  # recorded by the closing, not by a person


def test_a_carried_terminate_review_terminates_the_agreement(c):
    a = in_force(c)
    review = close_review(c, open_review(c, a, "terminate"))
    assert review.outcome == "terminate"
    a.refresh_from_db()
    assert a.status == AgreementStatus.TERMINATED and a.ended_at is not None
    assert "Terminated by the partners' decision" in a.end_reason


def test_a_carried_vary_review_starts_a_variation_and_the_original_stays_in_force(c):
    a = in_force(c)
    review = close_review(c, open_review(c, a, "vary", org=c.funder))
    assert review.outcome == "vary"
    a.refresh_from_db()
    assert a.status == AgreementStatus.IN_FORCE
    [var] = a.variations.all()
    assert var.status == AgreementStatus.NEGOTIATING
    assert var.created_by == admin_of(c.funder)  # credited to the proposer: the closing has no actor


def test_a_review_that_is_not_carried_means_the_agreement_continues(c):
    a = in_force(c)
    review = close_review(c, open_review(c, a, "terminate"),
                          stances={c.charity.pk: ("object", "We still need it")})
    assert review.decision.outcome == "not_carried"
    assert review.outcome == "continue"
    a.refresh_from_db()
    assert a.status == AgreementStatus.IN_FORCE
    assert AuditEvent.objects.get(action="agreement.review_recorded").after["carried"] is False


def test_an_agreement_that_ends_during_its_review_stays_ended_when_the_review_closes(c):
    a = in_force(c)
    review = open_review(c, a, "continue")
    services.agreement_end(actor=c.lead, agreement=a, acting_for=c.city, how="expired", reason="Funding ended")
    review = close_review(c, review)
    a.refresh_from_db()
    assert a.status == AgreementStatus.EXPIRED
    assert review.outcome == "continue" and review.recorded_at is not None


def test_an_agreement_superseded_during_its_review_stays_superseded(c):
    a = in_force(c)
    review = open_review(c, a, "vary")
    var = services.agreement_start_variation(actor=c.lead, agreement=a, acting_for=c.city)
    send(c, var)
    for org in c.parties:
        sign(c, var, org)
    a.refresh_from_db()
    assert a.status == AgreementStatus.SUPERSEDED
    close_review(c, review)
    a.refresh_from_db()
    assert a.status == AgreementStatus.SUPERSEDED
    assert a.variations.count() == 1  # no second variation of a text no longer in force


def test_a_review_is_recorded_once(c):
    a = in_force(c)
    review = close_review(c, open_review(c, a, "continue"))
    services.apply_review_decision(decision=review.decision, actor=None)
    assert AuditEvent.objects.filter(action="agreement.review_recorded").count() == 1


# --- review reminders -----------------------------------------------------------------------

def test_coming_into_force_enqueues_a_review_reminder_30_days_before_the_review_date(c):
    review_date = timezone.localdate() + dt.timedelta(days=400)
    a = in_force(c, review_date=review_date)
    [row] = reminder_rows(a)
    expected = timezone.make_aware(dt.datetime.combine(review_date - dt.timedelta(days=30), dt.time(9)))
    assert row.run_after == expected
    assert row.args_kwargs["args"] == [a.pk, review_date.isoformat()]
    assert row.status == "READY"


def test_a_review_due_within_30_days_is_reminded_at_once_and_no_date_means_no_reminder(c):
    soon = in_force(c, title="Soon", review_date=timezone.localdate() + dt.timedelta(days=3))
    [row] = reminder_rows(soon)
    assert row.run_after <= timezone.now()
    never = in_force(c, title="No review date")
    assert reminder_rows(never) == []


def test_the_review_reminder_notifies_every_partys_people(c):
    review_date = timezone.localdate() + dt.timedelta(days=20)
    a = in_force(c, review_date=review_date)
    Notification.objects.all().delete()
    sent = tasks.remind_review.call(a.pk, review_date.isoformat())
    assert sent == 6  # an administrator and a signatory for each of three parties
    people = set(Notification.objects.values_list("recipient", flat=True))
    assert people == {admin_of(o).pk for o in c.parties} | {c.signer[o.pk].pk for o in c.parties}
    assert Notification.objects.filter(title=f"Review due on {review_date.isoformat()}: Shared plan").count() == 6
    assert admin_of(c.outsider).pk not in people


def test_a_stale_reminder_does_nothing(c):
    review_date = timezone.localdate() + dt.timedelta(days=20)
    a = in_force(c, review_date=review_date)
    assert services.remind_review(agreement=a, due="1999-01-01") == 0  # the review date moved since
    services.agreement_end(actor=c.lead, agreement=a, acting_for=c.city, how="terminated", reason="Done")
    a.refresh_from_db()
    assert services.remind_review(agreement=a, due=review_date.isoformat()) == 0
    assert tasks.remind_review.call(999999, review_date.isoformat()) == 0


# --- ending ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("how", "status"), [("expired", AgreementStatus.EXPIRED),
                                             ("terminated", AgreementStatus.TERMINATED)])
def test_the_lead_records_expiry_or_termination_with_a_reason(c, how, status):
    a = in_force(c)
    ended = services.agreement_end(actor=c.lead, agreement=a, acting_for=c.city, how=how, reason=" Job done ")
    assert (ended.status, ended.end_reason) == (status, "Job done") and ended.ended_at is not None
    event = AuditEvent.objects.get(action=f"agreement.{how}")
    assert event.before == {"status": "in_force"} and event.after == {"status": status, "reason": "Job done"}
    assert Notification.objects.filter(title__startswith="Shared plan has ended", body="Job done").exists()


def test_a_draft_can_be_abandoned_but_not_expired(c):
    a, _clauses = drafted(c)
    with NothingWritten(), pytest.raises(ValidationError, match="Only an agreement in force"):
        services.agreement_end(actor=c.lead, agreement=a, acting_for=c.city, how="expired", reason="x")
    ended = services.agreement_end(actor=c.lead, agreement=a, acting_for=c.city, how="abandoned",
                                   reason="We chose a different route")
    assert ended.status == AgreementStatus.TERMINATED
    assert "agreement.abandoned" in actions(a)
    b = in_force(c, title="In force")
    with pytest.raises(ValidationError, match="Only a draft"):
        services.agreement_end(actor=c.lead, agreement=b, acting_for=c.city, how="abandoned", reason="x")


def test_ending_needs_a_reason_a_known_way_and_the_lead(c):
    a = in_force(c)
    with NothingWritten():
        with pytest.raises(ValidationError) as exc:
            services.agreement_end(actor=c.lead, agreement=a, acting_for=c.city, how="terminated", reason="  ")
        assert "reason" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.agreement_end(actor=c.lead, agreement=a, acting_for=c.city, how="vanished", reason="x")
        assert "how" in exc.value.message_dict
        with pytest.raises(PermissionDenied, match="drafting lead"):
            services.agreement_end(actor=admin_of(c.charity), agreement=a, acting_for=c.charity,
                                   how="terminated", reason="x")


def test_agreements_past_their_expiry_date_expire(c):
    today = timezone.localdate()
    due = in_force(c, title="Due", expiry_date=today - dt.timedelta(days=1))
    reviewing = in_force(c, title="Due, under review", expiry_date=today - dt.timedelta(days=10))
    open_review(c, reviewing)
    today_expiring = in_force(c, title="Expires today", expiry_date=today)
    draft, _ = drafted(c, title="Draft", expiry_date=today - dt.timedelta(days=1))
    assert services.expire_due_agreements() == 2
    assert tasks.expire_agreements.call() == 0  # nothing left to do
    statuses = {x.title: x.status for x in Agreement.objects.filter(pk__in=[due.pk, reviewing.pk,
                                                                           today_expiring.pk, draft.pk])}
    assert statuses == {"Due": AgreementStatus.EXPIRED, "Due, under review": AgreementStatus.EXPIRED,
                        "Expires today": AgreementStatus.IN_FORCE, "Draft": AgreementStatus.DRAFT}
    due.refresh_from_db()
    assert due.end_reason == "Reached its expiry date"
    event = AuditEvent.objects.filter(action="agreement.expired", object_id=str(due.pk)).get()
    assert event.actor is None and event.after == {"expiry_date": (today - dt.timedelta(days=1)).isoformat()}


# --- audit ----------------------------------------------------------------------------------

def test_the_history_tells_the_story_of_an_agreement(c):
    a, (purpose, roles) = drafted(c)
    services.comment_add(actor=admin_of(c.charity), clause=purpose, acting_for=c.charity, body="Why?")
    am = propose(c, a, c.funder, kind="replace", clause=purpose, body="To feed all of Eastside.")
    decide(c, am, accept=True)
    position(c, purpose, c.charity, "object", "Too broad")
    position(c, purpose, c.charity, "agree")
    commit(c, roles, c.funder)
    services.agreement_new_round(actor=c.lead, agreement=a, acting_for=c.city)
    send(c, a)
    for org in c.parties:
        sign(c, a, org)
    story = actions(a)
    story = story[story.index("agreement.created"):]
    for action in ("clause.added", "comment.added", "amendment.proposed", "clause.updated", "amendment.accepted",
                   "clause_position.recorded", "commitment.added", "agreement.version_frozen",
                   "agreement.status_changed", "agreement.sent_for_signature", "agreement.signed"):
        assert action in story, action
    assert story[-1] == "agreement.in_force"
    signed = AuditEvent.objects.filter(action="agreement.signed", acting_for=c.funder).get()
    assert signed.actor == c.signer[c.funder.pk]
    assert signed.after["fingerprint"] == a.signature_version.fingerprint
    # Every event about this agreement is tied to its partnership, for the history page.
    assert not AuditEvent.objects.filter(object_type__startswith="agreements.", partnership__isnull=True).exists()
