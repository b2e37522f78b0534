"""Agreement documents: the PDF of a version, its canonical-text export, and their verification.

A document is verified by *regenerating* it. The PDF is deterministic (reportlab's
``invariant`` mode: no timestamps, no random ids), and everything it shows comes from the
frozen version (its snapshot) and that version's signatures, so the same record always
yields the same bytes. The PDF's subject names the record it was made from::

    joinery:<agreement id>:<version number>:<fingerprint>:<signature state>

The signature state is ``s<k>`` when the first *k* signatures (in the order they were
given) were on the record when the PDF was made, or ``d`` once a party declined. An
untouched copy downloaded before later signatures were added therefore still verifies,
and the verification says what has been signed since; any changed byte fails.

The canonical-text export is the durable proof: its SHA-256 *is* the version's
fingerprint, whatever release of Joinery checks it. See docs/adr/0006.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import markdown as md
import nh3
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import (
    IN_FORCE_STATUSES,
    Agreement,
    AgreementKind,
    AgreementVersion,
    CommitmentKind,
    Signature,
    SignatureStatus,
)

# Bump when the layout changes: copies made by an earlier layout no longer regenerate
# byte for byte, and verification says so (the text export still verifies).
LAYOUT = 1
CREATOR = f"Joinery agreement document, layout {LAYOUT}"
SUBJECT_RE = re.compile(r"^joinery:(?P<agreement>\d+):(?P<number>\d+):(?P<fingerprint>[0-9a-f]{64}):(?P<state>s\d+|d)$")
LAYOUT_RE = re.compile(r"layout (\d+)")

FONT = "JoineryVera"
_FONT_FILES = {FONT: "Vera.ttf", f"{FONT}-Bold": "VeraBd.ttf", f"{FONT}-Italic": "VeraIt.ttf",
               f"{FONT}-BoldItalic": "VeraBI.ttf"}
# Characters Bitstream Vera lacks, replaced by ones it has.
_GLYPH_FALLBACKS = str.maketrans({"\u202f": "\u00a0", "\u2009": " ", "\u200b": ""})


@dataclass
class Verification:
    """The answer to "does this document match the record?"."""

    ok: bool
    message: str
    agreement: Agreement | None = None
    version: AgreementVersion | None = None
    code: str = ""  # machine-readable: ok, not_joinery, unreadable, unknown_version, altered, …


def document_filename(version: AgreementVersion, fmt: str = "pdf") -> str:
    return f"agreement-{version.agreement_id}-v{version.number}.{fmt}"


def export_text(version: AgreementVersion) -> str:
    """The version's canonical text: its UTF-8 bytes hash to the version's fingerprint."""
    return version.canonical_text


# --- signature state ------------------------------------------------------------------------

def _signatures(version: AgreementVersion) -> list[Signature]:
    return list(Signature.objects.filter(version=version).select_related("organisation")
                .order_by("organisation__name", "pk"))


def current_state(signatures: list[Signature]) -> str:
    """The signature state of the record now: `d` after a decline, else `s<number signed>`."""
    if any(s.status == SignatureStatus.DECLINED for s in signatures):
        return "d"
    return f"s{sum(1 for s in signatures if s.status == SignatureStatus.SIGNED)}"


def _signed_in_order(signatures: list[Signature]) -> list[Signature]:
    return sorted((s for s in signatures if s.signed_at), key=lambda s: (s.signed_at, s.pk))


def _signature_rows(signatures: list[Signature], state: str) -> list[dict]:
    """What the signature table shows for a given state (the same rows for the same state)."""
    if state == "d":
        shown = {s.pk for s in signatures if s.signed_at}
    else:
        shown = {s.pk for s in _signed_in_order(signatures)[: int(state[1:])]}
    rows = []
    for s in signatures:
        if s.pk in shown:
            if state != "d" or s.status == SignatureStatus.SIGNED:
                label = SignatureStatus.SIGNED.label
            else:
                label = _("Signed; lapsed when another party declined")
            rows.append({"organisation": s.organisation.name, "name": s.signer_name, "role": s.signer_role,
                         "date": _date(timezone.localtime(s.signed_at, timezone.get_default_timezone()).date()),
                         "status": str(label)})
        elif state == "d":
            rows.append({"organisation": s.organisation.name, "name": "", "role": "", "date": "",
                         "status": s.get_status_display()})
        else:
            rows.append({"organisation": s.organisation.name, "name": "", "role": "", "date": "",
                         "status": str(SignatureStatus.PENDING.label)})
    return rows


def _date(d) -> str:
    return formats.date_format(d, "DATE_FORMAT")


# --- PDF ------------------------------------------------------------------------------------

def _register_fonts() -> None:
    from reportlab import rl_config
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    import reportlab

    font_dir = Path(reportlab.__file__).parent / "fonts"
    if str(font_dir) not in rl_config.TTFSearchPath:
        rl_config.TTFSearchPath.append(str(font_dir))
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(font_dir / filename)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, f"{FONT}-Bold")
    addMapping(FONT, 0, 1, f"{FONT}-Italic")
    addMapping(FONT, 1, 1, f"{FONT}-BoldItalic")


def _styles():
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=FONT, bulletFontName=FONT, fontSize=10, leading=14, spaceAfter=5)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=f"{FONT}-Bold", fontSize=20, leading=25,
                                spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=15,
                                   textColor=HexColor("#505a5f")),
        "h2": ParagraphStyle("h2", parent=base, fontName=f"{FONT}-Bold", fontSize=14, leading=18, spaceBefore=12,
                             spaceAfter=6, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base, fontName=f"{FONT}-Bold", fontSize=11.5, leading=15, spaceBefore=10,
                             spaceAfter=4, keepWithNext=1),
        "h4": ParagraphStyle("h4", parent=base, fontName=f"{FONT}-Bold", spaceBefore=4, keepWithNext=1),
        "body": base,
        "quote": ParagraphStyle("quote", parent=base, leftIndent=14, textColor=HexColor("#383f43")),
        "pre": ParagraphStyle("pre", parent=base, fontSize=9, leading=12, leftIndent=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        "cellhead": ParagraphStyle("cellhead", parent=base, fontName=f"{FONT}-Bold", fontSize=8.5, leading=11,
                                   spaceAfter=0),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, textColor=HexColor("#505a5f")),
    }


def _clean(text: str) -> str:
    return (text or "").translate(_GLYPH_FALLBACKS)


def _esc(text: str) -> str:
    return escape(_clean(text), quote=False)


_MD_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
            "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "del", "ins", "hr"}
_INLINE = {"strong": "b", "b": "b", "em": "i", "i": "i", "del": "strike", "ins": "u"}
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "hr"}


class _MarkdownFlowables(HTMLParser):
    """Sanitised Markdown HTML → reportlab paragraphs and bullets (no raw HTML survives)."""

    def __init__(self, styles):
        super().__init__(convert_charrefs=True)
        self.styles = styles
        self.out: list = []
        self.buf: list[str] = []
        self.lists: list[list] = []  # [kind, counter]
        self.bullet: str | None = None
        self.block = "p"
        self.pre = 0
        self.quote = 0
        self.href: str | None = None
        self.link_text: list[str] = []

    def _flush(self):
        from reportlab.platypus import Paragraph

        text = "".join(self.buf).strip()
        self.buf = []
        if not text:
            return
        if self.block in ("h1", "h2", "h3", "h4", "h5", "h6"):
            style = self.styles["h4"]
        elif self.pre:
            style = self.styles["pre"]
        elif self.quote:
            style = self.styles["quote"]
        else:
            style = self.styles["body"]
        depth = len(self.lists)
        if depth:
            from reportlab.lib.styles import ParagraphStyle

            style = ParagraphStyle(f"li{depth}", parent=style, leftIndent=14 * depth + 4, bulletIndent=14 * depth - 8,
                                   spaceAfter=2)
        self.out.append(Paragraph(text, style, bulletText=self.bullet))
        self.bullet = None

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS and tag != "li":
            self._flush()
            self.block = tag
        if tag in ("ul", "ol"):
            self._flush()
            self.lists.append([tag, 0])
        elif tag == "li":
            self._flush()
            if self.lists:
                self.lists[-1][1] += 1
                kind, n = self.lists[-1]
                self.bullet = f"{n}." if kind == "ol" else "•"
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
        elif tag in _INLINE:
            self.buf.append(f"<{_INLINE[tag]}>")
        elif tag == "br":
            self.buf.append("<br/>")
        elif tag == "a":
            self.href = dict(attrs).get("href") or ""
            self.buf.append("<u>")
        elif tag in ("td", "th") and "".join(self.buf).strip():
            self.buf.append(" | ")

    def handle_endtag(self, tag):
        if tag in _INLINE:
            self.buf.append(f"</{_INLINE[tag]}>")
        elif tag == "a":
            self.buf.append("</u>")
            if self.href and not self.href.startswith("#"):
                self.buf.append(f" ({_esc(self.href)})")
            self.href = None
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in _BLOCKS or tag in ("li",):
            self._flush()
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
            self.block = "p"

    def handle_data(self, data):
        if self.pre:
            self.buf.append(_esc(data).replace("\n", "<br/>"))
        else:
            self.buf.append(_esc(re.sub(r"\s+", " ", data)))

    def close(self):
        super().close()
        self._flush()
        return self.out


def markdown_flowables(text: str, styles) -> list:
    html = md.markdown(_clean(text), extensions=["extra", "sane_lists"])
    html = nh3.clean(html, tags=_MD_TAGS, attributes={"a": {"href"}})
    parser = _MarkdownFlowables(styles)
    parser.feed(html)
    return parser.close()


def _quantity(value: str) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        q = Decimal(value)
    except (InvalidOperation, TypeError):
        return value
    places = 0 if q == q.to_integral_value() else 2
    return formats.number_format(q, places, use_l10n=True, force_grouping=True)


def _kind_label(value: str, choices) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _story(version: AgreementVersion, snap: dict, rows: list[dict], styles) -> list:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    P = Paragraph
    story = [P(_esc(snap["title"]), styles["title"]),
             P(_esc(_kind_label(snap["kind"], AgreementKind)) + " — "
               + _esc(_("Version %(n)d") % {"n": version.number}), styles["subtitle"]),
             Spacer(1, 4 * mm),
             P(_esc(_("Parties")), styles["h2"])]
    for name in snap["parties"]:
        story.append(P(_esc(name), styles["body"], bulletText="•"))
    story.append(P(_esc(_("Clauses")), styles["h2"]))
    for clause in snap["clauses"]:
        story.append(P(f"{clause['number']}. {_esc(clause['heading'])}", styles["h3"]))
        story.extend(markdown_flowables(clause["body"], styles))
        if clause["commitments"]:
            data = [[P(_esc(h), styles["cellhead"]) for h in
                     (_("Party"), _("What"), _("How much"), _("Period"), _("Description"))]]
            for m in clause["commitments"]:
                period = _("%(start)s to %(end)s") % {
                    "start": _date(_iso(m["period_start"])), "end": _date(_iso(m["period_end"]))}
                data.append([P(_esc(v), styles["cell"]) for v in (
                    m["party"], _kind_label(m["kind"], CommitmentKind), f"{_quantity(m['quantity'])} {m['unit']}",
                    period, m["description"])])
            t = Table(data, colWidths=[34 * mm, 24 * mm, 28 * mm, 36 * mm, None], repeatRows=1, hAlign="LEFT")
            t.setStyle(_table_style(colors))
            story.extend([Spacer(1, 2 * mm), P(_esc(_("Commitments")), styles["h4"]), t, Spacer(1, 2 * mm)])
    story.append(P(_esc(_("Signatures")), styles["h2"]))
    if rows:
        data = [[P(_esc(h), styles["cellhead"]) for h in
                 (_("Organisation"), _("Signed by"), _("Role"), _("Date"), _("Status"))]]
        for r in rows:
            data.append([P(_esc(r[k]), styles["cell"]) for k in ("organisation", "name", "role", "date", "status")])
        t = Table(data, colWidths=[42 * mm, 34 * mm, 32 * mm, 28 * mm, None], repeatRows=1, hAlign="LEFT")
        t.setStyle(_table_style(colors))
        story.append(t)
        story.append(Spacer(1, 3 * mm))
        story.append(P(_esc(_("Each signatory signed the text whose SHA-256 fingerprint is printed at the foot of "
                              "every page.")), styles["small"]))
    else:
        story.append(P(_esc(_("This version was frozen for discussion and was not sent for signature.")),
                       styles["body"]))
    return story


def _table_style(colors):
    from reportlab.platypus import TableStyle

    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b1b4b6")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ])


def _iso(value: str):
    import datetime as dt

    return dt.date.fromisoformat(value)


def _canvas_class(footer_left: str, fingerprint_label: str, page_label: str):
    """A canvas that numbers pages "X of Y" and prints the fingerprint at every page's foot."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _footer(self, total: int):
            width, _height = self._pagesize
            self.saveState()
            self.setStrokeColor(HexColor("#b1b4b6"))
            self.setLineWidth(0.4)
            self.line(20 * mm, 17 * mm, width - 20 * mm, 17 * mm)
            self.setFillColor(HexColor("#383f43"))
            self.setFont(FONT, 7.5)
            self.drawString(20 * mm, 13 * mm, footer_left)
            self.drawRightString(width - 20 * mm, 13 * mm,
                                 page_label % {"page": self._pageNumber, "total": total})
            self.drawString(20 * mm, 9 * mm, fingerprint_label)
            self.restoreState()

    return FooterCanvas


