from __future__ import annotations

import pytest

from backend.notifications.channels import logging as logging_channel
from backend.notifications.channels import reset_backends


@pytest.fixture(autouse=True)
def _clean_notification_backends(settings):
    """Every test starts with the logging defaults, an empty sink and fresh backend objects."""
    logging_channel.sink.clear()
    reset_backends()
    settings.NOTIFICATIONS_SINK_FILE = ""
    yield
    logging_channel.sink.clear()
    reset_backends()


@pytest.fixture
def sink():
    return logging_channel.sink


@pytest.fixture
def use_backend(settings):
    """Swap one channel's backend class (by dotted path) for the test."""

    def swap(channel: str, path: str) -> None:
        settings.NOTIFICATIONS_CHANNEL_BACKENDS = {
            **settings.NOTIFICATIONS_CHANNEL_BACKENDS,
            channel: path,
        }
        reset_backends()

    return swap


@pytest.fixture
def push_token(worker):
    from backend.notifications.models import PushToken

    return PushToken.objects.create(
        user=worker, platform="android", token="fcm-token-of-the-worker-000001"
    )
