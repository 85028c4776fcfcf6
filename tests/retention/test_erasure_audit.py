"""``retention.account_erased`` is recorded when an erasure completes and when it settles, not
once more per re-check of a held erasure (every run re-checks it, overlapping runs included)."""

from __future__ import annotations

import pytest
from django.db import connection

from backend.audit.models import AuditEvent
from backend.complaints.models import Complaint, State
from backend.retention.erasure import account_erase, account_erasure_complete
from backend.retention.models import AccountErasure
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.retention.conftest import YEAR


def _erased_events():
    return AuditEvent.objects.filter(action="retention.account_erased")


@pytest.mark.django_db
def test_held_erasure_is_recorded_once_then_once_more_when_it_settles():
    worker = factories.WorkerFactory()
    complaint = file_complaint(worker)  # submitted, not finished: holds the account's remains
    erasure = account_erase(user=worker, reason="requested")

    assert account_erasure_complete(erasure_id=erasure.pk) is not None
    assert account_erasure_complete(erasure_id=erasure.pk) is not None
    erasure.refresh_from_db()
    assert erasure.completed_at is not None and erasure.settled_at is None
    assert _erased_events().count() == 1

    Complaint.objects.filter(pk=complaint.pk).update(state=State.REJECTED)
    counts = account_erasure_complete(erasure_id=erasure.pk)
    assert counts["complaints"] == 1
    assert AccountErasure.objects.get(pk=erasure.pk).settled_at is not None
    assert _erased_events().count() == 2
    # Settled: later runs pass it by.
    assert account_erasure_complete(erasure_id=erasure.pk) is None
    assert _erased_events().count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_record_a_held_erasure_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://...)")
    from tests.retention.test_concurrency import two_runs_at_once

    worker = factories.WorkerFactory()
    file_complaint(worker)
    erasure = account_erase(user=worker, reason="requested")

    two_runs_at_once(later=YEAR, batch_size=10)

    erasure.refresh_from_db()
    assert erasure.completed_at is not None and erasure.settled_at is None
    assert _erased_events().filter(target_id=str(erasure.pk)).count() == 1
