"""Channel backends: how a delivery leaves the server. Chosen by settings, each with a logging
or local default so development and tests never reach a real provider.

``settings.NOTIFICATIONS_CHANNEL_BACKENDS`` maps a channel (push, sms, email) to a class with
``send(message) -> DeliveryResult``; ``settings.NOTIFICATIONS_PUSH_PROVIDERS`` maps a push
platform (android, ios) to a provider (logging, FCM HTTP v1, APNs).
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from backend.notifications.channels.base import (
    ChannelBackend,
    DeliveryResult,
    InvalidPushToken,
    OutboundMessage,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)

__all__ = [
    "ChannelBackend",
    "DeliveryResult",
    "InvalidPushToken",
    "OutboundMessage",
    "PermanentDeliveryError",
    "TemporaryDeliveryError",
    "channel_backend",
    "push_provider",
]


@cache
def _load(path: str):
    return import_string(path)()


def channel_backend(channel: str) -> ChannelBackend:
    return _load(settings.NOTIFICATIONS_CHANNEL_BACKENDS[channel])


def push_provider(platform: str):
    return _load(settings.NOTIFICATIONS_PUSH_PROVIDERS[platform])


def reset_backends() -> None:
    """Forget the cached backend instances (tests that change the settings call this)."""
    _load.cache_clear()
