from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "joinery.organisations"
    label = "organisations"
    verbose_name = _("Organisations")

    def ready(self) -> None:
        # Register the object-permission rules (rules' autodiscovery looks for rules.py only).
        from . import permissions  # noqa: F401
