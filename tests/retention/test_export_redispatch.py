"""``retention.redispatch_exports``: an export whose build message was lost is built anyway, once.

Lost means: the broker was down when the export was requested (the on-commit enqueue is logged
and dropped, simulated here by not running the commit callback), or the worker building it died
and no redelivery rebuilt it (a stale claim). A real worker killed mid-export is in
tests/faults/test_worker_killed_mid_export.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.audit.models import AuditEvent
from backend.core import clock
from backend.notifications.models import Notification
from backend.retention.exports import (
    REDISPATCH_GRACE,
    export_request,
    exports_redispatch_stuck,
    stale_build,
)
from backend.retention.models import DataExport
from workers.beat import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db


def _lost_request(user, django_capture_on_commit_callbacks) -> DataExport:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export, created = export_request(user=user)
    assert created and len(callbacks) == 1  # the enqueue that never reached the broker
    return export


def _ready_effects(export: DataExport) -> tuple[int, int]:
    notes = Notification.objects.filter(recipient=export.owner, event="retention.export_ready")
    audits = AuditEvent.objects.filter(action="retention.export_ready", target_id=str(export.pk))
    return notes.count(), audits.count()


def test_a_pending_export_whose_message_was_lost_is_built_once_after_the_grace(
    worker, django_capture_on_commit_callbacks
):
    export = _lost_request(worker, django_capture_on_commit_callbacks)

    assert exports_redispatch_stuck() == 0  # its own message may still be on its way
    later = clock.now() + REDISPATCH_GRACE + dt.timedelta(seconds=1)
    assert exports_redispatch_stuck(now=later) == 1

    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert _ready_effects(export) == (1, 1)
    assert exports_redispatch_stuck(now=later) == 0


def test_a_building_export_is_left_to_its_worker_until_the_claim_is_stale(
    worker, django_capture_on_commit_callbacks
):
    export = _lost_request(worker, django_capture_on_commit_callbacks)
    claimed_at = clock.now()
    DataExport.objects.filter(pk=export.pk).update(status="building", claimed_at=claimed_at)

    assert exports_redispatch_stuck(now=claimed_at + stale_build() - dt.timedelta(seconds=1)) == 0
    assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.BUILDING

    with time_machine.travel(claimed_at + stale_build() + dt.timedelta(seconds=1), tick=False):
        assert exports_redispatch_stuck() == 1
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert _ready_effects(export) == (1, 1)


def test_ready_and_failed_exports_are_not_redispatched(worker, django_capture_on_commit_callbacks):
    export = _lost_request(worker, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(status="failed")

    assert exports_redispatch_stuck(now=clock.now() + dt.timedelta(days=1)) == 0
    assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.FAILED


def test_the_sweep_is_scheduled_every_few_minutes():
    entry = BEAT_SCHEDULE["retention-redispatch-exports"]
    assert entry["task"] == "retention.redispatch_exports"
    assert entry["schedule"] <= 600
