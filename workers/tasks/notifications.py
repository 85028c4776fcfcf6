"""Notification delivery and reminders. Thin: each task calls one service.

All are idempotent: ``dispatch`` only sends deliveries it wins with a conditional update, the
sweeps re-check state, reminders are keyed by date. Temporary send failures are retried per
delivery by the service (backoff + jitter, then dead), so the tasks themselves do not retry.
"""

from django.conf import settings

from workers.base import FairtrailTask
from workers.celery import app

DISPATCH_LIMIT = settings.NOTIFICATIONS_DISPATCH_TIME_LIMIT


@app.task(
    base=FairtrailTask,
    name="notifications.dispatch",
    time_limit=DISPATCH_LIMIT,
    # The soft limit hands untried deliveries back before the hard limit kills the process.
    soft_time_limit=DISPATCH_LIMIT - max(1, DISPATCH_LIMIT // 6),
)
def dispatch(notification_ids: list[str]) -> int:
    from backend.notifications.dispatch import deliveries_dispatch, dispatch_retry_schedule

    result = deliveries_dispatch(notification_ids=notification_ids)
    dispatch_retry_schedule(result)
    return result.sent


@app.task(base=FairtrailTask, name="notifications.redispatch_pending")
def redispatch_pending() -> int:
    from backend.notifications.dispatch import deliveries_redispatch_pending

    return deliveries_redispatch_pending()


@app.task(base=FairtrailTask, name="notifications.send_urgent_fallbacks")
def send_urgent_fallbacks() -> int:
    from backend.notifications.dispatch import urgent_fallbacks_send

    return urgent_fallbacks_send()


@app.task(base=FairtrailTask, name="notifications.remind_expiring_documents")
def remind_expiring_documents() -> int:
    from backend.notifications.reminders import document_expiry_reminders_send

    return document_expiry_reminders_send()


@app.task(base=FairtrailTask, name="notifications.remind_expiring_grants")
def remind_expiring_grants() -> int:
    from backend.notifications.reminders import grant_expiry_reminders_send

    return grant_expiry_reminders_send()
