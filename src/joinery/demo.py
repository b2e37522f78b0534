"""The demo network: a fictional partnership network modelled on the seed documents.

Everything is created through the same services a user calls, so the demo's audit
trail, notifications and queued tasks are real. Loading twice does nothing new.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone

DEMO_PASSWORD = "joinery-demo-2026"
# A fixed TOTP secret so the demo's public-body representatives can sign in:
# add it to an authenticator app, or run `joinery manage demo_totp EMAIL`.
DEMO_TOTP_SECRET = "JOINERYDEMOKEYSTWOJOINERYDEMOKEY"

PEOPLE = [
    # email, full name, MFA, description for the login list
    ("admin@joinery.example", "Alex Admin", True, "Administrator (staff; outbox, admin site)"),
    ("coordinator@riverton.example", "Chantal Tremblay", True,
     "Partnership coordinator — City of Riverton (public, local), convener of Eastside Neighbourhood Renewal"),
    ("signatory@riverton.example", "Marc Gagnon", True, "Authorised signatory — City of Riverton"),
    ("housing@federal.example", "Priya Singh", True, "Representative — Federal Housing Agency (public, national)"),
    ("employment@federal.example", "Daniel Okafor", True, "Representative — Employment and Social Development Office (public, national)"),
    ("health@federal.example", "Mei Chen", True, "Representative — Public Health Agency (public, national)"),
    ("community@northland.example", "Louis Martin", True, "Representative — Northland Ministry of Community Services (public, regional)"),
    ("foodbank@eastside.example", "Grace Mensah", False, "Organisation administrator — Eastside Food Bank (non-profit)"),
    ("literacy@riverton.example", "Olivia Roy", False, "Coordinator — Riverton Literacy Council (non-profit)"),
    ("volunteer@literacy.example", "Sam Patel", False, "Member — Riverton Literacy Council (non-profit)"),
    ("unitedway@riverton.example", "Hugo Lefebvre", True,
     "Administrator and authorised signatory — United Way Riverton (non-profit)"),
    ("residents@eastside.example", "Rosa Alvarez", False, "Representative — Eastside Residents' Association (community)"),
    ("creditunion@riverton.example", "Ben Cohen", False, "Representative — Riverton Credit Union (private, funder)"),
    ("socialdev@northland.example", "Nadia Haddad", True,
     "Partnership coordinator — Northland Ministry of Social Development (public, regional), convener of Families First"),
    ("healthboard@northland.example", "Ian Walker", True, "Representative — Northland Health Board (public, regional)"),
    ("school@riverton.example", "Julie Bouchard", True, "Representative — Riverton Elementary School (public, local)"),
    ("health@mistylake.example", "Sarah Whitehorse", False,
     "Representative — Misty Lake Indigenous Health Centre (public, Indigenous) — no MFA yet: shows the MFA requirement"),
    ("parents@together.example", "Emma Dubois", True,
     "Authorised signatory — Parents Together (non-profit): the Families First protocol awaits this signature"),
    ("citizen@example.org", "Chris Citizen", False, "Citizen (no organisation); offered to deliver food boxes"),
    ("volunteer@example.org", "Amira Hassan", False, "Citizen volunteer: confirmed for the Saturday kitchen"),
    ("neighbour@example.org", "Tom Nguyen", False, "Citizen volunteer: confirmed for the Saturday kitchen"),
]

# name, sector, level, jurisdiction key, admin email, extra representatives [(email, role)]
ORGANISATIONS = [
    ("City of Riverton", "public", "local", "riverton", "coordinator@riverton.example",
     [("signatory@riverton.example", "signatory"), ("coordinator@riverton.example", "coordinator")]),
    ("Federal Housing Agency", "public", "national", "canada", "housing@federal.example",
     [("housing@federal.example", "signatory")]),
    ("Employment and Social Development Office", "public", "national", "canada", "employment@federal.example", []),
    ("Public Health Agency", "public", "national", "canada", "health@federal.example", []),
    ("Northland Ministry of Community Services", "public", "regional", "northland", "community@northland.example",
     [("community@northland.example", "signatory")]),
    ("Eastside Food Bank", "non_profit", "", "riverton", "foodbank@eastside.example", []),
    ("Riverton Literacy Council", "non_profit", "", "riverton", "literacy@riverton.example",
     [("literacy@riverton.example", "coordinator"), ("volunteer@literacy.example", "member")]),
    ("United Way Riverton", "non_profit", "", "riverton", "unitedway@riverton.example",
     [("unitedway@riverton.example", "signatory")]),
    ("Eastside Residents' Association", "community", "", "riverton", "residents@eastside.example", []),
    ("Riverton Credit Union", "private", "", "riverton", "creditunion@riverton.example", []),
    ("Northland Ministry of Social Development", "public", "regional", "northland", "socialdev@northland.example",
     [("socialdev@northland.example", "coordinator"), ("socialdev@northland.example", "signatory")]),
    ("Northland Health Board", "public", "regional", "northland", "healthboard@northland.example",
     [("healthboard@northland.example", "signatory")]),
    ("Riverton Elementary School", "public", "local", "riverton", "school@riverton.example",
     [("school@riverton.example", "signatory")]),
    ("Misty Lake Indigenous Health Centre", "public", "indigenous", "mistylake", "health@mistylake.example", []),
    ("Parents Together", "non_profit", "", "northland", "parents@together.example",
     [("parents@together.example", "signatory")]),
]

DESCRIPTIONS = {
    "City of Riverton": "The municipality. Convenes the Eastside renewal network and brokers between the partners.",
    "Eastside Food Bank": "Food security for Eastside households; runs the community kitchen.",
    "Eastside Residents' Association": "Volunteer association of Eastside residents; speaks for the neighbourhood.",
    "Misty Lake Indigenous Health Centre": "Community-governed health services for Misty Lake First Nation families.",
}


def _logins():
    return {"password": DEMO_PASSWORD, "totp_secret": DEMO_TOTP_SECRET,
            "people": [(email, desc + (" [MFA]" if mfa else "")) for email, _n, mfa, desc in PEOPLE]}


def load_demo() -> dict:
    from joinery.accounts.models import Person

    if Person.objects.filter(email="admin@joinery.example").exists():
        return _logins()
    from .demo_evaluation import load_evaluation
    from .demo_work import load_work

    people, org = _load()
    _load_agreements(people, org)
    load_work(people, org)
    load_evaluation(people, org)
    return _logins()


def _load() -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    from joinery.accounts.services import person_create
    from joinery.network import services as net
    from joinery.network.models import PartnerRole
    from joinery.organisations import services as orgs

    with transaction.atomic():
        people = {}
        for email, name, mfa, _desc in PEOPLE:
            p = person_create(actor=None, email=email, full_name=name, password=DEMO_PASSWORD,
                              is_staff=email.startswith("admin@"), verified=True)
            if mfa:
                TOTP.activate(p, DEMO_TOTP_SECRET)
            people[email] = p
        admin = people["admin@joinery.example"]
        canada = orgs.jurisdiction_create(actor=admin, name="Canada")
        northland = orgs.jurisdiction_create(actor=admin, name="Province of Northland", parent=canada)
        jur = {
            "canada": canada,
            "northland": northland,
            "riverton": orgs.jurisdiction_create(actor=admin, name="City of Riverton", parent=northland),
            "mistylake": orgs.jurisdiction_create(actor=admin, name="Misty Lake First Nation", parent=canada),
        }
        org = {}
        for name, sector, level, j, admin_email, extra in ORGANISATIONS:
            o = orgs.organisation_create(
                actor=admin, first_admin=people[admin_email], name=name, sector=sector, level=level,
                jurisdiction=jur[j], description=DESCRIPTIONS.get(name, ""),
                email=admin_email, website=f"https://{admin_email.split('@')[1]}/",
            )
            for email, role in extra:
                orgs.representative_add(actor=admin, organisation=o, person=people[email], role=role)
            org[name] = o

    def rep(name):
        return org[name].representatives.current().filter(role="admin").first().person

    # Eastside Neighbourhood Renewal: consensus, convened by the city.
    city = org["City of Riverton"]
    coord = people["coordinator@riverton.example"]
    eastside = net.partnership_create(
        actor=coord, acting_for=city, name="Eastside Neighbourhood Renewal",
        purpose="Renew the Eastside neighbourhood together: housing, jobs, food security and literacy, "
                "with residents deciding alongside governments and agencies.",
        geography="Eastside, City of Riverton", start_date=dt.date(2026, 1, 15), end_date=dt.date(2029, 12, 31),
        visibility="public", decision_rule="consensus")
    roles = {
        "Federal Housing Agency": PartnerRole.FUNDER,
        "Employment and Social Development Office": PartnerRole.PARTNER,
        "Public Health Agency": PartnerRole.PARTNER,
        "Northland Ministry of Community Services": PartnerRole.FUNDER,
        "Eastside Food Bank": PartnerRole.PARTNER,
        "Riverton Literacy Council": PartnerRole.PARTNER,
        "United Way Riverton": PartnerRole.FACILITATOR,
        "Eastside Residents' Association": PartnerRole.COMMUNITY,
    }
    for name, role in roles.items():
        inv = net.invitation_create(actor=coord, partnership=eastside, acting_for=city, organisation=org[name],
                                    role=role, message="Join us in renewing Eastside.")
        net.invitation_respond(actor=rep(name), invitation=inv, accept=True)
    # The credit union is invited and has not answered yet.
    net.invitation_create(actor=coord, partnership=eastside, acting_for=city, organisation=org["Riverton Credit Union"],
                          role=PartnerRole.FUNDER, message="Would the credit union co-fund the small-business stream?")
    net.charter_amend(
        actor=coord, partnership=eastside, acting_for=city,
        scope="Housing repair, employment readiness, the community kitchen and adult literacy in Eastside.",
        limits="- Decisions stay within each partner's legal mandate and budget authority.\n"
               "- No partner's funding is committed without its own approval.\n"
               "- Residents' priorities are heard before any decision on services in the neighbourhood.",
        review_date=timezone.localdate() + dt.timedelta(days=180),
        change_note="Scope and limits agreed at the first partners' meeting")

    # A decision that carried: every partner agreed or stood aside.
    carried = net.decision_open(
        actor=coord, partnership=eastside, acting_for=city, title="Adopt the shared neighbourhood plan",
        question="Do the partners adopt the Eastside shared neighbourhood plan for 2026–2027?",
        background="Drafted over three workshops with residents.", options="Adopt now; or revise after a further workshop.",
        closes_at=timezone.now() + dt.timedelta(seconds=3))
    stand_aside = {"Public Health Agency"}
    for partner in eastside.partners.filter(status="active"):
        o = partner.organisation
        person = coord if o == city else rep(o.name)
        net.position_record(actor=person, decision=carried, acting_for=o,
                            stance="stand_aside" if o.name in stand_aside else "agree")
    time.sleep(max(0.0, (carried.closes_at - timezone.now()).total_seconds()) + 0.2)
    net.decision_close(actor=coord, decision=carried, acting_for=city)
    net.decision_record_rationale(actor=coord, decision=carried, acting_for=city,
                                  rationale="All partners support the plan; the Public Health Agency stood aside "
                                            "pending its own programme review.",
                                  review_date=timezone.localdate() + dt.timedelta(days=365))

    # An open decision, with some positions recorded.
    open_d = net.decision_open(
        actor=people["foodbank@eastside.example"], partnership=eastside, acting_for=org["Eastside Food Bank"],
        title="Open the community kitchen on weekends",
        question="Should the partners fund weekend opening of the community kitchen from the shared budget?",
        background="Residents asked for weekend meals in the spring survey.",
        options="Weekends from June; or Saturdays only.", closes_at=timezone.now() + dt.timedelta(days=10))
    net.position_record(actor=people["foodbank@eastside.example"], decision=open_d, acting_for=org["Eastside Food Bank"],
                        stance="agree")
    net.position_record(actor=people["residents@eastside.example"], decision=open_d,
                        acting_for=org["Eastside Residents' Association"], stance="agree")
    net.position_record(actor=people["community@northland.example"], decision=open_d,
                        acting_for=org["Northland Ministry of Community Services"], stance="reservations",
                        reason="Only if the province's share stays within this year's budget.")

    # Families First: a wrap-around network under the consent rule.
    ministry = org["Northland Ministry of Social Development"]
    nadia = people["socialdev@northland.example"]
    families = net.partnership_create(
        actor=nadia, acting_for=ministry, name="Families First",
        purpose="Wrap-around support for families with several needs: one plan, one contact, shared with consent.",
        geography="Province of Northland", start_date=dt.date(2026, 3, 1), visibility="private", decision_rule="consent")
    for name, role in [("Northland Health Board", PartnerRole.PARTNER), ("Riverton Elementary School", PartnerRole.PARTNER),
                       ("Misty Lake Indigenous Health Centre", PartnerRole.COMMUNITY),
                       ("Parents Together", PartnerRole.PARTNER)]:
        inv = net.invitation_create(actor=nadia, partnership=families, acting_for=ministry, organisation=org[name], role=role)
        if name != "Misty Lake Indigenous Health Centre":
            net.invitation_respond(actor=rep(name), invitation=inv, accept=True)
    # Misty Lake's representative must set up MFA before answering (a public body): the invitation waits.
    net.charter_amend(actor=nadia, partnership=families, acting_for=ministry,
                      scope="Families referred by any partner; information shared only with the family's consent.",
                      limits="- No sharing of a family's information without consent.\n- Each agency keeps its statutory duties.",
                      changes_need_decision=True, change_note="Consent rule; charter changes need the partners' decision")
    net.decision_open(actor=nadia, partnership=families, acting_for=ministry, title="Adopt the shared consent form",
                      question="Do the partners adopt one consent form for sharing family information?",
                      background="Each agency uses its own form today; families fill in four.",
                      closes_at=timezone.now() + dt.timedelta(days=7))
    return people, org


def _load_agreements(people, org) -> None:
    """Agreements in the demo: one in force, one under negotiation, one awaiting a signature."""
    from joinery.agreements import services as ag
    from joinery.network.models import Partnership

    eastside = Partnership.objects.get(name="Eastside Neighbourhood Renewal")
    families = Partnership.objects.get(name="Families First")
    city = org["City of Riverton"]
    coord = people["coordinator@riverton.example"]

    def write(a, lead_person, lead_org, texts):
        for clause, text in zip(ag.live_clauses(a), texts, strict=False):
            ag.clause_update(actor=lead_person, clause=clause, acting_for=lead_org, heading=clause.heading,
                             body=text, expected_revision=clause.revision)

    # 1. A single contribution agreement for several funders, in force, review due soon.
    funders = [org["Federal Housing Agency"], org["Northland Ministry of Community Services"],
               org["United Way Riverton"]]
    contribution = ag.agreement_create(
        actor=coord, partnership=eastside, acting_for=city, title="Eastside single contribution agreement",
        kind="contribution", parties=funders, template="contribution", language="en",
        review_date=timezone.localdate() + dt.timedelta(days=20), expiry_date=dt.date(2029, 12, 31))
    write(contribution, coord, city, [
        "One agreement and one report for every funder of the Eastside renewal, instead of a separate "
        "application and report for each.",
        "Funders pool their contributions in one budget held by the City; each funder's share is **visible** "
        "in every report.",
        "Each party's commitments are listed below.",
        "The City coordinates; United Way Riverton facilitates the funders' table.",
        "Funding decisions follow the partnership charter's consensus rule.",
        "Reviewed every year before the funders' budget cycle; varied by a new version signed by every party.",
    ])
    clauses = list(ag.live_clauses(contribution))
    commitments = [
        (city, "staff_hours", "Coordinator and finance officer", 1200, "hours"),
        (org["Federal Housing Agency"], "money", "Housing repair fund", 450000, "CAD"),
        (org["Northland Ministry of Community Services"], "money", "Employment readiness stream", 220000, "CAD"),
        (org["United Way Riverton"], "money", "Community kitchen operations", 80000, "CAD"),
        (org["United Way Riverton"], "volunteer_hours", "Volunteer drivers and kitchen helpers", 2500, "hours"),
    ]
    for party, kind, desc, qty, unit in commitments:
        actor = coord if party == city else party.representatives.current().filter(role="admin").first().person
        ag.commitment_add(actor=actor, clause=clauses[2], acting_for=party, party=party, kind=kind,
                          description=desc, quantity=qty, unit=unit, period_start=dt.date(2026, 4, 1),
                          period_end=dt.date(2027, 3, 31))
    version = ag.agreement_send_for_signature(actor=coord, agreement=contribution, acting_for=city)
    signers = {city.pk: people["signatory@riverton.example"],
               org["Federal Housing Agency"].pk: people["housing@federal.example"],
               org["Northland Ministry of Community Services"].pk: people["community@northland.example"],
               org["United Way Riverton"].pk: people["unitedway@riverton.example"]}
    for org_id, person in signers.items():
        ag.agreement_sign(actor=person, agreement=contribution, acting_for=next(o for o in org.values() if o.pk == org_id),
                          fingerprint=version.fingerprint)

    # 2. A protocol under negotiation, with comments and an open objection.
    protocol = ag.agreement_create(
        actor=coord, partnership=eastside, acting_for=city, title="Eastside information-sharing protocol",
        kind="protocol", parties=[org["Eastside Food Bank"], org["Eastside Residents' Association"],
                                  org["Public Health Agency"]], template="protocol", language="en")
    write(protocol, coord, city, [
        "Partners share only what a resident has agreed to share, to coordinate help with food, housing and health.",
        "Residents' names and addresses are shared between the Food Bank and the City's housing team when the "
        "resident consents. Records are kept for two years.",
        "The City keeps the register of consents; each partner names a privacy lead.",
        "A resident's complaint goes first to the partner concerned, then to the partners' privacy leads together.",
        "Reviewed after six months.",
    ])
    ag.agreement_new_round(actor=coord, agreement=protocol, acting_for=city)
    p_clauses = list(ag.live_clauses(protocol))
    residents = org["Eastside Residents' Association"]
    rosa = people["residents@eastside.example"]
    ag.clause_position_record(actor=rosa, clause=p_clauses[1], acting_for=residents, stance="object",
                              reason="Two years is too long; residents asked for one year and a right to withdraw consent.")
    ag.comment_add(actor=rosa, clause=p_clauses[1], acting_for=residents, body="Residents want one year, not two.",
                   quote="Records are kept for two years.")
    food = org["Eastside Food Bank"]
    grace = people["foodbank@eastside.example"]
    ag.clause_position_record(actor=grace, clause=p_clauses[0], acting_for=food, stance="agree")
    ag.comment_add(actor=grace, clause=p_clauses[2], acting_for=food,
                   body="Our privacy lead will be our operations manager.")
    ag.amendment_propose(actor=rosa, agreement=protocol, acting_for=residents, kind="replace", clause=p_clauses[1],
                         body="Residents' names and addresses are shared between the Food Bank and the City's housing "
                              "team when the resident consents. Records are kept for one year, and a resident may "
                              "withdraw consent at any time.",
                         rationale="Agreed at the residents' meeting of 3 November.")

    # 3. Families First: an information-sharing protocol awaiting one signature (Parents Together).
    ministry = org["Northland Ministry of Social Development"]
    nadia = people["socialdev@northland.example"]
    ff_parties = [org["Northland Health Board"], org["Riverton Elementary School"], org["Parents Together"]]
    ff = ag.agreement_create(actor=nadia, partnership=families, acting_for=ministry,
                             title="Families First information-sharing protocol", kind="protocol", parties=ff_parties,
                             template="protocol", language="en",
                             review_date=timezone.localdate() + dt.timedelta(days=365))
    write(ff, nadia, ministry, [
        "One plan and one contact for each family, with information shared only with the family's consent.",
        "With written consent, partners share the family plan, contact details and the services each provides.",
        "The Ministry keeps the consent register; each partner names a privacy lead.",
        "Concerns go to the family's lead worker first, then to the privacy leads together.",
        "Reviewed yearly with families' feedback.",
    ])
    # 4. A Families First draft that re-uses most of the Eastside protocol's text: the drafting
    #    lead sees the cut-and-paste advice (seed 003: re-hashing other agreements is "not advisable").
    copy = ag.agreement_create(actor=nadia, partnership=families, acting_for=ministry,
                               title="Families First community referral protocol (draft)", kind="protocol",
                               parties=[org["Parents Together"]], template="protocol", language="en")
    write(copy, nadia, ministry, [
        "Partners share only what a resident has agreed to share, to coordinate help with food, housing and health.",
        "Residents' names and addresses are shared between the Food Bank and the City's housing team when the "
        "resident consents. Records are kept for two years.",
        "The City keeps the register of consents; each partner names a privacy lead.",
        "A resident's complaint goes first to the partner concerned, then to the partners' privacy leads together.",
        "Reviewed after six months.",
    ])
    v2 = ag.agreement_send_for_signature(actor=nadia, agreement=ff, acting_for=ministry)
    for party, person in [(ministry, nadia), (org["Northland Health Board"], people["healthboard@northland.example"]),
                          (org["Riverton Elementary School"], people["school@riverton.example"])]:
        ag.agreement_sign(actor=person, agreement=ff, acting_for=party, fingerprint=v2.fingerprint)