def _render(version: AgreementVersion, signatures: list[Signature], state: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    _register_fonts()
    snap = version.snapshot
    language = snap.get("language") or version.agreement.language
    with translation.override(language):
        styles = _styles()
        rows = _signature_rows(signatures, state) if signatures else []
        story = _story(version, snap, rows, styles)
        title = _clean(snap["title"])
        footer_left = _clean(_("%(title)s — version %(n)d") % {"title": title[:70], "n": version.number})
        fingerprint_label = _("Fingerprint (SHA-256): %(fp)s") % {"fp": version.fingerprint}
        page_label = _("Page %(page)d of %(total)d")
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=24 * mm,
        title=title, author="Joinery", creator=CREATOR, producer="Joinery",
        subject=f"joinery:{version.agreement_id}:{version.number}:{version.fingerprint}:{state}",
        keywords=[version.fingerprint], invariant=1, lang=language, displayDocTitle=1,
    )
    doc.build(story, canvasmaker=_canvas_class(footer_left, fingerprint_label, page_label))
    return buf.getvalue()


def render_pdf(version: AgreementVersion) -> bytes:
    """The version as a PDF in the agreement's language, with its signatures as they stand now.

    Deterministic: the same version with the same signatures always gives the same bytes.
    """
    signatures = _signatures(version)
    return _render(version, signatures, current_state(signatures))


