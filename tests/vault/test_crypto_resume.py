"""A stream written in pieces across requests decrypts like one written in a single pass."""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.vault.crypto import fields
from backend.vault.crypto.errors import IntegrityError
from backend.vault.crypto.resume import SegmentEncryptor
from backend.vault.crypto.streaming import (
    HEADER_SIZE,
    StreamEncryptor,
    ciphertext_size,
    decrypt_bytes,
)

KEY = os.urandom(32)
KEY_ID = uuid.uuid4()
SEG = 256


def _resumable(plaintext: bytes, cuts: list[int], segment_size: int = SEG) -> bytes:
    """Simulate requests ending at ``cuts``; the unsealed tail is carried sealed between them."""
    header = StreamEncryptor(KEY, KEY_ID, segment_size).header()
    parts = [header]
    offset, sealed_tail = 0, None
    bounds = sorted({*cuts, len(plaintext)})
    for end in bounds:
        tail = fields.open_bytes(KEY, sealed_tail, context=b"tail") or b""
        encryptor = SegmentEncryptor(
            KEY,
            KEY_ID,
            header,
            total_size=len(plaintext),
            segment_size=segment_size,
            plaintext_offset=offset - len(tail),
        )
        out = encryptor.feed(tail) + encryptor.feed(plaintext[offset:end])
        offset = end
        if offset == len(plaintext):
            out += encryptor.finish()
        parts.append(out)
        pending = encryptor.pending()
        assert len(pending) < segment_size
        sealed_tail = fields.seal_bytes(KEY, pending, context=b"tail") if pending else None
    return b"".join(parts)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_pieces_decrypt_to_the_whole(data):
    size = data.draw(st.integers(1, 6 * SEG))
    plaintext = os.urandom(size)
    cuts = data.draw(st.lists(st.integers(0, size), max_size=6))
    ciphertext = _resumable(plaintext, cuts)
    assert len(ciphertext) == ciphertext_size(size, SEG)
    assert decrypt_bytes(KEY, KEY_ID, ciphertext, SEG) == plaintext


def test_the_last_segment_is_sealed_as_soon_as_it_is_complete():
    header = StreamEncryptor(KEY, KEY_ID, SEG).header()
    plaintext = os.urandom(SEG - HEADER_SIZE)  # exactly one full (and last) segment
    encryptor = SegmentEncryptor(KEY, KEY_ID, header, total_size=len(plaintext), segment_size=SEG)
    body = encryptor.feed(plaintext)
    assert body and encryptor.pending() == b""
    assert encryptor.finish() == b""
    assert decrypt_bytes(KEY, KEY_ID, header + body, SEG) == plaintext


def test_empty_stream():
    header = StreamEncryptor(KEY, KEY_ID, SEG).header()
    encryptor = SegmentEncryptor(KEY, KEY_ID, header, total_size=0, segment_size=SEG)
    assert encryptor.feed(b"") == b""
    assert decrypt_bytes(KEY, KEY_ID, header + encryptor.finish(), SEG) == b""


def test_misuse_is_refused():
    header = StreamEncryptor(KEY, KEY_ID, SEG).header()
    with pytest.raises(ValueError, match="start of a segment"):
        SegmentEncryptor(
            KEY, KEY_ID, header, total_size=1000, segment_size=SEG, plaintext_offset=10
        )
    encryptor = SegmentEncryptor(KEY, KEY_ID, header, total_size=10, segment_size=SEG)
    with pytest.raises(ValueError, match="More data"):
        encryptor.feed(b"x" * 11)
    encryptor.feed(b"x" * 5)
    with pytest.raises(ValueError, match="incomplete"):
        encryptor.finish()
    with pytest.raises(IntegrityError, match="key id"):
        SegmentEncryptor(KEY, uuid.uuid4(), header, total_size=10, segment_size=SEG)
