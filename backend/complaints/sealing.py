"""Complaint free text sealed with the worker key, bound to the row and the column.

Shredding the worker's vault key (``backend.vault.services.vault_shred``) makes every sealed
complaint text unreadable too: :func:`open_text` then returns ``None``.
"""

from __future__ import annotations

import uuid

from backend.vault import keyring
from backend.vault.crypto import fields
from backend.vault.crypto.errors import IntegrityError


def context(kind: str, row_id: uuid.UUID, column: str) -> bytes:
    return f"complaint-{kind}:".encode() + row_id.bytes + b":" + column.encode()


def key_for(worker) -> bytes | None:
    """The worker key, or None once it has been destroyed."""
    vault = keyring.vault_get_or_create(worker)
    try:
        return keyring.worker_key(vault)
    except keyring.KeyDestroyed:
        return None


def seal_text(key: bytes, text: str | None, *, ctx: bytes) -> bytes | None:
    if text is None or text == "":
        return None
    return fields.seal(key, text, context=ctx)


def open_text(key: bytes | None, sealed, *, ctx: bytes) -> str | None:
    if sealed is None or key is None:
        return None
    try:
        return fields.open_sealed(key, bytes(sealed), context=ctx)
    except IntegrityError:
        return None
