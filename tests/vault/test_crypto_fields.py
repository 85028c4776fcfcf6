"""Sealed metadata fields: round trips, binding to their record and field, no plaintext."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.vault.crypto import fields
from backend.vault.crypto.errors import IntegrityError

KEY = os.urandom(32)
CTX = b"document:0f0f:title"


@given(text=st.text(max_size=300))
def test_text_round_trip(text):
    sealed = fields.seal(KEY, text, context=CTX)
    assert fields.open_sealed(KEY, sealed, context=CTX) == text
    assert len(sealed) == 1 + 12 + len(text.encode()) + 16


def test_none_stays_none():
    assert fields.seal(KEY, None, context=CTX) is None
    assert fields.open_sealed(KEY, None, context=CTX) is None
    assert fields.seal_bytes(KEY, None, context=CTX) is None
    assert fields.open_bytes(KEY, None, context=CTX) is None


def test_no_plaintext_and_random_nonce():
    a = fields.seal(KEY, "Passport of Nguyen Van A", context=CTX)
    b = fields.seal(KEY, "Passport of Nguyen Van A", context=CTX)
    assert a != b
    assert b"Nguyen" not in a


def test_bytes_round_trip_accepts_memoryview():
    sealed = fields.seal_bytes(KEY, b"\x00\xffdata", context=CTX)
    assert fields.open_bytes(KEY, memoryview(sealed), context=CTX) == b"\x00\xffdata"


@pytest.mark.parametrize("change", ["context", "key", "byte", "kind", "truncate"])
def test_failures_are_integrity_errors(change):
    sealed = fields.seal(KEY, "amount: 1200 USD", context=CTX)
    key, context, opener = KEY, CTX, fields.open_sealed
    if change == "context":
        context = b"document:0f0f:notes"  # moved to another column
    elif change == "key":
        key = os.urandom(32)
    elif change == "byte":
        sealed = sealed[:-1] + bytes([sealed[-1] ^ 1])
    elif change == "kind":
        opener = fields.open_bytes  # text cannot be opened as bytes (format byte differs)
    else:
        sealed = sealed[:12]
    with pytest.raises(IntegrityError):
        opener(key, sealed, context=context)


def test_wrong_types_are_refused():
    with pytest.raises(TypeError):
        fields.seal(KEY, b"bytes", context=CTX)
    with pytest.raises(TypeError):
        fields.seal(KEY, "x", context="not bytes")
    with pytest.raises(ValueError):
        fields.seal(b"short", "x", context=CTX)
