"""The streaming container: round trips, exact sizes, tamper detection, ranges, the reader."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.vault.crypto import streaming
from backend.vault.crypto.errors import IntegrityError
from backend.vault.crypto.streaming import (
    HEADER_SIZE,
    TAG_SIZE,
    DecryptingReader,
    StreamEncryptor,
    ciphertext_size,
    decrypt_bytes,
    decrypt_range,
    encrypt_bytes,
    plaintext_size,
)

KEY = bytes(range(32))
KEY_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")
SMALL = 256  # small segments make multi-segment cases cheap
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _encrypt(plaintext: bytes, segment_size: int, chunk: int | None = None) -> bytes:
    encryptor = StreamEncryptor(KEY, KEY_ID, segment_size)
    out = [encryptor.header()]
    chunk = chunk or max(len(plaintext), 1)
    for i in range(0, len(plaintext), chunk):
        out.append(encryptor.update(plaintext[i : i + chunk]))
    out.append(encryptor.finalize())
    return b"".join(out)


class CountingReader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.calls: list[tuple[int, int]] = []

    def read_at(self, offset: int, length: int) -> bytes:
        self.calls.append((offset, length))
        return self.data[offset : offset + length]


def _first(segment_size: int) -> int:
    return segment_size - HEADER_SIZE


def _boundary_sizes(segment_size: int) -> list[int]:
    first = _first(segment_size)
    return sorted(
        {
            0,
            1,
            segment_size - 1,
            segment_size,
            segment_size + 1,
            first - 1,
            first,
            first + 1,
            first + segment_size,
            first + segment_size + 1,
            first + 3 * segment_size - 1,
            5 * segment_size + 17,
        }
    )


@pytest.mark.parametrize("segment_size", [SMALL, 1000, 4096, 64 * 1024])
def test_round_trip_at_every_boundary(segment_size):
    for size in _boundary_sizes(segment_size):
        plaintext = os.urandom(size)
        ciphertext = _encrypt(plaintext, segment_size)
        assert len(ciphertext) == ciphertext_size(size, segment_size)
        assert plaintext_size(len(ciphertext), segment_size) == size
        assert decrypt_bytes(KEY, KEY_ID, ciphertext, segment_size) == plaintext


@FAST
@given(
    data=st.binary(max_size=3000),
    chunk=st.integers(1, 700),
    segment_size=st.sampled_from([128, 200, SMALL, 1000]),
)
def test_round_trip_whatever_the_chunking(data, chunk, segment_size):
    ciphertext = _encrypt(data, segment_size, chunk)
    assert decrypt_bytes(KEY, KEY_ID, ciphertext, segment_size) == data


def test_update_buffers_at_most_one_segment_and_holds_back_the_last():
    encryptor = StreamEncryptor(KEY, KEY_ID, SMALL)
    assert encryptor.update(b"a" * _first(SMALL)) == b""  # full, but it may be the last
    assert len(encryptor.update(b"b")) == _first(SMALL) + TAG_SIZE  # now it was not
    assert encryptor.update(b"c" * (SMALL - 1)) == b""
    assert len(encryptor.finalize()) == SMALL + TAG_SIZE
    assert encryptor.plaintext_size == _first(SMALL) + SMALL


def test_hash_and_size_of_the_plaintext():
    import hashlib

    encryptor = StreamEncryptor(KEY, KEY_ID, SMALL)
    encryptor.update(b"hello ")
    encryptor.update(b"world")
    encryptor.finalize()
    assert encryptor.plaintext_sha256 == hashlib.sha256(b"hello world").hexdigest()
    assert encryptor.plaintext_size == 11


def test_empty_plaintext_is_one_authenticated_empty_segment():
    ciphertext = _encrypt(b"", SMALL)
    assert len(ciphertext) == HEADER_SIZE + TAG_SIZE
    assert decrypt_bytes(KEY, KEY_ID, ciphertext, SMALL) == b""
    with pytest.raises(IntegrityError):
        decrypt_bytes(KEY, KEY_ID, ciphertext[:-1] + bytes([ciphertext[-1] ^ 1]), SMALL)


def test_two_encryptions_of_the_same_file_differ():
    assert _encrypt(b"same", SMALL) != _encrypt(b"same", SMALL)


def test_header_layout():
    header = StreamEncryptor(KEY, KEY_ID, SMALL).header()
    assert len(header) == HEADER_SIZE == 61
    assert header[:4] == b"FTV1"
    assert header[4] == 1
    assert header[5:21] == KEY_ID.bytes
    assert header[21] == 40  # Tink's header length byte: 1 + 32 salt + 7 nonce prefix


def test_misuse_is_a_value_error():
    with pytest.raises(ValueError):
        StreamEncryptor(b"short", KEY_ID)
    with pytest.raises(ValueError):
        StreamEncryptor(KEY, KEY_ID, segment_size=64)
    with pytest.raises(ValueError):
        StreamEncryptor(KEY, str(KEY_ID))
    encryptor = StreamEncryptor(KEY, KEY_ID, SMALL)
    encryptor.finalize()
    with pytest.raises(ValueError):
        encryptor.update(b"x")
    with pytest.raises(ValueError):
        encryptor.finalize()
    with pytest.raises(ValueError):
        plaintext_size(HEADER_SIZE + TAG_SIZE - 1, SMALL)
    with pytest.raises(ValueError):  # a last segment holding only a tag is never produced
        plaintext_size(SMALL + TAG_SIZE + TAG_SIZE, SMALL)


@given(size=st.integers(0, 10**9), segment_size=st.sampled_from([128, 4096, 65536, 1 << 20]))
def test_size_functions_are_inverse(size, segment_size):
    assert plaintext_size(ciphertext_size(size, segment_size), segment_size) == size


# --- tampering --------------------------------------------------------------------------------

PLAIN = os.urandom(5 * SMALL + 77)
CIPHER = _encrypt(PLAIN, SMALL)


@pytest.mark.parametrize("position", range(0, len(CIPHER), 7))
def test_flipping_any_byte_is_detected(position):
    tampered = bytearray(CIPHER)
    tampered[position] ^= 0x01
    with pytest.raises(IntegrityError):
        decrypt_bytes(KEY, KEY_ID, bytes(tampered), SMALL)


def test_flipping_the_last_byte_is_detected():
    with pytest.raises(IntegrityError):
        decrypt_bytes(KEY, KEY_ID, CIPHER[:-1] + bytes([CIPHER[-1] ^ 0x80]), SMALL)


@pytest.mark.parametrize("cut", [1, TAG_SIZE, 100, SMALL + TAG_SIZE - 1])
def test_truncation_is_detected(cut):
    with pytest.raises(IntegrityError):
        decrypt_bytes(KEY, KEY_ID, CIPHER[:-cut], SMALL)


def test_truncation_exactly_at_a_segment_boundary_is_detected():
    boundary = 3 * (SMALL + TAG_SIZE)  # the end of segment 2: a valid-looking smaller file
    truncated = CIPHER[:boundary]
    assert plaintext_size(len(truncated), SMALL) > 0
    with pytest.raises(IntegrityError, match="authentication"):
        decrypt_bytes(KEY, KEY_ID, truncated, SMALL)


def test_truncated_blob_with_the_recorded_size_is_a_short_read():
    truncated = CIPHER[: 3 * (SMALL + TAG_SIZE)]
    with pytest.raises(IntegrityError, match="truncated"):
        b"".join(
            decrypt_range(
                CountingReader(truncated).read_at, KEY, KEY_ID, len(CIPHER), segment_size=SMALL
            )
        )


def test_extension_is_detected():
    with pytest.raises(IntegrityError):
        decrypt_bytes(KEY, KEY_ID, CIPHER + b"x", SMALL)
    extended = CIPHER + b"y" * 40  # even when the recorded size is the original one
    with pytest.raises(IntegrityError, match="after its last segment"):
        b"".join(
            decrypt_range(
                CountingReader(extended).read_at, KEY, KEY_ID, len(CIPHER), segment_size=SMALL
            )
        )


def test_appending_a_whole_segment_is_detected():
    extra = CIPHER[SMALL + TAG_SIZE : 2 * (SMALL + TAG_SIZE)]
    with pytest.raises(IntegrityError):
        decrypt_bytes(KEY, KEY_ID, CIPHER + extra, SMALL)


def test_swapping_two_segments_is_detected():
    seg = SMALL + TAG_SIZE
    a, b = seg, 2 * seg  # segments 1 and 2 (aligned on multiples of seg)
    swapped = CIPHER[:a] + CIPHER[b : b + seg] + CIPHER[a:b] + CIPHER[b + seg :]
    assert len(swapped) == len(CIPHER)
    with pytest.raises(IntegrityError):
        decrypt_bytes(KEY, KEY_ID, swapped, SMALL)


def test_wrong_key_id_is_detected():
    with pytest.raises(IntegrityError, match="key id"):
        decrypt_bytes(KEY, uuid.uuid4(), CIPHER, SMALL)


def test_rewriting_the_key_id_in_the_header_is_detected():
    """The key id is bound by the key derivation, not only compared."""
    other = uuid.uuid4()
    moved = CIPHER[:5] + other.bytes + CIPHER[21:]
    with pytest.raises(IntegrityError, match="authentication"):
        decrypt_bytes(KEY, other, moved, SMALL)


def test_wrong_key_magic_and_version_are_detected():
    with pytest.raises(IntegrityError):
        decrypt_bytes(os.urandom(32), KEY_ID, CIPHER, SMALL)
    with pytest.raises(IntegrityError, match="magic"):
        decrypt_bytes(KEY, KEY_ID, b"XXXX" + CIPHER[4:], SMALL)
    with pytest.raises(IntegrityError, match="version"):
        decrypt_bytes(KEY, KEY_ID, CIPHER[:4] + b"\x02" + CIPHER[5:], SMALL)


def test_wrong_segment_size_is_detected():
    with pytest.raises(IntegrityError):
        decrypt_bytes(KEY, KEY_ID, CIPHER, 1000)


def test_no_plaintext_of_a_bad_segment_is_yielded():
    tampered = bytearray(CIPHER)
    tampered[2 * (SMALL + TAG_SIZE) + 5] ^= 1  # inside segment 2
    source = decrypt_range(
        CountingReader(bytes(tampered)).read_at, KEY, KEY_ID, len(CIPHER), segment_size=SMALL
    )
    received = b""
    with pytest.raises(IntegrityError):
        for chunk in source:
            received += chunk
    assert received == PLAIN[: _first(SMALL) + SMALL]  # segments 0 and 1 only


# --- ranges -----------------------------------------------------------------------------------


@FAST
@given(data=st.data())
def test_range_equals_the_slice_and_reads_only_needed_segments(data):
    size = data.draw(st.integers(0, len(PLAIN)))
    plaintext = PLAIN[:size]
    ciphertext = _encrypt(plaintext, SMALL)
    start = data.draw(st.integers(0, size))
    end = data.draw(st.integers(start, size))
    reader = CountingReader(ciphertext)
    got = b"".join(
        decrypt_range(
            reader.read_at, KEY, KEY_ID, len(ciphertext), start=start, end=end, segment_size=SMALL
        )
    )
    assert got == plaintext[start:end]

    layout = streaming._Layout(len(ciphertext), SMALL)
    if start == end and end < size:
        assert reader.calls == []
        return
    first = layout.segment_of(start) if start < size else layout.count - 1
    last = layout.count - 1 if end == size else layout.segment_of(end - 1)
    assert len(reader.calls) == 1 + (last - first + 1)  # the header, then one per segment
    assert reader.calls[0] == (0, HEADER_SIZE)


def test_open_ended_range_and_bad_ranges():
    reader = CountingReader(CIPHER)
    tail = b"".join(
        decrypt_range(reader.read_at, KEY, KEY_ID, len(CIPHER), start=1000, segment_size=SMALL)
    )
    assert tail == PLAIN[1000:]
    for start, end in [(-1, 10), (10, 5), (0, len(PLAIN) + 1)]:
        with pytest.raises(ValueError):
            b"".join(
                decrypt_range(
                    reader.read_at,
                    KEY,
                    KEY_ID,
                    len(CIPHER),
                    start=start,
                    end=end,
                    segment_size=SMALL,
                )
            )


def test_range_in_the_middle_reads_one_segment():
    reader = CountingReader(CIPHER)
    start = _first(SMALL) + SMALL + 10  # inside segment 2
    got = b"".join(
        decrypt_range(
            reader.read_at,
            KEY,
            KEY_ID,
            len(CIPHER),
            start=start,
            end=start + 20,
            segment_size=SMALL,
        )
    )
    assert got == PLAIN[start : start + 20]
    assert reader.calls == [(0, HEADER_SIZE), (2 * (SMALL + TAG_SIZE), SMALL + TAG_SIZE)]


# --- the reader -------------------------------------------------------------------------------


def _reader(ciphertext: bytes, segment_size: int = SMALL) -> DecryptingReader:
    return DecryptingReader(
        CountingReader(ciphertext).read_at, KEY, KEY_ID, len(ciphertext), segment_size=segment_size
    )


@FAST
@given(
    ops=st.lists(
        st.tuples(
            st.integers(-50, len(PLAIN) + 50),
            st.integers(-1, 700),
            st.sampled_from([io.SEEK_SET, io.SEEK_CUR, io.SEEK_END]),
        ),
        max_size=20,
    )
)
def test_reader_seek_and_read_match_the_plaintext(ops):
    reader = _reader(CIPHER)
    model = io.BytesIO(PLAIN)
    for offset, count, whence in ops:
        target = {
            io.SEEK_SET: offset,
            io.SEEK_CUR: model.tell() + offset,
            io.SEEK_END: len(PLAIN) + offset,
        }[whence]
        if target < 0:
            with pytest.raises(ValueError):
                reader.seek(offset, whence)
            continue
        assert reader.seek(offset, whence) == model.seek(offset, whence)
        assert reader.read(count) == model.read(count)
        assert reader.tell() == model.tell()


def test_reader_is_a_file_for_other_libraries():
    reader = _reader(CIPHER)
    assert reader.readable() and reader.seekable() and not reader.writable()
    assert reader.size == len(PLAIN)
    assert reader.read() == PLAIN
    buffered = io.BufferedReader(_reader(CIPHER), buffer_size=100)
    assert buffered.read(10) == PLAIN[:10]
    buffered.seek(-5, io.SEEK_END)
    assert buffered.read() == PLAIN[-5:]
    reader.close()
    with pytest.raises(ValueError):
        reader.read(1)


def test_reader_keeps_one_segment_and_rereads_only_on_a_jump():
    source = CountingReader(CIPHER)
    reader = DecryptingReader(source.read_at, KEY, KEY_ID, len(CIPHER), segment_size=SMALL)
    for _ in range(10):
        reader.read(10)
    assert len(source.calls) == 2  # header + segment 0
    reader.seek(SMALL * 3)
    reader.read(1)
    assert len(source.calls) == 3


def test_reader_detects_tampering_and_truncation():
    tampered = bytearray(CIPHER)
    tampered[-3] ^= 1
    with pytest.raises(IntegrityError):
        _reader(bytes(tampered)).read()
    with pytest.raises(IntegrityError):
        _reader(CIPHER[: 2 * (SMALL + TAG_SIZE)]).read()
    empty = _encrypt(b"", SMALL)
    assert _reader(empty).read() == b""
    with pytest.raises(IntegrityError):
        _reader(empty[:-1] + b"\x00").read()


def test_pypdf_and_pillow_parse_through_the_reader():
    from PIL import Image
    from pypdf import PdfReader

    from tests.vault.files import make_pdf, make_png

    pdf = make_pdf("reader", pages=3, padding=5000)
    assert len(PdfReader(_reader(_encrypt(pdf, 1024), 1024)).pages) == 3
    png = make_png((40, 30))
    with Image.open(_reader(_encrypt(png, 1024), 1024)) as image:
        assert image.size == (40, 30)
        image.load()


def test_encrypt_bytes_helper_matches_the_streaming_format():
    ciphertext = encrypt_bytes(KEY, KEY_ID, PLAIN, SMALL)
    assert len(ciphertext) == len(CIPHER)
    assert decrypt_bytes(KEY, KEY_ID, ciphertext, SMALL) == PLAIN
