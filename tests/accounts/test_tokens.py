from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from backend.accounts.models import Device
from backend.accounts.services import device_sign_in
from backend.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

REFRESH_URL = "/api/v1/auth/token/refresh"
LOGOUT_URL = "/api/v1/auth/logout"


def _me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/v1/me")


def test_refresh_rotates_and_old_refresh_is_rejected(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")

    first = api.post(REFRESH_URL, {"refresh": tokens.refresh})

    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh"] != tokens.refresh
    assert rotated["device_id"] == str(tokens.device_id)
    assert _me(rotated["access"]).status_code == 200
    assert BlacklistedToken.objects.count() == 1
    second = api.post(REFRESH_URL, {"refresh": tokens.refresh})
    assert second.status_code == 401


def test_reusing_a_rotated_refresh_token_revokes_the_device(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    rotated = api.post(REFRESH_URL, {"refresh": tokens.refresh}).json()

    reuse = api.post(REFRESH_URL, {"refresh": tokens.refresh})

    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "token_reused"
    device = Device.objects.get(pk=tokens.device_id)
    assert device.revoked_at is not None
    assert api.post(REFRESH_URL, {"refresh": rotated["refresh"]}).status_code == 401
    assert _me(rotated["access"]).status_code == 401
    event = AuditEvent.objects.get(action="auth.refresh_reuse_detected")
    assert event.target_id == str(device.id)
    assert "phone" not in str(event.data)


def test_refresh_updates_last_seen(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    later = timezone.now() + timedelta(hours=2)

    with time_machine.travel(later, tick=False):
        assert api.post(REFRESH_URL, {"refresh": tokens.refresh}).status_code == 200

    device = Device.objects.get(pk=tokens.device_id)
    assert abs((device.last_seen_at - later).total_seconds()) < 1


def test_requests_do_not_write_last_seen(worker, auth_client):
    client = auth_client(worker)
    before = Device.objects.get(pk=client.tokens.device_id).last_seen_at

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert client.get("/api/v1/me").status_code == 200

    assert Device.objects.get(pk=client.tokens.device_id).last_seen_at == before


def test_expired_refresh_token_is_rejected(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = api.post(REFRESH_URL, {"refresh": tokens.refresh})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_access_token_expires(worker):
    tokens = device_sign_in(user=worker, device_name="phone")

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert _me(tokens.access).status_code == 401


@pytest.mark.parametrize("refresh", ["garbage", "a.b.c", ""])
def test_malformed_refresh_token(api, refresh):
    response = api.post(REFRESH_URL, {"refresh": refresh})

    assert response.status_code in (400, 401)
    assert "error" in response.json()


def test_access_token_cannot_be_used_as_refresh(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")

    response = api.post(REFRESH_URL, {"refresh": tokens.access})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_refresh_token_with_forged_signature_is_rejected(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    header, payload, signature = tokens.refresh.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"

    assert api.post(REFRESH_URL, {"refresh": forged}).status_code == 401


def test_refresh_fails_for_revoked_device(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    Device.objects.filter(pk=tokens.device_id).update(revoked_at=timezone.now())

    response = api.post(REFRESH_URL, {"refresh": tokens.refresh})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_revoked"


def test_refresh_fails_for_disabled_account(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    worker.is_active = False
    worker.save()

    assert api.post(REFRESH_URL, {"refresh": tokens.refresh}).status_code == 401


def test_database_never_stores_usable_refresh_tokens(worker):
    tokens = device_sign_in(user=worker, device_name="phone")

    outstanding = OutstandingToken.objects.get()
    assert outstanding.token == ""
    assert outstanding.jti == RefreshToken(tokens.refresh)["jti"]
    assert outstanding.user_id == worker.pk


def test_logout_revokes_device_access_and_refresh(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    other = device_sign_in(user=worker, device_name="tablet")

    response = api.post(LOGOUT_URL, {"refresh": tokens.refresh})

    assert response.status_code == 204
    assert Device.objects.get(pk=tokens.device_id).revoked_at is not None
    assert _me(tokens.access).status_code == 401
    assert _me(tokens.access).json()["error"]["code"] in (
        "session_revoked",
        "authentication_failed",
    )
    assert api.post(REFRESH_URL, {"refresh": tokens.refresh}).status_code == 401
    assert _me(other.access).status_code == 200
    assert (
        AuditEvent.objects.filter(action="auth.signed_out", target_id=str(tokens.device_id)).count()
        == 1
    )


def test_logout_twice_is_harmless(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    api.post(LOGOUT_URL, {"refresh": tokens.refresh})

    assert api.post(LOGOUT_URL, {"refresh": tokens.refresh}).status_code == 204


def test_logout_with_a_rotated_token_revokes_the_device(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    rotated = api.post(REFRESH_URL, {"refresh": tokens.refresh}).json()

    response = api.post(LOGOUT_URL, {"refresh": tokens.refresh})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_reused"
    assert _me(rotated["access"]).status_code == 401


def test_logout_needs_a_refresh_token(api):
    response = api.post(LOGOUT_URL, {})

    assert response.status_code == 400
    assert "refresh" in response.json()["error"]["fields"]


def test_rotation_and_sign_out_spend_tokens_through_one_path(api, worker, monkeypatch):
    """Lock, reuse detection and blacklisting live in one helper, not in two copies."""
    from backend.accounts import services

    spent = []
    real = services._refresh_token_spend

    def spy(refresh, **kwargs):
        spent.append(refresh)
        return real(refresh, **kwargs)

    monkeypatch.setattr(services, "_refresh_token_spend", spy)
    tokens = device_sign_in(user=worker, device_name="phone")
    rotated = api.post(REFRESH_URL, {"refresh": tokens.refresh}).json()

    assert api.post(LOGOUT_URL, {"refresh": rotated["refresh"]}).status_code == 204
    assert spent == [tokens.refresh, rotated["refresh"]]


def test_sign_out_with_a_rotated_token_of_a_signed_out_device_is_harmless(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    rotated = api.post(REFRESH_URL, {"refresh": tokens.refresh}).json()
    assert api.post(LOGOUT_URL, {"refresh": rotated["refresh"]}).status_code == 204

    response = api.post(LOGOUT_URL, {"refresh": tokens.refresh})

    assert response.status_code == 204
    assert not AuditEvent.objects.filter(action="auth.refresh_reuse_detected").exists()


def test_reuse_revocation_persists_although_the_request_fails(api, worker):
    tokens = device_sign_in(user=worker, device_name="phone")
    api.post(REFRESH_URL, {"refresh": tokens.refresh})

    assert api.post(LOGOUT_URL, {"refresh": tokens.refresh}).status_code == 401

    assert Device.objects.get(pk=tokens.device_id).revoked_at is not None
    assert AuditEvent.objects.filter(action="auth.refresh_reuse_detected").count() == 1
