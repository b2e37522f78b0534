"""One error shape for every answer that is not a success.

    {"detail": "What went wrong, in a sentence.", "errors": {"field": ["message", …]}}

`errors` names the fields at fault (`__all__` for the request as a whole) and is
empty when no field is to blame (401, 403, 404). Business rules live in the
services: their ValidationError becomes 400, or 409 when it says the caller's
copy is stale; a request that does not match the schema is 422.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


#: Documented on every operation, so clients (and schemathesis) know the shape.
ERROR_RESPONSES = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}


def error_body(detail, errors: dict | None = None) -> dict:
    return {"detail": str(detail), "errors": errors or {}}


def _codes(exc: DjangoValidationError) -> set:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


def validation_error_body(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    else:
        errors = {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}
    messages = errors.get(NON_FIELD_ERRORS) or next(iter(errors.values()), None) or [_("The request is not valid.")]
    return error_body(messages[0], errors)


def request_validation_error_body(exc: RequestValidationError) -> dict:
    """Ninja's schema errors, keyed by field (`name`, `limit`, `address.city`) instead of location."""
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ())]
        source = loc.pop(0) if loc else ""
        if source == "body" and loc:
            loc.pop(0)  # the name of the view's body parameter says nothing to the client
        field = ".".join(loc) or NON_FIELD_ERRORS
        errors.setdefault(field, []).append(str(err.get("msg", _("Not valid."))))
    return error_body(_("The request is not valid: see the errors for each field."), errors)


def install(api) -> None:
    """Register the handlers on the NinjaAPI `api`."""

    def respond(request: HttpRequest, body: dict, status: int) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(DjangoValidationError)
    def service_validation_error(request, exc):
        return respond(request, validation_error_body(exc), 409 if "stale" in _codes(exc) else 400)

    @api.exception_handler(RequestValidationError)
    def request_validation_error(request, exc):
        return respond(request, request_validation_error_body(exc), 422)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        response = respond(request, error_body(
            _("Sign in, or send a valid API token as “Authorization: Bearer <token>”.")), 401)
        response["WWW-Authenticate"] = 'Bearer realm="joinery"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        # e.g. 400 "Cannot parse request body": the request as a whole is at fault.
        errors = {NON_FIELD_ERRORS: [exc.message]} if exc.status_code in (400, 422) else None
        return respond(request, error_body(exc.message, errors), exc.status_code)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        # MFARequired is a PermissionDenied: its message says what to set up.
        return respond(request, error_body(str(exc) or _("You do not have permission to do this.")), 403)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, error_body(_("Not found.")), 404)

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return respond(request, error_body(_("Not found.")), 404)
