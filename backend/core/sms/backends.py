from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from backend.core import clock
from backend.core.logging import mask_phone

logger = logging.getLogger("fairtrail.sms")
_DIGIT_RE = re.compile(r"\d")

#: Messages sent through the locmem backend (tests read and clear it).
outbox: list[SmsMessage] = []


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError  # pragma: no cover - interface


def mask_digits(text: str) -> str:
    """Every digit replaced by ``•``: a logged SMS must not carry a sign-in code."""
    return _DIGIT_RE.sub("•", text)


class ConsoleSmsBackend(SmsBackend):
    """Development only: the text goes to the log, the number masked (logs never hold numbers).

    The body is logged as is only with ``DEBUG`` on (a developer needs the code to sign in);
    otherwise every digit is masked, so a misconfigured server does not write login codes to its
    logs. Production settings refuse this backend altogether.
    """

    def send(self, message: SmsMessage) -> None:
        body = message.body if settings.DEBUG else mask_digits(message.body)
        logger.info("SMS to %s: %s", mask_phone(message.to), body)


class FileSmsBackend(SmsBackend):
    """Development and tests only: each message, number and code in clear, becomes a file
    ``<timestamp>-<id>.txt`` in ``settings.SMS_FILE_PATH``. Production settings refuse it."""

    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
        target = self.path / f"{stamp}-{uuid.uuid4().hex[:8]}.txt"
        target.write_text(f"To: {message.to}\n\n{message.body}\n", encoding="utf-8")


class LocmemSmsBackend(SmsBackend):
    """Tests only: messages are kept in ``outbox``."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)
