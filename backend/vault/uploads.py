"""Encrypt-as-it-arrives upload handling for single-request (multipart) uploads.

Django's default handlers spool uploads to a plaintext temporary file. ``EncryptingUploadHandler``
replaces them for vault endpoints: each chunk is encrypted the moment it arrives and streamed to
storage as ciphertext under a fresh data key that exists only in memory until the service wraps
it. Memory stays bounded by one segment plus one read chunk.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

from backend.vault.blobs import (
    BlobWriter,
    abort_quietly,
    blob_name_for,
    delete_blob,
    open_writer,
)
from backend.vault.crypto import keys
from backend.vault.crypto.streaming import SEGMENT_SIZE, StreamEncryptor
from backend.vault.hashing import ParallelSha256
from backend.vault.models import StagedBlob

UPLOAD_FIELD = "file"


@dataclass
class EncryptedBlob:
    """A ciphertext already in storage plus the in-memory data key that opens it."""

    version_id: uuid.UUID
    data_key: bytes
    parts: list[dict]
    plaintext_size: int
    ciphertext_size: int
    segment_size: int
    sha256: str
    filename: str = ""
    declared_content_type: str = ""
    staged_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def blob_names(self) -> list[str]:
        return [part["name"] for part in self.parts]


class EncryptedUpload(UploadedFile):
    """What lands in ``request.FILES``: a handle on the encrypted blob, never the bytes."""

    def __init__(self, blob: EncryptedBlob) -> None:
        super().__init__(
            file=None,
            name=blob.filename,
            content_type=blob.declared_content_type,
            size=blob.plaintext_size,
        )
        self.blob = blob

    def open(self, mode=None):  # pragma: no cover - the plaintext is not reachable this way
        raise OSError("Encrypted uploads cannot be read directly.")


def too_large():
    from django.utils.translation import gettext as _

    from backend.vault.validation import UploadRejected

    mib = max_upload_bytes() / (1024 * 1024)
    return UploadRejected(
        _("The file is larger than %(mib).0f MB. Send a smaller file or a clearer scan.")
        % {"mib": mib},
        code="file_too_large",
        status=413,
    )


def max_upload_bytes() -> int:
    return int(getattr(settings, "VAULT_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))


LARGE_FILE = 4 * 1024 * 1024
LARGE_SEGMENT = 1024 * 1024


def segment_size_for(size: int | None) -> int:
    """64 KiB segments for small files (cheap ranges), 1 MiB for large ones: per-segment
    overhead then vanishes and downloads run near raw AES-GCM speed (docs/performance.md)."""
    return LARGE_SEGMENT if size and size >= LARGE_FILE else SEGMENT_SIZE


class EncryptingBlobWriter:
    """Streams plaintext in, ciphertext out to one new blob; tracks a staged record for cleanup."""

    def __init__(
        self,
        *,
        segment_size: int | None = None,
        version_id: uuid.UUID | None = None,
        data_key: bytes | None = None,
    ) -> None:
        self.version_id = version_id or uuid.uuid4()
        self.data_key = data_key or keys.new_key()
        self.segment_size = segment_size or SEGMENT_SIZE
        self.name = blob_name_for(uuid.uuid4())
        self.staged = StagedBlob.objects.create(blob_name=self.name)
        self.hasher = ParallelSha256()
        self.encryptor = StreamEncryptor(
            self.data_key, self.version_id, self.segment_size, digest=False
        )
        self.writer: BlobWriter | None = None
        self.ciphertext_size = 0
        self.aborted = False
        try:
            self.writer = open_writer(self.name)
            self._write(self.encryptor.header())
        except Exception:
            self.abort()
            raise

    def _write(self, data: bytes) -> None:
        if data:
            try:
                self.writer.write(data)
            except Exception:  # storage failing mid-file (disk full, S3 gone): no half blob
                self.abort()
                raise
            self.ciphertext_size += len(data)

    def write(self, plaintext: bytes) -> None:
        self.hasher.update(plaintext)
        self._write(self.encryptor.update(plaintext))

    def finish(self, *, filename: str = "", declared_content_type: str = "") -> EncryptedBlob:
        self._write(self.encryptor.finalize())
        try:
            self.writer.commit()
        except Exception:
            self.abort()
            raise
        sha256 = self.hasher.hexdigest()
        self.hasher.close()
        return EncryptedBlob(
            version_id=self.version_id,
            data_key=self.data_key,
            parts=[{"name": self.name, "size": self.ciphertext_size}],
            plaintext_size=self.encryptor.plaintext_size,
            ciphertext_size=self.ciphertext_size,
            segment_size=self.segment_size,
            sha256=sha256,
            filename=filename,
            declared_content_type=declared_content_type,
            staged_ids=[self.staged.id],
        )

    def abort(self) -> None:
        """Delete what was written. Never raises: if the storage cannot confirm the delete, the
        staged record stays and ``vault.purge_expired_uploads`` deletes the blob later."""
        if self.aborted:
            return
        self.aborted = True
        self.hasher.close()
        if self.writer is not None and not abort_quietly(self.writer):
            return
        try:
            delete_blob(self.name)
        except Exception:
            return
        StagedBlob.objects.filter(id=self.staged.id).delete()


class EncryptingUploadHandler(FileUploadHandler):
    """Accepts exactly one file, in the ``file`` field; rejects oversized uploads early."""

    chunk_size = 256 * 1024

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.blob_writer: EncryptingBlobWriter | None = None
        self.received = 0
        self.extra_files = False
        self.ignoring = False
        self.content_length: int | None = None
        self.completed: EncryptedBlob | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        limit = max_upload_bytes() + 64 * 1024  # room for the other form fields
        if content_length and content_length > limit:
            raise too_large()
        self.content_length = content_length

    def new_file(
        self,
        field_name,
        file_name,
        content_type,
        content_length,
        charset=None,
        content_type_extra=None,
    ):
        super().new_file(
            field_name, file_name, content_type, content_length, charset, content_type_extra
        )
        self.ignoring = field_name != UPLOAD_FIELD or self.completed is not None
        if self.ignoring:  # only one file per request, in the ``file`` field; drop the rest
            self.extra_files = True
            return
        self.blob_writer = EncryptingBlobWriter(segment_size=segment_size_for(self.content_length))
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        if self.ignoring or self.blob_writer is None:
            return None
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            self.discard()
            raise too_large()
        self.blob_writer.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.ignoring or self.blob_writer is None:
            return None
        blob = self.blob_writer.finish(
            filename=self.file_name or "", declared_content_type=self.content_type or ""
        )
        self.blob_writer = None
        self.completed = blob
        return EncryptedUpload(blob)

    def upload_interrupted(self):
        self.discard()

    def discard(self) -> None:
        if self.blob_writer is not None:
            self.blob_writer.abort()
            self.blob_writer = None
