"""Dispatch: claimed once, sent once; retries with backoff; dead letters; the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.test import RequestFactory

from backend.core import clock
from backend.notifications import dispatch
from backend.notifications.dispatch import (
    deliveries_claim,
    deliveries_dispatch,
    deliveries_reclaim_stuck,
    deliveries_redispatch_pending,
    retry_delay,
)
from backend.notifications.models import Delivery, DeliveryStatus
from backend.notifications.services import notify
from tests.notifications import fakes

pytestmark = pytest.mark.django_db


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """Emit one event in a committed transaction (the on-commit dispatch runs, eagerly)."""

    def do(recipient, key="complaint:1:message:9", *, commit=True):
        with django_capture_on_commit_callbacks(execute=commit):
            [notification] = notify(
                event="complaint.message",
                event_key=key,
                recipients=[recipient],
                subject_ref="FT-7K3Q-9M2D",
                data={"message_id": "m1"},
            )
        return notification

    return do


def push_of(notification) -> Delivery:
    return notification.deliveries.get(channel="push")


def test_dispatch_sends_each_pending_delivery_once(worker, push_token, sink, emit):
    notification = emit(worker)  # eager mode: the on-commit dispatch already ran

    delivery = push_of(notification)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert sink == [(str(delivery.id), "push", push_token.token[-6:])]

    again = deliveries_dispatch(notification_ids=[str(notification.id)])

    assert again.sent == 0
    assert len(sink) == 1


def test_duplicate_claims_collapse_to_one(
    worker, push_token, django_capture_on_commit_callbacks, emit
):
    notification = emit(worker, commit=False)
    ids = [str(notification.id)]
    now = clock.now()

    first = deliveries_claim(notification_ids=ids, now=now)
    second = deliveries_claim(notification_ids=ids, now=now)

    assert first == [push_of(notification).id]
    assert second == []
    assert push_of(notification).status == DeliveryStatus.SENDING


def test_push_without_tokens_is_skipped(worker, sink, emit):
    notification = emit(worker)

    delivery = push_of(notification)
    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.last_error == "no_push_token"
    assert sink == []


def test_revoked_device_gets_no_push(worker, push_token, sink, emit):
    from backend.accounts.models import Device

    device = Device.objects.create(user=worker, name="old phone", revoked_at=clock.now())
    push_token.device = device
    push_token.save()

    notification = emit(worker)

    assert push_of(notification).status == DeliveryStatus.SKIPPED
    assert sink == []


def test_temporary_error_goes_back_to_pending_with_backoff(
    worker, push_token, use_backend, settings, emit
):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    use_backend("push", "tests.notifications.fakes.FlakyBackend")
    before = clock.now()

    notification = emit(worker)

    delivery = push_of(notification)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error == "provider_http_503"
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 15 <= wait <= 31  # base 30 s, half of it jitter


def test_retries_then_dead_letter_after_max_attempts(
    worker, push_token, use_backend, settings, emit
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    use_backend("push", "tests.notifications.fakes.FlakyBackend")
    fakes.calls.clear()
    notification = emit(worker)

    with time_machine.travel(clock.now() + dt.timedelta(hours=1), tick=False):
        deliveries_dispatch(notification_ids=[str(notification.id)])
    with time_machine.travel(clock.now() + dt.timedelta(hours=3), tick=False):
        result = deliveries_dispatch(notification_ids=[str(notification.id)])

    delivery = push_of(notification)
    assert result.dead == 1
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.attempts == 3
    assert delivery.last_error == "provider_http_503"
    assert len(fakes.calls) == 3


def test_a_retry_is_not_sent_before_its_time(worker, push_token, use_backend, emit):
    use_backend("push", "tests.notifications.fakes.FlakyBackend")
    fakes.calls.clear()
    notification = emit(worker)

    result = deliveries_dispatch(notification_ids=[str(notification.id)])

    assert result.retrying == 0 and result.sent == 0
    assert len(fakes.calls) == 1


def test_permanent_error_is_dead_at_once(worker, push_token, use_backend, emit):
    use_backend("push", "tests.notifications.fakes.RejectingBackend")

    delivery = push_of(emit(worker))

    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.attempts == 1
    assert delivery.last_error == "provider_http_400"


def test_a_crashing_backend_is_dead_and_its_message_not_stored(
    worker, push_token, use_backend, emit
):
    use_backend("push", "tests.notifications.fakes.CrashingBackend")

    delivery = push_of(emit(worker))

    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.last_error == "error:RuntimeError"


def test_backoff_grows_and_is_capped(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 100
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (12, 100)]:
        delays = [retry_delay(attempts) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), attempts
        assert len(set(delays)) > 1  # jitter


def test_sweep_reclaims_sending_deliveries_of_a_dead_worker(
    worker, push_token, sink, settings, emit
):
    settings.NOTIFICATIONS_DISPATCH_TIME_LIMIT = 60
    settings.NOTIFICATIONS_RECLAIM_MARGIN_SECONDS = 30
    notification = emit(worker, commit=False)
    deliveries_claim(notification_ids=[str(notification.id)], now=clock.now())  # then killed

    assert deliveries_reclaim_stuck() == 0  # still within the task's time limit
    with time_machine.travel(clock.now() + dt.timedelta(seconds=91), tick=False):
        enqueued = deliveries_redispatch_pending()

    delivery = push_of(notification)
    assert enqueued == 1
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert [s[0] for s in sink] == [str(delivery.id)]


def test_sweep_redispatches_pending_deliveries_whose_message_was_lost(
    worker, push_token, sink, settings, emit
):
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 60
    notification = emit(worker, commit=False)  # the broker was down

    assert deliveries_redispatch_pending() == 0  # too fresh: its own message may still come
    with time_machine.travel(clock.now() + dt.timedelta(seconds=61), tick=False):
        assert deliveries_redispatch_pending() == 1

    assert push_of(notification).status == DeliveryStatus.SENT
    assert len(sink) == 1


def test_sweep_picks_up_due_retries(worker, push_token, use_backend, sink, emit):
    use_backend("push", "tests.notifications.fakes.FlakyBackend")
    notification = emit(worker)
    use_backend("push", "backend.notifications.channels.push.PushChannel")

    assert deliveries_redispatch_pending() == 0
    with time_machine.travel(clock.now() + dt.timedelta(minutes=5), tick=False):
        assert deliveries_redispatch_pending() == 1

    assert push_of(notification).status == DeliveryStatus.SENT
    assert len(sink) == 1


def test_retry_is_scheduled_with_a_countdown(worker, push_token, use_backend, monkeypatch, emit):
    use_backend("push", "tests.notifications.fakes.FlakyBackend")
    sent = []
    monkeypatch.setattr(
        dispatch, "send_task_now", lambda name, kwargs, **options: sent.append((name, options))
    )

    notification = emit(worker)

    [(name, options)] = sent
    assert name == "notifications.dispatch"
    delivery = push_of(notification)
    expected = (delivery.next_attempt_at - clock.now()).total_seconds()
    assert abs(options["countdown"] - expected) < 2


def test_admin_lists_dead_letters_and_retries_them(
    worker, push_token, use_backend, admin_user, sink, emit, django_capture_on_commit_callbacks
):
    use_backend("push", "tests.notifications.fakes.RejectingBackend")
    delivery = push_of(emit(worker))
    use_backend("push", "backend.notifications.channels.push.PushChannel")
    model_admin = site._registry[Delivery]
    request = RequestFactory().get("/admin/notifications/delivery/", {"status__exact": "dead"})
    request.user = admin_user

    changelist = model_admin.get_changelist_instance(request)
    assert [d.pk for d in changelist.get_queryset(request)] == [delivery.pk]
    assert "status" in model_admin.list_filter and "last_error" in model_admin.list_display

    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.retry_dead(request, Delivery.objects.filter(pk=delivery.pk))

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert len(sink) == 1


def test_soft_time_limit_hands_untried_deliveries_back(worker, other_worker, emit, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from backend.notifications.models import PushToken

    PushToken.objects.create(user=other_worker, platform="ios", token="other-token-00000001")
    PushToken.objects.create(user=worker, platform="ios", token="worker-token-00000001")
    first = emit(worker, "k:1", commit=False)
    second = emit(other_worker, "k:2", commit=False)
    calls = []

    def send(delivery, tokens):
        calls.append(delivery.pk)
        if len(calls) == 2:
            raise SoftTimeLimitExceeded()
        from backend.notifications.channels import DeliveryResult

        return DeliveryResult(sent=True)

    monkeypatch.setattr(dispatch, "_send", send)

    with pytest.raises(SoftTimeLimitExceeded):
        deliveries_dispatch(notification_ids=[str(first.id), str(second.id)])

    statuses = {
        d.pk: (d.status, d.attempts) for d in Delivery.objects.filter(channel="push", pk__in=calls)
    }
    assert statuses[calls[0]] == (DeliveryStatus.SENT, 1)
    assert statuses[calls[1]] == (DeliveryStatus.PENDING, 0)
