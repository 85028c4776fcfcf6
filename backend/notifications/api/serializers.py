"""Output shapes of the notification endpoints (inputs live next to their views)."""

from __future__ import annotations

from rest_framework import serializers

from backend.notifications import texts
from backend.notifications.models import Notification, NotificationPreference, PushToken


class NotificationOutput(serializers.ModelSerializer):
    text = serializers.SerializerMethodField(
        help_text="The same content-free sentence the push/SMS carried, in your language."
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "event",
            "subject_ref",
            "data",
            "urgent",
            "text",
            "created_at",
            "read_at",
            "updated_at",
        ]

    def get_text(self, notification: Notification) -> str:
        user = self.context["request"].user
        return texts.render(
            event=notification.event,
            subject_ref=notification.subject_ref,
            urgent=notification.urgent,
            language=user.preferred_language,
        ).body


class PushTokenOutput(serializers.ModelSerializer):
    token_suffix = serializers.SerializerMethodField(help_text="Last 6 characters only.")

    class Meta:
        model = PushToken
        fields = ["id", "platform", "token_suffix", "device", "created_at", "updated_at"]

    def get_token_suffix(self, push_token: PushToken) -> str:
        return push_token.token[-6:]


class PreferenceOutput(serializers.ModelSerializer):
    in_app = serializers.SerializerMethodField(help_text="Always on.")

    class Meta:
        model = NotificationPreference
        fields = ["in_app", "push", "sms", "email", "email_address", "time_zone"]

    def get_in_app(self, preference) -> bool:
        return True
