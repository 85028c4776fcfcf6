"""Tampered ciphertext never yields wrong bytes: a clear integrity error, logged in the trail."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from backend.vault.crypto.errors import IntegrityError
from backend.vault.models import DocumentVersion, TrailEntry
from tests.vault.conftest import upload_document
from tests.vault.files import make_pdf

pytestmark = pytest.mark.django_db


def _blob_path(doc_id):
    version = DocumentVersion.objects.get(document_id=doc_id)
    return default_storage.path(version.blob_parts[0]["name"])


def _tamper(path, mutate):
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    with open(path, "wb") as handle:
        handle.write(mutate(data))


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d[:100] + bytes([d[100] ^ 1]) + d[101:], id="flip-early-byte"),
        pytest.param(lambda d: d[:-1] + bytes([d[-1] ^ 0x80]), id="flip-last-byte"),
        pytest.param(lambda d: d[:-1000], id="truncate"),
        pytest.param(lambda d: d + b"x", id="extend"),
    ],
)
def test_tampered_blob_gives_integrity_error(worker_client, mutate):
    doc = upload_document(worker_client, make_pdf("x", padding=10_000)).json()
    _tamper(_blob_path(doc["id"]), mutate)
    response = worker_client.get(f"/api/v1/vault/documents/{doc['id']}/content")
    if response.status_code == 200:  # failure detected mid-stream: the stream aborts
        with pytest.raises(IntegrityError):
            b"".join(response.streaming_content)
    else:
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "integrity_error"
    assert TrailEntry.objects.filter(event="integrity_failure", document_id=doc["id"]).exists()


def test_swapped_segments_are_detected(worker_client):
    doc = upload_document(worker_client, make_pdf("x", padding=400_000)).json()
    version = DocumentVersion.objects.get(document_id=doc["id"])
    seg = version.segment_size + 16

    def swap(data):
        header_end = len(data) - (len(data) // seg) * seg  # not exact; swap two middle segments
        a, b = header_end + seg, header_end + 2 * seg
        return data[:a] + data[b : b + seg] + data[a:b] + data[b + seg :]

    _tamper(_blob_path(doc["id"]), swap)
    response = worker_client.get(f"/api/v1/vault/documents/{doc['id']}/content")
    if response.status_code == 200:
        with pytest.raises(IntegrityError):
            b"".join(response.streaming_content)
    else:
        assert response.json()["error"]["code"] == "integrity_error"
