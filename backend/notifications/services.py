"""Emitting notifications (the outbox) and the user's own notification settings.

Domain services call ``notify`` inside their own transaction; delivery happens after commit in
Celery tasks (``notifications.dispatch``, see ``backend.notifications.dispatch``).
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from backend.audit.services import audit_record
from backend.core import clock
from backend.core.errors import AppError, NotFound
from backend.core.tasks import enqueue_on_commit
from backend.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    PushToken,
)
from backend.notifications.selectors import notifications_visible_to

#: Channels every notification goes to before preferences are applied.
DEFAULT_CHANNELS = (Channel.IN_APP, Channel.PUSH)


def channels_for(
    recipient, *, urgent: bool, preference: NotificationPreference | None = None
) -> list[str]:
    """The channels this recipient gets: the inbox always; push and e-mail if switched on;
    SMS directly only for an urgent event when push is off (otherwise SMS is the fallback of
    an unacknowledged urgent push, added later by ``urgent_fallbacks_send``)."""
    preference = preference or NotificationPreference(user=recipient)
    channels = [Channel.IN_APP]
    if preference.push:
        channels.append(Channel.PUSH)
    elif urgent and preference.sms:
        channels.append(Channel.SMS)
    if preference.email and preference.email_address:
        channels.append(Channel.EMAIL)
    return channels


def delivery_key(*, event_key: str, recipient_id, channel: str) -> str:
    return f"{event_key}:{recipient_id}:{channel}"


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

    The in-app delivery is the row itself and is ``sent`` at once; the others are ``pending``
    and dispatched once the caller's transaction commits.
    """
    unique = {r.pk: r for r in recipients}
    if not unique:
        return []
    preferences = {
        p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=list(unique))
    }
    now = clock.now()
    created: list[Notification] = []
    for recipient in unique.values():
        channels = channels_for(recipient, urgent=urgent, preference=preferences.get(recipient.pk))
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
                        idempotency_key=delivery_key(
                            event_key=event_key, recipient_id=recipient.pk, channel=channel
                        ),
                        status=(
                            DeliveryStatus.SENT
                            if channel == Channel.IN_APP
                            else DeliveryStatus.PENDING
                        ),
                        sent_at=now if channel == Channel.IN_APP else None,
                        next_attempt_at=now,
                    )
                    for channel in channels
                )
        except IntegrityError:
            continue  # this event already reached this recipient
        notification.pending = len(channels) > 1
        created.append(notification)
    pending = [str(n.id) for n in created if n.pending]
    if pending:
        enqueue_on_commit("notifications.dispatch", kwargs={"notification_ids": pending})
    return created


# --- The inbox --------------------------------------------------------------------------------


def _acknowledge(notification_ids: Q | list, now) -> None:
    Delivery.objects.filter(
        notification_id__in=notification_ids, channel=Channel.PUSH, acknowledged_at__isnull=True
    ).update(acknowledged_at=now)


def notifications_mark_read(
    *, user, up_to: uuid.UUID | None = None, notification_id: uuid.UUID | None = None
) -> int:
    """Mark one notification, or every notification up to and including ``up_to`` (the newest
    one the app has shown), as read. Reading acknowledges the push too (no SMS fallback)."""
    if (up_to is None) == (notification_id is None):
        raise AppError(
            _("Send either up_to or notification_id."),
            code="validation_error",
            fields={"up_to": [_("Send either up_to or notification_id.")]},
        )
    mine = notifications_visible_to(user)
    anchor = mine.filter(pk=up_to or notification_id).values("created_at", "id").first()
    if anchor is None:
        raise NotFound(_("No such notification."))
    if notification_id is not None:
        target = mine.filter(pk=notification_id)
    else:
        target = mine.filter(
            Q(created_at__lt=anchor["created_at"])
            | Q(created_at=anchor["created_at"], id__lte=anchor["id"])
        )
    now = clock.now()
    with transaction.atomic():
        unread = target.filter(read_at__isnull=True)
        ids = list(unread.values_list("id", flat=True))
        count = Notification.objects.filter(pk__in=ids).update(read_at=now, updated_at=now)
        _acknowledge(ids, now)
    return count


def notification_acknowledge(*, user, notification_id: uuid.UUID) -> Notification:
    """The app saw the push (it need not be read yet): cancels the urgent SMS fallback."""
    notification = notifications_visible_to(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    now = clock.now()
    with transaction.atomic():
        _acknowledge([notification.pk], now)
        Notification.objects.filter(pk=notification.pk).update(updated_at=now)
    notification.refresh_from_db()
    return notification


# --- Push tokens --------------------------------------------------------------------------------


def push_token_register(*, user, platform: str, token: str, device_id=None) -> PushToken:
    """Register (or refresh) the token of the calling app install. A token already held by
    another account moves to this one: the phone changed hands or someone else signed in on
    a shared phone, and the previous account must stop receiving pushes there."""
    with transaction.atomic():
        existing = PushToken.objects.select_for_update().filter(token=token).first()
        if existing is None:
            push_token = PushToken.objects.create(
                user=user, platform=platform, token=token, device_id=device_id
            )
            moved_from = None
        else:
            moved_from = existing.user_id if existing.user_id != user.pk else None
            existing.user = user
            existing.platform = platform
            existing.device_id = device_id
            existing.save(update_fields=["user", "platform", "device", "updated_at"])
            push_token = existing
        audit_record(
            action="notifications.push_token_registered",
            actor=user,
            target=push_token,
            platform=platform,
            moved=moved_from is not None,
        )
    return push_token


def push_token_delete(*, user, push_token: PushToken) -> None:
    with transaction.atomic():
        deleted, _rows = PushToken.objects.filter(pk=push_token.pk, user_id=user.pk).delete()
        if not deleted:
            raise NotFound(_("No such push token."))
        audit_record(action="notifications.push_token_deleted", actor=user, target=push_token)


# --- Preferences --------------------------------------------------------------------------------

PREFERENCE_FIELDS = ("push", "sms", "email", "email_address", "time_zone")


def preference_update(*, user, **changes: Any) -> NotificationPreference:
    """Change channel choices. E-mail needs an address; the in-app inbox cannot be switched
    off (it is where the content is)."""
    unknown = sorted(set(changes) - set(PREFERENCE_FIELDS))
    if unknown:
        raise AppError(
            _("These settings cannot be changed here."),
            code="validation_error",
            fields={name: [_("This field cannot be changed here.")] for name in unknown},
        )
    time_zone = changes.get("time_zone")
    if time_zone:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise AppError(
                _("Unknown time zone."),
                code="validation_error",
                fields={"time_zone": [_("Use an IANA name such as Asia/Bangkok.")]},
            ) from None
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user
        )
        for name, value in changes.items():
            setattr(preference, name, value)
        if preference.email and not preference.email_address:
            raise AppError(
                _("Add an e-mail address to receive e-mails."),
                code="validation_error",
                fields={"email_address": [_("Required when e-mail is on.")]},
            )
        preference.save()
        audit_record(
            action="notifications.preferences_updated",
            actor=user,
            target=preference,
            fields=sorted(changes),
        )
    return preference
