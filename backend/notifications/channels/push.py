"""The push channel: every registered token of the recipient, through its platform's provider.

A delivery is sent if at least one device accepted it. Tokens the provider reports as
unregistered are deleted. A temporary failure with no device reached is retried; devices that
already accepted it may then see it again, which is why providers set a collapse id (the
notification id) so the phone replaces the earlier banner instead of showing two.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from backend.notifications.channels import push_provider
from backend.notifications.channels.base import (
    ChannelBackend,
    DeliveryResult,
    InvalidPushToken,
    OutboundMessage,
    TemporaryDeliveryError,
)


class PushChannel(ChannelBackend):
    def send(self, message: OutboundMessage) -> DeliveryResult:
        from backend.notifications.models import PushToken

        if not message.push_tokens:
            return DeliveryResult.skipped("no_push_token")
        accepted, pruned, temporary = [], [], None
        for token in message.push_tokens:
            try:
                push_provider(token.platform).send(token=token.token, message=message)
            except InvalidPushToken:
                pruned.append(token.pk)
            except TemporaryDeliveryError as error:
                temporary = error
            else:
                accepted.append(token.pk)
        if pruned:
            PushToken.objects.filter(pk__in=pruned).delete()
        if accepted:
            # Refreshed at most daily: a write per push would double the cost of a send.
            now = timezone.now()
            stale = [
                t.pk
                for t in message.push_tokens
                if t.pk in accepted
                and (t.last_used_at is None or now - t.last_used_at > dt.timedelta(days=1))
            ]
            if stale:
                PushToken.objects.filter(pk__in=stale).update(last_used_at=now)
            return DeliveryResult(sent=True, pruned_token_ids=tuple(pruned))
        if temporary is not None:
            raise temporary
        return DeliveryResult.skipped("push_tokens_invalid", tuple(pruned))
