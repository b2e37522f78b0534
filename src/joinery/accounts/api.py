"""API: who am I."""

from ninja import Router, Schema

from joinery.api.errors import ERROR_RESPONSES
from joinery.organisations.models import Representative

router = Router(tags=["me"])


class MyRoleOut(Schema):
    organisation_slug: str
    organisation_name: str
    role: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    is_staff: bool
    has_mfa: bool
    preferred_language: str
    token_scope: str | None
    roles: list[MyRoleOut]


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="The signed-in person and their roles")
def me(request):
    person = request.auth
    token = getattr(request, "api_token", None)
    roles = (Representative.objects.current().filter(person=person, organisation__is_active=True)
             .select_related("organisation").order_by("organisation__name", "role"))
    return {
        "id": person.pk, "email": person.email, "full_name": person.full_name, "is_staff": person.is_staff,
        "has_mfa": person.has_mfa(), "preferred_language": person.preferred_language,
        "token_scope": token.scope if token else None,
        "roles": [{"organisation_slug": r.organisation.slug, "organisation_name": r.organisation.name,
                   "role": r.role} for r in roles],
    }
