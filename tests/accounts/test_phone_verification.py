from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from backend.accounts.models import Device, PhoneVerification, User
from backend.accounts.services import phone_verifications_purge_expired
from backend.audit.models import AuditEvent
from tests.accounts.conftest import PHONE, code_from
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_verify_marks_phone_verified_and_returns_tokens(registered, verify, api):
    user, code = registered

    response = verify(code, device_name="Redmi 9A")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "device_id", "token_type", "access_expires_in"}
    user.refresh_from_db()
    assert user.phone_verified_at is not None
    device = Device.objects.get(user=user)
    assert str(device.id) == body["device_id"]
    assert device.name == "Redmi 9A"
    assert PhoneVerification.objects.get(user=user).used_at is not None
    assert AuditEvent.objects.filter(action="phone.verified", target_id=str(user.pk)).count() == 1
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api.get("/api/v1/me").json()["phone_verified"] is True


def test_wrong_code_is_rejected_and_counted(registered, verify):
    user, code = registered

    response = verify(_wrong(code))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"
    user.refresh_from_db()
    assert user.phone_verified_at is None
    assert PhoneVerification.objects.get(user=user).attempts == 1
    assert Device.objects.count() == 0


def test_right_code_with_wrong_password_is_rejected(registered, verify):
    user, code = registered

    response = verify(code, password="not-the-password-chosen")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"
    user.refresh_from_db()
    assert user.phone_verified_at is None


def test_expired_code_is_rejected(registered, verify, settings):
    user, code = registered

    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS + 1)
    ):
        response = verify(code)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"
    user.refresh_from_db()
    assert user.phone_verified_at is None


def test_code_still_valid_just_before_expiry(registered, verify, settings):
    _user, code = registered

    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS - 5)
    ):
        response = verify(code)

    assert response.status_code == 200


def test_code_cannot_be_used_twice(registered, verify):
    _user, code = registered
    assert verify(code).status_code == 200

    response = verify(code)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"
    assert Device.objects.count() == 1


def test_code_dies_after_max_attempts(registered, verify, settings, high_rates):
    user, code = registered
    for _ in range(settings.PHONE_CODE_MAX_ATTEMPTS):
        assert verify(_wrong(code)).status_code == 400

    response = verify(code)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"
    verification = PhoneVerification.objects.get(user=user)
    assert verification.attempts == settings.PHONE_CODE_MAX_ATTEMPTS
    user.refresh_from_db()
    assert user.phone_verified_at is None


def test_resend_gives_new_code_and_kills_the_old_one(
    registered, verify, api, sms, later, django_capture_on_commit_callbacks
):
    _user, old_code = registered
    later()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/auth/verify-phone/resend", {"phone": PHONE})
    assert response.status_code == 202
    new_code = code_from(sms[-1])
    assert len(sms) == 2

    if new_code != old_code:
        assert verify(old_code).status_code == 400
    assert verify(new_code).status_code == 200


def test_resend_after_attempt_limit_gives_a_working_code(
    registered, verify, api, sms, settings, high_rates, later, django_capture_on_commit_callbacks
):
    _user, code = registered
    for _ in range(settings.PHONE_CODE_MAX_ATTEMPTS):
        verify(_wrong(code))
    later()
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/auth/verify-phone/resend", {"phone": PHONE})

    assert verify(code_from(sms[-1])).status_code == 200


def test_resend_for_unknown_or_verified_number_looks_the_same_and_sends_nothing(
    api, sms, django_capture_on_commit_callbacks
):
    WorkerFactory(phone="+66812340001")
    with django_capture_on_commit_callbacks(execute=True):
        unknown = api.post("/api/v1/auth/verify-phone/resend", {"phone": "+66812340002"})
        verified = api.post("/api/v1/auth/verify-phone/resend", {"phone": "+66812340001"})

    assert unknown.status_code == verified.status_code == 202
    assert unknown.json()["detail"] == verified.json()["detail"]
    assert sms == []


def test_verify_unknown_number_gives_the_same_error(verify):
    response = verify("123456", phone="+66812340009")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"


def test_verify_with_invalid_phone_is_a_validation_error(verify):
    response = verify("123456", phone="12")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "phone" in response.json()["error"]["fields"]


def test_verify_requires_fields(api):
    response = api.post("/api/v1/auth/verify-phone", {"phone": PHONE})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"code", "password"}


def test_purge_deletes_used_codes_and_expired_ones_older_than_a_day(registered, verify):
    _user, code = registered
    other = User.objects.create_user("+66812340003", "x-long-enough-pass", phone="+66812340003")
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=25)):
        old = PhoneVerification.objects.create(
            user=other, phone=other.phone, code_hash="0" * 64, expires_at=now - timedelta(hours=24)
        )
    expired_today = PhoneVerification.objects.create(
        user=other, phone=other.phone, code_hash="1" * 64, expires_at=now - timedelta(seconds=1)
    )
    live = PhoneVerification.objects.create(
        user=other, phone=other.phone, code_hash="2" * 64, expires_at=now + timedelta(minutes=5)
    )
    verify(code)

    purged = phone_verifications_purge_expired()

    assert purged == 2
    assert not PhoneVerification.objects.filter(id=old.id).exists()
    # Expired codes of the last 24 hours stay: the daily caps still count them.
    assert set(PhoneVerification.objects.values_list("id", flat=True)) == {
        expired_today.id,
        live.id,
    }
    assert AuditEvent.objects.filter(action="phone.codes_purged").exists()


def test_purge_task_calls_the_service(registered):
    from workers.tasks.accounts import purge_expired_phone_verifications

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert purge_expired_phone_verifications.apply().get() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert purge_expired_phone_verifications.apply().get() == 1
    assert PhoneVerification.objects.count() == 0
