from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "joinery.agreements"
    label = "agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        # Join in what earlier apps do, without them importing us.
        from joinery.core.backup import register_integrity_check
        from joinery.network import services as network_services
        from joinery.organisations import services as organisation_services

        from . import selectors, services

        register_integrity_check("agreement_fingerprints", selectors.version_fingerprints)

        organisation_services.HANDOVER_HOOKS.append(services.pass_signature_requests_to_successor)
        network_services.DECISION_CLOSED_HOOKS.append(services.apply_review_decision)
