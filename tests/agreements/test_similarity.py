"""The cut-and-paste warning: similar agreements anywhere in the instance, as advice."""

from __future__ import annotations

import random

import pytest

from joinery.agreements import services, similarity
from joinery.agreements.models import AgreementStatus, SimilarityFingerprint
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person

pytestmark = pytest.mark.django_db

VOCABULARY = (
    "partners community food housing youth health shared plan budget report staff volunteers kitchen "
    "meals services families school library transport data consent privacy review meeting quarterly "
    "annual funding grant outcome measure evaluation training support advice referral clinic centre "
    "neighbourhood residents council trust foundation charity agency province city region network "
    "coordinate deliver provide maintain develop agree decide share protect respect inform consult "
    "notify publish record assess improve expand reduce increase within between across during after "
    "before under each every all some other their our its the a of to and for with by on in at"
).split()


def prose(seed: int, n: int = 60) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(n)).capitalize() + "."


@pytest.fixture(autouse=True)
def fresh_index():
    similarity.reset_cache()
    yield
    similarity.reset_cache()


class Partnership:
    def __init__(self, name: str):
        self.city = make_organisation(name=f"{name} City", sector="public", level="local")
        self.charity = make_organisation(name=f"{name} Charity")
        self.p = make_partnership(convener=self.city, partners=[self.charity], name=f"{name} Partnership")
        self.lead = admin_of(self.city)

    def agreement(self, title: str, clauses: list[tuple[str, str]], template: str = ""):
        a = services.agreement_create(actor=self.lead, partnership=self.p, acting_for=self.city, title=title,
                                      kind="partnering", parties=[self.charity], template=template)
        existing = list(services.live_clauses(a))
        for i, (heading, body) in enumerate(clauses):
            if i < len(existing):
                services.clause_update(actor=self.lead, clause=existing[i], acting_for=self.city,
                                       heading=heading or existing[i].heading, body=body,
                                       expected_revision=existing[i].revision)
            else:
                services.clause_add(actor=self.lead, agreement=a, acting_for=self.city, heading=heading, body=body)
        similarity.update_fingerprint(a)
        return a


SOURCE = [("Purpose", prose(1)), ("Roles", prose(2)), ("Commitments", prose(3)), ("Information", prose(4)),
          ("Disputes", prose(5))]


def test_finds_a_copied_agreement_with_its_shared_clauses():
    east, west = Partnership("East"), Partnership("West")
    source = east.agreement("Eastside food plan", SOURCE)
    # 80% of the clauses pasted (one lightly edited, under new headings), one written afresh.
    pasted = [("Our purpose", SOURCE[0][1]), ("Who does what", SOURCE[1][1]),
              ("What we give", SOURCE[2][1].replace("Partners", "Members", 1)),
              ("Data", SOURCE[3][1]), ("Our own disputes clause", prose(99))]
    copy = west.agreement("Westside food plan", pasted)
    unrelated = west.agreement("Westside housing plan", [(h, prose(100 + i)) for i, (h, _b) in enumerate(SOURCE)])

    matches = similarity.similar_agreements(copy)
    assert [m.agreement for m in matches] == [source]
    m = matches[0]
    assert 0.7 <= m.score <= 0.9
    shared = {(mine, theirs) for mine, theirs, _sim in m.shared_clauses}
    assert shared == {("Our purpose", "Purpose"), ("Who does what", "Roles"), ("What we give", "Commitments"),
                      ("Data", "Information")}
    assert all(0.5 <= sim <= 1.0 for _m, _t, sim in m.shared_clauses)
    assert similarity.similar_agreements(unrelated) == []
    # The source is also told, from its side, that another agreement shares much of it.
    assert [x.agreement for x in similarity.similar_agreements(source)] == [copy]


def test_a_short_draft_made_of_part_of_a_longer_agreement_is_flagged():
    east, west = Partnership("East"), Partnership("West")
    source = east.agreement("Eastside food plan", SOURCE[:3])
    draft = west.agreement("Westside draft", SOURCE[:2])
    [m] = similarity.similar_agreements(draft)
    assert m.agreement == source and m.score == 1.0


def test_shared_template_headings_and_short_stock_phrases_do_not_warn():
    east, west = Partnership("East"), Partnership("West")
    # Same template: the same eight headings and guidance, each body written by its partners.
    one = east.agreement("East partnering", [(None, prose(200 + i)) for i in range(8)], template="partnering")
    two = west.agreement("West partnering", [(None, prose(300 + i)) for i in range(8)], template="partnering")
    assert [c.heading for c in services.live_clauses(one)] == [c.heading for c in services.live_clauses(two)]
    empty = west.agreement("West empty template", [], template="partnering")
    stock = [(h, "We agree.") for h in "ABCDE"]
    stock_one = east.agreement("Stock one", stock)
    stock_two = west.agreement("Stock two", stock)
    assert similarity.similar_agreements(one) == []
    assert similarity.similar_agreements(two) == []
    assert similarity.similar_agreements(empty) == []
    assert similarity.similar_agreements(stock_two) == []
    assert not SimilarityFingerprint.objects.filter(agreement__in=[empty, stock_one, stock_two]).exists()


