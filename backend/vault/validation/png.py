"""PNG: a chunk walk that checks structure and drops metadata losslessly.

Kept (allow-list): the critical chunks and the ancillary chunks that affect how pixels look
or animate — tRNS, cHRM, gAMA, iCCP, sBIT, sRGB, cICP, mDCV, cLLI, bKGD, hIST, pHYs, sPLT,
acTL, fcTL, fdAT. Dropped: everything else, notably eXIf (EXIF incl. GPS), tEXt, iTXt (XMP),
zTXt, tIME, C2PA/private chunks, and anything after IEND.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from backend.vault.validation.sniffing import PNG_SIGNATURE
from backend.vault.validation.streams import ByteStream, GuardedReader, Malformed

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
_TYPE_RE = re.compile(rb"^[A-Za-z]{4}$")


def walk(
    src: GuardedReader,
    keep: Callable[[bytes], bool],
    on_size: Callable[[int, int], None] | None = None,
) -> Iterator[bytes]:
    """Yield the signature and every chunk ``keep(type)`` accepts (length, type, data, CRC),
    in ``CHUNK`` pieces, up to and including IEND. Other chunks are read past, not kept.

    ``on_size`` is called with IHDR's dimensions before any other chunk is read.
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
        else:
            stream.skip(length + 4)


def inspect(src: GuardedReader, on_size: Callable[[int, int], None]) -> None:
    for _piece in walk(src, keep=lambda kind: False, on_size=on_size):
        pass


def strip(src: GuardedReader) -> Iterator[bytes]:
    return walk(src, keep=KEPT.__contains__)
