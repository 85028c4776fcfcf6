"""The retention purge's blob deletion (background threads) and its batch sizing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.core import clock
from backend.retention import walk
from backend.retention.services import retention_run
from backend.vault import purging
from backend.vault.models import BlobDeletion, Document
from backend.vault.resumable import resumable_uploads_purge_expired
from tests.retention.conftest import YEAR, blob_names, blobs_exist, stored_document

pytestmark = pytest.mark.django_db


def _purge_later(capture, **kwargs):
    with (
        time_machine.travel(clock.now() + 6 * YEAR + dt.timedelta(days=1), tick=False),
        capture(execute=True),
    ):
        return retention_run(dry_run=False, **kwargs)


def test_blobs_of_every_batch_deleted_and_unstaged(
    worker_client, django_capture_on_commit_callbacks
):
    documents = [stored_document(worker_client, kind="payslip") for _ in range(5)]
    names = [name for document in documents for name in blob_names(document)]
    assert all(blobs_exist(names))
    run = _purge_later(django_capture_on_commit_callbacks, batch_size=2)
    assert run.counts["document:payslip"] == 5
    assert Document.objects.filter(deleted_at__isnull=True).count() == 0
    assert blobs_exist(names) == [False] * len(names)
    assert not BlobDeletion.objects.exists()


def _recorded(names):
    return BlobDeletion.objects.create(blob_names=names).pk


def test_background_deleter_waits_for_its_batches(worker_client, settings):
    """Used directly (as ``_documents`` does), every submitted batch is gone on close."""
    documents = [stored_document(worker_client, kind="payslip") for _ in range(3)]
    names = [name for document in documents for name in blob_names(document)]
    with purging.BlobDeleter(threads=2, backlog=0) as deleter:
        deleter.submit(_recorded(names[:1]), names[:1])
        deleter.submit(_recorded(names[1:]), names[1:])
    assert blobs_exist(names) == [False] * len(names)
    assert not BlobDeletion.objects.exists()
    # A commit that happens after the deleter is closed (outer transaction) deletes inline.
    stray = stored_document(worker_client, kind="payslip")
    late = blob_names(stray)
    deleter.submit(_recorded(late), late)
    assert blobs_exist(late) == [False] * len(late)
    assert not BlobDeletion.objects.exists()


def test_failed_blob_delete_keeps_the_batch_record_for_the_upload_purge(
    worker_client, django_capture_on_commit_callbacks, monkeypatch
):
    document = stored_document(worker_client, kind="payslip")
    names = blob_names(document)

    def broken(_names):
        raise OSError("storage down")

    monkeypatch.setattr(purging, "delete_blobs", broken)
    run = _purge_later(django_capture_on_commit_callbacks)
    assert run.counts["document:payslip"] == 1
    document.refresh_from_db()
    assert document.deleted_at is not None
    assert all(v.wrapped_data_key is None for v in document.versions.all())
    assert all(blobs_exist(names))
    assert [record.blob_names for record in BlobDeletion.objects.all()] == [names]

    # The next upload purge after the grace period deletes them and drops the record.
    monkeypatch.undo()
    with time_machine.travel(
        clock.now() + 6 * YEAR + purging.BLOB_DELETION_GRACE + dt.timedelta(days=2), tick=False
    ):
        assert resumable_uploads_purge_expired() == len(names)
    assert blobs_exist(names) == [False] * len(names)
    assert not BlobDeletion.objects.exists()


def test_upload_purge_leaves_a_fresh_batch_record_to_its_purge(worker_client):
    """A record younger than the grace period belongs to a purge still deleting its blobs."""
    names = blob_names(stored_document(worker_client, kind="payslip"))
    _recorded(names)
    assert resumable_uploads_purge_expired() == 0
    assert all(blobs_exist(names))
    assert BlobDeletion.objects.count() == 1


def test_batch_shrinks_when_slow_and_grows_back():
    target = walk.BATCH_TARGET_SECONDS
    assert walk._next_batch_size(1000, target * 2, 1000) == 500
    assert walk._next_batch_size(1000, target * 100, 1000) == walk.MIN_BATCH
    assert walk._next_batch_size(1000, target * 1.01, 1000) < 1000
    assert walk._next_batch_size(500, target * 0.75, 1000) == 500
    assert walk._next_batch_size(500, target / 4, 1000) == 625
    assert walk._next_batch_size(900, target / 4, 1000) == 1000


def test_failure_in_a_background_thread_keeps_the_batch_record(worker_client, monkeypatch):
    names = blob_names(stored_document(worker_client, kind="payslip"))
    record = _recorded(names)

    def broken(_names):
        raise OSError("storage down")

    monkeypatch.setattr(purging, "delete_blobs", broken)
    with purging.BlobDeleter(threads=2) as deleter:
        deleter.submit(record, names)
    assert all(blobs_exist(names))
    assert list(BlobDeletion.objects.values_list("pk", flat=True)) == [record]
