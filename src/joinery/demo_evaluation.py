"""The demo's evaluation: Eastside's shared framework, two years of results, citizen feedback.

Issue 6's demo: Eastside has an adopted evaluation framework across the four bottom lines
(and the two process outcomes), two years of quarterly measurements (some partners late,
one correction), citizen feedback on the community kitchen feeding two service experience
indicators, two partners with their own reporting requirements mapped onto the shared
indicators, and published open data. Built through the services, like the rest of the demo.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.utils import timezone

FRAMEWORK_TITLE = "Eastside shared evaluation framework"


def load_evaluation(people: dict, org: dict) -> None:
    from joinery.network.models import Partnership

    eastside = Partnership.objects.get(name="Eastside Neighbourhood Renewal")
    channel = _feedback_channel(people, org, eastside)
    framework, ind = _framework(people, org, eastside, channel)
    _adopt(people, org, eastside, framework)
    _measurements(people, org, framework, ind)
    _feedback(people, org, channel)
    _requirements(people, org, framework, ind)
    _open_data(people, org, framework, ind)


def _admin(o):
    return o.representatives.current().filter(role="admin").first().person


def _quarters(framework, today):
    """The framework's quarters that have ended by `today` (the ones partners can report)."""
    from joinery.evaluation.periods import periods_between

    return [p for p in periods_between(framework.period_kind, framework.starts_on, framework.ends_on)
            if p.end < today]


def _feedback_channel(people, org, eastside):
    from joinery.feedback import services as fb
    from joinery.programme.models import WorkProgramme

    programme = WorkProgramme.objects.get(partnership=eastside, title__startswith="Eastside renewal work programme")
    return fb.channel_create(
        actor=people["coordinator@riverton.example"], acting_for=org["City of Riverton"], partnership=eastside,
        title="How is the Eastside community kitchen doing?", slug="eastside-kitchen", programme=programme,
        introduction="The community kitchen serves free lunches and food boxes in Eastside. Tell the partners "
                     "who run it how it is going: your answers count in the partnership's results.")


