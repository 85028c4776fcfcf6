"""Delivering the outbox: claim, send through the channel backend, record the outcome.

Exactly once per delivery: a delivery is sent only by the worker whose conditional
``UPDATE … SET status='sending' WHERE status='pending' … RETURNING id`` returned it, so two
workers (or a redelivered task message) never send the same delivery. A worker killed after
claiming leaves the delivery ``sending``; the sweep puts it back to ``pending`` once it has been
``sending`` for longer than the dispatch task's hard time limit (no live task can still hold
it). The only window for a duplicate is a kill between the provider accepting a message and
the ``sent`` update; push providers then collapse the two banners by notification id.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q

from backend.core import clock
from backend.core.tasks import enqueue_on_commit, send_task_now
from backend.notifications import texts
from backend.notifications.channels import (
    DeliveryResult,
    OutboundMessage,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    channel_backend,
)
from backend.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    NotificationPreference,
    PushToken,
)
from backend.notifications.services import delivery_key

logger = logging.getLogger("fairtrail.notifications")


@dataclass
class DispatchResult:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    dead: int = 0
    #: Notifications with a delivery waiting for a retry, and the earliest retry time.
    retry_notification_ids: set[str] = field(default_factory=set)
    retry_at: dt.datetime | None = None


def retry_delay(attempts: int) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, capped."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    ceiling = min(settings.NOTIFICATIONS_RETRY_MAX_SECONDS, base * 2 ** max(0, attempts - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


def deliveries_claim(*, notification_ids: list, now: dt.datetime) -> list[uuid.UUID]:
    """Atomically move this batch's due ``pending`` deliveries to ``sending``; returns the ids
    this caller won. One statement, so concurrent claimers split the rows, never share them."""
    if not notification_ids:
        return []
    pk = Delivery._meta.pk
    when = Delivery._meta.get_field("claimed_at")
    qn = connection.ops.quote_name
    ids = [pk.get_db_prep_value(uuid.UUID(str(i)), connection) for i in notification_ids]
    stamp = when.get_db_prep_value(now, connection)
    # Only quoted identifiers and placeholders are interpolated; values go in ``params``.
    table, status, claimed_at, attempts = (
        qn(Delivery._meta.db_table),
        qn("status"),
        qn("claimed_at"),
        qn("attempts"),
    )
    notification, next_at, id_ = qn("notification_id"), qn("next_attempt_at"), qn("id")
    placeholders = ", ".join(["%s"] * len(ids))
    sql = " ".join(
        [
            "UPDATE",
            table,
            f"SET {status} = %s, {claimed_at} = %s, {attempts} = {attempts} + 1",
            f"WHERE {notification} IN ({placeholders}) AND {status} = %s",
            f"AND ({next_at} IS NULL OR {next_at} <= %s) RETURNING {id_}",
        ]
    )
    params = [DeliveryStatus.SENDING, stamp, *ids, DeliveryStatus.PENDING, stamp]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [uuid.UUID(str(row[0])) for row in cursor.fetchall()]


def _active_push_tokens(user_ids: set) -> dict:
    tokens = defaultdict(list)
    rows = PushToken.objects.filter(user_id__in=user_ids).filter(
        Q(device__isnull=True) | Q(device__revoked_at__isnull=True)
    )
    for token in rows.order_by("created_at"):
        tokens[token.user_id].append(token)
    return tokens


def _message(delivery: Delivery, tokens: dict) -> OutboundMessage:
    notification = delivery.notification
    recipient = notification.recipient
    return OutboundMessage(
        delivery_id=str(delivery.id),
        notification_id=str(notification.id),
        channel=delivery.channel,
        recipient=recipient,
        text=texts.render(
            event=notification.event,
            subject_ref=notification.subject_ref,
            urgent=notification.urgent,
            language=recipient.preferred_language,
        ),
        urgent=notification.urgent,
        push_tokens=tokens.get(recipient.pk, []) if delivery.channel == Channel.PUSH else [],
    )


def _send(delivery: Delivery, tokens: dict) -> DeliveryResult:
    return channel_backend(delivery.channel).send(_message(delivery, tokens))


def deliveries_dispatch(*, notification_ids: list) -> DispatchResult:
    """Send every due pending delivery of these notifications. Safe to run twice, in parallel,
    or after a crash: only claimed deliveries are sent and each claim is won once."""
    result = DispatchResult()
    now = clock.now()
    claimed = deliveries_claim(notification_ids=notification_ids, now=now)
    if not claimed:
        return result
    deliveries = list(
        Delivery.objects.filter(pk__in=claimed).select_related("notification__recipient")
    )
    push_users = {d.notification.recipient_id for d in deliveries if d.channel == Channel.PUSH}
    tokens = _active_push_tokens(push_users) if push_users else {}
    sent: list = []
    skipped: dict[str, list] = defaultdict(list)
    handled: set = set()
    try:
        for delivery in deliveries:
            handled.add(delivery.pk)
            try:
                outcome = _send(delivery, tokens)
            except TemporaryDeliveryError as error:
                _record_failure(delivery, str(error), permanent=False, result=result)
                continue
            except PermanentDeliveryError as error:
                _record_failure(delivery, str(error), permanent=True, result=result)
                continue
            except SoftTimeLimitExceeded:
                handled.discard(delivery.pk)
                raise
            except Exception as error:  # a bug or an unknown provider failure: do not retry
                logger.exception("notification delivery %s crashed", delivery.id)
                _record_failure(
                    delivery, f"error:{type(error).__name__}", permanent=True, result=result
                )
                continue
            if outcome.sent:
                sent.append(delivery.pk)
            else:
                skipped[outcome.reason].append(delivery.pk)
    except SoftTimeLimitExceeded:
        # Out of time: hand the deliveries not yet tried back to the queue, keep the rest.
        untried = [d.pk for d in deliveries if d.pk not in handled]
        Delivery.objects.filter(pk__in=untried, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.PENDING, attempts=F("attempts") - 1, next_attempt_at=now
        )
        _record_outcomes(result, sent, skipped)
        raise
    _record_outcomes(result, sent, skipped)
    return result


def _record_outcomes(result: DispatchResult, sent: list, skipped: dict[str, list]) -> None:
    done = clock.now()
    if sent:
        result.sent = Delivery.objects.filter(pk__in=sent, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.SENT, sent_at=done, last_error=""
        )
    for reason, ids in skipped.items():
        result.skipped += Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.SKIPPED, last_error=reason, sent_at=None
        )


def _record_failure(delivery: Delivery, error: str, *, permanent: bool, result) -> None:
    error = error[:500]
    if permanent or delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.DEAD, last_error=error
        )
        result.dead += 1
        logger.warning(
            "notification delivery %s dead after %d attempts: %s",
            delivery.id,
            delivery.attempts,
            error,
        )
        return
    retry_at = clock.now() + dt.timedelta(seconds=retry_delay(delivery.attempts))
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING, next_attempt_at=retry_at, last_error=error
    )
    result.retrying += 1
    result.retry_notification_ids.add(str(delivery.notification_id))
    if result.retry_at is None or retry_at < result.retry_at:
        result.retry_at = retry_at


def dispatch_retry_schedule(result: DispatchResult) -> None:
    """Enqueue the retry of the failed deliveries at their backoff time. If that message is
    lost (broker restart, killed worker), the sweep still finds them by ``next_attempt_at``."""
    if not result.retry_notification_ids or result.retry_at is None:
        return
    countdown = max(0.0, (result.retry_at - clock.now()).total_seconds())
    try:
        send_task_now(
            "notifications.dispatch",
            kwargs={"notification_ids": sorted(result.retry_notification_ids)},
            countdown=countdown,
        )
    except Exception:
        logger.exception("Could not schedule a notification retry; the sweep will")


# --- The sweep --------------------------------------------------------------------------------


def reclaim_cutoff(now: dt.datetime) -> dt.datetime:
    seconds = (
        settings.NOTIFICATIONS_DISPATCH_TIME_LIMIT + settings.NOTIFICATIONS_RECLAIM_MARGIN_SECONDS
    )
    return now - dt.timedelta(seconds=seconds)


def deliveries_reclaim_stuck(*, now: dt.datetime | None = None) -> int:
    """Put back ``sending`` deliveries whose worker died (older than the task time limit)."""
    now = now or clock.now()
    stuck = Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=reclaim_cutoff(now)
    )
    dead = stuck.filter(attempts__gte=settings.NOTIFICATIONS_MAX_ATTEMPTS).update(
        status=DeliveryStatus.DEAD, last_error="worker_lost"
    )
    back = stuck.update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, last_error="worker_lost"
    )
    if back or dead:
        logger.warning("reclaimed %d stuck notification deliveries (%d dead)", back, dead)
    return back


def deliveries_redispatch_pending(*, now: dt.datetime | None = None, batch: int = 100) -> int:
    """The periodic sweep: reclaim stuck deliveries, then re-enqueue every pending delivery that
    is due — retries whose backoff passed, and first attempts whose dispatch message never ran
    (Redis or the workers were down) after a grace period. Returns the notifications enqueued."""
    now = now or clock.now()
    deliveries_reclaim_stuck(now=now)
    grace = now - dt.timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS)
    due = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(
            Q(attempts=0, next_attempt_at__lte=grace)
            | Q(attempts__gt=0, next_attempt_at__lte=now)
            | Q(next_attempt_at__isnull=True)
        )
        .order_by("next_attempt_at")
        .values_list("notification_id", flat=True)[: settings.NOTIFICATIONS_SWEEP_BATCH]
    )
    notification_ids = sorted({str(i) for i in due})
    for start in range(0, len(notification_ids), batch):
        send_task_now(
            "notifications.dispatch",
            kwargs={"notification_ids": notification_ids[start : start + batch]},
        )
    return len(notification_ids)


# --- Urgent fallback ------------------------------------------------------------------------


def urgent_fallbacks_send(*, now: dt.datetime | None = None) -> int:
    """SMS for urgent notifications whose push was not acknowledged (nor the notification
    read) in time, or could not be delivered at all. Each push is checked once (conditional
    update of ``fallback_checked_at``); the SMS delivery's idempotency key makes it unique."""
    now = now or clock.now()
    deadline = now - dt.timedelta(seconds=settings.NOTIFICATIONS_URGENT_ACK_SECONDS)
    candidates = Delivery.objects.filter(
        channel=Channel.PUSH, notification__urgent=True, fallback_checked_at__isnull=True
    ).filter(
        Q(status=DeliveryStatus.SENT, sent_at__lte=deadline)
        | Q(status__in=[DeliveryStatus.SKIPPED, DeliveryStatus.DEAD])
    )
    ids = list(candidates.values_list("id", flat=True)[:1000])
    created: list[str] = []
    for delivery_id in ids:
        with transaction.atomic():
            won = Delivery.objects.filter(pk=delivery_id, fallback_checked_at__isnull=True).update(
                fallback_checked_at=now
            )
            if not won:
                continue
            delivery = Delivery.objects.select_related("notification__recipient").get(
                pk=delivery_id
            )
            notification = delivery.notification
            if delivery.acknowledged_at is not None or notification.read_at is not None:
                continue
            preference = NotificationPreference.objects.filter(
                user_id=notification.recipient_id
            ).first()
            if preference is not None and not preference.sms:
                continue
            try:
                with transaction.atomic():
                    Delivery.objects.create(
                        notification=notification,
                        channel=Channel.SMS,
                        idempotency_key=delivery_key(
                            event_key=notification.event_key,
                            recipient_id=notification.recipient_id,
                            channel=Channel.SMS,
                        ),
                        next_attempt_at=now,
                    )
            except IntegrityError:
                continue  # an SMS for this event already exists (e.g. push was off)
            created.append(str(notification.id))
    if created:
        enqueue_on_commit("notifications.dispatch", kwargs={"notification_ids": created})
    return len(created)


def deliveries_retry(*, delivery_ids: list) -> int:
    """Admin action: give dead deliveries a fresh set of attempts now."""
    now = clock.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.DEAD).values_list(
                "notification_id", flat=True
            )
        )
        count = Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.DEAD).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, last_error=""
        )
        if ids:
            enqueue_on_commit(
                "notifications.dispatch",
                kwargs={"notification_ids": sorted({str(i) for i in ids})},
            )
    return count
