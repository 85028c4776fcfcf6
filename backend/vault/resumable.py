"""Resumable uploads (tus 1.0: core, creation, checksum, expiration, termination).

Each PATCH body is encrypted as it is read and stored as one more ciphertext *part*; the parts
concatenated form the final ciphertext, so completing an upload copies nothing. Whole segments
are encrypted straight away; bytes after the last whole segment are kept as a *sealed tail*
(AES-GCM under the upload's data key) until the next PATCH brings the rest of that segment. The
acknowledged ``Upload-Offset`` therefore always equals every byte received: a client resumes
from it without re-sending anything. Plaintext is never written anywhere.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import UnreadablePostError
from django.utils.translation import gettext as _

from backend.audit.services import audit_record
from backend.core import clock
from backend.core.errors import AppError, Conflict, NotFound
from backend.vault import keyring
from backend.vault.blobs import abort_quietly, blob_name_for, delete_blob, open_writer
from backend.vault.crypto import fields, keys
from backend.vault.crypto.resume import SegmentEncryptor
from backend.vault.crypto.streaming import StreamEncryptor
from backend.vault.hashing import ParallelSha256
from backend.vault.models import ResumableUpload, StagedBlob
from backend.vault.purging import blob_deletions_finish
from backend.vault.uploads import EncryptedBlob, max_upload_bytes, segment_size_for

CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
READ_CHUNK = 256 * 1024


class UploadGone(AppError):
    status_code = 410
    default_code = "upload_expired"


class ChecksumMismatch(AppError):
    status_code = 460
    default_code = "checksum_mismatch"


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


def parse_checksum(header: str | None) -> Checksum | None:
    if not header:
        return None
    algorithm, _sep, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise AppError(_("Unsupported checksum algorithm."), code="unsupported_checksum")
    try:
        return Checksum(algorithm, base64.b64decode(encoded, validate=True))
    except ValueError:
        raise AppError(_("The checksum is not valid base64."), code="malformed_checksum") from None


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata: key base64value,key2 base64value2`` → dict (bad pairs are an error)."""
    out: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _sep, value = pair.partition(" ")
        try:
            out[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except ValueError:
            raise AppError(_("Upload-Metadata is malformed."), code="malformed_metadata") from None
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in out[key]):
            # NUL and other control characters: PostgreSQL cannot store NUL in text (a 500),
            # and nothing legitimate in a file name or type contains them.
            raise AppError(
                _("Upload-Metadata contains control characters."), code="malformed_metadata"
            )
    return out


