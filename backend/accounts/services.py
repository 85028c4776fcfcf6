"""Account writes: registration, phone verification, sign-in, token rotation, devices, staff.

Every function runs in one transaction and records an audit event in it. Audit data holds ids
and codes only: never phone numbers, names or codes.

Errors that must *persist* a change (a failed code attempt, a device revoked because a rotated
refresh token came back) are raised after the transaction block has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_unicode_slug
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from phonenumbers import SUPPORTED_REGIONS
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from backend.accounts.codes import code_generate, code_hash, code_matches
from backend.accounts.models import Device, Organisation, PhoneVerification, Role, User
from backend.accounts.phones import phone_normalize
from backend.accounts.policies import can_create_staff
from backend.accounts.tokens import (
    Tokens,
    refresh_token_read,
    token_not_valid,
    tokens_issue,
    unauthorized,
)
from backend.audit.services import audit_record
from backend.core import clock
from backend.core.errors import AppError, Conflict, PermissionDenied
from backend.core.sms import send_sms
from backend.core.throttling import PHONE_CODE_WINDOW_SECONDS, phone_code_request_allow

logger = logging.getLogger("fairtrail.accounts")

#: Roles an administrator may create (workers sign up in the app).
STAFF_CREATABLE_ROLES = (
    Role.INSPECTOR,
    Role.NGO_CASEWORKER,
    Role.MODERATOR,
    Role.AGENCY_REPRESENTATIVE,
    Role.ADMIN,
)
T = TypeVar("T")
PURGE_BATCH_SIZE = 1000
PURGE_DEADLINE = timedelta(seconds=60)
#: The per-number caps count the codes (and wrong tries) of this long.
PHONE_CODE_WINDOW = timedelta(seconds=PHONE_CODE_WINDOW_SECONDS)


# --- helpers --------------------------------------------------------------------------------


def _validation(field: str, messages: Iterable[str]) -> AppError:
    return AppError(
        _("Some fields are not valid."), code="validation_error", fields={field: list(messages)}
    )


def _password_check(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise _validation("password", exc.messages) from None


def _language_check(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise _validation("preferred_language", [_("Choose one of the supported languages.")])
    return language


def _send_code_on_commit(phone: str, code: str, language: str) -> None:
    ttl_minutes = max(1, settings.PHONE_CODE_TTL_SECONDS // 60)
    with translation.override(language):
        body = _("Your Fairtrail code is %(code)s. It expires in %(minutes)s minutes.") % {
            "code": code,
            "minutes": ttl_minutes,
        }

    def _send() -> None:
        try:
            send_sms(phone, body)
        except Exception as exc:  # the user can ask for a new code; never log the number
            logger.error("Could not send a phone code: %s", exc.__class__.__name__)

    transaction.on_commit(_send)


def _code_request_check(phone: str) -> None:
    """429 when ``phone`` asked for a code too recently or too often (any number state)."""
    wait = phone_code_request_allow(phone)
    if wait is not None:
        raise AppError(
            _("Too many codes asked for this number. Try again in %(seconds)s seconds.")
            % {"seconds": wait},
            code="throttled",
            status=429,
            headers={"Retry-After": str(wait)},
        )


def _phone_codes_recent(phone: str, now) -> dict[str, Any]:
    """Codes sent to ``phone`` in the last 24 hours: how many, wrong tries summed, the newest."""
    return PhoneVerification.objects.filter(
        phone=phone, created_at__gt=now - PHONE_CODE_WINDOW
    ).aggregate(issued=Count("id"), wrong=Sum("attempts", default=0), latest=Max("created_at"))


def _phone_code_refusal(user: User) -> str | None:
    """Why no new code may go to the user's phone now, or ``None``. Audited when refused.

    The durable side of the per-number limits (the cache-based ``_code_request_check`` answers
    first with a 429; these hold even if the cache was lost): a minimum interval between codes,
    at most ``PHONE_CODE_DAILY_MAX`` codes and ``PHONE_CODE_DAILY_MAX_ATTEMPTS`` wrong tries
    (over all codes) in 24 hours. A refusal is silent towards the client, like every other
    reason for not sending a code, so the response does not tell a registered number apart.
    The caller holds the user's row lock, which serialises this check with the insert.
    """
    now = clock.now()
    recent = _phone_codes_recent(user.phone, now)
    interval = timedelta(seconds=settings.PHONE_CODE_MIN_INTERVAL_SECONDS)
    reason = None
    if recent["latest"] is not None and recent["latest"] > now - interval:
        reason = "interval"
    elif recent["issued"] >= settings.PHONE_CODE_DAILY_MAX:
        reason = "daily_codes"
    elif recent["wrong"] >= settings.PHONE_CODE_DAILY_MAX_ATTEMPTS:
        reason = "daily_attempts"
    if reason is not None:
        audit_record(action="phone.code_refused", target=user, reason=reason)
    return reason


def _phone_code_issue(user: User) -> PhoneVerification:
    """Supersede the user's pending codes with a fresh one, sent by SMS after commit.

    Old codes are kept (marked superseded, dead) so that the 24-hour caps still count them and
    their wrong tries. Call ``_phone_code_refusal`` first.
    """
    now = clock.now()
    PhoneVerification.objects.filter(
        user=user, used_at__isnull=True, superseded_at__isnull=True
    ).update(superseded_at=now)
    code = code_generate()
    verification = PhoneVerification(
        user=user,
        phone=user.phone,
        expires_at=now + timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS),
    )
    verification.code_hash = code_hash(verification_id=verification.id, code=code)
    verification.save()
    _send_code_on_commit(user.phone, code, user.preferred_language)
    return verification


# --- registration and phone verification ----------------------------------------------------


def user_register(
    *,
    phone: str,
    password: str,
    display_name: str = "",
    preferred_language: str | None = None,
) -> str:
    """Register a worker by phone and send a verification code; return the E.164 number.

    The outcome is the same whether or not the number is already registered, so the API cannot
    be used to find out who uses Fairtrail: a new number gets an account and a code; an
    unverified account gets the new password and a fresh code (whoever proves they hold the
    phone, with the password they chose last, wins; see ``phone_verify``); a verified account
    gets nothing. A password hash is computed on every path so timing does not tell them apart.

    Every valid request counts against the number's code limits (429 ``throttled`` with
    Retry-After, whatever the number's state). When the durable caps refuse a new code the
    unverified account is left exactly as it was (password and live code included), so
    repeated registrations cannot lock the real phone holder out.
    """
    e164 = phone_normalize(phone)
    language = _language_check(preferred_language or settings.LANGUAGE_CODE)
    display_name = (display_name or "").strip()
    _password_check(password, User(username=e164, phone=e164, display_name=display_name))
    _code_request_check(e164)

    with transaction.atomic():
        existing = User.objects.select_for_update().filter(phone=e164).first()
        if existing is None and not User.objects.filter(username=e164).exists():
            user = User(
                username=e164,
                phone=e164,
                role=Role.WORKER,
                display_name=display_name,
                preferred_language=language,
            )
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:  # registered concurrently: behave as for a known number
                return e164
            audit_record(action="user.registered", actor=user, target=user)
            _phone_code_issue(user)  # a new account has no codes yet: nothing to cap
        elif (
            existing is not None
            and existing.is_worker
            and existing.is_active
            and not existing.phone_verified
        ):
            if _phone_code_refusal(existing) is not None:
                make_password(password)  # nothing changes: the live code and password stay
            else:
                existing.set_password(password)
                existing.display_name = display_name
                existing.preferred_language = language
                existing.save()
                audit_record(action="user.registration_repeated", target=existing)
                _phone_code_issue(existing)
        else:
            make_password(password)
            if existing is not None:
                audit_record(action="user.registration_refused", target=existing)
    return e164


def phone_verification_resend(*, phone: str) -> str:
    """Send a fresh code to an unverified worker's phone. Silent for any other number.

    Limited per number like ``user_register`` (same counter): 429 when asked too soon or too
    often, silently nothing when the durable 24-hour caps are reached.
    """
    e164 = phone_normalize(phone)
    _code_request_check(e164)
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(phone=e164, role=Role.WORKER, phone_verified_at__isnull=True, is_active=True)
            .first()
        )
        if user is not None and _phone_code_refusal(user) is None:
            _phone_code_issue(user)
            audit_record(action="phone.code_resent", target=user)
    return e164


def phone_verify(*, phone: str, code: str, password: str, device_name: str = "") -> Tokens:
    """Confirm a worker's phone with the code sent by SMS and the password chosen at sign-up.

    Only the latest code counts. It is dead once used, superseded, expired or after
    ``PHONE_CODE_MAX_ATTEMPTS`` wrong tries (each wrong try is committed before the error is
    raised); every code of the number is dead while the wrong tries of the last 24 hours,
    summed over all its codes, reach ``PHONE_CODE_DAILY_MAX_ATTEMPTS``. Asking for the password
    too means a stranger who registered the same number in between cannot end up owning the
    account the real phone holder verifies.

    Every failure gives the same ``invalid_code`` error, so the endpoint does not reveal whether
    a number is registered or verified.
    """
    e164 = phone_normalize(phone)
    now = clock.now()
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(phone=e164, role=Role.WORKER, phone_verified_at__isnull=True, is_active=True)
            .first()
        )
        verification = None
        if user is not None:
            verification = (
                PhoneVerification.objects.select_for_update()
                .filter(user=user, phone=e164)
                .order_by("-created_at")
                .first()
            )
        live = (
            verification is not None
            and verification.used_at is None
            and verification.superseded_at is None
            and verification.expires_at > now
            and verification.attempts < settings.PHONE_CODE_MAX_ATTEMPTS
            and _phone_codes_recent(e164, now)["wrong"] < settings.PHONE_CODE_DAILY_MAX_ATTEMPTS
        )
        if not live:
            make_password(password)  # same work as a real check
            tokens = None
        else:
            code_ok = code_matches(
                verification_id=verification.id, code=code, stored_hash=verification.code_hash
            )
            password_ok = user.check_password(password)
            if code_ok and password_ok:
                verification.used_at = now
                verification.save(update_fields=["used_at"])
                user.phone_verified_at = now
                user.save(update_fields=["phone_verified_at", "updated_at"])
                audit_record(action="phone.verified", actor=user, target=user)
                tokens = device_sign_in(user=user, device_name=device_name, method="phone_code")
            else:
                verification.attempts += 1
                verification.save(update_fields=["attempts"])
                tokens = None
    if tokens is None:
        raise AppError(
            _("The code is wrong or no longer valid. Check it or ask for a new one."),
            code="invalid_code",
            fields={"code": [_("Wrong or expired code.")]},
        )
    return tokens


def phone_verifications_purge_expired() -> int:
    """Delete used codes, and expired ones once the 24-hour caps no longer count them, in
    batches; stop at a deadline (the task runs again)."""
    now = clock.now()
    deadline = now + PURGE_DEADLINE
    dead = PhoneVerification.objects.filter(
        Q(used_at__isnull=False) | Q(expires_at__lte=now, created_at__lte=now - PHONE_CODE_WINDOW)
    )
    total = 0
    while clock.now() < deadline:
        ids = list(dead.values_list("id", flat=True)[:PURGE_BATCH_SIZE])
        if not ids:
            break
        with transaction.atomic():
            deleted, _counts = PhoneVerification.objects.filter(id__in=ids).delete()
            audit_record(action="phone.codes_purged", count=deleted)
        total += deleted
    return total


# --- sign-in, tokens, devices ----------------------------------------------------------------


def device_sign_in(*, user: User, device_name: str = "", method: str = "password") -> Tokens:
    """Register a new signed-in device for ``user`` and return its first token pair.

    Workers need a verified phone (``phone_not_verified``); disabled accounts get nothing.
    """
    if not user.is_active:
        raise PermissionDenied(_("This account is disabled."), code="account_disabled")
    if user.is_worker and not user.phone_verified:
        raise PermissionDenied(
            _("Confirm your phone number with the code we sent first."), code="phone_not_verified"
        )
    with transaction.atomic():
        device = Device.objects.create(
            user=user, name=(device_name or "").strip()[:120], last_seen_at=clock.now()
        )
        tokens = tokens_issue(device)
        audit_record(action="auth.signed_in", actor=user, target=device, method=method)
    return tokens


def user_sign_in(
    *,
    password: str,
    phone: str | None = None,
    username: str | None = None,
    device_name: str = "",
    request: Any = None,
) -> Tokens:
    """Check a worker's phone (or a staff username) and password; sign the device in."""
    if phone:
        identifier = phone_normalize(phone)
    elif username:
        identifier = User.normalize_username(username.strip())
    else:
        raise _validation("phone", [_("Send a phone number (workers) or a username (staff).")])
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        raise unauthorized(
            _("The phone number, username or password is wrong."), "invalid_credentials"
        )
    return device_sign_in(user=user, device_name=device_name)


