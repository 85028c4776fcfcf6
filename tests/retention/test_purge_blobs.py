"""The retention purge's blob deletion (background threads) and its batch sizing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.core import clock
from backend.retention import services
from backend.retention.services import retention_run
from backend.vault import purging
from backend.vault.models import Document, StagedBlob
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
    assert not StagedBlob.objects.filter(blob_name__in=names).exists()


def test_background_deleter_waits_for_its_batches(worker_client, settings):
    """Used directly (as ``_documents`` does), every submitted batch is gone on close."""
    documents = [stored_document(worker_client, kind="payslip") for _ in range(3)]
    names = [name for document in documents for name in blob_names(document)]
    StagedBlob.objects.bulk_create([StagedBlob(blob_name=name) for name in names])
    with purging.BlobDeleter(threads=2, backlog=0) as deleter:
        deleter.submit(names[:1])
        deleter.submit(names[1:])
    assert blobs_exist(names) == [False] * len(names)
    assert not StagedBlob.objects.filter(blob_name__in=names).exists()
    # A commit that happens after the deleter is closed (outer transaction) deletes inline.
    stray = stored_document(worker_client, kind="payslip")
    late = blob_names(stray)
    deleter.submit(late)
    assert blobs_exist(late) == [False] * len(late)


def test_failed_blob_delete_keeps_staged_rows_for_the_upload_purge(
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
    assert set(names) == set(
        StagedBlob.objects.filter(blob_name__in=names).values_list("blob_name", flat=True)
    )


def test_batch_shrinks_when_slow_and_grows_back():
    target = services.BATCH_TARGET_SECONDS
    assert services._next_batch_size(1000, target * 2, 1000) == 500
    assert services._next_batch_size(1000, target * 100, 1000) == services.MIN_BATCH
    assert services._next_batch_size(1000, target * 1.01, 1000) < 1000
    assert services._next_batch_size(500, target * 0.75, 1000) == 500
    assert services._next_batch_size(500, target / 4, 1000) == 625
    assert services._next_batch_size(900, target / 4, 1000) == 1000


def test_failure_in_a_background_thread_keeps_staged_rows(worker_client, monkeypatch):
    names = blob_names(stored_document(worker_client, kind="payslip"))
    StagedBlob.objects.bulk_create([StagedBlob(blob_name=name) for name in names])

    def broken(_names):
        raise OSError("storage down")

    monkeypatch.setattr(purging, "delete_blobs", broken)
    with purging.BlobDeleter(threads=2) as deleter:
        deleter.submit(names)
    assert all(blobs_exist(names))
    assert StagedBlob.objects.filter(blob_name__in=names).count() == len(names)
