"""POST /api/v1/me/export: built by a task, stored encrypted, owner-only, expiring."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.core.files.storage import default_storage

from backend.core import clock
from backend.notifications.models import Notification
from backend.retention.exports import export_build
from backend.retention.models import DataExport
from backend.retention.services import retention_run
from tests.querycount import count_queries
from tests.retention.canary import storage_hits

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/export"


@pytest.fixture
def owner(worker, auth_client):
    return auth_client(worker)


@pytest.fixture
def ready(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(URL)
    assert response.status_code == 202
    return DataExport.objects.get(pk=response.json()["id"])


def test_second_request_while_pending_returns_the_pending_one(
    owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = owner.post(URL)
        second = owner.post(URL)
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["status"] == "pending" and first.json()["download_url"] is None
    assert len(callbacks) == 1  # one build enqueued
    assert DataExport.objects.count() == 1


def test_ready_export_is_encrypted_at_rest_and_notifies_without_content(ready, owner, worker):
    ready.refresh_from_db()
    assert ready.status == "ready"
    assert ready.expires_at == ready.ready_at + dt.timedelta(days=7)
    stored = b"".join(default_storage.open(p["name"]).read() for p in ready.blob_parts)
    assert b"profile.json" not in stored and not stored.startswith(b"PK")
    assert storage_hits([worker.phone.encode(), b"profile.json"]) == []
    note = Notification.objects.get(recipient=worker, event="retention.export_ready")
    assert note.data == {"export_id": str(ready.pk)}
    detail = owner.get(f"{URL}/{ready.pk}").json()
    assert detail["download_url"] == f"/api/v1/me/export/{ready.pk}/download"
    response = owner.get(detail["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    profile = json.loads(archive.read("profile.json"))
    assert profile["phone"] == worker.phone
    assert profile["id"] == str(worker.pk)


def test_someone_else_gets_404_and_sees_nothing(ready, other_worker, auth_client, inspector):
    for user in (other_worker, inspector):
        client = auth_client(user)
        for path in (f"{URL}/{ready.pk}", f"{URL}/{ready.pk}/download"):
            response = client.get(path)
            assert response.status_code == 404
            assert str(ready.pk) not in response.content.decode()
        assert client.get(URL).json() == {"results": []}
    ready.refresh_from_db()
    assert ready.status == "ready"


def test_anonymous_gets_401(ready, api):
    assert api.post(URL).status_code == 401
    assert api.get(f"{URL}/{ready.pk}/download").status_code == 401


def test_link_expires_and_the_run_deletes_the_archive(
    ready, worker, auth_client, django_capture_on_commit_callbacks
):
    names = [p["name"] for p in ready.blob_parts]
    with time_machine.travel(clock.now() + dt.timedelta(days=8), tick=False):
        owner = auth_client(worker)  # a fresh session: access tokens are short-lived
        assert owner.get(f"{URL}/{ready.pk}").json()["download_url"] is None
        response = owner.get(f"{URL}/{ready.pk}/download")
        assert response.status_code == 410
        assert response.json()["error"]["code"] == "export_expired"
        with django_capture_on_commit_callbacks(execute=True):
            assert retention_run(dry_run=False).counts["export"] == 1
    assert not DataExport.objects.exists()
    assert [default_storage.exists(n) for n in names] == [False] * len(names)


def test_build_task_is_idempotent(ready):
    assert export_build(export_id=ready.pk) is False
    assert DataExport.objects.get(pk=ready.pk).status == "ready"


def test_not_ready_download_is_409(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export_id = owner.post(URL).json()["id"]
    response = owner.get(f"{URL}/{export_id}/download")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "export_not_ready"


def test_list_query_count_is_constant(owner, worker):
    now = clock.now()
    DataExport.objects.create(owner=worker, created_at=now, status="failed")
    one = count_queries(lambda: owner.get(URL))
    for _ in range(5):
        DataExport.objects.create(owner=worker, created_at=now, status="failed")
    assert count_queries(lambda: owner.get(URL)) == one
    assert len(owner.get(URL).json()["results"]) == 6
