"""Vault writes. Each runs in one transaction, holds the owner's vault row lock while it appends
to the trail, and records an audit event. Blob deletions happen only after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.audit.services import audit_record
from backend.core import clock
from backend.core.errors import AppError, NotFound
from backend.notifications.services import notify
from backend.vault import keyring
from backend.vault.blobs import delete_blobs_on_commit
from backend.vault.crypto.signing import sign_payload
from backend.vault.ingest import IngestedFile, discard_blob, ingest_blob
from backend.vault.models import (
    Document,
    DocumentVersion,
    Grant,
    StagedBlob,
    TrailEntry,
    TrailEvent,
    Vault,
)
from backend.vault.policies import can_be_grantee
from backend.vault.purging import documents_purge
from backend.vault.trail import trail_append
from backend.vault.uploads import EncryptedBlob

logger = logging.getLogger("fairtrail.vault")

#: Free-text and structured fields that are sealed with the worker key (never stored in clear).
SEALED_FIELDS = ("title", "issuer_name", "notes", "details")


def _locked_vault(owner: User) -> Vault:
    vault = keyring.vault_get_or_create(owner)
    return Vault.objects.select_for_update().get(pk=vault.pk)


def _sign_receipt(
    *, vault: Vault, document: Document, version: DocumentVersion, entry: TrailEntry
) -> dict[str, Any]:
    payload = {
        "type": "fairtrail.upload_receipt",
        "format": 1,
        "document_id": str(document.id),
        "version_id": str(version.id),
        "version": version.number,
        "kind": document.kind,
        "sha256": version.sha256,
        "size": version.plaintext_size,
        "content_type": version.content_type,
        "owner": vault.pseudonym,
        "server_time": entry.at.isoformat(),
        "trail_position": entry.position,
        "trail_hash": entry.entry_hash,
    }
    return sign_payload(payload)


def _store_version(
    *, vault: Vault, document: Document, ingested, actor: User, event: str
) -> DocumentVersion:
    blob: EncryptedBlob = ingested.blob
    number = document.version_count + 1
    version = DocumentVersion(
        id=blob.version_id,
        document=document,
        number=number,
        blob_parts=blob.parts,
        content_type=ingested.content_type,
        plaintext_size=blob.plaintext_size,
        ciphertext_size=blob.ciphertext_size,
        segment_size=blob.segment_size,
        sha256=blob.sha256,
        wrapped_data_key=keyring.wrap_data_key(vault, blob.version_id, blob.data_key),
    )
    version.save(force_insert=True)
    entry = trail_append(
        vault=vault,
        event=event,
        actor=actor,
        document_id=document.id,
        version_id=version.id,
        sha256=version.sha256,
        data={"kind": document.kind, "version": number},
    )
    version.receipt = _sign_receipt(vault=vault, document=document, version=version, entry=entry)
    version.save(update_fields=["receipt"])
    document.current_version = version
    document.version_count = number
    document.save(update_fields=["current_version", "version_count", "updated_at"])
    StagedBlob.objects.filter(id__in=blob.staged_ids).delete()
    return version


def document_create(
    *,
    owner: User,
    blob: EncryptedBlob,
    kind: str,
    meta: dict[str, Any],
    agency=None,
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
) -> Document:
    """Validate the uploaded blob, then store document, first version, trail entry and receipt."""
    with _ingested(blob) as ingested, transaction.atomic():
        vault = _locked_vault(owner)
        document = Document(
            owner=owner,
            kind=kind,
            agency=agency,
            issued_on=issued_on,
            expires_on=expires_on,
            kind_at_upload=kind,
            agency_at_upload=agency,
        )
        document.sealed_meta = keyring.seal_meta(vault, document.id, _clean_meta(meta))
        document.save(force_insert=True)
        _store_version(
            vault=vault, document=document, ingested=ingested, actor=owner, event=TrailEvent.UPLOAD
        )
        audit_record(action="vault.document_created", actor=owner, target=document)
    return document


@contextmanager
def _ingested(blob: EncryptedBlob) -> Iterator[IngestedFile]:
    """Validate and clean ``blob``; if anything after that fails, delete what was stored."""
    ingested = ingest_blob(blob)
    try:
        yield ingested
    except BaseException:
        discard_blob(ingested.blob)
        raise


def document_version_add(
    *, owner: User, document: Document, blob: EncryptedBlob
) -> DocumentVersion:
    with _ingested(blob) as ingested, transaction.atomic():
        vault = _locked_vault(owner)
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.owner_id != owner.pk or document.is_deleted:
            raise NotFound(_("Document not found."))
        version = _store_version(
            vault=vault,
            document=document,
            ingested=ingested,
            actor=owner,
            event=TrailEvent.NEW_VERSION,
        )
        audit_record(action="vault.version_added", actor=owner, target=document)
    return version


def _clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in meta.items()
        if key in SEALED_FIELDS and value not in (None, "", {})
    }


def document_update(*, owner: User, document: Document, changes: dict[str, Any]) -> Document:
    """Change metadata. Sealed fields are re-encrypted; the trail records which fields changed."""
    with transaction.atomic():
        vault = _locked_vault(owner)
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.owner_id != owner.pk or document.is_deleted:
            raise NotFound(_("Document not found."))
        changed = sorted(changes)
        sealed_changes = {k: v for k, v in changes.items() if k in SEALED_FIELDS}
        if changes.get("kind", document.kind) != document.kind and "details" not in changes:
            sealed_changes["details"] = {}  # structured details belong to one kind only
        if sealed_changes:
            meta = keyring.open_meta(vault, document.id, document.sealed_meta)
            meta.update(sealed_changes)
            document.sealed_meta = keyring.seal_meta(vault, document.id, _clean_meta(meta))
        for name in ("kind", "agency", "issued_on", "expires_on"):
            if name in changes:
                setattr(document, name, changes[name])
        document.save()
        trail_append(
            vault=vault,
            event=TrailEvent.METADATA_UPDATE,
            actor=owner,
            document_id=document.id,
            data={"fields": changed},
        )
        audit_record(action="vault.document_updated", actor=owner, target=document, fields=changed)
    return document


def document_delete(*, owner: User, document: Document) -> None:
    """Tombstone: destroy every version's data key (crypto-shredding), then delete the blobs.

    The trail keeps the hashes and the event, so the document's existence stays provable.
    """
    with transaction.atomic():
        vault = _locked_vault(owner)
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.owner_id != owner.pk or document.is_deleted:
            raise NotFound(_("Document not found."))
        now = clock.now()
        versions = list(document.versions.all())
        # The receipt goes too: it describes a file nobody can read any more (kind, size,
        # time); the trail keeps the hash that proves it existed.
        DocumentVersion.objects.filter(document=document).update(
            wrapped_data_key=None, key_destroyed_at=now, receipt={}
        )
        document.deleted_at = now
        document.sealed_meta = None
        document.save(update_fields=["deleted_at", "sealed_meta", "updated_at"])
        current = document.current_version
        trail_append(
            vault=vault,
            event=TrailEvent.DELETE,
            actor=owner,
            document_id=document.id,
            version_id=current.id if current else None,
            sha256=current.sha256 if current else "",
            data={"versions": len(versions)},
        )
        audit_record(action="vault.document_deleted", actor=owner, target=document)
        delete_blobs_on_commit([p["name"] for v in versions for p in v.blob_parts])


def document_purge(*, document: Document, reason: str) -> bool:
    """System erasure of one document; see ``documents_purge``. Waits for the locks.

    Idempotent: returns False (and changes nothing) if the document is already deleted.
    """
    return bool(documents_purge(documents=Document.objects.filter(pk=document.pk), reason=reason))


def document_access_record(
    *, document: Document, actor: User, event: str, data: dict[str, Any] | None = None
) -> TrailEntry:
    """Write a view/download by anyone into the owner's trail (own transaction, committed)."""
    with transaction.atomic():
        vault = Vault.objects.select_for_update().get(owner_id=document.owner_id)
        version = document.current_version
        entry = trail_append(
            vault=vault,
            event=event,
            actor=actor,
            document_id=document.id,
            version_id=version.id if version else None,
            sha256=version.sha256 if version else "",
            data=data or {},
        )
        if actor.pk != document.owner_id:
            # One notice per document, person and day: ranged downloads and re-opens of the
            # same file do not each buzz the owner's phone.
            notify(
                event="vault.document_opened",
                event_key=f"vault.document_opened:{document.id}:{actor.pk}:{entry.at.date()}",
                recipients=[vault.owner],
                data={"document_id": str(document.id), "trail_entry_id": str(entry.id)},
            )
        return entry