def _framework(people, org, eastside, channel):
    from joinery.agreements.models import Commitment
    from joinery.evaluation.services import framework as fw
    from joinery.programme.models import WorkItem

    city, coord = org["City of Riverton"], people["coordinator@riverton.example"]
    today = timezone.localdate()
    q = (today.month - 1) // 3
    # Two years of quarters back from the current one, to the end of the partnership's plan.
    start = dt.date(today.year - 2, 3 * q + 1, 1)
    f = fw.framework_create(
        actor=coord, acting_for=city, partnership=eastside, title=FRAMEWORK_TITLE,
        purpose="One framework for every partner: are Eastside's services getting better, do residents feel better "
                "about them, and are we building public value together? Each partner reports its part once and "
                "gets its own funder's report from the same data.",
        period_kind="quarter", starts_on=start, ends_on=dt.date(2027, 12, 31), reporting_days=30, reminder_days=7)

    def outcome(level, title, description="", to=None):
        return fw.outcome_create(actor=coord, acting_for=city, framework=f, level=level, title=title,
                                 description=description, contributes_to=to)

    impact = outcome("impact", "A thriving Eastside where residents shape their services",
                     "The long-term change the partners work towards.")
    fed = outcome("outcome", "Households have enough to eat", to=impact)
    homes = outcome("outcome", "Homes are safe and repaired", to=impact)
    work = outcome("outcome", "Residents gain skills and jobs", to=impact)
    voice = outcome("outcome", "Residents trust and shape local services", to=impact)
    together = outcome("outcome", "The partners work as one network", "A process outcome: relationships and capacity.",
                       to=impact)
    meals = outcome("output", "Meals served and food boxes delivered", to=fed)
    repairs = outcome("output", "Homes repaired", to=homes)
    outcome("activity", "Run the community kitchen and food-box deliveries", to=meals)
    outcome("activity", "Run the housing repair fund", to=repairs)

    ind = {}

    def indicator(code, out, name, definition, unit, by, serves, question, *, value_type="whole",
                  direction="higher", aggregation="sum", baseline=None, source="", channel=None, measure=""):
        ind[code] = fw.indicator_create(
            actor=coord, acting_for=city, framework=f, outcome=out, code=code, name=name, definition=definition,
            unit=unit, value_type=value_type, direction=direction, aggregation=aggregation, baseline=baseline,
            baseline_period=f"{start.year}-Q{(start.month - 1) // 3 + 1}" if baseline is not None else "",
            data_source=source or "Partner's own records", reporting_partner=org[by] if by else None,
            serves=serves, question=question, feedback_channel=channel, feedback_measure=measure)

    indicator("meals-served", meals, "Meals served", "Hot meals served at the community kitchen and in food boxes "
              "in the quarter, counted from the kitchen's daily tally sheets.", "meals", "Eastside Food Bank",
              "results", "better", baseline=Decimal(3000), source="Kitchen tally sheets")
    indicator("homes-repaired", repairs, "Homes repaired", "Homes whose repairs were signed off by a city inspector "
              "in the quarter.", "homes", "Federal Housing Agency", "results", "better", baseline=Decimal(0),
              source="Repair fund sign-off register")
    indicator("cost-per-meal", fed, "Cost per meal", "Kitchen operating cost divided by meals served.", "CAD",
              "Eastside Food Bank", "productivity", "better", value_type="decimal", direction="lower",
              aggregation="mean", baseline=Decimal("6.40"), source="Food Bank accounts")
    indicator("days-to-repair", homes, "Days from application to repair", "Median days between a repair "
              "application and its sign-off.", "days", "City of Riverton", "productivity", "better",
              value_type="decimal", direction="lower", aggregation="mean", baseline=Decimal(120),
              source="City permits system")
    indicator("job-placements", work, "People placed in jobs", "Residents from the employment readiness stream who "
              "started a job of 12 weeks or more in the quarter.", "people",
              "Employment and Social Development Office", "results", "better", baseline=Decimal(5),
              source="Case management system")
    indicator("literacy-learners", work, "Adults in literacy tutoring", "Adults who attended at least four tutoring "
              "sessions in the quarter.", "learners", "Riverton Literacy Council", "results", "better",
              baseline=Decimal(12), source="Attendance registers")
    indicator("kitchen-rating", fed, "Residents' rating of the kitchen", "Average answer to “How is the service "
              "going?” on the kitchen's public feedback form (1 very poor to 5 very good).", "out of 5", None,
              "service_experience", "feel", value_type="decimal", aggregation="mean", channel=channel,
              measure="going")
    indicator("kitchen-better", fed, "Residents who say the kitchen is getting better", "Share of feedback answers "
              "saying the kitchen is getting better, among those who said better, the same or worse.", "%", None,
              "service_experience", "feel", value_type="percentage", aggregation="mean", channel=channel,
              measure="better_share")
    indicator("residents-at-meetings", voice, "Residents at partnership meetings", "Residents (not staff) who "
              "attended a partnership meeting or workshop in the quarter.", "residents",
              "Eastside Residents' Association", "democracy", "value", baseline=Decimal(20),
              source="Sign-in sheets")
    indicator("decisions-shaped", voice, "Decisions shaped by residents", "Share of the partnership's decisions in "
              "the quarter where residents' positions changed the outcome or its conditions.", "%",
              "Eastside Residents' Association", "democracy", "value", value_type="percentage",
              aggregation="last", baseline=Decimal(10), source="Decision records")
    indicator("joint-projects", together, "Projects run by two or more partners", "Projects active in the quarter "
              "with staff or money from at least two partners.", "projects", "United Way Riverton",
              "relationships", "value", aggregation="last", baseline=Decimal(2), source="Funders' table minutes")
    indicator("staff-trained", together, "Partner staff trained in co-production", "Staff of any partner who "
              "completed the co-production workshop in the quarter.", "people", "Public Health Agency", "capacity",
              "value", baseline=Decimal(0), source="Workshop registers")

    # (first quarter's target, change per quarter): modest, so the scorecard shows every status.
    targets = {"meals-served": (3000, 80), "homes-repaired": (2, Decimal("1.3")),
               "cost-per-meal": (Decimal("6.40"), Decimal("-0.05")), "days-to-repair": (120, -2),
               "job-placements": (5, Decimal("0.5")), "literacy-learners": (12, Decimal("0.5")),
               "kitchen-rating": (Decimal("3.4"), Decimal("0.06")), "kitchen-better": (40, 2),
               "residents-at-meetings": (20, Decimal("1.5")), "decisions-shaped": (10, Decimal("1.5")),
               "joint-projects": (2, Decimal("0.5")), "staff-trained": (2, 1)}
    from joinery.evaluation.periods import periods_between

    periods = periods_between(f.period_kind, f.starts_on, f.ends_on)
    for code, (first, step) in targets.items():
        values = {p.key: Decimal(first) + Decimal(step) * i for i, p in enumerate(periods)}
        fw.indicator_targets_set(actor=coord, acting_for=city, indicator=ind[code],
                                 targets={k: v.quantize(Decimal("0.01") if ind[code].value_type == "decimal"
                                                        else Decimal(1)) for k, v in values.items()})

    # The thread: which work and commitments each result depends on.
    items = {w.title: w for w in WorkItem.objects.filter(programme__partnership=eastside)}
    commitments = {(c.party.name, c.kind): c for c in
                   Commitment.objects.filter(clause__agreement__partnership=eastside).select_related("party")}
    links = {
        "meals-served": (["Community kitchen", "Saturday kitchen helpers", "Deliver food boxes to seniors"],
                         [("United Way Riverton", "money"), ("United Way Riverton", "volunteer_hours")]),
        "homes-repaired": (["Housing repair fund, first round", "First 40 homes repaired"],
                           [("Federal Housing Agency", "money"), ("City of Riverton", "staff_hours")]),
        "job-placements": (["Employment readiness stream"], [("Northland Ministry of Community Services", "money")]),
        "literacy-learners": (["Adult literacy drop-in, Tuesday evenings"], []),
    }
    for code, (titles, commits) in links.items():
        fw.indicator_links_set(actor=coord, acting_for=city, indicator=ind[code],
                               work_items=[items[t] for t in titles if t in items],
                               commitments=[commitments[c] for c in commits if c in commitments])
    return f, ind


