"""Encryption at rest of review comments as the worker wrote them (before masking).

The unmasked text is only ever shown back to its author. It is sealed with AES-256-GCM under a
key derived (HKDF-SHA256) from the platform master key, bound to the review id, so a database
dump alone does not reveal it. Format: ``key_id_len(1) | key_id | nonce(12) | ciphertext``.

The master key id is also stored next to the sealed bytes (``comment_key_id``) so master-key
rotation can find the comments still sealed under a retired key
(``backend.agencies.services.rotation.review_comments_reseal_with_current_master``).
"""

from __future__ import annotations

import logging
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

from backend.core.errors import AppError
from backend.core.keys import MasterKeyUnavailable, master_key_provider

logger = logging.getLogger(__name__)

_INFO = b"fairtrail:agencies:review-comment:v1"


def _key(key_id: str) -> bytes:
    master = master_key_provider().get_key(key_id)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(master)


def _aad(review_id: uuid.UUID) -> bytes:
    return b"review:" + review_id.bytes


def seal_comment(review_id: uuid.UUID, text: str) -> bytes | None:
    if not text:
        return None
    key_id = master_key_provider().current_key_id()
    nonce = os.urandom(12)
    sealed = AESGCM(_key(key_id)).encrypt(nonce, text.encode("utf-8"), _aad(review_id))
    encoded_id = key_id.encode("ascii")
    return bytes([len(encoded_id)]) + encoded_id + nonce + sealed


def key_id_of(sealed: bytes | memoryview | None) -> str:
    """The master key id a sealed comment names ("" for no comment or unparsable bytes)."""
    if not sealed:
        return ""
    data = bytes(sealed)
    try:
        return data[1 : 1 + data[0]].decode("ascii")
    except UnicodeDecodeError:
        return ""


class CommentUnreadable(AppError):
    """The sealed comment cannot be opened: its master key was retired before the comment was
    re-sealed (``manage.py rotate_master_key``), or the bytes are damaged. An operator problem,
    not the worker's: 500 with a stable code, never a crash."""

    status_code = 500
    default_code = "comment_unreadable"


def open_comment(review_id: uuid.UUID, sealed: bytes | memoryview | None) -> str:
    """The worker's own text. Raises ``CommentUnreadable`` when it cannot be decrypted."""
    if not sealed:
        return ""
    data = bytes(sealed)
    key_id = key_id_of(data)
    id_len = data[0]
    nonce, body = data[1 + id_len : 13 + id_len], data[13 + id_len :]
    try:
        return AESGCM(_key(key_id)).decrypt(nonce, body, _aad(review_id)).decode("utf-8")
    except (InvalidTag, MasterKeyUnavailable, ValueError) as exc:
        # ValueError covers a truncated nonce and invalid UTF-8 (UnicodeDecodeError).
        logger.warning(
            "Review comment %s cannot be opened (master key id %r): %s",
            review_id,
            key_id,
            type(exc).__name__,
        )
        raise CommentUnreadable(
            _("This comment cannot be read right now. The team has been alerted."),
        ) from None
