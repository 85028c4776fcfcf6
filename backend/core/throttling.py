"""Throttles for the sign-in and code endpoints: per client IP and per account.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` and are read on every request (not
frozen at import as in DRF's ``SimpleRateThrottle``), so settings overrides apply at once.
Account keys are an HMAC of the normalised phone number or username: the cache never holds a
phone number. Throttling protects resources; it is not an access control.
"""

from __future__ import annotations

import phonenumbers
from django.utils.crypto import salted_hmac
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

_KEY_SALT = "fairtrail.core.throttling"


def _digest(value: str) -> str:
    return salted_hmac(_KEY_SALT, value, algorithm="sha256").hexdigest()[:32]


class _RateFromSettings(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class ClientThrottle(_RateFromSettings):
    """Per client IP (``NUM_PROXIES`` decides which X-Forwarded-For entry is trusted)."""

    def get_cache_key(self, request, view):
        ident = self.get_ident(request)
        if not ident:
            return None
        return self.cache_format % {"scope": self.scope, "ident": _digest(ident)}


class AccountThrottle(_RateFromSettings):
    """Per account named in the request body: ``phone`` (normalised to E.164) or ``username``."""

    def get_cache_key(self, request, view):
        ident = account_identifier(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": _digest(ident)}


def _e164_or_raw(text: str) -> str:
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def account_identifier(request) -> str | None:
    data = request.data if hasattr(request.data, "get") else {}
    phone = data.get("phone")
    if isinstance(phone, str) and phone.strip():
        return "phone:" + _e164_or_raw(phone.strip())
    username = data.get("username")
    if isinstance(username, str) and username.strip():
        return "user:" + username.strip().lower()
    return None


class LoginClientThrottle(ClientThrottle):
    scope = "login_client"


class LoginAccountThrottle(AccountThrottle):
    scope = "login_account"


class CodeClientThrottle(ClientThrottle):
    scope = "code_client"


class CodeAccountThrottle(AccountThrottle):
    scope = "code_account"


class RegisterClientThrottle(ClientThrottle):
    scope = "register_client"


class UserThrottle(_RateFromSettings):
    """Per signed-in user, for expensive writes (uploads, reviews)."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": str(request.user.pk)}


class VaultUploadThrottle(UserThrottle):
    """New documents, versions and resumable uploads (not the PATCHes of one upload)."""

    scope = "vault_upload"
