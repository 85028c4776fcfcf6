"""A Celery worker SIGKILLed halfway through a data export (``retention.build_export``).

Real ``celery worker`` processes (production settings, prefork, acks_late) on a private Redis
and the PostgreSQL test database. The first worker is launched through
``tests.faults.fault_worker``, which makes the export stop after ``trail.json`` — claimed
('building'), archive half written, nothing committed. Then the whole worker is SIGKILLed:
- the message is still on the broker, unacknowledged; no notification, no ``export_ready`` audit
  row exists, the export stays 'building';
- a second worker gets *the same message* back from Redis (visibility timeout, shortened for
  the test) once the dead build's claim is stale (the task's hard time limit plus a margin,
  RETENTION_EXPORT_TIME_LIMIT / RETENTION_EXPORT_RECLAIM_MARGIN_SECONDS) and builds it;
- the effect happens once: one ready export, one notification, one ``retention.export_ready``
  audit row; a duplicate message afterwards changes nothing; the archive opens and is complete;
  the dead build's staged ciphertext is removed by the expiry task.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import signal
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.db import transaction

from backend.audit.models import AuditEvent
from backend.core import clock, tasks
from backend.notifications.models import Notification
from backend.retention.exports import export_open, export_request
from backend.retention.models import DataExport
from backend.vault.models import StagedBlob
from backend.vault.resumable import resumable_uploads_purge_expired
from tests.factories import WorkerFactory
from tests.faults.servers import PrivateRedis, require_postgres
from tests.notifications.test_worker_end_to_end import make_producer, start_worker, wait_until
from tests.workers.test_worker_end_to_end import stop_worker

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

TIME_LIMIT = 6  # seconds: the export's hard limit in the test workers
MARGIN = 1  # a claim older than 7 s belongs to a dead build
VISIBILITY_TIMEOUT = 9  # > TIME_LIMIT + MARGIN, as in production (3000 + 60 < 3600)


def _start_worker(*, broker_url: str, queue: str, data_dir: Path, name: str, **extra_env):
    return start_worker(
        broker_url=broker_url, queue=queue, tmp_path=data_dir, name=name,
        module="tests.faults.fault_worker", log_dir=data_dir.parent,
        RETENTION_EXPORT_TIME_LIMIT=str(TIME_LIMIT),
        RETENTION_EXPORT_RECLAIM_MARGIN_SECONDS=str(MARGIN),
        FAULT_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        **extra_env,
    )  # fmt: skip


def _received_task_ids(process) -> list[str]:
    log = process.log_path.read_text(errors="replace")
    return re.findall(r"Task retention\.build_export\[([0-9a-f-]+)\] received", log)


def _effects(export: DataExport) -> dict[str, int]:
    return {
        "exports": DataExport.objects.filter(owner=export.owner).count(),
        "notifications": Notification.objects.filter(
            recipient=export.owner, event="retention.export_ready"
        ).count(),
        "ready_audit": AuditEvent.objects.filter(
            action="retention.export_ready", target_id=str(export.pk)
        ).count(),
    }


def test_a_worker_killed_mid_export_is_redelivered_and_builds_one_archive(
    transactional_db, tmp_path, monkeypatch, settings
):
    require_postgres()
    data_dir = tmp_path / "workers"
    data_dir.mkdir()
    settings.STORAGES = {  # the test process reads what the workers stored
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(data_dir / "media")},
        },
    }
    redis = PrivateRedis(tmp_path).start()
    queue = f"faults-export-{uuid.uuid4().hex[:12]}"
    producer = make_producer(redis.url, queue)
    monkeypatch.setattr(tasks, "celery_app", lambda: producer)
    marker = tmp_path / "export-stalled"
    owner = WorkerFactory()
    first = _start_worker(
        broker_url=redis.url, queue=queue, data_dir=data_dir, name="first",
        FAULT_STALL_EXPORT_MARKER=str(marker),
    )  # fmt: skip
    second = None
    try:
        with transaction.atomic():
            export, created = export_request(user=owner)
        assert created

        wait_until(marker.exists, timeout=60, what="the export to stall", processes=[first])
        os.killpg(first.pid, signal.SIGKILL)  # mid-export: claimed, half written
        first.wait(timeout=10)
        [task_id] = _received_task_ids(first)

        export.refresh_from_db()
        assert export.status == DataExport.Status.BUILDING and export.claimed_at is not None
        assert _effects(export) == {"exports": 1, "notifications": 0, "ready_audit": 0}
        with producer.connection_for_write() as broker:
            client = broker.default_channel.client
            assert client.hlen("unacked") == 1  # acks_late: the broker still holds the message

            second = _start_worker(broker_url=redis.url, queue=queue, data_dir=data_dir, name="2nd")
            wait_until(
                lambda: DataExport.objects.get(pk=export.pk).status == DataExport.Status.READY,
                timeout=60,
                what="the redelivered export to be built",
                processes=[second],
            )
            export.refresh_from_db()
            # The very message the dead worker held, not a new one.
            assert _received_task_ids(second) == [task_id]
            assert export.claimed_at > export.created_at
            assert _effects(export) == {"exports": 1, "notifications": 1, "ready_audit": 1}

            # A duplicate message (a sweep, a second redelivery) finds nothing to do.
            tasks.send_task_now("retention.build_export", kwargs={"export_id": str(export.pk)})
            wait_until(
                lambda: (
                    len(_received_task_ids(second)) == 2
                    and client.llen(queue) == 0
                    and client.hlen("unacked") == 0
                ),
                timeout=30,
                what="the duplicate to be consumed and acknowledged",
                processes=[second],
            )
            time.sleep(1)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        if second is not None:
            stop_worker(second)
        producer.close()
        redis.stop()

    ready_at, blob_parts = export.ready_at, export.blob_parts
    export.refresh_from_db()
    assert (export.ready_at, export.blob_parts) == (ready_at, blob_parts)
    assert _effects(export) == {"exports": 1, "notifications": 1, "ready_audit": 1}

    # The archive is whole: the part written after the stall point is in it.
    _export, chunks = export_open(user=owner, export_id=export.pk)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert {"profile.json", "trail.json", "legal_holds.json"} <= set(archive.namelist())
    assert json.loads(archive.read("profile.json"))["id"] == str(owner.pk)

    # What the dead build had staged is not part of the export; the expiry task removes it.
    kept = {part["name"] for part in export.blob_parts}
    with time_machine.travel(clock.now() + dt.timedelta(hours=25), tick=False):
        resumable_uploads_purge_expired()
    assert not StagedBlob.objects.exists()
    media = data_dir / "media"
    stored = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}
    assert stored == kept


def test_a_dead_export_build_is_reclaimable_before_the_broker_redelivers_its_message(settings):
    """Otherwise the message Redis hands back after a crash finds a fresh claim and is dropped."""
    from workers.tasks.retention import build_export

    stale = settings.RETENTION_EXPORT_TIME_LIMIT + settings.RETENTION_EXPORT_RECLAIM_MARGIN_SECONDS
    assert stale < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert build_export.time_limit == settings.RETENTION_EXPORT_TIME_LIMIT
    assert build_export.soft_time_limit < build_export.time_limit
    assert build_export.acks_late and build_export.reject_on_worker_lost
