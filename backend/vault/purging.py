"""Set-based system erasure of documents (the retention purge), fast on PostgreSQL.

At a million documents the cost of a batch is not PostgreSQL but Python: model instances, and
Django's client-side quoting of thousands of parameters. So on PostgreSQL the writes go through
the raw psycopg connection (same connection, same transaction): ``= ANY(array)`` with server-side
binding instead of ``IN (%s, ...)`` lists, ``COPY`` for the trail, audit and staged-blob rows,
``UPDATE ... RETURNING`` to shred the keys and read the blob names in one statement. Other
databases (SQLite in development and tests) take the ORM path; both write the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction
from django.db.models import QuerySet

from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.audit.services import audit_record_many
from backend.core import clock
from backend.vault import keyring
from backend.vault.blobs import delete_blobs
from backend.vault.crypto import chain
from backend.vault.models import (
    Document,
    DocumentVersion,
    StagedBlob,
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


def _raw_cursor():
    """A server-side-binding psycopg cursor on Django's connection (inside its transaction)."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _copy(table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    with (
        _raw_cursor() as cursor,
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
    """System erasure (retention) of a bounded set of documents, set-based, in one transaction
    with a constant number of queries however many documents and owners it holds.

    ``documents`` (unsliced; a batch, e.g. ``filter(pk__in=ids)``: every lock is held until
    commit) is evaluated again under the locks, so the caller's conditions (due, not held) are
    re-checked; already deleted documents are left alone (idempotent). With ``skip_locked``
    (PostgreSQL) documents locked by another transaction are skipped, not waited for.

    In order: the owners' vault rows are locked in primary-key order (as every vault write does),
    then the documents; every version's wrapped data key is destroyed and the documents become
    tombstones in the same transaction (crypto-shredding first: once it commits the content is
    unreadable everywhere); one ``delete`` trail entry per document is chained onto its owner's
    trail and all are inserted in one statement, the vault heads advanced in one; one audit
    event per document. The blob names are recorded as ``StagedBlob`` rows in the same
    transaction and the blobs deleted after commit, outside any lock; if the process dies in
    between, the unfinished-upload purge deletes them (after ``VAULT_RESUMABLE_EXPIRY_HOURS``).
    With a ``blob_deleter`` the blobs are handed to it after commit and deleted in the
    background while the caller purges its next batch; else they are deleted before returning.

    Returns the ids of the documents purged.
    """
    pairs = set(documents.order_by().values_list("owner_id", "owner__vault__id"))
    if not pairs:
        return []
    owners = sorted({owner for owner, _vault in pairs})
    # Every owner needs a vault row to lock (it holds the trail): create missing ones first,
    # outside the transaction, so it only ever locks existing rows in pk order.
    missing = {owner for owner, vault in pairs if vault is None}
    for owner in User.objects.filter(pk__in=missing):
        keyring.vault_get_or_create(owner)
    with transaction.atomic():
        # owner -> [vault id, trail length, trail head], advanced in memory as entries chain.
        heads = {
            owner_id: [pk, length, head]
            for pk, owner_id, length, head in Vault.objects.select_for_update()
            .filter(owner_id__in=owners)
            .order_by("pk")
            .values_list("pk", "owner_id", "trail_length", "trail_head")
        }
        rows = list(
            documents.filter(deleted_at__isnull=True, owner_id__in=list(heads))
            .select_for_update(skip_locked=skip_locked, of=("self",))
            .order_by("pk")
            .values_list("pk", "owner_id", "current_version_id")
        )
        if not rows:
            return []
        ids = [pk for pk, _owner, _current in rows]
        now = clock.now()
        versions = _shred_and_tombstone(ids, now)
        sha_of = {pk: sha256 for pk, sha256, _parts in versions}
        entries = [
            _trail_row(heads[owner_id], pk, current_id, sha_of, reason, now)
            for pk, owner_id, current_id in rows
        ]
        touched = {owner_id for _pk, owner_id, _current in rows}
        _write_trail(entries, [heads[owner] for owner in touched])
        _audit(ids, reason, now)
        names = [part["name"] for _pk, _sha, parts in versions for part in parts]
        _stage(names, now)

        def _delete_blobs() -> None:
            delete_blobs(names)
            _unstage(names)

        transaction.on_commit(
            _delete_blobs if blob_deleter is None else lambda: blob_deleter.submit(names)
        )
    return ids


def _unstage(names: list[str]) -> None:
    """Drop the ``StagedBlob`` rows of blobs that are gone (autocommit: no lock is kept)."""
    if _pg():
        with _raw_cursor() as cursor:
            cursor.execute("DELETE FROM vault_stagedblob WHERE blob_name = ANY(%s)", [names])
    else:
        StagedBlob.objects.filter(blob_name__in=names).delete()


