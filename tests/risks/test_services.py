"""Risk register services: validation, the appetite's history, acceptance for innovation, above appetite."""

from __future__ import annotations

import datetime as dt

import pytest

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.notifications.models import Notification
from joinery.risks import selectors, services
from joinery.risks.models import Risk, RiskAppetite, RiskStatus
from tests.conftest import add_role, admin_of, make_person

from .conftest import REASON, make_risk, set_appetite

pytestmark = pytest.mark.django_db


# --- appetite ----------------------------------------------------------------------------------

def test_each_appetite_change_adds_a_row_and_the_history_stays_readable(partnership, city):
    first = set_appetite(partnership, city, threshold=8, statement="Cautious while we start.")
    second = set_appetite(partnership, city, threshold=12, statement="Bolder now the pilots work.")
    assert RiskAppetite.objects.filter(partnership=partnership).count() == 2
    assert selectors.current_appetite(partnership=partnership) == second
    assert [a.threshold for a in selectors.appetite_history(partnership=partnership)] == [12, 8]
    first.refresh_from_db()
    assert first.statement == "Cautious while we start."  # the earlier one is not rewritten
    event = AuditEvent.objects.filter(action="risk_appetite.set").order_by("-id").first()
    assert event.before["threshold"] == 8 and event.after["threshold"] == 12


def test_only_the_convener_sets_the_appetite(partnership, charity):
    with pytest.raises(PermissionDenied):
        services.risk_appetite_set(actor=admin_of(charity), acting_for=charity, partnership=partnership,
                                   threshold=10, statement="Ours")
    assert not RiskAppetite.objects.exists()


@pytest.mark.parametrize("threshold", [0, 26, "many", None])
def test_the_threshold_is_a_score_from_1_to_25(partnership, city, threshold):
    with pytest.raises(ValidationError) as exc:
        services.risk_appetite_set(actor=admin_of(city), acting_for=city, partnership=partnership,
                                   threshold=threshold, statement="x")
    assert "threshold" in exc.value.message_dict


def test_the_appetite_needs_a_statement(partnership, city):
    with pytest.raises(ValidationError) as exc:
        services.risk_appetite_set(actor=admin_of(city), acting_for=city, partnership=partnership, threshold=9,
                                   statement="   ")
    assert "statement" in exc.value.message_dict


# --- create and update ------------------------------------------------------------------------------

def test_a_partner_records_a_risk_with_its_score_and_the_owner_is_told(partnership, city, charity):
    r = make_risk(partnership, city, owner=charity, likelihood=4, impact=5)
    assert r.score == 20 and r.status == RiskStatus.OPEN and r.created_by == admin_of(city)
    assert AuditEvent.objects.filter(action="risk.created", object_id=str(r.pk)).exists()
    assert Notification.objects.filter(recipient=admin_of(charity), kind="risk").exists()


def test_the_owner_must_be_an_active_partner(partnership, city, outsider):
    with pytest.raises(ValidationError) as exc:
        make_risk(partnership, city, owner=outsider)
    assert "owner" in exc.value.message_dict
    assert not Risk.objects.exists()


def test_an_outsider_cannot_record_a_risk(partnership, outsider):
    with pytest.raises(PermissionDenied):
        make_risk(partnership, outsider)


def test_every_problem_is_reported_at_once(partnership, city):
    with pytest.raises(ValidationError) as exc:
        services.risk_create(actor=admin_of(city), acting_for=city, partnership=partnership, title="",
                             cause="", consequence=" ", likelihood=0, impact=9, owner=None, status="accepted")
    assert set(exc.value.message_dict) == {"title", "cause", "consequence", "likelihood", "impact", "owner",
                                           "status"}


def test_the_owner_person_must_represent_the_owner(partnership, city, charity):
    stranger = make_person()
    with pytest.raises(ValidationError) as exc:
        make_risk(partnership, city, owner=charity, owner_person=stranger)
    assert "owner_person" in exc.value.message_dict
    member = make_person()
    add_role(charity, member)
    assert make_risk(partnership, city, owner=charity, owner_person=member).owner_person == member


