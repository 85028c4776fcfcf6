"""Two retention runs at once over closed complaints and erased accounts: every complaint is
folded exactly once, every erasure completed once, nothing crashes or deadlocks.

Needs real row locks and concurrent connections, so it runs on PostgreSQL (CI) only.
"""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection, connections

from backend.complaints.models import Complaint
from backend.core import clock
from backend.retention.erasure import account_erase
from backend.retention.models import AccountErasure, ComplaintAggregate
from backend.retention.services import retention_run
from tests import factories
from tests.retention.conftest import YEAR
from tests.retention.test_complaints_purge import closed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_runs_fold_each_complaint_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://...)")
    workers = [factories.WorkerFactory() for _ in range(3)]
    for i in range(24):
        closed(workers[i % 3], sector=f"s{i % 4}")
    erased = [factories.WorkerFactory() for _ in range(4)]
    for worker in erased:
        closed(worker)
        account_erase(user=worker, reason="requested")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            retention_run(dry_run=False, batch_size=3)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(clock.now() + 6 * YEAR, tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
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
