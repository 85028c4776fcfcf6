"""Channel backends standing in for a failing or slow provider (the outside world)."""

from __future__ import annotations

import time

from backend.notifications.channels import (
    ChannelBackend,
    DeliveryResult,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from backend.notifications.channels.logging import record

#: Deliveries the fakes were asked to send, in order.
calls: list[str] = []


class FlakyBackend(ChannelBackend):
    """Fails temporarily every time (a provider that is down)."""

    def send(self, message):
        calls.append(message.delivery_id)
        raise TemporaryDeliveryError("provider_http_503")


class RejectingBackend(ChannelBackend):
    def send(self, message):
        calls.append(message.delivery_id)
        raise PermanentDeliveryError("provider_http_400")


class CrashingBackend(ChannelBackend):
    def send(self, message):
        raise RuntimeError("bug with +66812345678 in it")


class SlowLoggingBackend(ChannelBackend):
    """Sleeps before "sending": a worker killed during the sleep has claimed but not sent."""

    def send(self, message):
        time.sleep(4)
        record(message.delivery_id, message.channel)
        return DeliveryResult(sent=True)


class SinkSmsProvider:
    """An "SMS provider" for worker processes in tests: records into the logging sink."""

    def send(self, message):
        record("sms", "sms")
