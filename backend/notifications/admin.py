"""Admin: the delivery outbox, with dead letters and their last error, and a retry action.

Read-only: deliveries change only through the dispatcher and ``deliveries_retry``. Nothing
here shows a recipient's phone, address or push token.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backend.notifications.dispatch import deliveries_retry
from backend.notifications.models import Delivery, DeliveryStatus


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "channel",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["=id", "=notification__id"]
    ordering = ["-created_at"]
    actions = ["retry_dead"]
    fields = [
        "notification",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "acknowledged_at",
        "fallback_checked_at",
        "last_error",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry the selected dead deliveries"))
    def retry_dead(self, request, queryset):
        ids = list(queryset.filter(status=DeliveryStatus.DEAD).values_list("id", flat=True))
        count = deliveries_retry(delivery_ids=ids)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be retried.",
                "%(count)d deliveries will be retried.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
