"""Upload validation and metadata stripping for the document vault.

Plaintext never touches disk: both functions take a seekable, readable binary file object
(the service passes a lazily decrypting reader; tests pass ``io.BytesIO``) and never write
temp files.

API::

    ALLOWED_TYPES: dict[str, str]            # content type → canonical extension
    sniff_type(head: bytes) -> str | None    # magic bytes of the first 32 bytes
    validate_upload(reader, size, *, declared_content_type, filename, max_size=None)
        -> DetectedType(content_type, extension, is_image)
    strip_metadata(reader, detected) -> tuple[str, Iterator[bytes]]
        # (content type to store, sanitized bytes); the type differs from
        # detected.content_type only for HEIC, stored as JPEG unless
        # settings.VAULT_HEIC_KEEP_FORMAT (see heic.py for why)
    UploadRejected(AppError)                 # 400; 413 file_too_large; 415 unsupported type

Error codes: ``empty_file``, ``file_too_large``, ``unsupported_file_type``,
``file_type_mismatch``, ``malformed_file``, ``decompression_bomb``, ``pdf_active_content``,
``pdf_encrypted`` (user-password PDFs cannot be checked), ``pdf_too_complex`` (more objects
than the active-content scan may resolve).

Type rules: the bytes decide the type (magic at offset 0). A declared content type must be
missing, generic (``application/octet-stream``) or name the same type (aliases such as
``image/jpg`` and ``image/heif`` allowed); a file name's extension, when it has one (1-10
letters/digits after the last dot, not all digits), must be one of that type's extensions.

Polyglots: a non-PDF with ``%PDF-`` in its first KiB, or any file ending in a valid ZIP
end-of-central-directory record, is ``file_type_mismatch``. Bytes appended after an image's
end marker (motion-photo video, junk) are accepted but never stored: ``strip_metadata``
copies nothing after JPEG EOI, PNG IEND or the RIFF payload. A PDF must end with ``%%EOF``
(plus whitespace) within its last KiB.

Metadata: see the module docstrings of ``jpeg``, ``png``, ``webp``, ``heic`` and ``pdf`` for
exactly what is kept. In short, EXIF (incl. GPS, maker notes, thumbnails), XMP, IPTC,
comments and text chunks are removed losslessly; a JPEG whose EXIF orientation is not 1 gets
a fresh one-tag EXIF block with only the orientation (pixels are never rotated); HEIC is
re-encoded from its (upright) pixels; PDFs are stored unchanged (their metadata is not
location data).
"""

from backend.vault.validation.errors import UploadRejected
from backend.vault.validation.sniffing import ALLOWED_TYPES, DetectedType, sniff_type
from backend.vault.validation.upload import strip_metadata, validate_upload

__all__ = [
    "ALLOWED_TYPES",
    "DetectedType",
    "UploadRejected",
    "sniff_type",
    "strip_metadata",
    "validate_upload",
]