def test_update_recomputes_the_score_and_refuses_a_stale_version(partnership, city, charity):
    r = make_risk(partnership, city)
    r = services.risk_update(actor=admin_of(charity), acting_for=charity, risk=r, expected_version=r.version,
                             impact=5, mitigations="Recruit a second cohort")
    assert (r.score, r.version) == (15, 2)
    with pytest.raises(services.RiskConflict) as exc:
        services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=1, title="Mine")
    assert exc.value.code == "stale"
    assert exc.value.theirs["mitigations"] == "Recruit a second cohort"
    assert exc.value.yours["title"] == "Mine"
    r.refresh_from_db()
    assert r.title == "Volunteers drop out" and r.version == 2
    assert AuditEvent.objects.filter(action="risk.updated").count() == 1


def test_update_cannot_set_accepted_or_closed_directly(partnership, city):
    r = make_risk(partnership, city)
    for status in (RiskStatus.ACCEPTED, RiskStatus.CLOSED, "made-up"):
        with pytest.raises(ValidationError):
            services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=r.version,
                                 status=status)


def test_a_work_item_of_another_partnership_is_refused(partnership, city):
    from joinery.programme.models import WorkItem, WorkProgramme
    from tests.conftest import make_organisation, make_partnership

    other_org = make_organisation()
    other = make_partnership(convener=other_org)
    programme = WorkProgramme.objects.create(partnership=other, title="Theirs", created_by=admin_of(other_org))
    item = WorkItem.objects.create(programme=programme, partnership=other, kind="task", title="Their task",
                                   owner=other_org, created_by=admin_of(other_org))
    with pytest.raises(ValidationError) as exc:
        make_risk(partnership, city, work_item=item)
    assert "work_item" in exc.value.message_dict


# --- accept for innovation -------------------------------------------------------------------------

def test_accepting_for_innovation_records_who_why_and_when_and_tells_every_partner(partnership, city, charity):
    r = make_risk(partnership, city, owner=charity, likelihood=4, impact=4)
    r = services.risk_accept_for_innovation(actor=admin_of(charity), acting_for=charity, risk=r, reason=REASON)
    assert r.status == RiskStatus.ACCEPTED and r.accepted_for_innovation
    assert r.acceptance_reason == REASON and r.accepted_by == admin_of(charity) and r.accepted_at
    event = AuditEvent.objects.get(action="risk.accepted_for_innovation")
    assert event.after["acceptance_reason"] == REASON and event.acting_for == charity
    assert Notification.objects.filter(recipient=admin_of(city), kind="risk", body=REASON).exists()


@pytest.mark.parametrize("reason", ["", "   ", "n/a", "because", "it is fine ok"])
def test_accepting_needs_a_meaningful_reason(partnership, city, reason):
    r = make_risk(partnership, city)
    with pytest.raises(ValidationError) as exc:
        services.risk_accept_for_innovation(actor=admin_of(city), acting_for=city, risk=r, reason=reason)
    assert "reason" in exc.value.message_dict
    r.refresh_from_db()
    assert not r.accepted_for_innovation and r.status == RiskStatus.OPEN


def test_only_the_convener_or_the_owner_accepts(partnership, city, charity):
    third = _third_partner(partnership, city)
    r = make_risk(partnership, city, owner=charity)
    with pytest.raises(PermissionDenied):
        services.risk_accept_for_innovation(actor=admin_of(third), acting_for=third, risk=r, reason=REASON)
    # The convener's administrator may, even though the charity owns it.
    services.risk_accept_for_innovation(actor=admin_of(city), acting_for=city, risk=r, reason=REASON)


def test_a_convener_member_is_not_enough(partnership, city, charity):
    r = make_risk(partnership, charity)
    member = make_person(mfa=True)
    add_role(city, member, "member")
    with pytest.raises(PermissionDenied):
        services.risk_accept_for_innovation(actor=member, acting_for=city, risk=r, reason=REASON)


def test_a_stale_accept_is_refused(partnership, city):
    r = make_risk(partnership, city)
    services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=1, impact=5)
    with pytest.raises(StaleEdit):
        services.risk_accept_for_innovation(actor=admin_of(city), acting_for=city, risk=r, reason=REASON,
                                            expected_version=1)


