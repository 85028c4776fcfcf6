"""Pluggable SMS backends, chosen by ``settings.SMS_BACKEND``.

``console`` (default) logs the message with the number masked, and the digits of the text too
unless ``DEBUG`` is on; ``file`` writes one file per message into ``SMS_FILE_PATH`` (like
Django's file e-mail backend); ``locmem`` keeps messages in ``outbox`` for tests. These three are
for development and tests: production settings refuse them and need the dotted path of a
provider backend, which implements ``SmsBackend.send``.
"""

from __future__ import annotations

import importlib

from django.conf import settings

from backend.core.sms.backends import (
    ConsoleSmsBackend,
    FileSmsBackend,
    LocmemSmsBackend,
    SmsBackend,
    SmsMessage,
    outbox,
)

ALIASES = {
    "console": ConsoleSmsBackend,
    "file": FileSmsBackend,
    "locmem": LocmemSmsBackend,
}

__all__ = ["SmsBackend", "SmsMessage", "get_sms_backend", "outbox", "send_sms"]


def get_sms_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    if name in ALIASES:
        return ALIASES[name]()
    module_name, _, class_name = name.rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)()


def send_sms(to: str, body: str) -> None:
    get_sms_backend().send(SmsMessage(to=to, body=body))
