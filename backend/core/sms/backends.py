from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from backend.core import clock
from backend.core.logging import mask_phone

logger = logging.getLogger("fairtrail.sms")

#: Messages sent through the locmem backend (tests read and clear it).
outbox: list[SmsMessage] = []


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError  # pragma: no cover - interface


class ConsoleSmsBackend(SmsBackend):
    """Development: the text goes to the log, the number masked (logs never hold numbers)."""

    def send(self, message: SmsMessage) -> None:
        logger.info("SMS to %s: %s", mask_phone(message.to), message.body)


class FileSmsBackend(SmsBackend):
    """Writes each message as ``<timestamp>-<id>.txt`` into ``settings.SMS_FILE_PATH``."""

    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
        target = self.path / f"{stamp}-{uuid.uuid4().hex[:8]}.txt"
        target.write_text(f"To: {message.to}\n\n{message.body}\n", encoding="utf-8")


class LocmemSmsBackend(SmsBackend):
    def send(self, message: SmsMessage) -> None:
        outbox.append(message)
