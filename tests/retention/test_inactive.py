"""Inactive accounts: warned 30 and 7 days before (once each), then erased. Frozen clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.accounts.models import Device, User
from backend.accounts.services import device_sign_in
from backend.core import clock
from backend.notifications.models import Notification
from backend.retention.models import AccountErasure
from backend.retention.services import retention_run
from tests import factories

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
PERIOD = 730 * DAY


def _warnings(user) -> list[int]:
    rows = Notification.objects.filter(recipient=user, event="retention.warning")
    return sorted(n.data["days_left"] for n in rows)


def _run_at(start, delta, capture):
    with time_machine.travel(start + delta, tick=False), capture(execute=True):
        return retention_run(dry_run=False)


@pytest.fixture
def signed_in(auth_client):
    worker = factories.WorkerFactory()
    client = auth_client(worker)
    return worker, client


def test_warned_at_30_and_7_days_once_each_then_erased(
    signed_in, django_capture_on_commit_callbacks
):
    worker, _client = signed_in
    active = factories.WorkerFactory()
    start = clock.now()
    capture = django_capture_on_commit_callbacks
    _run_at(start, PERIOD - 31 * DAY, capture)
    assert _warnings(worker) == []
    run = _run_at(start, PERIOD - 29 * DAY, capture)
    assert _warnings(worker) == [30]
    assert run.counts["inactive_account:warned"] >= 1
    _run_at(start, PERIOD - 28 * DAY, capture)
    assert _warnings(worker) == [30]  # not twice
    _run_at(start, PERIOD - 6 * DAY, capture)
    assert _warnings(worker) == [7, 30]
    _run_at(start, PERIOD - 5 * DAY, capture)
    assert _warnings(worker) == [7, 30]
    assert User.objects.get(pk=worker.pk).is_active
    run = _run_at(start, PERIOD + DAY, capture)
    assert run.counts["inactive_account:erased"] >= 1
    assert not User.objects.filter(pk=worker.pk, is_active=True).exists()
    assert AccountErasure.objects.filter(reason="inactive").count() >= 1
    assert not User.objects.filter(phone=worker.phone).exists()
    del active


def test_a_late_run_warns_first_and_erases_only_a_week_later(
    signed_in, django_capture_on_commit_callbacks
):
    worker, _client = signed_in
    start = clock.now()
    capture = django_capture_on_commit_callbacks
    run = _run_at(start, PERIOD + 100 * DAY, capture)
    assert _warnings(worker) == [7, 30]
    assert run.counts["inactive_account:erased"] == 0
    assert User.objects.get(pk=worker.pk).is_active
    _run_at(start, PERIOD + 106 * DAY, capture)
    assert User.objects.get(pk=worker.pk).is_active
    _run_at(start, PERIOD + 108 * DAY, capture)
    assert not User.objects.filter(pk=worker.pk, is_active=True).exists()


def test_signing_in_again_resets_the_clock(signed_in, django_capture_on_commit_callbacks):
    worker, client = signed_in
    start = clock.now()
    capture = django_capture_on_commit_callbacks
    _run_at(start, PERIOD - 20 * DAY, capture)
    assert _warnings(worker) == [30]
    with time_machine.travel(start + PERIOD - 10 * DAY, tick=False):
        device_sign_in(user=worker, device_name="new phone")
    _run_at(start, PERIOD + 30 * DAY, capture)
    assert User.objects.get(pk=worker.pk).is_active
    assert _warnings(worker) == [30]
    assert Device.objects.filter(user=worker, last_seen_at__gt=start + PERIOD - 11 * DAY).exists()
    del client


def test_dry_run_counts_and_changes_nothing(signed_in, django_capture_on_commit_callbacks):
    worker, _client = signed_in
    start = clock.now()
    _run_at(start, PERIOD - 6 * DAY, django_capture_on_commit_callbacks)
    with time_machine.travel(start + PERIOD + 2 * DAY, tick=False):
        run = retention_run(dry_run=True)
    assert run.counts["inactive_account:erased"] == 1
    assert User.objects.get(pk=worker.pk).is_active


def test_staff_are_never_erased_for_inactivity(inspector, django_capture_on_commit_callbacks):
    start = clock.now()
    _run_at(start, PERIOD * 2, django_capture_on_commit_callbacks)
    assert User.objects.get(pk=inspector.pk).is_active
    assert _warnings(inspector) == []
