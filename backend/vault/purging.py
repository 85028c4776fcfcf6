"""Set-based system erasure of documents (the retention purge), fast on PostgreSQL.

At a million documents the cost of a batch is not PostgreSQL but Python: model instances, and
Django's client-side quoting of thousands of parameters. So on PostgreSQL the writes go through
the raw psycopg connection (same connection, same transaction): ``= ANY(array)`` with
server-side binding (arrays sent in binary) instead of ``IN (%s, ...)`` lists, ``COPY`` for the
trail and audit rows, one ``UPDATE ... RETURNING`` statement to tombstone the documents, shred
the keys and read the blob names. Other databases (SQLite in development and tests) take the
ORM path; both write the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import uuid6
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction
from django.db.models import QuerySet

from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.audit.services import audit_record
from backend.core import clock
from backend.core.compiled import raw_cursor
from backend.vault import keyring
from backend.vault.blobs import delete_blobs
from backend.vault.crypto import chain
from backend.vault.models import (
    BlobDeletion,
    Document,
    DocumentVersion,
    TrailEntry,
    TrailEvent,
    Vault,
)
from backend.vault.trail import entry_payload

logger = logging.getLogger("fairtrail.vault")

TRAIL_COLUMNS = (
    "id",
    "vault_id",
    "position",
    "at",
    "event",
    "actor_id",
    "actor_role",
    "actor_ref",
    "document_id",
    "version_id",
    "sha256",
    "data",
    "prev_hash",
    "entry_hash",
)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _copy(table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    with (
        raw_cursor() as cursor,
        cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(row)


def documents_purge(
    *,
    documents: QuerySet[Document],
    reason: str,
    skip_locked: bool = False,
    blob_deleter: BlobDeleter | None = None,
) -> list[uuid.UUID]:
    """System erasure (retention) of a bounded set of documents: ``batch_purge`` of
    ``documents`` (unsliced; a batch, e.g. ``filter(pk__in=ids)``), which is evaluated again
    under the locks, so the caller's conditions (due, not held) are re-checked. With
    ``skip_locked`` (PostgreSQL) documents locked by another transaction are skipped, not
    waited for."""

    def lock(owners: list[uuid.UUID]) -> list[tuple]:
        return list(
            documents.filter(deleted_at__isnull=True, owner_id__in=owners)
            .select_for_update(skip_locked=skip_locked, of=("self",))
            .order_by("pk")
            .values_list("pk", "owner_id", "current_version_id")
        )

    vaults = dict(documents.order_by().values_list("owner_id", "owner__vault__id"))
    return batch_purge(vaults=vaults, lock_documents=lock, reason=reason, blob_deleter=blob_deleter)


def batch_purge(
    *,
    vaults: dict[uuid.UUID, uuid.UUID | None],
    lock_documents: Callable[[list[uuid.UUID]], list[tuple]],
    reason: str,
    blob_deleter: BlobDeleter | None = None,
) -> list[uuid.UUID]:
    """Purge one batch, set-based, in one transaction with a constant number of queries however
    many documents and owners it holds. Returns the ids of the documents purged.

    ``vaults`` maps the batch's owners to their vault ids (None: no vault yet).
    ``lock_documents(owners)`` locks (``FOR UPDATE``, every lock is held until commit) and
    returns ``(id, owner id, current version id)`` of the batch's documents that are still to
    be purged and belong to ``owners``, in id order; already deleted documents must not be
    among them (idempotent).

    In order: the owners' vault rows are locked in primary-key order (as every vault write does),
    then the documents; every version's wrapped data key is destroyed and the documents become
    tombstones in the same transaction (crypto-shredding first: once it commits the content is
    unreadable everywhere); one ``delete`` trail entry per document is chained onto its owner's
    trail and all are inserted in one statement, the vault heads advanced in one; one audit
    event for the batch. The blob names are recorded in one ``BlobDeletion`` row in the same
    transaction and the blobs deleted after commit, outside any lock; if the process dies in
    between, the unfinished-upload purge deletes them (after ``BLOB_DELETION_GRACE``).
    With a ``blob_deleter`` the blobs are handed to it after commit and deleted in the
    background while the caller purges its next batch; else they are deleted before returning.
    """
    if not vaults:
        return []
    # Every owner needs a vault row to lock (it holds the trail): create missing ones first,
    # outside the transaction, so it only ever locks existing rows in pk order.
    missing = [owner for owner, vault in vaults.items() if vault is None]
    for owner in User.objects.filter(pk__in=missing):
        keyring.vault_get_or_create(owner)
    with transaction.atomic():
        # owner -> [vault id, trail length, trail head], advanced in memory as entries chain.
        heads = {
            owner_id: [pk, length, head]
            for pk, owner_id, length, head in _lock_vaults(sorted(vaults))
        }
        rows = lock_documents(list(heads))
        if not rows:
            return []
        ids = [pk for pk, _owner, _current in rows]
        now = clock.now()
        versions = _shred_and_tombstone(ids, now)
        sha_of = {pk: sha256 for pk, sha256, _parts in versions}
        entries = _trail_rows(rows, heads, sha_of, reason, now)
        touched = {owner_id for _pk, owner_id, _current in rows}
        _write_trail(entries, [heads[owner] for owner in touched])
        _audit(ids, reason, now)
        names = [part["name"] for _pk, _sha, parts in versions for part in parts]
        record = _stage(names, now)
        if record is not None:
            submit = blob_deleter.submit if blob_deleter is not None else _delete_now
            transaction.on_commit(lambda: submit(record, names))
    return ids


def _lock_vaults(owners: list[uuid.UUID]) -> list[tuple]:
    """Lock the owners' vault rows in primary-key order: ``(id, owner, length, head)``."""
    if not _pg():
        return list(
            Vault.objects.select_for_update()
            .filter(owner_id__in=owners)
            .order_by("pk")
            .values_list("pk", "owner_id", "trail_length", "trail_head")
        )
    with raw_cursor() as cursor:
        cursor.execute(
            "SELECT id, owner_id, trail_length, trail_head FROM vault_vault"
            " WHERE owner_id = ANY(%b) ORDER BY id FOR UPDATE",
            [owners],
        )
        return cursor.fetchall()


