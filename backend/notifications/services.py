"""Emitting notifications (the outbox). Domain services call ``notify`` inside their own
transaction; delivery happens after commit in Celery tasks (``notifications.dispatch``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from backend.core.tasks import enqueue_on_commit
from backend.notifications.models import Channel, Delivery, Notification

#: Channels every notification goes to before preferences are applied.
DEFAULT_CHANNELS = (Channel.IN_APP, Channel.PUSH)


def channels_for(recipient, *, urgent: bool) -> list[str]:
    """The channels this recipient gets. Preferences and fallbacks extend this."""
    return list(DEFAULT_CHANNELS)


def notify(
    *,
    event: str,
    event_key: str,
    recipients: Iterable,
    subject_ref: str = "",
    data: dict[str, Any] | None = None,
    urgent: bool = False,
) -> list[Notification]:
    """Write one notification per recipient and one delivery per channel, in the caller's
    transaction. ``event_key`` identifies the domain event (e.g. ``complaint:<id>:state:7``):
    emitting the same event twice creates nothing new. ``data`` must hold ids and codes only —
    texts outside the app never carry content (a name, a category, an amount, a title).
    """
    created: list[Notification] = []
    for recipient in {r.pk: r for r in recipients}.values():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient,
                    event=event,
                    event_key=event_key,
                    subject_ref=subject_ref,
                    data=data or {},
                    urgent=urgent,
                )
                Delivery.objects.bulk_create(
                    Delivery(
                        notification=notification,
                        channel=channel,
                        idempotency_key=f"{event_key}:{recipient.pk}:{channel}",
                    )
                    for channel in channels_for(recipient, urgent=urgent)
                )
        except IntegrityError:
            continue  # this event already reached this recipient
        created.append(notification)
    if created:
        enqueue_on_commit(
            "notifications.dispatch", kwargs={"notification_ids": [str(n.id) for n in created]}
        )
    return created
