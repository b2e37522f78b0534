"""Who may do what to an organisation (object-level rules)."""

import rules

from .models import RepresentativeRole


@rules.predicate
def is_org_admin(person, organisation) -> bool:
    if organisation is None or not person.is_authenticated:
        return False
    return organisation.representatives.current().filter(
        person=person, role=RepresentativeRole.ADMIN
    ).exists()


@rules.predicate
def represents(person, organisation) -> bool:
    if organisation is None or not person.is_authenticated:
        return False
    return organisation.representatives.current().filter(person=person).exists()


is_staff = rules.is_staff

rules.add_perm("organisations.view_organisation", rules.always_allow)
rules.add_perm("organisations.add_organisation", rules.is_authenticated)
rules.add_perm("organisations.change_organisation", is_org_admin | is_staff)
rules.add_perm("organisations.close_organisation", is_org_admin | is_staff)
rules.add_perm("organisations.manage_representatives", is_org_admin | is_staff)
rules.add_perm("organisations.view_representatives", represents | is_staff)
