"""Admin: read-mostly. Sealed text is never shown; state changes go through the API's services
(the admin cannot move a complaint through the workflow and skip its checks)."""

from django.contrib import admin

from backend.complaints.models import Complaint, ComplaintEvent, Supervisor


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    fields = ("at", "action", "from_state", "to_state", "actor_role")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("reference", "state", "priority", "workplace_country", "sector", "due_at")
    list_filter = ("state", "priority", "workplace_country")
    search_fields = ("reference",)
    fields = (
        "reference",
        "state",
        "version",
        "categories",
        "priority",
        "computed_priority",
        "priority_overridden",
        "workplace_country",
        "workplace_region",
        "sector",
        "assigned_inspector",
        "submitted_at",
        "triage_due_at",
        "decision_due_at",
        "due_at",
        "resolved_at",
        "closed_at",
        "outcome",
    )
    readonly_fields = fields
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Supervisor)
class SupervisorAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    raw_id_fields = ("user",)
