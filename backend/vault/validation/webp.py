"""WebP: a RIFF chunk walk that checks structure and drops metadata losslessly.

Kept (allow-list): VP8X (flags fixed), VP8, VP8L, ALPH, ANIM, ANMF, ICCP. Dropped: EXIF, XMP
and unknown chunks, and anything after the RIFF payload. The VP8X EXIF and XMP flags are
cleared and the RIFF size rewritten to match. Orientation is not carried over (Android and
iOS cameras do not write WebP; browsers ignore WebP EXIF orientation anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from backend.vault.validation.streams import (
    GuardedReader,
    Malformed,
    Truncated,
    copy_range,
    read_at,
)

KEPT = frozenset({b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
FLAG_EXIF = 0x08
FLAG_XMP = 0x04
MAX_CHUNKS = 100_000


@dataclass(frozen=True)
class Chunk:
    kind: bytes
    offset: int  # of the 8-byte chunk header
    length: int  # payload length, without the pad byte

    @property
    def padded(self) -> int:
        return 8 + self.length + (self.length & 1)


def chunks(src: GuardedReader, size: int) -> list[Chunk]:
    """Every chunk of the RIFF payload, by seeking from header to header (payloads unread)."""
    header = read_at(src, 0, 12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:] != b"WEBP":
        raise Malformed
    end = 8 + int.from_bytes(header[4:8], "little")
    if end > size:
        raise Truncated
    out: list[Chunk] = []
    offset = 12
    while offset < end:
        if end - offset < 8 or len(out) >= MAX_CHUNKS:
            raise Malformed
        head = read_at(src, offset, 8)
        if len(head) < 8:
            raise Truncated
        chunk = Chunk(head[:4], offset, int.from_bytes(head[4:], "little"))
        if offset + chunk.padded > end:
            raise Truncated
        out.append(chunk)
        offset += chunk.padded
    if not out:
        raise Malformed
    return out


def dimensions(src: GuardedReader, first: Chunk) -> tuple[int, int]:
    """Canvas size from the first chunk (VP8X canvas, or the VP8/VP8L frame header)."""
    data = read_at(src, first.offset + 8, min(first.length, 10))
    if first.kind == b"VP8X" and len(data) == 10:
        return int.from_bytes(data[4:7], "little") + 1, int.from_bytes(data[7:10], "little") + 1
    if first.kind == b"VP8 " and len(data) == 10 and data[3:6] == b"\x9d\x01\x2a":
        return (
            int.from_bytes(data[6:8], "little") & 0x3FFF,
            int.from_bytes(data[8:10], "little") & 0x3FFF,
        )
    if first.kind == b"VP8L" and len(data) >= 5 and data[0] == 0x2F:
        bits = int.from_bytes(data[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise Malformed


def inspect(src: GuardedReader, size: int, on_size: Callable[[int, int], None]) -> None:
    found = chunks(src, size)
    width, height = dimensions(src, found[0])
    if not width or not height:
        raise Malformed
    on_size(width, height)
    kinds = {chunk.kind for chunk in found}
    if not kinds & {b"VP8 ", b"VP8L", b"ANMF"}:
        raise Malformed  # no image data at all


def strip(src: GuardedReader, size: int) -> Iterator[bytes]:
    kept = [chunk for chunk in chunks(src, size) if chunk.kind in KEPT]
    yield b"RIFF" + (4 + sum(chunk.padded for chunk in kept)).to_bytes(4, "little") + b"WEBP"
    for chunk in kept:
        if chunk.kind == b"VP8X":
            if chunk.length < 10:
                raise Malformed
            head = read_at(src, chunk.offset, 9)
            yield head[:8] + bytes((head[8] & ~(FLAG_EXIF | FLAG_XMP),))
            yield from copy_range(src, chunk.offset + 9, chunk.padded - 9)
        else:
            yield from copy_range(src, chunk.offset, chunk.padded)
