"""The contract between the dispatcher and a channel backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.notifications.texts import OutboundText


class DeliveryError(Exception):
    """A send failed. ``str(error)`` must be safe to store: a code, never message content."""


class TemporaryDeliveryError(DeliveryError):
    """Trying again later may succeed (network, timeout, provider 429/5xx)."""


class PermanentDeliveryError(DeliveryError):
    """Trying again will not help (rejected request, misconfiguration): dead at once."""


class InvalidPushToken(DeliveryError):
    """The provider says the token is no longer registered: it is pruned."""


@dataclass
class OutboundMessage:
    delivery_id: str
    notification_id: str
    channel: str
    recipient: Any
    text: OutboundText
    urgent: bool = False
    push_tokens: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class DeliveryResult:
    """``sent``; or ``skipped`` with a reason code (no phone, no token, no address)."""

    sent: bool
    reason: str = ""
    pruned_token_ids: tuple = ()

    @classmethod
    def skipped(cls, reason: str, pruned: tuple = ()) -> DeliveryResult:
        return cls(sent=False, reason=reason, pruned_token_ids=pruned)


class ChannelBackend:
    def send(self, message: OutboundMessage) -> DeliveryResult:  # pragma: no cover - interface
        raise NotImplementedError
