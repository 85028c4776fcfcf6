"""A worker's deletion: the content is unreadable at once, the blobs gone within the day even if
the process dies between the commit and the file deletion (the on-commit callback never runs)."""

from __future__ import annotations

import pytest

from backend.retention.services import retention_run
from backend.vault.models import Document, StagedBlob
from backend.vault.resumable import resumable_uploads_purge_expired
from tests.retention.conftest import blob_names, blobs_exist, stored_document

pytestmark = pytest.mark.django_db


def _delete(client, document):
    return client.delete(f"/api/v1/vault/documents/{document.pk}/")


def test_deleted_document_leaves_no_blob_and_no_staged_row(
    worker_client, django_capture_on_commit_callbacks
):
    document = stored_document(worker_client)
    names = blob_names(document)
    assert names and blobs_exist(names) == [True] * len(names)
    with django_capture_on_commit_callbacks(execute=True):
        assert _delete(worker_client, document).status_code == 204
    assert blobs_exist(names) == [False] * len(names)
    assert not StagedBlob.objects.filter(blob_name__in=names).exists()


def test_crash_after_commit_leaves_blobs_to_the_next_purge(
    worker_client, django_capture_on_commit_callbacks
):
    document = stored_document(worker_client)
    names = blob_names(document)
    # The callbacks are captured but never run: the process died right after the commit.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert _delete(worker_client, document).status_code == 204
    assert callbacks
    document.refresh_from_db()
    assert document.deleted_at is not None
    assert all(v.wrapped_data_key is None for v in document.versions.all())  # content: at once
    assert blobs_exist(names) == [True] * len(names)
    # The rest: the next purge (every 15 minutes, and the daily run) deletes the orphans now,
    # without waiting for the unfinished-upload period.
    assert resumable_uploads_purge_expired() == len(names)
    assert blobs_exist(names) == [False] * len(names)
    assert not StagedBlob.objects.exists()
    assert Document.objects.filter(pk=document.pk).exists()  # the tombstone keeps the trail


def test_daily_run_also_collects_them(worker_client, django_capture_on_commit_callbacks):
    document = stored_document(worker_client)
    names = blob_names(document)
    with django_capture_on_commit_callbacks(execute=False):
        assert _delete(worker_client, document).status_code == 204
    assert retention_run(dry_run=True).counts["unfinished_upload"] == len(names)
    assert retention_run(dry_run=False).counts["unfinished_upload"] == len(names)
    assert blobs_exist(names) == [False] * len(names)
