"""Evidence bundles: the ZIP verifies offline and fails when anything in it is changed."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backend.vault.models import TrailEntry
from tests.vault.conftest import upload_document
from tests.vault.files import make_pdf

pytestmark = pytest.mark.django_db


def _bundle(client, ids) -> bytes:
    response = client.post("/api/v1/vault/bundles/", {"document_ids": ids}, format="json")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def test_bundle_contains_files_manifest_and_summary(worker_client, tmp_path, capsys):
    contents = [make_pdf("contract"), make_pdf("payslip", padding=100_000)]
    ids = [
        upload_document(worker_client, c, title=f"Doc {i}").json()["id"]
        for i, c in enumerate(contents)
    ]
    data = _bundle(worker_client, ids)
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert [d["document_id"] for d in manifest["documents"]] == ids
    for item, content in zip(manifest["documents"], contents, strict=True):
        assert archive.read(item["file"]) == content
    assert "Doc 0" in archive.read("summary.html").decode()
    assert {e["event"] for e in manifest["trail"]} == {"upload"}
    assert TrailEntry.objects.filter(event="bundle").count() == 2
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    call_command("verify_bundle", str(path))
    assert "VALID" in capsys.readouterr().out


def _rewrite(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, change(body) if info.filename == name else body)
    return out.getvalue()


@pytest.mark.parametrize("target", ["file", "manifest", "trail"])
def test_tampered_bundle_fails_verification(worker_client, tmp_path, target):
    doc_id = upload_document(worker_client).json()["id"]
    data = _bundle(worker_client, [doc_id])
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    if target == "file":
        data = _rewrite(
            data, manifest["documents"][0]["file"], lambda b: b.replace(b"%PDF", b"%PDX")
        )
    elif target == "manifest":
        data = _rewrite(
            data, "manifest.json", lambda b: b.replace(b"employment_contract", b"payslip")
        )
    else:

        def alter(body):
            doc = json.loads(body)
            doc["trail"][0]["event"] = "view"
            return json.dumps(doc).encode()

        data = _rewrite(data, "manifest.json", alter)
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="INVALID"):
        call_command("verify_bundle", str(path))


def test_cannot_bundle_someone_elses_document(auth_client, document, other_worker):
    response = auth_client(other_worker).post(
        "/api/v1/vault/bundles/", {"document_ids": [document["id"]]}, format="json"
    )
    assert response.status_code == 404
    assert TrailEntry.objects.filter(event="bundle").count() == 0


def test_grantee_bundle_names_nobody_and_hides_other_access(
    worker_client, auth_client, caseworker, inspector
):
    doc_id = upload_document(worker_client).json()["id"]
    for grantee in (caseworker, inspector):
        worker_client.post(
            "/api/v1/vault/grants/",
            {"grantee": grantee.username, "document_ids": [doc_id]},
            format="json",
        )
    auth_client(inspector).get(f"/api/v1/vault/documents/{doc_id}/content")
    data = _bundle(auth_client(caseworker), [doc_id])
    text = zipfile.ZipFile(io.BytesIO(data)).read("manifest.json").decode()
    manifest = json.loads(text)
    assert [e["event"] for e in manifest["trail"]] == ["upload"]
    for user in (worker_client.user, caseworker, inspector):
        assert str(user.pk) not in text
        assert user.username not in text
