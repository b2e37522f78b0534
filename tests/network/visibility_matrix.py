"""The visibility matrix: every URL pattern and every API operation, asked by each audience.

Used by `test_visibility_matrix.py`. The rows are generated from the URL configuration and the
OpenAPI document, so a new page or endpoint appears here without anyone listing it. Each row is
filled with real objects of the demo network ("worlds": the public Eastside partnership with an
agreement in force, the same with a draft under negotiation, and the private Families First), then
requested as each audience. The answer becomes a cell (✓ for 2xx, `login`, `reauth`, `→`, or the
status code), and a ✓ given to someone outside the partnership is also searched for the demo's
secrets (draft titles, comments, positions' reasons, risks, meetings, ledger lines...).

`docs/visibility.md` holds the expected table between two markers. To refresh it after a
deliberate change: `JOINERY_WRITE_MATRIX=1 pytest tests/network/test_visibility_matrix.py`,
then read the diff.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

DOC = Path(__file__).resolve().parents[2] / "docs" / "visibility.md"
BEGIN, END = "<!-- matrix:begin -->", "<!-- matrix:end -->"

AUDIENCES = {
    "anonymous": None,
    "citizen": "citizen@example.org",
    "partner": "literacy@riverton.example",       # a partner of Eastside, not a party to its protocol
    "party": "foodbank@eastside.example",          # a party to the Eastside protocol
    "convener": "coordinator@riverton.example",    # convenes Eastside for the City of Riverton
    "admin": "admin@joinery.example",              # staff
}
OUTSIDERS = ("anonymous", "citizen")
#: Areas that no outsider may see, whatever the world: partners-only by default, and the staff's pages.
CLOSED = {"positions", "drafts", "comments", "amendments", "meetings", "minutes", "risks", "ledger",
          "measurements", "feedback", "partners", "staff"}
#: A signed-in citizen sees their own personal pages (dashboard, settings, notifications); a visitor none.
PERSONAL = "personal"
#: Areas open whatever the partnership's visibility: the directory, sign-in and the public front door.
OPEN_EVERYWHERE = {"public", "account"}


def closed_to(audience: str, area: str, private_world: bool) -> bool:
    """Whether an outsider must not get a ✓ for a row of this area (the first oracle)."""
    if area in CLOSED or (private_world and area not in OPEN_EVERYWHERE):
        return True
    return area == PERSONAL and audience == "anonymous"

# Prefixes left out of the walk, with the reason: the walk covers Joinery's own pages.
SKIPPED_NAMESPACES = {"api-1.0.0"}  # walked from the OpenAPI document instead


@dataclass
class World:
    label: str
    partnership: object
    agreement: object
    organisation: object  # the convener's organisation
    private: bool = False


@dataclass
class Row:
    key: str          # "page `agreements:detail`" or "GET /api/v1/agreements/{agreement_id}"
    world: str
    area: str
    url: str
    method: str = "GET"
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def ident(self) -> tuple[str, str]:
        return (self.key, self.world)


# --- the worlds -------------------------------------------------------------------------------

def worlds() -> list[World]:
    from joinery.agreements.models import Agreement
    from joinery.network.models import Partnership

    eastside = Partnership.objects.get(slug="eastside-neighbourhood-renewal")
    families = Partnership.objects.get(slug="families-first")

    def convener(p):
        return p.partners.get(role="convener").organisation
    return [
        World("Eastside · agreement in force", eastside,
              Agreement.objects.get(title="Eastside single contribution agreement"), convener(eastside)),
        World("Eastside · draft", eastside,
              Agreement.objects.get(title="Eastside information-sharing protocol"), convener(eastside)),
        World("Families First (private)", families,
              Agreement.objects.filter(partnership=families).order_by("pk").first(), convener(families), private=True),
    ]


def _first(model: str, **filters):
    return apps.get_model(model).objects.filter(**filters).order_by("pk").first()


def _pk(obj):
    return None if obj is None else obj.pk


class Resolver:
    """Turns a route's parameters into values from one world, left to right (a clause of its agreement...)."""

    def __init__(self, world: World, people: dict):
        self.w, self.people = world, people

    def value(self, collection: str, param: str, ctx: dict):
        w, p, a = self.w, self.w.partnership, ctx.get("agreement", self.w.agreement)
        owner = self.people["party"]
        if param in ("key", "uidb36"):
            return "not-a-real-key"
        if collection == "partnerships":
            return p.slug
        if collection == "organisations":
            return w.organisation.slug
        if collection == "open-data":
            return getattr(_first("evaluation.OpenDataPublication", framework__partnership=p), "slug", None)
        if collection == "feedback" and param == "slug":
            return getattr(_first("feedback.FeedbackChannel", partnership=p), "slug", None)
        if collection == "partners" and param == "org":
            partner = _first("network.Partner", partnership=p, status="active")
            return partner.organisation.slug if partner else None
        if collection == "charter" and param == "number":
            return getattr(_first("network.CharterVersion", partnership=p), "number", None)
        if collection == "versions":
            if "agreement" in ctx:
                return getattr(_first("agreements.AgreementVersion", agreement=a), "number", None)
            return getattr(_first("evaluation.FrameworkVersion", framework__partnership=p), "number", None)
        if collection == "clauses":
            clause = _first("agreements.Clause", agreement=a)
            ctx["clause"] = clause
            return _pk(clause)
        found = {
            "agreements": lambda: a,
            "comments": lambda: _first("agreements.Comment", clause__agreement=a),
            "amendments": lambda: _first("agreements.Amendment", agreement=a),
            "commitments": lambda: (_first("agreements.Commitment", agreement=a)
                                    or _first("agreements.Commitment", agreement__partnership=p)),
            "decisions": lambda: _first("network.Decision", partnership=p),
            "partners": lambda: (apps.get_model("network.Partner").objects
                                 .filter(partnership=p, status="active").exclude(organisation=w.organisation)
                                 .order_by("pk").first()),
            "invitations": lambda: _first("network.Invitation", partnership=p, status="pending"),
            "representatives": lambda: _first("organisations.Representative", organisation=w.organisation),
            "programmes": lambda: _first("programme.WorkProgramme", partnership=p),
            "work": lambda: self._work_item(p),
            "work-items": lambda: self._work_item(p),
            "signups": lambda: _first("programme.VolunteerSignup", item=ctx.get("work")),
            "contributions": lambda: _first("contributions.Contribution", partnership=p),
            "risks": lambda: _first("risks.Risk", partnership=p),
            "meetings": lambda: _first("meetings.ReviewMeeting", partnership=p),
            "feedback-forms": lambda: _first("feedback.FeedbackChannel", partnership=p),
            "channels": lambda: _first("feedback.FeedbackChannel", partnership=p),
            "feedback-responses": lambda: _first("feedback.FeedbackResponse", channel__partnership=p),
            "responses": lambda: _first("feedback.FeedbackResponse", channel__partnership=p),
            "outcomes": lambda: _first("evaluation.Outcome", framework__partnership=p),
            "indicators": lambda: _first("evaluation.Indicator", framework__partnership=p),
            "measurements": lambda: _first("evaluation.Measurement", indicator__framework__partnership=p),
            "requirements": lambda: _first("evaluation.ReportingRequirement", framework__partnership=p),
            "notifications": lambda: _first("notifications.Notification", recipient=owner),
            "tokens": lambda: _first("accounts.ApiToken", person=owner),
        }.get(collection)
        if found is None:
            raise LookupError(f"no rule for a parameter {param!r} after {collection!r}")
        obj = found()
        if collection in ("work", "work-items"):
            ctx["work"] = obj
        if collection == "agreements":
            ctx["agreement"] = obj
        return _pk(obj)

    def _work_item(self, p):
        # The item citizens can volunteer for, so that its sign-ups resolve too.
        return (_first("programme.WorkItem", programme__partnership=p, signups__isnull=False)
                or _first("programme.WorkItem", programme__partnership=p))

    def fill(self, route: str, params: list[str]) -> dict | None:
        """Values for `params`, in the order the route names them; None where the world has no such object."""
        values, ctx = {}, {}
        segments = [s for s in re.split(r"/", route) if s]
        collection = ""
        for segment in segments:
            m = re.search(r"<(?:\w+:)?(\w+)>|\{(\w+)\}|\(\?P<(\w+)>", segment)
            if not m:
                collection = segment.split(".")[0].lstrip("^")
                continue
            name = next(g for g in m.groups() if g)
            if name not in params:
                continue
            v = self.value(collection, name, ctx)
            if v is None:
                return None
            values[name] = v
        return values if set(values) == set(params) else None


