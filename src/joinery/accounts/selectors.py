from django.utils import timezone

from .models import ApiToken


def person_for_token(key: str):
    """The person a live token belongs to, or None. Marks the token used."""
    if not key:
        return None, None
    token = (
        ApiToken.objects.select_related("person")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, person__is_active=True)
        .first()
    )
    if token is None:
        return None, None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.person, token


def tokens_for(person):
    return list(ApiToken.objects.filter(person=person).order_by("-created_at"))
