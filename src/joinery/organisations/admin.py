from django.contrib import admin

from .models import Jurisdiction, Organisation, Representative


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "level", "jurisdiction", "is_active"]
    list_filter = ["sector", "level", "is_active"]
    search_fields = ["name"]


admin.site.register(Jurisdiction)
admin.site.register(Representative)
