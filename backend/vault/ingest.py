"""Turning an encrypted upload into a vetted, metadata-free encrypted file.

The validator reads the upload through a decrypting, seekable reader (no plaintext on disk).
Images are re-written without EXIF/GPS into a new encrypted blob under the same data key (a
fresh stream salt makes it a new ciphertext); the original blob is deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from backend.vault.blobs import PartsReader, delete_blob
from backend.vault.crypto.streaming import DecryptingReader
from backend.vault.models import StagedBlob
from backend.vault.uploads import EncryptedBlob, EncryptingBlobWriter
from backend.vault.validation import strip_metadata, validate_upload

logger = logging.getLogger("fairtrail.vault")


@dataclass
class IngestedFile:
    blob: EncryptedBlob
    content_type: str


def reader_for(blob: EncryptedBlob) -> DecryptingReader:
    parts = PartsReader(blob.parts)
    return DecryptingReader(
        parts.read_at,
        blob.data_key,
        blob.version_id,
        blob.ciphertext_size,
        segment_size=blob.segment_size,
    )


def discard_blob(blob: EncryptedBlob) -> None:
    for name in blob.blob_names:
        delete_blob(name)
    StagedBlob.objects.filter(id__in=blob.staged_ids).delete()


def ingest_blob(blob: EncryptedBlob) -> IngestedFile:
    """Validate ``blob``; strip image metadata. On rejection the blob is deleted and re-raised."""
    try:
        detected = validate_upload(
            reader_for(blob),
            blob.plaintext_size,
            declared_content_type=blob.declared_content_type or None,
            filename=blob.filename or None,
        )
        if not detected.is_image:
            return IngestedFile(blob=blob, content_type=detected.content_type)
        content_type, chunks = strip_metadata(reader_for(blob), detected)
        writer = EncryptingBlobWriter(
            segment_size=blob.segment_size, version_id=blob.version_id, data_key=blob.data_key
        )
        try:
            for chunk in chunks:
                writer.write(chunk)
            clean = writer.finish(
                filename=blob.filename, declared_content_type=blob.declared_content_type
            )
        except Exception:
            writer.abort()
            raise
    except Exception:
        discard_blob(blob)
        raise
    discard_blob(blob)
    return IngestedFile(blob=clean, content_type=content_type)
