from __future__ import annotations

import pytest

from backend.accounts.models import PhoneVerification, Role, User
from backend.audit.models import AuditEvent
from tests.accounts.conftest import PASSWORD, PHONE, code_from
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


def test_register_creates_unverified_worker_and_sends_code(register, sms):
    response = register(phone="+66 81 234 5678", display_name="Aye", preferred_language="th")

    assert response.status_code == 202
    body = response.json()
    assert body["phone"] == PHONE
    assert body["code_ttl_seconds"] == 600
    user = User.objects.get(phone=PHONE)
    assert user.username == PHONE
    assert user.role == Role.WORKER
    assert user.display_name == "Aye"
    assert user.preferred_language == "th"
    assert user.phone_verified_at is None
    assert user.check_password(PASSWORD)
    assert [m.to for m in sms] == [PHONE]
    code = code_from(sms[0])
    verification = PhoneVerification.objects.get(user=user)
    assert code not in verification.code_hash
    assert len(verification.code_hash) == 64


def test_register_audits_without_phone_number(register):
    register()

    event = AuditEvent.objects.get(action="user.registered")
    user = User.objects.get(phone=PHONE)
    assert event.target_id == str(user.pk)
    assert PHONE not in str(event.data)
    assert "812345678" not in str(event.data)


@pytest.mark.parametrize("phone", ["0812345678", "+66 12", "not a number", "", "+999123456789"])
def test_register_rejects_invalid_phone(register, sms, phone):
    response = register(phone=phone)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "phone" in error["fields"]
    assert User.objects.count() == 0
    assert sms == []


@pytest.mark.parametrize("password", ["short", "12345678901", "password123"])
def test_register_rejects_weak_password(register, sms, password):
    response = register(password=password)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["password"]
    assert User.objects.count() == 0
    assert PhoneVerification.objects.count() == 0
    assert sms == []


def test_register_rejects_unknown_language(register):
    response = register(preferred_language="xx")

    assert response.status_code == 400
    assert "preferred_language" in response.json()["error"]["fields"]
    assert User.objects.count() == 0


def test_register_verified_number_gives_same_response_without_second_account(register, sms):
    existing = WorkerFactory(phone=PHONE)
    new = register(phone=PHONE, password="another-long-passphrase")
    fresh = register(phone="+66812340000")

    assert new.status_code == fresh.status_code == 202
    assert set(new.json()) == set(fresh.json())
    assert new.json()["detail"] == fresh.json()["detail"]
    assert User.objects.filter(phone=PHONE).count() == 1
    existing.refresh_from_db()
    assert existing.check_password("correct-horse-battery-staple")
    assert [m.to for m in sms] == ["+66812340000"]


def test_register_unverified_number_sends_fresh_code_and_takes_new_password(register, sms, later):
    register()
    later()
    response = register(password="the-second-passphrase")

    assert response.status_code == 202
    assert User.objects.filter(phone=PHONE).count() == 1
    assert len(sms) == 2
    first, second = PhoneVerification.objects.order_by("created_at")
    assert first.superseded_at is not None
    assert second.superseded_at is None
    user = User.objects.get(phone=PHONE)
    assert user.check_password("the-second-passphrase")


def test_stored_hash_is_argon2_with_production_hasher(register, settings):
    settings.PASSWORD_HASHERS = [
        "backend.accounts.hashers.FairtrailArgon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    register()

    user = User.objects.get(phone=PHONE)
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(PASSWORD)


def test_sms_is_sent_only_after_commit(api, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post("/api/v1/auth/register", {"phone": PHONE, "password": PASSWORD})

    assert response.status_code == 202
    assert sms == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in sms] == [PHONE]


def test_register_disabled_unverified_number_sends_nothing(register, sms):
    WorkerFactory(phone=PHONE, phone_verified_at=None, is_active=False)

    response = register()

    assert response.status_code == 202
    assert sms == []
    assert not User.objects.get(phone=PHONE).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("header", "expected"), [("th-TH,th;q=0.9", "th"), ("", "en"), ("fr-FR", "en"), ("ne", "ne")]
)
def test_language_defaults_to_the_phone_language(
    api, django_capture_on_commit_callbacks, header, expected
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/auth/register",
            {"phone": PHONE, "password": PASSWORD},
            HTTP_ACCEPT_LANGUAGE=header,
        )
    assert response.status_code == 202
    assert User.objects.get(phone=PHONE).preferred_language == expected
