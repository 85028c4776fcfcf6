"""Writing one stream in pieces, across requests (resumable uploads).

A resumable upload knows its total size up front, so the segment that is last is known too and
every segment can be sealed as soon as its plaintext is complete. ``SegmentEncryptor`` continues
the stream started by a ``StreamEncryptor`` whose ``header()`` was stored: same salt, same nonce
prefix, segment numbering from ``plaintext_offset`` (which must be a segment start). The bytes
it outputs, appended in order after the header, are exactly what ``StreamEncryptor`` would have
produced for the whole file, and decrypt with ``decrypt_range``/``DecryptingReader``.

Nonce safety: segment *i* is always sealed with the same nonce, so the caller must never seal
segment *i* twice with different plaintext and keep (or leak) both ciphertexts. Persist the
output of a request before acknowledging its bytes and resume from the acknowledged offset;
ciphertext of a failed request must be discarded (see docs/encryption.md, "Resumable uploads").
"""

from __future__ import annotations

import uuid

from backend.vault.crypto.streaming import (
    SEGMENT_SIZE,
    _check_key,
    _check_segment_size,
    _derive,
    _Layout,
    _nonce,
    ciphertext_size,
    parse_header,
)


class SegmentEncryptor:
    """Seals the segments of a stream of known ``total_size`` from ``plaintext_offset`` on.

    ``feed`` returns the ciphertext of every segment it completes (the last one included, as
    soon as its final byte arrives); ``pending`` is the plaintext of the incomplete segment
    still buffered (the caller keeps it, sealed, until the next request); ``finish`` checks that
    the whole file was fed and returns any remaining ciphertext.
    """

    def __init__(
        self,
        data_key: bytes,
        key_id: uuid.UUID,
        header: bytes,
        *,
        total_size: int,
        segment_size: int = SEGMENT_SIZE,
        plaintext_offset: int = 0,
    ) -> None:
        data_key = _check_key(data_key)
        _check_segment_size(segment_size)
        if total_size < 0:
            raise ValueError("total_size must not be negative.")
        associated_data, salt, self._nonce_prefix = parse_header(bytes(header), key_id)
        self._aead = _derive(data_key, salt, associated_data)
        self._layout = _Layout(ciphertext_size(total_size, segment_size), segment_size)
        self.total_size = total_size
        if not 0 <= plaintext_offset <= total_size:
            raise ValueError("plaintext_offset is outside the file.")
        self._index = self._layout.segment_of(plaintext_offset) if total_size else 0
        if plaintext_offset == total_size and total_size:
            self._index = self._layout.count  # everything was sealed already
        elif self._layout.plaintext_start(self._index) != plaintext_offset:
            raise ValueError("plaintext_offset must be the start of a segment.")
        self._position = plaintext_offset
        self._buffer = bytearray()

    def _segment_end(self, index: int) -> int:
        if index == self._layout.count - 1:
            return self.total_size
        return self._layout.plaintext_start(index + 1)

    def feed(self, data: bytes) -> bytes:
        if self._position + len(self._buffer) + len(data) > self.total_size:
            raise ValueError("More data than the declared total size.")
        self._buffer += data
        out: list[bytes] = []
        while self._index < self._layout.count:
            need = self._segment_end(self._index) - self._position
            if need <= 0 or len(self._buffer) < need:  # need == 0 only for an empty file
                break
            last = self._index == self._layout.count - 1
            nonce = _nonce(self._nonce_prefix, self._index, last)
            out.append(self._aead.encrypt(nonce, bytes(self._buffer[:need]), None))
            del self._buffer[:need]
            self._position += need
            self._index += 1
        return b"".join(out)

    def pending(self) -> bytes:
        """Plaintext fed but not sealed yet (shorter than one segment)."""
        return bytes(self._buffer)

    def finish(self) -> bytes:
        """Return the last ciphertext; ValueError unless all ``total_size`` bytes were fed."""
        if self.total_size == 0 and self._index == 0:
            self._index = 1
            return self._aead.encrypt(_nonce(self._nonce_prefix, 0, True), b"", None)
        if self._index != self._layout.count or self._buffer:
            raise ValueError("The stream is incomplete.")
        return b""
