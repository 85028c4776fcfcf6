"""Streaming file encryption: Tink's AES-GCM-HKDF streaming AEAD in the ``FTV1`` container.

The construction is Tink's ``AesGcmHkdfStreaming`` (AES-256-GCM, HKDF-SHA256, 32-byte derived
key) exactly as specified at developers.google.com/tink/streaming-aead/aes_gcm_hkdf_streaming,
with our 21-byte container prefix playing the role of Tink's "first segment offset"::

    MAGIC "FTV1" (4) | format version 0x01 (1) | key id (16, UUID bytes of the file version)
    header length 0x28 (1) | salt (32) | nonce prefix (7)                    <- Tink's header
    segment 0 | segment 1 | ... | segment n-1                                <- AES-GCM, 16-byte tag

- segment key = HKDF-SHA256(ikm=data key, salt=salt, info=associated data, length=32), where
  the associated data is the container prefix (MAGIC + version + key id): a blob moved to
  another record derives a different key and fails on its first segment;
- nonce of segment i = nonce prefix (7) || i as 4-byte big-endian || 0x01 if last else 0x00;
- every segment holds ``segment_size`` plaintext bytes except the first, which is shorter by
  the 61 header bytes so that ciphertext segments are aligned on multiples of
  ``segment_size + 16``, and the last, which holds the rest (1..segment_size bytes; it is empty
  only for an empty file, which is one empty segment).

Reordering fails (the index is in the nonce), truncation fails (the new last segment was not
sealed with the last flag; a short read is reported too) and extension fails (bytes past the
last flag). Memory use is bounded by one segment whatever the file size.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import uuid
from collections.abc import Callable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.vault.crypto.errors import IntegrityError

MAGIC = b"FTV1"
FORMAT_VERSION = 1
KEY_ID_SIZE = 16
PREFIX_SIZE = len(MAGIC) + 1 + KEY_ID_SIZE  # 21: Tink's "first segment offset"

KEY_SIZE = 32  # data key and derived segment key (AES-256)
SALT_SIZE = KEY_SIZE  # Tink: salt length = derived key size
NONCE_PREFIX_SIZE = 7
TAG_SIZE = 16
TINK_HEADER_SIZE = 1 + SALT_SIZE + NONCE_PREFIX_SIZE  # 40
HEADER_SIZE = PREFIX_SIZE + TINK_HEADER_SIZE  # 61

#: Default plaintext bytes per segment (see docs/encryption.md for the benchmark behind it).
SEGMENT_SIZE = 64 * 1024
MIN_SEGMENT_SIZE = 128
MAX_SEGMENT_SIZE = 64 * 1024 * 1024
MAX_SEGMENTS = 2**32  # the segment counter is 4 bytes

ReadAt = Callable[[int, int], bytes]


# --- parameters and layout -------------------------------------------------------------------


def _check_segment_size(segment_size: int) -> int:
    if not isinstance(segment_size, int) or not (
        MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE
    ):
        raise ValueError(
            f"segment_size must be an int between {MIN_SEGMENT_SIZE} and {MAX_SEGMENT_SIZE}."
        )
    return segment_size


def _check_key(data_key: bytes) -> bytes:
    if not isinstance(data_key, bytes | bytearray) or len(data_key) != KEY_SIZE:
        raise ValueError("The data key must be 32 bytes.")
    return bytes(data_key)


def _check_key_id(key_id: uuid.UUID) -> uuid.UUID:
    if not isinstance(key_id, uuid.UUID):
        raise ValueError("key_id must be a uuid.UUID.")
    return key_id


def container_prefix(key_id: uuid.UUID) -> bytes:
    """MAGIC + version + key id: the first 21 bytes and the associated data of the stream."""
    return MAGIC + bytes([FORMAT_VERSION]) + _check_key_id(key_id).bytes


def _derive(data_key: bytes, salt: bytes, associated_data: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=KEY_SIZE, salt=salt, info=associated_data
    ).derive(data_key)
    return AESGCM(derived)


def _nonce(nonce_prefix: bytes, index: int, last: bool) -> bytes:
    return nonce_prefix + struct.pack(">I?", index, last)


def _first_capacity(segment_size: int) -> int:
    return segment_size - HEADER_SIZE


def segment_count(plaintext_size: int, segment_size: int = SEGMENT_SIZE) -> int:
    """Number of segments for ``plaintext_size`` bytes (at least 1: an empty file has one)."""
    if plaintext_size < 0:
        raise ValueError("plaintext_size must not be negative.")
    first = _first_capacity(_check_segment_size(segment_size))
    if plaintext_size <= first:
        return 1
    return 1 + -(-(plaintext_size - first) // segment_size)


def ciphertext_size(plaintext_size: int, segment_size: int = SEGMENT_SIZE) -> int:
    """Exact size of the container for ``plaintext_size`` bytes of plaintext."""
    count = segment_count(plaintext_size, segment_size)
    if count > MAX_SEGMENTS:
        raise ValueError("The file is too large for this segment size.")
    return HEADER_SIZE + plaintext_size + count * TAG_SIZE


def plaintext_size(ciphertext_size: int, segment_size: int = SEGMENT_SIZE) -> int:
    """Inverse of :func:`ciphertext_size`; ValueError for a size no encryption produces."""
    return _Layout(ciphertext_size, segment_size).plaintext_size


class _Layout:
    """Where each segment lives in a container of ``ciphertext_size`` bytes."""

    def __init__(self, ciphertext_size: int, segment_size: int) -> None:
        self.segment_size = _check_segment_size(segment_size)
        self.ciphertext_segment = segment_size + TAG_SIZE
        self.first = _first_capacity(segment_size)
        if ciphertext_size < HEADER_SIZE + TAG_SIZE:
            raise ValueError("The ciphertext is shorter than a header and one tag.")
        count = -(-ciphertext_size // self.ciphertext_segment)
        last = ciphertext_size - (count - 1) * self.ciphertext_segment
        if count > 1 and last <= TAG_SIZE:
            raise ValueError("No encryption produces a ciphertext of this size.")
        if count > MAX_SEGMENTS:
            raise ValueError("Too many segments.")
        self.count = count
        self.ciphertext_size = ciphertext_size
        self.plaintext_size = ciphertext_size - HEADER_SIZE - count * TAG_SIZE

    def segment_of(self, offset: int) -> int:
        """Index of the segment holding plaintext byte ``offset``."""
        if offset < self.first:
            return 0
        return 1 + (offset - self.first) // self.segment_size

    def plaintext_start(self, index: int) -> int:
        return 0 if index == 0 else self.first + (index - 1) * self.segment_size

    def ciphertext_span(self, index: int) -> tuple[int, int]:
        """(offset, length) of segment ``index`` in the container."""
        start = HEADER_SIZE if index == 0 else index * self.ciphertext_segment
        stop = min((index + 1) * self.ciphertext_segment, self.ciphertext_size)
        return start, stop - start


# --- encryption ------------------------------------------------------------------------------


class StreamEncryptor:
    """Encrypts one file as it arrives. Write ``header()``, then every ``update()``, then
    ``finalize()``, in that order, to the same blob.

    ``update`` returns the ciphertext of each completed segment. It buffers at most one segment
    and holds back a full one until more data (or ``finalize``) shows whether it is the last,
    because the last segment is sealed with the last flag. Never reuse a data key with two
    encryptors for *different* files under the same key id: each encryptor draws a fresh salt,
    so that is safe, but it is the salt that keeps nonces unique.
    """

    def __init__(
        self,
        data_key: bytes,
        key_id: uuid.UUID,
        segment_size: int = SEGMENT_SIZE,
        *,
        digest: bool = True,
    ) -> None:
        """``digest=False`` skips the plaintext SHA-256 (the caller hashes, e.g. in parallel)."""
        data_key = _check_key(data_key)
        self.segment_size = _check_segment_size(segment_size)
        self.key_id = _check_key_id(key_id)
        prefix = container_prefix(key_id)
        salt = os.urandom(SALT_SIZE)
        self._nonce_prefix = os.urandom(NONCE_PREFIX_SIZE)
        self._header = prefix + bytes([TINK_HEADER_SIZE]) + salt + self._nonce_prefix
        self._aead = _derive(data_key, salt, prefix)
        self._index = 0
        self._capacity = _first_capacity(segment_size)
        self._buffer = bytearray()
        self._digest = hashlib.sha256() if digest else None
        self._size = 0
        self._finalized = False

    def header(self) -> bytes:
        """The 61 header bytes that start the blob (the same on every call)."""
        return self._header

    def _seal(self, plaintext: bytes | memoryview, last: bool) -> bytes:
        if self._index >= MAX_SEGMENTS:
            raise ValueError("The file is too large for this segment size.")
        sealed = self._aead.encrypt(_nonce(self._nonce_prefix, self._index, last), plaintext, None)
        self._index += 1
        self._capacity = self.segment_size
        return sealed

    def update(self, data: bytes) -> bytes:
        if self._finalized:
            raise ValueError("update() after finalize().")
        if not data:
            return b""
        if self._digest is not None:
            self._digest.update(data)
        self._size += len(data)
        view = memoryview(data)
        out: list[bytes] = []
        room = self._capacity - len(self._buffer)
        if len(view) <= room:  # fits: the buffer may end exactly full (held back)
            self._buffer += view
            return b""
        self._buffer += view[:room]
        view = view[room:]
        out.append(self._seal(self._buffer, last=False))
        self._buffer.clear()
        # Whole segments straight from the caller's data; keep the final (possibly full) one.
        while len(view) > self.segment_size:
            out.append(self._seal(view[: self.segment_size], last=False))
            view = view[self.segment_size :]
        self._buffer += view
        return b"".join(out)

    def finalize(self) -> bytes:
        """Seal the last segment (possibly empty, for an empty file)."""
        if self._finalized:
            raise ValueError("finalize() called twice.")
        self._finalized = True
        sealed = self._seal(self._buffer, last=True)
        self._buffer = bytearray()
        return sealed

    @property
    def plaintext_size(self) -> int:
        """Bytes fed so far (the file size once finalized)."""
        return self._size

    @property
    def plaintext_sha256(self) -> str:
        """Hex SHA-256 of the bytes fed so far (the file's hash once finalized)."""
        if self._digest is None:
            raise ValueError("This encryptor was created with digest=False.")
        return self._digest.hexdigest()


def encrypt_bytes(
    data_key: bytes, key_id: uuid.UUID, plaintext: bytes, segment_size: int = SEGMENT_SIZE
) -> bytes:
    """Convenience for small inputs and tests: the whole container in one call."""
    encryptor = StreamEncryptor(data_key, key_id, segment_size)
    return encryptor.header() + encryptor.update(plaintext) + encryptor.finalize()


# --- decryption ------------------------------------------------------------------------------


def parse_header(header: bytes, key_id: uuid.UUID) -> tuple[bytes, bytes, bytes]:
    """Check the 61 header bytes; return (associated data, salt, nonce prefix)."""
    if len(header) != HEADER_SIZE:
        raise IntegrityError("The ciphertext is truncated (incomplete header).")
    if header[: len(MAGIC)] != MAGIC:
        raise IntegrityError("Not a Fairtrail vault ciphertext (bad magic).")
    if header[len(MAGIC)] != FORMAT_VERSION:
        raise IntegrityError("Unsupported vault ciphertext format version.")
    if header[len(MAGIC) + 1 : PREFIX_SIZE] != _check_key_id(key_id).bytes:
        raise IntegrityError("The ciphertext belongs to another file version (key id mismatch).")
    if header[PREFIX_SIZE] != TINK_HEADER_SIZE:
        raise IntegrityError("Bad stream header length.")
    salt = header[PREFIX_SIZE + 1 : PREFIX_SIZE + 1 + SALT_SIZE]
    nonce_prefix = header[PREFIX_SIZE + 1 + SALT_SIZE :]
    return header[:PREFIX_SIZE], salt, nonce_prefix


class _SegmentDecryptor:
    """Reads and authenticates single segments of one container through ``read_at``."""

    def __init__(
        self,
        read_at: ReadAt,
        data_key: bytes,
        key_id: uuid.UUID,
        ciphertext_size: int,
        segment_size: int,
    ) -> None:
        self._key = _check_key(data_key)
        self._key_id = _check_key_id(key_id)
        self._read_at = read_at
        try:
            self.layout = _Layout(ciphertext_size, segment_size)
        except ValueError as exc:
            raise IntegrityError(f"Invalid ciphertext size: {exc}") from None
        self._aead: AESGCM | None = None
        self._nonce_prefix = b""

    def _open(self) -> AESGCM:
        if self._aead is None:
            header = self._read_at(0, HEADER_SIZE)
            associated_data, salt, self._nonce_prefix = parse_header(header, self._key_id)
            self._aead = _derive(self._key, salt, associated_data)
        return self._aead

    def segment(self, index: int) -> bytes:
        aead = self._open()
        layout = self.layout
        last = index == layout.count - 1
        offset, length = layout.ciphertext_span(index)
        # For the last segment ask for one byte more: getting it means the blob was extended.
        data = self._read_at(offset, length + 1 if last else length)
        if len(data) < length:
            raise IntegrityError("The ciphertext is truncated.")
        if len(data) > length:
            raise IntegrityError("The ciphertext has data after its last segment.")
        try:
            return aead.decrypt(_nonce(self._nonce_prefix, index, last), data, None)
        except InvalidTag:
            raise IntegrityError(f"Segment {index} failed authentication.") from None


def decrypt_range(
    read_at: ReadAt,
    data_key: bytes,
    key_id: uuid.UUID,
    ciphertext_size: int,
    start: int = 0,
    end: int | None = None,
    segment_size: int = SEGMENT_SIZE,
) -> Iterator[bytes]:
    """Yield plaintext bytes ``[start, end)`` (``end=None``: to the end), one chunk per segment.

    Only the segments overlapping the range are read (one ``read_at`` each, plus one for the
    header). A range that reaches the end always authenticates the last segment, so a
    whole-file read detects truncation (also at a segment boundary) and extension.
    ``read_at(offset, length)`` returns up to ``length`` ciphertext bytes. Bad arguments raise
    ValueError at once; bad ciphertext raises IntegrityError while iterating, before any byte
    of the failing segment is yielded.
    """
    _check_key(data_key)
    _check_key_id(key_id)
    _check_segment_size(segment_size)
    if start < 0 or (end is not None and end < start):
        raise ValueError("Invalid range.")
    return _decrypt_range(read_at, data_key, key_id, ciphertext_size, start, end, segment_size)


def _decrypt_range(
    read_at: ReadAt,
    data_key: bytes,
    key_id: uuid.UUID,
    ciphertext_size: int,
    start: int,
    end: int | None,
    segment_size: int,
) -> Iterator[bytes]:
    decryptor = _SegmentDecryptor(read_at, data_key, key_id, ciphertext_size, segment_size)
    layout = decryptor.layout
    total = layout.plaintext_size
    end = total if end is None else end
    if end > total or start > end:
        raise ValueError(f"The range is outside the file ({total} bytes).")
    if start == end and end < total:
        return
    first = layout.segment_of(start) if start < total else layout.count - 1
    last = layout.count - 1 if end == total else layout.segment_of(end - 1)
    for index in range(first, last + 1):
        plaintext = decryptor.segment(index)
        base = layout.plaintext_start(index)
        lo = max(start - base, 0)
        hi = min(end - base, len(plaintext))
        chunk = plaintext[lo:hi]  # the whole segment is not copied (bytes slicing)
        if chunk:
            yield chunk


def decrypt_bytes(
    data_key: bytes, key_id: uuid.UUID, ciphertext: bytes, segment_size: int = SEGMENT_SIZE
) -> bytes:
    """Convenience for small inputs and tests: decrypt a whole container held in memory."""

    def read_at(offset: int, length: int) -> bytes:
        return ciphertext[offset : offset + length]

    return b"".join(
        decrypt_range(read_at, data_key, key_id, len(ciphertext), segment_size=segment_size)
    )


class DecryptingReader(io.RawIOBase):
    """A read-only, seekable file object over a container; decrypts lazily.

    Keeps one decrypted segment in memory, so pypdf/Pillow can parse a file (seeking freely)
    without its plaintext ever touching disk. Reading through the end authenticates the last
    segment (truncation/extension are detected); a failed segment raises IntegrityError.
    """

    def __init__(
        self,
        read_at: ReadAt,
        data_key: bytes,
        key_id: uuid.UUID,
        ciphertext_size: int,
        segment_size: int = SEGMENT_SIZE,
    ) -> None:
        super().__init__()
        _check_segment_size(segment_size)
        self._decryptor = _SegmentDecryptor(
            read_at, data_key, key_id, ciphertext_size, segment_size
        )
        self._layout = self._decryptor.layout
        self._position = 0
        self._cached_index = -1
        self._cached = b""

    @property
    def size(self) -> int:
        """Plaintext size in bytes."""
        return self._layout.plaintext_size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def tell(self) -> int:
        self._checkClosed()
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._checkClosed()
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"Invalid whence ({whence}).")
        if position < 0:
            raise ValueError("Negative seek position.")
        self._position = position
        return position

    def _segment(self, index: int) -> bytes:
        if index != self._cached_index:
            self._cached = b""  # never keep a segment of another index if decryption fails
            self._cached_index = -1
            self._cached = self._decryptor.segment(index)
            self._cached_index = index
        return self._cached

    def readinto(self, buffer) -> int:
        self._checkClosed()
        target = memoryview(buffer).cast("B")
        size = self.size
        if self._position >= size or not len(target):
            if size == 0 and len(target):  # an empty file: still authenticate it
                self._segment(0)
            return 0
        # Fill the whole buffer (across segments) unless the file ends: parsers such as pypdf
        # expect read(n) to return n bytes before EOF, which raw streams need not do.
        filled = 0
        while filled < len(target) and self._position < size:
            index = self._layout.segment_of(self._position)
            plaintext = self._segment(index)
            inner = self._position - self._layout.plaintext_start(index)
            count = min(len(target) - filled, len(plaintext) - inner)
            target[filled : filled + count] = plaintext[inner : inner + count]
            filled += count
            self._position += count
        return filled

    def readall(self) -> bytes:
        chunks = []
        while chunk := self.read(self._layout.segment_size):
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._cached = b""
        self._cached_index = -1
        super().close()