@dataclass(frozen=True)
class GrantRequest:
    grantee_username: str
    document_ids: list[uuid.UUID]
    expires_at: dt.datetime | None = None


def grant_create(*, owner: User, request: GrantRequest) -> Grant:
    now = clock.now()
    expires_at = request.expires_at or now + dt.timedelta(days=settings.VAULT_GRANT_DEFAULT_DAYS)
    if expires_at <= now:
        raise AppError(
            _("The expiry must be in the future."),
            code="validation_error",
            fields={"expires_at": [_("Must be in the future.")]},
        )
    if expires_at > now + dt.timedelta(days=settings.VAULT_GRANT_MAX_DAYS):
        raise AppError(
            _("Sharing can last at most %(days)d days.") % {"days": settings.VAULT_GRANT_MAX_DAYS},
            code="validation_error",
            fields={"expires_at": [_("Too far in the future.")]},
        )
    grantee = User.objects.filter(username=request.grantee_username, is_active=True).first()
    if grantee is None or not can_be_grantee(grantee) or grantee.pk == owner.pk:
        raise AppError(
            _("No caseworker or inspector with that username."),
            code="validation_error",
            fields={"grantee": [_("Unknown caseworker or inspector.")]},
        )
    ids = list(dict.fromkeys(request.document_ids))
    documents = list(Document.objects.filter(owner=owner, id__in=ids, deleted_at__isnull=True))
    if not ids or len(documents) != len(ids):
        raise AppError(
            _("Choose at least one of your documents."),
            code="validation_error",
            fields={"document_ids": [_("Unknown document.")]},
        )
    with transaction.atomic():
        vault = _locked_vault(owner)
        grant = Grant.objects.create(owner=owner, grantee=grantee, expires_at=expires_at)
        grant.documents.set(documents)
        for document in documents:
            trail_append(
                vault=vault,
                event=TrailEvent.SHARE,
                actor=owner,
                document_id=document.id,
                data={
                    "grant": str(grant.id),
                    "grantee_role": grantee.role,
                    "grantee_ref": str(grantee.pk),
                    "expires_at": expires_at.isoformat(),
                },
            )
        audit_record(
            action="vault.grant_created",
            actor=owner,
            target=grant,
            grantee=str(grantee.pk),
            documents=len(documents),
        )
        notify(
            event="vault.document_shared",
            event_key=f"vault.grant_created:{grant.id}",
            recipients=[grantee],
            data={"grant_id": str(grant.id), "documents": len(documents)},
        )
    return grant


