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


class GuardedReader:
    """Wraps the caller's reader for parsers.

    * ``read(n)`` returns exactly ``n`` bytes unless the file ends (raw readers may return
      short reads; Pillow and pypdf assume they do not);
    * an exception raised by the underlying reader (I/O, a failed integrity check of the
      decryption) is remembered in ``error`` so that the validator re-raises it as is instead
      of blaming the user's file;
    * ``close()`` does not close the underlying reader (parsers may call it).
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.error: BaseException | None = None

    def _guard(self, call, *args):
        try:
            return call(*args)
        except Exception as exc:
            self.error = exc
            raise

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while part := self._guard(self._raw.read, CHUNK):
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

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._guard(self._raw.seek, offset, whence)

    def tell(self) -> int:
        return self._guard(self._raw.tell)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        """Parsers may close their input; the caller owns the reader."""

    @property
    def closed(self) -> bool:
        return False


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
