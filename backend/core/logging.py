"""Log redaction: phone numbers and e-mail addresses are masked, IPv4/IPv6 addresses truncated.

Applied as a handler filter to every record, so that a careless ``logger.info(...)`` anywhere
cannot write a worker's phone number to disk.
"""

from __future__ import annotations

import ipaddress
import logging
import re

PHONE_RE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
IPV4_RE = re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b")
IPV6_RE = re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}\b")
_HELD_RE = re.compile("\x00(\\d+)\x00")


def truncate_ip(address: str | None) -> str:
    """Keep the network part only: /24 for IPv4, /48 for IPv6 (enough for abuse triage)."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def mask_phone(phone: str | None) -> str:
    """``+66812345678`` → ``+66•••••678``: enough to recognise one's own number, no more."""
    if not phone:
        return ""
    return phone[:3] + "•" * max(0, len(phone) - 6) + phone[-3:]


def redact(text: str) -> str:
    text = EMAIL_RE.sub("[email]", text)
    # Truncated addresses are set aside while phones are masked: a dotted quad has enough digits
    # to look like a phone number. Text that only looks like IPv6 (a time, "12:30:45") is kept.
    held: list[str] = []

    def hold(value: str) -> str:
        held.append(value)
        return f"\x00{len(held) - 1}\x00"

    text = IPV4_RE.sub(lambda m: hold(f"{m[1]}.{m[2]}.{m[3]}.0"), text)
    text = IPV6_RE.sub(lambda m: hold(truncate_ip(m[0]) or m[0]), text)
    text = PHONE_RE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m[0]) >= 8 else m[0], text)
    return _HELD_RE.sub(lambda m: held[int(m[1])], text)


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        # Exception messages end up in the traceback text ("invalid number +66..."): format it
        # here, redacted, so the formatter uses this cached text instead of the raw one.
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
