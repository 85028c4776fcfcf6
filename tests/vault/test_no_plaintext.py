"""A canary document's bytes and metadata never reach storage, the database or the logs."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.db import connection

from tests.vault.conftest import upload_document
from tests.vault.files import make_pdf

pytestmark = pytest.mark.django_db

CANARY = "CANARY7f3a9cSomchaiWage14500THB"


def _database_dump() -> bytes:
    """Every value of every row of every table, as bytes."""
    out = bytearray()
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from the ORM
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        out += bytes(value)
                    else:
                        out += str(value).encode()
    return bytes(out)


def test_canary_is_nowhere_in_clear(worker_client, settings, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    content = make_pdf(CANARY, padding=150_000)
    assert CANARY.encode() in content
    response = upload_document(
        worker_client,
        content,
        title=CANARY,
        notes=CANARY,
        issuer_name=CANARY,
        details=f'{{"paid_to": "{CANARY}"}}',
        kind="recruitment_fee_receipt",
    )
    assert response.status_code == 201, response.json()
    doc_id = response.json()["id"]
    downloaded = worker_client.get(f"/api/v1/vault/documents/{doc_id}/content")
    assert CANARY.encode() in b"".join(downloaded.streaming_content)
    worker_client.patch(
        f"/api/v1/vault/documents/{doc_id}/", {"notes": CANARY + "-2"}, format="json"
    )

    stored = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert stored, "the encrypted blob should be in storage"
    for path in stored:
        assert CANARY.encode() not in path.read_bytes(), path
        assert b"%PDF" not in path.read_bytes()[:64]
    dump = _database_dump()
    assert CANARY.encode() not in dump
    assert CANARY.encode("utf-16-le") not in dump
    assert CANARY not in caplog.text
    tmp_files = [p for p in tmp_path.parent.rglob("*") if p.is_file() and p.stat().st_size < 5e6]
    assert not [p for p in tmp_files if CANARY.encode() in p.read_bytes()]
