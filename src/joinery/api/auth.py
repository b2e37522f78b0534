"""Who is calling: a personal API token (Bearer), the browser session, or nobody.

Each operation lists the ways it accepts. Reads of public data also accept the
anonymous caller; everything else needs a person. A read-only token is refused
(403) on any unsafe method before the operation runs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer

from joinery.accounts.models import ApiTokenScope
from joinery.accounts.selectors import person_for_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer jny_…`: a personal API token created on the account page."""

    def authenticate(self, request: HttpRequest, token: str):
        person, api_token = person_for_token(token.strip())
        if person is None:
            return None
        if request.method not in SAFE_METHODS and api_token.scope != ApiTokenScope.READ_WRITE:
            raise AuthorizationError(
                message=_("This token can only read. Create a read and write token to make changes.")
            )
        request.api_token = api_token
        return person


class SessionAuth(APIKeyCookie):
    """The signed-in browser session. Unsafe methods need the CSRF token (X-CSRFToken)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None  # no session: let the next method answer, without a CSRF error
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        return request.user if request.user.is_authenticated else None


class Anonymous:
    """Nobody signed in: allowed where an operation reads public data.

    A request that sends credentials which do not work is refused (401) rather
    than quietly served as anonymous, so a revoked token is noticed.
    """

    def __call__(self, request: HttpRequest):
        if request.headers.get("Authorization"):
            return None
        return AnonymousUser()


token_auth = TokenAuth()
session_auth = SessionAuth()

#: A person must be identified.
PERSON = [token_auth, session_auth]
#: Anyone, including nobody; what they see depends on who they are.
ANYONE = [token_auth, session_auth, Anonymous()]
#: OpenAPI for ANYONE: ninja lists the two schemes; this adds "or none at all".
ANYONE_OPENAPI = {"security": [{}]}
