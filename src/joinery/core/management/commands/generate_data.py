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
itself), so `joinery audit verify` passes. Then what the partnerships do (issue 5): work
programmes (objectives → initiatives → milestones → mostly tasks, dependencies, links to the
commitments of agreements in force, tasks offered to volunteers and citizens signed up),
valuation rates (an old rate superseded, the current one), a year of contributions from
every partner and from citizens (value = quantity × the rate in force on the date, many
against commitments, some imported or corrected), risk appetites and risks (some accepted for
innovation), and review meetings (minutes, attendance, actions that became tasks).

A fixed "bench" corner is the same at every scale, so that comparing scales measures how a
page behaves as the *rest* of the country grows: the person bench@joinery.example (password
printed at the end, no MFA: it represents a non-profit) administers "Bench Community
Services", a partner in the "Bench Network" partnership (slug `bench-network`: 12 partners,
60 decisions, 40 agreements, one of them with 80 clauses, 160 comments and 3 versions) and in
seven sister partnerships, and is invited to two more. Bench Network's delivery is fixed too
(about 550 work items, 2,400 contributions, 30 risks, four reviews). `--context-out FILE`
writes those ids and slugs as JSON for bench/run.py.

Then the evaluation framework (issue 6), see `_evaluation`: for a share of the partnerships an
adopted framework (with its adoption decision, carried under the charter's rule, and version 1
with a snapshot and its SHA-256), outcomes, indicators of every bottom line, process outcome,
question, kind of value, direction and aggregation, targets, a few years of monthly or quarterly
measurements (late partners, corrections), partners' own reporting requirements, open data, and
citizen feedback forms whose monthly tallies agree exactly with the visible responses. The
bench corner gets a framework of 40 indicators over 36 months and a feedback form with more
than 100,000 responses. At national scale the rows reach 10 million measurements and one
million feedback responses.

Models are looked up through the app registry (no imports of the domain apps at module
level): core stays at the bottom of the dependency graph.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import queue
import random
import re
import threading
import time
import uuid
from array import array
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify

UTC = dt.UTC
GENERATOR_VERSION = 4

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
    work_items: int            # objectives, initiatives, milestones and (mostly) tasks
    contributions: int
    citizens: int              # people with an account who volunteer as themselves


