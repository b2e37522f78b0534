from django.contrib import admin

from .models import Contribution, ContributionImport, ValuationRate


class ReadOnly(admin.ModelAdmin):
    """The ledger changes only through its services (audited, never edited in place): the admin site reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Contribution)
class ContributionAdmin(ReadOnly):
    list_display = ("date", "partnership", "organisation", "sector", "kind", "quantity", "unit", "value", "currency",
                    "withdrawn_at")
    list_filter = ("kind", "sector")
    list_select_related = ("partnership", "organisation")
    raw_id_fields = ("partnership", "organisation", "person", "rate", "commitment", "work_item", "batch",
                     "recorded_by", "replaces")


@admin.register(ValuationRate)
class ValuationRateAdmin(ReadOnly):
    list_display = ("partnership", "work_kind", "label", "hourly_rate", "currency", "valid_from", "valid_until")
    list_select_related = ("partnership",)


@admin.register(ContributionImport)
class ContributionImportAdmin(ReadOnly):
    list_display = ("created_at", "partnership", "acting_for", "filename", "rows", "status")
    list_select_related = ("partnership", "acting_for")
