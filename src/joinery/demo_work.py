"""The demo's shared work: Eastside's programme, volunteers, ledger, risks and review meetings.

Issue 5's demo: the contribution agreement has a programme in progress with overdue items,
volunteer tasks with community members signed up, a year of contributions from every
partner (including the residents' association's volunteer hours), a risk accepted for
innovation, a review meeting held (its actions became tasks) and one coming up. Built
through the services, like the rest of the demo.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone


def load_work(people: dict, org: dict) -> None:
    from joinery.agreements.models import Agreement
    from joinery.network.models import Partnership

    eastside = Partnership.objects.get(name="Eastside Neighbourhood Renewal")
    agreement = Agreement.objects.get(partnership=eastside, title="Eastside single contribution agreement")
    items = _programme(people, org, eastside, agreement)
    _volunteers(people, org, items)
    _ledger(people, org, eastside, agreement, items)
    _risks(people, org, eastside, items)
    _meetings(people, org, eastside, agreement, items)


def _admin(o):
    return o.representatives.current().filter(role="admin").first().person


def _programme(people, org, eastside, agreement) -> dict:
    from joinery.programme import services as prog

    city, coord = org["City of Riverton"], people["coordinator@riverton.example"]
    today = timezone.localdate()
    commitments = {(c.party.name, c.kind): c for c in agreement.commitments.select_related("party")}
    programme = prog.programme_create(
        actor=coord, acting_for=city, partnership=eastside, agreement=agreement,
        title="Eastside renewal work programme 2026–2027",
        summary="What the partners do to put the single contribution agreement into practice: repaired homes, "
                "meals, jobs and literacy, with residents as co-producers.")
    made = {}

    def add(key, kind, title, owner, parent=None, start=None, due=None, commit=(), volunteers=0, note="",
            description=""):
        made[key] = prog.work_item_create(
            actor=coord, acting_for=city, programme=programme, kind=kind, title=title, owner=org[owner],
            parent=made.get(parent), description=description,
            start_date=today + dt.timedelta(days=start) if start is not None else None,
            due_date=today + dt.timedelta(days=due) if due is not None else None,
            commitments=[commitments[c] for c in commit], volunteers_wanted=volunteers, volunteer_note=note)

    add("homes", "objective", "Safe, repaired homes in Eastside", "City of Riverton")
    add("repair", "initiative", "Housing repair fund, first round", "Federal Housing Agency", "homes", -200, 130,
        commit=[("Federal Housing Agency", "money")])
    add("forty", "milestone", "First 40 homes repaired", "Federal Housing Agency", "repair", -120, -10)
    add("inspect", "task", "Inspect the homes of the first 60 applicants", "City of Riverton", "forty", -120, -25,
        commit=[("City of Riverton", "staff_hours")])
    add("contract", "task", "Contract local repair firms", "City of Riverton", "forty", -90, -5)
    add("food", "objective", "No one in Eastside goes hungry", "Eastside Food Bank")
    add("kitchen", "initiative", "Community kitchen", "Eastside Food Bank", "food", -230, 130,
        commit=[("United Way Riverton", "money")])
    add("weekend", "milestone", "Weekend meals pilot", "Eastside Food Bank", "kitchen", -20, 40)
    add("helpers", "task", "Saturday kitchen helpers", "Eastside Food Bank", "weekend", -14, 40,
        commit=[("United Way Riverton", "volunteer_hours")], volunteers=6,
        note="Help prepare and serve Saturday lunch, 10:00 to 14:00. Food-safety briefing on your first day.")
    add("boxes", "task", "Deliver food boxes to seniors", "United Way Riverton", "kitchen", -60, 30,
        commit=[("United Way Riverton", "volunteer_hours")], volunteers=4,
        note="Drive or walk food boxes to seniors' homes on Thursday afternoons.")
    add("jobs", "objective", "Jobs and skills for Eastside residents", "Northland Ministry of Community Services")
    add("ready", "initiative", "Employment readiness stream", "Northland Ministry of Community Services", "jobs",
        -180, 180, commit=[("Northland Ministry of Community Services", "money")])
    add("cohort", "milestone", "First cohort of 25 job seekers enrolled", "Employment and Social Development Office",
        "ready", -150, -40)
    add("dropin", "task", "Adult literacy drop-in, Tuesday evenings", "Riverton Literacy Council", "ready", -100, 60,
        volunteers=3, note="Tutor adults in reading and writing, one evening a week.")
    add("survey", "task", "Survey residents about job-training times", "Eastside Residents' Association", "ready",
        -70, -15)
    # Dependencies: contracts after inspections; the pilot's helpers after the survey of residents.
    prog.work_item_update(actor=coord, acting_for=city, item=made["contract"], depends_on=[made["inspect"]])
    done = [("cohort", "done"), ("inspect", "in_progress"), ("repair", "in_progress"), ("kitchen", "in_progress"),
            ("helpers", "in_progress"), ("dropin", "in_progress"), ("ready", "in_progress"), ("boxes", "in_progress")]
    for key, status in done:
        item = made[key]
        item.refresh_from_db()
        prog.work_item_set_status(actor=coord, acting_for=city, item=item, status=status)
    programme.refresh_from_db()
    prog.programme_adopt(actor=coord, acting_for=city, programme=programme)
    for item in made.values():
        item.refresh_from_db()
    return made


def _volunteers(people, org, items) -> None:
    from joinery.programme import services as prog

    grace, food = people["foodbank@eastside.example"], org["Eastside Food Bank"]
    amira = prog.volunteer_signup(actor=people["volunteer@example.org"], item=items["helpers"],
                                  message="I cook for my family of six every weekend; happy to help.")
    prog.volunteer_signup_decide(actor=grace, acting_for=food, signup=amira, confirm=True)
    tom = prog.volunteer_signup(actor=people["neighbour@example.org"], item=items["helpers"],
                                message="Free most Saturdays.")
    prog.volunteer_signup_decide(actor=grace, acting_for=food, signup=tom, confirm=True)
    # Waiting for United Way to confirm: the coordinator sees it on the task page.
    prog.volunteer_signup(actor=people["citizen@example.org"], item=items["boxes"],
                          message="I have a car on Thursdays.")


def _ledger(people, org, eastside, agreement, items) -> None:
    from joinery.contributions import services as ledger
    from joinery.programme.models import SignupStatus

    city, coord = org["City of Riverton"], people["coordinator@riverton.example"]
    # Rates: last year's volunteer rate, superseded in April (past valuations keep the old one).
    ledger.valuation_rate_set(actor=coord, acting_for=city, partnership=eastside, work_kind="volunteer-general",
                              label="Volunteer work (general)", hours_kind="volunteer_hours", hourly_rate="31.00",
                              currency="CAD", valid_from=dt.date(2025, 4, 1),
                              basis="Provincial volunteer replacement value, 2025 table.")
    ledger.valuation_rate_set(actor=coord, acting_for=city, partnership=eastside, work_kind="volunteer-general",
                              label="Volunteer work (general)", hours_kind="volunteer_hours", hourly_rate="32.50",
                              currency="CAD", valid_from=dt.date(2026, 4, 1),
                              basis="Provincial volunteer replacement value, 2026 table (+4.8%).")
    ledger.valuation_rate_set(actor=coord, acting_for=city, partnership=eastside, work_kind="staff-professional",
                              label="Professional staff time", hours_kind="staff_hours", hourly_rate="58.00",
                              currency="CAD", valid_from=dt.date(2025, 4, 1),
                              basis="Average loaded cost of a municipal program officer, 2025.")
    commitments = {(c.party.name, c.kind): c for c in agreement.commitments.select_related("party")}
    start = dt.date(2026, 4, 1)
    today = timezone.localdate()

    def record(name, kind, description, month, quantity, *, day=15, currency="", work_kind="", people_=1,
               commit=None, item=None, value=None, unit=""):
        o = org[name]
        actor = people["coordinator@riverton.example"] if name == "City of Riverton" else _admin(o)
        first = dt.date(month.year, month.month, 1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        date = min(dt.date(month.year, month.month, day), today)
        commitment = commitments.get(commit) if commit and first >= start else None
        ledger.contribution_record(
            actor=actor, acting_for=o, partnership=eastside, kind=kind, description=description, date=date,
            period_start=first, period_end=min(last, today), quantity=Decimal(str(quantity)), currency=currency,
            unit=unit, people=people_, work_kind=work_kind, commitment=commitment, work_item=items.get(item),
            value=value)

    month = dt.date(today.year - 1, today.month, 1)
    n = 0
    # The twelve whole months before this one: early in a month, the current one may be a day
    # old, too short for a month's hours.
    while month < today.replace(day=1):
        n += 1
        record("City of Riverton", "staff_hours", "Coordination and finance officer time", month, 95 + n % 3 * 10,
               work_kind="staff-professional", people_=2, commit=("City of Riverton", "staff_hours"), item="inspect")
        record("Eastside Residents' Association", "volunteer_hours", "Residents' outreach and door-knocking", month,
               40 + n % 4 * 6, work_kind="volunteer-general", people_=8, item="survey")
        record("United Way Riverton", "volunteer_hours", "Volunteer drivers and kitchen helpers", month, 150 + n * 4,
               work_kind="volunteer-general", people_=20, commit=("United Way Riverton", "volunteer_hours"),
               item="boxes")
        record("Eastside Food Bank", "in_kind", "Kitchen and hall space for the community kitchen", month, 1,
               currency="CAD", value=Decimal("2400.00"), unit="month of space", item="helpers")
        record("Riverton Literacy Council", "staff_hours", "Literacy tutor time", month, 24,
               work_kind="staff-professional", people_=1, item="dropin")
        if month.month % 3 == 1:  # quarterly transfers from the funders
            record("Federal Housing Agency", "money", "Housing repair fund instalment", month, 112500,
                   currency="CAD", commit=("Federal Housing Agency", "money"), item="repair")
            record("Northland Ministry of Community Services", "money", "Employment readiness stream instalment",
                   month, 55000, currency="CAD", commit=("Northland Ministry of Community Services", "money"),
                   item="ready")
            record("United Way Riverton", "money", "Community kitchen operations grant", month, 20000,
                   currency="CAD", commit=("United Way Riverton", "money"), item="kitchen")
            record("Employment and Social Development Office", "staff_hours", "Employment counsellor time", month,
                   120, work_kind="staff-professional", people_=2, item="cohort")
            record("Public Health Agency", "data", "Neighbourhood food-insecurity estimates (quarterly extract)",
                   month, 1, unit="dataset")
        month = (month + dt.timedelta(days=32)).replace(day=1)
    # The citizen volunteers' own hours, recorded by the Food Bank as the community's contribution.
    grace, food = people["foodbank@eastside.example"], org["Eastside Food Bank"]
    for signup in items["helpers"].signups.filter(status=SignupStatus.CONFIRMED):
        for weeks_ago in (3, 2, 1):
            ledger.volunteer_hours_record(actor=grace, acting_for=food, signup=signup, hours=4,
                                          date=today - dt.timedelta(days=7 * weeks_ago),
                                          description="Saturday lunch service")


def _risks(people, org, eastside, items) -> None:
    from joinery.risks import services as risks

    city, coord = org["City of Riverton"], people["coordinator@riverton.example"]
    risks.risk_appetite_set(
        actor=coord, acting_for=city, partnership=eastside, threshold=12,
        statement="We accept moderate risks to try new ways of working with residents; we do not accept risks "
                  "to residents' safety or privacy.")

    def add(title, cause, consequence, likelihood, impact, owner, mitigations="", item=None):
        return risks.risk_create(actor=coord, acting_for=city, partnership=eastside, title=title, cause=cause,
                                 consequence=consequence, likelihood=likelihood, impact=impact, owner=org[owner],
                                 mitigations=mitigations, work_item=items.get(item))

    add("Repair firms are booked up", "Few local contractors; a regional building boom.",
        "Homes wait through winter; the first milestone slips further.", 4, 4, "City of Riverton",
        "Split contracts into smaller lots; invite the credit union's small-business clients.", item="contract")
    add("A funder's budget cycle delays an instalment", "Provincial budget approved late.",
        "The employment stream pauses for a quarter.", 3, 5, "Northland Ministry of Community Services",
        "Bridge from the pooled budget, as the agreement allows.", item="ready")
    add("Residents' information shared without consent", "Several partners handle the same households.",
        "Loss of residents' trust; a privacy breach.", 2, 5, "City of Riverton",
        "The information-sharing protocol, one consent register, privacy leads named.")
    pilot = add("Weekend kitchen run by volunteers without a paid supervisor",
                "No budget for weekend staff during the pilot.",
                "A service gap if volunteers do not turn up; food-safety incidents.", 3, 4, "Eastside Food Bank",
                "Food-safety briefing for every volunteer; a rota with two leads.", item="weekend")
    risks.risk_accept_for_innovation(
        actor=people["coordinator@riverton.example"], acting_for=city, risk=pilot,
        reason="Residents asked to run weekend meals themselves. Trying it without paid staff is the point of the "
               "pilot: we accept the risk for six months and review it at the next meeting.")


def _meetings(people, org, eastside, agreement, items) -> None:
    from joinery.meetings import services as meetings

    city, coord = org["City of Riverton"], people["coordinator@riverton.example"]
    now = timezone.localtime()
    past = now.replace(hour=14, minute=0, second=0, microsecond=0) - dt.timedelta(days=21)
    held = meetings.meeting_schedule(
        actor=coord, acting_for=city, partnership=eastside, title="Autumn review of the work programme",
        starts_at=past, ends_at=past + dt.timedelta(hours=2), location="Eastside Community Hall",
        agreement=agreement, programme=items["homes"].programme)
    active = [p.organisation for p in eastside.partners.filter(status="active").select_related("organisation")]
    meetings.meeting_record_minutes(
        actor=coord, acting_for=city, meeting=held,
        minutes="## Decisions and discussion\n\n- Repairs are behind: inspections took longer than planned.\n"
                "- The weekend kitchen pilot starts with resident volunteers.\n- The credit union will be asked "
                "again to co-fund small repair firms.",
        attendance=[(o, o.name != "Public Health Agency", "") for o in active],
        actions=[{"title": "Split the repair contracts into smaller lots", "owner": city,
                  "due_date": now.date() + dt.timedelta(days=14)},
                 {"title": "Write the food-safety briefing for weekend volunteers", "owner": org["Eastside Food Bank"],
                  "due_date": now.date() - dt.timedelta(days=3)}])
    upcoming = now.replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=9)
    meetings.meeting_schedule(
        actor=coord, acting_for=city, partnership=eastside,
        title="Annual review of the single contribution agreement",
        starts_at=upcoming, ends_at=upcoming + dt.timedelta(hours=2), location="Riverton City Hall, room 204",
        agreement=agreement, programme=items["homes"].programme)
