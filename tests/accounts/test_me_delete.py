"""DELETE /api/v1/me: password re-confirmation, who may, and what stops working at once.

The full erasure (database, storage and log scan) is in tests/retention/test_erasure.py.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import Device, User
from backend.retention.models import AccountErasure
from backend.vault.models import Vault
from tests import factories

pytestmark = pytest.mark.django_db


def _delete(client, body):
    return client.delete("/api/v1/me", body, format="json")


def test_worker_erases_own_account_and_every_device_is_signed_out(worker, auth_client):
    phone, other_device = auth_client(worker, "tablet"), auth_client(worker)
    response = _delete(phone, {"password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 204
    assert other_device.get("/api/v1/me").status_code == 401
    refreshed = APIClient().post(
        "/api/v1/auth/token/refresh", {"refresh": other_device.tokens.refresh}, format="json"
    )
    assert refreshed.status_code == 401
    assert not Device.objects.filter(user=worker, revoked_at__isnull=True).exists()
    assert Vault.objects.get(owner=worker).key_destroyed_at is not None
    assert AccountErasure.objects.get(user=worker).reason == "requested"
    # The number is free again: nothing ties it to the erased account.
    assert not User.objects.filter(phone=worker.phone).exists()


def test_wrong_password_is_a_400_and_changes_nothing(worker, auth_client):
    client = auth_client(worker)
    response = _delete(client, {"password": "wrong-password-123"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["password"]
    assert client.get("/api/v1/me").status_code == 200
    assert not AccountErasure.objects.exists()
    assert User.objects.get(pk=worker.pk).is_active


def test_missing_password_and_unknown_fields_are_400(worker, auth_client):
    client = auth_client(worker)
    response = _delete(client, {})
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    response = _delete(client, {"password": factories.DEFAULT_PASSWORD, "role": "admin"})
    assert response.status_code == 400
    assert User.objects.get(pk=worker.pk).is_active


def test_anonymous_gets_401(api):
    response = _delete(api, {"password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 401
    assert "error" in response.json()


def test_staff_cannot_erase_themselves_here(inspector, auth_client):
    response = _delete(auth_client(inspector), {"password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert User.objects.get(pk=inspector.pk).is_active
    assert not AccountErasure.objects.exists()


def test_erasing_one_worker_leaves_another_untouched(worker, other_worker, auth_client):
    other = auth_client(other_worker)
    assert _delete(auth_client(worker), {"password": factories.DEFAULT_PASSWORD}).status_code == 204
    assert other.get("/api/v1/me").status_code == 200
    assert User.objects.get(pk=other_worker.pk).phone == other_worker.phone
