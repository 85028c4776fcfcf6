"""Output shapes shared by several account endpoints (inputs live next to their views)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from backend.accounts.models import Device, Organisation, User


class StrictInputMixin:
    """Reject fields the endpoint does not accept (e.g. ``role`` on PATCH /me) with a 400."""

    def validate(self, attrs):
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(set(getattr(self, "initial_data", {}) or {}) - writable)
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed here.")] for name in unknown}
            )
        return super().validate(attrs)


class TokensOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    device_id = serializers.UUIDField()
    token_type = serializers.CharField(default="Bearer")
    access_expires_in = serializers.IntegerField(
        help_text="Seconds until the access token expires."
    )


def tokens_data(tokens) -> dict:
    return TokensOutput(
        {
            "access": tokens.access,
            "refresh": tokens.refresh,
            "device_id": tokens.device_id,
            "token_type": "Bearer",
            "access_expires_in": tokens.access_expires_in,
        }
    ).data


class OrganisationOutput(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "country", "updated_at"]


class UserOutput(serializers.ModelSerializer):
    phone_verified = serializers.BooleanField(read_only=True)
    organisation = OrganisationOutput(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "role",
            "display_name",
            "phone",
            "phone_verified",
            "preferred_language",
            "country",
            "region",
            "sectors",
            "organisation",
            "date_joined",
            "updated_at",
        ]
        read_only_fields = fields


class DeviceOutput(serializers.ModelSerializer):
    is_current = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "name",
            "is_current",
            "is_active",
            "created_at",
            "last_seen_at",
            "revoked_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_current(self, device: Device) -> bool:
        current = getattr(self.context.get("request").user, "current_device_id", None)
        return current == device.id
