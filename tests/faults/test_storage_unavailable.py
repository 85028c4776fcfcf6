"""Storage unavailable: a clear 503 ``storage_unavailable`` in the error envelope, and nothing
half-written — no Document/version row without its blob, no blob (or ``.partial``) without a row.

Three real failures, no mocks of the code under test:
- S3 (a real moto server) stopped: botocore EndpointConnectionError; started again afterwards;
- MEDIA_ROOT that cannot hold files (it is a regular file: NotADirectoryError on every write);
- a disk that fills up in the middle of a file (ENOSPC from the lowest-level write, after the
  first chunk went through: the case that used to surface as a 500).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import socket

import boto3
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.core import clock
from backend.vault import blobs
from backend.vault.models import ResumableUpload
from backend.vault.resumable import resumable_uploads_purge_expired
from tests.factories import WorkerFactory
from tests.faults.snapshot import media_files, stored_state
from tests.vault.files import make_jpeg_with_gps, make_pdf

pytestmark = pytest.mark.django_db
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
DOCUMENTS = "/api/v1/vault/documents/"
BUCKET = "fairtrail-faults"
UPLOADS = "/api/v1/vault/uploads/"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is: nothing listens there


def _assert_503(response):
    assert response.status_code == 503, response.content
    error = response.json()["error"]
    assert error["code"] == "storage_unavailable"
    assert error["message"]
    # The envelope names no host, path, bucket or exception text.
    assert "127.0.0.1" not in response.content.decode()
    assert "media" not in error["message"].lower()


def _multipart(client, content: bytes, name="contract.pdf", content_type="application/pdf"):
    return client.post(
        DOCUMENTS,
        {"kind": "payslip", "file": SimpleUploadedFile(name, content, content_type=content_type)},
        format="multipart",
    )


def _tus_create(client, length: int):
    meta = "filename " + base64.b64encode(b"contract.pdf").decode()
    return client.post(UPLOADS, HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=meta, **TUS)


def _tus_patch(client, location: str, offset: int, body: bytes):
    return client.generic(
        "PATCH",
        location,
        body,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
    )


@pytest.fixture
def client(auth_client):
    from backend.vault import keyring

    worker = WorkerFactory()
    keyring.vault_get_or_create(worker)  # the key container exists before the failure
    return auth_client(worker)


@pytest.fixture
def s3(settings):
    """A real S3 server (moto) that the test can stop and start again on the same port."""
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    port = _closed_port()
    server = {"s": ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)}
    server["s"].start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "default_acl": None,
                "file_overwrite": False,
                "client_config": Config(
                    connect_timeout=1, read_timeout=2, retries={"max_attempts": 0}
                ),
            },
        },
    }

    def stop():
        server["s"].stop()

    def start():
        server["s"] = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server["s"].start()

    def keys() -> list[str]:
        return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]

    client.stop, client.start, client.keys = stop, start, keys
    yield client
    with contextlib.suppress(Exception):
        server["s"].stop()


@pytest.fixture
def media_is_a_file(settings, tmp_path):
    blocker = tmp_path / "media-is-a-file"
    blocker.write_bytes(b"not a directory")
    settings.MEDIA_ROOT = blocker
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker)},
        },
    }
    return blocker


@pytest.fixture
def disk_fills_up(monkeypatch):
    """The first write of each file succeeds, every later one fails with ENOSPC."""
    original = blobs._LocalWriter.write

    def write(self, data):
        self.writes = getattr(self, "writes", 0) + 1
        if self.writes > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, data)

    monkeypatch.setattr(blobs._LocalWriter, "write", write)


# --- S3 endpoint down -------------------------------------------------------------------------


def _purge_later():
    with time_machine.travel(clock.now() + dt.timedelta(hours=25), tick=False):
        resumable_uploads_purge_expired()


def test_s3_down_single_upload_is_503_and_nothing_is_left_once_it_is_back(s3, client):
    before = stored_state()
    s3.stop()

    _assert_503(_multipart(client, make_pdf()))

    after = stored_state()
    # No document: only the staged record of a blob the storage could not confirm deleting.
    assert {k: v for k, v in after.items() if k != "StagedBlob"} == {
        k: v for k, v in before.items() if k != "StagedBlob"
    }
    s3.start()
    assert s3.keys() == []
    _purge_later()
    assert stored_state() == before


def test_s3_down_resumable_create_is_503_and_stores_nothing(s3, client):
    before = stored_state()
    s3.stop()

    _assert_503(_tus_create(client, 100))

    assert stored_state() == before
    s3.start()
    assert s3.keys() == []


def test_s3_down_during_download_is_503_and_back_afterwards(s3, client):
    data = make_pdf()
    created = _multipart(client, data)
    assert created.status_code == 201, created.json()
    url = f"{DOCUMENTS}{created.json()['id']}/content"
    s3.stop()

    _assert_503(client.get(url))

    s3.start()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data


# --- MEDIA_ROOT unusable ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (make_pdf(), "contract.pdf", "application/pdf"),
        (make_jpeg_with_gps(), "photo.jpg", "image/jpeg"),
    ],
    ids=["pdf", "jpeg"],
)
def test_unusable_media_root_single_upload_is_503(
    media_is_a_file, client, content, name, content_type
):
    before = stored_state()

    _assert_503(_multipart(client, content, name, content_type))

    assert stored_state() == before
    assert media_is_a_file.read_bytes() == b"not a directory"


def test_unusable_media_root_resumable_create_is_503(media_is_a_file, client):
    before = stored_state()

    _assert_503(_tus_create(client, 100))

    assert stored_state() == before


def test_storage_lost_between_create_and_patch_keeps_the_upload_resumable(
    settings, tmp_path, client
):
    data = make_pdf(padding=200_000)
    created = _tus_create(client, len(data))
    assert created.status_code == 201
    location = created["Location"]
    upload = ResumableUpload.objects.get()
    good_media = settings.MEDIA_ROOT
    files_before = media_files()

    blocker = tmp_path / "gone"
    blocker.write_bytes(b"x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker)},
        },
    }
    _assert_503(_tus_patch(client, location, 0, data[:100_000]))

    upload.refresh_from_db()
    assert (upload.offset, len(upload.parts), upload.lease_token) == (0, 1, None)
    # Storage is back: the same bytes resume from offset 0 and the document is created.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(good_media)},
        },
    }
    assert media_files() == files_before
    assert _tus_patch(client, location, 0, data).status_code == 204
    document = client.post(
        DOCUMENTS, {"upload_id": str(upload.id), "kind": "payslip"}, format="json"
    )
    assert document.status_code == 201, document.json()


# --- Disk full in the middle of a file -----------------------------------------------------------


def test_disk_full_mid_upload_is_503_and_leaves_no_partial(disk_fills_up, client):
    before = stored_state()

    _assert_503(_multipart(client, make_pdf(padding=600_000)))

    assert stored_state() == before  # no StagedBlob row, no .partial file


def test_disk_full_mid_patch_is_503_and_the_offset_is_unchanged(disk_fills_up, client):
    data = make_pdf(padding=600_000)
    created = _tus_create(client, len(data))
    assert created.status_code == 201
    before = stored_state()

    _assert_503(_tus_patch(client, created["Location"], 0, data))

    assert stored_state() == before
    upload = ResumableUpload.objects.get()
    assert (upload.offset, upload.lease_token) == (0, None)
