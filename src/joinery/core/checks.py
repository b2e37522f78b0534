"""System checks for things a deployment gets wrong silently."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_from_environment(app_configs, **kwargs):
    errors = []
    if settings.SITE_URL.startswith("https") and not settings.SESSION_COOKIE_SECURE:
        errors.append(
            checks.Error(
                "The site is served over HTTPS but cookies are not marked secure.",
                hint="Set JOINERY_SECURE_COOKIES=1.",
                id="core.E101",
            )
        )
    return errors


@checks.register()
def check_fault_points_off(app_configs, **kwargs):
    """JOINERY_FAULT_PAUSE is for the kill -9 tests only: say so loudly if it is set."""
    if not settings.JOINERY_FAULT_PAUSE:
        return []
    return [checks.Warning(
        f"Fault points are on ({', '.join(sorted(settings.JOINERY_FAULT_PAUSE))}): those writes pause "
        f"{settings.JOINERY_FAULT_PAUSE_SECONDS:g} s before they commit.",
        hint="Unset JOINERY_FAULT_PAUSE: it is for tests/faults only (docs/faults.md).", id="core.W201")]