def grant_revoke(*, owner: User, grant: Grant) -> Grant:
    with transaction.atomic():
        vault = _locked_vault(owner)
        grant = Grant.objects.select_for_update().get(pk=grant.pk)
        if grant.owner_id != owner.pk:
            raise NotFound(_("Grant not found."))
        if _revoke_locked(vault=vault, grant=grant, actor=owner):
            audit_record(action="vault.grant_revoked", actor=owner, target=grant)
    return grant


def _revoke_locked(*, vault: Vault, grant: Grant, actor: User | None, **data: str) -> bool:
    """Revoke a locked grant once; one REVOKE trail entry per document. False if already."""
    if grant.revoked_at is not None:
        return False
    grant.revoked_at = clock.now()
    grant.save(update_fields=["revoked_at", "updated_at"])
    for document_id in grant.documents.values_list("id", flat=True):
        trail_append(
            vault=vault,
            event=TrailEvent.REVOKE,
            actor=actor,
            document_id=document_id,
            data={"grant": str(grant.id), **data},
        )
    return True


def vault_shred(*, owner: User, actor: User | None = None) -> None:
    """Destroy the worker key: every file of this worker becomes unreadable at once."""
    with transaction.atomic():
        vault = _locked_vault(owner)
        now = clock.now()
        vault.wrapped_key = None
        vault.key_destroyed_at = now
        vault.save(update_fields=["wrapped_key", "key_destroyed_at"])
        DocumentVersion.objects.filter(document__owner=owner).update(
            wrapped_data_key=None, key_destroyed_at=now
        )
        audit_record(action="vault.shredded", actor=actor, target=vault)


