"""Throttles for the sign-in and code endpoints: per client IP and per account.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` and are read on every request (not
frozen at import as in DRF's ``SimpleRateThrottle``), so settings overrides apply at once.
Account keys are an HMAC of the normalised phone number or username: the cache never holds a
phone number. Client IPs come from DRF's ``get_ident``, which trusts exactly ``NUM_PROXIES``
entries of X-Forwarded-For (0: ``REMOTE_ADDR``). Throttling protects resources; it is not an
access control.

``phone_code_request_allow`` limits requests that may send an SMS code (registration, resend)
per phone number: one per ``PHONE_CODE_MIN_INTERVAL_SECONDS`` and ``PHONE_CODE_DAILY_MAX`` a day.
It counts every valid request for the number, whether or not a code goes out, so its 429 says
nothing about whether the number is registered.
"""

from __future__ import annotations

import math

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from backend.core import clock

_KEY_SALT = "fairtrail.core.throttling"
PHONE_CODE_WINDOW_SECONDS = 24 * 3600


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


class RegisterAccountThrottle(AccountThrottle):
    """Registrations per phone number, whichever client sends them."""

    scope = "register_account"


def phone_code_request_allow(phone: str) -> int | None:
    """Count a request for a code to ``phone`` (E.164); ``None`` if allowed, else the seconds
    to wait (nothing is counted then).

    Callers validate the request first (a typo in the password must not cost the user a
    minute) and call this for every valid request whatever the number's state.
    """
    now = clock.now().timestamp()
    key = "throttle_phone_code_" + _digest("phone:" + phone)
    history = [t for t in cache.get(key, []) if t > now - PHONE_CODE_WINDOW_SECONDS]
    waits = []
    if history and now - history[-1] < settings.PHONE_CODE_MIN_INTERVAL_SECONDS:
        waits.append(history[-1] + settings.PHONE_CODE_MIN_INTERVAL_SECONDS - now)
    daily_max = settings.PHONE_CODE_DAILY_MAX
    if len(history) >= daily_max:
        waits.append(history[-daily_max] + PHONE_CODE_WINDOW_SECONDS - now)
    if waits:
        return max(1, math.ceil(max(waits)))
    history.append(now)
    cache.set(key, history, PHONE_CODE_WINDOW_SECONDS)
    return None


class UserThrottle(_RateFromSettings):
    """Per signed-in user, for expensive writes (uploads, reviews)."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": str(request.user.pk)}


class VaultUploadThrottle(UserThrottle):
    """New documents, versions and resumable uploads (not the PATCHes of one upload)."""

    scope = "vault_upload"
