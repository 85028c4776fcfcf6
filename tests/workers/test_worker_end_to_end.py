"""A real ``celery -A workers worker`` process, a real Redis broker and the test database.

The worker runs with the *production* settings (keys from the environment), so this also proves
that configuration boots a worker. It needs PostgreSQL: pytest's SQLite database lives in memory
and another process cannot see it. CI (.ci/run) has both, and there the test may not be skipped.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection, transaction

from backend.audit.models import AuditEvent
from backend.core import tasks

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90
STOP_TIMEOUT = 30


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("The end-to-end worker test must run on PostgreSQL in CI (DATABASE_URL)")
        pytest.skip("a worker process cannot see the in-memory SQLite test DB; run .ci/run")


@pytest.fixture
def queue() -> str:
    """A queue of our own, so parallel runs sharing one Redis never take each other's tasks."""
    return f"e2e-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def producer(redis_url, monkeypatch):
    """``backend.core.tasks`` sending through Redis instead of the test run's eager mode."""
    app = Celery("fairtrail-e2e-producer")
    app.conf.update(
        broker_url=redis_url,
        task_always_eager=False,
        broker_connection_retry_on_startup=False,
        broker_connection_timeout=2,
    )
    monkeypatch.setattr(tasks, "celery_app", lambda: app)
    yield app
    app.close()


@pytest.fixture
def worker_process(postgres_only, transactional_db, redis_url, queue, tmp_path):
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "false",
        "FAIRTRAIL_MASTER_KEY": settings.FAIRTRAIL_MASTER_KEY,
        "FAIRTRAIL_SIGNING_KEY": getattr(settings, "FAIRTRAIL_SIGNING_KEY", None)
        or base64.b64encode(os.urandom(32)).decode(),
        "FAIRTRAIL_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "STORAGE_BACKEND": "local",
        "SMS_BACKEND": "example.sms.ProviderSmsBackend",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers",
        "worker",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "INFO",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log_path = log_path
    yield process
    stop_worker(process)


def stop_worker(process: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM finishes the current task); kill the group only if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            pytest.fail("the worker did not stop within 30 s of SIGTERM")
    log = process.log_path.read_text(errors="replace")
    assert process.returncode == 0, f"worker exited with {process.returncode}:\n{log[-4000:]}"


def wait_for_ping(token: str, process: subprocess.Popen) -> AuditEvent:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        event = AuditEvent.objects.filter(action="worker.ping", data__token=token).first()
        if event is not None:
            return event
        if process.poll() is not None:
            log = process.log_path.read_text(errors="replace")
            pytest.fail(f"the worker died (exit {process.returncode}):\n{log[-4000:]}")
        time.sleep(0.2)
    log = process.log_path.read_text(errors="replace")
    pytest.fail(f"no worker.ping audit event after {START_TIMEOUT} s; worker log:\n{log[-4000:]}")


@pytest.mark.redis
@pytest.mark.postgres
def test_a_real_worker_runs_a_task_enqueued_on_commit(worker_process, producer, queue):
    token = uuid.uuid4().hex

    with transaction.atomic():
        tasks.enqueue_on_commit("core.ping", kwargs={"token": token}, queue=queue)
        # Nothing may leave before the commit: the worker would not see uncommitted rows.
        with producer.connection_for_write() as broker:
            assert broker.default_channel.client.llen(queue) == 0

    event = wait_for_ping(token, worker_process)

    assert event.data == {"token": token}
    assert event.actor_id is None


@pytest.mark.redis
@pytest.mark.postgres
def test_a_real_worker_takes_tasks_sent_directly(worker_process, producer, queue):
    tokens = [uuid.uuid4().hex for _ in range(3)]

    for token in tokens:
        tasks.send_task_now("core.ping", kwargs={"token": token}, queue=queue)

    for token in tokens:
        wait_for_ping(token, worker_process)
    assert AuditEvent.objects.filter(action="worker.ping", data__token__in=tokens).count() == 3
