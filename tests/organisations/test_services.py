"""Registering organisations, keeping them current, and the people who act for them."""

from __future__ import annotations

import pytest

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import MFARequired, PermissionDenied, StaleEdit, ValidationError
from joinery.network import services as network
from joinery.network.models import Partner
from joinery.organisations import selectors, services
from joinery.organisations.models import Organisation, Representative
from tests.conftest import add_role, admin_of, make_partnership, make_person

pytestmark = pytest.mark.django_db


def current_roles(org, person) -> set[str]:
    return set(org.representatives.current().filter(person=person).values_list("role", flat=True))


def message_of(exc_info) -> str:
    return " ".join(str(m) for m in exc_info.value.messages)


# --- registering ---------------------------------------------------------------------------

def test_registering_makes_the_registrant_its_administrator(person):
    org = services.organisation_create(actor=person, name="  Eastside Food Bank ", sector="non_profit",
                                       identifier_scheme="Charity number", identifier="123")
    assert (org.name, org.slug, org.is_active) == ("Eastside Food Bank", "eastside-food-bank", True)
    assert current_roles(org, person) == {"admin"}
    assert selectors.organisations_represented_by(person=person).get() == org


def test_someone_else_can_be_named_first_administrator(person):
    director = make_person()
    org = services.organisation_create(actor=person, first_admin=director, name="Trust", sector="community")
    assert current_roles(org, director) == {"admin"}
    assert current_roles(org, person) == set()


def test_a_public_body_needs_a_level_of_government(person):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(actor=person, name="Eastside Council", sector="public")
    assert exc.value.message_dict["level"] == ["Choose the level of government for a public body."]
    assert not Organisation.objects.filter(name="Eastside Council").exists()
    org = services.organisation_create(actor=person, name="Eastside Council", sector="public", level="local")
    assert org.is_public_body


def test_only_public_bodies_have_a_level(person):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(actor=person, name="Shop", sector="private", level="national")
    assert exc.value.message_dict["level"] == ["Only public bodies have a level of government."]


def test_identifier_needs_its_type(person):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(actor=person, name="Club", sector="community", identifier="42")
    assert "identifier" in exc.value.message_dict


def test_the_same_name_twice_in_one_jurisdiction_is_refused(person):
    services.organisation_create(actor=person, name="Food Bank", sector="non_profit")
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(actor=person, name="food bank", sector="non_profit")
    assert "already registered" in message_of(exc)
    assert Organisation.objects.filter(name__iexact="food bank").count() == 1


def test_unknown_fields_and_anonymous_registrants_are_refused(person):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=AnonymousUser(), name="Ghost", sector="community")
    with pytest.raises(ValidationError):
        services.organisation_create(actor=person, name="Ghost", sector="community", is_active=False)


# --- updating ------------------------------------------------------------------------------

def test_update_saves_and_counts_the_version(charity):
    org = services.organisation_update(actor=admin_of(charity), organisation=charity, expected_version=1,
                                       description="We feed the east side", website="https://food.example")
    org.refresh_from_db()
    assert (org.description, org.website, org.version) == ("We feed the east side", "https://food.example", 2)


def test_a_stale_update_is_refused_and_nothing_is_saved(charity):
    admin = admin_of(charity)
    services.organisation_update(actor=admin, organisation=charity, expected_version=1, phone="555-0100")
    events = AuditEvent.objects.count()
    with pytest.raises(StaleEdit) as exc:
        services.organisation_update(actor=admin, organisation=charity, expected_version=1, phone="555-0199",
                                     description="Overwritten")
    assert "Someone else changed this" in message_of(exc)
    charity.refresh_from_db()
    assert (charity.phone, charity.description, charity.version) == ("555-0100", "", 2)
    assert AuditEvent.objects.count() == events


def test_an_invalid_update_saves_nothing(charity):
    with pytest.raises(ValidationError):
        services.organisation_update(actor=admin_of(charity), organisation=charity, level="local")
    charity.refresh_from_db()
    assert (charity.level, charity.version) == ("", 1)


