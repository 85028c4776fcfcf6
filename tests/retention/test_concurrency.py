"""Two retention runs at once: the work is shared, nothing is deleted or folded twice, nothing
crashes or deadlocks.

Needs real row locks and concurrent connections, so it runs on PostgreSQL (CI) only.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import time_machine
from django.db import connection, connections
from django.db.models import Q

from backend.audit.models import AuditEvent
from backend.complaints.models import Complaint
from backend.core import clock
from backend.retention import walk
from backend.retention.erasure import account_erase
from backend.retention.models import AccountErasure, ComplaintAggregate, PurgeRun
from backend.retention.services import retention_run
from backend.vault.models import Document, TrailEntry, Vault
from backend.vault.trail import trail_verify
from tests import factories
from tests.retention.conftest import YEAR
from tests.retention.test_complaints_purge import closed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://...)")


def two_runs_at_once(*, later: dt.timedelta, batch_size: int) -> list[PurgeRun]:
    """Start two real retention runs on their own connections at the same instant."""
    barrier = threading.Barrier(2)
    runs: list[PurgeRun] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            runs.append(retention_run(dry_run=False, batch_size=batch_size))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(clock.now() + later, tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    return runs


def test_two_concurrent_runs_do_not_double_delete():
    workers = [factories.WorkerFactory() for _ in range(4)]
    documents = [Document.objects.create(owner=workers[i % 4], kind="payslip") for i in range(40)]

    runs = two_runs_at_once(later=7 * YEAR, batch_size=5)

    assert sum(run.counts["document:payslip"] for run in runs) == 40
    assert Document.objects.filter(deleted_at__isnull=True).count() == 0
    ids = [d.pk for d in documents]
    assert TrailEntry.objects.filter(document_id__in=ids, event="delete").count() == 40
    audited = [
        document
        for data in AuditEvent.objects.filter(action="vault.documents_purged").values_list(
            "data", flat=True
        )
        for document in data["documents"]
    ]
    assert sorted(audited) == sorted(str(pk) for pk in ids)


def test_two_concurrent_runs_fold_each_complaint_once():
    workers = [factories.WorkerFactory() for _ in range(3)]
    for i in range(24):
        closed(workers[i % 3], sector=f"s{i % 4}")
    erased = [factories.WorkerFactory() for _ in range(4)]
    for worker in erased:
        closed(worker)
        account_erase(user=worker, reason="requested")

    two_runs_at_once(later=6 * YEAR, batch_size=3)

    assert Complaint.objects.count() == 0
    total = sum(
        ComplaintAggregate.objects.filter(dimension="total").values_list("count", flat=True)
    )
    assert total == 28
    sectors = dict(
        ComplaintAggregate.objects.filter(dimension="sector").values_list("key", "count")
    )
    assert sectors == {"s0": 6, "s1": 6, "s2": 6, "s3": 6, "fishing": 4}
    assert AccountErasure.objects.filter(completed_at__isnull=True).count() == 0


def test_parallel_walks_split_the_owners_and_purge_every_document(settings, monkeypatch):
    """With two walk threads each takes the owners of its half of the id space: every document
    is purged once, by the thread of its owner's range, and every trail chain verifies."""
    settings.RETENTION_PURGE_WORKERS = 2
    low, _high = walk.owner_ranges(2)
    # Three owners in each half of the id space.
    ids = [uuid.UUID(int=(half << 127) + n * 7919 + 1) for half in (0, 1) for n in range(3)]
    workers = [factories.WorkerFactory(id=pk) for pk in ids]
    documents = [Document.objects.create(owner=workers[i % 6], kind="payslip") for i in range(30)]
    in_low_range = set(Document.objects.filter(low).values_list("pk", flat=True))
    assert len(in_low_range) == 15
    walked_by: dict = {}
    real = walk.batch_purge

    def recording(**kwargs):
        purged = real(**kwargs)
        for pk in purged:
            walked_by[pk] = threading.current_thread().name
        return purged

    monkeypatch.setattr(walk, "batch_purge", recording)
    with time_machine.travel(clock.now() + 7 * YEAR, tick=False):
        run = retention_run(dry_run=False, batch_size=4)

    assert run.counts["document:payslip"] == 30
    assert Document.objects.filter(deleted_at__isnull=True).count() == 0
    assert sorted(walked_by) == sorted(d.pk for d in documents)
    for document in documents:
        expected = "retention-walk-0" if document.pk in in_low_range else "retention-walk-1"
        assert walked_by[document.pk] == expected
    for worker in workers:
        assert trail_verify(Vault.objects.get(owner=worker)).ok
    assert TrailEntry.objects.filter(event="delete").count() == 30


def test_owner_ranges_cover_the_id_space_once():
    low, middle, high = (str(q) for q in walk.owner_ranges(3))
    assert "owner_id__gte" not in low and "owner_id__lt" in low
    assert "owner_id__gte" in middle and "owner_id__lt" in middle
    assert "owner_id__gte" in high and "owner_id__lt" not in high
    assert walk.owner_ranges(1) == [Q()]
