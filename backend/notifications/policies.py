"""Who sees which notification rows: only their recipient (anyone else gets a 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.notifications.models import Notification, PushToken


def notifications_visible_to(user) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def push_tokens_visible_to(user) -> QuerySet[PushToken]:
    if not getattr(user, "is_authenticated", False):
        return PushToken.objects.none()
    return PushToken.objects.filter(user_id=user.pk)
