"""JPEG: a segment walk that checks structure and drops metadata losslessly.

Kept: SOI, APP0 JFIF (rewritten without its thumbnail), APP2 ``ICC_PROFILE``, APP14 ``Adobe``
(colour transform), tables, frames, scans (entropy-coded data copied byte for byte), EOI.
Dropped: APP1 (EXIF incl. GPS, maker notes and the EXIF thumbnail; XMP), every other APPn
(MPF secondary images, IPTC/Photoshop in APP13, FlashPix, vendor blocks), APP0 JFXX
thumbnails, COM comments, reserved JPGn/TEM markers, stray bytes between segments, and
anything after EOI (e.g. motion-photo video or an appended ZIP). ICC and Adobe segments are
kept verbatim (colour data, not personal data).

Orientation: dropping EXIF would drop the Orientation tag and show sideways phone photos
rotated, and applying it would mean re-encoding. Instead, when the original EXIF says the
orientation is not 1, a fresh 34-byte EXIF segment holding only that one tag is written
(no other EXIF data survives). Pixels are never rotated or re-encoded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PIL import Image

from backend.vault.validation.streams import Bomb, ByteStream, GuardedReader, Malformed, Truncated

SOI, EOI, SOS, DQT, DHT, APP0, APP1, APP2, APP14, APP15, COM = (
    0xD8,
    0xD9,
    0xDA,
    0xDB,
    0xC4,
    0xE0,
    0xE1,
    0xE2,
    0xEE,
    0xEF,
    0xFE,
)
ENTROPY = -1
# Start-of-frame markers (C4 DHT, C8 JPG and CC DAC are not frames).
SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Baseline/progressive images have 1-~12 scans; thousands make every decoder crawl.
MAX_SCANS = 256
ORIENTATION = 0x0112
MAX_STRAY = 1024


def walk(
    src: GuardedReader, on_size: Callable[[int, int], None] | None = None
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(marker, bytes)`` for every segment (marker included) and ``(ENTROPY, chunk)``
    for entropy-coded data, in file order, ending with EOI. Bytes after EOI are not read.

    ``on_size(width, height)`` is called as soon as the frame header is read, before any
    pixel data, so a caller can refuse a bomb early. Raises Truncated/Malformed/Bomb.
    """
    stream = ByteStream(src)
    if stream.read_exact(2) != b"\xff\xd8":
        raise Malformed
    yield SOI, b"\xff\xd8"
    frame_seen = False
    scans = 0
    while True:
        # Some encoders leave a few stray bytes between segments; decoders skip them with a
        # warning. They are dropped here; more than MAX_STRAY in a row is not a JPEG.
        stray = 0
        while stream.read_exact(1) != b"\xff":
            stray += 1
            if stray > MAX_STRAY:
                raise Malformed
        marker = stream.read_exact(1)[0]
        while marker == 0xFF:  # fill bytes
            marker = stream.read_exact(1)[0]
        if marker == EOI:
            if not scans:
                raise Malformed
            yield EOI, b"\xff\xd9"
            return
        if marker in (SOI, 0x00):
            raise Malformed
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # TEM, RSTn: no length
            yield marker, bytes((0xFF, marker))
            continue
        length_bytes = stream.read_exact(2)
        length = int.from_bytes(length_bytes, "big")
        if length < 2:
            raise Malformed
        segment = bytes((0xFF, marker)) + length_bytes + stream.read_exact(length - 2)
        if marker in SOF_MARKERS:
            if frame_seen or length < 8:
                raise Malformed
            frame_seen = True
            height = int.from_bytes(segment[5:7], "big")
            width = int.from_bytes(segment[7:9], "big")
            if not width or not height:
                raise Malformed
            if on_size is not None:
                on_size(width, height)
        yield marker, segment
        if marker == SOS:
            if not frame_seen:
                raise Malformed
            scans += 1
            if scans > MAX_SCANS:
                raise Bomb
            yield from _entropy(stream)


def _entropy(stream: ByteStream) -> Iterator[tuple[int, bytes]]:
    """Entropy-coded bytes up to (not including) the next real marker; fill bytes dropped."""
    i = 0
    while True:
        buf = stream.buf
        j = buf.find(b"\xff", i)
        if j < 0:
            if buf:
                yield ENTROPY, stream.take(len(buf))
            i = 0
            if not stream.more():
                raise Truncated
            continue
        k = j + 1
        while True:
            while k < len(stream.buf) and stream.buf[k] == 0xFF:
                k += 1
            if k < len(stream.buf):
                break
            if not stream.more():
                raise Truncated
        following = stream.buf[k]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte or restart marker
            i = k + 1
            if i >= 4 * 65536:
                yield ENTROPY, stream.take(i)
                i = 0
            continue
        if j:
            yield ENTROPY, stream.take(j)
        stream.take(k - j - 1)  # extra fill bytes; the stream now starts with FF <marker>
        return


def _sanitised_jfif(segment: bytes) -> bytes | None:
    """APP0 JFIF with its thumbnail removed; None for anything else in APP0 (JFXX, vendor)."""
    payload = segment[4:]
    if not payload.startswith(b"JFIF\x00") or len(payload) < 14:
        return None
    return b"\xff\xe0\x00\x10" + payload[:12] + b"\x00\x00"


def _orientation(segment: bytes) -> int:
    payload = segment[4:]
    if not payload.startswith(b"Exif\x00\x00"):
        return 1
    try:
        exif = Image.Exif()
        exif.load(payload)
        value = exif.get(ORIENTATION, 1)
    except Exception:  # an unreadable EXIF block is dropped either way
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def orientation_segment(orientation: int) -> bytes:
    """An APP1 EXIF segment holding nothing but the Orientation tag."""
    tiff = (
        b"MM\x00\x2a\x00\x00\x00\x08"  # big-endian TIFF header, IFD0 at offset 8
        + b"\x00\x01"  # one entry
        + ORIENTATION.to_bytes(2, "big")
        + b"\x00\x03"
        + b"\x00\x00\x00\x01"  # SHORT, count 1
        + orientation.to_bytes(2, "big")
        + b"\x00\x00"
        + b"\x00\x00\x00\x00"  # no next IFD
    )
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def inspect(src: GuardedReader, on_size: Callable[[int, int], None]) -> None:
    """Walk the whole file: structure, frame size (checked early), scans and EOI."""
    for _piece in walk(src, on_size):
        pass


def strip(src: GuardedReader) -> Iterator[bytes]:
    orientation = 1
    header_done = False
    for marker, data in walk(src):
        if marker == ENTROPY:
            yield data
            continue
        if marker == APP0:
            jfif = _sanitised_jfif(data)
            if jfif is not None and not header_done:
                yield jfif
            continue
        if marker == APP1:
            if orientation == 1:
                orientation = _orientation(data)
            continue
        if marker == APP2:
            if data[4:16] == b"ICC_PROFILE\x00":
                yield data
            continue
        if marker == APP14:
            if data[4:9] == b"Adobe":
                yield data
            continue
        if APP0 <= marker <= APP15 or marker == COM or 0xF0 <= marker <= 0xFD or marker == 0x01:
            continue  # other APPn, comments, reserved JPGn extensions, TEM
        if marker != SOI and not header_done:
            header_done = True
            if orientation != 1:
                yield orientation_segment(orientation)
        yield data