# --- the routes -------------------------------------------------------------------------------

def url_patterns():
    """(route, name, pattern) for every named pattern, admin and allauth included."""
    def walk(resolver, prefix="", ns=None):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                inner = ":".join(x for x in (ns, p.namespace) if x) or None
                yield from walk(p, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), (f"{ns}:{p.name}" if ns and p.name else p.name), p

    yield from walk(get_resolver())


def nameless_patterns() -> list[str]:
    """Patterns without a name (the admin's catch-all redirects): they cannot be reversed or listed."""
    return [route for route, name, _p in url_patterns() if not name or name.endswith(":None")]


def _admin_object(name: str):
    # admin:<app>_<model>_<action>
    m = re.match(r"admin:(\w+?)_(\w+)_(change|delete|history)$", name)
    if not m:
        return None
    for model in apps.get_models():
        if f"{model._meta.app_label}_{model._meta.model_name}" == f"{m.group(1)}_{m.group(2)}":
            obj = model._default_manager.order_by("pk").first()
            return None if obj is None else str(obj.pk)
    return None


def page_rows(all_worlds: list[World], people: dict) -> list[Row]:
    rows, seen = [], set()
    for route, name, pattern in url_patterns():
        if not name or name.endswith(":None") or name.split(":")[0] in SKIPPED_NAMESPACES:
            continue
        params = list(pattern.pattern.regex.groupindex)
        key = f"page `{name}`"
        if name.startswith("admin:"):
            kwargs = {}
            if "object_id" in params:
                kwargs["object_id"] = _admin_object(name)
                if kwargs["object_id"] is None:
                    continue
            if "app_label" in params:
                kwargs["app_label"] = "network"
            rows.append(Row(key, "—", "staff", reverse(name, kwargs=kwargs)))
            continue
        if not params:
            rows.append(Row(key, "—", "", reverse(name)))
            continue
        for world in all_worlds:
            kwargs = Resolver(world, people).fill(route, params)
            if kwargs is None:
                continue
            url = reverse(name, kwargs=kwargs)
            if (name, url) in seen:
                continue
            seen.add((name, url))
            rows.append(Row(key, world.label if "slug" in kwargs or len(kwargs) > 0 else "—", "", url))
    return rows


