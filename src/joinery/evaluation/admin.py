"""Admin pages for support staff: read-only. Every change goes through the services, so it is
validated, audited and (after adoption) versioned; the admin must not bypass that."""

from django.contrib import admin

from .models import (
    Framework,
    FrameworkVersion,
    Indicator,
    IndicatorTarget,
    Measurement,
    MeasurementImport,
    MeasurementReminder,
    OpenDataPublication,
    Outcome,
    ReportingRequirement,
    RequirementItem,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["title", "partnership", "status", "revision", "period_kind", "starts_on", "ends_on"]
    list_filter = ["status", "period_kind"]
    search_fields = ["title", "partnership__name"]
    list_select_related = ["partnership"]


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ["title", "level", "framework", "contributes_to", "retired_at"]
    list_filter = ["level"]
    search_fields = ["title"]
    list_select_related = ["framework", "contributes_to"]


class TargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "framework", "serves", "question", "reporting_partner", "retired_at"]
    list_filter = ["serves", "question", "value_type"]
    search_fields = ["code", "name"]
    list_select_related = ["framework", "reporting_partner"]
    inlines = [TargetInline]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnlyAdmin):
    list_display = ["framework", "number", "summary", "created_by", "created_at"]
    list_select_related = ["framework", "created_by"]


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "period", "value", "reported_for", "source", "is_current", "reported_at"]
    list_filter = ["source", "is_current"]
    list_select_related = ["indicator", "reported_for"]
    raw_id_fields = ["indicator", "replaces", "batch"]


for model in (MeasurementImport, MeasurementReminder, ReportingRequirement, RequirementItem, OpenDataPublication):
    admin.site.register(model, ReadOnlyAdmin)
