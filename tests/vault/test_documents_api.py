"""Documents: upload, list, detail, update, versions, delete — and who must not see them."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.vault.crypto.signing import verify_receipt
from backend.vault.models import Document, StagedBlob, TrailEntry
from tests import factories
from tests.querycount import count_queries
from tests.vault.conftest import upload_document
from tests.vault.files import make_pdf

pytestmark = pytest.mark.django_db


def test_upload_stores_document_and_signed_receipt(worker_client):
    content = make_pdf("Contract of employment")
    response = upload_document(
        worker_client,
        content,
        title="Contract",
        issuer_name="ACME",
        details='{"monthly_wage": "12000", "currency": "THB"}',
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "employment_contract"
    assert body["title"] == "Contract"
    assert body["issuer_name"] == "ACME"
    assert body["details"] == {"monthly_wage": "12000.00", "currency": "THB"}
    assert body["current_version"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["current_version"]["size"] == len(content)
    assert body["current_version"]["content_type"] == "application/pdf"

    receipt = worker_client.get(f"/api/v1/vault/documents/{body['id']}/receipt").json()
    assert verify_receipt(receipt)
    assert receipt["payload"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert receipt["payload"]["trail_position"] == 1
    assert receipt["payload"]["owner"] != str(worker_client.user.pk)


def test_download_returns_exact_bytes_with_headers(worker_client):
    content = make_pdf("pay slip", padding=300_000)
    doc = upload_document(worker_client, content).json()
    response = worker_client.get(f"/api/v1/vault/documents/{doc['id']}/content")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(content))
    assert response["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    again = worker_client.get(
        f"/api/v1/vault/documents/{doc['id']}/content", HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=70000-140000", 70000, 140001),
        ("bytes=-500", None, None),
        ("bytes=150000-", 150000, None),
    ],
)
def test_range_requests_return_the_slice(worker_client, header, start, end):
    content = make_pdf("range", padding=200_000)
    doc = upload_document(worker_client, content).json()
    response = worker_client.get(f"/api/v1/vault/documents/{doc['id']}/content", HTTP_RANGE=header)
    expected = content[-500:] if start is None else content[start:end]
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == expected
    first = len(content) - 500 if start is None else start
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(content)}"


def test_unsatisfiable_range_is_416(worker_client, document):
    response = worker_client.get(
        f"/api/v1/vault/documents/{document['id']}/content", HTTP_RANGE="bytes=999999999-"
    )
    assert response.status_code == 416
    assert response.json()["error"]["code"] == "range_not_satisfiable"


def test_list_filters_by_kind_and_updated_since(worker_client):
    upload_document(worker_client, kind="payslip")
    contract = upload_document(worker_client).json()
    listing = worker_client.get("/api/v1/vault/documents/?kind=payslip").json()
    assert [d["kind"] for d in listing["results"]] == ["payslip"]
    since = worker_client.get(f"/api/v1/vault/documents/?updated_since={contract['updated_at']}")
    assert since.json()["results"] == []
    bad = worker_client.get("/api/v1/vault/documents/?updated_since=yesterday")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["updated_since"]


def test_list_query_count_is_constant(worker_client):
    for _ in range(2):
        upload_document(worker_client)
    few = count_queries(lambda: worker_client.get("/api/v1/vault/documents/"))
    for _ in range(8):
        upload_document(worker_client)
    many = count_queries(lambda: worker_client.get("/api/v1/vault/documents/"))
    assert few == many <= 5
    assert len(worker_client.get("/api/v1/vault/documents/").json()["results"]) == 10


def test_patch_reseals_metadata_and_records_trail(worker_client, document):
    response = worker_client.patch(
        f"/api/v1/vault/documents/{document['id']}/",
        {"title": "Signed in Yangon", "expires_on": "2030-01-31"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Signed in Yangon"
    assert response.json()["expires_on"] == "2030-01-31"
    last = TrailEntry.objects.order_by("-position").first()
    assert last.event == "metadata_update"
    assert last.data == {"fields": ["expires_on", "title"]}


def test_invalid_metadata_is_rejected_and_nothing_stored(worker_client, settings):
    before = Document.objects.count()
    response = upload_document(worker_client, issued_on="2026-05-01", expires_on="2026-01-01")
    assert response.status_code == 400
    assert "expires_on" in response.json()["error"]["fields"]
    assert Document.objects.count() == before
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_missing_file_is_a_clear_400(worker_client):
    response = worker_client.post(
        "/api/v1/vault/documents/", {"kind": "payslip"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"]


def test_new_version_keeps_history(worker_client, document):
    content = make_pdf("Second version")
    response = worker_client.post(
        f"/api/v1/vault/documents/{document['id']}/versions",
        {"file": SimpleUploadedFile("v2.pdf", content, content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version_count"] == 2
    assert body["current_version"]["number"] == 2
    downloaded = worker_client.get(f"/api/v1/vault/documents/{document['id']}/content")
    assert b"".join(downloaded.streaming_content) == content
    first = worker_client.get(f"/api/v1/vault/documents/{document['id']}/receipt?version=1").json()
    assert first["payload"]["sha256"] == document["current_version"]["sha256"]
    events = list(TrailEntry.objects.order_by("position").values_list("event", flat=True))
    assert events[:2] == ["upload", "new_version"]


def test_delete_is_a_tombstone_that_shreds_the_key(
    worker_client, document, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = worker_client.delete(f"/api/v1/vault/documents/{document['id']}/")
    assert response.status_code == 204
    stored = Document.objects.get(pk=document["id"])
    assert stored.deleted_at is not None
    assert stored.sealed_meta is None
    assert all(v.wrapped_data_key is None for v in stored.versions.all())
    assert [v.receipt for v in stored.versions.all()] == [{}]
    assert worker_client.get(f"/api/v1/vault/documents/{document['id']}/content").status_code == 404
    assert worker_client.get(f"/api/v1/vault/documents/{document['id']}/receipt").status_code == 404
    assert not list(settings.MEDIA_ROOT.rglob("*.ftv"))
    tomb = worker_client.get("/api/v1/vault/documents/?include_deleted=true").json()["results"]
    assert tomb == [{"id": document["id"], "deleted": True, "updated_at": tomb[0]["updated_at"]}]
    delete = TrailEntry.objects.order_by("-position").first()
    assert delete.event == "delete"
    assert delete.sha256 == document["current_version"]["sha256"]


@pytest.mark.parametrize(
    "intruder_factory",
    [
        factories.WorkerFactory,
        factories.InspectorFactory,
        factories.CaseworkerFactory,
        factories.ModeratorFactory,
    ],
)
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", "/"),
        ("patch", "/"),
        ("delete", "/"),
        ("get", "/content"),
        ("get", "/receipt"),
        ("post", "/versions"),
    ],
)
def test_other_users_get_404_and_change_nothing(
    auth_client, document, intruder_factory, method, suffix
):
    intruder = auth_client(intruder_factory())
    url = f"/api/v1/vault/documents/{document['id']}{suffix}"
    response = (
        getattr(intruder, method)(url, {"title": "pwned"}, format="json")
        if method in ("patch", "post")
        else getattr(intruder, method)(url)
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "My contract" not in response.content.decode()
    stored = Document.objects.get(pk=document["id"])
    assert stored.deleted_at is None and stored.version_count == 1
    assert intruder.get("/api/v1/vault/documents/").json()["results"] == []


def test_anonymous_gets_401(api, document):
    assert api.get("/api/v1/vault/documents/").status_code == 401
    assert api.get(f"/api/v1/vault/documents/{document['id']}/content").status_code == 401


def test_public_key_is_published(api):
    body = api.get("/api/v1/vault/public-key").json()
    assert body["alg"] == "Ed25519"
    assert body["pem"].startswith("-----BEGIN PUBLIC KEY-----")


@pytest.mark.parametrize(
    ("content", "name", "content_type", "status", "code"),
    [
        (
            b"MZ\x90\x00" + b"\x00" * 4000,
            "setup.exe",
            "application/octet-stream",
            415,
            "unsupported_file_type",
        ),
        (b"", "empty.pdf", "application/pdf", 400, "empty_file"),
        (b"%PDF-1.4\n1 0 obj<</Type/Catalog", "cut.pdf", "application/pdf", 400, "malformed_file"),
    ],
)
def test_rejected_upload_leaves_nothing_behind(
    worker_client, settings, content, name, content_type, status, code
):
    response = upload_document(worker_client, content, name=name, content_type=content_type)
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    assert not Document.objects.exists()
    assert not StagedBlob.objects.exists()
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_oversized_upload_is_413_and_leaves_nothing(worker_client, settings):
    settings.VAULT_MAX_UPLOAD_BYTES = 50_000
    response = upload_document(worker_client, make_pdf("big", padding=120_000))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert not StagedBlob.objects.exists()
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_uploads_are_throttled_per_user(worker_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "vault_upload": "2/hour",
        },
    }
    assert upload_document(worker_client).status_code == 201
    assert upload_document(worker_client).status_code == 201
    third = upload_document(worker_client)
    assert third.status_code == 429
    assert int(third["Retry-After"]) > 0
    assert worker_client.get("/api/v1/vault/documents/").status_code == 200


@pytest.mark.parametrize("value", ["\u00b2", "9" * 5000, "0", "-1", "abc"])
def test_odd_receipt_version_is_a_clear_400(worker_client, document, value):
    response = worker_client.get(
        f"/api/v1/vault/documents/{document['id']}/receipt", {"version": value}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["version"]


def test_absurd_range_header_is_ignored(worker_client, document):
    response = worker_client.get(
        f"/api/v1/vault/documents/{document['id']}/content", HTTP_RANGE="bytes=" + "9" * 5000 + "-"
    )
    assert response.status_code == 200
    assert len(b"".join(response.streaming_content)) == document["current_version"]["size"]


def test_changing_kind_drops_details_of_the_old_kind(worker_client):
    doc = upload_document(worker_client, details='{"monthly_wage": "9000", "currency": "THB"}')
    doc_id = doc.json()["id"]
    changed = worker_client.patch(
        f"/api/v1/vault/documents/{doc_id}/", {"kind": "payslip"}, format="json"
    ).json()
    assert changed["kind"] == "payslip"
    assert changed["details"] == {}
    stored = Document.objects.get(pk=doc_id)
    assert (stored.kind_at_upload, stored.kind) == ("employment_contract", "payslip")


def test_grantee_reading_a_receipt_is_in_the_trail(
    worker_client, document, caseworker, auth_client
):
    worker_client.post(
        "/api/v1/vault/grants/",
        {"grantee": caseworker.username, "document_ids": [document["id"]]},
        format="json",
    )
    auth_client(caseworker).get(f"/api/v1/vault/documents/{document['id']}/receipt")
    last = TrailEntry.objects.order_by("-position").first()
    assert (last.event, last.actor_role) == ("view", "ngo_caseworker")


def test_a_caseworker_whose_role_changed_loses_shared_documents(
    worker_client, document, caseworker, auth_client
):
    worker_client.post(
        "/api/v1/vault/grants/",
        {"grantee": caseworker.username, "document_ids": [document["id"]]},
        format="json",
    )
    client = auth_client(caseworker)
    assert len(client.get("/api/v1/vault/shared-with-me/").json()["results"]) == 1
    caseworker.role = "agency_representative"
    caseworker.save()
    assert client.get("/api/v1/vault/shared-with-me/").json()["results"] == []
    assert client.get(f"/api/v1/vault/documents/{document['id']}/").status_code == 404


def test_deeply_nested_details_are_a_clear_400(worker_client):
    response = upload_document(worker_client, details="[" * 100_000)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["details"]
    assert not Document.objects.exists()


def test_deeply_nested_json_body_is_a_clear_400(worker_client):
    response = worker_client.generic(
        "POST", "/api/v1/vault/documents/", "[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
