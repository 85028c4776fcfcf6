"""tus 1.0 resumable uploads: creation, resume at any byte, checksums, expiry, termination."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.vault.models import ResumableUpload, StagedBlob
from backend.vault.resumable import resumable_uploads_purge_expired
from tests.vault.files import make_pdf

pytestmark = pytest.mark.django_db
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def create(client, length: int, filename="contract.pdf", filetype="application/pdf"):
    return client.post(
        "/api/v1/vault/uploads/",
        **TUS,
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=f"filename {_b64(filename)},filetype {_b64(filetype)}",
    )


def patch(client, location, offset: int, body: bytes, **headers):
    return client.generic(
        "PATCH",
        location,
        body,
        content_type="application/offset+octet-stream",
        **TUS,
        HTTP_UPLOAD_OFFSET=str(offset),
        **headers,
    )


def head_offset(client, location) -> int:
    response = client.head(location, **TUS)
    assert response.status_code == 200
    return int(response["Upload-Offset"])


def finish_document(client, upload_id, kind="employment_contract"):
    return client.post(
        "/api/v1/vault/documents/",
        {"upload_id": upload_id, "kind": kind, "title": "via tus"},
        format="json",
    )


def test_options_advertises_extensions(worker_client):
    response = worker_client.options("/api/v1/vault/uploads/")
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {
        "creation",
        "checksum",
        "expiration",
        "termination",
    }
    assert "sha1" in response["Tus-Checksum-Algorithm"]


def test_upload_in_chunks_then_create_document(worker_client):
    content = make_pdf("resumable", padding=300_000)
    created = create(worker_client, len(content))
    assert created.status_code == 201
    location = created["Location"]
    assert created["Upload-Offset"] == "0"
    offset = 0
    for size in (100_000, 65_536, 1, 200_000):
        chunk = content[offset : offset + size]
        response = patch(worker_client, location, offset, chunk)
        assert response.status_code == 204, response.content
        offset += len(chunk)
        assert int(response["Upload-Offset"]) == offset
    assert head_offset(worker_client, location) == len(content)
    doc = finish_document(worker_client, created.json()["id"])
    assert doc.status_code == 201, doc.json()
    assert doc.json()["current_version"]["sha256"] == hashlib.sha256(content).hexdigest()
    downloaded = worker_client.get(f"/api/v1/vault/documents/{doc.json()['id']}/content")
    assert b"".join(downloaded.streaming_content) == content
    assert not ResumableUpload.objects.exists()
    assert not StagedBlob.objects.exists()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_cut_at_random_offsets_reassembles_exactly(worker_client, data):
    content = make_pdf("cut", padding=data.draw(st.integers(0, 260_000)))
    created = create(worker_client, len(content))
    location = created["Location"]
    offset = 0
    while offset < len(content):
        planned = data.draw(st.integers(1, 150_000))
        arrived = data.draw(st.integers(0, planned))  # the connection drops after `arrived` bytes
        body = content[offset : offset + min(planned, arrived or planned)]
        response = patch(worker_client, location, offset, body)
        assert response.status_code == 204
        offset = head_offset(worker_client, location)  # resume where the server says
    document = finish_document(worker_client, created.json()["id"])
    assert document.status_code == 201, document.json()
    downloaded = worker_client.get(f"/api/v1/vault/documents/{document.json()['id']}/content")
    assert b"".join(downloaded.streaming_content) == content


def test_wrong_offset_is_409(worker_client):
    location = create(worker_client, 1000)["Location"]
    response = patch(worker_client, location, 10, b"x" * 10)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "offset_mismatch"


def test_checksum_mismatch_is_460_and_keeps_offset(worker_client):
    content = make_pdf("checksum")
    location = create(worker_client, len(content))["Location"]
    bad = base64.b64encode(hashlib.sha1(b"other", usedforsecurity=False).digest()).decode()
    response = patch(worker_client, location, 0, content, HTTP_UPLOAD_CHECKSUM=f"sha1 {bad}")
    assert response.status_code == 460
    assert head_offset(worker_client, location) == 0
    good = base64.b64encode(hashlib.sha1(content, usedforsecurity=False).digest()).decode()
    response = patch(worker_client, location, 0, content, HTTP_UPLOAD_CHECKSUM=f"sha1 {good}")
    assert response.status_code == 204


def test_missing_tus_header_and_bad_content_type(worker_client):
    response = worker_client.post("/api/v1/vault/uploads/", HTTP_UPLOAD_LENGTH="10")
    assert response.status_code == 412
    location = create(worker_client, 10)["Location"]
    response = worker_client.generic(
        "PATCH", location, b"x", content_type="text/plain", **TUS, HTTP_UPLOAD_OFFSET="0"
    )
    assert response.status_code == 415


def test_too_large_or_empty_upload_rejected(worker_client, settings):
    settings.VAULT_MAX_UPLOAD_BYTES = 1000
    assert create(worker_client, 1001).status_code == 413
    assert create(worker_client, 0).status_code == 400
    location = create(worker_client, 10)["Location"]
    assert patch(worker_client, location, 0, b"x" * 11).status_code == 413


def test_expired_upload_is_gone_and_purged(worker_client, settings, auth_client):
    created = create(worker_client, 100_000)
    patch(worker_client, created["Location"], 0, b"%PDF-" + b"x" * 70_000)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert auth_client(worker_client.user).head(created["Location"], **TUS).status_code == 410
        assert resumable_uploads_purge_expired() >= 1
    assert not ResumableUpload.objects.exists()
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_termination_deletes_parts(worker_client, settings):
    created = create(worker_client, 100_000)
    patch(worker_client, created["Location"], 0, b"%PDF-" + b"x" * 70_000)
    assert worker_client.delete(created["Location"], **TUS).status_code == 204
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert worker_client.head(created["Location"], **TUS).status_code == 404


def test_incomplete_upload_cannot_become_a_document(worker_client):
    created = create(worker_client, 1000)
    response = finish_document(worker_client, created.json()["id"])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "upload_incomplete"


def test_rejected_file_leaves_nothing_behind(worker_client, settings):
    content = b"MZ" + b"\x00" * 5000  # an executable, not an allowed type
    created = create(worker_client, len(content), filename="x.pdf")
    patch(worker_client, created["Location"], 0, content)
    response = finish_document(worker_client, created.json()["id"])
    assert response.status_code in (400, 415)
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert not StagedBlob.objects.exists()


def test_other_users_cannot_touch_an_upload(worker_client, auth_client, other_worker):
    created = create(worker_client, 1000)
    intruder = auth_client(other_worker)
    assert intruder.head(created["Location"], **TUS).status_code == 404
    assert patch(intruder, created["Location"], 0, b"x").status_code == 404
    assert intruder.delete(created["Location"], **TUS).status_code == 404
    assert finish_document(intruder, created.json()["id"]).status_code == 404
    assert head_offset(worker_client, created["Location"]) == 0


def test_a_second_writer_is_refused_while_the_first_holds_the_lease(worker_client):
    created = create(worker_client, 200_000)
    upload = ResumableUpload.objects.get(pk=created.json()["id"])
    ResumableUpload.objects.filter(pk=upload.pk).update(
        lease_token=upload.version_id, lease_until=timezone.now() + dt.timedelta(minutes=5)
    )
    response = patch(worker_client, created["Location"], 0, b"%PDF-" + b"x" * 1000)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "upload_busy"
    assert head_offset(worker_client, created["Location"]) == 0


def test_an_expired_lease_is_taken_over(worker_client):
    created = create(worker_client, 2000)
    ResumableUpload.objects.filter(pk=created.json()["id"]).update(
        lease_token=ResumableUpload.objects.get().version_id,
        lease_until=timezone.now() - dt.timedelta(seconds=1),
    )
    assert patch(worker_client, created["Location"], 0, b"x" * 100).status_code == 204
    assert head_offset(worker_client, created["Location"]) == 100


@pytest.mark.parametrize("value", ["\u00b2", "9" * 5000, "-1", "1e3", ""])
def test_odd_upload_length_is_a_clear_400(worker_client, value):
    response = worker_client.post("/api/v1/vault/uploads/", **TUS, HTTP_UPLOAD_LENGTH=value)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["Upload-Length"]


def test_tail_is_never_stored_in_clear(worker_client):
    secret = b"%PDF-TAILCANARY" + b"y" * 500
    created = create(worker_client, 100_000)
    patch(worker_client, created["Location"], 0, secret)
    stored = ResumableUpload.objects.get(pk=created.json()["id"])
    assert stored.sealed_tail
    assert b"TAILCANARY" not in bytes(stored.sealed_tail)
