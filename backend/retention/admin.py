from django.contrib import admin

from backend.retention.models import PurgeRun, RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "document_kind", "basis", "days", "updated_at")
    list_filter = ("category",)


@admin.register(PurgeRun)
class PurgeRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "dry_run", "status", "finished_at", "counts")
    readonly_fields = (
        "dry_run",
        "status",
        "started_at",
        "finished_at",
        "counts",
        "reached_deadline",
    )

    def has_add_permission(self, request):
        return False
