"""Account erasure end to end: content shredded at once, the rest gone after the run, no trace
of the worker's canary data anywhere, while the anonymous aggregates still count them."""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.agencies.models import AgencyStats, Review
from backend.agencies.services.aggregates import agency_aggregates_refresh
from backend.complaints import selectors as complaint_selectors
from backend.complaints.models import Complaint, ComplaintMessage, State
from backend.complaints.services import message_post
from backend.core import clock
from backend.notifications.services import notify
from backend.retention.erasure import account_erasure_complete
from backend.retention.models import AccountErasure, ComplaintAggregate, DataExport, LegalHold
from backend.retention.services import legal_hold_create, retention_run
from backend.vault.models import Document, DocumentVersion, TrailEntry, Vault
from tests import factories
from tests.agencies.conftest import make_review
from tests.complaints.conftest import Case, file_complaint
from tests.retention.canary import database_hits, storage_files, storage_hits
from tests.retention.conftest import YEAR, attach, blob_names
from tests.vault.conftest import upload_document
from tests.vault.files import make_pdf

pytestmark = pytest.mark.django_db

PHONE = "+66819990417"
NAME = "Canary Aung Zaw Htet"
TITLE = "CANARY-TITLE-7f3a"
NOTE = "CANARY-NOTE-9b2c"
COMMENT = "CANARY-COMMENT-recruiter took my money"
MESSAGE = "CANARY-MESSAGE-please help"
PDF_TEXT = "CANARYPDFBYTES-42d1"


def needles() -> list[bytes]:
    return [s.encode() for s in (PHONE, PHONE.lstrip("+"), NAME, TITLE, NOTE, COMMENT, MESSAGE)] + [
        PDF_TEXT.encode()
    ]


def _upload(client, **fields):
    response = upload_document(
        client,
        make_pdf(PDF_TEXT),
        kind="payslip",
        title=TITLE,
        notes=NOTE,
        **fields,
    )
    assert response.status_code == 201, response.json()
    return Document.objects.get(pk=response.json()["id"])


@pytest.fixture
def canary(auth_client, django_capture_on_commit_callbacks):
    """A worker with a document, a closed complaint (with evidence), an open complaint, a
    public review among four others, a notification and a ready export."""
    case = Case()
    worker = case.worker
    User.objects.filter(pk=worker.pk).update(
        phone=PHONE, username=PHONE, display_name=NAME, preferred_language="ne", region="Bago"
    )
    worker.refresh_from_db()
    client = auth_client(worker)
    with django_capture_on_commit_callbacks(execute=True):
        document = _upload(client)
        evidence = _upload(client)
    attach(case.complaint, evidence)
    case.to(State.CLOSED)
    open_complaint = file_complaint(worker, categories=("recruitment_fees",))
    message_post(actor=worker, complaint_id=open_complaint.pk, body=MESSAGE)
    agency = factories.AgencyFactory()
    with django_capture_on_commit_callbacks(execute=True):
        review = make_review(agency, author=worker, comment=COMMENT)
        for _ in range(4):
            make_review(agency)
    Review.objects.filter(agency=agency).update(is_public=True)
    agency_aggregates_refresh(agency_id=agency.pk)
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="vault.document_expiring", event_key="canary", recipients=[worker])
        assert client.post("/api/v1/me/export").status_code == 202
    assert DataExport.objects.get(owner=worker).status == "ready"
    return {
        "worker": worker,
        "client": client,
        "case": case,
        "document": document,
        "evidence": evidence,
        "open_complaint": open_complaint,
        "agency": agency,
        "review": review,
        "blobs": blob_names(document) + blob_names(evidence),
    }


def _delete_me(client, password=factories.DEFAULT_PASSWORD):
    return client.delete("/api/v1/me", {"password": password}, format="json")


