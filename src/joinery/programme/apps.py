from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "joinery.programme"
    label = "programme"
    verbose_name = _("Work programme")

    def ready(self) -> None:
        from joinery.network import services as network_services

        from . import (
            permissions,  # noqa: F401  (registers the rules)
            services,
        )

        # A carried programme-change decision applies the change it carried.
        network_services.DECISION_CLOSED_HOOKS.append(services.apply_programme_decision)
