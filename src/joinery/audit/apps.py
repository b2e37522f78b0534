from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "joinery.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from joinery.core.backup import register_integrity_check

        from .selectors import chain_summary

        register_integrity_check("audit_chain", chain_summary)
