"""Device-bound JWTs: every refresh token (and the access tokens minted from it) names a Device.

Refresh tokens are tracked in simplejwt's ``OutstandingToken``/``BlacklistedToken`` tables by
``jti`` only: the ``token`` column is left empty so the database never holds a usable credential.
Blacklist checks happen in ``services`` under a lock on the device row (see
``device_tokens_refresh``), not in the token class, so that a reused token can be told apart
from a forged one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from backend.accounts.authentication import DEVICE_CLAIM
from backend.accounts.models import Device
from backend.core.errors import AppError

WWW_AUTHENTICATE = 'Bearer realm="api"'


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str
    device_id: uuid.UUID

    @property
    def access_expires_in(self) -> int:
        return int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds())


class DeviceRefreshToken(RefreshToken):
    """A refresh token whose blacklist check is left to the caller (done under a row lock)."""

    def check_blacklist(self) -> None:
        return None


@dataclass(frozen=True)
class RefreshClaims:
    jti: str
    user_id: str
    device_id: str
    expires_at: object


def unauthorized(message: str, code: str) -> AppError:
    return AppError(message, code=code, status=401, headers={"WWW-Authenticate": WWW_AUTHENTICATE})


def token_not_valid() -> AppError:
    return unauthorized(_("The refresh token is not valid or has expired."), "token_not_valid")


def refresh_token_read(raw: str) -> RefreshClaims:
    """Verify signature, expiry and type of a refresh token; raise a 401 ``AppError`` if bad."""
    try:
        token = DeviceRefreshToken(raw)
    except TokenError:
        raise token_not_valid() from None
    user_id = token.get(api_settings.USER_ID_CLAIM)
    device_id = token.get(DEVICE_CLAIM)
    try:
        uuid.UUID(str(device_id))
        uuid.UUID(str(user_id))
    except ValueError:
        raise token_not_valid() from None
    return RefreshClaims(
        jti=token[api_settings.JTI_CLAIM],
        user_id=str(user_id),
        device_id=str(device_id),
        expires_at=datetime_from_epoch(token["exp"]),
    )


def tokens_issue(device: Device) -> Tokens:
    """Mint a new refresh/access pair for ``device`` and record the refresh ``jti``."""
    refresh = DeviceRefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = str(device.user_id)
    refresh[DEVICE_CLAIM] = str(device.id)
    OutstandingToken.objects.create(
        user_id=device.user_id,
        jti=refresh[api_settings.JTI_CLAIM],
        token="",
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return Tokens(access=str(refresh.access_token), refresh=str(refresh), device_id=device.id)
