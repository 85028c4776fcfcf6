"""The outbox: rows written with the change, dispatched after commit, once per event."""

from __future__ import annotations

import pytest
from django.db import transaction

from backend.notifications.models import Delivery, Notification, NotificationPreference
from backend.notifications.services import notify

pytestmark = pytest.mark.django_db


def emit(recipients, key="complaint:1:state:2", **extra):
    return notify(
        event="complaint.state_changed",
        event_key=key,
        recipients=recipients,
        subject_ref="FT-7K3Q-9M2D",
        data={"complaint_id": "c1"},
        **extra,
    )


def test_notify_writes_inbox_row_and_pending_push(worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        [notification] = emit([worker])
        assert {d.channel: d.status for d in notification.deliveries.all()} == {
            "in_app": "sent",
            "push": "pending",
        }

    assert len(callbacks) == 1  # the dispatch was enqueued only after the commit
    notification.refresh_from_db()
    assert notification.recipient == worker
    assert notification.read_at is None


def test_nothing_is_enqueued_when_the_change_rolls_back(worker, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        emit([worker])
        raise RuntimeError("the domain change failed")

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_the_same_event_twice_creates_nothing_new(worker, other_worker):
    first = emit([worker])
    second = emit([worker, worker, other_worker])

    assert len(first) == 1
    assert [n.recipient for n in second] == [other_worker]
    assert Notification.objects.filter(recipient=worker).count() == 1
    assert Delivery.objects.filter(notification__recipient=worker).count() == 2


def test_preferences_choose_the_channels(worker, other_worker, inspector):
    NotificationPreference.objects.create(user=other_worker, push=False)
    NotificationPreference.objects.create(
        user=inspector, email=True, email_address="inspector@example.org"
    )

    notifications = emit([worker, other_worker, inspector], urgent=True)

    channels = {
        n.recipient_id: sorted(n.deliveries.values_list("channel", flat=True))
        for n in notifications
    }
    assert channels == {
        worker.pk: ["in_app", "push"],
        other_worker.pk: ["in_app", "sms"],  # urgent and push off: straight to SMS
        inspector.pk: ["email", "in_app", "push"],
    }


def test_non_urgent_never_goes_by_sms(other_worker):
    NotificationPreference.objects.create(user=other_worker, push=False, sms=True)

    [notification] = emit([other_worker])

    assert list(notification.deliveries.values_list("channel", flat=True)) == ["in_app"]
