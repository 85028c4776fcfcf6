"""Two inspectors acting on one complaint at once: one wins, the other gets 409.

Needs real row locks and concurrent connections, so it runs on PostgreSQL (CI) only.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections

from backend.complaints import services
from backend.complaints.models import Complaint, ComplaintEvent, State
from backend.core.errors import AppError
from tests import factories
from tests.complaints.conftest import act, complaint_fields, file_complaint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(actions) -> list[str]:
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(fn) -> None:
        try:
            barrier.wait()
            fn()
            outcomes.append("ok")
        except AppError as exc:
            outcomes.append(f"{exc.status_code}:{exc.code}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_inspectors_triaging_at_once_one_wins_the_other_gets_409():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://...)")
    complaint = file_complaint(factories.WorkerFactory())
    first, second = factories.InspectorFactory(), factories.InspectorFactory()

    outcomes = _race(
        [
            lambda: act(first, complaint, "accept"),
            lambda: act(second, complaint, "reject", "Out of scope"),
        ]
    )

    assert outcomes == ["409:invalid_transition", "ok"]
    complaint.refresh_from_db()
    assert complaint.state in (State.ACCEPTED, State.REJECTED)
    assert ComplaintEvent.objects.filter(complaint=complaint).exclude(action="submit").count() == 1


def test_two_inspectors_self_assigning_at_once_only_one_is_assigned():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://...)")
    complaint = file_complaint(factories.WorkerFactory())
    first, second = factories.InspectorFactory(), factories.InspectorFactory()
    act(first, complaint, "accept")

    outcomes = _race(
        [lambda: act(first, complaint, "assign"), lambda: act(second, complaint, "assign")]
    )

    assert outcomes == ["409:invalid_transition", "ok"]
    complaint.refresh_from_db()
    assert complaint.state == State.ASSIGNED
    assert complaint.assigned_inspector in (first, second)
    assert complaint.accesses.filter(revoked_at__isnull=True).count() == 1


def test_two_identical_submissions_racing_create_one_complaint():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts need PostgreSQL (run with DATABASE_URL=postgres://...)")
    worker = factories.WorkerFactory()
    key = uuid.uuid4()
    ids: list[str] = []

    def submit():
        complaint, _ = services.complaint_create(
            actor=worker,
            client_key=key,
            changes=complaint_fields(),
            categories=["deception"],
            submit=True,
        )
        ids.append(str(complaint.pk))

    assert _race([submit, submit]) == ["ok", "ok"]
    assert len(set(ids)) == 1
    assert Complaint.objects.filter(worker=worker).count() == 1
