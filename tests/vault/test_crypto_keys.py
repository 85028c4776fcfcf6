"""Key wrapping, the master-key provider and a rotation scenario."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from backend.core.keys import EnvOrFileKeyProvider, MasterKeyUnavailable, master_key_provider
from backend.vault.crypto import keys
from backend.vault.crypto.errors import IntegrityError

K1, K2 = os.urandom(32), os.urandom(32)


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
def provider(settings):
    master_key_provider.cache_clear()

    def use(value: str | None, path: str | None = None, autocreate: bool = False):
        settings.FAIRTRAIL_MASTER_KEY = value
        settings.FAIRTRAIL_MASTER_KEY_PATH = path
        settings.FAIRTRAIL_MASTER_KEY_AUTOCREATE = autocreate
        master_key_provider.cache_clear()
        return master_key_provider()

    yield use
    master_key_provider.cache_clear()


def test_new_keys_are_random_and_32_bytes():
    assert len(keys.new_key()) == 32
    assert keys.new_key() != keys.new_key()


def test_wrap_round_trip_and_format():
    wrapping, key = keys.new_key(), keys.new_key()
    wrapped = keys.wrap_key(wrapping, key, context=b"version:1")
    assert wrapped[0] == 1 and len(wrapped) == 1 + 12 + 32 + 16
    assert key not in wrapped
    assert keys.unwrap_key(wrapping, wrapped, context=b"version:1") == key
    assert keys.wrap_key(wrapping, key, context=b"version:1") != wrapped  # random nonce


@pytest.mark.parametrize("change", ["context", "key", "byte", "version", "truncate"])
def test_unwrap_failures_are_integrity_errors(change):
    wrapping, key = keys.new_key(), keys.new_key()
    wrapped = keys.wrap_key(wrapping, key, context=b"vault:a")
    context = b"vault:a"
    if change == "context":
        context = b"vault:b"
    elif change == "key":
        wrapping = keys.new_key()
    elif change == "byte":
        wrapped = wrapped[:20] + bytes([wrapped[20] ^ 1]) + wrapped[21:]
    elif change == "version":
        wrapped = b"\x02" + wrapped[1:]
    else:
        wrapped = wrapped[:10]
    with pytest.raises(IntegrityError):
        keys.unwrap_key(wrapping, wrapped, context=context)


def test_wrapped_key_is_not_a_sealed_field():
    """Same worker key, same context: a wrapped key never opens as a field (domain labels)."""
    from backend.vault.crypto import fields

    wrapping, key = keys.new_key(), keys.new_key()
    wrapped = keys.wrap_key(wrapping, key, context=b"ctx")
    with pytest.raises(IntegrityError):
        fields.open_bytes(wrapping, b"\x02" + wrapped[1:], context=b"ctx")


def test_bad_key_sizes_are_value_errors():
    with pytest.raises(ValueError):
        keys.wrap_key(b"short", keys.new_key(), context=b"c")
    with pytest.raises(ValueError):
        keys.wrap_key(keys.new_key(), b"", context=b"c")


def test_master_wrap_round_trip(provider):
    provider(f"k1:{_b64(K1)}")
    key = keys.new_key()
    master_id, wrapped = keys.wrap_with_master(key, context=b"vault:x")
    assert master_id == "k1"
    assert keys.unwrap_with_master("k1", wrapped, context=b"vault:x") == key
    with pytest.raises(IntegrityError):
        keys.unwrap_with_master("k1", wrapped, context=b"vault:y")


def test_rotation_new_provider_unwraps_what_the_old_key_wrapped(provider):
    provider(f"k1:{_b64(K1)}")
    key = keys.new_key()
    old_id, old_wrapped = keys.wrap_with_master(key, context=b"vault:1")

    provider(f"k2:{_b64(K2)},k1:{_b64(K1)}")  # rotation in progress: k2 current, k1 retired
    assert keys.unwrap_with_master(old_id, old_wrapped, context=b"vault:1") == key
    new_id, new_wrapped = keys.wrap_with_master(key, context=b"vault:1")
    assert new_id == "k2"

    provider(f"k2:{_b64(K2)}")  # k1 removed once everything was re-wrapped
    assert keys.unwrap_with_master(new_id, new_wrapped, context=b"vault:1") == key
    with pytest.raises(MasterKeyUnavailable):
        keys.unwrap_with_master(old_id, old_wrapped, context=b"vault:1")


def test_provider_parsing(provider):
    assert provider(_b64(K1)).current_key_id() == "k1"
    both = provider(f" k2:{_b64(K2)} , k1:{_b64(K1)} ")
    assert both.key_ids() == ["k2", "k1"]
    assert both.get_key("k1") == K1
    for bad in [
        "not base64!",
        f"k1:{_b64(K1)},k1:{_b64(K2)}",
        f"bad id:{_b64(K1)}",
        base64.b64encode(b"short").decode(),
        "   ",
    ]:
        with pytest.raises(ImproperlyConfigured):
            provider(bad)


def test_key_file_is_read_or_created_with_private_permissions(provider, tmp_path):
    path = tmp_path / "keys" / "master.key"
    with pytest.raises(ImproperlyConfigured):
        provider(None, str(path), autocreate=False)
    created = provider(None, str(path), autocreate=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = provider(None, str(path), autocreate=True)
    assert again.get_key("k1") == created.get_key("k1")  # not overwritten
    path.write_text(f"k9:{_b64(K2)}\nk8:{_b64(K1)}\n")
    assert provider(None, str(path)).key_ids() == ["k9", "k8"]


def test_the_provider_class_is_configurable(settings):
    settings.FAIRTRAIL_KEY_PROVIDER = "builtins.dict"
    master_key_provider.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured):
            master_key_provider()
    finally:
        settings.FAIRTRAIL_KEY_PROVIDER = "backend.core.keys.EnvOrFileKeyProvider"
        master_key_provider.cache_clear()
    assert isinstance(master_key_provider(), EnvOrFileKeyProvider)
