"""The notification outbox: one ``Notification`` per (event, recipient), one ``Delivery`` per
channel. Rows are written in the same transaction as the domain change that caused them, so
nothing is lost when Redis or the workers are down; a periodic task re-dispatches anything
still pending.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel, UUIDModel


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    PUSH = "push", _("Push notification")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    DEAD = "dead", _("Failed for good")


class Notification(UUIDModel):
    """What the recipient sees in the in-app inbox. ``data`` holds ids and codes only."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=64)
    event_key = models.CharField(max_length=200)
    subject_ref = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    #: Changes when the notification is read or acknowledged (``?updated_since=`` sync).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"], name="notification_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["recipient", "-created_at"])]


class Delivery(UUIDModel):
    """One channel's attempt to tell the recipient. Exactly once per (event, recipient,
    channel): the unique ``idempotency_key`` and a conditional claim before sending."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    idempotency_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Set on an urgent push once the SMS fallback has been decided (sent or not needed).
    fallback_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class PushPlatform(models.TextChoices):
    ANDROID = "android", _("Android (Firebase Cloud Messaging)")
    IOS = "ios", _("iOS (Apple Push Notification service)")


class PushToken(TimeStampedModel):
    """A push registration of one app install. A token belongs to one user at a time: when a
    shared phone is signed in by someone else, registering the token moves it to them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_tokens"
    )
    device = models.ForeignKey(
        "accounts.Device", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    platform = models.CharField(max_length=16, choices=PushPlatform.choices)
    token = models.CharField(max_length=512, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]


class NotificationPreference(TimeStampedModel):
    """Per-user channel choices. No row means the defaults (push on, SMS for urgent events
    only, e-mail off). The in-app inbox is always on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    push = models.BooleanField(default=True)
    sms = models.BooleanField(
        default=True, help_text=_("SMS is only ever used for urgent events (it costs money).")
    )
    email = models.BooleanField(default=False)
    email_address = models.EmailField(blank=True)
    #: IANA name; blank means "from the user's country, else UTC" (reminder days).
    time_zone = models.CharField(max_length=64, blank=True)
