"""The web process SIGKILLed in the middle of uploads (gunicorn on a free port, PostgreSQL).

Three uploads are in flight when the whole gunicorn process group is killed: a tus PATCH after
one acknowledged chunk (A), the first tus PATCH of another upload (B) and a single-request
multipart upload (C). Afterwards:
- no Document exists, and no file under the server's data folder holds plaintext;
- a new server answers HEAD with the last acknowledged offset of A, and A resumes from there
  (once the dead request's write lease — VAULT_TUS_LEASE_SECONDS — has run out) to a document
  whose download is byte-for-byte the original;
- B and C are never finished: the expiry task (vault.purge_expired_uploads) deletes their
  parts, the half-written ``.partial`` files and the staged records, leaving only A's blobs.
"""

from __future__ import annotations

import base64
import datetime as dt
import socket
import time
from pathlib import Path

import pytest
import requests
import time_machine

from backend.accounts.services import device_sign_in
from backend.core import clock
from backend.vault.models import Document, DocumentVersion, ResumableUpload, StagedBlob
from backend.vault.resumable import resumable_uploads_purge_expired
from tests.factories import WorkerFactory
from tests.faults.servers import WebServer, require_postgres, wait_until
from tests.vault.files import make_pdf
from tests.workers.test_worker_end_to_end import database_url

pytestmark = [pytest.mark.postgres]

CANARY = "FairtrailPlaintextCanary4711"
CHUNK = 1024 * 1024
LEASE_SECONDS = 2


def _plaintext() -> bytes:
    data = make_pdf(CANARY, padding=3 * CHUNK)
    assert data.count(CANARY.encode()) >= 1
    return data


def _start_request(port: int, head: str, body: bytes) -> socket.socket:
    """Send the request line, the headers and ``body`` (only part of the declared length)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(head.encode("latin-1") + b"\r\n" + body)
    return sock


def _patch_head(location: str, token: str, offset: int, length: int) -> str:
    path = location.split("://", 1)[-1].split("/", 1)[1]
    return (
        f"PATCH /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Upload-Offset: {offset}\r\nContent-Length: {length}\r\n"
    )


def _multipart_head(token: str, length: int, boundary: str) -> str:
    return (
        f"POST /api/v1/vault/documents/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}"
        f"\r\nContent-Length: {length}\r\n"
    )


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _holds_plaintext(path: Path, data: bytes) -> bool:
    content = path.read_bytes()
    samples = [CANARY.encode(), data[:64], data[CHUNK : CHUNK + 64], data[-64:]]
    return any(sample in content for sample in samples)


def test_web_process_killed_mid_upload(transactional_db, tmp_path, settings):
    require_postgres()
    data = _plaintext()
    worker = WorkerFactory()
    token = device_sign_in(user=worker, device_name="phone").access
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    server = WebServer(
        data_dir=tmp_path / "server",
        database_url=database_url(),
        name="web",
        VAULT_TUS_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    # The test process purges with the server's storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(server.media)},
        },
    }
    sockets: list[socket.socket] = []
    server.start()
    try:
        meta = "filename " + base64.b64encode(b"contract.pdf").decode()
        created = [
            requests.post(
                f"{server.url}/api/v1/vault/uploads/",
                headers={**auth, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
                timeout=10,
            )
            for _ in range(2)
        ]
        assert [r.status_code for r in created] == [201, 201], created[0].text
        location_a, location_b = (r.headers["Location"] for r in created)
        first = requests.patch(
            location_a,
            data=data[:CHUNK],
            headers={
                **auth,
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": "0",
            },
            timeout=30,
        )
        assert first.status_code == 204 and first.headers["Upload-Offset"] == str(CHUNK)

        # Three requests in flight, each with part of its body sent.
        rest = len(data) - CHUNK
        sockets.append(
            _start_request(
                server.port,
                _patch_head(location_a, token, CHUNK, rest),
                data[CHUNK : CHUNK + 700_000],
            )
        )
        sockets.append(
            _start_request(
                server.port, _patch_head(location_b, token, 0, len(data)), data[:900_000]
            )
        )
        boundary = "faultboundary7"
        multipart = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npayslip\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="contract.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode() + data
        multipart += f"\r\n--{boundary}--\r\n".encode()
        sockets.append(
            _start_request(
                server.port,
                _multipart_head(token, len(multipart), boundary),
                multipart[:800_000],
            )
        )
        # Wait until all three are writing ciphertext (three .partial files), then kill.
        wait_until(
            lambda: len([p for p in _files(server.media) if p.name.endswith(".partial")]) >= 3,
            timeout=30,
            what="three uploads writing at once",
            server=server,
        )
        time.sleep(0.3)
        server.kill()

        # --- After the crash ------------------------------------------------------------------
        assert not Document.objects.exists()
        assert not DocumentVersion.objects.exists()
        upload_a = ResumableUpload.objects.get(pk=created[0].json()["id"])
        upload_b = ResumableUpload.objects.get(pk=created[1].json()["id"])
        assert (upload_a.offset, upload_b.offset) == (CHUNK, 0)  # nothing unacknowledged counts
        assert StagedBlob.objects.count() == 1  # the multipart upload's blob, recorded first
        leftovers = _files(server.data_dir)
        assert any(p.name.endswith(".partial") for p in leftovers)
        assert [p for p in leftovers if _holds_plaintext(p, data)] == []

        # --- A new server; A resumes from the acknowledged offset ------------------------------
        server.start()
        head = requests.head(location_a, headers=auth, timeout=10)
        assert head.status_code == 200
        assert head.headers["Upload-Offset"] == str(CHUNK)
        assert head.headers["Upload-Length"] == str(len(data))
        patch_rest = {
            **auth,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(CHUNK),
        }
        busy = requests.patch(location_a, data=b"", headers=patch_rest, timeout=10)
        if busy.status_code == 409:  # the dead request's lease, until it runs out
            assert busy.json()["error"]["code"] == "upload_busy"
            time.sleep(LEASE_SECONDS + 0.5)
        resumed = requests.patch(location_a, data=data[CHUNK:], headers=patch_rest, timeout=60)
        assert resumed.status_code == 204, resumed.text
        assert resumed.headers["Upload-Offset"] == str(len(data))
        document = requests.post(
            f"{server.url}/api/v1/vault/documents/",
            json={"upload_id": str(upload_a.id), "kind": "employment_contract"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert document.status_code == 201, document.text
        content = requests.get(
            f"{server.url}/api/v1/vault/documents/{document.json()['id']}/content",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert content.status_code == 200 and content.content == data
    finally:
        for sock in sockets:
            sock.close()
        server.stop()

    # --- B and C were abandoned: the expiry task removes every piece ----------------------------
    keep = {p["name"] for v in DocumentVersion.objects.all() for p in v.blob_parts}
    assert len(keep) >= 1
    with time_machine.travel(clock.now() + dt.timedelta(hours=25), tick=False):
        purged = resumable_uploads_purge_expired()
    assert purged == 2  # upload B and the staged blob of C
    assert not ResumableUpload.objects.exists() and not StagedBlob.objects.exists()
    remaining = {str(p.relative_to(server.media)) for p in _files(server.media)}
    assert remaining == keep
    assert [p for p in _files(server.data_dir) if _holds_plaintext(p, data)] == []
