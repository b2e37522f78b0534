from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "joinery.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        from joinery.network import services as network_services

        from . import permissions  # noqa: F401  (registers the rules)
        from .services import framework as framework_services

        # A carried framework-adoption decision adopts the framework it names.
        network_services.DECISION_CLOSED_HOOKS.append(framework_services.apply_framework_decision)
