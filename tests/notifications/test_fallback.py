"""Urgent events: push first, SMS when the push is not acknowledged in time."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from backend.core import clock
from backend.notifications.dispatch import urgent_fallbacks_send
from backend.notifications.models import DeliveryStatus, NotificationPreference
from backend.notifications.services import notifications_mark_read, notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def urgent(django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATIONS_URGENT_ACK_SECONDS = 900

    def emit(recipient, key="complaint:9:overdue"):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            [notification] = notify(
                event="complaint.overdue",
                event_key=key,
                recipients=[recipient],
                subject_ref="FT-7K3Q-9M2D",
                urgent=True,
            )
        return notification

    return emit


@pytest.fixture
def fallback(django_capture_on_commit_callbacks):
    def run(after_seconds: int) -> int:
        with (
            time_machine.travel(clock.now() + dt.timedelta(seconds=after_seconds), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return urgent_fallbacks_send()

    return run


def test_unacknowledged_urgent_push_falls_back_to_sms_once(
    worker, push_token, urgent, fallback, sms
):
    notification = urgent(worker)

    assert fallback(60) == 0  # too early
    assert sms == []
    assert fallback(901) == 1
    assert fallback(2000) == 0  # checked once

    [message] = sms
    assert message.to == worker.phone
    assert "FT-7K3Q-9M2D" in message.body
    assert notification.deliveries.get(channel="sms").status == DeliveryStatus.SENT


def test_acknowledged_push_needs_no_sms(worker, push_token, urgent, fallback, sms, auth_client):
    notification = urgent(worker)

    auth_client(worker).post(f"/api/v1/notifications/{notification.id}/ack")

    assert fallback(901) == 0
    assert sms == []


def test_read_notification_needs_no_sms(worker, push_token, urgent, fallback, sms):
    notification = urgent(worker)
    notifications_mark_read(user=worker, notification_id=notification.id)

    assert fallback(901) == 0
    assert sms == []


def test_no_push_token_falls_back_at_once(worker, urgent, fallback, sms):
    urgent(worker)  # push skipped: no registered device

    assert fallback(0) == 1
    assert len(sms) == 1


def test_sms_switched_off_means_no_fallback(worker, push_token, urgent, fallback, sms):
    NotificationPreference.objects.create(user=worker, sms=False)
    urgent(worker)

    assert fallback(901) == 0
    assert sms == []


def test_push_off_sends_sms_directly_and_never_twice(worker, urgent, fallback, sms):
    NotificationPreference.objects.create(user=worker, push=False)
    notification = urgent(worker)

    assert len(sms) == 1
    assert fallback(901) == 0
    assert notification.deliveries.filter(channel="sms").count() == 1


def test_non_urgent_never_falls_back(
    worker, push_token, fallback, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="complaint.message", event_key="k:1", recipients=[worker])

    assert fallback(5000) == 0
    assert sms == []