def _unstage(record: uuid.UUID) -> None:
    """Drop a batch's ``BlobDeletion`` row once its blobs are gone, in its own transaction.

    That commit does not wait for the disk (``synchronous_commit = off``): if a crash loses
    it, the row comes back and the upload purge deletes the already deleted blobs again,
    which is harmless, and the purge no longer waits for two disk flushes a batch."""
    with transaction.atomic():
        if _pg():
            with raw_cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("DELETE FROM vault_blobdeletion WHERE id = %s", [record])
        else:
            BlobDeletion.objects.filter(pk=record).delete()


def _delete_now(record: uuid.UUID, names: list[str]) -> None:
    """Delete a batch's blobs right away (after commit), for callers without a ``BlobDeleter``."""
    delete_blobs(names)
    _unstage(record)


_FAILED = "could not delete purged blobs; the upload purge will retry"

#: A ``BlobDeletion`` row older than this was left behind (the process died after the commit, or
#: the storage failed): the upload purge deletes its blobs. Deleting a blob twice is harmless.
BLOB_DELETION_GRACE = dt.timedelta(minutes=15)


def blob_deletions_finish(*, now: dt.datetime, limit: int) -> int:
    """Delete the blobs of purge batches whose after-commit delete never finished, then their
    ``BlobDeletion`` rows (at most ``limit`` blobs' worth, one row at least). Returns the number
    of blobs deleted."""
    deleted = 0
    due = BlobDeletion.objects.filter(created_at__lt=now - BLOB_DELETION_GRACE).order_by("pk")
    while deleted < limit:
        record = due.first()
        if record is None:
            break
        delete_blobs(record.blob_names)
        _unstage(record.pk)
        deleted += len(record.blob_names)
    return deleted