def _tail_key(data_key: bytes) -> bytes:
    """A key of its own for the sealed tail (HKDF from the data key; the data key itself only
    feeds the stream's segment-key derivation)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"fairtrail:tus-tail:v1"
    ).derive(data_key)


def _tail_context(upload: ResumableUpload) -> bytes:
    return b"tus-tail:" + upload.id.bytes


def _data_key(upload: ResumableUpload) -> bytes:
    vault = keyring.vault_get_or_create(upload.owner)
    return keyring.unwrap_data_key(vault, upload.version_id, upload.wrapped_data_key)


def resumable_upload_create(*, owner, length: int, metadata: dict[str, str]) -> ResumableUpload:
    if length > max_upload_bytes():
        raise AppError(_("The file is too large."), code="file_too_large", status=413)
    if length <= 0:
        raise AppError(
            _("The file is empty."),
            code="empty_file",
            fields={"Upload-Length": [_("Must be at least 1 byte.")]},
        )
    version_id = uuid.uuid4()
    data_key = keys.new_key()
    vault = keyring.vault_get_or_create(owner)
    segment_size = segment_size_for(length)
    header = StreamEncryptor(data_key, version_id, segment_size, digest=False).header()
    # Only the extension is used; a client's folder ("C:\\Users\\..", "../..") is not.
    filename = metadata.get("filename", "").replace("\\", "/").rsplit("/", 1)[-1]
    upload = ResumableUpload(
        owner=owner,
        length=length,
        version_id=version_id,
        declared_content_type=(metadata.get("filetype") or metadata.get("content_type", ""))[:100],
        declared_extension=filename.rsplit(".", 1)[-1][:16].lower() if "." in filename else "",
        wrapped_data_key=keyring.wrap_data_key(vault, version_id, data_key),
        header=header,
        segment_size=segment_size,
        expires_at=clock.now() + dt.timedelta(hours=settings.VAULT_RESUMABLE_EXPIRY_HOURS),
    )
    name = blob_name_for(version_id, part=0)
    writer = open_writer(name)
    try:
        writer.write(header)
        writer.commit()
    except Exception:
        abort_quietly(writer)
        raise
    upload.parts = [{"name": name, "size": len(header)}]
    upload.save(force_insert=True)
    audit_record(action="vault.upload_started", actor=owner, target=upload)
    return upload


def resumable_upload_get(*, owner, upload_id, lock: bool = False) -> ResumableUpload:
    uploads = ResumableUpload.objects.select_for_update() if lock else ResumableUpload.objects
    upload = uploads.filter(pk=upload_id, owner=owner).first()
    if upload is None:
        raise NotFound(_("Upload not found."))
    if upload.expires_at <= clock.now():
        raise UploadGone(_("This upload has expired. Please start again."))
    return upload


def resumable_upload_append(
    *,
    owner,
    upload_id,
    offset: int,
    read: Callable[[int], bytes],
    body_length: int | None,
    checksum: Checksum | None,
) -> ResumableUpload:
    """Append one PATCH body read through ``read(n)``; returns the upload with its new offset.

    No transaction stays open while the body arrives (a slow phone would pin a connection and,
    on SQLite, the whole database): a short conditional UPDATE takes a *lease* on the upload at
    the expected offset, the body is encrypted and stored as a new part, and a second
    conditional UPDATE — valid only for the lease holder at that offset — records the part.
    Only the lease holder seals segments from that offset, so a segment is never sealed twice
    with different plaintext. If recording fails, the stored part is deleted.
    """
    upload, token = _lease(owner=owner, upload_id=upload_id, offset=offset)
    stored: list[str] = []
    try:
        remaining = upload.length - upload.offset
        if body_length is not None and body_length > remaining:
            raise AppError(
                _("The chunk goes past the declared Upload-Length."),
                code="upload_length_exceeded",
                status=413,
            )
        changes = _encrypt_body(upload, read, body_length, checksum, stored)
        recorded = ResumableUpload.objects.filter(
            pk=upload.pk, lease_token=token, offset=upload.offset
        ).update(lease_token=None, lease_until=None, **changes)
        if not recorded:
            raise Conflict(
                _("This upload changed meanwhile; ask for its offset and resume."),
                code="upload_busy",
            )
    except BaseException:
        # Release the lease first: a failing storage must not leave the upload locked.
        ResumableUpload.objects.filter(pk=upload.pk, lease_token=token).update(
            lease_token=None, lease_until=None
        )
        for name in stored:
            with contextlib.suppress(Exception):  # the next PATCH overwrites this part
                delete_blob(name)
        raise
    for name, value in changes.items():
        setattr(upload, name, value)
    return upload


def _lease(*, owner, upload_id, offset: int) -> tuple[ResumableUpload, uuid.UUID]:
    now = clock.now()
    token = uuid.uuid4()
    taken = (
        ResumableUpload.objects.filter(pk=upload_id, owner=owner, offset=offset, expires_at__gt=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_token=token,
            lease_until=now + dt.timedelta(seconds=settings.VAULT_TUS_LEASE_SECONDS),
        )
    )
    upload = resumable_upload_get(owner=owner, upload_id=upload_id)  # 404 / 410 first
    if not taken:
        if upload.offset != offset:
            raise Conflict(
                _("Upload-Offset does not match the stored offset %(offset)d.")
                % {"offset": upload.offset},
                code="offset_mismatch",
            )
        raise Conflict(
            _("Another request is writing to this upload; try again shortly."), code="upload_busy"
        )
    return upload, token


def _encrypt_body(upload, read, body_length, checksum, stored: list[str]) -> dict[str, Any]:
    """Encrypt the body (after the sealed tail) into a new part; return the row's new values."""
    remaining = upload.length - upload.offset
    data_key = _data_key(upload)
    tail_key = _tail_key(data_key)
    tail = fields.open_bytes(tail_key, upload.sealed_tail, context=_tail_context(upload)) or b""
    encryptor = SegmentEncryptor(
        data_key,
        upload.version_id,
        bytes(upload.header),
        total_size=upload.length,
        segment_size=upload.segment_size,
        plaintext_offset=upload.offset - len(tail),
    )
    body = _checked_body(read, body_length, remaining, checksum) if checksum else None
    name = blob_name_for(upload.version_id, part=len(upload.parts))
    writer = open_writer(name)
    written = received = 0
    try:
        written += writer.write(encryptor.feed(tail))
        if body is not None:
            received = len(body)
            for start in range(0, received, READ_CHUNK):
                written += writer.write(encryptor.feed(body[start : start + READ_CHUNK]))
        while body is None and received < remaining:
            try:
                chunk = read(min(READ_CHUNK, remaining - received))
            except (OSError, UnreadablePostError):
                break  # the connection dropped: keep every byte that did arrive
            if not chunk:
                break
            received += len(chunk)
            written += writer.write(encryptor.feed(chunk))
        if upload.offset + received == upload.length:
            written += writer.write(encryptor.finish())
    except BaseException:
        abort_quietly(writer)
        raise
    parts = upload.parts
    if written:
        try:
            writer.commit()
        except BaseException:
            abort_quietly(writer)
            raise
        stored.append(name)
        parts = [*parts, {"name": name, "size": written}]
    else:
        writer.abort()
    pending = encryptor.pending()
    offset = upload.offset + received
    return {
        "offset": offset,
        "parts": parts,
        "sealed_tail": fields.seal_bytes(tail_key, pending, context=_tail_context(upload))
        if pending
        else None,
        "completed_at": clock.now() if offset == upload.length else None,
    }


