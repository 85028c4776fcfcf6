from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage

from backend.complaints.models import ComplaintEvidence
from backend.core import clock
from backend.vault.models import Document
from tests.vault.conftest import upload_document

YEAR = dt.timedelta(days=365)


def stored_document(client, kind="payslip", **fields) -> Document:
    response = upload_document(client, kind=kind, title="Secret pay slip", **fields)
    assert response.status_code == 201, response.json()
    return Document.objects.get(pk=response.json()["id"])


def blob_names(document: Document) -> list[str]:
    return [p["name"] for v in document.versions.all() for p in v.blob_parts]


def blobs_exist(names) -> list[bool]:
    return [default_storage.exists(name) for name in names]


def attach(complaint, document) -> None:
    ComplaintEvidence.objects.create(complaint=complaint, document=document, added_at=clock.now())


@pytest.fixture
def worker_client(worker, auth_client):
    return auth_client(worker)