# --- verification ---------------------------------------------------------------------------

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _standing(version: AgreementVersion, signatures: list[Signature]) -> str:
    """Where this version and its agreement stand today, in one or two sentences."""
    a = version.agreement
    signed = [s for s in signatures if s.status == SignatureStatus.SIGNED]
    if a.in_force_version_id == version.pk:
        if a.status in IN_FORCE_STATUSES and a.in_force_since:
            return _("Every party signed this version; the agreement is in force since %(d)s.") % {
                "d": _date(timezone.localtime(a.in_force_since).date())}
        return _("Every party signed this version; the agreement is now %(s)s.") % {
            "s": a.get_status_display().lower()}
    if a.in_force_version_id:
        return _("This is not the text in force: version %(n)d is.") % {"n": a.in_force_version.number}
    if a.signature_version_id == version.pk:
        return ngettext("It is awaiting signatures: %(k)d of %(m)d party has signed.",
                        "It is awaiting signatures: %(k)d of %(m)d parties have signed.",
                        len(signatures)) % {"k": len(signed), "m": len(signatures)}
    if any(s.status == SignatureStatus.DECLINED for s in signatures):
        names = ", ".join(s.organisation.name for s in signatures if s.status == SignatureStatus.DECLINED)
        return _("This version was not signed: %(orgs)s declined to sign it.") % {"orgs": names}
    return _("This version is not in force (the agreement is %(s)s).") % {"s": a.get_status_display().lower()}