def test_content_is_unreadable_at_once_and_sessions_end(canary, django_capture_on_commit_callbacks):
    client, worker = canary["client"], canary["worker"]
    response = _delete_me(client)
    assert response.status_code == 204
    vault = Vault.objects.get(owner_id=worker.pk)
    assert vault.wrapped_key is None and vault.key_destroyed_at is not None
    assert not DocumentVersion.objects.filter(
        document__owner_id=worker.pk, wrapped_data_key__isnull=False
    ).exists()
    # The same access token no longer works; neither does signing in.
    assert client.get("/api/v1/me").status_code == 401
    login = APIClient().post(
        "/api/v1/auth/token",
        {"phone": PHONE, "password": factories.DEFAULT_PASSWORD},
        format="json",
    )
    assert login.status_code == 401
    user = User.objects.get(pk=worker.pk)
    assert (user.phone, user.display_name, user.is_active) == (None, "", False)
    assert (user.country, user.region, user.sectors) == ("", "", [])
    assert user.preferred_language == settings.LANGUAGE_CODE
    assert not user.has_usable_password()
    review = Review.objects.get(pk=canary["review"].pk)
    assert (review.comment_sealed, review.comment_masked) == (None, "")


def test_after_the_run_no_trace_is_left_but_aggregates_count(
    canary, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    worker, case = canary["worker"], canary["case"]
    assert storage_hits([b"%PDF"]) == []  # only ciphertext was ever stored
    assert "accounts_user.phone" in database_hits(needles())  # the scan does find data
    with django_capture_on_commit_callbacks(execute=True):
        assert _delete_me(canary["client"]).status_code == 204
    # The completion ran on commit (the task); the daily run re-checks what the open
    # (implicitly held) complaint keeps, and deletes nothing more.
    erasure = AccountErasure.objects.get()
    assert erasure.completed_at is not None and erasure.settled_at is None
    with django_capture_on_commit_callbacks(execute=True):
        run = retention_run(dry_run=False)
    assert run.counts["account_erasure"] == 1
    assert ComplaintAggregate.objects.get(dimension="total").count == 1

    assert database_hits(needles()) == []
    assert storage_hits(needles()) == []
    assert [p for p in storage_files() if any(n in p for n in canary["blobs"])] == []
    assert not DataExport.objects.exists()
    for needle in needles():
        assert needle.decode() not in caplog.text

    # The closed complaint is folded and gone; the open one is kept, pseudonymised.
    assert not Complaint.objects.filter(pk=case.complaint.pk).exists()
    total = ComplaintAggregate.objects.get(dimension="total")
    assert (total.count, total.country) == (1, "TH")
    assert ComplaintAggregate.objects.get(dimension="category", key="withholding_of_wages").count
    kept = Complaint.objects.get(pk=canary["open_complaint"].pk)
    assert kept.worker_id == worker.pk
    presented = complaint_selectors.complaint_present(kept, user=case.inspector, rels=frozenset())
    assert presented["narrative"] is None
    assert not Document.objects.filter(pk=canary["document"].pk).exists()
    assert not TrailEntry.objects.filter(vault__owner_id=worker.pk).exists()

    # The review still counts in the agency's statistics, without its comment or author data.
    agency_aggregates_refresh(agency_id=canary["agency"].pk)
    stats = AgencyStats.objects.get(agency=canary["agency"])
    assert stats.review_count == 5
    assert stats.suppressed is False


def test_held_complaint_is_kept_until_its_hold_ends(canary, django_capture_on_commit_callbacks):
    worker, case = canary["worker"], canary["case"]
    kept = canary["open_complaint"]
    attach(kept, canary["document"])
    with django_capture_on_commit_callbacks(execute=True):
        assert _delete_me(canary["client"]).status_code == 204
    assert Document.objects.filter(pk=canary["document"].pk, deleted_at__isnull=False).exists()
    erasure = AccountErasure.objects.get()
    assert erasure.settled_at is None
    # The inspectorate rejects the case: the implicit hold ends, the next run finishes the job.
    Complaint.objects.filter(pk=kept.pk).update(state=State.REJECTED)
    with django_capture_on_commit_callbacks(execute=True):
        run = retention_run(dry_run=False)
    assert run.counts["account_erasure"] == 1
    assert not Complaint.objects.filter(worker_id=worker.pk).exists()
    assert not Document.objects.filter(owner_id=worker.pk).exists()
    assert ComplaintAggregate.objects.get(dimension="total").count == 2
    assert ComplaintAggregate.objects.get(dimension="state", key="rejected").count == 1
    erasure.refresh_from_db()
    # Only the anonymous rating remains, pointing at the pseudonymised tombstone.
    assert erasure.settled_at is not None
    assert Review.objects.filter(author_id=worker.pk).count() == 1
    assert database_hits(needles()) == []
    del case


def test_explicit_hold_keeps_a_closed_complaint(canary, django_capture_on_commit_callbacks):
    case = canary["case"]
    supervisor_inspector = case.assignee
    hold = legal_hold_create(
        actor=supervisor_inspector,
        complaint_id=case.complaint.pk,
        reason="Court case pending",
        ends_at=clock.now() + YEAR,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _delete_me(canary["client"]).status_code == 204
    assert Complaint.objects.filter(pk=case.complaint.pk).exists()
    hold.refresh_from_db()
    assert hold.sealed_reason is None
    assert ComplaintMessage.objects.filter(
        complaint=canary["open_complaint"], author__isnull=True
    ).exists()
    assert LegalHold.objects.filter(pk=hold.pk).exists()


def test_wrong_password_changes_nothing(canary):
    client, worker = canary["client"], canary["worker"]
    before = (Vault.objects.get(owner_id=worker.pk).wrapped_key, User.objects.get(pk=worker.pk))
    response = _delete_me(client, "not my password")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "password" in response.json()["error"]["fields"]
    assert Vault.objects.get(owner_id=worker.pk).wrapped_key == before[0]
    user = User.objects.get(pk=worker.pk)
    assert (user.phone, user.is_active) == (PHONE, True)
    assert not AccountErasure.objects.exists()
    assert client.get("/api/v1/me").status_code == 200


def test_completion_crash_rolls_back_and_resumes(
    canary, monkeypatch, django_capture_on_commit_callbacks
):
    from backend.retention import erasure as erasure_module

    real = erasure_module.complaints_fold_and_delete
    calls = {"n": 0}

    def crash_after_fold(complaints):
        calls["n"] += 1
        done = real(complaints)
        if calls["n"] == 1:
            raise RuntimeError("worker killed mid-batch")
        return done

    monkeypatch.setattr(erasure_module, "complaints_fold_and_delete", crash_after_fold)
    assert _delete_me(canary["client"]).status_code == 204  # on-commit task not executed
    erasure = AccountErasure.objects.get()
    with pytest.raises(RuntimeError):
        account_erasure_complete(erasure_id=erasure.pk)
    assert not ComplaintAggregate.objects.exists()
    assert Complaint.objects.filter(pk=canary["case"].complaint.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert account_erasure_complete(erasure_id=erasure.pk) is not None
    assert ComplaintAggregate.objects.get(dimension="total").count == 1
    # Re-running (a redelivered task) folds nothing twice.
    assert account_erasure_complete(erasure_id=erasure.pk)["complaints"] == 0
    assert ComplaintAggregate.objects.get(dimension="total").count == 1


def test_export_is_encrypted_at_rest_and_holds_everything(canary):
    client, worker = canary["client"], canary["worker"]
    export = DataExport.objects.get(owner=worker)
    assert storage_hits(needles()) == []  # the archive in storage is ciphertext
    response = client.get(f"/api/v1/me/export/{export.pk}/download")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(body))
    names = set(archive.namelist())
    assert {
        "profile.json",
        "documents.json",
        "trail.json",
        "reviews.json",
        "complaints.json",
    } <= names
    assert PHONE in archive.read("profile.json").decode()
    documents = archive.read("documents.json").decode()
    assert TITLE in documents and NOTE in documents
    assert COMMENT in archive.read("reviews.json").decode()
    complaints = archive.read("complaints.json").decode()
    assert MESSAGE in complaints and canary["case"].complaint.reference in complaints
    assert canary["open_complaint"].reference in complaints
    assert "vault.document_expiring" in archive.read("notifications.json").decode()
    files = sorted(n for n in names if n.startswith("files/"))
    assert len(files) == 2
    version = canary["document"].current_version
    exported = archive.read(f"files/{canary['document'].pk}-v1.pdf")
    assert hashlib.sha256(exported).hexdigest() == version.sha256
