from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.vault.files import make_pdf


def upload_document(
    client,
    content: bytes | None = None,
    *,
    name="contract.pdf",
    content_type="application/pdf",
    **fields,
):
    payload = {"kind": "employment_contract", **fields}
    payload["file"] = SimpleUploadedFile(
        name, content if content is not None else make_pdf(), content_type=content_type
    )
    return client.post("/api/v1/vault/documents/", payload, format="multipart")


@pytest.fixture
def upload():
    return upload_document


@pytest.fixture
def worker_client(worker, auth_client):
    return auth_client(worker)


@pytest.fixture
def document(worker_client):
    response = upload_document(worker_client, title="My contract")
    assert response.status_code == 201, response.json()
    return response.json()