def test_variations_and_the_agreement_they_vary_are_not_warned_about():
    east = Partnership("East")
    signers = {}
    for org in (east.city, east.charity):
        signers[org.pk] = make_person(mfa=True)
        add_role(org, signers[org.pk], "signatory")
    original = east.agreement("Eastside food plan", SOURCE)
    v = services.agreement_send_for_signature(actor=east.lead, agreement=original, acting_for=east.city)
    for org in (east.city, east.charity):
        services.agreement_sign(actor=signers[org.pk], agreement=original, acting_for=org, fingerprint=v.fingerprint)
    original.refresh_from_db()
    assert original.status == AgreementStatus.IN_FORCE
    variation = services.agreement_start_variation(actor=east.lead, agreement=original, acting_for=east.city)
    similarity.update_fingerprint(variation)
    assert similarity.similar_agreements(variation) == []
    assert similarity.similar_agreements(original) == []
    # A third agreement copying the same text is still found, from the variation too.
    other = Partnership("West").agreement("Copy", SOURCE)
    assert {m.agreement for m in similarity.similar_agreements(variation)} == {other}


def test_index_follows_new_changed_and_deleted_fingerprints():
    east, west = Partnership("East"), Partnership("West")
    draft = west.agreement("Westside draft", SOURCE)
    assert similarity.similar_agreements(draft) == []  # builds the index
    source = east.agreement("Eastside plan", SOURCE)  # a new fingerprint: picked up incrementally
    assert [m.agreement for m in similarity.similar_agreements(draft)] == [source]
    # The source is rewritten: its changed fingerprint replaces the old one in the index.
    for clause in services.live_clauses(source):
        services.clause_update(actor=east.lead, clause=clause, acting_for=east.city, heading=clause.heading,
                               body=prose(clause.pk + 500), expected_revision=clause.revision)
    similarity.update_fingerprint(source)
    assert similarity.similar_agreements(draft) == []
    # Deleted fingerprints force a rebuild.
    copy = east.agreement("Another copy", SOURCE)
    assert [m.agreement for m in similarity.similar_agreements(draft)] == [copy]
    SimilarityFingerprint.objects.filter(agreement=copy).delete()
    assert similarity.similar_agreements(draft) == []


def test_limit_and_threshold():
    west = Partnership("West")
    draft = west.agreement("Draft", SOURCE)
    copies = [Partnership(f"P{i}").agreement(f"Copy {i}", SOURCE[: 5 - i % 3]) for i in range(4)]
    matches = similarity.similar_agreements(draft, limit=2)
    assert len(matches) == 2 and all(m.agreement in copies for m in matches)
    assert matches[0].score >= matches[1].score
    assert len(similarity.similar_agreements(draft, limit=10, threshold=0.95)) == 2  # the two full copies


def test_fingerprint_round_trip():
    blob, size = similarity.fingerprint_for(SOURCE)
    mh, n = similarity.deserialise(blob)
    assert n == size == len(set().union(*(similarity.shingles(b) for _h, b in SOURCE)))
    assert len(mh.hashvalues) == similarity.NUM_PERM
    with pytest.raises(ValueError):
        similarity.deserialise(b"XXXX" + blob[4:])
    assert similarity.fingerprint_for([("Heading", "Too short")]) is None
    assert similarity.shingles("**Les** partenaires — s’engagent à PARTAGER") == {
        "les partenaires s engagent à", "partenaires s engagent à partager"}


def test_rebuild_command_recomputes_every_fingerprint():
    from io import StringIO

    from django.core.management import call_command

    east = Partnership("East")
    a = east.agreement("Eastside plan", SOURCE)
    east.agreement("Empty", [])
    SimilarityFingerprint.objects.all().delete()
    out = StringIO()
    call_command("rebuild_similarity", stdout=out)
    assert out.getvalue().startswith("1 agreement fingerprint(s) stored")
    assert SimilarityFingerprint.objects.get().agreement == a


def test_a_warm_check_takes_a_handful_of_queries_whatever_the_number_of_matches(django_assert_max_num_queries,
                                                                                 django_assert_num_queries):
    west = Partnership("West")
    draft = west.agreement("Draft", SOURCE)
    for i in range(6):
        west.agreement(f"Copy {i}", SOURCE)
    similarity.similar_agreements(draft)  # builds the index
    with django_assert_max_num_queries(5):  # draft text, family, index freshness, candidates' text, agreements
        matches = similarity.similar_agreements(draft, limit=10)
    assert len(matches) == 6
    with django_assert_num_queries(0):
        assert {m.agreement.partnership.name for m in matches} == {"West Partnership"}
