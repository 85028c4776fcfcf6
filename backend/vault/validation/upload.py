"""``validate_upload`` and ``strip_metadata``: the two entry points the vault service calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from PIL import Image
from pypdf.errors import LimitReachedError

from backend.vault.validation import heic, jpeg, pdf, png, webp
from backend.vault.validation.errors import (
    DECOMPRESSION_BOMB,
    EMPTY_FILE,
    FILE_TOO_LARGE,
    FILE_TYPE_MISMATCH,
    MALFORMED_FILE,
    UNSUPPORTED_FILE_TYPE,
    UploadRejected,
    rejected,
)
from backend.vault.validation.sniffing import (
    HEIC,
    JPEG,
    PDF,
    PNG,
    WEBP,
    DetectedType,
    check_consistency,
    sniff_type,
)
from backend.vault.validation.streams import (
    CHUNK,
    Bomb,
    GuardedReader,
    buffered,
    copy_range,
    read_at,
)

DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000
#: No side may exceed this, whatever the pixel count (a 1 x 100,000,000 strip is no photo).
MAX_IMAGE_SIDE = 65_535
HEAD = 1024
# A ZIP's end-of-central-directory record sits in the last 22 + 65535 bytes.
ZIP_TAIL = 22 + 65_535


def max_upload_bytes() -> int:
    return int(getattr(settings, "VAULT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def max_image_pixels() -> int:
    return int(getattr(settings, "VAULT_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def check_dimensions(width: int, height: int) -> None:
    """Refuse a decompression bomb from its declared size, before any pixel is decoded."""
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > max_image_pixels():
        raise Bomb


def validate_upload(
    reader: Any,
    size: int,
    *,
    declared_content_type: str | None,
    filename: str | None,
    max_size: int | None = None,
) -> DetectedType:
    """Check an upload and say what it is, or raise ``UploadRejected``.

    Order: size (``empty_file``, ``file_too_large``) → sniffed type in the allow-list
    (``unsupported_file_type``) → agreement with the declared type and the name's extension
    (``file_type_mismatch``) → polyglot rules (``file_type_mismatch``) → a full structural
    parse (``malformed_file``, ``decompression_bomb``, ``pdf_active_content``,
    ``pdf_encrypted``, ``pdf_too_complex``).

    ``reader`` is a seekable binary file object positioned anywhere; it is read, never
    written, and never copied to disk. Memory: JPEG and PNG are walked and inflated/decoded
    through 64 KiB buffers (JPEG scans decoded at 1/8 scale, 1/64 of the pixels); pypdf keeps
    the objects it parses; WebP and HEIC are read whole and their first image decoded
    (libwebp/libheif need that), bounded by the upload limit and the pixel cap, which is
    checked from the header before anything is decoded.
    An exception raised by ``reader`` itself (I/O, decryption integrity) propagates unchanged.
    """
    limit = max_size if max_size is not None else max_upload_bytes()
    if size <= 0:
        raise rejected(EMPTY_FILE)
    if size > limit:
        raise rejected(FILE_TOO_LARGE, limit_bytes=limit)
    src = GuardedReader(reader)
    try:
        head = read_at(src, 0, HEAD)
        if not head:
            raise rejected(EMPTY_FILE)
        content_type = sniff_type(head[:32])
        if content_type is None:
            raise rejected(UNSUPPORTED_FILE_TYPE)
        detected = DetectedType.of(content_type)
        check_consistency(detected, declared_content_type, filename)
        _check_polyglot(src, size, head, detected)
        _inspect(src, size, detected)
    except UploadRejected:
        raise
    except Bomb:
        raise rejected(DECOMPRESSION_BOMB) from None
    except LimitReachedError:
        raise rejected(DECOMPRESSION_BOMB) from None
    except Image.DecompressionBombError:
        raise rejected(DECOMPRESSION_BOMB) from None
    except Exception as exc:
        if src.error is not None:
            raise src.error from None
        if isinstance(exc, MemoryError):
            raise
        # Parsers fail with anything from ValueError to struct.error on hostile input.
        raise rejected(MALFORMED_FILE) from None
    return detected


def _check_polyglot(src: GuardedReader, size: int, head: bytes, detected: DetectedType) -> None:
    """Refuse files that another program would open as a different type.

    * a non-PDF with ``%PDF-`` in its first KiB: PDF readers accept a header anywhere there;
    * any file ending in a valid ZIP end-of-central-directory record (whose comment length
      reaches exactly to the end of the file, so random image data cannot match): it also
      opens as a ZIP/JAR/APK/Office file.
    Other trailing bytes after an image's end marker are harmless: ``strip_metadata`` never
    copies them.
    """
    if detected.content_type != PDF and b"%PDF-" in head:
        raise rejected(FILE_TYPE_MISMATCH)
    start = max(0, size - ZIP_TAIL)
    tail = read_at(src, start, size - start)
    position = tail.rfind(b"PK\x05\x06")
    while position >= 0:
        if len(tail) - position >= 22:
            comment = int.from_bytes(tail[position + 20 : position + 22], "little")
            if position + 22 + comment == len(tail):
                raise rejected(FILE_TYPE_MISMATCH)
        position = tail.rfind(b"PK\x05\x06", 0, position)


def _inspect(src: GuardedReader, size: int, detected: DetectedType) -> None:
    kind = detected.content_type
    if kind == PDF:
        pdf.inspect(src, size)
        return
    src.seek(0)
    if kind == JPEG:
        jpeg.inspect(src, check_dimensions)
    elif kind == PNG:
        png.inspect(src, check_dimensions)
    elif kind == WEBP:
        webp.inspect(src, size, check_dimensions)
    else:
        heic.inspect(src, check_dimensions)
        return
    # The walk proved the structure and a sane size; Pillow must agree (header parse; for PNG
    # a CRC check of every chunk, the walk already inflated the data). JPEG scans are decoded
    # at 1/8 scale (libjpeg's DCT scaling: 1/64 of the pixel memory) so a broken
    # entropy-coded stream is refused; WebP (first frame) is decoded in full.
    with Image.open(buffered(src), formats=[_PILLOW_FORMATS[kind]]) as image:
        width, height = image.size
        check_dimensions(width, height)
        if kind == JPEG:
            image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            image.load()
        elif kind == WEBP:
            image.load()  # libwebp has no scaled decode; pixels are bounded by the cap
        else:
            image.verify()


_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}


def strip_metadata(reader: Any, detected: DetectedType) -> tuple[str, Iterator[bytes]]:
    """``(content_type, chunks)``: the file to store, without metadata, for a validated upload.

    Returns a pair because HEIC comes back as JPEG (unless ``VAULT_HEIC_KEEP_FORMAT`` and an
    HEVC encoder); for every other type ``content_type`` is ``detected.content_type``. The
    chunks are produced lazily from ``reader`` (JPEG/PNG/WebP stream with bounded memory,
    byte-for-byte except for the removed metadata; HEIC is re-encoded in memory; PDF is
    returned unchanged).
    Call it only after ``validate_upload`` accepted the file; a file that changes in between
    raises ``UploadRejected(malformed_file)`` from the iterator.
    """
    src = GuardedReader(reader)
    kind = detected.content_type
    if kind == HEIC:
        try:
            content_type, data = heic.strip(src)
        except Exception:
            if src.error is not None:
                raise src.error from None
            raise rejected(MALFORMED_FILE) from None
        return content_type, _chunked(data)
    if kind == PDF:
        return kind, _guarded(src, lambda: _whole(src))
    if kind == JPEG:
        return kind, _guarded(src, lambda: jpeg.strip(_rewound(src)))
    if kind == PNG:
        return kind, _guarded(src, lambda: png.strip(_rewound(src)))
    if kind == WEBP:
        return kind, _guarded(src, lambda: webp.strip(src, _size(src)))
    raise rejected(UNSUPPORTED_FILE_TYPE)


def _rewound(src: GuardedReader) -> GuardedReader:
    src.seek(0)
    return src


def _size(src: GuardedReader) -> int:
    return src.seek(0, 2)


def _whole(src: GuardedReader) -> Iterator[bytes]:
    size = _size(src)
    return copy_range(src, 0, size)


def _chunked(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


def _guarded(src: GuardedReader, make) -> Iterator[bytes]:
    try:
        yield from make()
    except UploadRejected:
        raise
    except Exception:
        if src.error is not None:
            raise src.error from None
        raise rejected(MALFORMED_FILE) from None
