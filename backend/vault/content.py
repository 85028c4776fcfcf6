"""Streaming decrypted downloads with HTTP Range support.

Only the segments a range needs are read and decrypted. The first segment is decrypted before
the response starts, so a tampered file usually fails with a clear error response; a failure
later in the stream aborts the connection (the client sees a short body against
Content-Length) — wrong bytes are never sent either way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from backend.core.errors import AppError
from backend.vault import keyring
from backend.vault.blobs import PartsReader
from backend.vault.crypto.errors import IntegrityError
from backend.vault.crypto.streaming import decrypt_range
from backend.vault.models import Document, DocumentVersion, TrailEvent, Vault
from backend.vault.services import document_access_record
from backend.vault.trail import trail_append

logger = logging.getLogger("fairtrail.vault")

STREAM_BATCH = 1024 * 1024
#: ASCII digits only, at most 18 (a byte offset fits in 64 bits; int() of a 5,000-digit value
#: would raise). A header that does not match is ignored: the whole file is sent.
RANGE_RE = re.compile(r"^bytes=([0-9]{0,18})-([0-9]{0,18})$")


class RangeNotSatisfiable(AppError):
    status_code = 416
    default_code = "range_not_satisfiable"


class ContentIntegrityError(AppError):
    status_code = 500
    default_code = "integrity_error"


@dataclass
class ContentStream:
    version: DocumentVersion
    start: int
    end: int  # exclusive
    chunks: Iterator[bytes]

    @property
    def partial(self) -> bool:
        return not (self.start == 0 and self.end == self.version.plaintext_size)

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def etag(self) -> str:
        return f'"{self.version.sha256}"'


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """One ``bytes=a-b`` range → (start, end exclusive). Multiple ranges: None (send it all)."""
    if not header or "," in header:
        return None
    match = RANGE_RE.match(header.strip())
    if not match or (not match[1] and not match[2]):
        return None
    if not match[1]:
        suffix = int(match[2])
        if suffix == 0:
            raise RangeNotSatisfiable(_("The requested range is empty."))
        return max(0, size - suffix), size
    start = int(match[1])
    end = min(int(match[2]) + 1, size) if match[2] else size
    if start >= size or end <= start:
        raise RangeNotSatisfiable(
            _("The requested range is outside the file."),
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, end


def record_integrity_failure(document: Document, version: DocumentVersion) -> None:
    logger.error("Integrity failure on stored file version %s", version.id)
    with transaction.atomic():
        vault = Vault.objects.select_for_update().get(owner_id=document.owner_id)
        trail_append(
            vault=vault,
            event=TrailEvent.INTEGRITY_FAILURE,
            document_id=document.id,
            version_id=version.id,
            sha256=version.sha256,
        )


def open_content(
    *,
    document: Document,
    version: DocumentVersion,
    range_header: str | None,
    if_range: str | None = None,
) -> ContentStream:
    size = version.plaintext_size
    etag = f'"{version.sha256}"'
    wanted = parse_range(range_header, size) if (not if_range or if_range == etag) else None
    start, end = wanted or (0, size)
    vault = Vault.objects.get(owner_id=document.owner_id)
    data_key = keyring.unwrap_data_key(vault, version.id, version.wrapped_data_key)
    reader = PartsReader(version.blob_parts)
    if reader.size != version.ciphertext_size:
        record_integrity_failure(document, version)
        raise ContentIntegrityError(_("This file is damaged in storage and cannot be served."))
    source = decrypt_range(
        reader.read_at,
        data_key,
        version.id,
        version.ciphertext_size,
        start=start,
        end=end,
        segment_size=version.segment_size,
    )

    try:
        first = next(source, b"")
    except IntegrityError:
        reader.close()
        record_integrity_failure(document, version)
        raise ContentIntegrityError(
            _("This file is damaged in storage and cannot be served.")
        ) from None

    def chunks() -> Iterator[bytes]:
        # Segments are small (64 KiB); hand the server ~1 MiB at a time to save syscalls.
        try:
            batch, batched = [first] if first else [], len(first)
            for piece in source:
                batch.append(piece)
                batched += len(piece)
                if batched >= STREAM_BATCH:
                    yield b"".join(batch)
                    batch, batched = [], 0
            if batch:
                yield b"".join(batch)
            if end == size and reader.has_trailing_bytes():
                raise IntegrityError("the stored ciphertext is longer than recorded")
        except IntegrityError:
            record_integrity_failure(document, version)
            raise
        finally:
            reader.close()

    return ContentStream(version=version, start=start, end=end, chunks=chunks())


def content_response(
    *, request, document: Document, version: DocumentVersion, disposition: str
) -> StreamingHttpResponse:
    """Stream ``version`` decrypted as the answer to ``request`` (Range and If-Range honoured)
    and write the download into the owner's trail. The API and the console both serve files
    through here, so every download is recorded the same way wherever it comes from."""
    stream = open_content(
        document=document,
        version=version,
        range_header=request.headers.get("Range"),
        if_range=request.headers.get("If-Range"),
    )
    document_access_record(
        document=document,
        actor=request.user,
        event=TrailEvent.DOWNLOAD,
        data={"range": [stream.start, stream.end]} if stream.partial else {},
    )
    response = StreamingHttpResponse(
        stream.chunks, content_type=version.content_type, status=206 if stream.partial else 200
    )
    response["Content-Length"] = str(stream.length)
    response["ETag"] = stream.etag
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    if stream.partial:
        response["Content-Range"] = (
            f"bytes {stream.start}-{stream.end - 1}/{version.plaintext_size}"
        )
    return response
