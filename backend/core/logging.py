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
    text = IPV4_RE.sub(lambda m: f"{m[1]}.{m[2]}.{m[3]}.0", text)
    text = IPV6_RE.sub(lambda m: truncate_ip(m[0]) or "[ip]", text)
    text = PHONE_RE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m[0]) >= 8 else m[0], text)
    return text


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True
