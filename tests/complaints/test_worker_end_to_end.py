"""The hourly escalation run by a real Celery worker over Redis, against the test database."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from backend.audit.models import AuditEvent
from backend.complaints.models import Complaint, Supervisor
from backend.core import clock, tasks
from backend.notifications.models import Notification
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.workers import test_worker_end_to_end as e2e

# The real-worker fixtures of tests/workers (a worker process on its own queue, a producer).
postgres_only = e2e.postgres_only
queue = e2e.queue
producer = e2e.producer
worker_process = e2e.worker_process
START_TIMEOUT = e2e.START_TIMEOUT


@pytest.mark.redis
@pytest.mark.postgres
def test_a_real_worker_escalates_an_overdue_complaint(worker_process, producer, queue):
    supervisor = factories.InspectorFactory()
    Supervisor.objects.create(user=supervisor)
    complaint = file_complaint(factories.WorkerFactory())
    Complaint.objects.filter(pk=complaint.pk).update(due_at=clock.now() - dt.timedelta(hours=1))

    tasks.send_task_now("complaints.escalate_overdue", queue=queue)

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if AuditEvent.objects.filter(
            action="complaint.escalated", target_id=str(complaint.pk)
        ).exists():
            break
        if worker_process.poll() is not None:
            pytest.fail(worker_process.log_path.read_text(errors="replace")[-4000:])
        time.sleep(0.2)
    else:
        pytest.fail("the worker did not escalate the complaint")
    alert = Notification.objects.get(event="complaint.overdue")
    assert alert.recipient == supervisor
    assert alert.data == {"complaint_id": str(complaint.pk), "state": "submitted"}