@dataclass(frozen=True)
class RewrapResult:
    rewrapped: int
    remaining: int


def vaults_rewrap_with_current_master(*, batch_size: int = 500) -> RewrapResult:
    """Master-key rotation: re-wrap worker keys in small locked batches until none are stale."""
    from backend.core.keys import master_key_provider

    current = master_key_provider().current_key_id()
    stale = Vault.objects.exclude(master_key_id=current).filter(key_destroyed_at__isnull=True)
    rewrapped = 0
    while True:
        with transaction.atomic():
            batch = list(stale.select_for_update(skip_locked=True).order_by("id")[:batch_size])
            if not batch:
                break
            for vault in batch:
                rewrapped += keyring.vault_rewrap_with_current_master(vault)
            audit_record(action="vault.master_key_rotated", count=len(batch), key_id=current)
    return RewrapResult(rewrapped=rewrapped, remaining=stale.count())


# --- Grants made by another domain on the owner's behalf (complaints) --------------------------


def grant_create_for_case(
    *,
    owner: User,
    grantee: User,
    documents: list[Document],
    expires_at: dt.datetime,
    actor: User | None,
    case_ref: str,
) -> Grant:
    """Share ``documents`` with ``grantee`` because of a case the owner opened (a complaint).

    Unlike :func:`grant_create` the caller has already checked who may see what; the owner's
    trail records the share with ``actor`` (who caused it) and ``case_ref`` (an id, no text).
    An empty ``documents`` list is allowed: the grant then waits for evidence.
    """
    if not can_be_grantee(grantee) or grantee.pk == owner.pk:
        raise AppError(_("This person cannot receive documents."), code="validation_error")
    with transaction.atomic():
        vault = _locked_vault(owner)
        grant = Grant.objects.create(owner=owner, grantee=grantee, expires_at=expires_at)
        _grant_share(vault=vault, grant=grant, documents=documents, actor=actor, case_ref=case_ref)
        audit_record(
            action="vault.grant_created",
            actor=actor,
            target=grant,
            grantee=str(grantee.pk),
            documents=len(documents),
            case=case_ref,
        )
    return grant


def grant_documents_add(
    *, grant: Grant, documents: list[Document], actor: User | None, case_ref: str
) -> int:
    """Add documents to a live case grant (new evidence). Returns how many were new."""
    with transaction.atomic():
        vault = _locked_vault(grant.owner)
        grant = Grant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            return 0
        present = set(grant.documents.values_list("id", flat=True))
        new = [d for d in documents if d.pk not in present and d.owner_id == grant.owner_id]
        _grant_share(vault=vault, grant=grant, documents=new, actor=actor, case_ref=case_ref)
        if new:
            audit_record(
                action="vault.grant_extended", actor=actor, target=grant, documents=len(new)
            )
    return len(new)


def grant_end_for_case(*, grant: Grant, actor: User | None, case_ref: str) -> Grant:
    """Revoke a case grant when the grantee's role in the case ends (trail: REVOKE)."""
    with transaction.atomic():
        vault = _locked_vault(grant.owner)
        grant = Grant.objects.select_for_update().get(pk=grant.pk)
        if _revoke_locked(vault=vault, grant=grant, actor=actor, case=case_ref):
            audit_record(action="vault.grant_revoked", actor=actor, target=grant, case=case_ref)
    return grant


def _grant_share(
    *, vault: Vault, grant: Grant, documents: list[Document], actor: User | None, case_ref: str
) -> None:
    if not documents:
        return
    grant.documents.add(*documents)
    for document in documents:
        trail_append(
            vault=vault,
            event=TrailEvent.SHARE,
            actor=actor,
            document_id=document.id,
            data={
                "grant": str(grant.id),
                "grantee_role": grant.grantee.role,
                "grantee_ref": str(grant.grantee_id),
                "expires_at": grant.expires_at.isoformat(),
                "case": case_ref,
            },
        )
