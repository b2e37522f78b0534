"""Fill the database with a country's worth of realistic data, for benchmarks.

    joinery manage generate_data --scale small|medium|national --seed N

Deterministic: the same seed, scale and `--now` give the same rows. Rows go in through
bulk inserts (COPY on PostgreSQL, `executemany` on SQLite) in batches, never through the
services, so `national` loads in minutes. The shape follows the product: organisations of
every sector and level with their jurisdictions and representatives, partnerships of mostly
3–15 partners with charters, invitations and decisions (participants and positions),
agreements with parties, Markdown clauses, comment threads, positions, commitments,
amendments, frozen versions with SHA-256 fingerprints and signatures, notifications, and an
audit trail whose hash chain is valid (each hash is computed with `AuditEvent.compute_hash`
itself), so `joinery audit verify` passes.

A fixed "bench" corner is the same at every scale, so that comparing scales measures how a
page behaves as the *rest* of the country grows: the person bench@joinery.example (password
printed at the end, no MFA: it represents a non-profit) administers "Bench Community
Services", a partner in the "Bench Network" partnership (slug `bench-network`: 12 partners,
60 decisions, 40 agreements, one of them with 80 clauses, 160 comments and 3 versions) and in
seven sister partnerships, and is invited to two more. `--context-out FILE` writes those ids
and slugs as JSON for bench/run.py.

Models are looked up through the app registry (no imports of the domain apps at module
level): core stays at the bottom of the dependency graph.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import random
import re
import time
from array import array
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils.text import slugify

UTC = dt.UTC
GENERATOR_VERSION = 2

BENCH_EMAIL = "bench@joinery.example"
BENCH_PASSWORD = "bench-reads-only-2025"
BENCH_PARTNERSHIP_SLUG = "bench-network"
BENCH_ORG_SLUG = "bench-community-services"
BENCH_SEARCH = "food"


@dataclass(frozen=True)
class Scale:
    organisations: int
    municipalities: int
    partnerships: int
    agreements: int
    clauses_comments: int
    audit_events: int
    decisions_per_partnership: int
    notifications_per_person: int


SCALES = {
    "small": Scale(200, 30, 50, 200, 5_000, 20_000, 6, 2),
    "medium": Scale(2_000, 300, 500, 2_000, 50_000, 200_000, 7, 2),
    "national": Scale(20_000, 3_000, 5_000, 50_000, 1_000_000, 5_000_000, 8, 2),
}

# The bench corner: the same at every scale (its own random stream).
ANCHOR_ORGS = 40               # organisations 0..39 are drawn from the anchor stream
ANCHOR_PARTNERS = 12           # active partners of Bench Network, the bench organisation among them
ANCHOR_DECISIONS = 60
ANCHOR_AGREEMENTS = 40
BIG_CLAUSES = 80
BIG_COMMENTS = 160
BIG_VERSIONS = 3
SISTERS = 7                    # other partnerships the bench organisation is a partner in
INVITED = 2                    # partnerships that invite the bench organisation
ANCHOR_FILLER = 2_000          # background audit events about the bench corner, spread over time
BENCH_NOTIFICATIONS = 300

# --- text ----------------------------------------------------------------------------------------

PROVINCES = ["Ontario", "Québec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan", "Nova Scotia",
             "New Brunswick", "Newfoundland and Labrador", "Prince Edward Island", "Yukon",
             "Northwest Territories", "Nunavut"]
PLACE_PREFIX = ["", "", "", "", "Saint-", "Sainte-", "Port ", "North ", "East ", "West ", "Lac-", "Mount ",
                "New ", "Fort ", "Grand "]
PLACE_ROOT = ["Albert", "Brook", "Cedar", "Maple", "Pine", "River", "Stone", "Elm", "Birch", "Willow", "Clair",
              "Laurent", "Hyacinthe", "Jérôme", "Marie", "Georges", "Hope", "Bay", "Ash", "Oak", "Spruce",
              "Hazel", "Alder", "Aspen", "Fern", "Heron", "Loon", "Otter", "Beaver", "Moose", "Raven", "Eagle",
              "Prairie", "Granite", "Silver", "Copper", "Amber", "Crystal", "Meadow", "Harbour", "Lévis",
              "Anne", "Rémi", "Rosaire", "Thérèse", "Victoria", "Edward", "Arthur", "Simcoe", "Huron"]
PLACE_SUFFIX = ["", "", "ville", "ton", " Falls", " Bay", " Harbour", " Creek", " Valley", " Lake", " Heights",
                " Crossing", " Springs", " Landing", " Point", "-sur-Mer", " Ridge"]
NATION_ROOT = ["Wolf Lake", "Eagle River", "Bear Creek", "Red Sky", "Thunder Bay", "Sandy Point", "Long Plain",
               "Moose Deer", "Whitefish", "Sturgeon", "Caribou", "Kingfisher", "Swan River", "Cree Lake",
               "Stoney Point", "Big Island", "Birch Narrows", "Pine Creek", "Cold Lake", "Black River"]
FIRST = ["Amira", "Benoît", "Chloé", "David", "Émilie", "Farid", "Grace", "Hugo", "Isabelle", "Jamal", "Kateri",
         "Liam", "Mei", "Nathalie", "Omar", "Priya", "Quinn", "Rosalie", "Samuel", "Tara", "Uma", "Victor", "Wen",
         "Xavier", "Yasmin", "Zoé", "Aaliyah", "Bruno", "Camille", "Dmitri", "Elena", "François", "Gabriel",
         "Hannah", "Ines", "Joseph", "Kwame", "Léa", "Mateo", "Noor", "Olivia", "Pierre", "Rania", "Sophie",
         "Thomas", "Valérie", "William", "Ayesha", "Louis", "Marguerite"]
LAST = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
        "Smith", "Brown", "Wilson", "Martin", "Lee", "Singh", "Nguyen", "Patel", "Chen", "Ahmed", "Okafor",
        "Cardinal", "Bear", "Sinclair", "MacDonald", "Campbell", "Wong", "Kaur", "Pelletier", "Bélanger",
        "Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard", "Boucher", "Caron", "Beaulieu",
        "Cloutier", "Dubé", "Poirier", "Fontaine", "Thompson", "Anderson", "Taylor", "Clarke", "Nakamura",
        "Haddad", "Mensah"]
CAUSES = ["Food Security", "Housing", "Youth", "Seniors", "Newcomer", "Literacy", "Mental Health", "Family",
          "Employment", "Disability", "Arts", "Recreation", "Recovery", "Legal Aid", "Women's", "Environment",
          "Heritage", "Transit", "Childcare", "Health"]
NONPROFIT_FORMS = ["{place} {cause} Society", "{place} {cause} Network", "Centre for {cause} Action",
                   "{place} Food Bank", "{cause} Alliance of {place}", "Association {cause} de {place}",
                   "{place} Community Services", "{place} {cause} Coalition", "{place} Friendship Centre",
                   "United Way {place}", "{place} Family Resource Centre", "{place} Community Food Centre"]
COMMUNITY_FORMS = ["{place} Residents' Association", "{place} Tenants' Union", "{place} Youth Collective",
                   "{place} Seniors' Circle", "{place} Neighbourhood Watch", "{place} Community Garden",
                   "Friends of {place} Library", "{place} Parents' Committee"]
PRIVATE_FORMS = ["{last} & {last2} Consulting", "{place} Credit Union", "{place} Grocers Ltd.",
                 "{last} Social Enterprise Inc.", "{place} Housing Co-operative", "{last} Data Services"]
DEPARTMENTS = ["Health", "Housing", "Employment and Social Development", "Immigration", "Justice",
               "Education", "Children and Families", "Seniors", "Transport", "Environment", "Indigenous Services",
               "Public Safety", "Agriculture and Food", "Culture"]
TOPICS = ["youth mental health", "food security", "affordable housing", "newcomer settlement",
          "seniors' isolation", "early childhood education", "homelessness prevention", "family violence",
          "employment services", "digital inclusion", "community safety", "addictions recovery",
          "climate adaptation", "transit access", "language revitalisation", "adult literacy",
          "disability supports", "rural broadband", "recreation access", "emergency preparedness"]
HEADINGS = ["Purpose", "Definitions", "Parties and roles", "Principles", "Governance", "Decision-making",
            "Information sharing", "Privacy and confidentiality", "Funding and contributions",
            "In-kind contributions", "Reporting", "Performance measures", "Communications",
            "Intellectual property", "Conflict of interest", "Dispute resolution", "Liability and indemnity",
            "Insurance", "Term", "Review", "Amendment", "Termination", "Notices", "Official languages",
            "Accessibility", "Data retention", "Staff and volunteers", "Complaints", "Evaluation",
            "Schedules"]
SENTENCES = [
    "The parties agree to work together on {topic} in the areas named in Schedule {letter}.",
    "Each party **names a lead contact** who answers requests within {days} working days.",
    "Information about a person is shared only with their consent, or where the law requires it.",
    "The convener keeps the record of decisions and circulates it within {days} days of each meeting.",
    "Funding is released in {n} instalments, each after the partners accept the previous report.",
    "A party may withdraw with {days} days' written notice to the other parties.",
    "Disagreements go first to the leads; if unresolved within {days} days, to a facilitator chosen together.",
    "Reports follow the shared template and are published in *English and French*.",
    "No party speaks for another in public without its written agreement.",
    "The parties review this agreement every {n} months and record what they change and why.",
    "Personal information is stored in Canada and kept no longer than {n} years.",
    "Volunteers are screened under each party's own policy before they work with clients.",
    "Costs above ${amount} need the written agreement of every funder.",
    "Each party keeps its own insurance and names the others as additional insured where required.",
    "Where this agreement and a party's governing statute conflict, the statute prevails.",
    "Materials produced together are licensed to every party under CC BY 4.0.",
    "The shared coordinator works **{n} days a week** and reports to the steering table.",
    "Referrals between the parties use the common form in Schedule {letter}.",
    "Wait times for {topic} are measured monthly and shared with the partners.",
    "Meetings are accessible, held in turn at each party's premises, and open to observers.",
    "Any party may ask for a review if the context for {topic} changes materially.",
    "Notices are sent by email to the lead contacts named in Schedule {letter}.",
]
LIST_ITEMS = ["monthly case conferences", "a shared referral form", "quarterly data on wait times",
              "a joint training calendar", "an annual public report", "a complaints log reviewed each quarter",
              "interpretation on request", "a privacy impact assessment before any new data flow",
              "a named backup for every lead contact", "a plain-language summary of each decision"]
COMMENTS = [
    "Can we say *working days* here?", "We cannot commit to {days} days: our board meets monthly.",
    "Agreed, subject to legal review.", "Please add the French version of Schedule {letter}.",
    "Who pays for translation?", "This duplicates clause {n}.", "Suggest: “within a reasonable time”.",
    "Our privacy office asks that we name the retention period.", "+1 from us.",
    "Resolved in the last round; keeping the note for the record.",
    "Could the funders confirm the instalment dates?", "We would like our legal name used here.",
    "Does this apply to volunteers as well as staff?", "Fine for us if the review is every {n} months.",
    "Can we attach the data dictionary as a schedule?",
]
DECISION_TITLES = ["Adopt the {year} work plan", "Approve the {topic} pilot", "Change the meeting schedule",
                   "Fund the shared coordinator role", "Endorse the joint submission on {topic}",
                   "Set the data-sharing principles", "Approve the evaluation framework",
                   "Admit a new partner", "Renew the {topic} working group", "Adopt the communications protocol",
                   "Agree the {year} budget", "Close the {topic} pilot"]
AGREEMENT_TITLES = {
    "mou": "Memorandum of understanding on {topic}",
    "partnering": "{topic_cap} partnering agreement",
    "contribution": "{topic_cap} contribution agreement {year}",
    "protocol": "Information-sharing protocol: {topic}",
}
UNITS = {"money": "CAD", "staff_hours": "hours", "volunteer_hours": "hours", "in_kind": "items",
         "data": "reports", "service": "sessions"}


def _letter(rng):
    return "ABCDEF"[rng.randrange(6)]


def _sentence(rng, topic):
    return rng.choice(SENTENCES).format(topic=topic, letter=_letter(rng), days=rng.choice((5, 10, 15, 30, 60, 90)),
                                        n=rng.randint(2, 12), amount=f"{rng.randint(1, 50) * 1000:,}")


def _body(rng, topic, sentences=None):
    """A clause's Markdown: a paragraph or two, sometimes a list."""
    k = sentences or rng.randint(2, 4)
    parts = [" ".join(_sentence(rng, topic) for _ in range(k))]
    r = rng.random()
    if r < 0.3:
        parts.append("\n".join(f"- {item}" for item in rng.sample(LIST_ITEMS, rng.randint(2, 4))))
    elif r < 0.45:
        parts.append("\n".join(f"{i}. {item}" for i, item in enumerate(rng.sample(LIST_ITEMS, 3), start=1)))
    if rng.random() < 0.3:
        parts.append(_sentence(rng, topic))
    return "\n\n".join(parts)


