"""Console sign-in: password, then a TOTP code (or a one-time recovery code), with a per-account
lock-out and a per-client failure cap; enrolment; sign out everywhere. Every step is audited
(ids only). The console's case, moderation and statistics pages call the domain services
directly: nothing here decides who may see a complaint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.contrib import auth
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from backend.accounts.models import STAFF_ROLES, User
from backend.audit.services import audit_record
from backend.console.models import ConsoleAccount
from backend.core import clock
from backend.core.errors import AppError

#: Session keys. ``PENDING`` holds the user who passed the password step (not signed in yet).
PENDING = "console_pending"
GENERATION = "console_generation"
LAST_SEEN = "console_last_seen"
PENDING_SECONDS = 300
TOTP_DEVICE_NAME = "console"
RECOVERY_DEVICE_NAME = "console recovery codes"


class SignInError(AppError):
    default_code = "invalid_credentials"


def _invalid() -> SignInError:
    return SignInError(_("The user name, password or code is not right."))


def _locked() -> SignInError:
    return SignInError(_("Too many failed attempts. Try again later."), code="locked", status=429)


def account_for(user: User) -> ConsoleAccount:
    account, _created = ConsoleAccount.objects.get_or_create(user=user)
    return account


def _client_key(client_ip: str) -> str:
    return f"console:signin-failures:{client_ip}"


def _client_blocked(client_ip: str) -> bool:
    return (cache.get(_client_key(client_ip)) or 0) >= settings.CONSOLE_CLIENT_MAX_FAILURES


def _is_locked(user: User, now: dt.datetime) -> bool:
    account = ConsoleAccount.objects.filter(user=user).first()
    return bool(account and account.locked_until and account.locked_until > now)


def _record_failure(*, user: User | None, client_ip: str, step: str) -> None:
    """Count a failure for the client and, when the account exists, for the account (locking
    it after ``CONSOLE_MAX_FAILED_ATTEMPTS``). Committed on its own: the caller then raises."""
    key = _client_key(client_ip)
    cache.add(key, 0, settings.CONSOLE_LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, settings.CONSOLE_LOCKOUT_SECONDS)
    if user is None:
        return
    with transaction.atomic():
        account_for(user)
        account = ConsoleAccount.objects.select_for_update().get(user=user)
        account.failed_attempts += 1
        locked = account.failed_attempts >= settings.CONSOLE_MAX_FAILED_ATTEMPTS
        if locked:
            account.locked_until = clock.now() + dt.timedelta(
                seconds=settings.CONSOLE_LOCKOUT_SECONDS
            )
            account.failed_attempts = 0
        account.save(update_fields=["failed_attempts", "locked_until"])
        audit_record(action="console.sign_in_failed", actor=user, target=user, step=step)
        if locked:
            audit_record(action="console.account_locked", actor=user, target=user)


def password_check(*, request, username: str, password: str, client_ip: str) -> User:
    """Step 1. Returns the staff user whose password matches; raises ``SignInError`` with the
    same message whether the name or the password is wrong. A locked account is refused
    before its password is even checked, so guessing cannot continue during the lock."""
    if _client_blocked(client_ip):
        raise _locked()
    now = clock.now()
    candidate = User.objects.filter(username=username).first()
    if candidate is not None and _is_locked(candidate, now):
        raise _locked()
    user = auth.authenticate(request, username=username, password=password)
    if user is None:
        _record_failure(user=candidate, client_ip=client_ip, step="password")
        raise _invalid()
    if user.role not in STAFF_ROLES:
        audit_record(action="console.sign_in_refused", actor=user, target=user, role=user.role)
        raise SignInError(
            _("The console is for inspectors, caseworkers and moderators only."),
            code="not_staff",
            status=403,
        )
    return user


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def token_check(*, user: User, token: str, client_ip: str) -> TOTPDevice | StaticDevice:
    """Step 2. A 6-digit code from the authenticator app, or one recovery code (used up)."""
    if _client_blocked(client_ip) or _is_locked(user, clock.now()):
        raise _locked()
    token = (token or "").strip().replace(" ", "").lower()
    device = confirmed_totp(user)
    if device is not None and token.isdigit() and device.verify_token(token):
        return device
    for static in StaticDevice.objects.filter(user=user, confirmed=True):
        if token and static.verify_token(token):
            audit_record(action="console.recovery_code_used", actor=user, target=user)
            return static
    _record_failure(user=user, client_ip=client_ip, step="token")
    raise _invalid()


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device shown as a QR code until its first code is entered."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


def enrolment_confirm(*, user: User, token: str, client_ip: str) -> Enrolment:
    """Confirm the pending device with its first code and issue fresh recovery codes (shown
    once; django-otp keeps them to compare). Replaces any earlier devices of the user."""
    if _client_blocked(client_ip) or _is_locked(user, clock.now()):
        raise _locked()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    token = (token or "").strip().replace(" ", "")
    if device is None or not token.isdigit() or not device.verify_token(token):
        _record_failure(user=user, client_ip=client_ip, step="enrolment")
        raise _invalid()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(settings.CONSOLE_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
        account_for(user)
        ConsoleAccount.objects.filter(user=user).update(enrolled_at=clock.now())
        audit_record(action="console.totp_enrolled", actor=user, target=user)
    return Enrolment(device=device, recovery_codes=codes)


def sign_in_complete(*, request, user: User, device) -> None:
    """Both factors passed: a fresh session (new key) bound to the device and to the user's
    current session generation."""
    request.session.pop(PENDING, None)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    django_otp.login(request, device)
    with transaction.atomic():
        account_for(user)
        account = ConsoleAccount.objects.select_for_update().get(user=user)
        account.failed_attempts = 0
        account.locked_until = None
        account.last_sign_in_at = clock.now()
        account.save(update_fields=["failed_attempts", "locked_until", "last_sign_in_at"])
        audit_record(action="console.signed_in", actor=user, target=user)
    request.session[GENERATION] = account.session_generation
    request.session[LAST_SEEN] = clock.now().timestamp()
    request.session.set_expiry(settings.CONSOLE_IDLE_TIMEOUT_SECONDS)


def sign_out(*, request, everywhere: bool = False) -> None:
    user = request.user
    if user.is_authenticated:
        if everywhere:
            with transaction.atomic():
                account_for(user)
                ConsoleAccount.objects.filter(user=user).update(
                    session_generation=F("session_generation") + 1
                )
                audit_record(action="console.signed_out_everywhere", actor=user, target=user)
        else:
            audit_record(action="console.signed_out", actor=user, target=user)
    auth.logout(request)


def session_valid(request) -> bool:
    """The middleware's check on every console request: a staff user, verified with a
    confirmed device of their own, whose session generation is current and who has not been
    idle longer than ``CONSOLE_IDLE_TIMEOUT_SECONDS``."""
    user = request.user
    session = request.session
    if not user.is_authenticated or not user.is_active or user.role not in STAFF_ROLES:
        return False
    device_id = session.get(django_otp.DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(device_id) if device_id else None
    if device is None or device.user_id != user.pk or not device.confirmed:
        return False
    last_seen = session.get(LAST_SEEN)
    now = clock.now().timestamp()
    if last_seen is None or now - float(last_seen) > settings.CONSOLE_IDLE_TIMEOUT_SECONDS:
        return False
    generation = (
        ConsoleAccount.objects.filter(user=user)
        .values_list("session_generation", flat=True)
        .first()
    )
    if generation is None or generation != session.get(GENERATION):
        return False
    user.otp_device = device
    session[LAST_SEEN] = now
    return True


def pending_set(request, user: User) -> None:
    request.session.cycle_key()
    request.session[PENDING] = {"user": str(user.pk), "at": clock.now().timestamp()}


def pending_user(request) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or clock.now().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True, role__in=STAFF_ROLES).first()
