from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from backend.accounts.models import Device
from backend.accounts.services import device_sign_in
from backend.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/devices"


def test_list_shows_own_active_devices_and_marks_current(worker, other_worker, auth_client):
    client = auth_client(worker, device_name="Redmi")
    device_sign_in(user=worker, device_name="Old phone")
    gone = device_sign_in(user=worker, device_name="Lost phone")
    Device.objects.filter(pk=gone.device_id).update(revoked_at=timezone.now())
    device_sign_in(user=other_worker, device_name="Not mine")

    response = client.get(URL)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["name"] for r in rows} == {"Redmi", "Old phone"}
    current = [r for r in rows if r["is_current"]]
    assert [r["id"] for r in current] == [str(client.tokens.device_id)]
    assert "next" in response.json()


def test_list_is_cursor_paginated(worker, auth_client):
    client = auth_client(worker)
    for index in range(4):
        device_sign_in(user=worker, device_name=f"d{index}")

    first = client.get(URL, {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 5
    assert second["next"] is None


def test_updated_since_returns_changes_including_revocations(worker, auth_client):
    client = auth_client(worker)
    old = device_sign_in(user=worker, device_name="old")
    mark = timezone.now()
    with time_machine.travel(mark + timedelta(seconds=5)):
        client.delete(f"{URL}/{old.device_id}")

    response = client.get(URL, {"updated_since": mark.isoformat()})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [str(old.device_id)]
    assert rows[0]["is_active"] is False
    assert rows[0]["revoked_at"] is not None


def test_updated_since_bad_value_is_400(worker, auth_client):
    response = auth_client(worker).get(URL, {"updated_since": "yesterday"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "updated_since" in error["fields"]


def test_list_query_count_is_constant(worker, auth_client, django_assert_num_queries):
    client = auth_client(worker)
    with django_assert_num_queries(2):
        assert len(client.get(URL).json()["results"]) == 1
    for index in range(20):
        device_sign_in(user=worker, device_name=f"d{index}")
    with django_assert_num_queries(2):
        assert len(client.get(URL).json()["results"]) == 21


def test_large_list_is_gzipped(worker, auth_client):
    client = auth_client(worker)
    for index in range(30):
        device_sign_in(user=worker, device_name=f"phone number {index}")

    response = client.get(URL, HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(response.content))["results"]) == 31


def test_revoke_own_device_signs_it_out(worker, auth_client):
    client = auth_client(worker)
    lost = auth_client(worker, device_name="lost")

    response = client.delete(f"{URL}/{lost.tokens.device_id}")

    assert response.status_code == 204
    assert Device.objects.get(pk=lost.tokens.device_id).revoked_at is not None
    assert lost.get("/api/v1/me").status_code == 401
    refresh = client.post("/api/v1/auth/token/refresh", {"refresh": lost.tokens.refresh})
    assert refresh.status_code == 401
    assert client.get("/api/v1/me").status_code == 200
    event = AuditEvent.objects.get(action="device.revoked")
    assert (event.actor_id, event.target_id) == (worker.pk, str(lost.tokens.device_id))


def test_revoke_current_device_signs_the_caller_out(worker, auth_client):
    client = auth_client(worker)

    assert client.delete(f"{URL}/{client.tokens.device_id}").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_revoking_another_users_device_is_404_and_changes_nothing(
    worker, other_worker, auth_client
):
    client = auth_client(worker)
    theirs = device_sign_in(user=other_worker, device_name="theirs")

    response = client.delete(f"{URL}/{theirs.device_id}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Device.objects.get(pk=theirs.device_id).revoked_at is None
    assert not AuditEvent.objects.filter(action="device.revoked").exists()


def test_staff_cannot_revoke_a_workers_device(worker, inspector, auth_client):
    theirs = device_sign_in(user=worker, device_name="theirs")

    response = auth_client(inspector).delete(f"{URL}/{theirs.device_id}")

    assert response.status_code == 404
    assert Device.objects.get(pk=theirs.device_id).revoked_at is None


def test_unknown_device_is_404(worker, auth_client):
    response = auth_client(worker).delete(f"{URL}/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404


def test_devices_need_authentication(api, worker):
    theirs = device_sign_in(user=worker, device_name="theirs")

    assert api.get(URL).status_code == 401
    assert api.delete(f"{URL}/{theirs.device_id}").status_code == 401
    assert Device.objects.get(pk=theirs.device_id).revoked_at is None
