"""SMS through the platform's SMS backends (``backend.core.sms``, chosen by SMS_BACKEND)."""

from __future__ import annotations

from backend.core.sms import SmsMessage, get_sms_backend
from backend.notifications.channels.base import (
    ChannelBackend,
    DeliveryResult,
    OutboundMessage,
    TemporaryDeliveryError,
)


class SmsChannel(ChannelBackend):
    def send(self, message: OutboundMessage) -> DeliveryResult:
        phone = getattr(message.recipient, "phone", None)
        if not phone or not getattr(message.recipient, "phone_verified_at", None):
            return DeliveryResult.skipped("no_verified_phone")
        try:
            get_sms_backend().send(SmsMessage(to=phone, body=message.text.body))
        except (ConnectionError, TimeoutError, OSError) as error:
            raise TemporaryDeliveryError(
                f"sms_provider_unreachable:{type(error).__name__}"
            ) from error
        return DeliveryResult(sent=True)