def test_only_an_administrator_updates(charity):
    member = make_person()
    add_role(charity, member, "member")
    for actor in (member, make_person()):
        with pytest.raises(PermissionDenied):
            services.organisation_update(actor=actor, organisation=charity, description="Mine now")
    staff = make_person(staff=True)
    services.organisation_update(actor=staff, organisation=charity, description="Corrected by support")
    charity.refresh_from_db()
    assert charity.description == "Corrected by support"


def test_a_public_body_administrator_without_two_factor_cannot_update_or_close_it(convener):
    no_mfa = make_person(mfa=False)
    add_role(convener, no_mfa, "admin")
    with pytest.raises(MFARequired):
        services.organisation_update(actor=no_mfa, organisation=convener, description="x")
    with pytest.raises(MFARequired):
        services.organisation_close(actor=no_mfa, organisation=convener, reason="Dissolved")
    convener.refresh_from_db()
    assert (convener.description, convener.is_active) == ("", True)


# --- representatives -----------------------------------------------------------------------

def test_adding_and_ending_a_representative_keeps_the_history(charity):
    admin, volunteer = admin_of(charity), make_person(name="Val Volunteer")
    rep = services.representative_add(actor=admin, organisation=charity, person=volunteer, role="member")
    assert current_roles(charity, volunteer) == {"member"}
    with pytest.raises(ValidationError) as exc:
        services.representative_add(actor=admin, organisation=charity, person=volunteer, role="member")
    assert "already holds this role" in message_of(exc)
    services.representative_end(actor=admin, representative=rep, reason="Moved away")
    rep.refresh_from_db()
    assert rep.ended_at is not None and rep.end_reason == "Moved away"
    assert current_roles(charity, volunteer) == set()
    assert rep in selectors.representative_history(organisation=charity)
    with pytest.raises(ValidationError):
        services.representative_end(actor=admin, representative=rep, reason="again")


def test_an_unknown_role_is_refused(charity):
    with pytest.raises(ValidationError):
        services.representative_add(actor=admin_of(charity), organisation=charity, person=make_person(), role="king")


def test_only_an_administrator_manages_representatives(charity):
    member = make_person()
    add_role(charity, member, "member")
    with pytest.raises(PermissionDenied):
        services.representative_add(actor=member, organisation=charity, person=make_person(), role="admin")
    assert current_roles(charity, member) == {"member"}


def test_the_last_administrator_cannot_be_removed(charity):
    admin = admin_of(charity)
    only = charity.representatives.current().get(role="admin")
    with pytest.raises(ValidationError) as exc:
        services.representative_end(actor=admin, representative=only, reason="Leaving")
    assert "must keep at least one administrator" in message_of(exc)
    assert current_roles(charity, admin) == {"admin"}
    deputy = make_person()
    services.representative_add(actor=admin, organisation=charity, person=deputy, role="admin")
    services.representative_end(actor=admin, representative=only, reason="Leaving")
    assert current_roles(charity, admin) == set()
    assert current_roles(charity, deputy) == {"admin"}


def test_a_closed_organisation_takes_no_new_representatives(charity):
    admin = admin_of(charity)
    services.organisation_close(actor=admin, organisation=charity, reason="Wound up")
    charity.refresh_from_db()
    with pytest.raises(ValidationError, match="is closed"):
        services.representative_add(actor=make_person(staff=True), organisation=charity, person=make_person(),
                                    role="member")


# --- handing over --------------------------------------------------------------------------

