"""Who may do what: every role against every object-level rule of the network and organisations.

The rules are checked as written (`rules.has_perm`) and, for everyone but superusers,
through `person.has_perm` as the views call it. Django lets an active superuser pass
every `has_perm` check whatever the rule says; the services still refuse a staff
member who is not the convener, so staff rows here describe the rules themselves.
"""

from __future__ import annotations

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from tests.conftest import add_role, make_organisation, make_partnership, make_person

ACTIONS = {
    "view public partnership": ("network.view_partnership", "public"),
    "view private partnership": ("network.view_partnership", "private"),
    "view activity": ("network.view_partnership_activity", "private"),
    "change partnership": ("network.change_partnership", "private"),
    "manage partners": ("network.manage_partners", "private"),
    "change charter": ("network.change_charter", "private"),
    "propose decision": ("network.propose_decision", "private"),
    "take position": ("network.take_position", "private"),
    "change organisation": ("organisations.change_organisation", "partner_org"),
    "manage representatives": ("organisations.manage_representatives", "partner_org"),
}

Y, N = True, False
#                       view   view    view      change  manage  change  propose take    change manage
#                       public private activity  p'ship  partners charter decision position org  reps
MATRIX = {
    "anonymous":            [Y, N, N, N, N, N, N, N, N, N],
    "citizen":              [Y, N, N, N, N, N, N, N, N, N],
    "partner member":       [Y, Y, Y, N, N, N, Y, Y, N, N],
    "partner admin":        [Y, Y, Y, N, N, N, Y, Y, Y, Y],
    "convener coordinator": [Y, Y, Y, Y, Y, Y, Y, Y, N, N],
    "convener admin":       [Y, Y, Y, Y, Y, Y, Y, Y, N, N],
    "staff":                [Y, Y, Y, N, N, N, N, N, Y, Y],
    "invited organisation": [Y, Y, N, N, N, N, N, N, N, N],
}


@pytest.fixture
def world(db):
    from joinery.network import services

    convener = make_organisation(name="Eastside Municipality", sector="public", level="local")
    partner_org = make_organisation(name="Eastside Food Bank")
    invited = make_organisation(name="Eastside Library")
    private = make_partnership(convener=convener, partners=[partner_org], visibility="private")
    convener_admin = convener.representatives.get(role="admin").person
    services.invitation_create(actor=convener_admin, partnership=private, acting_for=convener, organisation=invited)
    public = make_partnership(visibility="public")  # run by other organisations entirely

    def rep(org, role):
        person = make_person(mfa=True)
        add_role(org, person, role)
        return person

    people = {
        "anonymous": AnonymousUser(),
        "citizen": make_person(),
        "partner member": rep(partner_org, "member"),
        "partner admin": partner_org.representatives.get(role="admin").person,
        "convener coordinator": rep(convener, "coordinator"),
        "convener admin": convener_admin,
        "staff": make_person(staff=True, mfa=True),
        "invited organisation": rep(invited, "member"),
    }
    return people, {"public": public, "private": private, "partner_org": partner_org}


@pytest.mark.parametrize("role", MATRIX)
def test_permission_matrix(world, role):
    people, objects = world
    person = people[role]
    expected = dict(zip(ACTIONS, MATRIX[role], strict=True))
    by_rule = {action: rules.has_perm(perm, person, objects[obj]) for action, (perm, obj) in ACTIONS.items()}
    assert by_rule == expected
    if not getattr(person, "is_superuser", False):
        as_views_see_it = {action: person.has_perm(perm, objects[obj]) for action, (perm, obj) in ACTIONS.items()}
        assert as_views_see_it == expected


def test_anyone_signed_in_may_start_a_partnership_or_register_an_organisation(world):
    people, _ = world
    for perm in ("network.add_partnership", "organisations.add_organisation"):
        assert not rules.has_perm(perm, people["anonymous"])
        assert rules.has_perm(perm, people["citizen"])


def test_permissions_follow_the_partnership_as_membership_changes(world):
    """A partner that leaves loses access; the checks read the current state, not a stale copy."""
    from joinery.network import services
    from joinery.network.models import Partner

    people, objects = world
    private, partner_org = objects["private"], objects["partner_org"]
    admin = people["partner admin"]
    assert rules.has_perm("network.take_position", admin, private)
    services.partner_withdraw(actor=admin, partner=Partner.objects.get(partnership=private, organisation=partner_org),
                              reason="Programme ended")
    admin = type(admin).objects.get(pk=admin.pk)  # a new request loads the person afresh
    assert not rules.has_perm("network.take_position", admin, private)
    assert not rules.has_perm("network.view_partnership", admin, private)


def test_an_ended_role_no_longer_gives_rights(world):
    from joinery.organisations.services import representative_end

    people, objects = world
    member = people["partner member"]
    rep = member.representations.get()
    representative_end(actor=people["partner admin"], representative=rep, reason="Left the food bank")
    member = type(member).objects.get(pk=member.pk)
    assert not rules.has_perm("network.view_partnership", member, objects["private"])
    assert not rules.has_perm("network.propose_decision", member, objects["private"])
