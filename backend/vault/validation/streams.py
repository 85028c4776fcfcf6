"""Bounded-memory reading helpers over the caller's (decrypting) reader. No temp files."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

CHUNK = 64 * 1024


class Truncated(Exception):
    """The file ended in the middle of a structure."""


class Malformed(Exception):
    """The file breaks its format's structure rules."""


class Bomb(Exception):
    """The file declares absurd dimensions or work (decompression bomb)."""


class GuardedReader(io.RawIOBase):
    """Wraps the caller's reader for parsers.

    * ``read(n)`` returns exactly ``n`` bytes unless the file ends (raw readers may return
      short reads; Pillow and pypdf assume they do not);
    * an exception raised by the underlying reader (I/O, a failed integrity check of the
      decryption) is remembered in ``error`` so that the validator re-raises it as is instead
      of blaming the user's file;
    * closing it never closes the underlying reader (the caller owns that).

    Parsers that read byte by byte (pypdf) get it through ``buffered()``.
    """

    def __init__(self, raw: Any) -> None:
        super().__init__()
        self._raw = raw
        self.error: BaseException | None = None

    def _guard(self, call, *args):
        try:
            return call(*args)
        except Exception as exc:
            self.error = exc
            raise

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while part := self.read(CHUNK):
                parts.append(part)
            return b"".join(parts)
        data = self._guard(self._raw.read, n) or b""
        if len(data) >= n or not data:
            return bytes(data)
        parts = [data]
        missing = n - len(data)
        while missing > 0:
            part = self._guard(self._raw.read, missing)
            if not part:
                break
            parts.append(part)
            missing -= len(part)
        return b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._guard(self._raw.seek, offset, whence)

    def tell(self) -> int:
        return self._guard(self._raw.tell)

    def close(self) -> None:
        """Never closes: the caller owns the underlying reader, and a ``BufferedReader``
        collected after a parser finished must not make this wrapper unusable."""


def buffered(src: GuardedReader) -> io.BufferedReader:
    """A C-level buffer over ``src`` for parsers that make many tiny reads and seeks (pypdf
    reads objects byte by byte: ~3 million calls for a 20k-object PDF)."""
    src.seek(0)
    return io.BufferedReader(src, buffer_size=CHUNK)


class ByteStream:
    """A forward-only buffered view of a reader, for segment/chunk walkers.

    Holds at most one ``CHUNK`` plus the largest structure a walker asks for at once
    (JPEG segments are ≤ 64 KiB; PNG/WebP payloads are copied in ``CHUNK`` pieces).
    """

    def __init__(self, src: GuardedReader) -> None:
        self._src = src
        self.buf = bytearray()
        self._eof = False

    def more(self) -> bool:
        """Append the next chunk of the file to ``buf``; False at end of file."""
        if self._eof:
            return False
        data = self._src.read(CHUNK)
        if not data:
            self._eof = True
            return False
        self.buf += data
        return True

    def take(self, n: int) -> bytes:
        """Remove and return the first ``n`` buffered bytes (the caller made sure they are)."""
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self.more():
                raise Truncated
        return self.take(n)

    def copy(self, n: int) -> Iterator[bytes]:
        """Yield the next ``n`` bytes in pieces of at most ``CHUNK``."""
        while n > 0:
            if not self.buf and not self.more():
                raise Truncated
            piece = self.take(min(n, len(self.buf), CHUNK))
            n -= len(piece)
            yield piece

    def skip(self, n: int) -> None:
        for _piece in self.copy(n):
            pass


def read_at(src: GuardedReader, offset: int, n: int) -> bytes:
    src.seek(offset)
    return src.read(n)


def copy_range(src: GuardedReader, offset: int, n: int) -> Iterator[bytes]:
    """Yield ``n`` bytes from ``offset`` in ``CHUNK`` pieces; Truncated if the file is shorter."""
    src.seek(offset)
    while n > 0:
        piece = src.read(min(n, CHUNK))
        if not piece:
            raise Truncated
        n -= len(piece)
        yield piece
