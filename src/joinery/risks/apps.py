from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "joinery.risks"
    label = "risks"
    verbose_name = _("Risks")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
