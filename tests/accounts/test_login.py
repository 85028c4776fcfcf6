from __future__ import annotations

import pytest

from backend.accounts.models import Device
from backend.audit.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, InspectorFactory, WorkerFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


def test_worker_signs_in_with_phone(api):
    worker = WorkerFactory(phone="+66812340010")

    response = api.post(
        TOKEN_URL,
        {"phone": "+66 81 234 0010", "password": DEFAULT_PASSWORD, "device_name": "Galaxy A03"},
    )

    assert response.status_code == 200
    body = response.json()
    device = Device.objects.get(user=worker)
    assert body["device_id"] == str(device.id)
    assert device.name == "Galaxy A03"
    assert body["token_type"] == "Bearer"
    assert body["access_expires_in"] == 600
    event = AuditEvent.objects.get(action="auth.signed_in")
    assert event.actor_id == worker.pk
    assert event.target_id == str(device.id)
    assert event.data == {"method": "password"}
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api.get("/api/v1/me").json()["id"] == str(worker.pk)


def test_staff_signs_in_with_username(api):
    inspector = InspectorFactory(username="somchai")

    response = api.post(TOKEN_URL, {"username": "somchai", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert Device.objects.get().user == inspector


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "+66812340011", "password": "wrong-password"},
        {"phone": "+66812349999", "password": DEFAULT_PASSWORD},
        {"username": "nobody", "password": DEFAULT_PASSWORD},
    ],
)
def test_wrong_credentials_are_401_without_detail(api, body):
    WorkerFactory(phone="+66812340011")

    response = api.post(TOKEN_URL, body)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Device.objects.count() == 0


def test_unverified_worker_gets_no_tokens(api):
    WorkerFactory(phone="+66812340012", phone_verified_at=None)

    response = api.post(TOKEN_URL, {"phone": "+66812340012", "password": DEFAULT_PASSWORD})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "phone_not_verified"
    assert "access" not in response.json()
    assert Device.objects.count() == 0


def test_disabled_account_cannot_sign_in(api):
    WorkerFactory(phone="+66812340013", is_active=False)

    response = api.post(TOKEN_URL, {"phone": "+66812340013", "password": DEFAULT_PASSWORD})

    assert response.status_code == 401
    assert Device.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"password": DEFAULT_PASSWORD},
        {"phone": "+66812340014", "username": "x", "password": DEFAULT_PASSWORD},
        {"phone": "+66812340014"},
    ],
)
def test_login_body_must_name_one_account_and_a_password(api, body):
    response = api.post(TOKEN_URL, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_login_with_invalid_phone_is_400(api):
    response = api.post(TOKEN_URL, {"phone": "12345", "password": DEFAULT_PASSWORD})

    assert response.status_code == 400
    assert "phone" in response.json()["error"]["fields"]


def test_a_stale_authorization_header_does_not_block_login(api):
    WorkerFactory(phone="+66812340015")
    api.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")

    response = api.post(TOKEN_URL, {"phone": "+66812340015", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
