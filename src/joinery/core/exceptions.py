"""Errors that services raise and every entry point (web, API, CLI) shows as-is."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = ["ValidationError", "PermissionDenied", "StaleEdit", "MFARequired", "NotFound"]


class StaleEdit(ValidationError):
    """Someone else saved this object after the caller read it."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "Someone else changed this after you opened it. Your changes have not been "
                "saved: reload the page to see their version, then make your changes again."
            ),
            code="stale",
        )


class MFARequired(PermissionDenied):
    """The person acts for a public body and has not set up two-factor authentication."""


class NotFound(Exception):
    pass


def check_version(obj, expected_version: int | None) -> None:
    """Refuse the write when the caller's copy is older than the stored one."""
    if expected_version is not None and int(expected_version) != obj.version:
        raise StaleEdit()
