from django.contrib import admin

from .models import FeedbackChannel, FeedbackResponse, FeedbackTally


class ReadOnly(admin.ModelAdmin):
    """Feedback changes only through its services (audited, tallies kept exact): the admin site reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeedbackChannel)
class FeedbackChannelAdmin(ReadOnly):
    list_display = ("title", "partnership", "slug", "is_open", "created_at")
    list_filter = ("is_open",)
    list_select_related = ("partnership",)
    raw_id_fields = ("partnership", "programme", "created_by")


@admin.register(FeedbackResponse)
class FeedbackResponseAdmin(ReadOnly):
    list_display = ("submitted_at", "channel", "going", "trend", "feeling", "hidden_at")
    list_select_related = ("channel",)
    raw_id_fields = ("channel", "hidden_by")
    # No `exclude`: staff may need the hash to trace a flood; it never identifies the person.
    show_full_result_count = False


@admin.register(FeedbackTally)
class FeedbackTallyAdmin(ReadOnly):
    list_display = ("channel", "month", "responses", "going_sum", "feeling_sum", "better", "same", "worse", "unsure")
    list_select_related = ("channel",)