def _adopt(people, org, eastside, framework):
    """The partners adopt the framework by a decision under the charter's consensus rule."""
    from joinery.evaluation.services import framework as fw
    from joinery.network import services as net

    city, coord = org["City of Riverton"], people["coordinator@riverton.example"]
    decision = fw.framework_propose_adoption(actor=coord, acting_for=city, framework=framework,
                                             closes_at=timezone.now() + dt.timedelta(seconds=3))
    for partner in eastside.partners.filter(status="active").select_related("organisation"):
        o = partner.organisation
        net.position_record(actor=coord if o == city else _admin(o), decision=decision, acting_for=o,
                            stance="agree")
    time.sleep(max(0.0, (decision.closes_at - timezone.now()).total_seconds()) + 0.2)
    net.decision_close(actor=coord, decision=decision, acting_for=city)
    framework.refresh_from_db()
    assert framework.status == "adopted", framework.status


# Who is late: these partners have not yet reported the last quarter that is past due.
LATE = {"Employment and Social Development Office", "Riverton Literacy Council"}


def _measurements(people, org, framework, ind):
    from joinery.evaluation.models import Measurement
    from joinery.evaluation.services import measurements as ms

    today = timezone.localdate()
    quarters = _quarters(framework, today)
    rng = random.Random(6)
    # (first value, change per quarter, noise) — most things improve, the cost of a repair does not.
    shape = {"meals-served": (2950, 95, 80), "homes-repaired": (0, 1.6, 1), "cost-per-meal": (6.5, -0.06, 0.08),
             "days-to-repair": (125, -1.5, 6), "job-placements": (4, 0.5, 1.2), "literacy-learners": (11, 0.6, 1.5),
             "residents-at-meetings": (18, 1.8, 3), "decisions-shaped": (8, 1.9, 2), "joint-projects": (2, 0.3, 0),
             "staff-trained": (0, 1.2, 1)}
    last_due = [p for p in quarters if p.end + dt.timedelta(days=framework.reporting_days) < today]
    latest = last_due[-1] if last_due else None
    for code, (first, step, noise) in shape.items():
        indicator = ind[code]
        reporter = indicator.reporting_partner
        person = people["coordinator@riverton.example"] if reporter.name == "City of Riverton" else _admin(reporter)
        for i, period in enumerate(quarters):
            if reporter.name in LATE and latest is not None and period.key >= latest.key:
                continue  # late: the last quarter past due is still missing
            raw = first + step * i + rng.uniform(-noise, noise)
            if indicator.value_type == "decimal":
                value = Decimal(str(round(raw, 2)))
            elif indicator.value_type == "percentage":
                value = Decimal(max(0, min(100, round(raw))))
            else:
                value = Decimal(max(0, round(raw)))
            ms.measurement_report(actor=person, acting_for=reporter, indicator=indicator, period=period.key,
                                  value=value, note="")
    # One correction: the Food Bank counted Saturday lunches twice in one quarter.
    fix = quarters[-3] if len(quarters) >= 3 else quarters[0]
    m = Measurement.objects.get(indicator=ind["meals-served"], period=fix.key, is_current=True)
    ms.measurement_correct(actor=_admin(org["Eastside Food Bank"]), acting_for=org["Eastside Food Bank"],
                           measurement=m, value=m.value - 240,
                           reason="Saturday lunches were counted twice in the tally for this quarter.")


