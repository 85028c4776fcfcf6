"""PNG: a chunk walk that checks structure and drops metadata losslessly.

Kept (allow-list): the critical chunks and the ancillary chunks that affect how pixels look
or animate — tRNS, cHRM, gAMA, iCCP, sBIT, sRGB, cICP, mDCV, cLLI, bKGD, hIST, pHYs, sPLT,
acTL, fcTL, fdAT. Dropped: everything else, notably eXIf (EXIF incl. GPS), tEXt, iTXt (XMP),
zTXt, tIME, C2PA/private chunks, and anything after IEND.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator

from backend.vault.validation.sniffing import PNG_SIGNATURE
from backend.vault.validation.streams import CHUNK, ByteStream, GuardedReader, Malformed, Truncated

CRITICAL = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND"})
KEPT = CRITICAL | frozenset(
    {
        b"tRNS",
        b"cHRM",
        b"gAMA",
        b"iCCP",
        b"sBIT",
        b"sRGB",
        b"cICP",
        b"mDCV",
        b"cLLI",
        b"bKGD",
        b"hIST",
        b"pHYs",
        b"sPLT",
        b"acTL",
        b"fcTL",
        b"fdAT",
    }
)
MAX_CHUNK = 2**31 - 1
# Channels per colour type, and the bit depths each allows.
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
BIT_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
_TYPE_RE = re.compile(rb"^[A-Za-z]{4}$")


def walk(
    src: GuardedReader,
    keep: Callable[[bytes], bool],
    on_size: Callable[[int, int], None] | None = None,
    on_idat: Callable[[bytes | None], None] | None = None,
) -> Iterator[bytes]:
    """Yield the signature and every chunk ``keep(type)`` accepts (length, type, data, CRC),
    in ``CHUNK`` pieces, up to and including IEND. Other chunks are read past, not kept.

    ``on_size`` is called with IHDR's dimensions before any other chunk is read;
    ``on_idat`` (for chunks not kept) gets IHDR's body first, then every IDAT payload piece.
    """
    stream = ByteStream(src)
    if stream.read_exact(8) != PNG_SIGNATURE:
        raise Malformed
    yield PNG_SIGNATURE
    first = True
    seen_idat = False
    while True:
        header = stream.read_exact(8)
        length = int.from_bytes(header[:4], "big")
        kind = header[4:]
        if length > MAX_CHUNK or not _TYPE_RE.match(kind):
            raise Malformed
        if first:
            if kind != b"IHDR" or length != 13:
                raise Malformed
            body = stream.read_exact(13 + 4)
            width = int.from_bytes(body[:4], "big")
            height = int.from_bytes(body[4:8], "big")
            if not width or not height:
                raise Malformed
            if on_size is not None:
                on_size(width, height)
            if on_idat is not None:
                on_idat(body[:13])
            yield header + body
            first = False
            continue
        if kind == b"IHDR" or (kind[0:1].isupper() and kind not in CRITICAL):
            raise Malformed  # second header, or a critical chunk no decoder knows
        seen_idat = seen_idat or kind == b"IDAT"
        if kind == b"IEND":
            if not seen_idat or length:
                raise Malformed
            yield header + stream.read_exact(length + 4)
            return
        if keep(kind):
            yield header
            yield from stream.copy(length + 4)
        elif kind == b"IDAT" and on_idat is not None:
            for piece in stream.copy(length):
                on_idat(piece)
            stream.skip(4)
        else:
            stream.skip(length + 4)


def image_data_size(ihdr: bytes) -> int:
    """Exact length of the inflated IDAT stream (filter bytes included) IHDR promises."""
    width, height = int.from_bytes(ihdr[:4], "big"), int.from_bytes(ihdr[4:8], "big")
    depth, colour, compression, filtering, interlace = ihdr[8:13]
    if depth not in BIT_DEPTHS.get(colour, ()) or compression or filtering or interlace > 1:
        raise Malformed
    bits = CHANNELS[colour] * depth
    passes = ADAM7 if interlace else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        columns = (width - x0 + dx - 1) // dx if width > x0 else 0
        rows = (height - y0 + dy - 1) // dy if height > y0 else 0
        if columns and rows:
            total += rows * (1 + (columns * bits + 7) // 8)
    return total


class _Inflater:
    """Inflates the IDAT stream in bounded steps; it must produce exactly ``expected`` bytes
    (less is a truncated image, more is not PNG — and is how a zlib bomb would look)."""

    def __init__(self) -> None:
        self._zlib = zlib.decompressobj()
        self.expected: int | None = None
        self.total = 0

    def __call__(self, data: bytes) -> None:
        if self.expected is None:
            self.expected = image_data_size(data)
            return
        while data and not self._zlib.eof:
            self.total += len(self._zlib.decompress(data, CHUNK))
            if self.total > self.expected:
                raise Malformed
            data = self._zlib.unconsumed_tail

    def finish(self) -> None:
        if not self._zlib.eof or self.total != self.expected:
            raise Truncated


def inspect(src: GuardedReader, on_size: Callable[[int, int], None]) -> None:
    """Walk every chunk and inflate the image data (never more than ``CHUNK`` at a time, never
    more than IHDR promises), so a corrupt or short zlib stream is refused."""
    inflater = _Inflater()
    for _piece in walk(src, keep=lambda kind: False, on_size=on_size, on_idat=inflater):
        pass
    inflater.finish()


def strip(src: GuardedReader) -> Iterator[bytes]:
    return walk(src, keep=KEPT.__contains__)
