"""Writes about people and their tokens."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, ValidationError

from .models import ApiToken, ApiTokenScope, Person


@transaction.atomic
def person_create(*, actor: Person | None, email: str, full_name: str = "", password: str | None = None,
                  is_staff: bool = False, verified: bool = False) -> Person:
    email = (email or "").strip().lower()
    if Person.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A person with this email address already exists.")})
    person = Person(email=email, full_name=full_name, is_staff=is_staff, is_superuser=is_staff)
    person.set_password(password) if password else person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    if verified:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
    record_event(actor=actor or person, action="person.created", obj=person,
                 after={"email": email, "full_name": full_name, "is_staff": is_staff})
    return person


@transaction.atomic
def person_update_preferences(*, actor: Person, full_name: str, preferred_language: str,
                              email_invitations: bool, email_decisions: bool) -> Person:
    before = {"full_name": actor.full_name, "preferred_language": actor.preferred_language,
              "email_invitations": actor.email_invitations, "email_decisions": actor.email_decisions}
    actor.full_name = full_name
    actor.preferred_language = preferred_language
    actor.email_invitations = email_invitations
    actor.email_decisions = email_decisions
    actor.full_clean(exclude=["password"])
    actor.save()
    after = {"full_name": full_name, "preferred_language": preferred_language,
             "email_invitations": email_invitations, "email_decisions": email_decisions}
    record_event(actor=actor, action="person.preferences_changed", obj=actor, before=before, after=after)
    return actor


@transaction.atomic
def api_token_create(*, actor: Person, name: str, scope: str) -> tuple[ApiToken, str]:
    """Create a token; return it with the secret, which is never shown again."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name so you can recognise it later.")
    if scope not in ApiTokenScope.values:
        errors["scope"] = _("Choose read only or read and write.")
    if errors:
        raise ValidationError(errors)
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(person=actor, name=name, scope=scope, prefix=key[:10],
                                    key_hash=ApiToken.hash_key(key))
    record_event(actor=actor, action="api_token.created", obj=token, after={"name": name, "scope": scope})
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    if token.person_id != actor.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, action="api_token.revoked", obj=token)
    return token
