"""Worker keys and data keys: creation, wrapping, unwrapping and destruction.

A worker key never leaves memory unwrapped and is never stored in clear; it is unwrapped from
``Vault.wrapped_key`` with the master key each time it is needed (an AES-GCM operation).
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from django.db import IntegrityError as DbIntegrityError
from django.db import transaction
from django.utils.translation import gettext as _

from backend.core import clock
from backend.core.errors import AppError
from backend.vault.crypto import chain, fields, keys
from backend.vault.models import Vault


class KeyDestroyed(AppError):
    status_code = 410
    default_code = "content_destroyed"


def _vault_context(vault: Vault) -> bytes:
    return b"vault:" + vault.id.bytes


def _version_context(version_id: uuid.UUID) -> bytes:
    return b"version:" + version_id.bytes


def vault_get_or_create(owner) -> Vault:
    """The owner's vault, created with a fresh worker key on first use."""
    vault = Vault.objects.filter(owner=owner).first()
    if vault is not None:
        return vault
    vault = Vault(owner=owner, pseudonym=secrets.token_hex(8), trail_head=chain.GENESIS)
    master_id, wrapped = keys.wrap_with_master(keys.new_key(), context=_vault_context(vault))
    vault.master_key_id, vault.wrapped_key = master_id, wrapped
    try:
        with transaction.atomic():
            vault.save(force_insert=True)
    except DbIntegrityError:  # created concurrently by another request
        return Vault.objects.get(owner=owner)
    return vault


def worker_key(vault: Vault) -> bytes:
    if vault.key_destroyed_at is not None or not vault.wrapped_key:
        raise KeyDestroyed(_("This vault's keys have been destroyed."))
    return keys.unwrap_with_master(
        vault.master_key_id, bytes(vault.wrapped_key), context=_vault_context(vault)
    )


def wrap_data_key(vault: Vault, version_id: uuid.UUID, data_key: bytes) -> bytes:
    return keys.wrap_key(worker_key(vault), data_key, context=_version_context(version_id))


def unwrap_data_key(vault: Vault, version_id: uuid.UUID, wrapped: bytes | None) -> bytes:
    if not wrapped:
        raise KeyDestroyed(_("This file has been deleted and can no longer be read."))
    return keys.unwrap_key(worker_key(vault), bytes(wrapped), context=_version_context(version_id))


def seal_meta(vault: Vault, document_id: uuid.UUID, meta: dict[str, Any]) -> bytes:
    text = json.dumps(meta, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return fields.seal(worker_key(vault), text, context=b"document:" + document_id.bytes)


def open_meta(vault: Vault, document_id: uuid.UUID, sealed: bytes | None) -> dict[str, Any]:
    if not sealed:
        return {}
    return open_meta_with_key(worker_key(vault), document_id, sealed)


def open_meta_with_key(key: bytes, document_id: uuid.UUID, sealed: bytes) -> dict[str, Any]:
    text = fields.open_sealed(key, bytes(sealed), context=b"document:" + document_id.bytes)
    return json.loads(text) if text else {}


def vault_rewrap_with_current_master(vault: Vault) -> bool:
    """Re-wrap one worker key under the current master key. Returns False if already current."""
    from backend.core.keys import master_key_provider

    if vault.key_destroyed_at is not None or not vault.wrapped_key:
        return False
    if vault.master_key_id == master_key_provider().current_key_id():
        return False
    key = worker_key(vault)
    vault.master_key_id, vault.wrapped_key = keys.wrap_with_master(
        key, context=_vault_context(vault)
    )
    vault.rotated_at = clock.now()
    vault.save(update_fields=["master_key_id", "wrapped_key", "rotated_at"])
    return True
