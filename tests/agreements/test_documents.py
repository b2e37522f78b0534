"""Agreement PDFs and text exports, and their verification against the record (and the CLI)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random

import pytest
from pypdf import PdfReader, PdfWriter

from joinery import cli
from joinery.agreements import documents, services
from joinery.agreements.models import AgreementStatus
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person

pytestmark = pytest.mark.django_db

BODIES = {
    "purpose": "Les partenaires **nourrissent** Eastside ensemble — cœur, œuvre et élan.\n\n"
               "- un repas chaud par jour\n- des paniers « solidaires »\n\n<script>alert(1)</script>",
    "roles": "1. The City convenes.\n2. The Food Bank runs the kitchen.\n\nSee [the plan](https://example.org/plan).",
}


class Cast:
    def __init__(self, n_parties: int = 2, language: str = "en", title: str = "Eastside food plan"):
        self.city = make_organisation(name="Eastside Municipality", sector="public", level="local")
        self.others = [make_organisation(name=f"Partner {i} — Société d’œuvres") for i in range(n_parties - 1)]
        self.p = make_partnership(convener=self.city, partners=self.others)
        self.signer = {}
        for org in [self.city, *self.others]:
            self.signer[org.pk] = make_person(mfa=True, name=f"Signatory of {org.name}")
            add_role(org, self.signer[org.pk], "signatory")
        self.lead = admin_of(self.city)
        self.a = services.agreement_create(actor=self.lead, partnership=self.p, acting_for=self.city, title=title,
                                           kind="partnering", parties=self.others, language=language,
                                           review_date=dt.date(2027, 6, 1))
        c1 = services.clause_add(actor=self.lead, agreement=self.a, acting_for=self.city, heading="Purpose",
                                 body=BODIES["purpose"])
        services.clause_add(actor=self.lead, agreement=self.a, acting_for=self.city, heading="Roles",
                            body=BODIES["roles"])
        services.commitment_add(actor=self.lead, clause=c1, acting_for=self.city, party=self.city, kind="money",
                                description="Kitchen equipment", quantity="12500.50", unit="CAD",
                                period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 12, 31))

    @property
    def parties(self):
        return [self.city, *self.others]

    def send(self):
        return services.agreement_send_for_signature(actor=self.lead, agreement=self.a, acting_for=self.city)

    def sign(self, org):
        self.a.refresh_from_db()
        return services.agreement_sign(actor=self.signer[org.pk], agreement=self.a, acting_for=org,
                                       fingerprint=self.a.signature_version.fingerprint)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def signed():
    cast = Cast()
    v = cast.send()
    for org in cast.parties:
        cast.sign(org)
    cast.a.refresh_from_db()
    assert cast.a.status == AgreementStatus.IN_FORCE
    return cast, v


def test_pdf_carries_the_text_the_signatures_and_the_fingerprint_on_every_page(signed):
    cast, v = signed
    data = documents.render_pdf(v)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    meta = reader.metadata
    assert meta.title == "Eastside food plan"
    assert meta.subject == f"joinery:{cast.a.pk}:{v.number}:{v.fingerprint}:s2"
    text = pdf_text(data)
    for expected in ("Eastside food plan", "Parties", "Eastside Municipality", "Purpose", "nourrissent",
                     "cœur, œuvre", "un repas chaud", "The Food Bank runs the kitchen", "Kitchen equipment",
                     "12,500.50 CAD", "Signatures", "Signatory of", "Authorised", "Signed"):
        assert expected in text, expected
    # Raw HTML in Markdown is neutralised: no script survives, and it is not shown as code either.
    assert "alert(1)" not in text and "<script>" not in text
    for page in reader.pages:
        assert v.fingerprint in page.extract_text().replace("\n", "")


def test_pdf_is_deterministic(signed):
    _cast, v = signed
    assert documents.render_pdf(v) == documents.render_pdf(v)


def test_long_agreement_numbers_every_page():
    cast = Cast()
    for n in range(40):
        services.clause_add(actor=cast.lead, agreement=cast.a, acting_for=cast.city, heading=f"Clause {n}",
                            body="The parties work together in good faith. " * 30)
    v = cast.send()
    reader = PdfReader(io.BytesIO(documents.render_pdf(v)))
    total = len(reader.pages)
    assert total > 3
    last = reader.pages[-1].extract_text()
    assert f"Page {total} of {total}" in last and v.fingerprint in last.replace("\n", "")
    assert "Waiting for" in last


def test_french_agreement_renders_in_its_language():
    cast = Cast(language="fr", title="Plan alimentaire d’Eastside — été")
    v = cast.send()
    data = documents.render_pdf(v)
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta.title == "Plan alimentaire d’Eastside — été"
    assert meta.subject.startswith(f"joinery:{cast.a.pk}:{v.number}:{v.fingerprint}:")
    text = " ".join(pdf_text(data).split())
    assert "Plan alimentaire d’Eastside — été" in text
    assert "500,50 CAD" in text  # French number format
    assert "1 janvier 2027" in text and "31 décembre 2027" in text  # French dates (Django's catalogue)
    assert documents.verify_document(data).ok


def test_version_not_sent_for_signature_renders_without_signatures():
    cast = Cast()
    v = services.agreement_new_round(actor=cast.lead, agreement=cast.a, acting_for=cast.city)
    data = documents.render_pdf(v)
    assert "not sent for signature" in pdf_text(data)
    assert documents.verify_document(data).ok


# --- verification ---------------------------------------------------------------------------

def test_fresh_pdf_verifies(signed):
    cast, v = signed
    result = documents.verify_document(documents.render_pdf(v))
    assert result.ok, result.message
    assert result.agreement == cast.a and result.version == v
    assert f"version {v.number}" in result.message and "in force" in result.message


def test_one_altered_byte_fails(signed):
    _cast, v = signed
    data = documents.render_pdf(v)
    rng = random.Random(7)
    for _ in range(8):  # anywhere in the file: header, text, metadata, cross-reference table
        i = rng.randrange(10, len(data) - 10)
        altered = bytearray(data)
        altered[i] = (altered[i] + 1) % 256
        result = documents.verify_document(bytes(altered))
        assert not result.ok, i
        assert result.message


def test_edited_pdf_that_keeps_the_subject_fails(signed):
    _cast, v = signed
    writer = PdfWriter(clone_from=io.BytesIO(documents.render_pdf(v)))
    out = io.BytesIO()
    writer.write(out)  # re-saved by another program: same metadata, different bytes
    result = documents.verify_document(out.getvalue())
    assert not result.ok and result.code == "altered"
    assert "altered" in result.message


def test_pdf_claiming_another_fingerprint_fails(signed):
    cast, v = signed
    data = documents.render_pdf(v).replace(v.fingerprint.encode(), b"0" * 64)
    result = documents.verify_document(data)
    assert not result.ok


def test_foreign_pdf_fails():
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawString(100, 700, "An agreement, honestly")
    c.save()
    result = documents.verify_document(buf.getvalue())
    assert not result.ok and result.code == "not_joinery"
    assert "not produced by Joinery" in result.message


def test_pdf_naming_an_unknown_version_fails():
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    c.setSubject("joinery:999999:1:" + "a" * 64 + ":s0")
    c.drawString(100, 700, "Forged")
    c.save()
    result = documents.verify_document(buf.getvalue())
    assert not result.ok and result.code == "unknown_version"


def test_random_bytes_and_random_text_fail():
    assert not documents.verify_document(bytes(random.Random(1).randrange(256) for _ in range(500))).ok
    result = documents.verify_document(b"Nothing to see here.\n")
    assert not result.ok and result.code == "unknown_text"
    assert not documents.verify_document(b"").ok
    assert not documents.verify_document(b"%PDF-1.4 garbage").ok
    # A NUL byte cannot reach a database query (PostgreSQL refuses it): a clear "not ours", not a 500.
    assert documents.verify_document(b"\x00").code in ("unknown_text", "not_joinery")


def test_canonical_text_export_verifies_and_altered_text_does_not(signed):
    cast, v = signed
    text = documents.export_text(v)
    assert hashlib.sha256(text.encode()).hexdigest() == v.fingerprint
    result = documents.verify_document(text.encode("utf-8"))
    assert result.ok and result.version == v, result.message
    altered = documents.verify_document(text.replace("kitchen", "garden").encode("utf-8"))
    assert not altered.ok and "altered" in altered.message
    crlf = documents.verify_document(text.replace("\n", "\r\n").encode("utf-8"))
    assert not crlf.ok and "line endings" in crlf.message


def test_an_earlier_download_still_verifies_after_later_signatures():
    cast = Cast(n_parties=3)
    v = cast.send()
    cast.sign(cast.city)
    early = documents.render_pdf(v)
    assert PdfReader(io.BytesIO(early)).metadata.subject.endswith(":s1")
    cast.sign(cast.others[0])
    cast.sign(cast.others[1])
    late = documents.render_pdf(v)
    assert late != early
    result = documents.verify_document(early)
    assert result.ok, result.message
    assert "Signatures were added since" in result.message and "shows 1" in result.message
    assert documents.verify_document(late).ok
    # Claiming a signature that is not on record fails.
    forged = early.replace(b":s1)", b":s4)")
    assert forged != early
    assert not documents.verify_document(forged).ok


def test_a_download_made_before_a_decline_still_verifies():
    cast = Cast(n_parties=3)
    v = cast.send()
    cast.sign(cast.city)
    before = documents.render_pdf(v)
    services.agreement_decline_signature(actor=cast.signer[cast.others[0].pk], agreement=cast.a,
                                         acting_for=cast.others[0], reason="The budget is wrong.")
    after = documents.render_pdf(v)
    assert PdfReader(io.BytesIO(after)).metadata.subject.endswith(":d")
    assert "lapsed when another party declined" in " ".join(pdf_text(after).split())
    r1, r2 = documents.verify_document(before), documents.verify_document(after)
    assert r1.ok and "declined" in r1.message, r1.message
    assert r2.ok and "declined" in r2.message, r2.message


# --- command line -----------------------------------------------------------------------------

def test_cli_export_and_verify(signed, tmp_path, capsys, monkeypatch):
    cast, v = signed
    monkeypatch.setattr(cli, "_django", lambda settings=None: None)  # already set up by pytest-django
    out = tmp_path / "out.pdf"
    cli.main(["agreements", "export", str(cast.a.pk), "--version", str(v.number), "--format", "pdf",
              "-o", str(out)])
    assert out.read_bytes() == documents.render_pdf(v)
    txt = tmp_path / "out.txt"
    cli.main(["agreements", "export", str(cast.a.pk), "--format", "txt", "-o", str(txt)])
    assert txt.read_bytes() == v.canonical_text.encode("utf-8")

    for path in (out, txt):
        with pytest.raises(SystemExit) as exit_:
            cli.main(["agreements", "verify", str(path)])
        assert exit_.value.code == 0
        assert f"version {v.number}" in capsys.readouterr().out

    bad = tmp_path / "bad.pdf"
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(data))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["agreements", "verify", str(bad)])
    assert exit_.value.code == 1
    assert capsys.readouterr().out.strip()

    with pytest.raises(SystemExit) as exit_:
        cli.main(["agreements", "export", str(cast.a.pk), "--version", "99"])
    assert "no version 99" in str(exit_.value.code)
