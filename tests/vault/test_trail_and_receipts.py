"""The trail verifies end to end and fails when altered; receipts verify offline."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backend.vault.crypto.signing import public_key_pem
from backend.vault.models import TrailEntry, Vault
from backend.vault.trail import trail_verify
from tests.vault.conftest import upload_document
from tests.vault.files import make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail_of_three(worker_client, document):
    worker_client.patch(
        f"/api/v1/vault/documents/{document['id']}/", {"title": "t2"}, format="json"
    )
    worker_client.get(f"/api/v1/vault/documents/{document['id']}/content")
    return Vault.objects.get(owner=worker_client.user)


def test_trail_verifies(worker_client, trail_of_three):
    body = worker_client.get("/api/v1/vault/trail/").json()
    assert [e["position"] for e in body["results"]] == [3, 2, 1]
    assert body["verification"] == {
        "ok": True,
        "checked": 3,
        "first_bad_position": None,
        "reason": "",
        "head": trail_of_three.trail_head,
    }


def test_altered_entry_is_detected(trail_of_three):
    TrailEntry.objects.filter(vault=trail_of_three, position=2).update(event="view")
    result = trail_verify(trail_of_three)
    assert not result.ok
    assert result.first_bad_index == 1


def test_removed_entry_is_detected(trail_of_three):
    TrailEntry.objects.filter(vault=trail_of_three, position=2).delete()
    assert not trail_verify(trail_of_three).ok


def test_removed_last_entry_is_detected(trail_of_three):
    TrailEntry.objects.filter(vault=trail_of_three, position=3).delete()
    assert not trail_verify(trail_of_three).ok


def test_reordered_entries_are_detected(trail_of_three):
    first = TrailEntry.objects.get(vault=trail_of_three, position=1)
    second = TrailEntry.objects.get(vault=trail_of_three, position=2)
    TrailEntry.objects.filter(pk=first.pk).update(position=99)
    TrailEntry.objects.filter(pk=second.pk).update(position=1)
    TrailEntry.objects.filter(pk=first.pk).update(position=2)
    assert not trail_verify(trail_of_three).ok


def test_trail_is_private(auth_client, trail_of_three, other_worker):
    other = auth_client(other_worker).get("/api/v1/vault/trail/").json()
    assert other["results"] == []


def test_verify_receipt_command(worker_client, document, tmp_path, capsys):
    receipt = worker_client.get(f"/api/v1/vault/documents/{document['id']}/receipt").json()
    receipt_path = tmp_path / "receipt.json"
    receipt_path.write_text(json.dumps(receipt))
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(public_key_pem())
    file_path = tmp_path / "doc.pdf"
    file_path.write_bytes(
        b"".join(
            worker_client.get(f"/api/v1/vault/documents/{document['id']}/content").streaming_content
        )
    )
    call_command("verify_receipt", str(receipt_path), public_key=str(key_path), file=str(file_path))
    assert "VALID" in capsys.readouterr().out

    file_path.write_bytes(make_pdf("another"))
    with pytest.raises(CommandError, match="does not match"):
        call_command("verify_receipt", str(receipt_path), file=str(file_path))
    receipt["payload"]["sha256"] = "0" * 64
    receipt_path.write_text(json.dumps(receipt))
    with pytest.raises(CommandError, match="INVALID"):
        call_command("verify_receipt", str(receipt_path))


def test_receipts_differ_per_upload(worker_client):
    a = upload_document(worker_client).json()
    b = upload_document(worker_client).json()
    ra = worker_client.get(f"/api/v1/vault/documents/{a['id']}/receipt").json()
    rb = worker_client.get(f"/api/v1/vault/documents/{b['id']}/receipt").json()
    assert ra["payload"]["trail_position"] == 1
    assert rb["payload"]["trail_position"] == 2
    assert ra["signature"] != rb["signature"]