def test_hand_over_passes_every_role_to_the_successor(charity):
    admin = admin_of(charity)
    leaving, successor = make_person(name="Lee Leaving"), make_person(name="Sam Successor")
    services.representative_add(actor=admin, organisation=charity, person=leaving, role="coordinator")
    services.representative_add(actor=admin, organisation=charity, person=leaving, role="signatory")
    services.representative_add(actor=admin, organisation=charity, person=successor, role="member")
    old = list(charity.representatives.current().filter(person=leaving).order_by("role"))

    created = services.representative_hand_over(actor=admin, organisation=charity, leaving=leaving,
                                                successor=successor, reason="Retiring")

    assert current_roles(charity, leaving) == set()
    assert current_roles(charity, successor) == {"member", "coordinator", "signatory"}
    for rep in old:
        rep.refresh_from_db()
        assert rep.ended_at is not None and rep.end_reason == "Retiring"
    assert {(r.role, r.successor_of_id) for r in created} == {(r.role, r.pk) for r in old}
    history = selectors.representative_history(organisation=charity)
    assert all(r in history for r in old + created)


def test_hand_over_from_the_last_administrator_leaves_an_administrator(charity):
    admin, successor = admin_of(charity), make_person()
    services.representative_add(actor=admin, organisation=charity, person=successor, role="member")
    services.representative_hand_over(actor=admin, organisation=charity, leaving=admin, successor=successor)
    assert current_roles(charity, successor) == {"member", "admin"}
    old = Representative.objects.get(organisation=charity, person=admin)
    assert old.end_reason == f"Handed over to {successor}"


def test_hand_over_to_someone_outside_the_organisation_is_refused_and_nothing_changes(charity):
    admin, leaving, stranger = admin_of(charity), make_person(), make_person(name="Stan Stranger")
    services.representative_add(actor=admin, organisation=charity, person=leaving, role="coordinator")
    before = (list(charity.representatives.order_by("id").values_list("id", "ended_at")), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.representative_hand_over(actor=admin, organisation=charity, leaving=leaving, successor=stranger)
    assert exc.value.message_dict["successor"] == [
        "Stan Stranger does not represent Eastside Food Bank. Add them as a representative first."]
    after = (list(charity.representatives.order_by("id").values_list("id", "ended_at")), AuditEvent.objects.count())
    assert after == before


def test_hand_over_to_oneself_or_from_someone_without_a_role_is_refused(charity):
    admin, member = admin_of(charity), make_person()
    services.representative_add(actor=admin, organisation=charity, person=member, role="member")
    with pytest.raises(ValidationError):
        services.representative_hand_over(actor=admin, organisation=charity, leaving=member, successor=member)
    with pytest.raises(ValidationError):
        services.representative_hand_over(actor=admin, organisation=charity, leaving=make_person(), successor=member)


# --- closing -------------------------------------------------------------------------------

def test_an_organisation_cannot_close_while_it_is_a_partner(charity):
    p = make_partnership(partners=[charity], name="Eastside Renewal")
    with pytest.raises(ValidationError) as exc:
        services.organisation_close(actor=admin_of(charity), organisation=charity, reason="Merging")
    assert message_of(exc) == ("Eastside Food Bank is still a partner in: Eastside Renewal. "
                               "It must withdraw or be removed first.")
    charity.refresh_from_db()
    assert charity.is_active
    network.partner_withdraw(actor=admin_of(charity), partner=Partner.objects.get(partnership=p, organisation=charity),
                             reason="Merging")
    admin = admin_of(charity)
    closed = services.organisation_close(actor=admin, organisation=charity, reason="Merging")
    assert (closed.is_active, closed.closed_at is not None) == (False, True)
    assert charity.representatives.current().count() == 0
    assert charity not in selectors.organisation_directory()
    assert charity in selectors.organisation_directory(include_closed=True)


def test_closing_needs_a_reason_and_an_administrator(charity):
    with pytest.raises(ValidationError):
        services.organisation_close(actor=admin_of(charity), organisation=charity, reason=" ")
    with pytest.raises(PermissionDenied):
        services.organisation_close(actor=make_person(), organisation=charity, reason="Spite")
    charity.refresh_from_db()
    assert charity.is_active
