"""Ciphertext blobs in the configured storage (local disk or S3-compatible).

Only ciphertext ever passes through here. Writes stream (no whole file in memory); reads serve
``read_at(offset, length)`` for range decryption from one sequential stream that is reopened
only when a read jumps, so a full download is one request to S3, not one per segment.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import uuid
from collections.abc import Sequence
from typing import BinaryIO, Protocol

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction

from backend.core import clock
from backend.core.errors import ServiceUnavailable

logger = logging.getLogger("fairtrail.vault")
READ_AHEAD = 1024 * 1024


def blob_name_for(version_id: uuid.UUID, part: int | None = None) -> str:
    """Storage names carry no owner identity: only the random version id."""
    hex_id = version_id.hex
    suffix = "" if part is None else f".p{part:05d}"
    return f"vault/{hex_id[:2]}/{hex_id}{suffix}.ftv"


class BlobWriter(Protocol):
    def write(self, data: bytes) -> int: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


class _LocalWriter:
    """Writes to ``<path>.partial`` and renames on commit, so a crash never leaves a half blob."""

    def __init__(self, path: str) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.path = path
        self.partial = f"{path}.partial"
        self.handle: BinaryIO = open(self.partial, "wb")  # noqa: SIM115 - closed in commit/abort

    def write(self, data: bytes) -> int:
        return self.handle.write(data)

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        self.handle.close()
        if os.path.exists(self.partial):
            os.remove(self.partial)


class _StorageWriter:
    """Any other storage: django-storages' S3File streams a multipart upload as we write."""

    def __init__(self, name: str) -> None:
        self.handle = default_storage.open(name, "wb")
        self.name = name

    def write(self, data: bytes) -> int:
        self.handle.write(data)
        return len(data)

    def commit(self) -> None:
        self.handle.close()

    def abort(self) -> None:
        multipart = getattr(self.handle, "_multipart", None)
        if multipart is not None:
            multipart.abort()
            self.handle._multipart = None
            self.handle._is_dirty = False
            self.handle._raw_bytes_written = 1  # no empty object on close
        self.handle.close()
        delete_blob(self.name)


def open_writer(name: str) -> BlobWriter:
    try:
        if isinstance(default_storage, FileSystemStorage):
            return _LocalWriter(default_storage.path(name))
        return _StorageWriter(name)
    except OSError as exc:
        raise _unavailable() from exc


def _unavailable() -> ServiceUnavailable:
    from django.utils.translation import gettext as _

    return ServiceUnavailable(
        _("Document storage is unavailable. Nothing was saved; please try again later."),
        code="storage_unavailable",
    )


def open_stream(name: str, start: int = 0) -> BinaryIO:
    """A sequential reader of blob ``name`` from byte ``start``."""
    try:
        if isinstance(default_storage, FileSystemStorage):
            handle = open(default_storage.path(name), "rb")  # noqa: SIM115 - caller closes
            handle.seek(start)
            return handle
        key = default_storage._normalize_name(name)
        response = default_storage.bucket.Object(key).get(Range=f"bytes={start}-")
        return response["Body"]
    except Exception as exc:
        raise _unavailable() from exc


def delete_blob(name: str) -> None:
    # NotADirectoryError: a parent is a file, so the blob cannot exist either.
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        default_storage.delete(name)


def delete_blobs(names: Sequence[str]) -> None:
    """Delete many blobs (after commit). On local disk a plain unlink per file: the storage
    API's existence checks cost more than the deletes themselves."""
    if not isinstance(default_storage, FileSystemStorage):
        for name in names:
            delete_blob(name)
        return
    for name in names:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            os.unlink(default_storage.path(name))


def abort_quietly(writer: BlobWriter) -> bool:
    """Abort ``writer`` on a failure path without masking the original error. False when the
    storage could not confirm the delete (it is failing): the caller keeps its staged record so
    the purge deletes the blob later."""
    try:
        writer.abort()
    except Exception:
        logger.warning("could not discard a blob; the purge will retry", exc_info=True)
        return False
    return True


def delete_blobs_on_commit(names: Sequence[str]) -> None:
    """Delete blobs once the rows that pointed at them are gone for good.

    The names are recorded as ``StagedBlob`` rows in the caller's transaction, dated back past
    the unfinished-upload period, and those rows are removed once the blobs are. If the process
    dies after the commit but before the files are deleted (or the storage fails), the next
    ``vault.purge_expired_uploads`` (every 15 minutes) deletes them: a worker's deletion leaves
    no blob behind for more than a few minutes, not only when everything goes well.
    """
    from backend.vault.models import StagedBlob  # models import nothing from here; no cycle

    names = list(dict.fromkeys(names))
    if not names:
        return
    StagedBlob.objects.bulk_create(
        [StagedBlob(blob_name=name) for name in names], ignore_conflicts=True
    )
    due = clock.now() - dt.timedelta(hours=settings.VAULT_RESUMABLE_EXPIRY_HOURS + 1)
    StagedBlob.objects.filter(blob_name__in=names).update(created_at=due)

    def _delete() -> None:
        delete_blobs(names)
        StagedBlob.objects.filter(blob_name__in=names).delete()

    transaction.on_commit(_delete)


class PartsReader:
    """``read_at`` over the concatenation of blob parts, reusing one open stream."""

    def __init__(self, parts: Sequence[dict]) -> None:
        self.parts = [(p["name"], int(p["size"])) for p in parts]
        self.size = sum(size for _, size in self.parts)
        self._stream: BinaryIO | None = None
        self._stream_part = -1
        self._stream_pos = 0

    def _locate(self, offset: int) -> tuple[int, int]:
        base = 0
        for index, (_, size) in enumerate(self.parts):
            if offset < base + size:
                return index, offset - base
            base += size
        return len(self.parts), 0

    def read_at(self, offset: int, length: int) -> bytes:
        out = bytearray()
        while length > 0:
            index, inner = self._locate(offset)
            if index >= len(self.parts):
                break
            if self._stream is None or self._stream_part != index or self._stream_pos != inner:
                self.close()
                self._stream = open_stream(self.parts[index][0], inner)
                self._stream_part, self._stream_pos = index, inner
            want = min(length, self.parts[index][1] - inner)
            chunk = self._stream.read(want)
            if not chunk:
                break
            self._stream_pos += len(chunk)
            out += chunk
            offset += len(chunk)
            length -= len(chunk)
        return bytes(out)

    def has_trailing_bytes(self) -> bool:
        """True when the last stored part is longer than recorded (bytes appended to it)."""
        if not self.parts:
            return False
        name, size = self.parts[-1]
        try:
            stream = open_stream(name, size)
        except ServiceUnavailable:
            return False  # S3 answers 416 for a range that starts at the end: nothing appended
        try:
            return bool(stream.read(1))
        finally:
            stream.close()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        self._stream = None
        self._stream_part = -1