def _checked_body(
    read: Callable[[int], bytes], body_length: int | None, remaining: int, checksum: Checksum
) -> bytes:
    """Read a checksummed PATCH body whole and verify it *before* anything is encrypted.

    Segment nonces are deterministic (segment index), so ciphertext of corrupted bytes must
    never exist: a resend with the right bytes would reuse the nonce. Checksummed chunks are
    therefore capped at ``VAULT_TUS_CHECKSUM_MAX_CHUNK`` (bounded memory).
    """
    cap = settings.VAULT_TUS_CHECKSUM_MAX_CHUNK
    if body_length is None or body_length > cap:
        raise AppError(
            _("Chunks with Upload-Checksum may be at most %(cap)d bytes.") % {"cap": cap},
            code="chunk_too_large",
            status=413,
        )
    body = bytearray()
    while len(body) < min(body_length, remaining):
        chunk = read(min(READ_CHUNK, body_length - len(body)))
        if not chunk:
            break
        body += chunk
    digest = CHECKSUM_ALGORITHMS[checksum.algorithm](bytes(body)).digest()
    if digest != checksum.digest:
        raise ChecksumMismatch(_("The chunk's checksum does not match; send it again."))
    return bytes(body)


def resumable_upload_terminate(*, owner, upload_id) -> None:
    upload = ResumableUpload.objects.filter(pk=upload_id, owner=owner).first()
    if upload is None:
        raise NotFound(_("Upload not found."))
    _delete_upload(upload)


def _delete_upload(upload: ResumableUpload) -> None:
    names = [part["name"] for part in upload.parts]
    # The part a killed PATCH was writing: ``<name>.partial`` (local disk) or ``<name>``.
    next_part = blob_name_for(upload.version_id, part=len(upload.parts))
    names += [next_part, f"{next_part}.partial"]
    upload.delete()
    for name in names:
        delete_blob(name)


def resumable_upload_claim(*, owner, upload_id) -> EncryptedBlob:
    """Hand a completed upload to the document service (once). Its parts become a staged blob."""
    with transaction.atomic():
        upload = (
            ResumableUpload.objects.select_for_update().filter(pk=upload_id, owner=owner).first()
        )
        if upload is None:
            raise NotFound(_("Upload not found."), fields={"upload_id": [_("Unknown upload.")]})
        if upload.completed_at is None:
            raise Conflict(_("This upload is not complete yet."), code="upload_incomplete")
        data_key = _data_key(upload)
        staged = [StagedBlob(blob_name=part["name"]) for part in upload.parts]
        StagedBlob.objects.bulk_create(staged)
        blob = EncryptedBlob(
            version_id=upload.version_id,
            data_key=data_key,
            parts=list(upload.parts),
            plaintext_size=upload.length,
            ciphertext_size=sum(int(p["size"]) for p in upload.parts),
            segment_size=upload.segment_size,
            sha256="",
            filename=f"upload.{upload.declared_extension}" if upload.declared_extension else "",
            declared_content_type=upload.declared_content_type,
            staged_ids=[s.id for s in staged],
        )
        upload.delete()
    blob.sha256 = plaintext_sha256(blob)
    return blob


def plaintext_sha256(blob: EncryptedBlob) -> str:
    """Hash the plaintext by decrypting the stored ciphertext (also proves it is intact)."""
    from backend.vault.ingest import discard_blob, reader_for

    digest = ParallelSha256()
    reader = reader_for(blob)
    try:
        while chunk := reader.read(1024 * 1024):
            digest.update(chunk)
        return digest.hexdigest()
    except Exception:
        discard_blob(blob)
        raise
    finally:
        digest.close()


def resumable_uploads_purge_expired(
    *, limit: int = 500, max_age: dt.timedelta | None = None
) -> int:
    """Delete expired uploads and their parts. Idempotent; safe to run concurrently.

    ``max_age`` (the retention schedule's ``unfinished_upload`` rule) also removes uploads and
    staged blobs older than that when it is shorter than ``VAULT_RESUMABLE_EXPIRY_HOURS``.
    """
    now = clock.now()
    period = dt.timedelta(hours=settings.VAULT_RESUMABLE_EXPIRY_HOURS)
    if max_age is not None:
        period = min(period, max_age)
    expired = Q(expires_at__lte=now) | Q(created_at__lt=now - period)
    purged = 0
    for upload in ResumableUpload.objects.filter(expired)[:limit]:
        _delete_upload(upload)
        purged += 1
    cutoff = now - period
    for staged in StagedBlob.objects.filter(created_at__lt=cutoff)[:limit]:
        delete_blob(staged.blob_name)
        delete_blob(f"{staged.blob_name}.partial")
        staged.delete()
        purged += 1
    return purged + blob_deletions_finish(now=now, limit=limit)