SCALES = {
    "small": Scale(200, 30, 50, 200, 5_000, 20_000, 6, 2, 6_200, 20_500, 200),
    "medium": Scale(2_000, 300, 500, 2_000, 50_000, 200_000, 7, 2, 62_000, 205_000, 2_000),
    "national": Scale(20_000, 3_000, 5_000, 50_000, 1_000_000, 5_000_000, 8, 2, 620_000, 2_050_000, 20_000),
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
# The bench corner's delivery (issue 5): the same at every scale.
ANCHOR_CITIZENS = 120          # volunteers around the bench partnerships
BENCH_WORK_ITEMS = 420         # Bench Network's own work programme …
BENCH_AGREEMENT_PROGRAMMES = 3  # … plus the programmes of three of its agreements in force
BENCH_AGREEMENT_ITEMS = 40
BENCH_CONTRIBUTIONS = 2_400
BENCH_RISKS = 30
BENCH_MEETINGS = 4             # three held (minutes, attendance, actions), one coming up
BENCH_VOLUNTEER_SIGNUPS = 3    # the bench user volunteers too
DELIVERY_EVENTS_PER_PARTNERSHIP = 25  # programmes, rates, appetite, risks, meetings, imports (audit estimate)


# The evaluation framework (issue 6).
@dataclass(frozen=True)
class EvalScale:
    share: float         # of the partnerships outside the bench corner that have a framework
    measurements: int    # measurement rows in those frameworks (corrections included)
    responses: int       # citizen feedback responses on their forms


# National needs 10 million measurements from 5,000 partnerships over three years, so its
# frameworks are denser (shared indicators plus each partner's own site-level ones): about 90
# indicators in a monthly framework, 180 in a quarterly one, against 6 to 20 at small scale.
EVAL_SCALES = {
    "small": EvalScale(0.6, 15_000, 10_000),
    "medium": EvalScale(0.7, 400_000, 100_000),
    "national": EvalScale(0.9, 10_300_000, 960_000),
}
BENCH_INDICATORS = 40          # Bench Network's framework: 40 indicators (2 fed by citizens) …
BENCH_MONTHS = 36              # … over 36 monthly periods …
BENCH_RESPONSES = 101_200      # … and a feedback form with more than 100,000 visible responses
BENCH_SMALL_RESPONSES = 600    # a second, smaller form
BENCH_REQUIREMENTS = 3         # partners with their own reporting requirements (the bench organisation first)
INDICATOR_CAP = 200
EVAL_EVENTS_PER_FRAMEWORK = 16  # created, decision and positions, adopted, forms, requirements (audit estimate)
H, L = "higher", "lower"
# (name, unit, value type, direction, aggregation, question, baseline range)
INDICATOR_TEMPLATES = {
    "productivity": [
        ("People served", "people", "whole", H, "sum", "better", (40, 900)),
        ("Cost per person served", "CAD", "decimal", L, "mean", "value", (80, 600)),
        ("Days from referral to first appointment", "days", "decimal", L, "mean", "better", (5, 60)),
        ("Staff hours per case", "hours", "decimal", L, "mean", "value", (2, 20)),
    ],
    "service_experience": [
        ("Clients satisfied with the service", "%", "percentage", H, "mean", "feel", (45, 80)),
        ("Complaints received", "complaints", "whole", L, "sum", "feel", (2, 40)),
        ("Clients served in their own language", "%", "percentage", H, "mean", "feel", (30, 75)),
    ],
    "results": [
        ("Households in stable housing after six months", "households", "whole", H, "last", "better", (10, 300)),
        ("Young people in school, training or work", "%", "percentage", H, "mean", "better", (40, 85)),
        ("Emergency visits avoided", "visits", "whole", H, "sum", "value", (5, 200)),
        ("People on the waiting list", "people", "whole", L, "last", "better", (20, 600)),
    ],
    "democracy": [
        ("Residents taking part in decisions", "people", "whole", H, "sum", "value", (5, 150)),
        ("Public meetings held", "meetings", "whole", H, "sum", "value", (1, 8)),
        ("Decisions published within ten days", "%", "percentage", H, "mean", "value", (30, 90)),
    ],
    "relationships": [
        ("Referrals between partners", "referrals", "whole", H, "sum", "better", (10, 250)),
        ("Partners who say they trust the table", "%", "percentage", H, "mean", "feel", (40, 85)),
    ],
    "capacity": [
        ("Staff trained together", "people", "whole", H, "sum", "value", (2, 60)),
        ("Active volunteers", "volunteers", "whole", H, "last", "value", (5, 120)),
        ("Shared data sets in use", "data sets", "whole", H, "last", "value", (1, 12)),
    ],
}
# Interleaved so that any six consecutive indicators cover every bottom line and process outcome.
TEMPLATE_ORDER = [(serves, t) for t in itertools.zip_longest(*INDICATOR_TEMPLATES.values())
                  for serves, t in zip(INDICATOR_TEMPLATES, t, strict=True) if t is not None]
FEED_MEASURES = [("going", "Average rating of the service by residents", "rating (1 to 5)", "mean"),
                 ("better_share", "Residents who say the service is getting better", "%", "mean"),
                 ("feeling", "How residents feel about the service", "rating (1 to 5)", "mean"),
                 ("responses", "Feedback responses received", "responses", "sum")]
OUTCOME_TITLES = ["People get help sooner", "Fewer people fall through the cracks", "Residents shape the services",
                  "Partners work as one system", "Services are easier to use", "Better results for families",
                  "Stronger community leadership", "Public money goes further"]
FUNDERS = ["Ministry of Health", "Ministry of Children and Families", "United Way", "Employment and Social "
           "Development Canada", "Community Foundation", "City council", "Regional health authority"]
FEEDBACK_COMMENTS = ["The staff were kind and took time with me.", "I waited too long on the phone.",
                     "Much better than last year.", "Please open on Saturdays.", "Service en français apprécié.",
                     "I did not know where to go at first.", "The new intake form is simpler.",
                     "The room was not accessible.", "Thank you to the volunteers!", "Nobody called me back."]

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
# Work programmes, contributions, risks and review meetings.
OBJECTIVES = ["Reduce waiting times for {topic}", "Reach more people who need {topic}",
              "Build shared evidence on {topic}", "Co-design {topic} services with residents",
              "Secure long-term funding for {topic}", "Improve access to {topic} outside the city centre",
              "Make {topic} services easier to navigate", "Strengthen community leadership on {topic}"]
INITIATIVES = ["Shared intake and referral", "Community outreach campaign", "Volunteer drivers programme",
               "Joint training for front-line staff", "Common outcomes framework", "Pop-up service days",
               "Peer support circles", "Shared data dashboard", "Neighbourhood hubs", "Interpretation pool",
               "Resident advisory panel", "Navigation phone line"]
MILESTONES = ["Pilot launched", "First quarterly report published", "Partners' staff trained", "Referral form agreed",
              "Evaluation plan adopted", "Site secured", "Mid-term review held", "Data-sharing protocol signed",
              "Volunteer roster complete", "Final report to funders", "Service map published",
              "Resident panel recruited"]
TASKS = ["Draft the {thing}", "Book the venue for the {event}", "Recruit volunteers for the {event}",
         "Translate the {thing} into French", "Collect quarterly figures from partners", "Prepare the budget update",
         "Call partners about the {event}", "Update the referral directory", "Run the {event}",
         "Write up lessons learned from the {event}", "Send invitations for the {event}",
         "Review the {thing} with the privacy office", "Order supplies for the {event}",
         "Prepare the agenda for the steering table", "Announce the {event} in community newsletters",
         "Set up the shared drive", "Train volunteers for the {event}", "Check the accessibility of the {event} venue",
         "Collect feedback from participants", "Reconcile in-kind contributions", "Finalise the {thing}",
         "Share the {thing} with the partners"]
THINGS = ["outreach flyer", "referral form", "evaluation survey", "quarterly report", "volunteer handbook",
          "data dictionary", "funding proposal", "communications plan", "service map", "training module"]
EVENTS = ["community forum", "food drive", "pop-up clinic", "information session", "neighbourhood clean-up",
          "seniors' lunch", "homework club", "resource fair", "tax clinic", "welcome day for newcomers"]
VOLUNTEER_NOTES = ["Greet visitors and help them find the right table. No experience needed.",
                   "Sort and pack donations; we show you how on the day.",
                   "Drive seniors to appointments (a driving licence and screening are required).",
                   "Set up the room before and tidy it after.",
                   "Tell neighbours about the event and hand out flyers in your building.",
                   "Help with interpretation (Arabic, Tagalog, Spanish or French).",
                   "Serve lunch and chat with guests."]
SIGNUP_MESSAGES = ["", "", "", "I can come in the morning.", "I did this last year and would like to help again.",
                   "I speak Arabic and French.", "I have a car and can bring supplies.", "Can I bring my teenager?"]
CONTRIBUTION_TEXT = {
    "money": ["Grant instalment", "Coordinator salary share", "Funding for interpretation", "Contribution to venue costs",
              "Small grant for the pilot", "Evaluation budget"],
    "staff_hours": ["Coordination meetings", "Outreach by front-line staff", "Data analysis", "Training delivery",
                    "Case navigation", "Report writing", "Pro bono legal review"],
    "volunteer_hours": ["Volunteers at the food drive", "Residents' association outreach", "Drivers for seniors",
                        "Homework club volunteers", "Event set-up and clean-up", "Peer supporters",
                        "Neighbourhood clean-up crew"],
    "in_kind": ["Meeting room", "Office space for the coordinator", "Laptops lent to the pilot", "Food donations",
                "Printing of flyers", "Use of the community kitchen", "Transit passes"],
    "data": ["Quarterly service data", "Wait-time figures", "Anonymised intake records", "Survey results",
             "Neighbourhood census extract"],
}
IN_KIND_UNITS = ["room bookings", "items", "days of space", "meals", "laptops", "boxes"]
DATA_UNITS = ["reports", "datasets"]
# Kinds of contribution by sector: money, staff hours, volunteer hours, in-kind, data.
CONTRIBUTION_KINDS = ["money", "staff_hours", "volunteer_hours", "in_kind", "data"]
KIND_WEIGHTS = {"public": [25, 40, 2, 20, 13], "non_profit": [6, 40, 30, 14, 10], "community": [3, 5, 65, 25, 2],
                "private": [35, 25, 5, 33, 2]}
SECTOR_WEIGHT = {"public": 1.2, "non_profit": 1.2, "community": 0.8, "private": 0.6}
COMMITMENT_KIND = {"money": "money", "staff_hours": "staff_hours", "volunteer_hours": "volunteer_hours",
                   "in_kind": "in_kind", "data": "data", "service": "staff_hours"}
RISKS = [  # (title, cause, consequence, mitigations, innovation)
    ("The coordinator leaves", "The coordinator post is funded a year at a time.",
     "Work stalls and partners lose contact with each other.",
     "Document the role; a named backup in another partner.", False),
    ("Partners stop sharing data", "Consent and privacy rules are read differently by each partner.",
     "We cannot show outcomes to funders or to residents.", "Privacy impact assessment; a shared protocol.", False),
    ("Volunteers burn out", "A few volunteers carry most of the tasks.", "Events are cancelled at short notice.",
     "Rotate roles; thank-you events; cap hours per volunteer.", False),
    ("Funding ends before the pilot is evaluated", "Grants end in March.",
     "We lose what the pilot taught us.", "Apply for bridge funding; evaluate as we go.", False),
    ("Low uptake among newcomers", "Information is only in English and French.",
     "The people the programme is for do not use it.", "Interpretation pool; community ambassadors.", False),
    ("The venue is not accessible", "The only free room is upstairs.", "People with disabilities are excluded.",
     "Book accessible rooms; budget for them.", False),
    ("Residents are confused by duplicated services", "Partners run similar programmes separately.",
     "People give up after being sent from one to another.", "Shared intake; a single service map.", False),
    ("A cyber incident at a partner", "Partners' systems are of uneven maturity.",
     "Personal information is exposed.", "Minimum security standards; incident contacts.", False),
    ("Trying a resident-led intake model", "No partner has run intake led by residents before.",
     "Some referrals could be missed at first.", "Weekly check-ins; a staff member on call.", True),
    ("Peer supporters without clinical staff on site", "The pilot tests peer support in the evening.",
     "A difficult situation could arise with no clinician present.", "Training; an on-call line.", True),
    ("Co-design takes longer than planned", "Residents set the pace of the design sessions.",
     "Milestones slip by a quarter.", "Plan for it; report openly to funders.", True),
    ("Publishing open data on waiting times", "We publish figures before they are perfect.",
     "Media attention on poor results.", "Explain the figures; publish the method.", True),
    ("A partner's reputation suffers if a pilot fails", "Pilots are public.",
     "A partner withdraws.", "Agree messages in advance; share credit and risk.", False),
    ("Key data arrive late", "Data come from several systems.", "Quarterly reports are late.",
     "Agree deadlines; automate extracts.", False),
]
INNOVATION_REASONS = [
    "We accept this risk to test whether a resident-led approach reaches people our services miss; "
    "we review it at every meeting.",
    "The benefit of learning quickly outweighs the risk; the partners agreed to try it for six months.",
    "Over-managing this risk would stop the pilot. We accept it consciously and watch it closely.",
]
APPETITE_STATEMENTS = [
    "The partnership accepts moderate risks when it tries new ways of working, and low risks to people's safety "
    "and privacy.",
    "We are willing to take risks to reach people our services miss; we take no risks with personal information.",
    "Innovation needs room to fail: we accept risks up to the threshold, and above it only when we decide so "
    "together and record why.",
]
MEETING_PLACES = ["Room 2, {place} Community Centre", "{place} Public Library, meeting room", "Online (video call)",
                  "{place} Friendship Centre, hall"]
MINUTES = ["## Present\n\nSee the attendance list.\n\n## Programme\n\nThe partners reviewed the overdue tasks. "
           "{n} tasks are late; the owners gave new dates.\n\n## Commitments\n\nThe partners compared what was "
           "committed with what was contributed. The gap on staff hours is closing.\n\n## Risks\n\n"
           "The partners reviewed the risks above the appetite and kept one accepted for innovation.\n\n"
           "## Actions\n\nSee the actions below.",
           "## Summary\n\nThe review went well. Contributions from community partners are now recorded, "
           "including volunteer hours. {n} actions were agreed.\n\n## Next review\n\nIn three months."]
MONEY_STEPS = [250, 500, 750, 1000, 1500, 2500, 5000, 10000, 25000]
LEVELS = (1, 2, 3, 4, 5)
RISK_STATUSES = ("open", "mitigating", "accepted", "closed")
KIND_CUM = {sector: list(itertools.accumulate(w)) for sector, w in KIND_WEIGHTS.items()}
ACTIONS = ["Send the updated referral form to all partners", "Ask the funders about bridge funding",
           "Record last quarter's volunteer hours", "Book the venue for the next forum",
           "Update the risk register after the pilot", "Share the evaluation plan with residents",
           "Prepare the commitments report for the next review", "Recruit two more volunteer drivers"]


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


def _split(rng, total, parts, minimum=1):
    """`total` spread at random over `parts`, each at least `minimum`."""
    counts = [minimum] * parts
    for _ in range(max(total - minimum * parts, 0)):
        counts[rng.randrange(parts)] += 1
    return counts


def _sub(rng, start, end, min_share):
    """A random stretch of [start, end] at least `min_share` of it long."""
    days = max((end - start).days, 1)
    length = max(1, int(days * rng.uniform(min_share, 1.0)))
    offset = rng.randint(0, days - length)
    first = start + dt.timedelta(days=offset)
    return first, first + dt.timedelta(days=length)


def _cents(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _hours(half_hours: int) -> str:
    return f"{half_hours // 2}.{'50' if half_hours % 2 else '00'}"


def _value_format(value_type):
    """A measurement's value as text: whole numbers, two decimals, or a percentage with one."""
    if value_type == "whole":
        return lambda v: str(max(0, round(v)))
    if value_type == "percentage":
        return lambda v: f"{min(100.0, max(0.0, v)):.1f}"
    return lambda v: f"{max(0.0, v):.2f}"


class _UrlTemplates:
    """reverse() once per URL name; "" while the page does not exist yet."""

    def __init__(self):
        self.templates = {}

    def __call__(self, name, pk):
        if name not in self.templates:
            try:
                self.templates[name] = reverse(name, args=[987654321]).replace("987654321", "{}")
            except NoReverseMatch:
                self.templates[name] = ""
        template = self.templates[name]
        return template.format(pk) if template else ""


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
        if self.gen.copier is not None:  # PostgreSQL: COPY in the background, in order
            self.gen.copier.put(self, self.rows)
        else:
            started = time.perf_counter()
            connection.connection.executemany(self.sql, self.rows)
            self.seconds += time.perf_counter() - started
        self.count += len(self.rows)
        self.gen.progress.update(self.task, completed=self.count,
                                 total=max(self.planned, self.count) if self.planned else None)
        self.rows = []


class CopyThread:
    """Runs the COPYs of every writer, in the order they were flushed, on the load's own
    connection (same transaction) in a second thread, while the generator builds the next
    batches: PostgreSQL parses and stores one batch while Python makes the next, instead of
    Python waiting for it. Nothing else may use the connection until `close()`."""

    def __init__(self, raw_connection, depth: int = 4):
        self.raw = raw_connection
        self.jobs: queue.Queue = queue.Queue(maxsize=depth)  # bounded: memory stays a few batches
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="generate_data-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            writer, rows = job
            if self.error is not None:
                continue  # drain: the main thread raises the first error
            try:
                started = time.perf_counter()
                with self.raw.cursor() as cur, cur.copy(writer.sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                writer.seconds += time.perf_counter() - started
            except BaseException as exc:  # noqa: BLE001 — handed to the main thread
                self.error = exc

    def put(self, writer, rows) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.put((writer, rows))

    def close(self) -> None:
        """Wait for every queued COPY; raise the first error, if any."""
        self.jobs.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def _json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _converter(field, vendor):
    if isinstance(field, models.JSONField):
        return _json
    if vendor == "postgresql":
        return None
    if isinstance(field, models.UUIDField):
        return lambda v: v.hex
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
        self.copier: CopyThread | None = None
        self.rng = random.Random(f"{seed}/bulk/{scale}")
        self.anchor_rng = random.Random(f"{seed}/anchor")
        self.m = {label: apps.get_model(*label.split(".")) for label in [
            "accounts.Person", "organisations.Jurisdiction", "organisations.Organisation",
            "organisations.Representative", "network.Partnership", "network.Partner", "network.Invitation",
            "network.CharterVersion", "network.Decision", "network.DecisionParticipant", "network.Position",
            "agreements.Agreement", "agreements.AgreementParty", "agreements.Clause", "agreements.Comment",
            "agreements.Amendment", "agreements.ClausePosition", "agreements.Commitment",
            "agreements.AgreementVersion", "agreements.Signature", "agreements.Review",
            "notifications.Notification", "audit.AuditEvent", "audit.AuditChainHead",
            "programme.WorkProgramme", "programme.WorkItem", "programme.WorkItem_depends_on",
            "programme.WorkItem_commitments", "programme.VolunteerSignup", "contributions.ValuationRate",
            "contributions.ContributionImport", "contributions.Contribution", "risks.RiskAppetite", "risks.Risk",
            "meetings.ReviewMeeting", "meetings.Attendance", "meetings.MeetingAction",
            "evaluation.Framework", "evaluation.Outcome", "evaluation.Indicator", "evaluation.IndicatorTarget",
            "evaluation.MeasurementImport", "evaluation.Measurement", "evaluation.FrameworkVersion",
            "evaluation.ReportingRequirement", "evaluation.RequirementItem", "evaluation.OpenDataPublication",
            "evaluation.Indicator_work_items", "evaluation.Indicator_commitments", "feedback.FeedbackChannel",
            "feedback.FeedbackResponse", "feedback.FeedbackTally"]}
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
                (people + s.citizens) * s.notifications_per_person),
            "programme": W("programme.WorkProgramme", [
                "id", "created_at", "updated_at", "version", "partnership_id", "agreement_id", "title", "summary",
                "status", "changes_need_decision", "adopted_at", "adoption_decision_id", "created_by_id"],
                int(s.partnerships * 1.3)),
            "work_item": W("programme.WorkItem", [
                "id", "created_at", "updated_at", "version", "programme_id", "partnership_id", "parent_id", "kind",
                "title", "description", "owner_id", "owner_person_id", "start_date", "due_date", "status",
                "completed_at", "volunteers_wanted", "volunteer_note", "position", "created_by_id"],
                s.work_items + s.partnerships * 5),
            "depends_on": W("programme.WorkItem_depends_on", ["id", "from_workitem_id", "to_workitem_id"],
                            int(s.work_items * 0.2)),
            "item_commitment": W("programme.WorkItem_commitments", ["id", "workitem_id", "commitment_id"]),
            "signup": W("programme.VolunteerSignup", [
                "id", "created_at", "updated_at", "item_id", "person_id", "message", "status", "decided_by_id",
                "decided_at", "reason"], int(s.work_items * 0.25)),
            "rate": W("contributions.ValuationRate", [
                "id", "created_at", "updated_at", "partnership_id", "work_kind", "label", "hours_kind", "hourly_rate",
                "currency", "basis", "valid_from", "valid_until", "superseded_by_id", "set_by_id"],
                s.partnerships * 4),
            "import": W("contributions.ContributionImport", [
                "id", "created_at", "updated_at", "partnership_id", "acting_for_id", "filename", "sha256", "rows",
                "status", "report", "imported_by_id"]),
            "contribution": W("contributions.Contribution", [
                "id", "created_at", "updated_at", "partnership_id", "organisation_id", "person_id", "sector", "kind",
                "description", "date", "period_start", "period_end", "quantity", "unit", "people", "currency",
                "rate_id", "value", "commitment_id", "work_item_id", "evidence", "evidence_url", "batch_id",
                "recorded_by_id", "replaces_id", "withdrawn_at", "withdrawn_reason"], s.contributions),
            "appetite": W("risks.RiskAppetite", [
                "id", "created_at", "updated_at", "partnership_id", "threshold", "statement", "set_by_id"],
                int(s.partnerships * 1.3)),
            "risk": W("risks.Risk", [
                "id", "created_at", "updated_at", "version", "partnership_id", "title", "cause", "consequence",
                "likelihood", "impact", "score", "owner_id", "owner_person_id", "mitigations", "status",
                "accepted_for_innovation", "acceptance_reason", "accepted_by_id", "accepted_at", "review_date",
                "work_item_id", "created_by_id"], s.partnerships * 10),
            "meeting": W("meetings.ReviewMeeting", [
                "id", "created_at", "updated_at", "version", "partnership_id", "agreement_id", "programme_id",
                "title", "starts_at", "ends_at", "location", "status", "agenda", "agenda_generated_at", "minutes",
                "held_at", "uid", "sequence", "created_by_id"], s.partnerships * 2),
            "attendance": W("meetings.Attendance", ["id", "meeting_id", "organisation_id", "present", "attendees"],
                            s.partnerships * 8),
            "action": W("meetings.MeetingAction", [
                "id", "created_at", "updated_at", "meeting_id", "title", "owner_id", "due_date", "task_id"],
                s.partnerships * 4),
        }
        self._evaluation_writers()

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
                       + 1.85 * s.clauses_comments + 2 * s.agreements
                       + DELIVERY_EVENTS_PER_PARTNERSHIP * s.partnerships + 0.17 * s.work_items
                       + s.citizens + ANCHOR_CITIZENS
                       + int(EVAL_EVENTS_PER_FRAMEWORK * EVAL_SCALES[self.scale_name].share * s.partnerships))
        self._writers()
        self.audit = AuditStream(self, start_id, previous, s.audit_events, estimate)
        self.audit.filler = self._filler
        self._pools()

        if connection.vendor == "postgresql":
            self.copier = CopyThread(connection.connection)
        try:
            self._jurisdictions()
            self._organisations()
            self._partnerships()
            self._delivery()
            self._evaluation()
            self._notifications()
            self.audit.top_up()
            for w in [*self.w.values(), self.audit.writer]:
                w.flush()
        finally:
            if self.copier is not None:
                copier, self.copier = self.copier, None
                copier.close()
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
        self.delivery_plan = []           # one dict per partnership, for the delivery pass
        self.p_agreements = {}            # partnership id -> [(agreement id, title)] in force or under review
        self.p_commitments = {}           # partnership id -> [(commitment id, agreement id, party, kind, qty, from, to)]
        self.p_programme = {}             # partnership id -> its main work programme
        self.p_tasks = {}                 # partnership id -> some of its task ids

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
        self.delivery_plan.append({"pid": pid, "name": name, "slug": slug, "partners": list(partner_orgs),
                                   "anchor": anchor, "bench_partner": bench_org is not None, "topic": topic,
                                   "rule": rule})
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
        delivered = status in ("in_force", "under_review")  # agreements whose commitments are being met
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
                        p_start = dt.date(self.today.year - (self.today.month < 4), 4, 1)  # this fiscal year
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
                        if delivered:
                            self.p_commitments.setdefault(pid, []).append((mid, aid, org, ck, int(qty), p_start,
                                                                           p_end))
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
        if delivered:
            self.p_agreements.setdefault(pid, []).append((aid, title))
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

    # --- delivery: work programmes, volunteers, contributions, risks, review meetings ----------------------------

    def _delivery(self):
        """What the partnerships do with their agreements (issue 5).

        The bench partnerships come first, from their own random stream and with fixed sizes, so
        they are the same at every scale; the rest of the country shares the scale's totals in
        proportion to its number of partners (each partnership's share is taken from what is left,
        so the totals are met). Citizens are people with an account who volunteer as themselves;
        each partnership draws its volunteers from a window of neighbours, so the same people
        come back.
        """
        s = self.scale
        arng = random.Random(f"{self.seed}/anchor/delivery")
        rng = random.Random(f"{self.seed}/delivery/{self.scale_name}")
        self.days_back = [self.today - dt.timedelta(days=k) for k in range(400)]
        self.citizens = array("q")
        for _ in range(ANCHOR_CITIZENS):
            self.citizens.append(self._person(self._random_name(arng)))
        for _ in range(s.citizens):
            self.citizens.append(self._person(self._random_name(rng)))
        self.bench_signups = 0
        self.item_kinds: dict[str, int] = {}
        self.url_for = _UrlTemplates()
        made_items = made_contributions = 0
        anchor = [p for p in self.delivery_plan if p["anchor"]]
        bulk = [p for p in self.delivery_plan if not p["anchor"]]
        for p in anchor:
            if p["slug"] == BENCH_PARTNERSHIP_SLUG:
                sizes = (BENCH_WORK_ITEMS, BENCH_CONTRIBUTIONS, BENCH_RISKS, BENCH_MEETINGS)
            elif p["bench_partner"]:
                sizes = (arng.randint(60, 160), arng.randint(200, 600), arng.randint(5, 15), arng.randint(1, 3))
            else:
                sizes = (arng.randint(30, 80), arng.randint(100, 300), arng.randint(5, 15), arng.randint(1, 3))
            items, contributions = self._deliver(arng, p, *sizes, window=(0, ANCHOR_CITIZENS))
            made_items += items
            made_contributions += contributions
        left_items = s.work_items - made_items
        left_contributions = s.contributions - made_contributions
        weights = [len(p["partners"]) * rng.uniform(0.5, 1.5) for p in bulk]
        weight_left = sum(weights)
        n_citizens = len(self.citizens) - ANCHOR_CITIZENS
        span = min(300, n_citizens)
        for i, p in enumerate(bulk):
            share = weights[i] / weight_left if weight_left > 0 else 1.0
            weight_left -= weights[i]
            n_items = max(8, round(left_items * share))
            n_contributions = max(2 * len(p["partners"]), round(left_contributions * share))
            lo = ANCHOR_CITIZENS + int(i / len(bulk) * (n_citizens - span))
            items, contributions = self._deliver(rng, p, n_items, n_contributions, rng.randint(5, 15),
                                                 rng.randint(1, 3), window=(lo, lo + span))
            left_items -= items
            left_contributions -= contributions
        self.context["work_items_by_kind"] = self.item_kinds

    def _deliver(self, rng, p, n_items, n_contributions, n_risks, n_meetings, *, window):
        """One partnership: programmes, rates, contributions, risks, meetings. Returns (items, contributions)."""
        pid = p["pid"]
        bench = p["slug"] == BENCH_PARTNERSHIP_SLUG
        agreements = self.p_agreements.get(pid, [])
        commitments = self.p_commitments.get(pid, [])
        if bench:
            chosen = agreements[:BENCH_AGREEMENT_PROGRAMMES]
            sizes = [BENCH_AGREEMENT_ITEMS] * len(chosen)
            main_size = n_items
        else:
            each = max(8, round(n_items * 0.12))
            chosen = [a for a in agreements if rng.random() < 0.3][:min(3, max(0, (n_items - 8) // each))]
            sizes = [each] * len(chosen)
            main_size = max(8, n_items - sum(sizes))
        ctx = {"tasks": [], "log": [], "vol_tasks": {}, "items": 0, "window": window, "bench": bench,
               "risks_above": []}
        main = self._programme(rng, p, ctx, None, main_size, commitments)
        self.p_programme[pid] = main
        for (aid, title), size in zip(chosen, sizes, strict=True):
            self._programme(rng, p, ctx, (aid, title), size, [c for c in commitments if c[1] == aid])
        rates = self._rates(rng, p)
        if bench:
            self.context["contribution_id"] = self._peek("contributions.Contribution")
        contributions = self._contributions(rng, p, ctx, n_contributions, rates, commitments)
        self._risks(rng, p, ctx, n_risks)
        self._meetings(rng, p, ctx, main, n_meetings, agreements)
        self.p_tasks[pid] = [t[0] for t in ctx["tasks"][:40]]  # what indicators may depend on
        if bench:
            self.context.update(programme_id=main, work_item_id=ctx["tasks"][0][0], bench_work_items=ctx["items"],
                                bench_contributions=contributions, bench_risks=n_risks)
        return ctx["items"], contributions

    def _at(self, rng, day):
        """A time during the working day of `day`, never after `now`."""
        t = dt.datetime(day.year, day.month, day.day, 8 + rng.randrange(10), rng.randrange(60), tzinfo=UTC)
        return t if t <= self.now else self.now - dt.timedelta(minutes=1 + rng.randrange(600))

    def _status(self, rng, start, due):
        today = self.today
        r = rng.random()
        if due < today:  # past due: mostly done, some overdue
            return ("done" if r < 0.72 else "cancelled" if r < 0.77 else "in_progress" if r < 0.9
                    else "blocked" if r < 0.95 else "planned")
        if start > today:
            return "planned" if r < 0.93 else "in_progress"
        return "in_progress" if r < 0.6 else "planned" if r < 0.83 else "blocked" if r < 0.9 else "done"

    def _item(self, rng, ctx, prog, pid, kind, parent, title, owner, start, due, created_day, position,
              description="", volunteers=0, note=""):
        iid = self.new_id("programme.WorkItem")
        status = self._status(rng, start, due)
        today = self.today
        created = self._at(rng, created_day)
        completed = None
        if status == "done":
            day = min(max(start, due - dt.timedelta(days=rng.randint(-3, 7))), today - dt.timedelta(days=1))
            completed = max(self._at(rng, day), created)
            updated = completed
        elif status == "planned":
            updated = created
        else:
            updated = max(self._at(rng, min(start, today)), created)
        admin = self.org_admin[owner]
        self.w["work_item"].add((iid, created, updated, 1 + (status != "planned") + (status == "done"), prog, pid,
                                 parent, kind, title[:250], description, owner,
                                 admin if rng.random() < 0.4 else None, start, due, status, completed, volunteers,
                                 note, position, admin))
        ctx["items"] += 1
        self.item_kinds[kind] = self.item_kinds.get(kind, 0) + 1
        return iid, status

    def _programme(self, rng, p, ctx, agreement, n, commitments):
        """A work programme of about `n` items: objectives → initiatives → milestones → tasks."""
        pid, partners, topic = p["pid"], p["partners"], p["topic"]
        convener = partners[0]
        admin = self.org_admin[convener]
        today = self.today
        td = dt.timedelta
        start = today - td(days=rng.randint(150, 420))
        end = today + td(days=rng.randint(120, 540))
        prog = self.new_id("programme.WorkProgramme")
        title = (f"{p['name']}: work programme {start.year}–{end.year}" if agreement is None
                 else f"Delivering {agreement[1]}")[:250]
        adopted = ctx["bench"] or rng.random() < 0.85
        created_day = start - td(days=rng.randint(20, 60))
        created = self._at(rng, created_day)
        adopted_at = self._at(rng, start - td(days=rng.randint(0, 19))) if adopted else None
        summary = f"What the partners do together on {topic}, who leads each part, and by when."
        self.w["programme"].add((prog, created, adopted_at or created, 2 if adopted else 1, pid,
                                 agreement[0] if agreement else None, title, summary,
                                 "adopted" if adopted else "draft", rng.random() < 0.8, adopted_at, None, admin))
        self.audit.event(admin, "programme.created", "programme.workprogramme", prog, title, partnership=pid,
                         acting_for=convener, after={"title": title})
        if adopted:
            self.audit.event(admin, "programme.adopted", "programme.workprogramme", prog, title, partnership=pid,
                             acting_for=convener, before={"status": "draft"}, after={"status": "adopted"})
        by_owner: dict[int, list[int]] = {}
        for c in commitments:
            by_owner.setdefault(c[2], []).append(c[0])
        every_commitment = [c[0] for c in commitments]
        depends, links = self.w["depends_on"], self.w["item_commitment"]

        def link(iid, owner):
            choices = by_owner.get(owner) or every_commitment
            if choices:
                links.add((self.new_id("programme.WorkItem_commitments"), iid, rng.choice(choices)))

        n_obj = max(1, min(6, round(n * 0.025)))
        n_ini = max(n_obj, round(n * 0.05))
        n_mil = max(n_ini, round(n * 0.1))
        n_task = max(0, n - n_obj - n_ini - n_mil)
        direct = round(n_task * 0.15)
        ini_split = _split(rng, n_ini, n_obj)
        mil_split = _split(rng, n_mil, n_ini)
        task_split = _split(rng, n_task - direct, n_mil, 0)
        direct_split = _split(rng, direct, n_ini, 0)
        programme_tasks: list[int] = []
        ini_k = mil_k = 0
        volunteer_share = 0.1 if ctx["bench"] else 0.07

        def task(parent, owner, lo, hi, position, previous):
            due = lo + td(days=rng.randint(0, max((hi - lo).days, 0)))
            t_start = max(lo - td(days=14), due - td(days=rng.randint(3, 30)))
            t_owner = owner if rng.random() < 0.6 else rng.choice(partners)
            wanted, note = 0, ""
            if rng.random() < volunteer_share:
                wanted, note = rng.randint(2, 12), rng.choice(VOLUNTEER_NOTES)
            title = rng.choice(TASKS).format(thing=rng.choice(THINGS), event=rng.choice(EVENTS))
            description = _sentence(rng, topic) if rng.random() < 0.3 else ""
            iid, status = self._item(rng, ctx, prog, pid, "task", parent, title, t_owner, t_start, due,
                                     min(max(created_day, t_start - td(days=14)), today), position, description,
                                     wanted, note)
            if previous and rng.random() < 0.25:
                depends.add((self.new_id("programme.WorkItem_depends_on"), iid, previous))
            if len(programme_tasks) > 3 and rng.random() < 0.03:
                other = programme_tasks[rng.randrange(len(programme_tasks) - 1)]
                if other != previous:
                    depends.add((self.new_id("programme.WorkItem_depends_on"), iid, other))
            if commitments and rng.random() < 0.15:
                link(iid, t_owner)
            if wanted:
                self._signups(rng, ctx, iid, t_owner, t_start, due, status, wanted)
            programme_tasks.append(iid)
            ctx["tasks"].append((iid, t_owner, t_start, due, status, title))
            return iid

        for o in range(n_obj):
            o_owner = convener if rng.random() < 0.5 else rng.choice(partners)
            o_start, o_end = _sub(rng, start, end, 0.7)
            o_title = rng.choice(OBJECTIVES).format(topic=topic)
            oid, _s = self._item(rng, ctx, prog, pid, "objective", None, o_title, o_owner, o_start, o_end,
                                 created_day, o, _sentence(rng, topic))
            self.audit.event(self.org_admin[o_owner], "work_item.created", "programme.workitem", oid, o_title,
                             partnership=pid, acting_for=o_owner, after={"kind": "objective"})
            for i in range(ini_split[o]):
                i_owner = o_owner if rng.random() < 0.6 else rng.choice(partners)
                i_start, i_end = _sub(rng, o_start, o_end, 0.4)
                i_title = rng.choice(INITIATIVES)
                iid, _s = self._item(rng, ctx, prog, pid, "initiative", oid, i_title, i_owner, i_start, i_end,
                                     created_day, i)
                self.audit.event(self.org_admin[i_owner], "work_item.created", "programme.workitem", iid, i_title,
                                 partnership=pid, acting_for=i_owner, after={"kind": "initiative"})
                previous = None
                for d in range(direct_split[ini_k]):
                    previous = task(iid, i_owner, i_start, i_end, d, previous)
                previous_milestone = None
                for m in range(mil_split[ini_k]):
                    m_owner = i_owner if rng.random() < 0.5 else rng.choice(partners)
                    m_due = i_start + td(days=rng.randint(0, max((i_end - i_start).days, 0)))
                    m_start = max(i_start, m_due - td(days=rng.randint(20, 90)))
                    m_title = rng.choice(MILESTONES)
                    mid, _s = self._item(rng, ctx, prog, pid, "milestone", iid, m_title, m_owner, m_start, m_due,
                                         created_day, direct_split[ini_k] + m)
                    self.audit.event(self.org_admin[m_owner], "work_item.created", "programme.workitem", mid,
                                     m_title, partnership=pid, acting_for=m_owner, after={"kind": "milestone"})
                    if previous_milestone and rng.random() < 0.35:
                        depends.add((self.new_id("programme.WorkItem_depends_on"), mid, previous_milestone))
                    if commitments and rng.random() < 0.4:
                        link(mid, m_owner)
                    previous = None
                    for t in range(task_split[mil_k]):
                        previous = task(mid, m_owner, m_start, m_due, t, previous)
                    previous_milestone = mid
                    mil_k += 1
                ini_k += 1
        return prog

    def _signups(self, rng, ctx, task, owner, start, due, status, wanted):
        """Citizens offer to co-deliver a task; the coordinator confirms most of them."""
        lo, hi = ctx["window"]
        w = self.w["signup"]
        admin = self.org_admin[owner]
        today = self.today
        past = due < today
        started = start <= today and status != "cancelled"
        people = [self.citizens[i] for i in rng.sample(range(lo, hi), min(hi - lo, rng.randint(0, wanted + 2)))]
        if ctx["bench"] and self.bench_signups < BENCH_VOLUNTEER_SIGNUPS:
            people.append(self.bench_person)
            self.bench_signups += 1
        for person in people:
            r = rng.random()
            if person == self.bench_person:
                state = "confirmed" if self.bench_signups < BENCH_VOLUNTEER_SIGNUPS else "pending"
            elif past:
                state = "confirmed" if r < 0.75 else "declined" if r < 0.85 else "withdrawn"
            else:
                state = "pending" if r < 0.35 else "confirmed" if r < 0.9 else "declined" if r < 0.95 else "withdrawn"
            created = self._at(rng, min(start - dt.timedelta(days=rng.randint(3, 30)), today))
            decided = None
            if state in ("confirmed", "declined"):
                decided = min(created + dt.timedelta(days=rng.randint(1, 4)), self.now)
            w.add((self.new_id("programme.VolunteerSignup"), created, decided or created, task, person,
                   rng.choice(SIGNUP_MESSAGES), state, admin if decided else None, decided,
                   "The task is full, thank you." if state == "declined" else ""))
            if state == "confirmed" and started:
                ctx["log"].append((person, task, owner, start, min(due, today - dt.timedelta(days=1))))
        if started:
            ctx["vol_tasks"].setdefault(owner, []).append((task, start, min(due, today - dt.timedelta(days=1))))

    def _rates(self, rng, p):
        """Staff and volunteer hourly values: an old rate superseded some months ago, and the current one."""
        pid = p["pid"]
        convener = p["partners"][0]
        admin = self.org_admin[convener]
        cutover = self.today - dt.timedelta(days=rng.randint(120, 240))
        first = self.today - dt.timedelta(days=rng.randint(500, 800))
        out = {}
        for hours_kind, code, label, low, high, basis in (
                ("staff_hours", "staff-general", "Staff time", 3600, 5200,
                 "Average hourly cost of the partners' front-line staff, benefits included."),
                ("volunteer_hours", "volunteer-general", "Volunteer time", 2600, 3400,
                 "Replacement cost of an hour of general volunteer work (median hourly wage in community "
                 "and social services).")):
            old_cents = 2 * rng.randint(low // 2, high // 2)  # even cents: half hours value exactly
            new_cents = old_cents + 2 * rng.randint(30, 160)
            old_id = self.new_id("contributions.ValuationRate")
            new_id = self.new_id("contributions.ValuationRate")
            t_old = self._at(rng, first)
            t_new = self._at(rng, cutover - dt.timedelta(days=14))
            self.w["rate"].add((old_id, t_old, t_new, pid, code, label, hours_kind, _cents(old_cents), "CAD", basis,
                                first, cutover - dt.timedelta(days=1), new_id, admin))
            self.w["rate"].add((new_id, t_new, t_new, pid, code, label, hours_kind, _cents(new_cents), "CAD", basis,
                                cutover, None, None, admin))
            self.audit.event(admin, "valuation_rate.set", "contributions.valuationrate", old_id, f"{label}",
                             partnership=pid, acting_for=convener, after={"hourly_rate": _cents(old_cents)})
            self.audit.event(admin, "valuation_rate.set", "contributions.valuationrate", new_id, f"{label}",
                             partnership=pid, acting_for=convener, before={"hourly_rate": _cents(old_cents)},
                             after={"hourly_rate": _cents(new_cents), "valid_from": cutover.isoformat()})
            out[hours_kind] = (cutover, old_id, old_cents, new_id, new_cents)
        return out

    def _contributions(self, rng, p, ctx, n, rates, commitments):
        """About `n` contributions over the last year: citizens' hours on their tasks, then every partner's."""
        pid, partners = p["pid"], p["partners"]
        days = self.days_back
        td = dt.timedelta
        year_ago, yesterday = days[364], days[1]
        by_kind: dict[tuple, list] = {}
        by_org: dict[int, list] = {}  # a partner with commitments mostly contributes against them
        for cid, _aid, org, ck, qty, p_start, p_end in commitments:
            lo, hi = max(p_start, year_ago), min(p_end, yesterday)
            if lo <= hi:  # `share`: how much of the commitment is met so far (a gap for most)
                entry = (cid, qty * rng.uniform(0.3, 1.0), lo, (hi - lo).days)
                by_kind.setdefault((org, COMMITMENT_KIND[ck]), []).append(entry)
                by_org.setdefault(org, []).append((COMMITMENT_KIND[ck], entry))
        made = 0
        vcut, vold, vold_c, vnew, vnew_c = rates["volunteer_hours"]
        log = ctx["log"]
        for k in range(min(round(n * 0.15), len(log) * 2)):
            person, task, owner, start, end = log[k % len(log)]
            day = max(start + td(days=rng.randint(0, max((end - start).days, 0))), year_ago)
            h2 = rng.randint(4, 16)
            rate, cents = (vold, vold_c) if day < vcut else (vnew, vnew_c)
            made += self._contribution(rng, pid, None, person, "citizens", "volunteer_hours", day, 0, _hours(h2),
                                       "hours", 1, "CAD", rate, _cents(h2 * cents // 2), None, task, None,
                                       self.org_admin[owner])
        rem = max(n - made, 0)
        weights = [SECTOR_WEIGHT.get(self.org_sector[o], 1.0) * rng.uniform(0.5, 1.5) for o in partners]
        total = sum(weights)
        for org, weight in zip(partners, weights, strict=True):
            count = max(2, round(rem * weight / total))
            sector = self.org_sector[org]
            cum = KIND_CUM[sector]
            admin = self.org_admin[org]
            vol_tasks = ctx["vol_tasks"].get(org)
            committed = by_org.get(org)
            per = count * 0.6 / len(committed) if committed else 1  # rows expected against each commitment
            batch = batch_lo = batch_hi = None
            batch_rows = 0
            if count >= 12 and rng.random() < 0.3:
                batch = self.new_id("contributions.ContributionImport")
                q = rng.randrange(4)
                batch_hi, batch_lo = days[1 + q * 91], days[q * 91 + 91]
            for _k in range(count):
                commitment = work_item = None
                if committed and rng.random() < 0.5:
                    kind, (commitment, cqty, lo, span) = committed[rng.randrange(len(committed))]
                    cands = None
                else:
                    kind = rng.choices(CONTRIBUTION_KINDS, cum_weights=cum)[0]
                    cands = by_kind.get((org, kind))
                if commitment:
                    day = lo + td(days=rng.randint(0, span))
                elif kind == "volunteer_hours" and vol_tasks and rng.random() < 0.3:
                    work_item, lo, hi = vol_tasks[rng.randrange(len(vol_tasks))]
                    day = max(lo + td(days=rng.randint(0, max((hi - lo).days, 0))), year_ago)
                elif cands and rng.random() < 0.7:
                    commitment, cqty, lo, span = cands[rng.randrange(len(cands))]
                    day = lo + td(days=rng.randint(0, span))
                else:
                    day = days[1 + rng.randrange(364)]
                if kind == "money":
                    if commitment:
                        cents = max(100, int(cqty / per * rng.uniform(0.6, 1.4)) // 100 * 100) * 100
                    else:
                        cents = rng.choice(MONEY_STEPS) * 100
                    qty = value = _cents(cents)
                    unit, people, currency, rate, period = "CAD", 1, "CAD", None, 89
                elif kind == "staff_hours" or kind == "volunteer_hours":
                    staff = kind == "staff_hours"
                    people = 1 if rng.random() < 0.6 else rng.randint(2, 4 if staff else 12)
                    period = 6 if (not staff or rng.random() < 0.5) else 29
                    if commitment:
                        h2 = int(cqty * 2 / per * rng.uniform(0.6, 1.4))
                    else:
                        h2 = rng.randint(4, 24 * people)
                    h2 = max(1, min(h2, people * (period + 1) * 16))  # at most 8 hours a day each
                    cut, old, old_c, new, new_c = rates[kind]
                    rate, cents = (old, old_c) if day < cut else (new, new_c)
                    qty, value = _hours(h2), _cents(h2 * cents // 2)
                    unit, currency = "hours", "CAD"
                elif kind == "in_kind":
                    q_items = max(1, round(cqty / per * rng.uniform(0.6, 1.4))) if commitment else rng.randint(1, 20)
                    qty, value = str(q_items), _cents(q_items * rng.randint(20, 400) * 100)
                    unit, people, currency, rate, period = rng.choice(IN_KIND_UNITS), 1, "CAD", None, 29
                else:
                    qty = str(max(1, round(cqty / per * rng.uniform(0.6, 1.4))) if commitment else rng.randint(1, 4))
                    value = None
                    unit, people, currency, rate, period = rng.choice(DATA_UNITS), 1, "", None, 89
                in_batch = batch is not None and batch_lo <= day <= batch_hi
                batch_rows += in_batch
                made += self._contribution(rng, pid, org, None, sector, kind, day, period, qty, unit, people,
                                           currency, rate, value, commitment, work_item, batch if in_batch else None,
                                           admin)
            if batch is not None and batch_rows:
                t = self._at(rng, min(batch_hi + td(days=rng.randint(1, 10)), self.today))
                filename = f"contributions-{batch_lo:%Y-%m}-to-{batch_hi:%Y-%m}.csv"
                self.w["import"].add((batch, t, t, pid, org, filename,
                                      hashlib.sha256(f"{self.seed}/{batch}".encode()).hexdigest(), batch_rows,
                                      "imported", [], admin))
                self.audit.event(admin, "contribution.imported", "contributions.contributionimport", batch,
                                 filename, partnership=pid, acting_for=org, after={"rows": batch_rows})
        if ctx["bench"] or rng.random() < 0.05:  # a file that was refused, with its row-by-row report
            org = partners[rng.randrange(len(partners))]
            bid = self.new_id("contributions.ContributionImport")
            t = self._at(rng, days[rng.randint(1, 200)])
            report = [{"row": 14, "column": "quantity", "problem": "The amount is negative.",
                       "fix": "Enter 0 or more."},
                      {"row": 22, "column": "commitment", "problem": "This commitment belongs to another partnership.",
                       "fix": "Choose one of this partnership's commitments, or leave it empty."},
                      {"row": 31, "column": "currency", "problem": "Unknown currency “CDN”.",
                       "fix": "Use a three-letter ISO code, for example CAD."}]
            self.w["import"].add((bid, t, t, pid, org, "contributions-draft.xlsx",
                                  hashlib.sha256(f"{self.seed}/{bid}".encode()).hexdigest(), 40, "rejected", report,
                                  self.org_admin[org]))
            self.audit.event(self.org_admin[org], "contribution.import_rejected", "contributions.contributionimport",
                             bid, "contributions-draft.xlsx", partnership=pid, acting_for=org,
                             after={"rows": 40, "problems": len(report)})
        return made

    def _contribution(self, rng, pid, org, person, sector, kind, day, period, qty, unit, people, currency, rate,
                      value, commitment, work_item, batch, recorded_by):
        """One ledger row (two when it was corrected: the withdrawn row and the one replacing it)."""
        cid = self.new_id("contributions.Contribution")
        created = self._at(rng, min(day + dt.timedelta(days=rng.randint(0, 10)), self.today))
        description = CONTRIBUTION_TEXT[kind][rng.randrange(len(CONTRIBUTION_TEXT[kind]))]
        evidence = f"https://evidence.joinery.example/{pid}/{cid}.pdf" if rng.random() < 0.25 else ""
        start = day - dt.timedelta(days=period)
        w = self.w["contribution"]
        if rng.random() < 0.005:
            withdrawn = min(created + dt.timedelta(days=2), self.now)
            w.add((cid, created, withdrawn, pid, org, person, sector, kind, description, day, start, day, qty, unit,
                   people, currency, rate, value, commitment, work_item, "", evidence, batch, recorded_by, None,
                   withdrawn, "Wrong period: corrected."))
            w.add((self.new_id("contributions.Contribution"), withdrawn, withdrawn, pid, org, person, sector, kind,
                   description, day, start, day, qty, unit, people, currency, rate, value, commitment, work_item, "",
                   evidence, None, recorded_by, cid, None, ""))
            return 2
        w.add((cid, created, created, pid, org, person, sector, kind, description, day, start, day, qty, unit, people,
               currency, rate, value, commitment, work_item, "", evidence, batch, recorded_by, None, None, ""))
        return 1

    def _risks(self, rng, p, ctx, n):
        """The risk appetite (sometimes revised once) and `n` risks, some accepted for innovation."""
        pid, partners = p["pid"], p["partners"]
        convener = partners[0]
        admin = self.org_admin[convener]
        today = self.today
        threshold = rng.choice((6, 8, 9, 10, 12, 12, 15))
        if rng.random() < 0.3:
            t = self._at(rng, today - dt.timedelta(days=rng.randint(400, 700)))
            aid = self.new_id("risks.RiskAppetite")
            self.w["appetite"].add((aid, t, t, pid, max(4, threshold - 3), rng.choice(APPETITE_STATEMENTS), admin))
            self.audit.event(admin, "risk_appetite.set", "risks.riskappetite", aid, f"{max(4, threshold - 3)}",
                             partnership=pid, acting_for=convener, after={"threshold": max(4, threshold - 3)})
        t = self._at(rng, today - dt.timedelta(days=rng.randint(30, 380)))
        aid = self.new_id("risks.RiskAppetite")
        self.w["appetite"].add((aid, t, t, pid, threshold, rng.choice(APPETITE_STATEMENTS), admin))
        self.audit.event(admin, "risk_appetite.set", "risks.riskappetite", aid, f"{threshold}", partnership=pid,
                         acting_for=convener, after={"threshold": threshold})
        tasks = ctx["tasks"]
        first = rng.randrange(len(RISKS))
        innovated = False
        for k in range(n):
            title, cause, consequence, mitigations, innovation = RISKS[(first + k) % len(RISKS)]
            if k >= len(RISKS):
                title = f"{title}: {rng.choice(INITIATIVES).lower()}"
            likelihood = rng.choices(LEVELS, weights=(10, 25, 35, 20, 10))[0]
            impact = rng.choices(LEVELS, weights=(8, 22, 35, 25, 10))[0]
            score = likelihood * impact
            owner = partners[rng.randrange(len(partners))]
            created = self._at(rng, today - dt.timedelta(days=rng.randint(30, 400)))
            accepted_by = accepted_at = None
            reason = ""
            if innovation and (rng.random() < 0.7 or (ctx["bench"] and not innovated)):
                status, for_innovation = "accepted", True
                reason = rng.choice(INNOVATION_REASONS)
                innovated = True
            else:
                status = rng.choices(RISK_STATUSES, weights=(40, 35, 10, 15))[0]
                for_innovation = False
                if status == "accepted":
                    reason = "Within the partnership's appetite; mitigating it would cost more than the risk."
            if status == "accepted":
                accepted_by = admin
                accepted_at = min(created + dt.timedelta(days=rng.randint(1, 30)), self.now)
            rid = self.new_id("risks.Risk")
            self.w["risk"].add((rid, created, accepted_at or created, 1 + (status != "open"), pid, title, cause,
                                consequence, likelihood, impact, score, owner,
                                self.org_admin[owner] if rng.random() < 0.5 else None,
                                mitigations if status != "open" or rng.random() < 0.5 else "", status, for_innovation,
                                reason, accepted_by, accepted_at, today + dt.timedelta(days=rng.randint(-30, 120)),
                                tasks[rng.randrange(len(tasks))][0] if tasks and rng.random() < 0.3 else None,
                                self.org_admin[owner]))
            self.audit.event(self.org_admin[owner], "risk.recorded", "risks.risk", rid, title, partnership=pid,
                             acting_for=owner, after={"likelihood": likelihood, "impact": impact})
            if for_innovation:
                self.audit.event(admin, "risk.accepted_for_innovation", "risks.risk", rid, title, partnership=pid,
                                 acting_for=convener, after={"reason": reason})
            if ctx["bench"] and k == 0:
                self.context["risk_id"] = rid
            if score > threshold and status in ("open", "mitigating"):
                ctx["risks_above"].append((rid, title, score))

    def _meetings(self, rng, p, ctx, programme, n, agreements):
        """Quarterly reviews: past ones held (minutes, attendance, actions that became tasks), one coming up."""
        pid, partners = p["pid"], p["partners"]
        convener = partners[0]
        admin = self.org_admin[convener]
        today = self.today
        td = dt.timedelta
        place = self.org_place.get(convener, "")
        for k in range(n):
            upcoming = k == n - 1
            day = (today + td(days=rng.randint(7, 45))) if upcoming else today - td(days=(n - 1 - k) * 91
                                                                                   + rng.randint(-10, 10))
            starts = dt.datetime(day.year, day.month, day.day, rng.choice((9, 13, 18)), 0, tzinfo=UTC)
            agreement = agreements[rng.randrange(len(agreements))] if agreements and rng.random() < 0.3 else None
            title = (f"Review of {agreement[1]}" if agreement else "Quarterly review of the work programme")[:250]
            status = "scheduled" if upcoming else ("cancelled" if rng.random() < 0.08 and not ctx["bench"] else "held")
            mid = self.new_id("meetings.ReviewMeeting")
            created = self._at(rng, min(day - td(days=rng.randint(14, 40)), today))
            generated = min(starts - td(days=7), self.now - td(hours=2))
            agenda = self._agenda(ctx, day)
            held_at = minutes = None
            if status == "held":
                held_at = min(starts + td(days=1, hours=3), self.now)
                minutes = rng.choice(MINUTES).format(n=rng.randint(2, 6))
            uid = uuid.UUID(int=rng.getrandbits(128), version=4)
            self.w["meeting"].add((mid, created, held_at or created, 1 + (status != "scheduled"), pid,
                                   agreement[0] if agreement else None, programme, title, starts, starts + td(hours=2),
                                   rng.choice(MEETING_PLACES).format(place=place), status, agenda, generated,
                                   minutes or "", held_at, uid, rng.randint(0, 2), admin))
            self.audit.event(admin, "meeting.scheduled", "meetings.reviewmeeting", mid, title, partnership=pid,
                             acting_for=convener, after={"starts_at": starts.isoformat()})
            if upcoming and ctx["bench"]:
                self.context["meeting_id"] = mid
            if status != "held":
                continue
            self.audit.event(admin, "meeting.minutes_recorded", "meetings.reviewmeeting", mid, title,
                             partnership=pid, acting_for=convener)
            for org in partners:
                present = rng.random() < 0.85
                self.w["attendance"].add((self.new_id("meetings.Attendance"), mid, org, present,
                                          self.person_name(self.org_admin[org]) if present else ""))
            for _a in range(rng.randint(2, 4)):
                owner = partners[rng.randrange(len(partners))]
                action_title = rng.choice(ACTIONS)
                due = day + td(days=rng.randint(14, 60))
                task, _status = self._item(rng, ctx, programme, pid, "task", None, action_title, owner,
                                           day + td(days=1), due, min(day + td(days=1), today), 1000 + k,
                                           f"Agreed at “{title}” on {day:%Y-%m-%d}.")
                ctx["tasks"].append((task, owner, day, due, _status, action_title))
                self.w["action"].add((self.new_id("meetings.MeetingAction"), held_at, held_at, mid, action_title,
                                      owner, due, task))

    def _agenda(self, ctx, day):
        """What was due when the agenda was generated: overdue tasks, risks above the appetite."""
        overdue = [t for t in ctx["tasks"] if t[3] < day and t[4] in ("planned", "in_progress", "blocked")][:5]
        sections = []
        if overdue:
            sections.append({"section": "Overdue tasks", "items": [
                {"text": f"{title} (due {due:%Y-%m-%d})", "url": self.url_for("programme:item", iid)}
                for iid, _o, _s, due, _st, title in overdue]})
        if ctx["risks_above"]:
            sections.append({"section": "Risks above the appetite", "items": [
                {"text": f"{title} (score {score})", "url": self.url_for("risks:detail", rid)}
                for rid, title, score in ctx["risks_above"][:5]]})
        sections.append({"section": "Commitments and contributions", "items": [
            {"text": "Committed and contributed, by partner, this period", "url": ""}]})
        return sections

    # --- notifications -------------------------------------------------------------------------------------------

    def _notifications(self):
        rng = self.rng
        w = self.w["notification"]
        kinds = ["invitation", "decision_opened", "decision_closing", "decision_closed", "membership", "charter",
                 "agreement", "work", "volunteering", "contribution", "risk", "meeting"]
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

    # --- the evaluation framework (issue 6) -----------------------------------------------------------------

    def _evaluation_writers(self):
        ev = EVAL_SCALES[self.scale_name]
        m = self.m
        W = lambda label, cols, planned=0: Writer(self, m[label], cols, planned)  # noqa: E731
        frameworks = int(ev.share * self.scale.partnerships) + 8
        self.w.update({
            "framework": W("evaluation.Framework", [
                "id", "created_at", "updated_at", "version", "partnership_id", "title", "purpose", "period_kind",
                "starts_on", "ends_on", "reporting_days", "reminder_days", "status", "adopted_at",
                "adoption_decision_id", "revision", "created_by_id"], frameworks),
            "outcome": W("evaluation.Outcome", [
                "id", "created_at", "updated_at", "version", "framework_id", "level", "title", "description",
                "contributes_to_id", "position", "retired_at"], frameworks * 5),
            "indicator": W("evaluation.Indicator", [
                "id", "created_at", "updated_at", "version", "framework_id", "outcome_id", "code", "name",
                "definition", "unit", "value_type", "direction", "aggregation", "baseline", "baseline_period",
                "data_source", "reporting_partner_id", "serves", "question", "feedback_channel_id",
                "feedback_measure", "is_published", "position", "retired_at"]),
            "target": W("evaluation.IndicatorTarget", ["id", "indicator_id", "period", "value"]),
            "measurement_import": W("evaluation.MeasurementImport", [
                "id", "created_at", "updated_at", "framework_id", "acting_for_id", "filename", "sha256", "rows",
                "status", "report", "imported_by_id"]),
            "measurement": W("evaluation.Measurement", [
                "id", "indicator_id", "period", "value", "reported_for_id", "reported_by_id", "reported_at", "source",
                "note", "batch_id", "replaces_id", "correction_reason", "is_current"], ev.measurements),
            "framework_version": W("evaluation.FrameworkVersion", [
                "id", "framework_id", "number", "snapshot", "sha256", "summary", "decision_id", "created_by_id",
                "created_at"], frameworks),
            "requirement": W("evaluation.ReportingRequirement", [
                "id", "created_at", "updated_at", "version", "framework_id", "organisation_id", "name", "report_to",
                "reference", "period_kind", "notes", "created_by_id"]),
            "requirement_item": W("evaluation.RequirementItem", [
                "id", "requirement_id", "indicator_id", "external_name", "external_code", "position"]),
            "publication": W("evaluation.OpenDataPublication", [
                "id", "created_at", "updated_at", "version", "framework_id", "is_published", "title", "description",
                "licence", "publisher", "contact_email", "first_published_at", "updated_by_id"]),
            "indicator_work_item": W("evaluation.Indicator_work_items", ["id", "indicator_id", "workitem_id"]),
            "indicator_commitment": W("evaluation.Indicator_commitments", ["id", "indicator_id", "commitment_id"]),
            "channel": W("feedback.FeedbackChannel", [
                "id", "created_at", "updated_at", "version", "partnership_id", "programme_id", "service_name", "slug",
                "title", "introduction", "is_open", "created_by_id"]),
            "response": W("feedback.FeedbackResponse", [
                "id", "channel_id", "submitted_at", "going", "trend", "feeling", "comment", "contact", "language",
                "client_hash", "hidden_at", "hidden_by_id", "hidden_reason"], ev.responses + BENCH_RESPONSES),
            "tally": W("feedback.FeedbackTally", [
                "id", "channel_id", "month", "responses", "going_sum", "feeling_sum", "better", "same", "worse",
                "unsure"]),
        })

    def _eval_periods(self, kind, back, ahead):
        """The framework's periods: `back` whole periods before the current one, the current one and `ahead`
        more, as [(key, first day, last day)]."""
        step = 1 if kind == "month" else 3
        current = (self.today.year * 12 + self.today.month - 1) // step * step
        out = []
        for k in range(-back, ahead + 1):
            index = current + k * step
            y, m0 = divmod(index, 12)
            ny, nm0 = divmod(index + step, 12)
            start, end = dt.date(y, m0 + 1, 1), dt.date(ny, nm0 + 1, 1) - dt.timedelta(days=1)
            out.append((f"{y}-{m0 + 1:02d}" if kind == "month" else f"{y}-Q{m0 // 3 + 1}", start, end))
        return out

    def _evaluation(self):
        """Frameworks, measurements, requirements, open data and citizen feedback (issue 6).

        The bench corner first, from its own random stream and fixed sizes. Then a share of the
        other partnerships, the scale's measurement total spread over the adopted frameworks in
        proportion to their number of partners (each takes its share of what is left, so the total
        is met), and the responses over their feedback forms the same way. Bulk rows (measurements,
        targets, responses, tallies) have no audit events, like the contributions ledger; what
        people do once (create, adopt, import, publish, hide) does.
        """
        ev = EVAL_SCALES[self.scale_name]
        arng = random.Random(f"{self.seed}/anchor/evaluation")
        rng = random.Random(f"{self.seed}/evaluation/{self.scale_name}")
        self.eval_made = {"measurements": 0, "responses": 0, "frameworks": 0}
        for p in [p for p in self.delivery_plan if p["anchor"]]:
            if p["slug"] == BENCH_PARTNERSHIP_SLUG:
                self._framework(arng, p, dict(
                    kind="month", periods=self._eval_periods("month", BENCH_MONTHS - 1, 0), reporting_days=30,
                    adopted=True, indicators=BENCH_INDICATORS - 2, fed=2,
                    channels=[BENCH_RESPONSES, BENCH_SMALL_RESPONSES], published=True,
                    requirements=BENCH_REQUIREMENTS, targets=1.0, bench=True))
            elif p["bench_partner"]:
                kind = arng.choice(["month", "quarter"])
                periods = (self._eval_periods("month", arng.randint(18, 35), arng.randint(3, 12)) if kind == "month"
                           else self._eval_periods("quarter", arng.randint(6, 11), arng.randint(1, 4)))
                self._framework(arng, p, dict(
                    kind=kind, periods=periods, reporting_days=arng.choice([15, 30, 45]), adopted=True,
                    indicators=arng.randint(6, 18), fed=1, channels=[arng.randint(200, 2_000)],
                    published=arng.random() < 0.5, requirements=arng.randint(0, 2), targets=0.8, bench=False))
        plans = []
        for p in [p for p in self.delivery_plan if not p["anchor"]]:
            if rng.random() >= ev.share:
                continue
            kind = "month" if rng.random() < 0.8 else "quarter"
            periods = (self._eval_periods("month", rng.randint(30, 35), rng.randint(3, 24)) if kind == "month"
                       else self._eval_periods("quarter", rng.randint(9, 11), rng.randint(1, 8)))
            n_channels = 0 if rng.random() < 0.4 else (1 if rng.random() < 0.8 else 2)
            plans.append((p, dict(
                kind=kind, periods=periods, reporting_days=rng.choice([15, 30, 30, 45, 60]),
                adopted=rng.random() < 0.92, channels=[rng.uniform(0.3, 2.0) for _ in range(n_channels)],
                published=rng.random() < 0.3, requirements=rng.choice([0, 0, 1, 1, 2, 3]),
                targets=rng.uniform(0.2, 0.6), bench=False), len(p["partners"]) * rng.uniform(0.5, 1.5)))
        m_left = ev.measurements
        m_weight = sum(w for _p, plan, w in plans if plan["adopted"])
        r_left = ev.responses
        r_weight = sum(sum(plan["channels"]) for _p, plan, _w in plans)
        for p, plan, weight in plans:
            r_shares = plan["channels"]
            channels = []
            for share in r_shares:
                n = round(r_left * share / r_weight) if r_weight > 0 else 0
                r_weight -= share
                r_left -= n
                channels.append(n)
            plan["channels"] = channels
            plan["fed"] = min(len(channels) * 2, rng.randint(1, 2)) if channels else 0
            if plan["adopted"]:
                due = max(1, sum(1 for _k, _s, end in plan["periods"]
                                 if end + dt.timedelta(days=plan["reporting_days"]) < self.today))
                want = m_left * weight / m_weight if m_weight > 0 else 0
                m_weight -= weight
                plan["indicators"] = max(6, min(INDICATOR_CAP, round(want / (due * 0.975))))
            else:
                plan["indicators"] = rng.randint(6, 20)
            m_left -= self._framework(rng, p, plan)
        self.context["evaluation"] = dict(self.eval_made)

    def _framework(self, rng, p, plan) -> int:
        """One partnership's framework and everything that hangs on it. Returns the measurement rows made."""
        td = dt.timedelta
        pid, partners, bench = p["pid"], p["partners"], plan["bench"]
        convener = partners[0]
        admin = self.org_admin[convener]
        periods, kind, adopted = plan["periods"], plan["kind"], plan["adopted"]
        starts_on, ends_on = periods[0][1], periods[-1][2]
        fid = self.new_id("evaluation.Framework")
        title = f"{p['name']}: evaluation framework"[:200]
        created = self._at(rng, starts_on - td(days=rng.randint(50, 90)))  # before its adoption was proposed
        self.audit.event(admin, "evaluation.framework_created", "evaluation.framework", fid, title, partnership=pid,
                         acting_for=convener, after={"title": title, "period_kind": kind})
        decision = adopted_at = None
        if adopted:
            adopted_at = self._at(rng, starts_on - td(days=rng.randint(1, 30)))
            decision = self._adoption_decision(rng, p, fid, title, adopted_at)
            if decision is None:  # not carried: the framework stays proposed
                adopted, adopted_at = False, None
        status = "adopted" if adopted else "draft"
        self.w["framework"].add((
            fid, created, adopted_at or created, 3 if adopted else 1, pid, title,
            f"What the partners want to learn and show about {p['topic']}: whether services get better, whether "
            "people feel better about them, and whether they build public value.", kind, starts_on, ends_on,
            plan["reporting_days"], 7, status, adopted_at, decision, 1 if adopted else 0, admin))
        self.eval_made["frameworks"] += 1
        # The logic model: an impact, 2 to 4 outcomes contributing to it, an output for the first.
        w_out = self.w["outcome"]
        impact = self.new_id("evaluation.Outcome")
        w_out.add((impact, created, created, 1, fid, "impact", f"Residents thrive: {p['topic']}"[:200], "", None, 0,
                   None))
        outcomes = []
        for k, otitle in enumerate(rng.sample(OUTCOME_TITLES, 4 if bench else rng.randint(2, 4))):
            oid = self.new_id("evaluation.Outcome")
            w_out.add((oid, created, created, 1, fid, "outcome", otitle, "", impact, k + 1, None))
            outcomes.append(oid)
        output = self.new_id("evaluation.Outcome")
        w_out.add((output, created, created, 1, fid, "output", "Shared intake in place", "", outcomes[0],
                   len(outcomes) + 1, None))
        outcomes.append(output)
        # Citizen feedback forms (before the indicators they feed).
        channels = []
        for k, n_responses in enumerate(plan["channels"]):
            cid = self.new_id("feedback.FeedbackChannel")
            service = rng.choice(EVENTS + ["drop-in centre", "help line", "referral service"])
            ctitle = f"Tell us about the {service}"
            slug = "bench-network-services" if bench and k == 0 else f"{slugify(ctitle)[:60]}-{cid}"
            opened = self._at(rng, starts_on)
            self.w["channel"].add((cid, opened, opened, 1, pid, self.p_programme.get(pid) if k == 0 else None,
                                   "" if k == 0 else service.capitalize(), slug, ctitle,
                                   "We want to know how the service is going for you. Your answers are anonymous.",
                                   bench or rng.random() < 0.95, admin))
            self.audit.event(admin, "feedback.channel_created", "feedback.feedbackchannel", cid, ctitle,
                             partnership=pid, acting_for=convener, after={"slug": slug})
            self._responses(rng, pid, convener, cid, n_responses, starts_on)
            channels.append(cid)
            if bench and k == 0:
                self.context.update(feedback_channel=slug, feedback_channel_id=cid)
        # Indicators, their targets and measurements.
        reporters = list(partners)
        rng.shuffle(reporters)
        if bench:  # the bench organisation reports a fair share, on time
            reporters.remove(self.org_ids[0])
            reporters.insert(0, self.org_ids[0])
        late = {o: rng.randint(1, 2) for o in reporters[1:] if rng.random() < 0.2} if adopted else {}
        importers = {o: self.new_id("evaluation.MeasurementImport") for o in reporters if rng.random() < 0.2}
        imported = dict.fromkeys(importers, 0)
        due_at = {}
        for key, _start, end in periods:
            day = end + td(days=1 + rng.randrange(plan["reporting_days"]))
            due_at[key] = dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
        due = [(key, due_at[key]) for key, _s, end in periods if due_at[key] < self.now] if adopted else []
        org_delay = {o: td(hours=rng.randrange(8), minutes=rng.randrange(60)) for o in reporters}
        offset = rng.randrange(len(TEMPLATE_ORDER))
        n = plan["indicators"]
        made = 0
        indicators = []  # (id, name, code, fed, partner)
        w_ind = self.w["indicator"]
        for k in range(n):
            serves, (name, unit, vt, direction, agg, question, (lo, hi)) = \
                TEMPLATE_ORDER[(offset + k) % len(TEMPLATE_ORDER)]
            org = reporters[k % len(reporters)]
            if k >= len(TEMPLATE_ORDER):  # each partner's own site-level figure
                name = f"{name}: {self.org_names[org]}"
            iid = self.new_id("evaluation.Indicator")
            code = f"{slugify(name)[:50].strip('-')}-{k + 1}"
            baseline = lo + (hi - lo) * rng.random()
            fmt = _value_format(vt)
            w_ind.add((iid, created, created, 1, fid, outcomes[k % len(outcomes)], code, name[:200],
                       f"{name}, counted by {self.org_names[org]} for each {kind}."[:1000], unit, vt, direction, agg,
                       fmt(baseline), periods[0][0], rng.choice(["Case management system", "Intake records",
                                                                 "Partner survey", "Attendance sheets"]),
                       org, serves, question, None, "", plan["published"] and rng.random() < 0.5, k, None))
            indicators.append((iid, name, code, False, org))
            sign = 1 if direction == H else -1
            goal = rng.uniform(0.05, 0.25)
            if rng.random() < plan["targets"]:
                wt = self.w["target"]
                for j, (key, _s, _e) in enumerate(periods):
                    wt.add((self.new_id("evaluation.IndicatorTarget"), iid, key,
                            fmt(baseline * (1 + sign * goal * (j + 1) / len(periods)))))
            if due:
                made += self._series(rng, iid, org, due, baseline, fmt, sign * goal * rng.uniform(0.2, 1.5),
                                     late.get(org, 0), importers.get(org), imported, org_delay[org])
        for j in range(plan["fed"]):
            measure, name, unit, agg = FEED_MEASURES[j]
            iid = self.new_id("evaluation.Indicator")
            baseline = {"going": 3.2, "better_share": 40.0, "feeling": 3.3, "responses": 100}[measure]
            vt = {"going": "decimal", "better_share": "percentage", "feeling": "decimal", "responses": "whole"}[measure]
            fmt = _value_format(vt)
            w_ind.add((iid, created, created, 1, fid, outcomes[0], f"citizen-{measure.replace('_', '-')}", name,
                       f"{name}, from the citizen feedback form.", unit, vt, H, agg, fmt(baseline), periods[0][0],
                       "Citizen feedback form", None, "service_experience", "feel", channels[j // 2 % len(channels)],
                       measure, plan["published"], n + j, None))
            indicators.append((iid, name, f"citizen-{measure}", True, None))
            wt = self.w["target"]
            for jj, (key, _s, _e) in enumerate(periods):
                wt.add((self.new_id("evaluation.IndicatorTarget"), iid, key,
                        fmt(baseline * (1 + 0.15 * (jj + 1) / len(periods)))))
        self.eval_made["measurements"] += made
        for org, bid in importers.items():
            if imported[org]:
                t = min(due[min(11, len(due) - 1)][1] + td(days=2), self.now)
                filename = f"measurements-{self.org_names[org][:40]}.csv"
                self.w["measurement_import"].add((bid, t, t, fid, org, filename,
                                                  hashlib.sha256(f"{self.seed}/m/{bid}".encode()).hexdigest(),
                                                  imported[org], "imported", [], self.org_admin[org]))
                self.audit.event(self.org_admin[org], "evaluation.measurements_imported",
                                 "evaluation.measurementimport", bid, filename, partnership=pid, acting_for=org,
                                 after={"rows": imported[org]})
        if adopted and (bench or rng.random() < 0.05):  # a refused file and its row-by-row report
            org = reporters[rng.randrange(len(reporters))]
            bid = self.new_id("evaluation.MeasurementImport")
            t = self._at(rng, self.today - td(days=rng.randint(5, 200)))
            report = [{"row": 3, "column": "value", "problem": "“12 people” is not a number.",
                       "fix": "Enter the number only, for example 12."},
                      {"row": 7, "column": "period", "problem": "2019-Q1 is outside the framework.",
                       "fix": f"Use a period from {periods[0][0]} to {periods[-1][0]}."},
                      {"row": 9, "column": "indicator", "problem": "Rows 4 and 9 are the same indicator and period.",
                       "fix": "Keep one of the two rows."}]
            self.w["measurement_import"].add((bid, t, t, fid, org, "measurements-draft.xlsx",
                                              hashlib.sha256(f"{self.seed}/m/{bid}".encode()).hexdigest(), 12,
                                              "rejected", report, self.org_admin[org]))
        self._indicator_links(rng, pid, indicators, bench)
        self._requirements(rng, p, fid, kind, indicators, reporters, plan["requirements"], created, bench)
        if plan["published"] or rng.random() < 0.2:  # some publications are prepared but not published
            published = plan["published"]
            first = self._at(rng, min(starts_on + td(days=rng.randint(90, 400)), self.today)) if published else None
            t = first or created
            self.w["publication"].add((self.new_id("evaluation.OpenDataPublication"), t, t, 2 if published else 1,
                                       fid, published, f"{p['name']}: shared results"[:200],
                                       f"The indicators the partners of {p['name']} publish, by {kind}.",
                                       rng.choice(["CC-BY-4.0", "CC-BY-4.0", "CC0-1.0", "ODbL-1.0"]),
                                       self.org_names[convener][:200], f"data@{slugify(p['name'])[:40].strip('-')}.example",
                                       first, admin))
            if published:
                self.audit.event(admin, "evaluation.open_data_published", "evaluation.opendatapublication", fid,
                                 title, partnership=pid, acting_for=convener, after={"published": True})
        if adopted:
            snapshot = {"framework": {"title": title, "period_kind": kind, "starts_on": starts_on.isoformat(),
                                      "ends_on": ends_on.isoformat()},
                        "outcomes": outcomes, "indicators": [code for _i, _n, code, _f, _o in indicators]}
            canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            self.w["framework_version"].add((self.new_id("evaluation.FrameworkVersion"), fid, 1, snapshot,
                                             hashlib.sha256(canonical.encode()).hexdigest(), "Adopted", decision,
                                             admin, adopted_at))
            self.audit.event(admin, "evaluation.framework_adopted", "evaluation.framework", fid, title,
                             partnership=pid, acting_for=convener, after={"revision": 1, "decision": decision})
        if bench:
            self.context.update(framework_id=fid, outcome_id=outcomes[0], indicator_id=indicators[0][0],
                                bench_indicators=len(indicators), bench_measurements=made)
        return made

    def _adoption_decision(self, rng, p, fid, title, adopted_at):
        """The carried decision that adopted the framework, under the charter's rule. None if not carried."""
        pid, partners = p["pid"], p["partners"]
        rule = p["rule"]
        convener = partners[0]
        admin = self.org_admin[convener]
        did = self.new_id("network.Decision")
        opened = adopted_at - dt.timedelta(days=14)
        quorum = max(2, (len(partners) + 1) // 2) if rule == "majority" else None
        allowed = self.rules.allowed_stances(rule)
        positions = [(o, "reservations", "We will review the targets after a year.")
                     if ("reservations" in allowed and rng.random() < 0.1) else (o, "agree", "") for o in partners]
        lead_ruling = True if rule == "lead" else None
        result = self.rules.compute_outcome(
            rule=rule, participants=len(partners), quorum=quorum, lead_ruling=lead_ruling,
            positions=[self.rules.PositionInput(stance, reason) for _o, stance, reason in positions])
        if str(result.outcome) != "carried":
            return None
        tally = {k: getattr(result, k) for k in ("agree", "reservations", "stand_aside", "object", "block", "silent")}
        frozen = [{"organisation": o, "organisation_name": self.org_names[o], "stance": st, "reason": re_}
                  for o, st, re_ in positions]
        dtitle = "Adopt the evaluation framework"
        self.w["decision"].add((
            did, opened, adopted_at, 2, pid, dtitle, "Do the partners adopt the evaluation framework as proposed?",
            f"The framework “{title}” sets out the outcomes, indicators and targets the partners report on.",
            "1. Adopt as proposed\n2. Adopt with changes\n3. Not now", "framework_adoption", {"framework": fid},
            admin, convener, rule, quorum, self.partnership_charter[pid], opened, adopted_at, "closed", adopted_at,
            "carried", str(result.explanation), tally, frozen, "", None, lead_ruling))
        self.audit.event(admin, "decision.opened", "network.decision", did, dtitle, partnership=pid,
                         acting_for=convener, after={"title": dtitle, "rule": rule})
        for org, stance, reason in positions:
            self.w["participant"].add((self.new_id("network.DecisionParticipant"), did, org, opened))
            pos_id = self.new_id("network.Position")
            self.w["position"].add((pos_id, opened, opened, did, org, stance, reason, self.org_admin[org]))
            self.audit.event(self.org_admin[org], "position.recorded", "network.position", pos_id,
                             f"{self.org_names[org]}: {stance}", partnership=pid, acting_for=org,
                             after={"stance": stance, "reason": reason})
        self.audit.event(None, "decision.closed", "network.decision", did, dtitle, partnership=pid,
                         after={"outcome": "carried", "tally": tally})
        return did

    def _series(self, rng, iid, org, due, baseline, fmt, growth, late, batch, imported, delay) -> int:
        """One indicator's measurements over the due periods: gaps, a late partner's missing last periods,
        about 2% corrected (the earlier value kept, no longer current). Returns the rows written."""
        w = self.w["measurement"]
        new_id = self.ids["evaluation.Measurement"]
        person = self.org_admin[org]
        n = len(due) - late
        total = len(due)
        source = "form" if batch is None else "import"
        if batch is None and rng.random() < 0.3:
            source = "api" if rng.random() < 0.8 else "command"
        rows = 0
        for j in range(n):
            if rng.random() < 0.015:  # a period this partner never reported
                continue
            key, at = due[j]
            value = fmt(baseline * (1 + growth * (j + 1) / total) * (0.9 + 0.2 * rng.random()))
            at = at + delay
            in_batch = batch if (batch is not None and j < 12) else None
            if rng.random() < 0.02:
                old = next(new_id)
                w.add((old, iid, key, fmt(baseline * (0.5 + rng.random())), org, person, at,
                       "import" if in_batch else source, "", in_batch, None, "", False))
                fixed = min(at + dt.timedelta(days=1 + rng.randrange(20)), self.now)
                w.add((next(new_id), iid, key, value, org, person, fixed, "form", "", None, old,
                       "The first figure counted one site twice.", True))
                rows += 2
            else:
                w.add((next(new_id), iid, key, value, org, person, at, "import" if in_batch else source, "",
                       in_batch, None, "", True))
                rows += 1
            if in_batch:
                imported[org] += 1
        return rows

    def _responses(self, rng, pid, convener, cid, n, first):
        """`n` responses over the whole months since `first`, and the monthly tallies of the visible ones.

        Each response is sent between the 2nd and the 27th of its month, so its month is the same in
        every time zone; the tallies are summed here, row by row, so they agree exactly.
        """
        if n <= 0:
            return
        start = first.year * 12 + first.month - 1
        end = self.today.year * 12 + self.today.month - 1  # the current month is not over: not included
        months = [divmod(i, 12) for i in range(start, end)]
        if not months:
            return
        weights = [1 + k / len(months) for k in range(len(months))]  # more responses as the form gets known
        total_w = sum(weights)
        counts = [int(n * w / total_w) for w in weights]
        counts[-1] += n - sum(counts)
        w, wt = self.w["response"], self.w["tally"]
        new_id = self.ids["feedback.FeedbackResponse"]
        admin = self.org_admin[convener]
        quality, improve = rng.uniform(2.4, 3.8), rng.uniform(-0.3, 1.0)
        trends = ("better", "same", "worse", "unsure")
        rand, rrange = rng.random, rng.randrange
        hidden_ids = []
        for k, ((y, m0), count) in enumerate(zip(months, counts, strict=True)):
            if not count:
                continue
            mean = quality + improve * k / len(months)
            better_p = 0.2 + 0.25 * k / len(months)
            tally = [0] * 7  # responses, going, feeling, better, same, worse, unsure
            for _r in range(count):
                going = min(5, max(1, int(mean + 3 * rand() - 1)))
                feeling = min(5, max(1, going + (-1, 0, 0, 1)[rrange(4)]))
                r = rand()
                trend = 0 if r < better_p else 1 if r < better_p + 0.35 else 2 if r < better_p + 0.5 else 3
                t = dt.datetime(y, m0 + 1, 2 + rrange(26), 12 + rrange(10), rrange(60), rrange(60), tzinfo=UTC)
                rid = next(new_id)
                if rand() < 0.003:  # abuse, hidden by the convener; kept, and no longer counted
                    hidden = min(t + dt.timedelta(days=1 + rrange(4)), self.now)
                    w.add((rid, cid, t, going, trends[trend], feeling, "(abusive message)", "", "en",
                           f"{rng.getrandbits(256):064x}", hidden, admin, "Abusive language."))
                    hidden_ids.append(rid)
                    continue
                comment = FEEDBACK_COMMENTS[rrange(len(FEEDBACK_COMMENTS))] if rand() < 0.2 else ""
                w.add((rid, cid, t, going, trends[trend], feeling, comment,
                       f"resident{rid}@example.org" if rand() < 0.03 else "", "fr" if rand() < 0.25 else "en",
                       f"{rng.getrandbits(256):064x}", None, None, ""))
                tally[0] += 1
                tally[1] += going
                tally[2] += feeling
                tally[3 + trend] += 1
            if tally[0]:
                wt.add((self.new_id("feedback.FeedbackTally"), cid, dt.date(y, m0 + 1, 1), *tally))
        self.eval_made["responses"] += n
        for rid in hidden_ids:
            self.audit.event(admin, "feedback.response_hidden", "feedback.feedbackresponse", rid, f"Response {rid}",
                             partnership=pid, acting_for=convener, after={"reason": "Abusive language."})

    def _indicator_links(self, rng, pid, indicators, bench):
        """Some indicators depend on work items and serve commitments: the thread from agreement to results."""
        tasks = self.p_tasks.get(pid, [])
        commitments = [c[0] for c in self.p_commitments.get(pid, [])]
        for k, (iid, _name, _code, fed, _org) in enumerate(indicators):
            if fed or not (k == 0 and bench or rng.random() < 0.3):
                continue
            for task in rng.sample(tasks, min(len(tasks), 5 if k == 0 and bench else rng.randint(1, 3))):
                self.w["indicator_work_item"].add((self.new_id("evaluation.Indicator_work_items"), iid, task))
            for commitment in rng.sample(commitments, min(len(commitments), 3 if k == 0 and bench else
                                                                 rng.randint(0, 2))):
                self.w["indicator_commitment"].add((self.new_id("evaluation.Indicator_commitments"), iid,
                                                    commitment))

    def _requirements(self, rng, p, fid, kind, indicators, reporters, count, created, bench):
        """Partners' own reporting requirements (a funder's names and periods) mapped onto shared indicators."""
        pid = p["pid"]
        orgs = reporters[:count]
        for k, org in enumerate(orgs):
            rid = self.new_id("evaluation.ReportingRequirement")
            funder = rng.choice(FUNDERS)
            name = f"{'Quarterly' if kind == 'month' and k % 2 == 0 else 'Annual'} return to the {funder}"
            period_kind = "quarter" if kind == "month" and k % 2 == 0 else "year"
            admin = self.org_admin[org]
            self.w["requirement"].add((rid, created, created, 1, fid, org, name, funder,
                                       f"G-{rng.randint(1000, 9999)}", period_kind, "", admin))
            self.audit.event(admin, "evaluation.requirement_created", "evaluation.reportingrequirement", rid, name,
                             partnership=pid, acting_for=org, after={"report_to": funder})
            chosen = rng.sample(indicators, min(len(indicators), 12 if bench else rng.randint(4, 10)))
            initials = "".join(w[0] for w in funder.split() if w[0].isupper())
            for pos, (iid, iname, _code, _fed, _org) in enumerate(chosen):
                self.w["requirement_item"].add((self.new_id("evaluation.RequirementItem"), rid, iid,
                                                f"{initials} {pos + 1}: {iname}"[:200], f"{initials}-{pos + 1:02d}",
                                                pos))
            if bench and k == 0:
                self.context["requirement_id"] = rid


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
                      "network_decisionparticipant", "network_position", "programme_workitem",
                      "programme_workitem_depends_on", "programme_workitem_commitments", "programme_volunteersignup",
                      "contributions_contribution", "evaluation_measurement", "evaluation_indicatortarget",
                      "feedback_feedbackresponse"]
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
            made = context.get("evaluation", {})
            self.stdout.write(f"Evaluation: {made.get('measurements', 0):,} measurements, "
                              f"{made.get('responses', 0):,} feedback responses. Scorecard "
                              f"/partnerships/{BENCH_PARTNERSHIP_SLUG}/evaluation/scorecard/, feedback form "
                              f"/feedback/{context.get('feedback_channel')}/.")
