"""``backend.core.tasks.enqueue_on_commit``: sends only after commit, never fails the caller."""

from __future__ import annotations

import logging
import uuid
from contextlib import suppress

import pytest
from celery import Celery
from django.db import transaction

from backend.audit.models import AuditEvent
from backend.audit.services import audit_record
from backend.core import tasks


def pings(token: str) -> int:
    return AuditEvent.objects.filter(action="worker.ping", data__token=token).count()


@pytest.mark.django_db
def test_nothing_is_sent_before_the_transaction_commits(django_capture_on_commit_callbacks):
    token = uuid.uuid4().hex

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.enqueue_on_commit("core.ping", kwargs={"token": token})
        assert pings(token) == 0

    assert len(callbacks) == 1
    assert pings(token) == 0

    callbacks[0]()

    assert pings(token) == 1


@pytest.mark.django_db
def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    token = uuid.uuid4().hex

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        suppress(RuntimeError),
        transaction.atomic(),
    ):
        tasks.enqueue_on_commit("core.ping", kwargs={"token": token})
        raise RuntimeError("the request failed")

    assert callbacks == []
    assert pings(token) == 0


@pytest.mark.django_db
def test_the_in_process_default_runs_the_task_right_after_commit(
    django_capture_on_commit_callbacks,
):
    token = uuid.uuid4().hex

    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_on_commit("core.ping", kwargs={"token": token})

    assert pings(token) == 1


@pytest.fixture
def broker_down(monkeypatch):
    """A Celery app whose broker is a closed port (Redis down)."""
    app = Celery("fairtrail-broker-down")
    app.conf.update(
        broker_url="redis://127.0.0.1:1/0",
        task_always_eager=False,
        broker_connection_timeout=1,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
    )
    monkeypatch.setattr(tasks, "celery_app", lambda: app)
    yield app
    app.close()


@pytest.mark.django_db
def test_a_broker_outage_does_not_fail_the_caller(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        event = audit_record(action="test.committed")
        tasks.enqueue_on_commit("core.ping", kwargs={"token": "outage"})

    assert len(callbacks) == 1
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    failures = [r for r in caplog.records if r.name == "fairtrail.tasks"]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR
    assert "core.ping" in failures[0].getMessage()
    assert failures[0].exc_info is not None


def test_sending_directly_with_the_broker_down_raises(broker_down):
    """Only the on-commit path swallows the outage; a direct send tells its caller."""
    with pytest.raises(Exception) as error:
        tasks.send_task_now("core.ping", kwargs={"token": "direct"})

    assert error.type.__module__.split(".")[0] in {"kombu", "redis", "builtins"}