COMMENTS = [
    "The volunteers are so kind, and the soup is hot.",
    "Please open earlier on Saturdays, the queue is long.",
    "Food boxes now come every week. Thank you!",
    "Better than last year, more fresh vegetables.",
    "I would like more halal options.",
    "The new room is warmer and there are chairs for everyone.",
    "",
    "",
]


def _feedback(people, org, channel):
    """Two years of answers (most given on paper at the kitchen and entered by the Food Bank, some online),
    then one abusive comment hidden by moderation."""
    from joinery.feedback import services as fb

    today = timezone.localdate()
    rng = random.Random(66)
    food_bank, grace = org["Eastside Food Bank"], _admin(org["Eastside Food Bank"])
    start = today - dt.timedelta(days=730)
    for n in range(180):
        day = start + dt.timedelta(days=int(730 * n / 180))
        progress = n / 180  # things get better over time
        going = min(5, max(1, round(rng.gauss(2.9 + 1.4 * progress, 0.8))))
        feeling = min(5, max(1, round(rng.gauss(2.8 + 1.3 * progress, 0.9))))
        trend = rng.choices(["better", "same", "worse", "unsure"],
                            weights=[30 + 40 * progress, 30, 20 - 12 * progress, 10])[0]
        fb.response_record(actor=grace, acting_for=food_bank, channel=channel,
                           submitted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12, 30))),
                           going=going, trend=trend, feeling=feeling, comment=COMMENTS[n % len(COMMENTS)])
    for i in range(6):  # recent answers sent through the public form
        fb.response_submit(channel=channel, going=4 + (i % 2), trend="better", feeling=4, language="en",
                           comment="Came with my neighbour, we were welcomed." if i == 0 else "",
                           client_ip=f"198.51.100.{10 + i}")
    abusive = fb.response_submit(channel=channel, going=1, trend="worse", feeling=1, language="en",
                                 comment="[insults aimed at a named volunteer]", client_ip="198.51.100.99")
    fb.response_hide(actor=people["coordinator@riverton.example"], acting_for=org["City of Riverton"],
                     response=abusive, reason="Personal abuse of a named volunteer; the rest of the answer is not "
                                              "about the service.")


def _requirements(people, org, framework, ind):
    from joinery.evaluation.services import reporting as rp

    food_bank = org["Eastside Food Bank"]
    r = rp.requirement_create(actor=_admin(food_bank), acting_for=food_bank, framework=framework,
                              name="Annual impact return", report_to="United Way Riverton",
                              reference="UW-2026-0417", period_kind="year",
                              notes="United Way asks each funded agency for yearly totals of its food programme.")
    rp.requirement_items_set(actor=_admin(food_bank), acting_for=food_bank, requirement=r, items=[
        {"indicator": ind["meals-served"], "external_name": "Meals provided", "external_code": "FS-01"},
        {"indicator": ind["cost-per-meal"], "external_name": "Average cost per meal", "external_code": "FS-04"},
        {"indicator": ind["kitchen-rating"], "external_name": "Participant satisfaction (1–5)",
         "external_code": "PS-02"},
    ])
    ministry = org["Northland Ministry of Community Services"]
    person = people["community@northland.example"]
    r = rp.requirement_create(actor=person, acting_for=ministry, framework=framework,
                              name="Quarterly performance report", report_to="Northland Treasury Board",
                              reference="MCS-ER-2026", period_kind="quarter",
                              notes="The ministry reports its employment readiness stream to the Treasury Board.")
    rp.requirement_items_set(actor=person, acting_for=ministry, requirement=r, items=[
        {"indicator": ind["job-placements"], "external_name": "Clients placed in employment",
         "external_code": "ER-3.1"},
        {"indicator": ind["literacy-learners"], "external_name": "Clients in essential-skills training",
         "external_code": "ER-2.4"},
        {"indicator": ind["residents-at-meetings"], "external_name": "Community engagement participants",
         "external_code": "CE-1"},
    ])


def _open_data(people, org, framework, ind):
    from joinery.evaluation.services import reporting as rp

    rp.publication_update(
        actor=people["coordinator@riverton.example"], acting_for=org["City of Riverton"], framework=framework,
        is_published=True, title="Eastside Neighbourhood Renewal: shared results",
        description="Quarterly results of the Eastside partnership's shared evaluation framework: meals served, "
                    "homes repaired, residents' rating of the community kitchen and residents' part in decisions.",
        licence="CC-BY-4.0", publisher="City of Riverton, for the Eastside Neighbourhood Renewal partners",
        contact_email="coordinator@riverton.example",
        indicators=[ind[c] for c in ("meals-served", "homes-repaired", "kitchen-rating", "kitchen-better",
                                     "residents-at-meetings", "decisions-shaped")])