def _verify_pdf(data: bytes) -> Verification:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        meta = reader.metadata or {}
        subject = str(meta.get("/Subject") or "")
        creator = str(meta.get("/Creator") or "")
    except Exception:
        return Verification(False, _("This file looks like a PDF but cannot be read: it is damaged or has been "
                                     "altered."), code="unreadable")
    m = SUBJECT_RE.match(subject.strip())
    if not m:
        return Verification(False, _("This PDF was not produced by Joinery: it carries no reference to an "
                                     "agreement version."), code="not_joinery")
    version = (AgreementVersion.objects.select_related("agreement__in_force_version")
               .filter(agreement_id=int(m["agreement"]), number=int(m["number"])).first())
    if version is None:
        return Verification(False, _("This PDF names version %(n)s of agreement %(a)s, which does not exist in this "
                                     "Joinery.") % {"n": m["number"], "a": m["agreement"]}, code="unknown_version")
    a = version.agreement
    names = {"n": version.number, "t": a.title}
    if m["fingerprint"] != version.fingerprint:
        return Verification(False, _("This PDF claims to be version %(n)d of “%(t)s”, but its fingerprint is not the "
                                     "one on record: the document has been altered.") % names,
                            a, version, code="fingerprint_mismatch")
    signatures = _signatures(version)
    state = m["state"]
    if (state == "d" and current_state(signatures) != "d") or (
            state != "d" and int(state[1:]) > len(_signed_in_order(signatures))):
        return Verification(False, _("This PDF shows signatures on version %(n)d of “%(t)s” that are not on record: "
                                     "the document has been altered.") % names, a, version, code="altered")
    if _sha(_render(version, signatures, state)) != _sha(data):
        layout = LAYOUT_RE.search(creator)
        if layout and int(layout.group(1)) != LAYOUT:
            msg = _("This PDF names version %(n)d of “%(t)s” but was made by an earlier release of Joinery, so it "
                    "cannot be checked byte for byte. Download a fresh copy, or verify the text export, whose "
                    "fingerprint never changes.") % names
        else:
            msg = _("This PDF names version %(n)d of “%(t)s”, but its content differs from the record: the document "
                    "has been altered.") % names
        return Verification(False, msg, a, version, code="altered")
    parts = [_("This document matches the record of version %(n)d of “%(t)s” (fingerprint %(fp)s).")
             % {**names, "fp": version.fingerprint}]
    now = current_state(signatures)
    if state != now:
        if now == "d":
            parts.append(_("Since it was produced, a party declined to sign this version."))
        else:
            parts.append(_("Signatures were added since it was produced: it shows %(k)d, the record now has %(now)d.")
                         % {"k": int(state[1:]), "now": int(now[1:])})
    parts.append(_standing(version, signatures))
    return Verification(True, " ".join(parts), a, version, code="ok")