def _lock_device(device_id: str, user_id: str) -> Device | None:
    return (
        Device.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(id=device_id, user_id=user_id)
        .first()
    )


def _is_blacklisted(jti: str) -> bool:
    return BlacklistedToken.objects.filter(token__jti=jti).exists()


def _blacklist(jti: str, user_id: str, expires_at: Any) -> None:
    outstanding, _created = OutstandingToken.objects.get_or_create(
        jti=jti,
        defaults={
            "user_id": user_id,
            "token": "",
            "created_at": clock.now(),
            "expires_at": expires_at,
        },
    )
    BlacklistedToken.objects.get_or_create(token=outstanding)


def _reuse_detected(device: Device, jti: str) -> None:
    """A rotated refresh token came back: someone holds a copy. Sign the device out."""
    device.revoked_at = clock.now()
    device.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        action="auth.refresh_reuse_detected", target=device, user_id=str(device.user_id), jti=jti
    )


#: ``unusable`` of ``_refresh_token_spend`` returns this to stop quietly (nothing to do).
_ALREADY_DONE = object()


def _refresh_token_spend(
    refresh: str,
    *,
    unusable: Callable[[Device | None], Any],
    use: Callable[[Device], T],
) -> T | None:
    """Spend a refresh token once: the lock / reuse / blacklist path shared by rotation and
    sign-out.

    The device row is locked first, so two requests with the same token are serialised and the
    second one sees the first one's blacklist entry. ``unusable(device)`` (``None`` when the
    device is gone) returns an error to raise, ``_ALREADY_DONE`` to stop quietly, or ``None``
    to go on. A token that was already spent means it was copied (or replayed): the whole
    device is revoked, and ``token_reused`` is raised only after that has committed. Otherwise
    the token is blacklisted and ``use(device)`` runs in the same transaction; its result is
    returned.
    """
    claims = refresh_token_read(refresh)
    error: Exception | None = None
    result: T | None = None
    with transaction.atomic():
        device = _lock_device(claims.device_id, claims.user_id)
        refusal = unusable(device)
        if refusal is _ALREADY_DONE:
            return None
        if refusal is not None:
            error = refusal
        elif _is_blacklisted(claims.jti):
            _reuse_detected(device, claims.jti)
            error = unauthorized(
                _("This refresh token was already used. The device has been signed out."),
                "token_reused",
            )
        else:
            _blacklist(claims.jti, claims.user_id, claims.expires_at)
            result = use(device)
    if error is not None:
        raise error
    return result


