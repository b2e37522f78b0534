"""The ledger's rules, driven through the services as the web, the API and the CLI drive them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from joinery.audit.models import AuditEvent
from joinery.contributions import services
from joinery.contributions.models import Contribution, ContributorSector, ValuationRate
from joinery.core.exceptions import PermissionDenied, ValidationError
from joinery.notifications.models import Notification, NotificationKind
from tests.conftest import add_role, admin_of, make_person

from .conftest import D, NothingWritten, World, pdf_upload

pytestmark = pytest.mark.django_db


def refused(call, field=None, contains=""):
    """The call is refused with a field error (and a message containing `contains`), writing nothing."""
    with NothingWritten(), pytest.raises(ValidationError) as info:
        call()
    if field is not None:
        assert field in info.value.message_dict, info.value.message_dict
        message = " ".join(info.value.message_dict[field])
        assert contains.lower() in message.lower(), message
    return info.value


# --- recording ------------------------------------------------------------------------------------

def test_money_is_recorded_valued_at_its_amount_with_the_contributors_sector(w):
    c = w.record(quantity=Decimal("1250.50"), currency="cad", description="  Quarterly grant  ")
    assert (c.kind, c.value, c.currency, c.unit, c.sector) == ("money", Decimal("1250.50"), "CAD", "CAD",
                                                               ContributorSector.NON_PROFIT)
    assert c.organisation == w.charity and c.person is None and c.description == "Quarterly grant"
    assert (c.period_start, c.period_end) == (c.date, c.date)
    event = AuditEvent.objects.get(action="contribution.recorded")
    assert (event.actor, event.acting_for, event.partnership) == (admin_of(w.charity), w.charity, w.p)
    assert event.after["value"] == "1250.50"


def test_hours_are_valued_at_the_rate_in_force_on_their_date(w):
    c = w.record(w.city, kind="staff_hours", quantity=Decimal("37.5"), currency="", date=D(2026, 3, 14), people=2)
    assert c.rate.work_kind == "staff-general" and c.value == Decimal("1125.00") and c.currency == "CAD"
    assert c.sector == ContributorSector.PUBLIC and c.unit == "hours"


def test_in_kind_may_carry_a_stated_value(w):
    c = w.record(w.business, kind="in_kind", quantity=4, unit="rooms", currency="CAD", value=Decimal("600"),
                 description="Meeting rooms")
    assert (c.value, c.currency, c.sector) == (Decimal("600"), "CAD", ContributorSector.PRIVATE)
    unvalued = w.record(w.residents, kind="data", quantity=1, unit="dataset", currency="", description="Survey")
    assert unvalued.value is None and unvalued.sector == ContributorSector.COMMUNITY


@pytest.mark.parametrize("quantity", [Decimal("-50"), Decimal("0"), "-1"])
def test_negative_or_zero_amounts_are_refused(w, quantity):
    refused(lambda: w.record(quantity=quantity), "quantity", "more than zero")


def test_hours_over_what_the_period_allows_are_refused(w):
    # One person, one day: at most 24 hours.
    refused(lambda: w.record(w.city, kind="staff_hours", quantity=25, currency=""), "quantity", "at most 24 hours")
    # Three people over a week: at most 504 hours.
    refused(lambda: w.record(w.city, kind="staff_hours", quantity=505, people=3, currency="", date=D(2026, 3, 7),
                             period_start=D(2026, 3, 1), period_end=D(2026, 3, 7)), "quantity", "504")
    ok = w.record(w.city, kind="staff_hours", quantity=504, people=3, currency="", date=D(2026, 3, 7),
                  period_start=D(2026, 3, 1), period_end=D(2026, 3, 7))
    assert ok.value == Decimal("15120.00")


def test_an_unknown_currency_is_refused_with_a_clear_message(w):
    refused(lambda: w.record(currency="XYZ"), "currency", "“XYZ” is not a currency code we know")
    refused(lambda: w.record(currency=""), "currency", "which currency")


@pytest.mark.parametrize("kwargs,field,text", [
    ({"period_start": D(2026, 3, 31), "period_end": D(2026, 3, 1)}, "period_end", "before it starts"),
    ({"period_start": D(2026, 4, 1), "period_end": D(2026, 4, 30)}, "date", "outside the period"),
    ({"period_start": D(2026, 3, 1)}, "period_end", "both"),
    ({"date": None}, "date", "enter the date"),
    ({"description": "  "}, "description", "describe"),
    ({"description": "x" * 501}, "description", "500"),
    ({"kind": "favours"}, "kind", "kind of contribution"),
    ({"quantity": Decimal("10.005")}, "quantity", "two decimal places"),
    ({"quantity": "lots"}, "quantity", "number"),
    ({"evidence_url": "javascript:alert(1)"}, "evidence_url", "web address"),
    ({"kind": "in_kind", "unit": ""}, "unit", "counts"),
    ({"kind": "in_kind", "unit": "rooms", "currency": "", "value": Decimal("10")}, "currency", "currency"),
    ({"value": Decimal("5")}, "value", "amount"),
])
def test_bad_input_gets_a_field_error_and_nothing_is_written(w, kwargs, field, text):
    refused(lambda: w.record(**kwargs), field, text)


def test_a_contribution_cannot_be_dated_in_the_future(w):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    refused(lambda: w.record(date=tomorrow, period_start=tomorrow, period_end=tomorrow), "date", "future")


def test_hours_need_a_rate_in_force(w):
    refused(lambda: w.record(w.city, kind="staff_hours", quantity=3, currency="", date=D(2024, 6, 1)),
            "work_kind", "no rate for staff hours on 2024-06-01")
    refused(lambda: w.record(w.city, kind="staff_hours", quantity=3, currency="", work_kind="volunteer-general"),
            "work_kind", "volunteer hours, not staff hours")
    refused(lambda: w.record(w.city, kind="staff_hours", quantity=3, currency="", work_kind="welding"),
            "work_kind", "no rate for the kind of work “welding”")
    refused(lambda: w.record(w.city, kind="staff_hours", quantity=3, currency="EUR"), "currency", "CAD")


def test_with_two_rates_for_the_same_hours_the_kind_of_work_must_be_chosen(w):
    services.valuation_rate_set(actor=w.lead, acting_for=w.city, partnership=w.p, work_kind="staff-legal",
                                label="Legal advice", hours_kind="staff_hours", hourly_rate="120", currency="CAD",
                                valid_from=D(2025, 1, 1), basis="Legal aid tariff.")
    refused(lambda: w.record(w.city, kind="staff_hours", quantity=2, currency=""), "work_kind", "staff-legal")
    c = w.record(w.city, kind="staff_hours", quantity=2, currency="", work_kind="staff-legal")
    assert c.value == Decimal("240.00")


def test_evidence_files_are_checked_for_type_and_size(w):
    c = w.record(evidence=pdf_upload())
    assert c.evidence.name.startswith("evidence/") and c.evidence.name.endswith(".pdf")
    refused(lambda: w.record(evidence=pdf_upload("virus.exe")), "evidence", "must be one of")
    refused(lambda: w.record(evidence=pdf_upload("fake.pdf", b"MZ\x90\x00 not a pdf")), "evidence", "not really")
    big = pdf_upload("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    refused(lambda: w.record(evidence=big), "evidence", "10 MB")


# --- who may record --------------------------------------------------------------------------------

def test_only_representatives_of_active_partners_record(w):
    with NothingWritten(), pytest.raises(PermissionDenied):
        services.contribution_record(actor=admin_of(w.outsider), acting_for=w.outsider, partnership=w.p,
                                     kind="money", description="Gift", date=D(2026, 3, 1), quantity=1,
                                     currency="CAD")
    with NothingWritten(), pytest.raises(PermissionDenied):
        w.record(w.charity, by=admin_of(w.business))  # acts for an organisation they do not represent


def test_a_partner_records_only_its_own_contributions_but_the_convener_records_for_others(w):
    refused(lambda: w.record(w.charity, organisation=w.business), "organisation", "only record")
    c = w.record(w.city, organisation=w.business, description="Hardware donated screws")
    assert c.organisation == w.business and c.sector == ContributorSector.PRIVATE
    told = Notification.objects.filter(kind=NotificationKind.CONTRIBUTION, recipient=admin_of(w.business))
    assert told.exists()
    # A member of the convener (not an administrator or coordinator) records only the city's own.
    member = make_person(mfa=True)
    add_role(w.city, member, "member")
    refused(lambda: w.record(w.city, by=member, organisation=w.business), "organisation", "only record")
    refused(lambda: w.record(w.city, organisation=w.outsider), "organisation", "not a partner")


# --- commitments -------------------------------------------------------------------------------------

def test_a_contribution_meets_a_commitment_of_its_organisation(w):
    m = w.commitment(w.charity)
    c = w.record(commitment=m)
    assert c.commitment == m


def test_a_contribution_against_another_partnerships_commitment_is_refused(w):
    other = World(name="Westside")
    other.rates()
    theirs = other.commitment(other.charity)
    refused(lambda: w.record(commitment=theirs), "commitment", "another partnership")


def test_commitment_rules(w):
    w.agreement()
    refused(lambda: w.record(commitment=w.commitment(w.city)), "commitment", "City's")
    refused(lambda: w.record(commitment=w.commitment(w.charity), date=D(2025, 12, 1)), "commitment",
            "runs from 2026-01-01")
    refused(lambda: w.record(commitment=w.commitment(w.charity), currency="EUR"), "commitment", "counted in CAD")
    refused(lambda: w.record(w.residents, commitment=w.commitment(w.residents)), "commitment", "counted in hours")
    refused(lambda: w.record(w.business, kind="in_kind", unit="chairs", quantity=3,
                             commitment=w.commitment(w.business)), "commitment", "“rooms”")
    ok = w.record(w.business, kind="in_kind", unit="Rooms", quantity=3, commitment=w.commitment(w.business))
    assert ok.commitment_id


def test_a_commitment_in_an_unsigned_agreement_cannot_be_met(w):
    from joinery.agreements import services as agreements

    a = agreements.agreement_create(actor=w.lead, partnership=w.p, acting_for=w.city, title="Draft",
                                    kind="partnering", parties=[w.charity])
    clause = agreements.clause_add(actor=w.lead, agreement=a, acting_for=w.city, heading="Money")
    m = agreements.commitment_add(actor=w.lead, clause=clause, acting_for=w.city, party=w.charity, kind="money",
                                  description="Later", quantity=10, unit="CAD", period_start=D(2026, 1, 1),
                                  period_end=D(2026, 12, 31))
    refused(lambda: w.record(commitment=m), "commitment", "not a commitment until it is signed")


# --- valuation rates ---------------------------------------------------------------------------------

def test_a_new_rate_closes_the_old_one_and_past_values_do_not_change(w):
    before = w.record(w.city, kind="staff_hours", quantity=10, currency="", date=D(2026, 2, 1))
    old = ValuationRate.objects.get(work_kind="staff-general")
    new = services.valuation_rate_set(actor=w.lead, acting_for=w.city, partnership=w.p, work_kind="staff-general",
                                      label="Staff time", hours_kind="staff_hours", hourly_rate="35.00",
                                      currency="CAD", valid_from=D(2026, 1, 1), basis="2026 pay scale.")
    old.refresh_from_db()
    before.refresh_from_db()
    assert (old.valid_until, old.superseded_by, old.hourly_rate) == (D(2025, 12, 31), new, Decimal("30.00"))
    assert (before.rate, before.value) == (old, Decimal("300.00"))  # unchanged, although backdated
    after = w.record(w.city, kind="staff_hours", quantity=10, currency="", date=D(2026, 2, 2))
    assert (after.rate, after.value) == (new, Decimal("350.00"))
    earlier = w.record(w.city, kind="staff_hours", quantity=10, currency="", date=D(2025, 6, 1),
                       period_start=D(2025, 6, 1), period_end=D(2025, 6, 1))
    assert earlier.rate == old
    event = AuditEvent.objects.filter(action="valuation_rate.set").latest("id")
    assert event.before["hourly_rate"] == "30.00" and event.after["hourly_rate"] == "35.00"
    assert Notification.objects.filter(kind=NotificationKind.CONTRIBUTION, recipient=admin_of(w.charity)).exists()


def test_rate_rules(w):
    def set_rate(**kw):
        fields = dict(work_kind="staff-general", label="Staff time", hours_kind="staff_hours", hourly_rate="31",
                      currency="CAD", valid_from=D(2026, 1, 1), basis="Scale.")
        fields.update(kw)
        return services.valuation_rate_set(actor=kw.pop("actor", w.lead), acting_for=kw.pop("acting_for", w.city),
                                           partnership=w.p, **{k: v for k, v in fields.items()
                                                               if k not in ("actor", "acting_for")})

    refused(lambda: set_rate(valid_from=D(2025, 1, 1)), "valid_from", "must start after")
    refused(lambda: set_rate(hourly_rate="-3"), "hourly_rate", "more than zero")
    refused(lambda: set_rate(currency="XXQ"), "currency", "ISO 4217")
    refused(lambda: set_rate(basis=" "), "basis", "where the figure comes from")
    refused(lambda: set_rate(work_kind="Not a code!"), "work_kind", "short code")
    refused(lambda: set_rate(hours_kind="money"), "hours_kind", "staff hours or volunteer hours")
    with NothingWritten(), pytest.raises(PermissionDenied):
        set_rate(actor=admin_of(w.charity), acting_for=w.charity)


# --- corrections and withdrawals ----------------------------------------------------------------------

def test_a_correction_withdraws_the_old_record_and_keeps_the_history(w):
    c = w.record(quantity=Decimal("1000"), evidence=pdf_upload())
    new = services.contribution_correct(actor=admin_of(w.charity), acting_for=w.charity, contribution=c,
                                        reason="Typo: it was 1,100", quantity=Decimal("1100"))
    c.refresh_from_db()
    assert c.withdrawn_at is not None and c.withdrawn_reason == "Typo: it was 1,100"
    assert new.replaces == c and new.value == Decimal("1100") and new.evidence.name == c.evidence.name
    assert Contribution.objects.filter(withdrawn_at__isnull=True).get() == new
    event = AuditEvent.objects.get(action="contribution.corrected")
    assert event.before["value"] == "1000.00" and event.after["reason"] == "Typo: it was 1,100"
    # The old record cannot be corrected or withdrawn again: it is stale.
    with NothingWritten(), pytest.raises(ValidationError) as info:
        services.contribution_withdraw(actor=admin_of(w.charity), acting_for=w.charity, contribution=c, reason="x")
    assert info.value.code == "stale"
    again = services.contribution_correct(actor=admin_of(w.charity), acting_for=w.charity, contribution=new,
                                          reason="And the date", date=D(2026, 3, 30))
    assert again.replaces == new


def test_a_correction_keeps_the_old_rate_unless_the_date_or_kind_of_work_changes(w):
    c = w.record(w.city, kind="staff_hours", quantity=10, currency="", date=D(2026, 2, 1))
    services.valuation_rate_set(actor=w.lead, acting_for=w.city, partnership=w.p, work_kind="staff-general",
                                label="Staff time", hours_kind="staff_hours", hourly_rate="40", currency="CAD",
                                valid_from=D(2026, 1, 1), basis="New scale.")
    same_rate = services.contribution_correct(actor=w.lead, acting_for=w.city, contribution=c, reason="12 hours",
                                              quantity=12)
    assert same_rate.value == Decimal("360.00")
    moved = services.contribution_correct(actor=w.lead, acting_for=w.city, contribution=same_rate,
                                          reason="Other day", date=D(2026, 2, 3))
    assert moved.value == Decimal("480.00")


def test_corrections_are_checked_like_new_records(w):
    c = w.record()
    refused(lambda: services.contribution_correct(actor=admin_of(w.charity), acting_for=w.charity,
                                                  contribution=c, reason="oops", quantity=-5), "quantity", "zero")
    refused(lambda: services.contribution_correct(actor=admin_of(w.charity), acting_for=w.charity,
                                                  contribution=c, reason=""), "reason", "reason")
    with NothingWritten(), pytest.raises(ValidationError, match="Nothing was changed"):
        services.contribution_correct(actor=admin_of(w.charity), acting_for=w.charity, contribution=c,
                                      reason="no change", quantity=Decimal("1000.00"))
    with NothingWritten(), pytest.raises(PermissionDenied):
        services.contribution_correct(actor=admin_of(w.business), acting_for=w.business, contribution=c,
                                      reason="not mine", quantity=5)


def test_withdrawal_keeps_the_row_and_the_convener_may_withdraw(w):
    c = w.record()
    services.contribution_withdraw(actor=w.lead, acting_for=w.city, contribution=c, reason="Duplicate entry")
    c.refresh_from_db()
    assert c.withdrawn_at and c.withdrawn_reason == "Duplicate entry"
    assert AuditEvent.objects.filter(action="contribution.withdrawn").exists()
    assert Notification.objects.filter(recipient=admin_of(w.charity), kind=NotificationKind.CONTRIBUTION).exists()


# --- volunteers --------------------------------------------------------------------------------------

def test_a_confirmed_volunteers_hours_are_the_communitys_contribution(pw):
    item = pw.task()
    signup = pw.volunteer(item)
    c = services.volunteer_hours_record(actor=admin_of(pw.charity), acting_for=pw.charity, signup=signup,
                                        hours=Decimal("4"), date=D(2026, 3, 7))
    assert (c.kind, c.person, c.organisation, c.sector, c.work_item) == (
        "volunteer_hours", signup.person, None, ContributorSector.CITIZENS, item)
    assert c.value == Decimal("80.00") and c.rate.work_kind == "volunteer-general"
    assert "Serve lunch" in c.description
    thanks = Notification.objects.get(recipient=signup.person, kind=NotificationKind.VOLUNTEERING,
                                      title__startswith="Thank you")
    assert "4" in thanks.title
    assert AuditEvent.objects.filter(action="contribution.volunteer_hours_recorded").exists()
    # The convener may record them too; the task's owner or the convener only.
    services.volunteer_hours_record(actor=pw.lead, acting_for=pw.city, signup=signup, hours=2, date=D(2026, 3, 8))
    with NothingWritten(), pytest.raises(PermissionDenied):
        services.volunteer_hours_record(actor=admin_of(pw.business), acting_for=pw.business, signup=signup,
                                        hours=2, date=D(2026, 3, 8))


def test_only_confirmed_volunteers_hours_are_recorded_and_checked(pw):
    item = pw.task()
    pending = pw.volunteer(item, name="Pat Pending", confirm=False)
    with NothingWritten(), pytest.raises(ValidationError, match="not a confirmed volunteer"):
        services.volunteer_hours_record(actor=admin_of(pw.charity), acting_for=pw.charity, signup=pending,
                                        hours=2, date=D(2026, 3, 7))
    signup = pw.volunteer(item)
    refused(lambda: services.volunteer_hours_record(actor=admin_of(pw.charity), acting_for=pw.charity,
                                                    signup=signup, hours=30, date=D(2026, 3, 7)), "hours", "24")


def test_several_volunteers_hours_are_recorded_together_or_not_at_all(pw):
    item = pw.task()
    a, b = pw.volunteer(item, name="Ann"), pw.volunteer(item, name="Bob")
    refused(lambda: services.volunteer_hours_record_many(
        actor=admin_of(pw.charity), acting_for=pw.charity, item=item, hours_by_signup={a: 3, b: -1},
        date=D(2026, 3, 7)), f"hours_{b.pk}", "zero")
    done = services.volunteer_hours_record_many(actor=admin_of(pw.charity), acting_for=pw.charity, item=item,
                                                hours_by_signup={a: 3, b: Decimal("2.5")}, date=D(2026, 3, 7))
    assert sorted(c.quantity for c in done) == [Decimal("2.5"), Decimal("3")]


def test_a_volunteers_hours_may_meet_the_recording_organisations_commitment(w):
    # (private partnership: built directly, as the residents' association records its members' hours)
    person = make_person(name="Resident")
    c = w.record(w.residents, kind="volunteer_hours", quantity=5, currency="", person=person,
                 commitment=w.commitment(w.residents), description="Door knocking")
    assert c.person == person and c.organisation is None and c.sector == ContributorSector.CITIZENS
    assert c.commitment == w.commitment(w.residents)