def api_rows(all_worlds: list[World], people: dict) -> list[Row]:
    from joinery.api.api import api

    rows, seen = [], set()
    schema = api.get_openapi_schema()
    for path, item in schema["paths"].items():
        for method in item:
            key = f"{method.upper()} {path}"
            params = re.findall(r"\{(\w+)\}", path)
            if not params:
                rows.append(Row(key, "—", "", path, method.upper()))
                continue
            for world in all_worlds:
                values = Resolver(world, people).fill(path, params)
                if values is None:
                    continue
                url = path.format(**values)
                if (key, url) in seen:
                    continue
                seen.add((key, url))
                rows.append(Row(key, world.label, "", url, method.upper()))
    return rows


# --- asking -----------------------------------------------------------------------------------

def secrets(people: dict) -> list[str]:
    """Text that only the partners may read in the demo: no outsider's answer may contain any of it."""
    from django.db.models import Q

    def texts(model, fields, *q, **filters):
        out = []
        for values in apps.get_model(model).objects.filter(*q, **filters).values_list(*fields):
            out += [v for v in values if isinstance(v, str) and len(v) >= 12]
        return out

    private = Q(agreement__partnership__visibility="private")
    out = []
    out += texts("agreements.Agreement", ["title"], status__in=["draft", "negotiating", "awaiting_signatures"])
    out += texts("agreements.Comment", ["body"])
    out += texts("agreements.ClausePosition", ["reason"])
    out += texts("agreements.Amendment", ["rationale"])
    out += texts("network.Position", ["reason"])
    out += texts("risks.Risk", ["title"])
    out += texts("meetings.ReviewMeeting", ["title", "minutes"])
    out += texts("contributions.Contribution", ["description"])
    out += texts("feedback.FeedbackResponse", ["comment"])
    out += [p.name for p in apps.get_model("network.Partnership").objects.filter(visibility="private")]
    out += texts("network.Decision", ["title"], partnership__visibility="private")
    # Text the partners also published elsewhere is no secret: a ledger line named after the
    # commitment it fulfils, a work item that says which meeting agreed it.
    published = texts("agreements.Commitment", ["description"], ~private,
                      agreement__status__in=["in_force", "ended", "expired"])
    published += texts("programme.WorkItem", ["title", "description"], ~Q(programme__partnership__visibility="private"))
    return sorted(s for s in set(out) if not any(s in text for text in published))


