"""The key hierarchy: a data key per file version, wrapped by the worker's key, which is wrapped
by the master key (``backend.core.keys``). Destroying a wrapped key destroys what it opens.

Wrapped key format (61 bytes for a 32-byte key)::

    version 0x01 (1) | nonce (12, random) | AES-256-GCM(wrapping key, nonce, key,
                                                       aad = b"FTKW" + version + context) (32 + 16)

``context`` binds the wrapped key to its owner/record (e.g. ``b"version:" + uuid.bytes``): a
wrapped key copied onto another record does not unwrap. The ``FTKW`` label separates wrapped
keys from sealed fields (``fields``) made with the same worker key.
"""

from __future__ import annotations

import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.vault.crypto.errors import IntegrityError

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
WRAP_VERSION = 1
WRAP_LABEL = b"FTKW"
MAX_WRAPPED_KEY = 1024


def new_key() -> bytes:
    """A fresh random 256-bit key (from the OS CSPRNG)."""
    return secrets.token_bytes(KEY_SIZE)


def _aad(context: bytes, version: int) -> bytes:
    if not isinstance(context, bytes):
        raise TypeError("context must be bytes.")
    return WRAP_LABEL + bytes([version]) + context


def _check_wrapping_key(wrapping_key: bytes) -> None:
    if not isinstance(wrapping_key, bytes | bytearray) or len(wrapping_key) != KEY_SIZE:
        raise ValueError("The wrapping key must be 32 bytes.")


def wrap_key(wrapping_key: bytes, key: bytes, *, context: bytes) -> bytes:
    """Encrypt ``key`` under ``wrapping_key`` (AES-256-GCM, random 96-bit nonce)."""
    _check_wrapping_key(wrapping_key)
    if not key or len(key) > MAX_WRAPPED_KEY:
        raise ValueError("The key to wrap must be 1..1024 bytes.")
    nonce = os.urandom(NONCE_SIZE)
    sealed = AESGCM(bytes(wrapping_key)).encrypt(nonce, bytes(key), _aad(context, WRAP_VERSION))
    return bytes([WRAP_VERSION]) + nonce + sealed


def unwrap_key(wrapping_key: bytes, wrapped: bytes, *, context: bytes) -> bytes:
    """Inverse of :func:`wrap_key`; IntegrityError for a wrong key, context or damaged bytes."""
    _check_wrapping_key(wrapping_key)
    wrapped = bytes(wrapped)
    if len(wrapped) < 1 + NONCE_SIZE + TAG_SIZE + 1:
        raise IntegrityError("The wrapped key is truncated.")
    if wrapped[0] != WRAP_VERSION:
        raise IntegrityError("Unsupported wrapped key version.")
    nonce, sealed = wrapped[1 : 1 + NONCE_SIZE], wrapped[1 + NONCE_SIZE :]
    try:
        return AESGCM(bytes(wrapping_key)).decrypt(nonce, sealed, _aad(context, wrapped[0]))
    except InvalidTag:
        raise IntegrityError("The wrapped key failed authentication.") from None


def wrap_with_master(key: bytes, *, context: bytes) -> tuple[str, bytes]:
    """Wrap ``key`` with the current master key; returns (master key id, wrapped key).

    Store the id next to the wrapped key: it names the master key needed to unwrap it, so
    old wraps keep working during a rotation (the provider keeps retired keys).
    """
    from backend.core.keys import master_key_provider

    provider = master_key_provider()
    key_id = provider.current_key_id()
    return key_id, wrap_key(provider.get_key(key_id), key, context=context)


def unwrap_with_master(master_key_id: str, wrapped: bytes, *, context: bytes) -> bytes:
    """Unwrap with the master key named ``master_key_id``.

    Raises ``backend.core.keys.MasterKeyUnavailable`` if the provider does not have that key and
    IntegrityError if the wrapped key does not authenticate.
    """
    from backend.core.keys import master_key_provider

    return unwrap_key(master_key_provider().get_key(master_key_id), wrapped, context=context)