class BlobDeleter:
    """Deletes the blobs of committed purge batches in background threads while the caller
    purges the next batch (a use as a context manager waits for all of them on exit).

    Unlinking is most of a batch's time on a busy disk (about 0.4 ms a file while PostgreSQL
    writes), and it needs no lock and no database: the threads only delete files, so it
    overlaps the next batch's SQL. The ``StagedBlob`` rows are removed by the calling thread
    (Django connections are per thread) once a batch's files are gone; if that never happens
    (crash, storage failure) the rows stay and the unfinished-upload purge deletes the blobs.
    At most ``backlog`` batches wait, so memory stays bounded when the disk is slower than the
    database.
    """

    def __init__(self, *, threads: int = 8, backlog: int = 2) -> None:
        # Storages other than the local disk delete one by one through the storage API; keep
        # them on a single thread (their clients are not all thread-safe).
        self.threads = threads if isinstance(default_storage, FileSystemStorage) else 1
        self.backlog = backlog
        self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="blob-delete")
        self.pending: list[tuple[list[Future], uuid.UUID]] = []
        self.closed = False

    def submit(self, record: uuid.UUID, names: list[str]) -> None:
        if self.closed:
            # The purge ran inside an outer transaction that commits only now: delete here.
            try:
                _delete_now(record, names)
            except Exception:
                logger.warning(_FAILED, exc_info=True)
            return
        ordered = sorted(names)  # neighbours in a directory together
        step = -(-len(ordered) // self.threads)
        futures = [
            self.executor.submit(delete_blobs, ordered[i : i + step])
            for i in range(0, len(ordered), step)
        ]
        self.pending.append((futures, record))
        self.reap(wait=len(self.pending) > self.backlog)

    def reap(self, *, wait: bool = False) -> None:
        """Unstage every batch whose deletes are done; with ``wait``, wait for the oldest."""
        while self.pending:
            futures, record = self.pending[0]
            if not wait and not all(f.done() for f in futures):
                return
            self.pending.pop(0)
            wait = False
            errors = [f.exception() for f in futures]
            if any(errors):
                logger.warning(_FAILED, exc_info=next(e for e in errors if e))
                continue
            _unstage(record)

    def close(self) -> None:
        while self.pending:
            self.reap(wait=True)
        self.executor.shutdown()
        self.closed = True

    def __enter__(self) -> BlobDeleter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _shred_and_tombstone(ids: list[uuid.UUID], now: dt.datetime) -> list[tuple[Any, str, list]]:
    """Destroy every version's wrapped data key (and its receipt, like ``document_delete``),
    tombstone the documents; returns ``(version id, sha256, blob_parts)`` of every version.

    The shrunken version row fits in the page's free space (fillfactor 80), so that update is
    HOT: no new index entries."""
    if not _pg():
        versions = list(
            DocumentVersion.objects.filter(document_id__in=ids).values_list(
                "pk", "sha256", "blob_parts"
            )
        )
        DocumentVersion.objects.filter(document_id__in=ids).update(
            wrapped_data_key=None, key_destroyed_at=now, receipt={}
        )
        Document.objects.filter(pk__in=ids).update(deleted_at=now, sealed_meta=None, updated_at=now)
        return versions
    with raw_cursor() as cursor:
        cursor.execute(
            "WITH tombstones AS ("
            " UPDATE vault_document SET deleted_at = %s, sealed_meta = NULL, updated_at = %s"
            " WHERE id = ANY(%b) RETURNING id)"
            " UPDATE vault_documentversion"
            " SET wrapped_data_key = NULL, key_destroyed_at = %s, receipt = '{}'"
            " WHERE document_id IN (SELECT id FROM tombstones)"
            " RETURNING id, sha256, blob_parts::text",
            [now, now, ids, now],
        )
        # Django turns psycopg's jsonb loader off on its connections: parse here.
        return [(pk, sha, json.loads(parts)) for pk, sha, parts in cursor.fetchall()]


def _trail_rows(
    rows: list[tuple], heads: dict[Any, list], sha_of: dict, reason: str, now: dt.datetime
) -> list[tuple]:
    """The next ``delete`` link of each document's vault chain, as rows of ``TRAIL_COLUMNS``
    (``heads[owner]``, ``[vault id, length, head]``, advances as entries chain).

    Hashes exactly what ``trail_entry_next`` would: ``entry_payload`` of the batch's common
    fields, with the position, document, version and hash of each entry filled in (as
    ``entry_payload`` writes them), without a model instance or a timestamp per entry."""
    data = {"reason": reason}
    common = entry_payload(
        SimpleNamespace(
            position=0,
            at=now,
            event=TrailEvent.DELETE.value,
            actor_role="system",
            actor_ref="",
            document_id=None,
            version_id=None,
            sha256="",
            data=data,
        )
    )
    out = []
    for document_id, owner_id, current_id in rows:
        head = heads[owner_id]
        version_id = current_id if current_id in sha_of else None
        sha256 = sha_of.get(current_id, "")
        position = head[1] + 1
        payload = common | {
            "position": position,
            "document_id": str(document_id),
            "version_id": str(version_id) if version_id else None,
            "sha256": sha256,
        }
        entry_hash = chain.entry_hash(head[2], payload)
        out.append(
            (
                uuid6.uuid7(),
                head[0],
                position,
                now,
                TrailEvent.DELETE.value,
                None,
                "system",
                "",
                document_id,
                version_id,
                sha256,
                data,
                head[2],
                entry_hash,
            )
        )
        head[1], head[2] = position, entry_hash
    return out


def _write_trail(entries: list[tuple], heads: list[list]) -> None:
    if not _pg():
        TrailEntry.objects.bulk_create(
            [TrailEntry(**dict(zip(TRAIL_COLUMNS, row, strict=True))) for row in entries]
        )
        Vault.objects.bulk_update(
            [Vault(pk=pk, trail_length=length, trail_head=head) for pk, length, head in heads],
            ["trail_length", "trail_head"],
        )
        return
    data = TRAIL_COLUMNS.index("data")
    dumped: dict[int, str] = {}  # every entry of a batch shares one ``data`` dict: dump it once
    _copy(
        TrailEntry._meta.db_table,
        TRAIL_COLUMNS,
        [
            (
                *row[:data],
                dumped.get(id(row[data]))
                or dumped.setdefault(id(row[data]), json.dumps(row[data])),
                *row[data + 1 :],
            )
            for row in entries
        ],
    )
    with raw_cursor() as cursor:
        cursor.execute(
            "UPDATE vault_vault AS v SET trail_length = d.length, trail_head = d.head"
            " FROM unnest(%b::uuid[], %b::bigint[], %b::text[]) AS d(id, length, head)"
            " WHERE v.id = d.id",
            [[h[0] for h in heads], [h[1] for h in heads], [h[2] for h in heads]],
        )


def _audit(ids: list[uuid.UUID], reason: str, now: dt.datetime) -> None:
    """One ``vault.documents_purged`` event per batch, naming every document it purged.

    Per batch, not per document: each document's erasure is already proved by its own
    ``delete`` entry in its owner's hash-chained trail, and an audit row per document (eight
    index entries each) was the largest single cost of purging a million of them."""
    data = {"reason": reason, "count": len(ids), "documents": [str(pk) for pk in ids]}
    if not _pg():
        audit_record(action="vault.documents_purged", **data)
        return
    _copy(
        AuditEvent._meta.db_table,
        ("id", "at", "actor_id", "action", "target_type", "target_id", "data"),
        [(uuid6.uuid7(), now, None, "vault.documents_purged", "", "", json.dumps(data))],
    )


def _stage(names: list[str], now: dt.datetime) -> uuid.UUID | None:
    """Record the batch's blobs (one ``BlobDeletion`` row) in the purge transaction: if the
    process dies before the after-commit delete, the unfinished-upload purge deletes them."""
    if not names:
        return None
    record = BlobDeletion.objects.create(blob_names=names, created_at=now)
    return record.pk