def cell(response) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return "✓"
    if 300 <= status < 400:
        where = response.get("Location", "")
        if "/accounts/login/" in where:
            return "login"
        if "reauthenticate" in where or "/2fa/" in where:
            return "reauth"
        return "→"
    return str(status)


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    text = raw.decode("utf-8", "replace")
    if "json" in response.get("Content-Type", ""):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return html.unescape(text)


def ask(rows: list[Row], people: dict, hidden: list[str]) -> None:
    """Fill every row's cells; a write is made inside a transaction that is rolled back."""
    clients = {}
    for audience, person in people.items():
        if audience not in AUDIENCES:
            continue
        c = Client(raise_request_exception=False)
        if person is not None:
            c.force_login(person)
        clients[audience] = c
    for row in rows:
        for audience in AUDIENCES:
            c = clients[audience]
            with transaction.atomic():
                if row.method == "GET":
                    response = c.get(row.url)
                else:
                    response = c.generic(row.method, row.url, data="{}", content_type="application/json")
                value = cell(response)
                if value == "✓" and audience in OUTSIDERS:
                    text = body_text(response)
                    leaked = [s for s in hidden if s in text]
                    if leaked:
                        value = f"✓ LEAK «{leaked[0][:40]}»"
                transaction.set_rollback(True)
            row.cells[audience] = value


# --- the table in docs/visibility.md ------------------------------------------------------------

HEADER = ("| page or operation | on | area | " + " | ".join(AUDIENCES) + " |\n"
          "|---|---|---|" + "---|" * len(AUDIENCES) + "\n")


def render(rows: list[Row]) -> str:
    lines = [HEADER]
    for r in rows:
        lines.append(f"| {r.key} | {r.world} | {r.area} | " + " | ".join(r.cells[a] for a in AUDIENCES) + " |\n")
    return "".join(lines)


def read_table(text: str | None = None) -> dict[tuple[str, str], dict]:
    text = DOC.read_text(encoding="utf-8") if text is None else text
    if BEGIN not in text:
        return {}
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    table = {}
    for line in block.splitlines():
        if not line.startswith("| ") or line.startswith("| page or operation"):
            continue
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        key, world, area, *cells = parts
        table[(key, world)] = {"area": area, "cells": dict(zip(AUDIENCES, cells, strict=True))}
    return table


def write_table(rows: list[Row]) -> None:
    text = DOC.read_text(encoding="utf-8")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    DOC.write_text(before + BEGIN + "\n\n" + render(rows) + "\n" + END + after, encoding="utf-8")
