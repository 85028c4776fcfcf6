"""The vault against a real S3-compatible server over HTTP (moto's standalone server)."""

from __future__ import annotations

import socket

import boto3
import pytest

from tests.vault.conftest import upload_document
from tests.vault.files import make_pdf

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    options = {
        "bucket_name": "fairtrail-test",
        "endpoint_url": s3_endpoint,
        "access_key": "test",
        "secret_key": "test",
        "region_name": "us-east-1",
        "default_acl": None,
        "file_overwrite": False,
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="fairtrail-test")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    yield client
    for item in client.list_objects_v2(Bucket="fairtrail-test").get("Contents", []):
        client.delete_object(Bucket="fairtrail-test", Key=item["Key"])


def _objects(client) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket="fairtrail-test").get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket="fairtrail-test", Key=item["Key"])["Body"].read()
        for item in listing
    }


def test_vault_round_trip_on_s3(worker_client, s3_storage, django_capture_on_commit_callbacks):
    canary = "CANARYs3b81c"
    content = make_pdf(canary, padding=300_000)
    response = upload_document(worker_client, content, title=canary)
    assert response.status_code == 201, response.json()
    doc = response.json()
    stored = _objects(s3_storage)
    assert len(stored) == 1
    (blob,) = stored.values()
    assert blob[:4] == b"FTV1"
    assert canary.encode() not in blob

    full = worker_client.get(f"/api/v1/vault/documents/{doc['id']}/content")
    assert b"".join(full.streaming_content) == content
    part = worker_client.get(
        f"/api/v1/vault/documents/{doc['id']}/content", HTTP_RANGE="bytes=100000-100999"
    )
    assert b"".join(part.streaming_content) == content[100000:101000]

    with django_capture_on_commit_callbacks(execute=True):
        assert worker_client.delete(f"/api/v1/vault/documents/{doc['id']}/").status_code == 204
    assert _objects(s3_storage) == {}


def test_resumable_upload_on_s3(worker_client, s3_storage):
    import base64

    content = make_pdf("tus on s3", padding=200_000)
    meta = "filename " + base64.b64encode(b"c.pdf").decode()
    created = worker_client.post(
        "/api/v1/vault/uploads/",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH=str(len(content)),
        HTTP_UPLOAD_METADATA=meta,
    )
    location = created["Location"]
    for offset in range(0, len(content), 90_000):
        response = worker_client.generic(
            "PATCH",
            location,
            content[offset : offset + 90_000],
            content_type="application/offset+octet-stream",
            HTTP_TUS_RESUMABLE="1.0.0",
            HTTP_UPLOAD_OFFSET=str(offset),
        )
        assert response.status_code == 204
    doc = worker_client.post(
        "/api/v1/vault/documents/",
        {"upload_id": created.json()["id"], "kind": "payslip"},
        format="json",
    )
    assert doc.status_code == 201, doc.json()
    full = worker_client.get(f"/api/v1/vault/documents/{doc.json()['id']}/content")
    assert b"".join(full.streaming_content) == content
