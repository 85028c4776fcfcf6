"""E-mail through Django's e-mail backends (EMAIL_BACKEND; locmem in tests)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from backend.notifications.channels.base import (
    ChannelBackend,
    DeliveryResult,
    OutboundMessage,
    TemporaryDeliveryError,
)


class EmailChannel(ChannelBackend):
    def send(self, message: OutboundMessage) -> DeliveryResult:
        preference = getattr(message.recipient, "notification_preference", None)
        address = preference.email_address if preference is not None else ""
        if not address:
            return DeliveryResult.skipped("no_email_address")
        email = EmailMessage(
            subject=message.text.email_subject,
            body=message.text.email_body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"X-Fairtrail-Delivery": message.delivery_id},
        )
        try:
            email.send(fail_silently=False)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as error:
            raise TemporaryDeliveryError(f"smtp_unreachable:{type(error).__name__}") from error
        return DeliveryResult(sent=True)
