"""Real ``celery -A workers worker`` processes on Redis and PostgreSQL.

- A worker SIGKILLed in the middle of sending neither loses nor duplicates the notification:
  the delivery stays claimed ('sending'), the sweep reclaims it after the task time limit and a
  second worker sends it, once.
- The outbox survives a broker outage: with our own Redis stopped, a request that notifies
  succeeds and writes its rows; once Redis is back the sweep delivers them.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.db import transaction

from backend.core import tasks
from backend.notifications.dispatch import deliveries_redispatch_pending
from backend.notifications.models import Delivery, DeliveryStatus, PushToken
from backend.notifications.services import notify
from backend.vault.models import Document
from tests.factories import CaseworkerFactory, WorkerFactory
from tests.workers.test_worker_end_to_end import database_url, stop_worker

ROOT = Path(__file__).resolve().parents[2]
OWN_REDIS_PORT = 6390

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def postgres_only(transactional_db):
    from django.db import connection

    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("The end-to-end worker tests must run on PostgreSQL in CI")
        pytest.skip("a worker process cannot see the in-memory SQLite test DB")


@pytest.fixture
def queue() -> str:
    return f"e2e-notify-{uuid.uuid4().hex[:12]}"


def make_producer(broker_url: str, queue: str) -> Celery:
    app = Celery("fairtrail-e2e-notifications")
    app.conf.update(
        broker_url=broker_url,
        task_always_eager=False,
        task_default_queue=queue,
        broker_connection_retry_on_startup=False,
        broker_connection_timeout=2,
        task_publish_retry=False,
    )
    return app


def start_worker(
    *,
    broker_url: str,
    queue: str,
    tmp_path: Path,
    name: str,
    module: str = "celery",
    log_dir: Path | None = None,
    **extra_env,
):
    """A real ``celery worker`` (production settings, prefork, one process) in its own session
    (``os.killpg`` kills it whole); ``module`` may be a test launcher wrapping Celery's."""
    log_path = (log_dir or tmp_path) / f"{name}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "false",
        "FAIRTRAIL_MASTER_KEY": django_settings.FAIRTRAIL_MASTER_KEY,
        "FAIRTRAIL_SIGNING_KEY": django_settings.FAIRTRAIL_SIGNING_KEY,
        "FAIRTRAIL_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker_url,
        "STORAGE_BACKEND": "local",
        # Production refuses development SMS backends; this stands in for a provider.
        "SMS_BACKEND": "tests.notifications.fakes.SinkSmsProvider",
        **extra_env,
    }
    command = [
        sys.executable, "-m", module, "-A", "workers", "worker",
        "--queues", queue, "--hostname", f"{name}-{queue}@%h",
        "--pool", "prefork", "--concurrency", "1",
        "--without-gossip", "--without-mingle", "--loglevel", "INFO",
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    process.log_path = log_path
    return process


def wait_until(predicate, *, timeout: float, what: str, processes=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        for process in processes:
            if process.poll() is not None:
                log = process.log_path.read_text(errors="replace")
                pytest.fail(f"worker died while waiting for {what}:\n{log[-4000:]}")
        time.sleep(0.2)
    logs = "\n".join(p.log_path.read_text(errors="replace")[-3000:] for p in processes)
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def sink_lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_a_worker_killed_mid_send_neither_loses_nor_duplicates(
    postgres_only, redis_url, queue, tmp_path, monkeypatch, settings
):
    settings.NOTIFICATIONS_DISPATCH_TIME_LIMIT = 8
    settings.NOTIFICATIONS_RECLAIM_MARGIN_SECONDS = 1
    sink = tmp_path / "sink.txt"
    env = {
        "NOTIFICATIONS_PUSH_BACKEND": "tests.notifications.fakes.SlowLoggingBackend",
        "NOTIFICATIONS_SINK_FILE": str(sink),
        "NOTIFICATIONS_DISPATCH_TIME_LIMIT": "8",
    }
    producer = make_producer(redis_url, queue)
    monkeypatch.setattr(tasks, "celery_app", lambda: producer)
    user = WorkerFactory()
    PushToken.objects.create(user=user, platform="android", token="e2e-token-0000000001")
    first = start_worker(broker_url=redis_url, queue=queue, tmp_path=tmp_path, name="first", **env)
    second = None
    try:
        with transaction.atomic():
            [notification] = notify(
                event="complaint.message", event_key=f"e2e:{queue}", recipients=[user]
            )
        push = Delivery.objects.get(notification=notification, channel="push")

        wait_until(
            lambda: Delivery.objects.get(pk=push.pk).status == DeliveryStatus.SENDING,
            timeout=90,
            what="the first worker to claim the delivery",
            processes=[first],
        )
        os.killpg(first.pid, signal.SIGKILL)  # mid-send: claimed, not yet sent
        first.wait(timeout=10)
        claimed_at = Delivery.objects.get(pk=push.pk).claimed_at
        assert sink_lines(sink) == []

        second = start_worker(
            broker_url=redis_url, queue=queue, tmp_path=tmp_path, name="second", **env
        )
        # The sweep leaves it alone while a live task could still hold it ...
        assert deliveries_redispatch_pending() == 0
        # ... and reclaims it once the task time limit (+ margin) has passed.
        wait_until(
            lambda: dt.datetime.now(dt.UTC) - claimed_at > dt.timedelta(seconds=9.5),
            timeout=30,
            what="the reclaim deadline",
        )
        assert deliveries_redispatch_pending() == 1
        wait_until(
            lambda: Delivery.objects.get(pk=push.pk).status == DeliveryStatus.SENT,
            timeout=90,
            what="the second worker to send it",
            processes=[second],
        )
        # A late sweep or a redelivered message changes nothing.
        assert deliveries_redispatch_pending() == 0
        time.sleep(1)
        push.refresh_from_db()
        assert push.attempts == 2
        assert sink_lines(sink) == [str(push.id), "push"]
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        if second is not None:
            stop_worker(second)
        producer.close()


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of our own (the shared one must never be stopped)."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed for the broker outage test")
    url = f"redis://127.0.0.1:{OWN_REDIS_PORT}/0"

    def start():
        subprocess.run(
            [
                "redis-server", "--port", str(OWN_REDIS_PORT), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "yes",
                "--dir", str(tmp_path), "--pidfile", str(tmp_path / "redis.pid"),
            ],
            check=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(OWN_REDIS_PORT), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        pytest.fail("our own Redis did not start")

    def stop():
        subprocess.run(
            ["redis-cli", "-p", str(OWN_REDIS_PORT), "shutdown", "nosave"],
            capture_output=True,
            check=False,
        )

    start.stop = stop
    start.url = url
    yield start
    stop()


def test_outbox_survives_a_broker_outage(
    postgres_only, own_redis, queue, tmp_path, monkeypatch, settings, auth_client
):
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 0
    sink = tmp_path / "sink.txt"
    own_redis()
    producer = make_producer(own_redis.url, queue)
    monkeypatch.setattr(tasks, "celery_app", lambda: producer)
    owner = WorkerFactory()
    caseworker = CaseworkerFactory()
    PushToken.objects.create(user=caseworker, platform="ios", token="e2e-token-0000000002")
    document = Document.objects.create(owner=owner, kind="payslip")
    worker_process = None
    try:
        own_redis.stop()  # the broker goes down

        response = auth_client(owner).post(
            "/api/v1/vault/grants/",
            {"grantee": caseworker.username, "document_ids": [str(document.id)]},
        )

        assert response.status_code == 201, response.json()
        push = Delivery.objects.get(notification__recipient=caseworker, channel="push")
        assert push.status == DeliveryStatus.PENDING and push.attempts == 0

        own_redis()  # the broker is back
        worker_process = start_worker(
            broker_url=own_redis.url,
            queue=queue,
            tmp_path=tmp_path,
            name="after-outage",
            NOTIFICATIONS_SINK_FILE=str(sink),
        )
        assert deliveries_redispatch_pending() == 1
        wait_until(
            lambda: Delivery.objects.get(pk=push.pk).status == DeliveryStatus.SENT,
            timeout=90,
            what="delivery after the outage",
            processes=[worker_process],
        )
        assert sink_lines(sink) == [str(push.id), "push"]
    finally:
        if worker_process is not None:
            stop_worker(worker_process)
        producer.close()
        own_redis.stop()