def _mutate(rng, body, topic):
    """An earlier wording of a clause: a sentence fewer, a number changed or a sentence more."""
    r = rng.random()
    if r < 0.4:
        return re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), body, count=1)
    if r < 0.7 and ". " in body:
        first, _sep, rest = body.partition(". ")
        return rest if rest else first
    return body + " " + _sentence(rng, topic)


# --- writing rows ---------------------------------------------------------------------------------

class Writer:
    """Rows into one table, in batches: COPY on PostgreSQL, executemany on SQLite.

    `columns` are attnames the generator supplies, in its tuples' order. Any other concrete
    field gets its default (so a field added later with a default needs no change here); a
    required field without a default stops the run with a message naming it.
    """

    def __init__(self, gen, model, columns, planned: int = 0):
        self.gen, self.model = gen, model
        meta = model._meta
        fields = {f.attname: f for f in meta.concrete_fields}
        missing = [c for c in columns if c not in fields]
        if missing:
            raise CommandError(f"{meta.label} has no field {', '.join(missing)}: update generate_data.")
        extra = [f for name, f in fields.items() if name not in columns]
        self.table = meta.db_table
        self.attnames = list(columns) + [f.attname for f in extra]
        db_columns = [fields[c].column for c in columns] + [f.column for f in extra]
        vendor = connection.vendor
        self.convert = []
        for i, name in enumerate(columns):
            fn = _converter(fields[name], vendor)
            if fn is not None:
                self.convert.append((i, fn))
        extra_values = []
        for f in extra:
            value = _default(gen, model, f)
            fn = _converter(f, vendor)
            extra_values.append(fn(value) if (fn and value is not None) else value)
        self.extra = tuple(extra_values)
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in db_columns)
        if vendor == "postgresql":
            self.sql = f"COPY {qn(self.table)} ({cols}) FROM STDIN"
        else:
            marks = ", ".join("?" for _ in db_columns)
            self.sql = f"INSERT INTO {qn(self.table)} ({cols}) VALUES ({marks})"
        self.rows: list[tuple] = []
        self.count = 0
        self.seconds = 0.0
        self.planned = planned
        self.task = gen.progress.add_task(meta.db_table, total=planned or None)

    def add(self, row: tuple) -> None:
        if self.convert:
            row = list(row)
            for i, fn in self.convert:
                v = row[i]
                if v is not None:
                    row[i] = fn(v)
            row = tuple(row)
        self.rows.append(row + self.extra if self.extra else row)
        if len(self.rows) >= self.gen.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            with connection.cursor() as cur, cur.cursor.copy(self.sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            connection.connection.executemany(self.sql, self.rows)
        self.seconds += time.perf_counter() - started
        self.count += len(self.rows)
        self.gen.progress.update(self.task, completed=self.count,
                                 total=max(self.planned, self.count) if self.planned else None)
        self.rows = []


def _json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _converter(field, vendor):
    if isinstance(field, models.JSONField):
        return _json
    if vendor == "postgresql":
        return None
    if isinstance(field, models.DateTimeField):
        return lambda v: v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(field, models.DateField):
        return lambda v: v.isoformat()
    if isinstance(field, models.DecimalField):
        return str
    return None


def _default(gen, model, field):
    if field.has_default():
        return field.get_default()
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return gen.now
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise CommandError(f"{model._meta.label}.{field.name} needs a value: update generate_data.")


# --- the audit trail --------------------------------------------------------------------------------

class AuditStream:
    """Appends events in id order with a valid hash chain, interleaving background activity.

    Time runs from three years ago to yesterday, one step per event. After each event
    describing something created, enough background events (edits, resolutions, updates,
    some about the bench corner) follow to reach the scale's total evenly.
    """

    def __init__(self, gen, start_id, previous_hash, target, estimate):
        self.gen = gen
        self.AuditEvent = apps.get_model("audit", "AuditEvent")
        self.writer = Writer(gen, self.AuditEvent, [
            "id", "occurred_at", "actor_id", "actor_label", "acting_for_id", "action", "object_type",
            "object_id", "object_repr", "partnership_id", "before", "after", "previous_hash", "hash"],
            planned=target)
        self.next_id = start_id
        self.previous = previous_hash
        self.target = target
        self.estimate = max(estimate, 1)
        self.start = gen.now - dt.timedelta(days=3 * 365)
        self.step = (gen.now - dt.timedelta(days=1) - self.start) / max(target, 1)
        self.written = 0
        self.created = 0
        self.owed = 0.0
        self.hash_seconds = 0.0
        self.filler = None  # set by the generator: a callable that emits one background event

    def now(self) -> dt.datetime:
        return self.start + self.step * self.written

    def event(self, actor, action, object_type, object_id, object_repr, *, partnership=None, acting_for=None,
              before=None, after=None):
        self._emit(actor, action, object_type, object_id, object_repr, partnership, acting_for, before, after)
        self.created += 1
        remaining = max(self.estimate - self.created, 1)
        room = self.target - self.written - remaining
        if room > 0 and self.filler is not None:
            self.owed += room / remaining
            while self.owed >= 1:
                self.owed -= 1
                self.filler()

    def top_up(self):
        while self.written < self.target and self.filler is not None:
            self.filler()

    def _emit(self, actor, action, object_type, object_id, object_repr, partnership, acting_for, before, after):
        occurred = self.start + self.step * self.written
        label = self.gen.person_name(actor) if actor else "system"
        event = self.AuditEvent.__new__(self.AuditEvent)
        event.__dict__.update(
            occurred_at=occurred, actor_id=actor, actor_label=label, acting_for_id=acting_for, action=action,
            object_type=object_type, object_id=str(object_id), object_repr=object_repr[:300],
            partnership_id=partnership, before=before, after=after, previous_hash=self.previous)
        started = time.perf_counter()
        digest = self.AuditEvent.compute_hash(event)
        self.hash_seconds += time.perf_counter() - started
        self.writer.add((self.next_id, occurred, actor, label, acting_for, action, object_type, str(object_id),
                         object_repr[:300], partnership, before, after, self.previous, digest))
        self.previous = digest
        self.last_id = self.next_id
        self.next_id += 1
        self.written += 1


# --- the generator ----------------------------------------------------------------------------------

class _NoProgress:
    def add_task(self, *a, **k):
        return 0

    def update(self, *a, **k):
        pass


class Generator:
    def __init__(self, *, scale: str, seed: int, now: dt.datetime, batch_size: int, progress, password: str):
        self.scale_name = scale
        self.scale = SCALES[scale]
        self.seed = seed
        self.now = now
        self.today = now.date()
        self.batch_size = batch_size
        self.progress = progress or _NoProgress()
        self.password = password
        self.rng = random.Random(f"{seed}/bulk/{scale}")
        self.anchor_rng = random.Random(f"{seed}/anchor")
        self.m = {label: apps.get_model(*label.split(".")) for label in [
            "accounts.Person", "organisations.Jurisdiction", "organisations.Organisation",
            "organisations.Representative", "network.Partnership", "network.Partner", "network.Invitation",
            "network.CharterVersion", "network.Decision", "network.DecisionParticipant", "network.Position",
            "agreements.Agreement", "agreements.AgreementParty", "agreements.Clause", "agreements.Comment",
            "agreements.Amendment", "agreements.ClausePosition", "agreements.Commitment",
            "agreements.AgreementVersion", "agreements.Signature", "agreements.Review",
            "notifications.Notification", "audit.AuditEvent", "audit.AuditChainHead"]}
        self.agreement_services = import_module("joinery.agreements.services")
        self.rules = import_module("joinery.network.decision_rules")

    # ids --------------------------------------------------------------------------------------------

    def _next_ids(self):
        self.ids = {}
        for label, model in self.m.items():
            if label == "audit.AuditChainHead":
                continue
            top = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
            self.ids[label] = itertools.count(top + 1)

    def new_id(self, label: str) -> int:
        return next(self.ids[label])

    def person_name(self, pid: int) -> str:
        return self.people_names[pid - self.person_base]

    # writers ----------------------------------------------------------------------------------------

    def _writers(self):
        s = self.scale
        people = int(s.organisations * 2.0)
        m = self.m
        W = lambda label, cols, planned=0: Writer(self, m[label], cols, planned)  # noqa: E731
        self.w = {
            "person": W("accounts.Person", ["id", "password", "last_login", "is_superuser", "email", "full_name",
                                            "is_staff", "is_active", "date_joined", "preferred_language",
                                            "email_invitations", "email_decisions"], people),
            "jurisdiction": W("organisations.Jurisdiction", ["id", "created_at", "updated_at", "name",
                                                             "parent_id"], s.municipalities + 13),
            "organisation": W("organisations.Organisation", [
                "id", "created_at", "updated_at", "version", "name", "slug", "sector", "level", "jurisdiction_id",
                "identifier_scheme", "identifier", "email", "phone", "address", "website", "description",
                "is_active", "closed_at"], s.organisations),
            "representative": W("organisations.Representative", [
                "id", "created_at", "updated_at", "person_id", "organisation_id", "role", "started_at",
                "ended_at", "end_reason", "successor_of_id"], int(s.organisations * 2.3)),
            "partnership": W("network.Partnership", [
                "id", "created_at", "updated_at", "version", "name", "slug", "purpose", "geography",
                "start_date", "end_date", "visibility", "created_by_id"], s.partnerships),
            "partner": W("network.Partner", [
                "id", "created_at", "updated_at", "partnership_id", "organisation_id", "role", "status",
                "joined_at", "left_at", "left_reason"], s.partnerships * 8),
            "invitation": W("network.Invitation", [
                "id", "created_at", "updated_at", "partnership_id", "organisation_id", "role", "message",
                "status", "invited_by_id", "responded_by_id", "responded_at", "response_reason"],
                s.partnerships * 8),
            "charter": W("network.CharterVersion", [
                "id", "partnership_id", "number", "purpose", "scope", "limits", "decision_rule", "quorum",
                "review_date", "changes_need_decision", "change_note", "created_by_id", "created_at"],
                int(s.partnerships * 1.4)),
            "decision": W("network.Decision", [
                "id", "created_at", "updated_at", "version", "partnership_id", "title", "question",
                "background", "options", "kind", "payload", "proposed_by_id", "proposed_for_id", "rule",
                "quorum", "charter_version_id", "opened_at", "closes_at", "status", "closed_at", "outcome",
                "outcome_explanation", "outcome_tally", "outcome_positions", "rationale", "review_date",
                "lead_ruling"], s.partnerships * s.decisions_per_partnership),
            "participant": W("network.DecisionParticipant", ["id", "decision_id", "organisation_id", "asked_at"],
                             s.partnerships * s.decisions_per_partnership * 8),
            "position": W("network.Position", [
                "id", "created_at", "updated_at", "decision_id", "organisation_id", "stance", "reason",
                "recorded_by_id"], s.partnerships * s.decisions_per_partnership * 6),
            "agreement": W("agreements.Agreement", [
                "id", "created_at", "updated_at", "version", "partnership_id", "title", "kind", "language",
                "drafting_lead_id", "status", "template", "variation_of_id", "signature_version_id",
                "in_force_version_id", "in_force_since", "review_date", "expiry_date", "ended_at", "end_reason",
                "created_by_id"], s.agreements),
            "party": W("agreements.AgreementParty", ["id", "agreement_id", "organisation_id"], s.agreements * 4),
            "clause": W("agreements.Clause", [
                "id", "created_at", "updated_at", "agreement_id", "position", "heading", "body", "guidance",
                "revision", "deleted_at", "updated_by_id"], int(s.clauses_comments * 0.6)),
            "comment": W("agreements.Comment", [
                "id", "created_at", "updated_at", "clause_id", "parent_id", "author_id", "acting_for_id", "body",
                "quote", "quote_start", "quote_end", "resolved_at", "resolved_by_id"],
                int(s.clauses_comments * 0.4)),
            "amendment": W("agreements.Amendment", [
                "id", "created_at", "updated_at", "agreement_id", "clause_id", "kind", "heading", "body",
                "rationale", "clause_revision", "proposer_id", "acting_for_id", "status", "decided_by_id",
                "decided_at", "decision_reason"], s.agreements),
            "clause_position": W("agreements.ClausePosition", [
                "id", "created_at", "updated_at", "clause_id", "organisation_id", "stance", "reason",
                "clause_revision", "recorded_by_id"], int(s.clauses_comments * 0.5)),
            "commitment": W("agreements.Commitment", [
                "id", "created_at", "updated_at", "agreement_id", "clause_id", "party_id", "kind",
                "description", "quantity", "unit", "period_start", "period_end", "deleted_at"],
                int(s.clauses_comments * 0.08)),
            "version": W("agreements.AgreementVersion", [
                "id", "agreement_id", "number", "canonical_text", "fingerprint", "snapshot", "frozen_at",
                "frozen_by_id", "for_signature"], int(s.agreements * 1.2)),
            "signature": W("agreements.Signature", [
                "id", "created_at", "updated_at", "version_id", "organisation_id", "status", "signer_id",
                "signer_name", "signer_role", "signed_at", "fingerprint", "reason"], int(s.agreements * 2.5)),
            "review": W("agreements.Review", [
                "id", "created_at", "updated_at", "agreement_id", "proposed_outcome", "decision_id", "outcome",
                "next_review_date", "recorded_at"], s.agreements // 20),
            "notification": W("notifications.Notification", [
                "id", "recipient_id", "kind", "title", "body", "url", "created_at", "read_at", "emailed_at"],
                people * s.notifications_per_person),
        }

    # --- run -------------------------------------------------------------------------------------------

    def run(self) -> dict:
        started = time.perf_counter()
        Person = self.m["accounts.Person"]
        if Person.objects.filter(email=BENCH_EMAIL).exists():
            raise CommandError(f"{BENCH_EMAIL} already exists: generate into a fresh database "
                               "(bench/run.py makes one per scale).")
        self._next_ids()
        Head = self.m["audit.AuditChainHead"]
        AuditEvent = self.m["audit.AuditEvent"]
        head = Head.objects.filter(id=1).first()
        previous = head.last_hash if head else apps.get_app_config("audit").module.models.GENESIS_HASH
        start_id = (AuditEvent.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
        s = self.scale
        decisions = s.partnerships * s.decisions_per_partnership + ANCHOR_DECISIONS
        # Events describing what is created, per row of each kind (measured on generated data).
        estimate = int(5.7 * s.organisations + 26 * s.partnerships + 8.2 * decisions
                       + 1.85 * s.clauses_comments + 2 * s.agreements)
        self._writers()
        self.audit = AuditStream(self, start_id, previous, s.audit_events, estimate)
        self.audit.filler = self._filler
        self._pools()

        self._jurisdictions()
        self._organisations()
        self._partnerships()
        self._notifications()
        self.audit.top_up()
        for w in [*self.w.values(), self.audit.writer]:
            w.flush()
        Head.objects.update_or_create(id=1, defaults={"last_hash": self.audit.previous,
                                                      "last_event_id": self.audit.last_id})
        self._email_address()
        self._reset_sequences()
        seconds = time.perf_counter() - started
        self.context.update(seconds=round(seconds, 1), hash_seconds=round(self.audit.hash_seconds, 1),
                            counts=self.counts())
        return self.context

    def counts(self) -> dict:
        out = {w.table: (w.count, round(w.seconds, 2)) for w in self.w.values()}
        out[self.audit.writer.table] = (self.audit.writer.count, round(self.audit.writer.seconds, 2))
        return out

    def _reset_sequences(self):
        sql = connection.ops.sequence_reset_sql(no_style(), [m for m in self.m.values()])
        with connection.cursor() as cur:
            for statement in sql:
                cur.execute(statement)

    def _email_address(self):
        EmailAddress = apps.get_model("account", "EmailAddress")
        EmailAddress.objects.create(user_id=self.bench_person, email=BENCH_EMAIL, verified=True, primary=True)

    # --- pools for background events -------------------------------------------------------------------

    def _pools(self):
        self.org_ids = array("q")          # every organisation
        self.org_admin = {}               # organisation id -> admin person id
        self.org_names = {}
        self.org_signatory = {}
        self.org_sector = {}
        self.pool_partnerships = array("q")
        self.partnership_convener = {}
        self.pool_clauses = array("q")      # (clause id, partnership id, actor, acting_for) flattened
        self.pool_comments = array("q")
        self.anchor_pool = []               # (kind, object id, partnership id, actor, acting_for)
        self.anchor_partnerships = set()
        self.people_names = []
        self.person_base = self._peek("accounts.Person")
        self.org_place = {}
        self.partnership_charter = {}
        self.anchor_left = ANCHOR_FILLER
        self.cc_used = 0
        self.cc_target = 25.0
        self.context = {}

    def _peek(self, label):
        value = next(self.ids[label])
        self.ids[label] = itertools.chain([value], self.ids[label])
        return value

    def _filler(self):
        rng = self.rng
        remaining = max(self.audit.target - self.audit.written, 1)
        if self.anchor_pool and rng.random() < min(1.0, self.anchor_left / remaining):
            self.anchor_left -= 1
            kind, oid, pid, actor, org = self.anchor_pool[rng.randrange(len(self.anchor_pool))]
        else:
            r = rng.random()
            n_cl = len(self.pool_clauses) // 4
            n_cm = len(self.pool_comments) // 4
            if r < 0.45 and n_cl:
                i = rng.randrange(n_cl) * 4
                kind, (oid, pid, actor, org) = "clause", self.pool_clauses[i:i + 4]
            elif r < 0.65 and n_cm:
                i = rng.randrange(n_cm) * 4
                kind, (oid, pid, actor, org) = "comment", self.pool_comments[i:i + 4]
            elif r < 0.85 and self.pool_partnerships:
                pid = self.pool_partnerships[rng.randrange(len(self.pool_partnerships))]
                org = self.partnership_convener[pid]
                kind, oid, actor = "partnership", pid, self.org_admin[org]
            elif self.org_ids:
                org = self.org_ids[rng.randrange(len(self.org_ids))]
                kind, oid, pid, actor = "organisation", org, None, self.org_admin[org]
            else:  # nothing but people yet
                pid_ = self.person_base + rng.randrange(len(self.people_names))
                self.audit._emit(pid_, "person.preferences_changed", "accounts.person", pid_,
                                 self.person_name(pid_), None, None, {"preferred_language": "en"},
                                 {"preferred_language": "fr"})
                return
        if kind == "clause":
            rev = rng.randint(1, 6)
            self.audit._emit(actor, "clause.updated", "agreements.clause", oid, f"Clause {oid}", pid, org,
                             {"revision": rev}, {"revision": rev + 1})
        elif kind == "comment":
            self.audit._emit(actor, "comment.resolved", "agreements.comment", oid, f"Comment {oid}", pid, org,
                             None, {"resolved": True})
        elif kind == "partnership":
            self.audit._emit(actor, "partnership.updated", "network.partnership", oid, f"Partnership {oid}", pid,
                             org, {"geography": ""}, {"geography": rng.choice(PROVINCES)})
        else:
            self.audit._emit(actor, "organisation.updated", "organisations.organisation", oid,
                             self.org_names[oid], None, org, {"phone": ""},
                             {"phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"})

    # --- jurisdictions ------------------------------------------------------------------------------------

    def _jurisdictions(self):
        w = self.w["jurisdiction"]
        t = self.audit.now()
        self.provinces = []
        for name in PROVINCES:
            jid = self.new_id("organisations.Jurisdiction")
            w.add((jid, t, t, name, None))
            self.provinces.append((jid, name))
        rng = random.Random(f"{self.seed}/places")  # the same first places at every scale
        seen = set()
        self.municipalities = []
        self.nations = []
        for i in range(self.scale.municipalities):
            pid, pname = self.provinces[rng.randrange(len(self.provinces))]
            nation = i % 20 == 7
            for attempt in range(50):
                if nation:
                    name = rng.choice(NATION_ROOT) + " First Nation"
                else:
                    name = rng.choice(PLACE_PREFIX) + rng.choice(PLACE_ROOT) + rng.choice(PLACE_SUFFIX)
                if attempt > 10:
                    name = f"{name} {attempt}"
                if (name, pid) not in seen:
                    break
            seen.add((name, pid))
            jid = self.new_id("organisations.Jurisdiction")
            w.add((jid, t, t, name, pid))
            (self.nations if nation else self.municipalities).append((jid, name, pid, pname))

    # --- people and organisations -----------------------------------------------------------------------------

    def _person(self, name: str, email: str | None = None, password: str = "!") -> int:
        pid = self.new_id("accounts.Person")
        self.people_names.append(name)
        t = self.audit.now()
        email = email or f"{slugify(name)}.{pid}@people.joinery.example"
        lang = "fr" if (pid % 5 == 0) else "en"
        self.w["person"].add((pid, password, None, False, email, name, False, True, t, lang, True, True))
        self.audit.event(pid, "person.created", "accounts.person", pid, name, after={"email": email})
        return pid

    def _random_name(self, rng):
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    def _org_shape(self, rng, index):
        """(name, sector, level, jurisdiction id, place)."""
        r = rng.random()
        muni = self.municipalities[rng.randrange(min(len(self.municipalities), 30) if index < ANCHOR_ORGS
                                                 else len(self.municipalities))]
        mid, place, prov_id, prov = muni
        if r < 0.30:
            sector = "public"
            lr = rng.random()
            if lr < 0.05:
                return f"Department of {rng.choice(DEPARTMENTS)}", sector, "national", None, "Canada"
            if lr < 0.30:
                return f"Ministry of {rng.choice(DEPARTMENTS)}, {prov}", sector, "regional", prov_id, prov
            if lr < 0.90:
                form = rng.choice(["City of {p}", "Municipalité de {p}", "{p} Public Library",
                                   "{p} Fire and Emergency Services", "{p} Housing Office",
                                   "{p} Public Health Unit", "{p} School Board"])
                return form.format(p=place), sector, "local", mid, place
            nations = self.nations[:1] if index < ANCHOR_ORGS else self.nations
            if nations:
                nid, nation, _pid, _prov = nations[rng.randrange(len(nations))]
                form = rng.choice(["{n} Band Council", "{n} Health Authority", "{n} Education Authority"])
                return form.format(n=nation), sector, "indigenous", nid, nation
            return f"{place} Health Authority", sector, "indigenous", mid, place
        if r < 0.70:
            form = rng.choice(NONPROFIT_FORMS)
            sector = "non_profit"
        elif r < 0.90:
            form = rng.choice(COMMUNITY_FORMS)
            sector = "community"
        else:
            form = rng.choice(PRIVATE_FORMS)
            sector = "private"
        name = form.format(place=place, cause=rng.choice(CAUSES), last=rng.choice(LAST), last2=rng.choice(LAST))
        return name, sector, "", mid, place

    def _organisations(self):
        s = self.scale
        w = self.w["organisation"]
        reps = self.w["representative"]
        for index in range(s.organisations):
            rng = self.anchor_rng if index < ANCHOR_ORGS else self.rng
            if index == 0:
                name, sector, level, jid, place = ("Bench Community Services", "non_profit", "",
                                                   self.municipalities[0][0], self.municipalities[0][1])
            else:
                name, sector, level, jid, place = self._org_shape(rng, index)
            oid = self.new_id("organisations.Organisation")
            if index == 0:
                admin = self._person("Bench Reader", BENCH_EMAIL, make_password(self.password))
                self.bench_person = admin
                slug = BENCH_ORG_SLUG
            else:
                admin = self._person(self._random_name(rng))
                slug = f"{slugify(name)[:60].strip('-')}-{oid}"
            t = self.audit.now()
            active = index < ANCHOR_ORGS or rng.random() > 0.02
            scheme, ident = {"non_profit": ("Charity number", f"{rng.randint(10**8, 10**9 - 1)} RR0001"),
                             "private": ("Business number", f"{rng.randint(10**8, 10**9 - 1)}"),
                             }.get(sector, ("", ""))
            description = (f"{name} works on {rng.choice(TOPICS)} and {rng.choice(TOPICS)} in {place}. "
                           f"{_sentence(rng, rng.choice(TOPICS))}")
            w.add((oid, t, t, 1, name, slug, sector, level, jid, scheme, ident,
                   f"contact@{slug[:40]}.example", f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                   f"{rng.randint(1, 999)} Main Street, {place}", f"https://{slug[:40]}.example",
                   description, active, None if active else t))
            self.audit.event(admin, "organisation.created", "organisations.organisation", oid, name,
                             acting_for=oid, after={"name": name, "sector": sector, "level": level})
            self.org_ids.append(oid)
            self.org_admin[oid] = admin
            self.org_names[oid] = name
            self.org_sector[oid] = sector
            self.org_place[oid] = place
            roles = [("admin", admin)]
            if index == 0:
                roles.append(("signatory", admin))
            else:
                if rng.random() < 0.5:
                    roles.append(("coordinator", self._person(self._random_name(rng))))
                if rng.random() < 0.35:
                    roles.append(("member", self._person(self._random_name(rng))))
                if rng.random() < 0.6:
                    roles.append(("signatory", admin if rng.random() < 0.5 else self._person(self._random_name(rng))))
            self.org_signatory[oid] = next((p for role, p in roles if role == "signatory"), admin)
            for role, person in roles:
                rid = self.new_id("organisations.Representative")
                reps.add((rid, t, t, person, oid, role, t, None, "", None))
                self.audit.event(admin, "representative.added", "organisations.representative", rid,
                                 f"{self.person_name(person)} — {role}, {name}", acting_for=oid,
                                 after={"person": person, "role": role})
            if index and rng.random() < 0.1:  # a role that ended: history on the representatives page
                gone = self._person(self._random_name(rng))
                rid = self.new_id("organisations.Representative")
                reps.add((rid, t, t, gone, oid, "coordinator", t - dt.timedelta(days=400), t, "Left the organisation",
                          None))
        self.public_orgs = [oid for oid in self.org_ids[ANCHOR_ORGS:] if self.org_sector[oid] == "public"]

    # --- partnerships ------------------------------------------------------------------------------------------

    def _partnerships(self):
        s = self.scale
        arng = self.anchor_rng
        org0 = self.org_ids[0]
        anchor_orgs = list(self.org_ids[1:ANCHOR_ORGS])
        # Bench Network: the bench organisation and 11 others; a public body convenes.
        public_anchor = [o for o in anchor_orgs if self.org_sector[o] == "public"] or anchor_orgs
        convener = public_anchor[0]
        others = [o for o in anchor_orgs if o != convener]
        partners = [convener, org0, *arng.sample(others, ANCHOR_PARTNERS - 2)]
        former = arng.sample([o for o in others if o not in partners], 2)
        self.context.update({"scale": self.scale_name, "seed": self.seed, "generator_version": GENERATOR_VERSION,
                        "now": self.now.isoformat(), "database": connection.vendor,
                        "bench_user": {"email": BENCH_EMAIL, "password": self.password},
                        "partnership": BENCH_PARTNERSHIP_SLUG, "organisation": BENCH_ORG_SLUG,
                        "search": BENCH_SEARCH})
        main = self._partnership(arng, partners, former=former, decisions=ANCHOR_DECISIONS,
                                 agreements=ANCHOR_AGREEMENTS, name="Bench Network", slug=BENCH_PARTNERSHIP_SLUG,
                                 visibility="private", anchor=True, bench_org=org0)
        self.context["partnership_id"] = main
        made_agreements = ANCHOR_AGREEMENTS
        made = 1
        for k in range(SISTERS):
            n = arng.randint(4, 10)
            ps = [arng.choice(public_anchor), org0, *arng.sample(others, n - 2)]
            ps = list(dict.fromkeys(ps))
            n_agr = arng.randint(2, 6)
            self._partnership(arng, ps, decisions=arng.randint(3, 10), agreements=n_agr, anchor=True,
                              visibility="public" if k % 2 else "private", bench_org=org0)
            made_agreements += n_agr
            made += 1
        for _k in range(INVITED):
            ps = list(dict.fromkeys([arng.choice(public_anchor), *arng.sample(others, 5)]))
            self._partnership(arng, ps, decisions=2, agreements=1, anchor=True, visibility="private",
                              invite=[org0])
            made_agreements += 1
            made += 1
        # The rest of the country.
        rng = self.rng
        bulk = s.partnerships - made
        candidates = self.org_ids[1:]
        cc_budget = s.clauses_comments - self.cc_used
        per_agreement_cc = cc_budget / max(s.agreements - made_agreements, 1)
        self.cc_target = per_agreement_cc
        for i in range(bulk):
            if rng.random() < 0.03:
                n = rng.randint(16, 40)
            else:
                n = 3 + int(rng.betavariate(1.6, 3.2) * 13)
            n = min(n, len(candidates))
            conv = rng.choice(self.public_orgs) if (self.public_orgs and rng.random() < 0.8) else rng.choice(candidates)
            ps = [conv, *[o for o in rng.sample(candidates, n) if o != conv]][:n]
            left_p = bulk - i
            left_a = s.agreements - made_agreements
            n_agr = max(0, round(left_a / left_p + rng.uniform(-2, 2))) if left_p > 1 else max(left_a, 0)
            made_agreements += n_agr
            invite = [o for o in rng.sample(candidates, 2) if o not in ps] if rng.random() < 0.2 else []
            self._partnership(rng, ps, decisions=rng.randint(0, 2 * s.decisions_per_partnership),
                              agreements=n_agr, visibility="public" if rng.random() < 0.4 else "private",
                              invite=invite, former=[o for o in rng.sample(candidates, 1) if o not in ps]
                              if rng.random() < 0.1 else [])

    def _partnership(self, rng, partner_orgs, *, decisions, agreements, visibility, former=(), invite=(),
                     name=None, slug=None, anchor=False, bench_org=None):
        pid = self.new_id("network.Partnership")
        convener = partner_orgs[0]
        admin = self.org_admin[convener]
        topic = rng.choice(TOPICS)
        if name is None:
            place = self.org_place[convener]
            name = rng.choice(["{t} partnership, {p}", "{p} {t} network", "{p} collaborative on {t}",
                               "Table de concertation {t} – {p}"]).format(t=topic, p=place)
            name = name[0].upper() + name[1:]
            slug = f"{slugify(name)[:60].strip('-')}-{pid}"
        t = self.audit.now()
        purpose = (f"Partners working together on {topic}. " + _sentence(rng, topic))
        self.w["partnership"].add((pid, t, t, 1, name, slug, purpose, rng.choice(PROVINCES), t.date(), None,
                                   visibility, admin))
        self.audit.event(admin, "partnership.created", "network.partnership", pid, name, partnership=pid,
                         acting_for=convener, after={"name": name, "visibility": visibility})
        self.partnership_convener[pid] = convener
        # Background activity: the bench corner draws from its own fixed budget, the rest from the
        # country's pools, so the bench partnerships are as busy at every scale.
        if anchor:
            self.anchor_pool.append(("partnership", pid, pid, admin, convener))
        else:
            self.pool_partnerships.append(pid)
        # Charter versions.
        rule = rng.choice(["consensus", "consensus", "consent", "majority", "lead"])
        charter_ids = []
        for number in range(1, 1 + (1 if rng.random() < 0.6 else rng.randint(2, 3))):
            cid = self.new_id("network.CharterVersion")
            quorum = max(2, (len(partner_orgs) + 1) // 2) if rule == "majority" else None
            self.w["charter"].add((cid, pid, number, purpose, f"Scope: {topic} in the partners' territories.",
                                   "Within each partner's mandate and budget." if number > 1 else "",
                                   rule, quorum, self.today + dt.timedelta(days=rng.randint(30, 700)),
                                   number > 1, "" if number == 1 else "Updated after the annual review.",
                                   admin, self.audit.now()))
            self.audit.event(admin, "charter.version_created", "network.charterversion", cid,
                             f"{name} charter v{number}", partnership=pid, acting_for=convener,
                             after={"number": number, "decision_rule": rule})
            charter_ids.append(cid)
        self.partnership_charter[pid] = charter_ids[-1]
        # Partners: the convener at once, the others through accepted invitations.
        roles = {}
        for k, org in enumerate(partner_orgs):
            role = "convener" if k == 0 else rng.choice(["partner"] * 6 + ["funder", "facilitator", "community"])
            roles[org] = role
            self._join(pid, name, org, role, admin, convener, invited=k > 0)
        for org in former:
            self._join(pid, name, org, "partner", admin, convener, invited=True,
                       left=rng.choice(["withdrawn", "removed"]))
        for org in invite:
            iid = self.new_id("network.Invitation")
            t = self.audit.now()
            self.w["invitation"].add((iid, t, t, pid, org, "partner", "We would value your organisation's voice.",
                                      "pending", admin, None, None, ""))
            self.audit.event(admin, "invitation.created", "network.invitation", iid,
                             f"{self.org_names[org]} invited to {name}", partnership=pid, acting_for=convener,
                             after={"organisation": org})
        # Decisions.
        decision_ids = []
        for k in range(decisions):
            decision_ids.append(self._decision(rng, pid, name, partner_orgs, rule, charter_ids[-1], topic,
                                               open_=(k == 0 and anchor) or rng.random() < 0.15,
                                               anchor=anchor))
        if anchor and bench_org is not None and slug == BENCH_PARTNERSHIP_SLUG:
            self.context["decision_id"] = decision_ids[0]
        # Agreements.
        for k in range(agreements):
            big = anchor and slug == BENCH_PARTNERSHIP_SLUG and k == 0
            self._agreement(rng, pid, name, partner_orgs, roles, topic, rule, anchor=anchor, big=big,
                            bench_org=bench_org)
        return pid

    def _join(self, pid, pname, org, role, inviter, convener, *, invited, left=None):
        t = self.audit.now()
        if invited:
            iid = self.new_id("network.Invitation")
            self.w["invitation"].add((iid, t, t, pid, org, role, "", "accepted", inviter, self.org_admin[org], t, ""))
            self.audit.event(inviter, "invitation.created", "network.invitation", iid,
                             f"{self.org_names[org]} invited to {pname}", partnership=pid, acting_for=convener,
                             after={"organisation": org, "role": role})
            self.audit.event(self.org_admin[org], "invitation.accepted", "network.invitation", iid,
                             f"{self.org_names[org]} invited to {pname}", partnership=pid, acting_for=org)
        partner_id = self.new_id("network.Partner")
        self.w["partner"].add((partner_id, t, t, pid, org, role, left or "active", t,
                               (t + dt.timedelta(days=200)) if left else None,
                               "Our mandate changed." if left else ""))
        self.audit.event(self.org_admin[org], "partner.joined", "network.partner", partner_id,
                         f"{self.org_names[org]} in {pname}", partnership=pid, acting_for=org, after={"role": role})

    def _decision(self, rng, pid, pname, partner_orgs, rule, charter_id, topic, *, open_, anchor):
        did = self.new_id("network.Decision")
        proposer_org = rng.choice(partner_orgs)
        proposer = self.org_admin[proposer_org]
        title = rng.choice(DECISION_TITLES).format(year=self.today.year - rng.randint(0, 2), topic=topic)
        title = title[0].upper() + title[1:]
        if open_:
            opened = self.now - dt.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 23))
            closes = self.now + dt.timedelta(days=rng.randint(3, 21))
        else:
            opened = self.now - dt.timedelta(days=rng.randint(30, 1000))
            closes = opened + dt.timedelta(days=14)
        t = self.audit.now()
        quorum = max(2, (len(partner_orgs) + 1) // 2) if rule == "majority" else None
        allowed = self.rules.allowed_stances(rule)
        share = rng.uniform(0.6, 0.95) if not open_ else rng.uniform(0.3, 0.8)
        positions = []
        for org in partner_orgs:
            if rng.random() < share:
                stance = rng.choices(allowed, weights=[60, 15, 10, 10, 5][:len(allowed)])[0]
                reason = (rng.choice(COMMENTS).format(days=10, letter="A", n=3)
                          if stance in ("object", "block", "reservations") or rng.random() < 0.3 else "")
                positions.append((org, stance, reason))
        status, outcome, explanation, tally, frozen, closed_at, lead_ruling = "open", "", "", None, None, None, None
        if not open_:
            lead_ruling = rng.random() < 0.8 if rule == "lead" else None
            result = self.rules.compute_outcome(
                rule=rule, participants=len(partner_orgs), quorum=quorum, lead_ruling=lead_ruling,
                positions=[self.rules.PositionInput(stance, reason) for _o, stance, reason in positions])
            explanation = str(result.explanation)
            if result.outcome == "awaiting_lead":
                status = "awaiting_lead"
            else:
                status, outcome, closed_at = "closed", str(result.outcome), closes
                tally = {k: getattr(result, k) for k in ("agree", "reservations", "stand_aside", "object",
                                                         "block", "silent")}
                frozen = [{"organisation": o, "organisation_name": self.org_names[o], "stance": st, "reason": re_}
                          for o, st, re_ in positions]
        self.w["decision"].add((
            did, t, t, 1 if status == "open" else 2, pid, title,
            f"Do the partners agree to {title[0].lower() + title[1:]}?", _body(rng, topic, 2),
            "1. Agree as proposed\n2. Agree with changes\n3. Not now", "general", None, proposer, proposer_org,
            rule, quorum, charter_id, opened, closes, status, closed_at, outcome, explanation, tally, frozen,
            "The partners weighed the reasons given." if status == "closed" and rng.random() < 0.5 else "",
            (self.today + dt.timedelta(days=rng.randint(60, 365))) if status == "closed" and rng.random() < 0.3
            else None, lead_ruling))
        self.audit.event(proposer, "decision.opened", "network.decision", did, title, partnership=pid,
                         acting_for=proposer_org, after={"title": title, "rule": rule})
        for org in partner_orgs:
            self.w["participant"].add((self.new_id("network.DecisionParticipant"), did, org, opened))
        for org, stance, reason in positions:
            pos_id = self.new_id("network.Position")
            person = self.org_admin[org]
            self.w["position"].add((pos_id, t, t, did, org, stance, reason, person))
            self.audit.event(person, "position.recorded", "network.position", pos_id,
                             f"{self.org_names[org]}: {stance}", partnership=pid, acting_for=org,
                             after={"stance": stance, "reason": reason})
        if status == "closed":
            self.audit.event(None, "decision.closed", "network.decision", did, title, partnership=pid,
                             after={"outcome": outcome, "tally": tally})
        if anchor:
            self.anchor_pool.append(("partnership", pid, pid, proposer, proposer_org))
        return did

    # --- agreements --------------------------------------------------------------------------------------------

    def _agreement(self, rng, pid, pname, partner_orgs, roles, topic, rule, *, anchor, big, bench_org,
                   variation_of=None, status=None):
        aid = self.new_id("agreements.Agreement")
        kind = rng.choice(["mou", "partnering", "partnering", "contribution", "protocol"])
        if big:
            parties = partner_orgs[:10]
            status = "negotiating"
        else:
            k = min(len(partner_orgs), rng.randint(2, 8))
            parties = rng.sample(partner_orgs, k)
            if anchor and bench_org is not None and bench_org not in parties and rng.random() < 0.6:
                parties[-1] = bench_org
            status = status or rng.choices(
                ["draft", "negotiating", "awaiting_signatures", "in_force", "under_review", "expired",
                 "terminated", "superseded"], weights=[20, 25, 10, 30, 5, 5, 3, 2])[0]
        parties = list(dict.fromkeys(parties))
        lead = parties[0] if not big else next(o for o in parties if o != bench_org)
        lead_admin = self.org_admin[lead]
        topic_cap = topic[0].upper() + topic[1:]
        title = AGREEMENT_TITLES[kind].format(topic=topic, topic_cap=topic_cap, year=self.today.year)
        if big:
            title = "Bench agreement with many clauses"
        if variation_of:
            title = f"{title} (variation)"
        language = "fr" if rng.random() < 0.2 else "en"
        created = self.audit.now()
        updated = created + (self.now - created) * rng.random()
        self.audit.event(lead_admin, "agreement.created", "agreements.agreement", aid, title, partnership=pid,
                         acting_for=lead, after={"title": title, "kind": kind, "parties": sorted(parties)})
        for org in parties:
            self.w["party"].add((self.new_id("agreements.AgreementParty"), aid, org))
        # Clauses and comments.
        if big:
            n_clauses, n_comments = BIG_CLAUSES, BIG_COMMENTS
        else:
            per = self.cc_target if not anchor else 25
            total = max(4, int(rng.uniform(0.5, 1.5) * per))
            n_clauses = max(3, round(total * 0.6))
            n_comments = max(0, total - n_clauses)
        if anchor:
            self.cc_used += n_clauses + n_comments
        editable = status in ("draft", "negotiating")
        clauses = []  # (id, heading, body, revision, deleted)
        headings = HEADINGS if n_clauses <= len(HEADINGS) else HEADINGS * (n_clauses // len(HEADINGS) + 1)
        start = rng.randrange(len(HEADINGS))
        cw = self.w["clause"]
        for n in range(n_clauses):
            cid = self.new_id("agreements.Clause")
            heading = headings[(start + n) % len(headings)] if not big else f"{headings[n]} ({n + 1})"
            body = _body(rng, topic)
            revision = rng.choice((1, 1, 1, 2, 3))
            deleted = editable and rng.random() < 0.03 and not big
            t = self.audit.now()
            cw.add((cid, t, t, aid, (n + 1) * 10, heading, body, "", revision,
                    t if deleted else None, lead_admin))
            self.audit.event(lead_admin, "clause.added", "agreements.clause", cid, heading, partnership=pid,
                             acting_for=lead, after={"heading": heading})
            clauses.append((cid, heading, body, revision, deleted))
            if anchor:
                self.anchor_pool.append(("clause", cid, pid, lead_admin, lead))
            else:
                self.pool_clauses.extend((cid, pid, lead_admin, lead))
        live = [c for c in clauses if not c[4]]
        threads: dict[int, list[int]] = {}
        for _k in range(n_comments):
            cid, _h, body, _rev, _del = rng.choice(live)
            org = rng.choice(parties)
            author = self.org_admin[org]
            parent = None
            if threads.get(cid) and rng.random() < 0.35:
                parent = rng.choice(threads[cid])
            mid = self.new_id("agreements.Comment")
            t = self.audit.now()
            quote, qs, qe = "", None, None
            if parent is None and rng.random() < 0.25:
                qs = rng.randrange(max(1, len(body) - 40))
                qe = min(len(body), qs + rng.randint(10, 40))
                quote = body[qs:qe]
            resolved = parent is None and rng.random() < 0.3
            text = rng.choice(COMMENTS).format(days=rng.choice((5, 10, 30)), letter=_letter(rng),
                                               n=rng.randint(1, max(1, n_clauses)))
            self.w["comment"].add((mid, t, t, cid, parent, author, org, text, quote, qs, qe,
                                   t if resolved else None, lead_admin if resolved else None))
            self.audit.event(author, "comment.added", "agreements.comment", mid, text[:60], partnership=pid,
                             acting_for=org, after={"clause": cid})
            if parent is None:
                threads.setdefault(cid, []).append(mid)
            if anchor:
                self.anchor_pool.append(("comment", mid, pid, author, org))
            else:
                self.pool_comments.extend((mid, pid, author, org))
        # Positions on clauses while the text is still being negotiated.
        if editable:
            share = 0.8 if big else 0.4
            for cid, _h, _b, revision, _deleted in live:
                for org in parties:
                    if rng.random() < share:
                        stance = rng.choices(["agree", "live_with", "object"], weights=[70, 20, 10])[0]
                        person = self.org_admin[org]
                        cp = self.new_id("agreements.ClausePosition")
                        t = self.audit.now()
                        self.w["clause_position"].add((
                            cp, t, t, cid, org, stance,
                            "We need the retention period named." if stance == "object" else "",
                            revision if rng.random() < 0.85 else max(1, revision - 1), person))
                        self.audit.event(person, "clause_position.recorded", "agreements.clauseposition", cp,
                                         f"{self.org_names[org]}: {stance}", partnership=pid, acting_for=org,
                                         after={"stance": stance})
        # Commitments.
        commitments: dict[int, list[dict]] = {}
        if kind in ("contribution", "partnering") or big:
            for cid, _h, _b, _r, _deleted in live:
                if rng.random() < (0.5 if big else 0.25):
                    for _m in range(rng.randint(1, 2)):
                        org = rng.choice(parties)
                        ck = rng.choice(list(UNITS))
                        qty = Decimal(rng.randint(1, 500) * (1000 if ck == "money" else 1))
                        p_start = self.today.replace(month=4, day=1)
                        p_end = p_start.replace(year=p_start.year + 1) - dt.timedelta(days=1)
                        desc = rng.choice(["Coordinator salary", "Meeting space", "Interpretation", "Quarterly data",
                                           "Outreach sessions", "Volunteer drivers", "Evaluation support"])
                        mid = self.new_id("agreements.Commitment")
                        t = self.audit.now()
                        self.w["commitment"].add((mid, t, t, aid, cid, org, ck, desc, qty, UNITS[ck], p_start, p_end,
                                                  None))
                        self.audit.event(self.org_admin[org], "commitment.added", "agreements.commitment", mid,
                                         f"{self.org_names[org]}: {qty} {UNITS[ck]} — {desc}", partnership=pid,
                                         acting_for=org, after={"kind": ck, "quantity": str(qty)})
                        commitments.setdefault(cid, []).append({
                            "party": self.org_names[org], "party_id": org, "kind": ck, "description": desc,
                            "quantity": str(qty.quantize(Decimal("0.01"))), "unit": UNITS[ck],
                            "period_start": p_start.isoformat(), "period_end": p_end.isoformat()})
        # Amendments proposed by other parties while negotiating.
        if status == "negotiating" and live:
            for _k in range(rng.randint(0, 3) if not big else 6):
                cid, heading, body, revision, _d = rng.choice(live)
                org = rng.choice(parties)
                person = self.org_admin[org]
                am_status = rng.choice(["proposed", "proposed", "accepted", "rejected"])
                am = self.new_id("agreements.Amendment")
                t = self.audit.now()
                decided = am_status != "proposed"
                self.w["amendment"].add((am, t, t, aid, cid, "replace", heading, _mutate(rng, body, topic),
                                         "Clearer for our board.", revision, person, org, am_status,
                                         lead_admin if decided else None, t if decided else None,
                                         "Agreed at the round table." if decided else ""))
                self.audit.event(person, "amendment.proposed", "agreements.amendment", am, heading, partnership=pid,
                                 acting_for=org, after={"kind": "replace", "clause": cid})
        # Frozen versions: earlier rounds, and the text out for signature or in force.
        n_versions = {"draft": 0, "negotiating": rng.randint(0, 2)}.get(status, rng.randint(1, 3))
        if big:
            n_versions = BIG_VERSIONS
        party_names = sorted(self.org_names[o] for o in parties)
        texts = []
        current = [(c[1], c[2]) for c in live]
        for v in range(n_versions):
            if v == 0 and status not in ("draft", "negotiating"):
                texts.append(current)
            else:
                prev = texts[-1] if texts else current
                texts.append([(h, _mutate(rng, b, topic) if rng.random() < 0.3 else b) for h, b in prev
                              if rng.random() > 0.03])
        texts.reverse()  # oldest first; the last is the newest frozen text
        version_ids = []
        vw = self.w["version"]
        for number, text in enumerate(texts, start=1):
            vid = self.new_id("agreements.AgreementVersion")
            snap = {"title": title, "kind": kind, "language": language, "parties": party_names,
                    "clauses": [{"number": i, "clause_id": c[0], "heading": h, "body": b,
                                 "commitments": commitments.get(c[0], [])}
                                for i, ((h, b), c) in enumerate(zip(text, live, strict=False), start=1)]}
            canonical = self.agreement_services.canonical_text(snap)
            fingerprint = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
            for_signature = number == len(texts) and status not in ("draft", "negotiating")
            t = self.audit.now()
            vw.add((vid, aid, number, canonical, fingerprint, snap, t, lead_admin, for_signature))
            self.audit.event(lead_admin, "agreement.version_frozen", "agreements.agreementversion", vid,
                             f"{title} v{number}", partnership=pid, acting_for=lead,
                             after={"number": number, "fingerprint": fingerprint, "for_signature": for_signature})
            version_ids.append((vid, fingerprint))
        signature_version = in_force_version = in_force_since = ended = None
        end_reason = ""
        if version_ids and status not in ("draft", "negotiating"):
            vid, fingerprint = version_ids[-1]
            signature_version = vid
            all_signed = status != "awaiting_signatures"
            for org in parties:
                signed = all_signed or rng.random() < 0.5
                sid = self.new_id("agreements.Signature")
                t = self.audit.now()
                signer = self.org_signatory[org]
                self.w["signature"].add((sid, t, t, vid, org, "signed" if signed else "pending",
                                         signer if signed else None, self.person_name(signer) if signed else "",
                                         "Authorised signatory" if signed else "", t if signed else None,
                                         fingerprint if signed else "", ""))
                if signed:
                    self.audit.event(signer, "agreement.signed", "agreements.signature", sid,
                                     f"{self.org_names[org]}: signed", partnership=pid, acting_for=org,
                                     after={"fingerprint": fingerprint})
            if all_signed:
                in_force_version, in_force_since = vid, self.audit.now()
                self.audit.event(None, "agreement.in_force", "agreements.agreement", aid, title, partnership=pid,
                                 after={"fingerprint": fingerprint})
            if status in ("expired", "terminated", "superseded"):
                ended = self.audit.now()
                end_reason = {"expired": "Reached its expiry date.", "terminated": "Ended by the partners' decision.",
                              "superseded": f"Varied by “{title} (variation)”"}[status]
        review_date = (self.today + dt.timedelta(days=rng.randint(-30, 400))) if status in (
            "in_force", "under_review") else None
        self.w["agreement"].add((aid, created, updated, 1 + len(version_ids), pid, title, kind, language, lead,
                                 status, "", variation_of, signature_version, in_force_version, in_force_since,
                                 review_date, (self.today + dt.timedelta(days=800)) if review_date else None,
                                 ended, end_reason, lead_admin))
        if status == "under_review":
            self._review(rng, aid, title, pid, parties, rule, lead)
        if status == "superseded" and not variation_of:
            self._agreement(rng, pid, pname, partner_orgs, roles, topic, rule, anchor=anchor, big=False,
                            bench_org=bench_org, variation_of=aid, status="in_force")
        if big:
            self.context["agreement_id"] = aid
            self.context["agreement_versions"] = [1, 2]
        return aid

    def _review(self, rng, aid, title, pid, parties, rule, lead):
        did = self.new_id("network.Decision")
        admin = self.org_admin[lead]
        t = self.audit.now()
        opened = self.now - dt.timedelta(days=rng.randint(1, 6))
        closes = self.now + dt.timedelta(days=rng.randint(5, 20))
        dtitle = f"Review of {title}: Continue as it is"[:200]
        charter_id = self.partnership_charter[pid]
        self.w["decision"].add((did, t, t, 1, pid, dtitle, "Do the partners agree to continue as it is?", "", "",
                                "agreement_review", {"agreement": aid, "proposed_outcome": "continue",
                                                     "next_review_date": None},
                                admin, lead, rule, None, charter_id, opened, closes, "open", None, "", "", None, None,
                                "", None, None))
        for org in parties:
            self.w["participant"].add((self.new_id("network.DecisionParticipant"), did, org, opened))
        self.audit.event(admin, "decision.opened", "network.decision", did, dtitle, partnership=pid, acting_for=lead)
        rid = self.new_id("agreements.Review")
        self.w["review"].add((rid, t, t, aid, "continue", did, "", None, None))
        self.audit.event(admin, "agreement.review_opened", "agreements.review", rid, f"Review of {title}",
                         partnership=pid, acting_for=lead, after={"decision": did})

    # --- notifications -------------------------------------------------------------------------------------------

    def _notifications(self):
        rng = self.rng
        w = self.w["notification"]
        kinds = ["invitation", "decision_opened", "decision_closing", "decision_closed", "membership", "charter",
                 "agreement"]
        n_people = len(self.people_names)
        total = n_people * self.scale.notifications_per_person
        for k in range(BENCH_NOTIFICATIONS):
            t = self.now - dt.timedelta(hours=k * 7)
            w.add((self.new_id("notifications.Notification"), self.bench_person, kinds[k % len(kinds)],
                   f"Bench Network: update {k + 1}", "", f"/partnerships/{BENCH_PARTNERSHIP_SLUG}/",
                   t, t if k >= 60 else None, None))
        for _k in range(total):
            recipient = self.person_base + 1 + rng.randrange(max(n_people - 1, 1))
            t = self.now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 400))
            w.add((self.new_id("notifications.Notification"), recipient, rng.choice(kinds),
                   f"{rng.choice(DECISION_TITLES).format(year=self.today.year, topic=rng.choice(TOPICS))}", "",
                   "/dashboard/", t, t if rng.random() < 0.8 else None, None))


# --- after loading ----------------------------------------------------------------------------------------------

def _pg_drop_indexes(tables):
    """Drop the indexes of `tables` but their primary keys; return the statements that rebuild them.

    Building an index once after the load is much faster than updating it row by row (the audit
    hash's unique index takes random keys). Everything happens in the load's transaction, so a
    failed load leaves the schema as it was.
    """
    rebuild = []
    with connection.cursor() as cur:
        for table in tables:
            cur.execute("""
                SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = %s::regclass AND contype = 'u'
            """, [table])
            for name, definition in cur.fetchall():
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cur.execute("""
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                WHERE i.indrelid = %s::regclass
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """, [table])
            for name, definition in cur.fetchall():
                cur.execute(f"DROP INDEX {name}")
                rebuild.append(definition)
    return rebuild


class Command(BaseCommand):
    help = "Fill the database with deterministic, realistic data at small, medium or national scale (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--now", help="the reference time, ISO 8601 (default: today 00:00 UTC); "
                                          "with the same seed it makes the output identical")
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per COPY or executemany")
        parser.add_argument("--password", default=BENCH_PASSWORD, help="password of bench@joinery.example")
        parser.add_argument("--context-out", help="write the bench corner (user, slugs, ids) as JSON here")
        parser.add_argument("--similarity", action="store_true",
                            help="also build the cut-and-paste fingerprints (slow at national scale)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")
        parser.add_argument("--no-analyze", action="store_true", help="skip VACUUM/ANALYZE at the end")

    def handle(self, *args, **opts):
        try:  # rich is a development requirement; without it, no bars and a plain summary
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.table import Table
        except ImportError:
            Console = Progress = Table = None

        if opts["now"]:
            now = dt.datetime.fromisoformat(opts["now"])
            now = now if now.tzinfo else now.replace(tzinfo=UTC)
        else:
            now = dt.datetime.combine(dt.date.today(), dt.time(), tzinfo=UTC)
        show = not opts["no_progress"] and opts["verbosity"] > 0
        if Progress is not None:
            console = Console(file=self.stdout._out, stderr=False)
            progress = Progress(TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=console, disable=not show, transient=False)
        else:
            console, progress = None, contextlib.nullcontext(None)
        vendor = connection.vendor
        gen = Generator(scale=opts["scale"], seed=opts["seed"], now=now, batch_size=opts["batch_size"],
                        progress=progress if Progress is not None else None, password=opts["password"])
        big_tables = ["audit_auditevent", "agreements_clause", "agreements_comment", "agreements_clauseposition",
                      "network_decisionparticipant", "network_position"]
        started = time.perf_counter()
        index_seconds = 0.0
        with progress:
            if vendor == "sqlite":
                connection.disable_constraint_checking()
                with connection.cursor() as cur:  # this connection only: a big page cache for the indexes
                    cur.execute("PRAGMA cache_size = -262144")
                    cur.execute("PRAGMA temp_store = MEMORY")
            try:
                with transaction.atomic():
                    rebuild = []
                    if vendor == "postgresql":
                        with connection.cursor() as cur:
                            # Rows are consistent by construction: skip per-row foreign-key triggers.
                            try:
                                with transaction.atomic():
                                    cur.execute("SET LOCAL session_replication_role = replica")
                            except Exception:  # not a superuser: keep the checks, just slower
                                pass
                            cur.execute("SET LOCAL synchronous_commit = off")
                        if opts["scale"] != "small":
                            rebuild = _pg_drop_indexes(big_tables)
                    context = gen.run()
                    if rebuild:
                        t0 = time.perf_counter()
                        with connection.cursor() as cur:
                            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
                            for statement in rebuild:
                                cur.execute(statement)
                        index_seconds = time.perf_counter() - t0
            finally:
                if vendor == "sqlite":
                    connection.enable_constraint_checking()
        analyze_seconds = 0.0
        if not opts["no_analyze"]:
            t0 = time.perf_counter()
            with connection.cursor() as cur:
                if vendor == "postgresql":
                    cur.execute("VACUUM ANALYZE" if not connection.in_atomic_block else "ANALYZE")
                elif vendor == "sqlite":
                    cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            analyze_seconds = time.perf_counter() - t0
        if opts["similarity"]:
            t0 = time.perf_counter()
            import_module("joinery.agreements.similarity").rebuild_all()
            context["similarity_seconds"] = round(time.perf_counter() - t0, 1)
        context["index_seconds"] = round(index_seconds, 1)
        context["analyze_seconds"] = round(analyze_seconds, 1)
        context["total_seconds"] = round(time.perf_counter() - started, 1)
        context["rows"] = sum(n for n, _s in context["counts"].values())
        if opts["context_out"]:
            with open(opts["context_out"], "w", encoding="utf-8") as fh:
                json.dump(context, fh, indent=2)
        if opts["verbosity"] > 0 and console is None:
            for name, (n, secs) in sorted(context["counts"].items()):
                self.stdout.write(f"{name:<32} {n:>12,} {secs:8.1f} s")
            self.stdout.write(f"{'total':<32} {context['rows']:>12,} {context['total_seconds']:8.1f} s")
        elif opts["verbosity"] > 0:
            table = Table(title=f"generate_data --scale {opts['scale']} --seed {opts['seed']} ({vendor})")
            table.add_column("table")
            table.add_column("rows", justify="right")
            table.add_column("write s", justify="right")
            for name, (n, secs) in sorted(context["counts"].items()):
                table.add_row(name, f"{n:,}", f"{secs:.1f}")
            table.add_row("[b]total[/b]", f"[b]{context['rows']:,}[/b]", f"[b]{context['total_seconds']:.1f}[/b]")
            console.print(table)
        if opts["verbosity"] > 0:
            self.stdout.write(f"Generated in {context['seconds']:.1f} s (audit hashing {context['hash_seconds']:.1f} s, "
                              f"index rebuild {index_seconds:.1f} s, analyze {analyze_seconds:.1f} s).")
            self.stdout.write(f"Bench login: {BENCH_EMAIL} / {opts['password']} (no MFA). Partnership "
                              f"/partnerships/{BENCH_PARTNERSHIP_SLUG}/, agreement "
                              f"/agreements/{context['agreement_id']}/, decision "
                              f"/partnerships/{BENCH_PARTNERSHIP_SLUG}/decisions/{context['decision_id']}/.")
