"""Logging defaults. Nothing leaves the machine: the delivery is logged by id (never the text
or the address) and recorded in ``sink`` (tests) and, when ``NOTIFICATIONS_SINK_FILE`` is set,
appended to that file as ``<delivery id> <channel>`` (the benchmark counts lines across
worker processes)."""

from __future__ import annotations

import logging
import os

from django.conf import settings

from backend.notifications.channels.base import ChannelBackend, DeliveryResult, OutboundMessage

logger = logging.getLogger("fairtrail.notifications")

#: Everything the logging backends "sent" in this process: (delivery_id, channel, target).
sink: list[tuple[str, str, str]] = []


def record(delivery_id: str, channel: str, target: str = "") -> None:
    sink.append((delivery_id, channel, target))
    logger.info("notification delivered id=%s channel=%s", delivery_id, channel)
    path = getattr(settings, "NOTIFICATIONS_SINK_FILE", "")
    if path:
        line = f"{delivery_id} {channel}\n".encode()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)  # one write per line with O_APPEND: lines never interleave
        finally:
            os.close(fd)


class LoggingChannelBackend(ChannelBackend):
    """Any channel: records the delivery without contacting anyone."""

    def send(self, message: OutboundMessage) -> DeliveryResult:
        record(message.delivery_id, message.channel)
        return DeliveryResult(sent=True)


class LoggingPushProvider:
    """Push provider that records instead of calling FCM or APNs."""

    def send(self, *, token: str, message: OutboundMessage) -> None:
        record(message.delivery_id, "push", token[-6:])
