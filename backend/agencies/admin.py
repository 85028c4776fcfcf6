from django.contrib import admin

from backend.agencies.models import (
    Agency,
    AgencyRepresentative,
    Corridor,
    ModerationDecision,
)
from backend.agencies.services import agency_search_text_refresh


class CorridorInline(admin.TabularInline):
    model = Corridor
    extra = 1


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "licence_number", "licence_status", "last_checked")
    list_filter = ("country", "licence_status")
    search_fields = ("name", "licence_number", "search_text")
    inlines = [CorridorInline]

    def save_model(self, request, obj, form, change):
        agency_search_text_refresh(obj)
        super().save_model(request, obj, form, change)


@admin.register(AgencyRepresentative)
class AgencyRepresentativeAdmin(admin.ModelAdmin):
    list_display = ("agency", "user", "created_at")
    raw_id_fields = ("agency", "user")


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(admin.ModelAdmin):
    """Read-only trail of moderation decisions."""

    list_display = ("created_at", "action", "review_id", "moderator")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
