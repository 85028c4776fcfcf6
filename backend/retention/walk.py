"""The retention purge's walk over one rule's due documents, batch by batch.

Documents are visited in (basis date, id) order with a keyset cursor on the partial indexes
``document_live_kind_*`` (live documents only): the cursor never rescans what is behind it, so
the tombstones a run leaves behind cost nothing. Each batch is read once without locks (ids,
owners, their vaults), then locked by id with the whole due condition re-checked under the
lock (a hold placed in between, a document already purged by another run).

On PostgreSQL both statements are compiled once per walk (``backend.core.compiled``): ids and
owners travel as arrays, the statements are prepared, and a batch costs the database's work and
little else. Other databases (SQLite in development) run the same querysets through the ORM.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast

from backend.core.compiled import CompiledQuery, condition
from backend.retention import selectors
from backend.retention.models import Basis
from backend.vault.models import Document, Vault
from backend.vault.purging import BlobDeleter, batch_purge

#: Sorts before every real key: the cursor of a walk that has not started.
_START = {
    "created_at": (dt.datetime(1, 1, 1, tzinfo=dt.UTC), uuid.UUID(int=0)),
    "expires_on": (dt.date(1, 1, 1), uuid.UUID(int=0)),
}


class DueDocumentsWalk:
    """``page(size)`` reads the next batch: ``[(key, id, owner id, vault id or None)]``;
    ``lock(ids, owners)`` locks those of ``ids`` (owned by ``owners``) that are still due,
    skipping rows another transaction has locked: ``[(id, owner id, current version id)]``."""

    def __init__(self, due: QuerySet[Document], column: str) -> None:
        self.due = due
        self.column = column
        self.after: tuple[Any, uuid.UUID] = _START[column]
        self.compiled = connection.vendor == "postgresql"
        if self.compiled:
            self.after = (str(self.after[0]), self.after[1])
            table = Document._meta.db_table
            after = condition(f'("{table}"."{column}", "{table}"."id") > (%s, %s)', "key", "id")
            self._page = CompiledQuery(self._page_queryset(due.filter(after)), limit="size")
            self._lock = CompiledQuery(
                self._lock_queryset(
                    due.filter(
                        condition(f'"{table}"."id" = ANY(%b)', "ids"),
                        condition(f'"{table}"."owner_id" = ANY(%b)', "owners"),
                    )
                )
            )

    def _page_queryset(self, documents: QuerySet[Document]) -> QuerySet:
        vault = Vault.objects.filter(owner_id=OuterRef("owner_id")).values("pk")
        # Compiled, the key comes back as text (and goes back in as text): loading a
        # timezone-aware timestamp per row was a tenth of a batch's Python time.
        key = Cast(self.column, TextField()) if self.compiled else F(self.column)
        return (
            documents.annotate(vault_id=Subquery(vault), key=key)
            .order_by(self.column, "pk")
            .values_list("key", "pk", "owner_id", "vault_id")
        )

    @staticmethod
    def _lock_queryset(documents: QuerySet[Document]) -> QuerySet:
        return (
            documents.select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", "owner_id", "current_version_id")
        )

    def page(self, size: int) -> list[tuple]:
        key, pk = self.after
        if self.compiled:
            rows = self._page.rows(key=key, id=pk, size=size)
        else:
            column = self.column
            after = Q(**{f"{column}__gt": key}) | Q(**{column: key, "pk__gt": pk})
            rows = list(self._page_queryset(self.due.filter(after))[:size])
        if rows:
            self.after = (rows[-1][0], rows[-1][1])
        return rows

    def lock(self, ids: list[uuid.UUID], owners: list[uuid.UUID]) -> list[tuple]:
        if self.compiled:
            return self._lock.rows(ids=ids, owners=owners)
        return list(self._lock_queryset(self.due.filter(pk__in=ids, owner_id__in=owners)))


def due_documents_purge(rule, now, dry_run, batch_size, out_of_time) -> int:
    """Purge the rule's due documents batch by batch (``DueDocumentsWalk``, ``batch_purge``:
    one transaction and a constant number of queries per batch); rows another run has locked
    are skipped (it purges them), and anything missed goes in the next run.

    On PostgreSQL, outside a transaction, ``RETENTION_PURGE_WORKERS`` walks run at once in
    threads with their own connections, each over the documents of one range of owner ids:
    while one thread computes its batch's trail hashes the database works on another's, so
    both cores are busy. Owners never share a range, so the threads never wait for each
    other's vault locks. (Inside a transaction, as in most tests, other connections could not
    see its rows: one walk.)"""
    due = selectors.documents_due(rule, now)
    if dry_run:
        return due.count()
    column = "expires_on" if rule.basis == Basis.AFTER_EXPIRY else "created_at"
    workers = settings.RETENTION_PURGE_WORKERS
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return _walk(DueDocumentsWalk(due, column), batch_size, out_of_time)
    purged = [0] * workers
    errors: list[BaseException] = []

    def walk(index: int, owners: Q) -> None:
        try:
            purged[index] = _walk(
                DueDocumentsWalk(due.filter(owners), column),
                batch_size,
                out_of_time,
                blob_threads=2,
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=walk, args=(index, owners), name=f"retention-walk-{index}")
        for index, owners in enumerate(owner_ranges(workers))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(purged)


def owner_ranges(parts: int) -> list[Q]:
    """``parts`` conditions that split the owner-id (UUID) space into equal ranges."""
    bounds = [uuid.UUID(int=index * (1 << 128) // parts) for index in range(1, parts)]
    ranges = []
    for low, high in zip([None, *bounds], [*bounds, None], strict=True):
        condition = Q()
        if low is not None:
            condition &= Q(owner_id__gte=low)
        if high is not None:
            condition &= Q(owner_id__lt=high)
        ranges.append(condition)
    return ranges


def _walk(walk: DueDocumentsWalk, batch_size: int, out_of_time, *, blob_threads: int = 8) -> int:
    """The batches of one walk. The batch shrinks below ``batch_size`` when batches take longer
    than ``BATCH_TARGET_SECONDS`` (the locks are held that long); the blobs of a batch are
    deleted in the background (``BlobDeleter``) while the next one runs, and all of them
    before this returns."""
    purged = 0
    size = batch_size
    with BlobDeleter(threads=blob_threads) as blobs:
        while not out_of_time():
            page = walk.page(size)
            if not page:
                break
            ids = [pk for _key, pk, _owner, _vault in page]
            started = time.monotonic()
            purged += len(
                batch_purge(
                    vaults={owner: vault for _key, _pk, owner, vault in page},
                    lock_documents=lambda owners, ids=ids: walk.lock(ids, owners),
                    reason="retention",
                    blob_deleter=blobs,
                )
            )
            if len(page) < size:
                break
            size = _next_batch_size(size, time.monotonic() - started, batch_size)
    return purged


#: A purge batch holds its row locks until it commits: aim at this much time per batch.
BATCH_TARGET_SECONDS = 0.4
MIN_BATCH = 50


def _next_batch_size(size: int, seconds: float, largest: int) -> int:
    """Shrink the batch when one took longer than ``BATCH_TARGET_SECONDS`` (a large table, a
    busy disk or a checkpoint), grow it back by a quarter when it took less than half."""
    if seconds > BATCH_TARGET_SECONDS:
        return max(MIN_BATCH, min(size - 1, int(size * BATCH_TARGET_SECONDS / seconds)))
    if seconds < BATCH_TARGET_SECONDS / 2:
        return min(largest, size + max(1, size // 4))
    return size
