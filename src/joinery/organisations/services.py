"""Writes about organisations and representatives. Web, API and CLI all call these."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from joinery.audit.services import record_event, snapshot
from joinery.core.exceptions import MFARequired, PermissionDenied, ValidationError, check_version

from .models import Jurisdiction, Organisation, Representative, RepresentativeRole, Sector

ORGANISATION_FIELDS = [
    "name", "sector", "level", "jurisdiction", "identifier_scheme", "identifier",
    "email", "phone", "address", "website", "description",
]


def require_can_act_for(person, organisation: Organisation, *, roles: list[str] | None = None) -> Representative:
    """The person's current role for `organisation`, or PermissionDenied.

    Anyone acting for a public body must have set up two-factor authentication.
    """
    if person is None or not person.is_authenticated:
        raise PermissionDenied(_("Sign in to act for an organisation."))
    qs = organisation.representatives.current().filter(person=person)
    if roles:
        qs = qs.filter(role__in=roles)
    rep = qs.order_by("role").first()
    if rep is None:
        raise PermissionDenied(
            _("You do not hold a role for %(org)s that allows this.") % {"org": organisation.name}
        )
    if organisation.is_public_body and not person.has_mfa():
        raise MFARequired(
            _("You represent a public body: set up two-factor authentication before acting for %(org)s.")
            % {"org": organisation.name}
        )
    return rep


RESERVED_SLUGS = {"new"}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 2
    # "new" is the registration page's URL, so no organisation may take it.
    while slug in RESERVED_SLUGS or Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _validate_org(org: Organisation) -> None:
    errors = {}
    if org.sector == Sector.PUBLIC and not org.level:
        errors["level"] = _("Choose the level of government for a public body.")
    if org.sector != Sector.PUBLIC and org.level:
        errors["level"] = _("Only public bodies have a level of government.")
    if bool(org.identifier) != bool(org.identifier_scheme):
        errors["identifier"] = _("Give both the identifier type and the identifier, or neither.")
    if errors:
        raise ValidationError(errors)
    org.full_clean(exclude=["slug"] if not org.slug else None)


@transaction.atomic
def organisation_create(*, actor, first_admin=None, **fields) -> Organisation:
    """Register an organisation; the creator (or `first_admin`) becomes its administrator."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to register an organisation."))
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    org = Organisation(**fields)
    org.name = (org.name or "").strip()
    _validate_org(org)
    if Organisation.objects.filter(name__iexact=org.name, jurisdiction=org.jurisdiction, is_active=True).exists():
        raise ValidationError({"name": _("An organisation with this name is already registered in this jurisdiction.")})
    org.slug = _unique_slug(org.name)
    org.save()
    record_event(actor=actor, action="organisation.created", obj=org, after=snapshot(org, ORGANISATION_FIELDS))
    admin = first_admin or actor
    _add_role(actor=actor, organisation=org, person=admin, role=RepresentativeRole.ADMIN)
    return org


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, expected_version: int | None = None,
                        **fields) -> Organisation:
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not actor.has_perm("organisations.change_organisation", org):
        raise PermissionDenied(_("Only an administrator of %(org)s can change it.") % {"org": org.name})
    if not actor.is_staff:
        require_can_act_for(actor, org, roles=[RepresentativeRole.ADMIN])
    check_version(org, expected_version)
    before = snapshot(org, ORGANISATION_FIELDS)
    for name, value in fields.items():
        if name not in ORGANISATION_FIELDS:
            raise ValidationError(_("Unknown field: %(f)s") % {"f": name})
        setattr(org, name, value)
    _validate_org(org)
    org.version += 1
    org.save()
    record_event(actor=actor, action="organisation.updated", obj=org, acting_for=org,
                 before=before, after=snapshot(org, ORGANISATION_FIELDS))
    return org


@transaction.atomic
def organisation_close(*, actor, organisation: Organisation, reason: str) -> Organisation:
    """Close (soft-delete) an organisation. Refused while it is a partner anywhere."""
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not actor.has_perm("organisations.close_organisation", org):
        raise PermissionDenied(_("Only an administrator of %(org)s can close it.") % {"org": org.name})
    if not actor.is_staff:
        require_can_act_for(actor, org, roles=[RepresentativeRole.ADMIN])
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the organisation is being closed.")})
    from django.apps import apps

    Partner = apps.get_model("network", "Partner")
    active = list(
        Partner.objects.filter(organisation=org, status="active").select_related("partnership")[:5]
    )
    if active:
        names = ", ".join(p.partnership.name for p in active)
        raise ValidationError(
            _("%(org)s is still a partner in: %(names)s. It must withdraw or be removed first.")
            % {"org": org.name, "names": names}
        )
    now = timezone.now()
    org.is_active = False
    org.closed_at = now
    org.version += 1
    org.save()
    for rep in org.representatives.current():
        rep.ended_at = now
        rep.end_reason = _("Organisation closed")
        rep.save(update_fields=["ended_at", "end_reason", "updated_at"])
    record_event(actor=actor, action="organisation.closed", obj=org, acting_for=org, after={"reason": reason})
    return org


