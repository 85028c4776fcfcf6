"""Small-field encryption for metadata (titles, notes, amounts, upload tails).

Sealed value format::

    format (1) | nonce (12, random) | AES-256-GCM(key, nonce, value,
                                                 aad = b"FTSF" + format + context) (len + 16)

format 0x01 = UTF-8 text (``seal``/``open_sealed``), 0x02 = raw bytes (``seal_bytes``/
``open_bytes``); the format byte is authenticated, so one kind cannot be opened as the other.
``context`` names the record and field (e.g. ``b"document:" + uuid.bytes + b":title"``), so a
sealed value copied to another row or column fails to open. ``None`` stays ``None`` (an absent
value is not hidden: its absence is visible, its content is not). Lengths are not hidden either.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.vault.crypto.errors import IntegrityError

FORMAT_TEXT = 1
FORMAT_BYTES = 2
LABEL = b"FTSF"
NONCE_SIZE = 12
TAG_SIZE = 16


def _aad(fmt: int, context: bytes) -> bytes:
    if not isinstance(context, bytes):
        raise TypeError("context must be bytes.")
    return LABEL + bytes([fmt]) + context


def _aead(key: bytes) -> AESGCM:
    if not isinstance(key, bytes | bytearray) or len(key) != 32:
        raise ValueError("The key must be 32 bytes.")
    return AESGCM(bytes(key))


def _seal(key: bytes, data: bytes, fmt: int, context: bytes) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    return bytes([fmt]) + nonce + _aead(key).encrypt(nonce, data, _aad(fmt, context))


def _open(key: bytes, sealed: bytes, fmt: int, context: bytes) -> bytes:
    sealed = bytes(sealed)
    aead = _aead(key)
    if len(sealed) < 1 + NONCE_SIZE + TAG_SIZE:
        raise IntegrityError("The sealed value is truncated.")
    if sealed[0] != fmt:
        raise IntegrityError("Unexpected sealed value format.")
    try:
        return aead.decrypt(
            sealed[1 : 1 + NONCE_SIZE], sealed[1 + NONCE_SIZE :], _aad(fmt, context)
        )
    except InvalidTag:
        raise IntegrityError("The sealed value failed authentication.") from None


def seal(key: bytes, plaintext: str | None, *, context: bytes) -> bytes | None:
    """Encrypt a text value; ``None`` stays ``None``."""
    if plaintext is None:
        return None
    if not isinstance(plaintext, str):
        raise TypeError("seal() takes text; use seal_bytes() for bytes.")
    return _seal(key, plaintext.encode("utf-8"), FORMAT_TEXT, context)


def open_sealed(key: bytes, sealed: bytes | None, *, context: bytes) -> str | None:
    """Decrypt what :func:`seal` made; IntegrityError for a wrong key/context or damage."""
    if sealed is None:
        return None
    return _open(key, sealed, FORMAT_TEXT, context).decode("utf-8")


def seal_bytes(key: bytes, data: bytes | None, *, context: bytes) -> bytes | None:
    """Encrypt a bytes value; ``None`` stays ``None``."""
    if data is None:
        return None
    return _seal(key, bytes(data), FORMAT_BYTES, context)


def open_bytes(key: bytes, sealed: bytes | None, *, context: bytes) -> bytes | None:
    """Decrypt what :func:`seal_bytes` made."""
    if sealed is None:
        return None
    return _open(key, sealed, FORMAT_BYTES, context)
