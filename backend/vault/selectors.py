"""Vault reads: querysets with their joins applied, and decrypted views of metadata."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import Max, Q, QuerySet

from backend.vault import keyring
from backend.vault.models import Document, DocumentKind, Grant, TrailEntry, Vault
from backend.vault.policies import (
    active_grants_q,
    documents_granted_to,
    documents_visible_to,
    grants_visible_to,
)
from backend.vault.trail import actor_ref

EVIDENCE_KINDS = (DocumentKind.EMPLOYMENT_CONTRACT, DocumentKind.RECRUITMENT_FEE_RECEIPT)


def document_list(*, user, kind: str | None = None) -> QuerySet[Document]:
    qs = documents_visible_to(user).select_related("current_version")
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def own_document_list(
    *, user, kind: str | None = None, include_deleted: bool = False
) -> QuerySet[Document]:
    """The owner's documents. With ``include_deleted`` tombstones come too (app sync)."""
    qs = Document.objects.filter(owner=user).select_related("current_version")
    if not include_deleted:
        qs = qs.filter(deleted_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def shared_with_me(*, user, kind: str | None = None) -> QuerySet[Document]:
    """Documents granted to ``user``, each annotated with when that access ends."""
    active = active_grants_q("grants__") & Q(grants__grantee=user)
    qs = (
        documents_granted_to(user)
        .select_related("current_version", "owner")
        .annotate(access_expires_at=Max("grants__expires_at", filter=active))
    )
    return qs.filter(kind=kind) if kind else qs


def document_get(*, user, document_id: uuid.UUID) -> Document | None:
    return document_list(user=user).filter(pk=document_id).first()


def document_meta(documents: list[Document]) -> dict[uuid.UUID, dict[str, Any]]:
    """Decrypt the sealed metadata of many documents with one vault query per owner."""
    owners = {d.owner_id for d in documents}
    vaults = {v.owner_id: v for v in Vault.objects.filter(owner_id__in=owners)}
    keys_by_owner: dict[Any, bytes | None] = {}
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for document in documents:
        vault = vaults.get(document.owner_id)
        if vault is None or not document.sealed_meta:
            out[document.id] = {}
            continue
        if document.owner_id not in keys_by_owner:
            try:
                keys_by_owner[document.owner_id] = keyring.worker_key(vault)
            except keyring.KeyDestroyed:
                keys_by_owner[document.owner_id] = None
        key = keys_by_owner[document.owner_id]
        out[document.id] = (
            keyring.open_meta_with_key(key, document.id, document.sealed_meta) if key else {}
        )
    return out


def grant_list(*, user) -> QuerySet[Grant]:
    return grants_visible_to(user).select_related("grantee", "owner").prefetch_related("documents")


def trail_list(*, user, others_only: bool = False) -> QuerySet[TrailEntry]:
    qs = TrailEntry.objects.filter(vault__owner=user)
    if others_only:
        vault = Vault.objects.filter(owner=user).first()
        if vault is None:
            return qs.none()
        qs = qs.exclude(actor_ref=actor_ref(vault, user)).exclude(actor_role="system")
    return qs


def worker_has_agency_evidence(*, worker_id, agency_id, before: dt.datetime) -> bool:
    """True when the worker's vault holds a live contract or fee receipt linked to the agency
    that was uploaded before ``before``. Used for the reviews' verified badge; never says which.
    Kind and agency count as uploaded: relabelling a document later earns no badge."""
    return Document.objects.filter(
        owner_id=worker_id,
        agency_at_upload_id=agency_id,
        kind_at_upload__in=EVIDENCE_KINDS,
        deleted_at__isnull=True,
        created_at__lt=before,
    ).exists()