def _add_role(*, actor, organisation, person, role, successor_of=None) -> Representative:
    rep = Representative(person=person, organisation=organisation, role=role,
                         started_at=timezone.now(), successor_of=successor_of)
    rep.full_clean()
    try:
        with transaction.atomic():
            rep.save()
    except IntegrityError as exc:
        raise ValidationError(_("%(person)s already holds this role.") % {"person": person}) from exc
    record_event(actor=actor, action="representative.added", obj=rep, acting_for=organisation,
                 after={"person": person.pk, "organisation": organisation.pk, "role": role})
    return rep


@transaction.atomic
def representative_add(*, actor, organisation: Organisation, person, role: str) -> Representative:
    if not actor.has_perm("organisations.manage_representatives", organisation):
        raise PermissionDenied(_("Only an administrator of %(org)s can add representatives.") % {"org": organisation.name})
    if not actor.is_staff:
        require_can_act_for(actor, organisation, roles=[RepresentativeRole.ADMIN])
    if not organisation.is_active:
        raise ValidationError(_("%(org)s is closed.") % {"org": organisation.name})
    if role not in RepresentativeRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    if organisation.representatives.current().filter(person=person, role=role).exists():
        raise ValidationError({"person": _("%(person)s already holds this role.") % {"person": person}})
    return _add_role(actor=actor, organisation=organisation, person=person, role=role)


@transaction.atomic
def representative_end(*, actor, representative: Representative, reason: str = "") -> Representative:
    rep = Representative.objects.select_for_update().select_related("organisation", "person").get(pk=representative.pk)
    org = rep.organisation
    if not actor.has_perm("organisations.manage_representatives", org):
        raise PermissionDenied(_("Only an administrator of %(org)s can remove representatives.") % {"org": org.name})
    if not actor.is_staff:
        require_can_act_for(actor, org, roles=[RepresentativeRole.ADMIN])
    if rep.ended_at is not None:
        raise ValidationError(_("This role has already ended."))
    _check_reason_length(reason)
    if rep.role == RepresentativeRole.ADMIN and not org.representatives.current().filter(
        role=RepresentativeRole.ADMIN).exclude(pk=rep.pk).exists():
        raise ValidationError(
            _("%(org)s must keep at least one administrator. Add another administrator first, "
              "or hand this person's roles to a successor.") % {"org": org.name}
        )
    rep.ended_at = timezone.now()
    rep.end_reason = reason
    rep.save(update_fields=["ended_at", "end_reason", "updated_at"])
    record_event(actor=actor, action="representative.ended", obj=rep, acting_for=org,
                 after={"reason": reason})
    return rep


def _check_reason_length(reason: str) -> None:
    if len(reason or "") > 250:
        raise ValidationError({"reason": _("Keep the reason to 250 characters or fewer.")})


# Other apps register what else passes to a successor (e.g. pending signature
# requests in agreements) from their AppConfig.ready(), so this app need not know them.
HANDOVER_HOOKS: list = []


@transaction.atomic
def representative_hand_over(*, actor, organisation: Organisation, leaving, successor,
                             reason: str = "") -> list[Representative]:
    """Hand every current role `leaving` holds for `organisation` to `successor`.

    The successor must already represent the organisation (an administrator adds
    them first), so a role never passes outside it. Nothing is left orphaned.
    """
    if not actor.has_perm("organisations.manage_representatives", organisation):
        raise PermissionDenied(_("Only an administrator of %(org)s can hand over roles.") % {"org": organisation.name})
    if not actor.is_staff:
        require_can_act_for(actor, organisation, roles=[RepresentativeRole.ADMIN])
    _check_reason_length(reason)
    if leaving.pk == successor.pk:
        raise ValidationError({"successor": _("The successor must be a different person.")})
    current = organisation.representatives.current()
    if not current.filter(person=successor).exists():
        raise ValidationError(
            {"successor": _("%(person)s does not represent %(org)s. Add them as a representative first.")
             % {"person": successor, "org": organisation.name}}
        )
    roles = list(current.select_for_update().filter(person=leaving))
    if not roles:
        raise ValidationError({"leaving": _("%(person)s holds no current role for %(org)s.")
                               % {"person": leaving, "org": organisation.name}})
    now = timezone.now()
    created = []
    held = set(current.filter(person=successor).values_list("role", flat=True))
    for rep in roles:
        rep.ended_at = now
        rep.end_reason = reason or _("Handed over to %(person)s") % {"person": successor}
        rep.save(update_fields=["ended_at", "end_reason", "updated_at"])
        record_event(actor=actor, action="representative.ended", obj=rep, acting_for=organisation,
                     after={"reason": rep.end_reason, "successor": successor.pk})
        if rep.role not in held:
            created.append(_add_role(actor=actor, organisation=organisation, person=successor,
                                     role=rep.role, successor_of=rep))
    for hook in HANDOVER_HOOKS:
        hook(actor=actor, organisation=organisation, leaving=leaving, successor=successor)
    return created


@transaction.atomic
def jurisdiction_create(*, actor, name: str, parent: Jurisdiction | None = None) -> Jurisdiction:
    if not actor.is_staff:
        raise PermissionDenied(_("Only administrators manage jurisdictions."))
    j = Jurisdiction(name=name.strip(), parent=parent)
    j.full_clean()
    j.save()
    record_event(actor=actor, action="jurisdiction.created", obj=j, after={"name": j.name, "parent": parent and parent.pk})
    return j
