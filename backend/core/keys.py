"""Master-key providers. The vault wraps worker keys with the key a provider returns.

``EnvOrFileKeyProvider`` (default) reads a base64 32-byte key from ``FAIRTRAIL_MASTER_KEY`` (or
``FAIRTRAIL_MASTER_KEY_FILE``) or from the file at ``FAIRTRAIL_MASTER_KEY_PATH``; in the local
embedded setup that file is created on first use. A KMS provider (AWS KMS, Vault transit)
implements the same two methods.

Rotation: configure ``FAIRTRAIL_MASTER_KEY="k2:<new>,k1:<old>"`` (first = current), run
``manage.py rotate_master_key`` to re-wrap every worker key under ``k2``, then drop ``k1``.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import os
import re
import secrets
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_SIZE = 32
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class MasterKeyUnavailable(ImproperlyConfigured):
    """The provider does not hold the master key a wrapped key names (retired too early?)."""


class MasterKeyProvider:
    """Returns master keys by id. ``current_key_id`` names the key new wraps use."""

    def current_key_id(self) -> str:
        raise NotImplementedError  # pragma: no cover - interface

    def get_key(self, key_id: str) -> bytes:
        raise NotImplementedError  # pragma: no cover - interface

    def key_ids(self) -> list[str]:
        """Every key id this provider can unwrap with (current first)."""
        return [self.current_key_id()]


def _decode_key(text: str, what: str = "The master key") -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{what} is not valid base64.") from None
    if len(key) != KEY_SIZE:
        raise ImproperlyConfigured(f"{what} must be {KEY_SIZE} bytes, base64-encoded.")
    return key


def read_or_create_secret_file(path: str | os.PathLike, *, create: bool, size: int = 32) -> str:
    """The text of the secret file at ``path``; if missing and ``create``, write a new random
    base64 secret of ``size`` bytes first (mode 0600, never overwriting a concurrent winner)."""
    file = Path(path)
    if not file.exists() and create:
        file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.b64encode(secrets.token_bytes(size)).decode())
                handle.flush()
                os.fsync(handle.fileno())
    try:
        return file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read the key file {file}: {exc.strerror}.") from None


class EnvOrFileKeyProvider(MasterKeyProvider):
    """One or more keys: the current one plus retired ones kept for unwrapping during rotation.

    ``FAIRTRAIL_MASTER_KEY`` may hold ``id:base64key`` entries separated by commas (or new
    lines, in a key file), first = current; a bare base64 value gets the id ``k1``.
    """

    def __init__(self) -> None:
        text = settings.FAIRTRAIL_MASTER_KEY
        path = settings.FAIRTRAIL_MASTER_KEY_PATH
        if not text and path:
            create = bool(getattr(settings, "FAIRTRAIL_MASTER_KEY_AUTOCREATE", False))
            text = read_or_create_secret_file(path, create=create)
        if not text or not text.strip():
            raise ImproperlyConfigured("No master key configured (FAIRTRAIL_MASTER_KEY).")
        self._keys: dict[str, bytes] = {}
        self._current = ""
        for entry in [e.strip() for e in re.split(r"[,\n]", text) if e.strip()]:
            key_id, sep, encoded = entry.partition(":")
            if not sep:
                key_id, encoded = "k1", entry
            key_id = key_id.strip()
            if not KEY_ID_RE.match(key_id):
                raise ImproperlyConfigured("Master key ids must be 1-32 of [A-Za-z0-9_.-].")
            if key_id in self._keys:
                raise ImproperlyConfigured(f"Master key id {key_id!r} appears twice.")
            self._keys[key_id] = _decode_key(encoded, f"Master key {key_id!r}")
            self._current = self._current or key_id

    def current_key_id(self) -> str:
        return self._current

    def get_key(self, key_id: str) -> bytes:
        try:
            return self._keys[key_id]
        except KeyError:
            raise MasterKeyUnavailable(f"Master key {key_id!r} is not available.") from None

    def key_ids(self) -> list[str]:
        return list(self._keys)


@cache
def master_key_provider() -> MasterKeyProvider:
    """The configured provider (one per process; ``cache_clear()`` after changing settings)."""
    module_name, _, class_name = settings.FAIRTRAIL_KEY_PROVIDER.rpartition(".")
    provider = getattr(importlib.import_module(module_name), class_name)()
    if not isinstance(provider, MasterKeyProvider):
        raise ImproperlyConfigured("FAIRTRAIL_KEY_PROVIDER must name a MasterKeyProvider.")
    return provider