_FAILED = "could not delete purged blobs; the upload purge will retry"


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
        self.pending: list[tuple[list[Future], list[str]]] = []
        self.closed = False

    def submit(self, names: list[str]) -> None:
        if not names:
            return
        if self.closed:
            # The purge ran inside an outer transaction that commits only now: delete here.
            try:
                delete_blobs(names)
            except Exception:
                logger.warning(_FAILED, exc_info=True)
                return
            _unstage(names)
            return
        ordered = sorted(names)  # neighbours in a directory together
        step = -(-len(ordered) // self.threads)
        futures = [
            self.executor.submit(delete_blobs, ordered[i : i + step])
            for i in range(0, len(ordered), step)
        ]
        self.pending.append((futures, names))
        self.reap(wait=len(self.pending) > self.backlog)

    def reap(self, *, wait: bool = False) -> None:
        """Unstage every batch whose deletes are done; with ``wait``, wait for the oldest."""
        while self.pending:
            futures, names = self.pending[0]
            if not wait and not all(f.done() for f in futures):
                return
            self.pending.pop(0)
            wait = False
            errors = [f.exception() for f in futures]
            if any(errors):
                logger.warning(_FAILED, exc_info=next(e for e in errors if e))
                continue
            _unstage(names)

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
    """Destroy every version's wrapped data key, tombstone the documents; returns
    ``(version id, sha256, blob_parts)`` of every version."""
    if not _pg():
        versions = list(
            DocumentVersion.objects.filter(document_id__in=ids).values_list(
                "pk", "sha256", "blob_parts"
            )
        )
        DocumentVersion.objects.filter(document_id__in=ids).update(
            wrapped_data_key=None, key_destroyed_at=now
        )
        Document.objects.filter(pk__in=ids).update(deleted_at=now, sealed_meta=None, updated_at=now)
        return versions
    with _raw_cursor() as cursor:
        cursor.execute(
            "UPDATE vault_documentversion SET wrapped_data_key = NULL, key_destroyed_at = %s"
            " WHERE document_id = ANY(%s) RETURNING id, sha256, blob_parts::text",
            [now, ids],
        )
        # Django turns psycopg's jsonb loader off on its connections: parse here.
        versions = [(pk, sha, json.loads(parts)) for pk, sha, parts in cursor.fetchall()]
        cursor.execute(
            "UPDATE vault_document SET deleted_at = %s, sealed_meta = NULL, updated_at = %s"
            " WHERE id = ANY(%s)",
            [now, now, ids],
        )
    return versions


def _trail_row(head: list, document_id, current_id, sha_of, reason: str, now) -> tuple:
    """The next ``delete`` link of one vault's chain, as a row of ``TRAIL_COLUMNS``.

    Hashes exactly what ``trail_entry_next`` would (``entry_payload`` of the same fields),
    without building a model instance."""
    version_id = current_id if current_id in sha_of else None
    entry = SimpleNamespace(
        position=head[1] + 1,
        at=now,
        event=TrailEvent.DELETE.value,
        actor_role="system",
        actor_ref="",
        document_id=document_id,
        version_id=version_id,
        sha256=sha_of.get(current_id, ""),
        data={"reason": reason},
    )
    entry_hash = chain.entry_hash(head[2], entry_payload(entry))
    row = (
        uuid.uuid4(),
        head[0],
        entry.position,
        now,
        entry.event,
        None,
        "system",
        "",
        document_id,
        version_id,
        entry.sha256,
        entry.data,
        head[2],
        entry_hash,
    )
    head[1], head[2] = entry.position, entry_hash
    return row


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
    _copy(
        TrailEntry._meta.db_table,
        TRAIL_COLUMNS,
        [(*row[:data], json.dumps(row[data]), *row[data + 1 :]) for row in entries],
    )
    with _raw_cursor() as cursor:
        cursor.execute(
            "UPDATE vault_vault AS v SET trail_length = d.length, trail_head = d.head"
            " FROM unnest(%s::uuid[], %s::bigint[], %s::text[]) AS d(id, length, head)"
            " WHERE v.id = d.id",
            [[h[0] for h in heads], [h[1] for h in heads], [h[2] for h in heads]],
        )


def _audit(ids: list[uuid.UUID], reason: str, now: dt.datetime) -> None:
    """One ``vault.document_purged`` event per document (same rows as ``audit_record_many``)."""
    target_type = Document._meta.label_lower
    if not _pg():
        audit_record_many(
            action="vault.document_purged", target_type=target_type, target_ids=ids, reason=reason
        )
        return
    data = json.dumps({"reason": reason})
    _copy(
        AuditEvent._meta.db_table,
        ("id", "at", "actor_id", "action", "target_type", "target_id", "data"),
        [
            (uuid.uuid4(), now, None, "vault.document_purged", target_type, str(pk), data)
            for pk in ids
        ],
    )


def _stage(names: list[str], now: dt.datetime) -> None:
    """Record the blobs to delete (``StagedBlob``) in the purge transaction: if the process
    dies before the after-commit delete, the unfinished-upload purge deletes them."""
    if not _pg():
        StagedBlob.objects.bulk_create(
            [StagedBlob(blob_name=name) for name in names], ignore_conflicts=True
        )
        return
    with _raw_cursor() as cursor:
        cursor.execute(
            "INSERT INTO vault_stagedblob (id, blob_name, created_at)"
            " SELECT gen_random_uuid(), name, %s FROM unnest(%s::text[]) AS name"
            " ON CONFLICT (blob_name) DO NOTHING",
            [now, names],
        )
