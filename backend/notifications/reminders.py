"""Scheduled reminders (run by Celery beat, ``workers/beat.py``).

Each reminder has a date-bearing ``event_key``, so the hourly runs emit it once: on the first
run after the recipient's *local* day begins (their time zone, see ``selectors.user_time_zone``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from backend.core import clock
from backend.notifications.selectors import user_time_zone
from backend.notifications.services import notify

EXPIRY_KINDS = ("visa_or_work_permit", "employment_contract")


def document_expiry_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind owners of visas/work permits and contracts expiring in 30 and 7 days (by their
    local calendar). Time zones differ from UTC by less than a day, so only documents expiring
    within a day of each window (in UTC terms) are candidates."""
    from backend.vault.models import Document

    now = now or clock.now()
    windows = tuple(settings.NOTIFICATIONS_DOCUMENT_EXPIRY_DAYS)
    today = now.date()
    dates = {today + dt.timedelta(days=days + shift) for days in windows for shift in (-1, 0, 1)}
    documents = Document.objects.filter(
        kind__in=EXPIRY_KINDS,
        deleted_at__isnull=True,
        expires_on__in=dates,
        owner__is_active=True,
    ).select_related("owner__notification_preference")
    sent = 0
    for document in documents.iterator(chunk_size=500):
        owner = document.owner
        preference = getattr(owner, "notification_preference", None)
        local_today = now.astimezone(user_time_zone(owner, preference)).date()
        days = (document.expires_on - local_today).days
        if days not in windows:
            continue
        with transaction.atomic():
            sent += len(
                notify(
                    event="vault.document_expiring",
                    event_key=(
                        f"vault.document_expiring:{document.id}:"
                        f"{document.expires_on.isoformat()}:{days}"
                    ),
                    recipients=[owner],
                    data={"document_id": str(document.id), "days": days},
                )
            )
    return sent


def grant_expiry_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Tell both sides of a share that it ends within NOTIFICATIONS_GRANT_EXPIRY_HOURS."""
    from backend.vault.models import Grant

    now = now or clock.now()
    horizon = now + dt.timedelta(hours=settings.NOTIFICATIONS_GRANT_EXPIRY_HOURS)
    grants = Grant.objects.filter(
        revoked_at__isnull=True, expires_at__gt=now, expires_at__lte=horizon
    ).select_related("owner", "grantee")
    sent = 0
    for grant in grants.iterator(chunk_size=500):
        with transaction.atomic():
            sent += len(
                notify(
                    event="vault.grant_expiring",
                    event_key=f"vault.grant_expiring:{grant.id}:{grant.expires_at.isoformat()}",
                    recipients=[grant.owner, grant.grantee],
                    data={"grant_id": str(grant.id)},
                )
            )
    return sent
