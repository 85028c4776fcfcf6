"""The Celery app: every task is registered, every beat entry names one, the defaults are safe."""

from __future__ import annotations

from workers.base import FairtrailTask, TemporaryError
from workers.beat import BEAT_SCHEDULE
from workers.celery import app


def test_tasks_are_registered_without_starting_a_worker():
    assert "core.ping" in app.tasks
    assert "accounts.purge_expired_phone_verifications" in app.tasks


def test_every_beat_entry_names_a_registered_task():
    unknown = {entry["task"] for entry in BEAT_SCHEDULE.values()} - set(app.tasks)

    assert unknown == set()
    assert app.conf.beat_schedule == BEAT_SCHEDULE


def test_fairtrail_tasks_ack_late_and_retry_only_temporary_errors():
    ours = [task for name, task in app.tasks.items() if not name.startswith("celery.")]

    assert ours
    for task in ours:
        assert isinstance(task, FairtrailTask), task.name
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.autoretry_for == (TemporaryError,)


def test_worker_settings_from_django():
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