def test_setting_an_accepted_risk_back_to_open_withdraws_the_acceptance(partnership, city):
    r = make_risk(partnership, city)
    r = services.risk_accept_for_innovation(actor=admin_of(city), acting_for=city, risk=r, reason=REASON)
    r = services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=r.version,
                             mitigations="Added a back-up rota")
    assert r.accepted_for_innovation and r.status == RiskStatus.ACCEPTED  # an edit keeps the acceptance
    r = services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=r.version,
                             status=RiskStatus.MITIGATING)
    assert not r.accepted_for_innovation and r.acceptance_reason == "" and r.status == RiskStatus.MITIGATING


# --- close ---------------------------------------------------------------------------------------

def test_close_and_reopen(partnership, city):
    r = make_risk(partnership, city)
    r = services.risk_close(actor=admin_of(city), acting_for=city, risk=r, reason="The summer is over")
    assert r.status == RiskStatus.CLOSED
    assert AuditEvent.objects.get(action="risk.closed").after["reason"] == "The summer is over"
    with pytest.raises(ValidationError):
        services.risk_close(actor=admin_of(city), acting_for=city, risk=r)
    with pytest.raises(ValidationError):  # a closed risk is reopened by setting its status
        services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=r.version, impact=1)
    r = services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=r.version,
                             status=RiskStatus.OPEN)
    assert r.status == RiskStatus.OPEN


# --- selectors -----------------------------------------------------------------------------------

def test_above_appetite_excludes_accepted_closed_and_low_scores(partnership, city, charity):
    set_appetite(partnership, city, threshold=9)
    high = make_risk(partnership, city, likelihood=4, impact=4, title="High")
    mitigating = make_risk(partnership, city, likelihood=5, impact=2, title="Mitigating", status="mitigating")
    make_risk(partnership, city, likelihood=3, impact=3, title="At the threshold")
    accepted = make_risk(partnership, charity, likelihood=5, impact=5, title="Accepted")
    services.risk_accept_for_innovation(actor=admin_of(charity), acting_for=charity, risk=accepted, reason=REASON)
    closed = make_risk(partnership, city, likelihood=5, impact=5, title="Closed")
    services.risk_close(actor=admin_of(city), acting_for=city, risk=closed)
    assert [r.title for r in selectors.above_appetite(partnership=partnership)] == ["High", "Mitigating"]
    assert {high.pk, mitigating.pk} == {r.pk for r in selectors.above_appetite(partnership=partnership)}


def test_nothing_is_above_an_appetite_not_yet_set(partnership, city):
    make_risk(partnership, city, likelihood=5, impact=5)
    assert selectors.above_appetite(partnership=partnership) == []


def test_heat_map_counts_live_risks_in_one_query(partnership, city, django_assert_num_queries):
    appetite = set_appetite(partnership, city, threshold=9)
    make_risk(partnership, city, likelihood=4, impact=5)
    make_risk(partnership, city, likelihood=4, impact=5)
    make_risk(partnership, city, likelihood=1, impact=1)
    gone = make_risk(partnership, city, likelihood=2, impact=2)
    services.risk_close(actor=admin_of(city), acting_for=city, risk=gone)
    with django_assert_num_queries(1):
        heat = selectors.heat_map(partnership=partnership, appetite=appetite)
    assert [row["impact"] for row in heat["rows"]] == [5, 4, 3, 2, 1]
    assert [c["likelihood"] for c in heat["rows"][0]["cells"]] == [1, 2, 3, 4, 5]
    cell = heat["rows"][0]["cells"][3]
    assert (cell["likelihood"], cell["impact"], cell["count"], cell["score"], cell["above"]) == (4, 5, 2, 20, True)
    assert heat["rows"][4]["cells"][0]["count"] == 1 and not heat["rows"][4]["cells"][0]["above"]
    assert (heat["total"], heat["above"]) == (3, 2)
    assert "3 live risks" in heat["summary"] and "2 of them" in heat["summary"]


def _third_partner(partnership, city):
    from joinery.network import services as network
    from tests.conftest import make_organisation

    org = make_organisation(name="Eastside Residents")
    inv = network.invitation_create(actor=admin_of(city), partnership=partnership, acting_for=city, organisation=org)
    network.invitation_respond(actor=admin_of(org), invitation=inv, accept=True)
    return org


def test_review_date_out_of_range_is_refused(partnership, city):
    with pytest.raises(ValidationError) as exc:
        make_risk(partnership, city, review_date=dt.date(1066, 10, 14))
    assert "review_date" in exc.value.message_dict