def device_tokens_refresh(*, refresh: str) -> Tokens:
    """Rotate a refresh token: blacklist it, mint a new pair for the same device.

    A revoked device, a disabled user or a device that is gone is ``session_revoked``; an
    already rotated token revokes the device (``token_reused``, see ``_refresh_token_spend``).
    """

    def unusable(device: Device | None) -> Exception | None:
        if device is None or device.revoked_at is not None or not device.user.is_active:
            return unauthorized(_("This session has been signed out."), "session_revoked")
        return None

    def rotate(device: Device) -> Tokens:
        device.last_seen_at = clock.now()
        device.save(update_fields=["last_seen_at", "updated_at"])
        return tokens_issue(device)

    return _refresh_token_spend(refresh, unusable=unusable, use=rotate)


def device_sign_out(*, refresh: str) -> None:
    """Log out: blacklist the refresh token and revoke its device (idempotent once revoked)."""

    def unusable(device: Device | None) -> Any:
        if device is None:
            return token_not_valid()
        return _ALREADY_DONE if device.revoked_at is not None else None

    def sign_out(device: Device) -> None:
        device.revoked_at = clock.now()
        device.save(update_fields=["revoked_at", "updated_at"])
        audit_record(action="auth.signed_out", actor=device.user, target=device)

    _refresh_token_spend(refresh, unusable=unusable, use=sign_out)


