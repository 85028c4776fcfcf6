"""What a file is (from its bytes) and whether its name and declared type agree."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.vault.validation.errors import FILE_TYPE_MISMATCH, rejected

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
HEIC = "image/heic"

#: Content types the vault stores, with the extension a download gets.
ALLOWED_TYPES: dict[str, str] = {PDF: "pdf", JPEG: "jpg", PNG: "png", WEBP: "webp", HEIC: "heic"}

#: Extensions a file name may carry for each type (lower case).
EXTENSIONS: dict[str, frozenset[str]] = {
    PDF: frozenset({"pdf"}),
    JPEG: frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    PNG: frozenset({"png"}),
    WEBP: frozenset({"webp"}),
    HEIC: frozenset({"heic", "heif", "hif"}),
}

#: Declared content types that mean the same as the canonical one.
CONTENT_TYPE_ALIASES: dict[str, str] = {
    "application/x-pdf": PDF,
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "image/x-png": PNG,
    "image/heif": HEIC,
    "image/heic-sequence": HEIC,
    "image/heif-sequence": HEIC,
}

#: Declared types that say nothing (clients send these when they do not know).
GENERIC_CONTENT_TYPES = frozenset(
    {
        "",
        "application/octet-stream",
        "binary/octet-stream",
        "application/binary",
        "application/unknown",
        "application/x-unknown",
    }
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"})
# Compatible brands that prove HEVC coding even when the major brand is something else.
HEVC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevx"})

# An extension is the text after the last dot when it looks like one: 1-10 letters/digits with
# at least one letter. "Scan 12.05.2024" and "J. Smith passport" have none.
_EXTENSION_RE = re.compile(r"\.([a-z0-9]{1,10})$")


@dataclass(frozen=True)
class DetectedType:
    """What the bytes are: canonical content type, canonical extension, whether it is an image."""

    content_type: str
    extension: str
    is_image: bool

    @classmethod
    def of(cls, content_type: str) -> DetectedType:
        return cls(content_type, ALLOWED_TYPES[content_type], content_type != PDF)


def sniff_type(head: bytes) -> str | None:
    """The allowed content type the magic bytes at the start of ``head`` announce, else None.

    Only offset 0 counts: a PDF header later in the file (which PDF readers accept within the
    first 1 KiB) does not make the file a PDF; ``validate_upload`` rejects such polyglots.
    """
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if len(head) >= 12 and head[4:8] == b"ftyp":
        if head[8:12] in HEIF_BRANDS:
            return HEIC
        box_end = min(int.from_bytes(head[:4], "big"), len(head))
        compatible = {head[i : i + 4] for i in range(16, box_end - 3, 4)}
        if compatible & HEVC_BRANDS:
            return HEIC
    return None


def normalise_content_type(value: str | None) -> str:
    """``"Image/JPEG; charset=x"`` → ``"image/jpeg"``; aliases map to the canonical type."""
    base = (value or "").split(";", 1)[0].strip().lower()
    return CONTENT_TYPE_ALIASES.get(base, base)


def file_extension(filename: str | None) -> str | None:
    """The extension of ``filename`` (lower case, no dot), or None when it has none."""
    if not filename:
        return None
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()
    match = _EXTENSION_RE.search(name)
    if not match or match[1].isdigit():
        return None
    return match[1]


def check_consistency(
    detected: DetectedType, declared_content_type: str | None, filename: str | None
) -> None:
    """Reject when a declared type or a file extension names another type than the bytes.

    A missing or generic declared type (``application/octet-stream``) and a name without an
    extension are fine: cheap phones and some browsers send nothing better.
    """
    declared = normalise_content_type(declared_content_type)
    if declared not in GENERIC_CONTENT_TYPES and declared != detected.content_type:
        raise rejected(FILE_TYPE_MISMATCH)
    extension = file_extension(filename)
    if extension is not None and extension not in EXTENSIONS[detected.content_type]:
        raise rejected(FILE_TYPE_MISMATCH)
