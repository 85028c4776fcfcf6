"""The notification outbox: one ``Notification`` per (event, recipient), one ``Delivery`` per
channel. Rows are written in the same transaction as the domain change that caused them, so
nothing is lost when Redis or the workers are down; a periodic task re-dispatches anything
still pending.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.core.models import UUIDModel


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
