"""Master-key rotation re-wraps worker keys without touching files; shredding is final."""

from __future__ import annotations

import base64
import secrets

import pytest
from django.core.management import call_command

from backend.core.keys import master_key_provider
from backend.vault.models import Vault
from backend.vault.services import vault_shred
from tests.vault.conftest import upload_document
from tests.vault.files import make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_provider():
    master_key_provider.cache_clear()
    yield
    master_key_provider.cache_clear()


def test_rotation_round_trip(worker_client, settings, fresh_provider, capsys):
    content = make_pdf("rotate me")
    doc = upload_document(worker_client, content, title="Before rotation").json()
    old = settings.FAIRTRAIL_MASTER_KEY
    new = base64.b64encode(secrets.token_bytes(32)).decode()
    settings.FAIRTRAIL_MASTER_KEY = f"k2:{new},k1:{old}"
    master_key_provider.cache_clear()
    vault = Vault.objects.get(owner=worker_client.user)
    wrapped_before = bytes(vault.wrapped_key)

    call_command("rotate_master_key")
    assert "Re-wrapped 1 worker keys; 0 left" in capsys.readouterr().out
    vault.refresh_from_db()
    assert vault.master_key_id == "k2"
    assert bytes(vault.wrapped_key) != wrapped_before

    settings.FAIRTRAIL_MASTER_KEY = f"k2:{new}"  # the old key is gone for good
    master_key_provider.cache_clear()
    response = worker_client.get(f"/api/v1/vault/documents/{doc['id']}/content")
    assert b"".join(response.streaming_content) == content
    assert (
        worker_client.get(f"/api/v1/vault/documents/{doc['id']}/").json()["title"]
        == "Before rotation"
    )
    call_command("rotate_master_key")
    assert "Re-wrapped 0 worker keys" in capsys.readouterr().out


def test_shredding_the_worker_key_makes_every_file_unreadable(worker_client):
    docs = [upload_document(worker_client).json() for _ in range(2)]
    vault_shred(owner=worker_client.user)
    for doc in docs:
        response = worker_client.get(f"/api/v1/vault/documents/{doc['id']}/content")
        assert response.status_code == 410
        assert response.json()["error"]["code"] == "content_destroyed"
