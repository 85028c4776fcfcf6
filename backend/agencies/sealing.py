"""Encryption at rest of review comments as the worker wrote them (before masking).

The unmasked text is only ever shown back to its author. It is sealed with AES-256-GCM under a
key derived (HKDF-SHA256) from the platform master key, bound to the review id, so a database
dump alone does not reveal it. Format: ``key_id_len(1) | key_id | nonce(12) | ciphertext``.
"""

from __future__ import annotations

import os
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.core.keys import master_key_provider

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


def open_comment(review_id: uuid.UUID, sealed: bytes | memoryview | None) -> str:
    if not sealed:
        return ""
    data = bytes(sealed)
    id_len = data[0]
    key_id = data[1 : 1 + id_len].decode("ascii")
    nonce, body = data[1 + id_len : 13 + id_len], data[13 + id_len :]
    return AESGCM(_key(key_id)).decrypt(nonce, body, _aad(review_id)).decode("utf-8")
