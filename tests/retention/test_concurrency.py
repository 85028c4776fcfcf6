"""Two retention runs at once: the work is shared, nothing is deleted twice, nothing crashes.

Needs real row locks and concurrent connections, so it runs on PostgreSQL (CI) only.
"""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection, connections

from backend.audit.models import AuditEvent
from backend.core import clock
from backend.retention.services import retention_run
from backend.vault.models import Document, TrailEntry
from tests.factories import WorkerFactory
from tests.retention.conftest import YEAR

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_runs_do_not_double_delete():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://...)")
    workers = [WorkerFactory() for _ in range(4)]
    documents = [Document.objects.create(owner=workers[i % 4], kind="payslip") for i in range(40)]
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(retention_run(dry_run=False, batch_size=5).counts["document:payslip"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(clock.now() + 7 * YEAR, tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert sum(counts) == 40
    assert Document.objects.filter(deleted_at__isnull=True).count() == 0
    ids = [d.pk for d in documents]
    assert TrailEntry.objects.filter(document_id__in=ids, event="delete").count() == 40
    assert AuditEvent.objects.filter(action="vault.document_purged").count() == 40
