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
