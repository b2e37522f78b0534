from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContributionsConfig(AppConfig):
    name = "joinery.contributions"
    label = "contributions"
    verbose_name = _("Contributions")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