def device_revoke(*, actor: User, device: Device) -> Device:
    """Sign a device out (its access and refresh tokens stop working at once). Idempotent."""
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.revoked_at is None:
            device.revoked_at = clock.now()
            device.save(update_fields=["revoked_at", "updated_at"])
            audit_record(action="device.revoked", actor=actor, target=device)
    return device


# --- profile ----------------------------------------------------------------------------------

PROFILE_FIELDS = ("display_name", "preferred_language")


def user_profile_update(*, user: User, **changes: Any) -> User:
    """Change a user's own display name and language. Role and jurisdiction are not here."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise _validation(sorted(unknown)[0], [_("This field cannot be changed here.")])
    if "preferred_language" in changes:
        _language_check(changes["preferred_language"])
    if "display_name" in changes:
        changes["display_name"] = (changes["display_name"] or "").strip()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        changed = sorted(f for f, v in changes.items() if getattr(user, f) != v)
        if changed:
            for field in changed:
                setattr(user, field, changes[field])
            user.save(update_fields=[*changed, "updated_at"])
            audit_record(action="user.profile_updated", actor=user, target=user, fields=changed)
    return user


# --- staff --------------------------------------------------------------------------------------


def staff_validate(
    *,
    role: str,
    username: str,
    country: str = "",
    region: str = "",
    sectors: Iterable[str] = (),
    organisation_name: str = "",
) -> dict[str, Any]:
    """Check staff account fields; return them cleaned or raise ``AppError`` with all problems."""
    errors: dict[str, list[str]] = {}
    taken = False
    username = User.normalize_username((username or "").strip())
    country = (country or "").strip().upper()
    organisation_name = (organisation_name or "").strip()
    sectors = [s.strip() for s in sectors if s and s.strip()]
    if role not in STAFF_CREATABLE_ROLES:
        errors["role"] = [
            _("Choose one of: %(roles)s.") % {"roles": ", ".join(STAFF_CREATABLE_ROLES)}
        ]
    if not username:
        errors["username"] = [_("A username is required.")]
    elif username.startswith("+") or username.lstrip("+").isdigit():
        errors["username"] = [_("Staff usernames must not look like phone numbers.")]
    else:
        try:
            validate_unicode_slug(username.replace(".", "-").replace("@", "-"))
        except DjangoValidationError:
            errors["username"] = [_("Use letters, digits and . - _ @ only.")]
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors["username"] = [_("This username is taken.")]
                taken = True
    if country and country not in SUPPORTED_REGIONS:
        errors["country"] = [_("Use an ISO 3166-1 alpha-2 country code, e.g. TH.")]
    if role == Role.INSPECTOR and not country:
        errors["country"] = [_("An inspector needs a country (their jurisdiction).")]
    if role == Role.NGO_CASEWORKER and not organisation_name:
        errors["organisation"] = [_("A caseworker needs an organisation.")]
    if errors:
        only_taken = taken and list(errors) == ["username"]
        raise AppError(
            _("The staff account cannot be created."),
            code="conflict" if only_taken else "validation_error",
            status=409 if only_taken else 400,
            fields=errors,
        )
    return {
        "role": role,
        "username": username,
        "country": country,
        "region": (region or "").strip(),
        "sectors": sectors,
        "organisation_name": organisation_name,
    }


def staff_create(
    *,
    role: str,
    username: str,
    password: str,
    country: str = "",
    region: str = "",
    sectors: Iterable[str] = (),
    organisation_name: str = "",
    display_name: str = "",
    actor: User | None = None,
    via: str = "cli",
) -> User:
    """Create a staff account (admin only: Django admin or ``manage.py create_staff``).

    Inspectors need a country; caseworkers an organisation, created by name if missing.
    Administrators may use the Django admin; no other role may.
    """
    if actor is not None and not can_create_staff(actor):
        raise PermissionDenied(_("Only administrators create staff accounts."))
    data = staff_validate(
        role=role,
        username=username,
        country=country,
        region=region,
        sectors=sectors,
        organisation_name=organisation_name,
    )
    user = User(
        username=data["username"],
        role=role,
        display_name=(display_name or "").strip(),
        country=data["country"],
        region=data["region"],
        sectors=data["sectors"],
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    _password_check(password, user)
    user.set_password(password)
    with transaction.atomic():
        organisation = None
        if data["organisation_name"]:
            organisation = Organisation.objects.filter(
                name__iexact=data["organisation_name"]
            ).first()
            if organisation is None:
                organisation = Organisation.objects.create(
                    name=data["organisation_name"], country=data["country"]
                )
                audit_record(action="organisation.created", actor=actor, target=organisation)
        user.organisation = organisation
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise Conflict(
                _("The staff account cannot be created."),
                fields={"username": [_("This username is taken.")]},
            ) from None
        audit_record(action="user.staff_created", actor=actor, target=user, role=role, via=via)
    return user


def user_admin_save(*, actor: User, user: User, changed_fields: Iterable[str]) -> User:
    """Save changes an administrator made to an account in the Django admin, audited."""
    fields = sorted(set(changed_fields) - {"password"})
    with transaction.atomic():
        user.save()
        if fields:
            audit_record(action="user.updated_by_admin", actor=actor, target=user, fields=fields)
    return user