def _verify_text(data: bytes) -> Verification:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Verification(False, _("This file is neither a PDF from Joinery nor a text export of an agreement."),
                            code="not_joinery")
    if not text.strip():
        return Verification(False, _("This file is empty."), code="empty")
    version = (AgreementVersion.objects.select_related("agreement__in_force_version")
               .filter(fingerprint=_sha(data)).order_by("pk").first())
    if version is not None:
        a = version.agreement
        msg = _("This text is exactly the canonical text of version %(n)d of “%(t)s” (fingerprint %(fp)s).") % {
            "n": version.number, "t": a.title, "fp": version.fingerprint}
        return Verification(True, msg + " " + _standing(version, _signatures(version)), a, version, code="ok")
    normalised = text.lstrip("\ufeff").replace("\r\n", "\n")
    normalised = normalised.strip() + "\n"
    near = AgreementVersion.objects.filter(fingerprint=_sha(normalised.encode("utf-8"))).select_related(
        "agreement").first()
    if near is not None:
        return Verification(False, _("This text has the words of version %(n)d of “%(t)s” but not the same bytes "
                                     "(line endings or encoding were changed). Export it again to verify it.")
                            % {"n": near.number, "t": near.agreement.title}, near.agreement, near, code="altered")
    first_line = normalised.split("\n", 1)[0].strip()
    # A title can hold no NUL (PostgreSQL refuses it in a query), so such a line is no title.
    similar = Agreement.objects.filter(title=first_line).first() if first_line and "\x00" not in first_line else None
    if similar is not None:
        return Verification(False, _("This text looks like “%(t)s”, but it differs from every version on record: it "
                                     "has been altered.") % {"t": similar.title}, similar, code="altered")
    return Verification(False, _("This text does not match any agreement version in this Joinery: it is not an "
                                 "export from Joinery, or it has been altered."), code="unknown_text")


def verify_document(data: bytes) -> Verification:
    """Does this PDF or text export match the record? Never raises on bad input."""
    if not data:
        return Verification(False, _("This file is empty."), code="empty")
    if data.lstrip()[:5] == b"%PDF-":
        return _verify_pdf(data)
    return _verify_text(data)


def latest_version(agreement: Agreement) -> AgreementVersion | None:
    """The version a download means by default: in force, else out for signature, else the latest."""
    if agreement.in_force_version_id:
        return agreement.in_force_version
    if agreement.signature_version_id:
        return agreement.signature_version
    return agreement.versions.order_by("-number").first()


__all__ = ["Verification", "document_filename", "export_text", "latest_version", "render_pdf", "verify_document"]
