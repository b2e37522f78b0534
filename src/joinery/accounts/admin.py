from django.contrib import admin

from .models import ApiToken, Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    exclude = ["password"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "person", "scope", "created_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix"]
