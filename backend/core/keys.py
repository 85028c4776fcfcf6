"""Master-key providers. The vault wraps worker keys with the key a provider returns.

``EnvOrFileKeyProvider`` (default) reads a base64 32-byte key from ``FAIRTRAIL_MASTER_KEY`` (or
``FAIRTRAIL_MASTER_KEY_FILE``) or from the file at ``FAIRTRAIL_MASTER_KEY_PATH``; in the local
embedded setup that file is created on first use. A KMS provider (AWS KMS, Vault transit)
implements the same two methods.
"""

from __future__ import annotations

import base64
import importlib
import os
import secrets
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class MasterKeyProvider:
    """Returns master keys by id. ``current_key_id`` names the key new wraps use."""

    def current_key_id(self) -> str:
        raise NotImplementedError  # pragma: no cover - interface

    def get_key(self, key_id: str) -> bytes:
        raise NotImplementedError  # pragma: no cover - interface


def _decode_key(text: str) -> bytes:
    key = base64.b64decode(text.strip(), validate=True)
    if len(key) != 32:
        raise ImproperlyConfigured("The master key must be 32 bytes, base64-encoded.")
    return key


class EnvOrFileKeyProvider(MasterKeyProvider):
    """One or more keys: the current one plus retired ones kept for unwrapping during rotation.

    ``FAIRTRAIL_MASTER_KEY`` may hold ``id:base64key`` entries separated by commas, first =
    current; a bare base64 value gets the id ``k1``.
    """

    def __init__(self) -> None:
        text = settings.FAIRTRAIL_MASTER_KEY
        path = settings.FAIRTRAIL_MASTER_KEY_PATH
        if not text and path:
            file = Path(path)
            if not file.exists() and getattr(settings, "FAIRTRAIL_MASTER_KEY_AUTOCREATE", False):
                file.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(base64.b64encode(secrets.token_bytes(32)).decode())
            text = file.read_text(encoding="utf-8")
        if not text:
            raise ImproperlyConfigured("No master key configured (FAIRTRAIL_MASTER_KEY).")
        self._keys: dict[str, bytes] = {}
        self._current = ""
        for entry in [e.strip() for e in text.split(",") if e.strip()]:
            key_id, sep, encoded = entry.partition(":")
            if not sep:
                key_id, encoded = "k1", entry
            self._keys[key_id] = _decode_key(encoded)
            self._current = self._current or key_id

    def current_key_id(self) -> str:
        return self._current

    def get_key(self, key_id: str) -> bytes:
        try:
            return self._keys[key_id]
        except KeyError:
            raise ImproperlyConfigured(f"Master key {key_id!r} is not available.") from None


@cache
def master_key_provider() -> MasterKeyProvider:
    module_name, _, class_name = settings.FAIRTRAIL_KEY_PROVIDER.rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)()
