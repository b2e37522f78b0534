"""Property-based tests of the agreement life cycle: hypothesis drives the services at random.

A small fixed cast (a public body leading the drafting, a charity and a funder; each with an
administrator and an authorised signatory, all with two-factor authentication) edits clauses,
proposes and decides amendments, objects and withdraws objections, freezes rounds, sends for
signature, signs with the current or a stale fingerprint, declines, and varies agreements in
force. After every step the invariants below must hold:

- no path signs a version that any party has not seen: every signature is on the version that
  was out for signature at that moment, with that version's fingerprint, and a signature only
  counts while its version is out for signature or in force;
- an agreement is in force if and only if its version in force carries a signature from every
  party, all with the same fingerprint, equal to the version's;
- the text of a frozen version never changes (its canonical text is re-computed from its
  snapshot, and its SHA-256 from that text);
- while an agreement awaits signatures its draft is exactly the version out for signature.

Each hypothesis example runs in its own savepoint, rolled back at the end, so examples never
see each other's rows; the cast is created once per test, outside the examples.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from joinery.agreements import services
from joinery.agreements.models import (
    EDITABLE_STATUSES,
    IN_FORCE_STATUSES,
    Agreement,
    AgreementStatus,
    AgreementVersion,
    Amendment,
    AmendmentStatus,
    Signature,
    SignatureStatus,
)
from joinery.core.exceptions import PermissionDenied, ValidationError
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person

REFUSED = (ValidationError, PermissionDenied)
TEXTS = ["We agree.", "The parties share data monthly.", "**Each** party funds *one* worker.",
         "<script>alert(1)</script> raw", ""]
MAX_AGREEMENTS = 3
REACHED: Counter = Counter()  # statuses seen after a step, to show the machine gets somewhere

org_index = st.integers(min_value=0, max_value=2)
any_index = st.integers(min_value=0, max_value=50)


class Cast:
    def __init__(self):
        self.city = make_organisation(name="Eastside Municipality", sector="public", level="local")
        self.charity = make_organisation(name="Eastside Food Bank")
        self.funder = make_organisation(name="Eastside Foundation")
        self.partnership = make_partnership(convener=self.city, partners=[self.charity, self.funder])
        self.orgs = [self.city, self.charity, self.funder]
        self.admin = {o.pk: admin_of(o) for o in self.orgs}
        self.signatory = {}
        for o in self.orgs:
            self.signatory[o.pk] = make_person(mfa=True, name=f"Signatory of {o.name}")
            add_role(o, self.signatory[o.pk], "signatory")


class AgreementMachine(RuleBasedStateMachine):
    cast: Cast  # set by the test, once

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        try:
            self._setup()
        except BaseException:
            self.teardown()
            raise

    def _setup(self):
        c = self.cast
        self.counter = itertools.count(1)
        a = services.agreement_create(actor=c.admin[c.city.pk], partnership=c.partnership, acting_for=c.city,
                                      title="Shared plan", kind="partnering", parties=[c.charity, c.funder])
        for heading in ("Purpose", "Roles", "Funding"):
            services.clause_add(actor=c.admin[c.city.pk], agreement=a, acting_for=c.city, heading=heading,
                                body="We agree.")
        self.agreement_ids = [a.pk]
        self.frozen: dict[int, tuple[str, str]] = {}  # version id -> (canonical text, fingerprint) when first seen
        self.fingerprints: list[str] = []  # every fingerprint ever frozen, for stale signing attempts

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------------------

    def agreement(self, i, prefer=()) -> Agreement:
        """Agreement number `i`; for an even `i`, one in a `prefer`red status if there is one.

        Rules still reach agreements in every status (to check what must be refused), but
        spend most steps where they can do something.
        """
        preferred = self.with_status(*prefer) if prefer and i % 2 == 0 else []
        if preferred:
            return preferred[(i // 2) % len(preferred)]
        return Agreement.objects.get(pk=self.agreement_ids[i % len(self.agreement_ids)])

    def clause(self, a, j):
        live = list(services.live_clauses(a))
        return live[j % len(live)] if live else None

    def lead(self):
        return self.cast.admin[self.cast.city.pk], self.cast.city

    def with_status(self, *statuses) -> list[Agreement]:
        return list(Agreement.objects.filter(pk__in=self.agreement_ids, status__in=statuses).order_by("pk"))

    def text(self, k) -> str:
        base = TEXTS[k % len(TEXTS)]
        return f"{base} ({next(self.counter)})" if base else ""

    def attempt(self, expected_ok: bool, call):
        """Run a service call; it must succeed exactly when the model expects it to."""
        try:
            result = call()
        except REFUSED as exc:
            assert not expected_ok, f"refused unexpectedly: {exc}"
            return None
        assert expected_ok, "a call the model expected to be refused succeeded"
        return result

    @initialize(start=st.sampled_from(["draft", "awaiting_signatures", "partly_signed", "in_force"]),
                first=org_index)
    def start_from(self, start, first):
        """Begin some examples further along, so signing and variations are reached within a few steps."""
        a = self.agreement(0)
        actor, org = self.lead()
        if start == "draft":
            return
        v = services.agreement_send_for_signature(actor=actor, agreement=a, acting_for=org)
        self.fingerprints.append(v.fingerprint)
        signers = {"awaiting_signatures": [], "partly_signed": [self.cast.orgs[first]],
                   "in_force": self.cast.orgs}[start]
        for o in signers:
            services.agreement_sign(actor=self.cast.signatory[o.pk], agreement=a, acting_for=o,
                                    fingerprint=v.fingerprint)

    # --- rules: drafting -------------------------------------------------------------------

    @rule(i=any_index, j=any_index, k=any_index, stale=st.booleans())
    def edit_clause(self, i, j, k, stale):
        a = self.agreement(i, prefer=EDITABLE_STATUSES)
        clause = self.clause(a, j)
        if clause is None:
            return
        actor, org = self.lead()
        body = self.text(k)
        stale = stale and clause.revision > 1  # the editor opened it before someone else's save
        revision = clause.revision - 1 if stale else clause.revision
        before = (clause.heading, clause.body, clause.revision)
        self.attempt(a.status in EDITABLE_STATUSES and not stale, lambda: services.clause_update(
            actor=actor, clause=clause, acting_for=org, heading=clause.heading, body=body,
            expected_revision=revision))
        clause.refresh_from_db()
        if stale or a.status not in EDITABLE_STATUSES:
            assert (clause.heading, clause.body, clause.revision) == before  # nothing overwritten

    @precondition(lambda self: self.with_status(*EDITABLE_STATUSES))
    @rule(i=any_index, k=any_index)
    def add_clause(self, i, k):
        a = self.agreement(i, prefer=EDITABLE_STATUSES)
        actor, org = self.lead()
        self.attempt(a.status in EDITABLE_STATUSES, lambda: services.clause_add(
            actor=actor, agreement=a, acting_for=org, heading=f"Clause {next(self.counter)}", body=self.text(k)))

    @precondition(lambda self: self.with_status(*EDITABLE_STATUSES))
    @rule(i=any_index, j=any_index, who=org_index, quantity=st.integers(min_value=-2, max_value=3))
    def add_commitment(self, i, j, who, quantity):
        a = self.agreement(i, prefer=EDITABLE_STATUSES)
        clause = self.clause(a, j)
        if clause is None:
            return
        org = self.cast.orgs[who]
        self.attempt(a.status in EDITABLE_STATUSES and quantity > 0, lambda: services.commitment_add(
            actor=self.cast.admin[org.pk], clause=clause, acting_for=org, party=org, kind="staff_hours",
            description="Outreach worker", quantity=quantity, unit="hours", period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 12, 31)))

    @rule(i=any_index, j=any_index, k=any_index, who=org_index,
          kind=st.sampled_from(["replace", "insert", "delete"]))
    def propose_amendment(self, i, j, k, who, kind):
        a = self.agreement(i, prefer=EDITABLE_STATUSES)
        clause = self.clause(a, j)
        if clause is None and kind != "insert":
            return
        org = self.cast.orgs[who]
        body = self.text(k) or f"Proposed text {next(self.counter)}"
        self.attempt(a.status in EDITABLE_STATUSES, lambda: services.amendment_propose(
            actor=self.cast.admin[org.pk], agreement=a, acting_for=org, kind=kind, clause=clause,
            heading=f"New clause {next(self.counter)}" if kind == "insert" else "", body=body,
            rationale="Clearer"))

    @precondition(lambda self: self.with_status(*EDITABLE_STATUSES))
    @rule(i=any_index, j=any_index, accept=st.booleans())
    def decide_amendment(self, i, j, accept):
        a = self.agreement(i, prefer=EDITABLE_STATUSES)
        proposed = list(a.amendments.filter(status=AmendmentStatus.PROPOSED).order_by("id"))
        if not proposed:
            return
        am = proposed[j % len(proposed)]
        expected = a.status in EDITABLE_STATUSES
        if accept and am.clause_id and am.kind != "insert":
            am.clause.refresh_from_db()
            expected = expected and am.clause.deleted_at is None and am.clause.revision == am.clause_revision
        before = {c.pk: (c.heading, c.body, c.revision) for c in services.live_clauses(a)}
        actor, org = self.lead()
        result = self.attempt(expected, lambda: services.amendment_decide(
            actor=actor, amendment=am, acting_for=org, accept=accept, reason="Discussed at the meeting"))
        after = {c.pk: (c.heading, c.body, c.revision) for c in services.live_clauses(a)}
        if result is None or not accept:
            assert after == before  # a refused or rejected amendment leaves the text as it was
        elif am.kind == "replace":
            assert after[am.clause_id][1] == am.body
        elif am.kind == "delete":
            assert am.clause_id not in after

    # --- rules: positions ------------------------------------------------------------------

    @precondition(lambda self: self.with_status(*EDITABLE_STATUSES))
    @rule(i=any_index, j=any_index, who=org_index, stance=st.sampled_from(["agree", "live_with", "object"]))
    def record_position(self, i, j, who, stance):
        a = self.agreement(i, prefer=EDITABLE_STATUSES)
        clause = self.clause(a, j)
        if clause is None:
            return
        org = self.cast.orgs[who]
        self.attempt(a.status in EDITABLE_STATUSES, lambda: services.clause_position_record(
            actor=self.cast.admin[org.pk], clause=clause, acting_for=org, stance=stance,
            reason="We cannot accept this" if stance == "object" else ""))

    @precondition(lambda self: self.with_status(*EDITABLE_STATUSES))
    @rule(i=any_index, who=org_index)
    def withdraw_objections(self, i, who):
        a = self.agreement(i, prefer=EDITABLE_STATUSES)
        org = self.cast.orgs[who]
        for pos in services.open_objections(a):
            if pos.organisation_id == org.pk:
                self.attempt(a.status in EDITABLE_STATUSES, lambda pos=pos: services.clause_position_record(
                    actor=self.cast.admin[org.pk], clause=pos.clause, acting_for=org, stance="live_with"))

    # --- rules: versions and signatures ----------------------------------------------------

    @precondition(lambda self: self.with_status(*EDITABLE_STATUSES))
    @rule(i=any_index)
    def new_round(self, i):
        a = self.agreement(i, prefer=EDITABLE_STATUSES)
        actor, org = self.lead()
        expected = a.status in EDITABLE_STATUSES and services.live_clauses(a).exists()
        v = self.attempt(expected, lambda: services.agreement_new_round(actor=actor, agreement=a, acting_for=org))
        if v is not None:
            self.fingerprints.append(v.fingerprint)
            assert v.snapshot == services.snapshot_of(a)

    @precondition(lambda self: self.with_status(*EDITABLE_STATUSES))
    @rule(i=any_index)
    def send_for_signature(self, i):
        a = self.agreement(i, prefer=EDITABLE_STATUSES)
        actor, org = self.lead()
        expected = a.status in EDITABLE_STATUSES and not services.signature_blockers(a)
        v = self.attempt(expected, lambda: services.agreement_send_for_signature(
            actor=actor, agreement=a, acting_for=org))
        if v is not None:
            self.fingerprints.append(v.fingerprint)
            assert set(v.signatures.values_list("organisation", "status")) == \
                {(o.pk, SignatureStatus.PENDING) for o in self.cast.orgs}

    @precondition(lambda self: self.with_status(AgreementStatus.AWAITING_SIGNATURES))
    @rule(i=any_index, who=org_index, which=st.sampled_from(["current", "stale", "tampered"]))
    def sign(self, i, who, which):
        a = self.agreement(i, prefer=[AgreementStatus.AWAITING_SIGNATURES])
        org = self.cast.orgs[who]
        out = a.signature_version if a.status == AgreementStatus.AWAITING_SIGNATURES else None
        if which == "current" and out is not None:
            fingerprint = out.fingerprint
        elif which == "stale" and any(f != (out and out.fingerprint) for f in self.fingerprints):
            fingerprint = next(f for f in reversed(self.fingerprints) if f != (out and out.fingerprint))
        else:
            fingerprint = services.fingerprint_of(f"A text nobody was shown {next(self.counter)}")
        pending = out is not None and out.signatures.filter(organisation=org,
                                                            status=SignatureStatus.PENDING).exists()
        expected = out is not None and fingerprint == out.fingerprint and pending
        sig = self.attempt(expected, lambda: services.agreement_sign(
            actor=self.cast.signatory[org.pk], agreement=a, acting_for=org, fingerprint=fingerprint))
        if sig is not None:
            # What was signed is exactly the version out for signature at that moment, as shown.
            assert sig.version_id == out.pk
            assert sig.fingerprint == fingerprint == out.fingerprint
            assert sig.signer == self.cast.signatory[org.pk]

    @precondition(lambda self: self.with_status(AgreementStatus.AWAITING_SIGNATURES))
    @rule(i=any_index, j=any_index)
    def a_pending_party_signs_what_it_was_shown(self, i, j):
        awaiting = self.with_status(AgreementStatus.AWAITING_SIGNATURES)
        a = awaiting[i % len(awaiting)]
        out = a.signature_version
        pending = list(out.signatures.filter(status=SignatureStatus.PENDING).select_related("organisation"))
        org = pending[j % len(pending)].organisation
        sig = self.attempt(True, lambda: services.agreement_sign(
            actor=self.cast.signatory[org.pk], agreement=a, acting_for=org, fingerprint=out.fingerprint))
        assert (sig.version_id, sig.fingerprint) == (out.pk, out.fingerprint)
        a.refresh_from_db()
        assert (a.status == AgreementStatus.IN_FORCE) == (len(pending) == 1)

    @precondition(lambda self: self.with_status(AgreementStatus.AWAITING_SIGNATURES))
    @rule(i=any_index)
    def every_pending_party_signs(self, i):
        awaiting = self.with_status(AgreementStatus.AWAITING_SIGNATURES)
        a = awaiting[i % len(awaiting)]
        for _n in range(a.signature_version.signatures.filter(status=SignatureStatus.PENDING).count()):
            self.a_pending_party_signs_what_it_was_shown(i, 0)
        a.refresh_from_db()
        assert a.status == AgreementStatus.IN_FORCE

    @precondition(lambda self: self.with_status(AgreementStatus.AWAITING_SIGNATURES))
    @rule(i=any_index, who=org_index)
    def sign_as_someone_without_authority(self, i, who):
        a = self.agreement(i, prefer=[AgreementStatus.AWAITING_SIGNATURES])
        org = self.cast.orgs[who]
        out = a.signature_version
        fingerprint = out.fingerprint if out else "0" * 64
        # The organisation's administrator is not its signatory.
        self.attempt(False, lambda: services.agreement_sign(
            actor=self.cast.admin[org.pk], agreement=a, acting_for=org, fingerprint=fingerprint))

    @precondition(lambda self: self.with_status(AgreementStatus.AWAITING_SIGNATURES))
    @rule(i=any_index, who=org_index)
    def decline(self, i, who):
        a = self.agreement(i, prefer=[AgreementStatus.AWAITING_SIGNATURES])
        org = self.cast.orgs[who]
        out = a.signature_version if a.status == AgreementStatus.AWAITING_SIGNATURES else None
        expected = out is not None and out.signatures.filter(organisation=org,
                                                             status=SignatureStatus.PENDING).exists()
        sig = self.attempt(expected, lambda: services.agreement_decline_signature(
            actor=self.cast.signatory[org.pk], agreement=a, acting_for=org, reason="The amounts are wrong"))
        if sig is not None:
            a.refresh_from_db()
            assert a.status == AgreementStatus.NEGOTIATING and a.signature_version is None
            assert not out.signatures.filter(status__in=[SignatureStatus.SIGNED, SignatureStatus.PENDING]).exists()

    @precondition(lambda self: self.with_status(*IN_FORCE_STATUSES))
    @rule(i=any_index)
    def start_variation(self, i):
        a = self.agreement(i, prefer=IN_FORCE_STATUSES)
        actor, org = self.lead()
        drafting = a.variations.filter(status__in=[*EDITABLE_STATUSES, AgreementStatus.AWAITING_SIGNATURES])
        expected = a.status in IN_FORCE_STATUSES and not drafting.exists()
        if expected and len(self.agreement_ids) >= MAX_AGREEMENTS:
            return  # keep the number of agreements small
        var = self.attempt(expected, lambda: services.agreement_start_variation(
            actor=actor, agreement=a, acting_for=org))
        if var is not None:
            self.agreement_ids.append(var.pk)
            snap = a.in_force_version.snapshot
            assert [(c.heading, c.body) for c in services.live_clauses(var)] == \
                [(c["heading"], c["body"]) for c in snap["clauses"]]
            a.refresh_from_db()
            assert a.status in IN_FORCE_STATUSES  # the text in force stays in force meanwhile

    # --- invariants ------------------------------------------------------------------------

    def _fully_signed(self, a: Agreement, v: AgreementVersion | None) -> bool:
        if v is None:
            return False
        parties = set(a.parties.values_list("organisation", flat=True))
        signed = list(v.signatures.filter(status=SignatureStatus.SIGNED).values_list("organisation", "fingerprint"))
        return {o for o, _f in signed} == parties and {f for _o, f in signed} == {v.fingerprint}

    @invariant()
    def no_signature_on_a_text_a_party_has_not_seen(self):
        for sig in Signature.objects.filter(version__agreement_id__in=self.agreement_ids,
                                            status=SignatureStatus.SIGNED).select_related("version__agreement"):
            v, a = sig.version, sig.version.agreement
            assert v.for_signature
            assert sig.fingerprint == v.fingerprint
            # A signature counts only on the version out for signature or the version in force.
            assert v.pk in (a.signature_version_id, a.in_force_version_id)
            if a.status == AgreementStatus.AWAITING_SIGNATURES:
                assert v.pk == a.signature_version_id

    @invariant()
    def in_force_exactly_when_every_party_signed_the_same_fingerprint(self):
        for a in Agreement.objects.filter(pk__in=self.agreement_ids).select_related("in_force_version"):
            fully = self._fully_signed(a, a.in_force_version)
            if a.status == AgreementStatus.IN_FORCE:
                assert fully, f"{a} is in force without every party's signature on one fingerprint"
            if a.status in (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATING, AgreementStatus.AWAITING_SIGNATURES):
                assert a.in_force_version is None
            if fully:
                assert a.status in (AgreementStatus.IN_FORCE, AgreementStatus.SUPERSEDED)
            if a.status == AgreementStatus.SUPERSEDED:
                # ...by a variation that came into force (which may itself have been varied since).
                assert fully and a.variations.filter(in_force_version__isnull=False).exists()
            # No version out for signature is fully signed without the agreement being in force.
            for v in a.versions.filter(for_signature=True):
                if self._fully_signed(a, v):
                    assert a.in_force_version_id == v.pk
        # One text in force at a time in a family of variations.
        for a in Agreement.objects.filter(pk__in=self.agreement_ids, variation_of__isnull=False):
            if a.status == AgreementStatus.IN_FORCE:
                assert a.variation_of.status not in IN_FORCE_STATUSES

    @invariant()
    def statuses_reached(self):
        for status in Agreement.objects.filter(pk__in=self.agreement_ids).values_list("status", flat=True):
            REACHED[status] += 1

    @invariant()
    def frozen_text_never_changes(self):
        for v in AgreementVersion.objects.filter(agreement_id__in=self.agreement_ids):
            text = services.canonical_text(v.snapshot)
            assert text == v.canonical_text
            assert services.fingerprint_of(text) == v.fingerprint
            first = self.frozen.setdefault(v.pk, (v.canonical_text, v.fingerprint))
            assert first == (v.canonical_text, v.fingerprint)

    @invariant()
    def the_draft_cannot_change_while_awaiting_signatures(self):
        for a in Agreement.objects.filter(pk__in=self.agreement_ids, status=AgreementStatus.AWAITING_SIGNATURES):
            v = a.signature_version
            assert v is not None and v.for_signature
            assert services.snapshot_of(a) == v.snapshot
            assert not Amendment.objects.filter(agreement=a, status=AmendmentStatus.PROPOSED).exists()
            assert not services.open_objections(a)


@pytest.mark.django_db(transaction=False)
def test_the_agreement_state_machine():
    cast = Cast()

    class Machine(AgreementMachine):
        pass

    Machine.cast = cast
    REACHED.clear()
    run_state_machine_as_test(Machine, settings=settings(
        max_examples=25, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    # The machine got somewhere: drafts went out for signature and came into force.
    assert REACHED[AgreementStatus.NEGOTIATING] and REACHED[AgreementStatus.AWAITING_SIGNATURES]
    assert REACHED[AgreementStatus.IN_FORCE]
