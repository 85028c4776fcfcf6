"""The worker's hash-chained trail: append under the vault row lock, verify end to end."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from django.core.cache import cache

from backend.core import clock
from backend.vault.crypto import chain
from backend.vault.models import TrailEntry, Vault


def actor_ref(vault: Vault, user) -> str:
    """The actor's pseudonym in this worker's trail: HMAC-SHA256 of the user id under the
    vault's own salt. Stable within one trail, unlinkable across trails, and meaningless to
    whoever reads an excerpt (a court, the other party) — yet the owner's app can tell its
    own entries from other people's."""
    digest = hmac.new(bytes(vault.actor_salt), str(user.pk).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def entry_payload(entry: TrailEntry) -> dict[str, Any]:
    """What the chain commits to. Changing any of these fields breaks verification."""
    return {
        "position": entry.position,
        "at": entry.at.isoformat(),
        "event": entry.event,
        "actor_role": entry.actor_role,
        "actor_ref": entry.actor_ref,
        "document_id": str(entry.document_id) if entry.document_id else None,
        "version_id": str(entry.version_id) if entry.version_id else None,
        "sha256": entry.sha256,
        "data": entry.data,
    }


def trail_entry_next(
    *,
    vault: Vault,
    event: str,
    actor=None,
    document_id: uuid.UUID | None = None,
    version_id: uuid.UUID | None = None,
    sha256: str = "",
    data: dict[str, Any] | None = None,
    at=None,
) -> TrailEntry:
    """Build the next link of ``vault``'s chain (unsaved) and advance ``vault.trail_length`` and
    ``trail_head`` in memory. The caller holds ``select_for_update`` on ``vault`` (fresh row)
    and saves both the entry and the vault in that transaction; building several entries in a
    row chains them, so a batch can insert them in one statement."""
    entry = TrailEntry(
        vault=vault,
        position=vault.trail_length + 1,
        at=at if at is not None else clock.now(),
        event=event,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=getattr(actor, "role", "system") if actor is not None else "system",
        actor_ref=actor_ref(vault, actor) if getattr(actor, "pk", None) else "",
        document_id=document_id,
        version_id=version_id,
        sha256=sha256,
        data=data or {},
        prev_hash=vault.trail_head,
    )
    entry.entry_hash = chain.entry_hash(entry.prev_hash, entry_payload(entry))
    vault.trail_length = entry.position
    vault.trail_head = entry.entry_hash
    return entry


def trail_append(
    *,
    vault: Vault,
    event: str,
    actor=None,
    document_id: uuid.UUID | None = None,
    version_id: uuid.UUID | None = None,
    sha256: str = "",
    data: dict[str, Any] | None = None,
) -> TrailEntry:
    """Append one event. The caller must hold ``select_for_update`` on ``vault`` (fresh row)."""
    entry = trail_entry_next(
        vault=vault,
        event=event,
        actor=actor,
        document_id=document_id,
        version_id=version_id,
        sha256=sha256,
        data=data,
    )
    entry.save(force_insert=True)
    vault.save(update_fields=["trail_length", "trail_head"])
    return entry


def trail_verify(vault: Vault) -> chain.ChainVerification:
    """Recompute the whole chain (streamed); it must end exactly at the stored head."""
    entries = TrailEntry.objects.filter(vault=vault).order_by("position").iterator(chunk_size=2000)
    result = chain.verify_chain(
        ((entry_payload(e), e.entry_hash) for e in entries),
        head=vault.trail_head if vault.trail_length else None,
    )
    if result.ok and result.checked != vault.trail_length:
        return chain.ChainVerification(
            ok=False,
            checked=result.checked,
            first_bad_index=result.checked,
            reason="entries missing at the end of the trail",
        )
    return result


VERIFICATION_CACHE_SECONDS = 300


def trail_verification(vault: Vault) -> dict[str, Any]:
    """``trail_verify`` as the API reports it, cached briefly per (length, head): paging
    through a long trail does not re-hash the whole chain on every page."""
    key = f"vault:trail-verification:{vault.id}:{vault.trail_length}:{vault.trail_head}"
    report = cache.get(key)
    if report is None:
        result = trail_verify(vault)
        report = {
            "ok": result.ok,
            "checked": result.checked,
            "first_bad_position": None
            if result.first_bad_index is None
            else result.first_bad_index + 1,
            "reason": result.reason,
            "head": vault.trail_head,
        }
        cache.set(key, report, VERIFICATION_CACHE_SECONDS)
    return report
