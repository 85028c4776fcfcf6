"""Signed receipts (Ed25519 over canonical JSON) that anyone can check offline.

A receipt is ``{"payload": {...}, "signature": base64(Ed25519(canonical_json(payload))),
"key_id": sha256(raw 32-byte public key).hex()[:16], "alg": "Ed25519"}``.

Verification needs only Python and ``cryptography`` (or openssl, see docs/encryption.md):
``verify_receipt(receipt, pem)`` does not touch Django when the PEM is given, and this module
imports Django only to load the server's own key.

The signing key comes from ``FAIRTRAIL_SIGNING_KEY`` (base64 of the raw 32-byte private key) or
the file at ``FAIRTRAIL_SIGNING_KEY_PATH`` (the same base64, or a PKCS#8 PEM such as
``openssl genpkey -algorithm ed25519`` writes); with ``FAIRTRAIL_MASTER_KEY_AUTOCREATE`` (local
setup) a missing file is created on first use. Production refuses to start without one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ALG = "Ed25519"


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8 (non-ASCII kept as is); NaN/Infinity rejected."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """First 16 hex characters of SHA-256 over the raw 32-byte public key."""
    return hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


def _parse_private_key(text: str | bytes) -> Ed25519PrivateKey:
    data = text.encode("utf-8") if isinstance(text, str) else text
    data = data.strip()
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("The signing key PEM is not an Ed25519 private key.")
        return key
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("The signing key is not valid base64.") from None
    if len(raw) != 32:
        raise ValueError("The signing key must be a raw 32-byte Ed25519 key, base64-encoded.")
    return Ed25519PrivateKey.from_private_bytes(raw)


@lru_cache(maxsize=4)
def _load_signing_key(value: str | None, path: str | None, create: bool) -> Ed25519PrivateKey:
    from django.core.exceptions import ImproperlyConfigured

    from backend.core.keys import read_or_create_secret_file

    if not value and path:
        value = read_or_create_secret_file(path, create=create)
    if not value:
        raise ImproperlyConfigured(
            "No signing key configured (FAIRTRAIL_SIGNING_KEY or FAIRTRAIL_SIGNING_KEY_PATH)."
        )
    try:
        return _parse_private_key(value)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None


def signing_key() -> Ed25519PrivateKey:
    """The server's receipt-signing key, from settings (cached per configured value)."""
    from django.conf import settings

    return _load_signing_key(
        getattr(settings, "FAIRTRAIL_SIGNING_KEY", None) or None,
        getattr(settings, "FAIRTRAIL_SIGNING_KEY_PATH", None) or None,
        bool(getattr(settings, "FAIRTRAIL_MASTER_KEY_AUTOCREATE", False)),
    )


def sign_payload(payload: dict) -> dict:
    """Sign ``payload`` (a JSON-serialisable dict); returns the receipt."""
    if not isinstance(payload, dict):
        raise TypeError("The payload must be a dict.")
    key = signing_key()
    signature = key.sign(canonical_json(payload))
    return {
        "payload": payload,
        "signature": base64.b64encode(signature).decode("ascii"),
        "key_id": key_id_for(key.public_key()),
        "alg": ALG,
    }


def load_public_key(public_key_pem: bytes | str) -> Ed25519PublicKey:
    """Parse a SubjectPublicKeyInfo PEM; ValueError unless it is an Ed25519 key."""
    data = public_key_pem.encode("ascii") if isinstance(public_key_pem, str) else public_key_pem
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("The public key is not an Ed25519 key.")
    return key


def verify_receipt(receipt: dict, public_key_pem: bytes | None = None) -> bool:
    """True if ``receipt`` was signed by the key in ``public_key_pem`` (default: ours).

    A malformed receipt, a wrong key id, another algorithm, an altered payload or signature all
    give False; an unreadable PEM raises ValueError (that is the caller's mistake, not the
    receipt's).
    """
    public_key = (
        load_public_key(public_key_pem)
        if public_key_pem is not None
        else signing_key().public_key()
    )
    if not isinstance(receipt, dict) or receipt.get("alg") != ALG:
        return False
    payload, signature = receipt.get("payload"), receipt.get("signature")
    if not isinstance(payload, dict) or not isinstance(signature, str):
        return False
    if "key_id" in receipt and receipt["key_id"] != key_id_for(public_key):
        return False
    try:
        public_key.verify(base64.b64decode(signature, validate=True), canonical_json(payload))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True


def public_key_pem() -> bytes:
    """The server's public key as a SubjectPublicKeyInfo PEM (what verifiers need)."""
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def public_key_info() -> dict:
    """``{"pem": str, "key_id": str, "alg": "Ed25519"}`` for publishing the key."""
    key = signing_key().public_key()
    return {"pem": public_key_pem().decode("ascii"), "key_id": key_id_for(key), "alg": ALG}
