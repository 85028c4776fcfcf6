"""JWT authentication bound to a signed-in device.

Every token carries the id of the ``Device`` it was issued to. Loading the user joins that
device, so a revoked device (or a deactivated account) is rejected on the very next request —
in the same single query simplejwt would spend on the user anyway. The user's preferred
language is activated here so that API messages come back in it.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

from backend.accounts.models import Device

DEVICE_CLAIM = "device"


class DeviceJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        device_id = validated_token.get(DEVICE_CLAIM)
        user_id = validated_token.get("sub")
        if not device_id or not user_id:
            raise InvalidToken(_("Token contained no recognizable user identification"))
        device = (
            Device.objects.select_related("user")
            .filter(id=device_id, user_id=user_id, revoked_at__isnull=True)
            .first()
        )
        if device is None or not device.user.is_active:
            raise AuthenticationFailed(
                _("This session has been signed out."), code="session_revoked"
            )
        user = device.user
        user.current_device_id = device.id
        if user.preferred_language:
            translation.activate(user.preferred_language)
        return user


class DeviceJWTScheme(SimpleJWTScheme):
    """Documents ``DeviceJWTAuthentication`` as the bearer JWT scheme in the OpenAPI schema."""

    target_class = "backend.accounts.authentication.DeviceJWTAuthentication"
    name = "jwtAuth"
