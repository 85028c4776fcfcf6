"""Benchmark of the retention purge: crypto-shred and delete 1,000,000 expired documents.

    .venv/bin/python bench/bench_retention.py [--documents 1000000] [--per-worker 20]
                                              [--batch-size 1000] [--keep]

Uses its own PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/fairtrail_bench_retention), created, migrated and dropped by
the script, and a temporary ``MEDIA_ROOT`` (removed at the end).

1. **Generate** (a child process, so its memory does not count): workers (``bulk_create``) and,
   with COPY, their vaults (a real worker key wrapped by the master key), ``--documents`` expired
   documents (90 % pay slips uploaded 6 to 9 years ago, 10 % medical certificates that
   expired 2 to 3 years ago), each with sealed metadata (sealed with the worker key), one
   version with a real data key wrapped by the worker key, a receipt-sized JSON receipt and a
   real ciphertext blob
   (200 random bytes encrypted in the vault's streaming format) written under ``MEDIA_ROOT``, and
   the upload trail entry with the real per-worker hash chain. On top of these, 2 % recent pay
   slips (not due) and 0.5 % expired documents under an explicit legal hold, which must survive.
   Then ``VACUUM ANALYZE``.
2. **Purge**: the real ``backend.retention.services.retention_run(dry_run=False)`` in this
   process, while three threads sample: this process's RSS (every 10 ms), the transactions of
   the purge's connections (its own and its walk threads') in ``pg_stat_activity`` (every
   ~5 ms: the longest transaction is the longest time any row lock was held), and a probe
   that locks a random affected worker's vault row every 50 ms, as an upload would, and times
   how long it waited.
3. **Verify**: every expired document is a tombstone with every data key destroyed, the held
   and recent ones are untouched, the files left under ``MEDIA_ROOT`` are exactly the blobs of
   the surviving documents, there is one ``delete`` trail entry and one audit event per purged
   document, and the hash chains of (a sample of up to 2,000) vaults verify.

Prints a markdown table (copied into docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairtrail_bench_retention"
)
#: ``--server tuned``: a private cluster with the settings docs/operations.md recommends for a
#: production server of this machine's size (24 GB, 2 cores; durability settings untouched).
TUNED_SETTINGS = {
    "shared_buffers": "6GB",
    "effective_cache_size": "16GB",
    "maintenance_work_mem": "1GB",
    "wal_buffers": "64MB",
    "max_wal_size": "16GB",
    "min_wal_size": "2GB",
    "checkpoint_timeout": "15min",
    "checkpoint_completion_target": "0.9",
    "wal_compression": "lz4",
    "random_page_cost": "1.1",
}
RECENT_FRACTION = 0.02
HELD_FRACTION = 0.005
CHUNK_DOCUMENTS = 20_000


def tuned_server():
    """Start a private PostgreSQL cluster with ``TUNED_SETTINGS`` (the test suite's launcher)."""
    from tests.faults.servers import PrivatePostgres

    class TunedPostgres(PrivatePostgres):
        def _options(self) -> str:
            tuned = " ".join(f"-c {name}={value}" for name, value in TUNED_SETTINGS.items())
            return f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 {tuned}"

    # (As root the launcher makes a folder of its own that the postgres user may enter.)
    folder = Path(tempfile.gettempdir()) / f"fairtrail-bench-pg-{os.getpid()}"
    return TunedPostgres(folder).init().start()


def _admin_url() -> tuple[str, str]:
    base, _, name = BENCH_URL.rpartition("/")
    return f"{base}/postgres", name


def create_database() -> None:
    import psycopg

    admin, name = _admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database() -> None:
    import psycopg

    admin, name = _admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(media: str) -> None:
    os.environ["DATABASE_URL"] = BENCH_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.test")
    import django

    django.setup()
    from django.conf import settings

    # Before anything touches default_storage (it is created lazily from these settings).
    settings.MEDIA_ROOT = media
    settings.STORAGES["default"]["OPTIONS"]["location"] = media


def _copy_rows(raw, tables) -> None:
    with raw.cursor() as cur:
        for spec, rows in tables:
            with cur.copy(spec.sql) as copy:
                for row in rows:
                    copy.write_row(row)


class Rows:
    """COPY rows for a model: every concrete column, values by attname, else the field default."""

    def __init__(self, model) -> None:
        from django.db.models import JSONField

        self.fields = list(model._meta.concrete_fields)
        self.json = {f.attname for f in self.fields if isinstance(f, JSONField)}
        self.sql = (
            f'COPY "{model._meta.db_table}" ('
            + ", ".join(f'"{f.column}"' for f in self.fields)
            + ") FROM STDIN"
        )

    def row(self, values: dict) -> tuple:
        out = []
        for field in self.fields:
            value = values[field.attname] if field.attname in values else field.get_default()
            if field.attname in self.json and value is not None:
                value = json.dumps(value)
            out.append(value)
        return tuple(out)


def generate(
    n_documents: int, per_worker: int, layout: str = "upload-order", seed: int = 7
) -> dict[str, float]:
    """Load the data set (runs in a child process). Returns timings per step."""
    import hashlib
    import hmac

    from django.core.files.storage import default_storage
    from django.db import connection

    from backend.accounts.models import User
    from backend.retention.models import LegalHold
    from backend.vault.blobs import blob_name_for
    from backend.vault.crypto import chain, fields, keys, streaming
    from backend.vault.models import Document, DocumentVersion, TrailEntry, Vault
    from backend.vault.trail import entry_payload

    rng = random.Random(seed)
    now = datetime.now(UTC)
    timings: dict[str, float] = {}
    n_recent = int(n_documents * RECENT_FRACTION)
    n_held = int(n_documents * HELD_FRACTION)
    total = n_documents + n_recent + n_held
    n_workers = max(1, -(-total // per_worker))

    started = time.perf_counter()
    users = [
        User(
            username=f"+6690{index:07d}",
            phone=f"+6690{index:07d}",
            role="worker",
            country="MM",
            phone_verified_at=now - timedelta(days=3000),
        )
        for index in range(n_workers)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    timings["workers (bulk_create)"] = time.perf_counter() - started

    vault_rows, doc_rows, version_rows, trail_rows, hold_rows = (
        Rows(Vault),
        Rows(Document),
        Rows(DocumentVersion),
        Rows(TrailEntry),
        Rows(LegalHold),
    )
    # Which documents are recent / held: spread evenly over the workers.
    kinds = ["expired"] * n_documents + ["recent"] * n_recent + ["held"] * n_held
    rng.shuffle(kinds)
    media = Path(default_storage.location)
    for prefix in range(256):
        (media / "vault" / f"{prefix:02x}").mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    raw = connection.cursor().connection
    raw.execute("SET session_replication_role = replica")  # consistent by construction

    # Every worker's vault and key first; then who uploaded what when, for every document; then
    # the documents are written in upload order across all workers, as a production table
    # fills: the heap of documents, versions and trail entries is in time order, and so is
    # each worker's trail. ``by-worker`` (the layout of earlier runs) writes each worker's
    # documents together instead, dated at random: every purge batch then touches pages all
    # over the tables, which no table filled by real uploads looks like.
    workers = []
    for user in users:
        vault_id = uuid.uuid4()
        worker_key = keys.new_key()
        master_id, wrapped = keys.wrap_with_master(worker_key, context=b"vault:" + vault_id.bytes)
        salt = os.urandom(16)
        workers.append(
            {
                "user": user,
                "vault_id": vault_id,
                "key": worker_key,
                "master_id": master_id,
                "wrapped": wrapped,
                "salt": salt,
                "ref": hmac.new(salt, str(user.pk).encode(), hashlib.sha256).hexdigest()[:32],
                "head": chain.GENESIS,
                "length": 0,
            }
        )
    uploads = []
    for index, state in enumerate(kinds):
        if state == "recent":
            kind, created, expires = "payslip", now - timedelta(days=300), None
        elif rng.random() < 0.1:
            created = now - timedelta(days=rng.randint(1100, 1460))
            kind = "medical_certificate"
            expires = (now - timedelta(days=rng.randint(730, 1095))).date()
        else:
            kind, expires = "payslip", None
            created = now - timedelta(days=rng.randint(2230, 3300))
        created += timedelta(microseconds=rng.randint(0, 86_400_000_000))
        uploads.append((created, index // per_worker, kind, expires, state))
    if layout == "upload-order":
        uploads.sort(key=lambda upload: upload[0])

    for chunk_start in range(0, total, CHUNK_DOCUMENTS):
        docs, versions, trail, holds = [], [], [], []
        chunk = uploads[chunk_start : chunk_start + CHUNK_DOCUMENTS]
        for doc_index, (created, owner, kind, expires, state) in enumerate(chunk, chunk_start):
            worker = workers[owner]
            user, vault_id, worker_key = worker["user"], worker["vault_id"], worker["key"]
            head = worker["head"]
            document_id, version_id = uuid.uuid4(), uuid.uuid4()
            meta = {"title": f"Pay slip {doc_index}", "issuer_name": "Bench employer"}
            plaintext = os.urandom(200)
            data_key = keys.new_key()
            ciphertext = streaming.encrypt_bytes(data_key, version_id, plaintext)
            name = blob_name_for(version_id)
            with open(media / name, "wb") as handle:
                handle.write(ciphertext)
            sha = hashlib.sha256(plaintext).hexdigest()
            docs.append(
                doc_rows.row(
                    {
                        "id": document_id,
                        "created_at": created,
                        "updated_at": created,
                        "owner_id": user.pk,
                        "kind": kind,
                        "agency_id": None,
                        "issued_on": None,
                        "expires_on": expires,
                        "sealed_meta": fields.seal(
                            worker_key,
                            json.dumps(meta, separators=(",", ":"), sort_keys=True),
                            context=b"document:" + document_id.bytes,
                        ),
                        "current_version_id": version_id,
                        "version_count": 1,
                        "kind_at_upload": kind,
                        "agency_at_upload_id": None,
                        "deleted_at": None,
                    }
                )
            )
            worker["length"] += 1
            length = worker["length"]
            entry = TrailEntry(
                vault_id=vault_id,
                position=length,
                at=created,
                event="upload",
                actor_id=user.pk,
                actor_role="worker",
                actor_ref=worker["ref"],
                document_id=document_id,
                version_id=version_id,
                sha256=sha,
                data={"kind": kind, "version": 1},
                prev_hash=head,
            )
            entry.entry_hash = chain.entry_hash(head, entry_payload(entry))
            head = worker["head"] = entry.entry_hash
            receipt = {
                "payload": {
                    "type": "fairtrail.upload_receipt",
                    "format": 1,
                    "document_id": str(document_id),
                    "version_id": str(version_id),
                    "version": 1,
                    "kind": kind,
                    "sha256": sha,
                    "size": len(plaintext),
                    "content_type": "application/pdf",
                    "owner": vault_id.hex[:16],
                    "server_time": created.isoformat(),
                    "trail_position": length,
                    "trail_hash": head,
                },
                "signature": os.urandom(64).hex(),
                "key_id": "bench",
                "alg": "Ed25519",
            }
            versions.append(
                version_rows.row(
                    {
                        "id": version_id,
                        "document_id": document_id,
                        "number": 1,
                        "blob_parts": [{"name": name, "size": len(ciphertext)}],
                        "content_type": "application/pdf",
                        "plaintext_size": len(plaintext),
                        "ciphertext_size": len(ciphertext),
                        "segment_size": streaming.SEGMENT_SIZE,
                        "sha256": sha,
                        "wrapped_data_key": keys.wrap_key(
                            worker_key, data_key, context=b"version:" + version_id.bytes
                        ),
                        "key_destroyed_at": None,
                        "receipt": receipt,
                        "created_at": created,
                    }
                )
            )
            trail.append(
                trail_rows.row(
                    {
                        f.attname: getattr(entry, f.attname)
                        for f in trail_rows.fields
                        if f.attname != "id"
                    }
                    | {"id": uuid.uuid4()}
                )
            )
            if state == "held":
                holds.append(
                    hold_rows.row(
                        {
                            "id": uuid.uuid4(),
                            "worker_id": user.pk,
                            "document_id": document_id,
                            "complaint_id": None,
                            "sealed_reason": None,
                            "ends_at": now + timedelta(days=365),
                            "created_by_id": None,
                            "created_at": now,
                            "ended_at": None,
                            "ended_by_id": None,
                        }
                    )
                )
        _copy_rows(
            raw,
            ((doc_rows, docs), (version_rows, versions), (trail_rows, trail), (hold_rows, holds)),
        )
        raw.commit()
    vaults = [
        vault_rows.row(
            {
                "id": worker["vault_id"],
                "owner_id": worker["user"].pk,
                "pseudonym": worker["vault_id"].hex[:16],
                "actor_salt": worker["salt"],
                "master_key_id": worker["master_id"],
                "wrapped_key": worker["wrapped"],
                "key_destroyed_at": None,
                "trail_length": worker["length"],
                "trail_head": worker["head"],
                "created_at": now - timedelta(days=3300),
                "rotated_at": None,
            }
        )
        for worker in workers
    ]
    _copy_rows(raw, ((vault_rows, vaults),))
    raw.commit()
    raw.execute("SET session_replication_role = DEFAULT")
    raw.commit()
    timings["vaults, documents, versions, blobs, trail (COPY)"] = time.perf_counter() - started
    started = time.perf_counter()
    raw.autocommit = True
    raw.execute("VACUUM ANALYZE")
    timings["VACUUM ANALYZE"] = time.perf_counter() - started
    return timings


class Samplers:
    """RSS of this process, the purge connections' transactions, and a vault-lock probe.

    They run in a child process, so that measuring does not take the purge's interpreter
    lock (the purge is CPU-bound Python on two cores)."""

    def __init__(self, vault_ids: list[uuid.UUID]) -> None:
        self.purge_pid = os.getpid()
        self.stop = threading.Event()
        self.vault_ids = vault_ids
        self.rss: list[int] = []
        self.xacts: dict[tuple[int, datetime], datetime] = {}
        self.probe_pid = 0
        self.lock_waits_seen = 0
        self.probe_waits: list[float] = []
        self.threads = [
            threading.Thread(target=self._rss, daemon=True),
            threading.Thread(target=self._xacts, daemon=True),
            threading.Thread(target=self._probe, daemon=True),
        ]

    def __enter__(self) -> Samplers:
        import multiprocessing

        self.pipe, child_end = multiprocessing.Pipe()
        context = multiprocessing.get_context("fork")
        self.process = context.Process(target=self._child, args=(child_end,), daemon=True)
        self.process.start()
        self.pipe.recv()  # started
        return self

    def _child(self, pipe) -> None:
        for thread in self.threads:
            thread.start()
        pipe.send("started")
        pipe.recv()
        self.stop.set()
        for thread in self.threads:
            thread.join()
        pipe.send((self.rss, self.xacts, self.lock_waits_seen, self.probe_waits))

    def __exit__(self, *exc) -> None:
        self.pipe.send("stop")
        self.rss, self.xacts, self.lock_waits_seen, self.probe_waits = self.pipe.recv()
        self.process.join()

    def _rss(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        with open(f"/proc/{self.purge_pid}/statm") as statm:
            while not self.stop.is_set():
                statm.seek(0)
                self.rss.append(int(statm.read().split()[1]) * page)
                time.sleep(0.01)

    def _xacts(self) -> None:
        """Every transaction of the purge's connections: its own and its walk threads' (every
        client backend of the database but this sampler's and the probe's: not autovacuum)."""
        import psycopg

        while not self.probe_pid and not self.stop.is_set():
            time.sleep(0.001)
        with psycopg.connect(BENCH_URL, autocommit=True) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT pid, xact_start, clock_timestamp(), wait_event_type"
                    " FROM pg_stat_activity WHERE datname = current_database()"
                    " AND backend_type = 'client backend' AND xact_start IS NOT NULL"
                    " AND pid <> pg_backend_pid() AND pid <> %s",
                    [self.probe_pid],
                ).fetchall()
                for pid, start, now, wait in rows:
                    self.xacts[(pid, start)] = now
                    if wait == "Lock":
                        self.lock_waits_seen += 1
                time.sleep(0.005)

    def _probe(self) -> None:
        import psycopg

        rng = random.Random(3)
        with psycopg.connect(BENCH_URL) as conn:
            self.probe_pid = conn.info.backend_pid
            while not self.stop.is_set():
                vault_id = rng.choice(self.vault_ids)
                started = time.perf_counter()
                conn.execute("SELECT 1 FROM vault_vault WHERE id = %s FOR UPDATE", [vault_id])
                self.probe_waits.append(time.perf_counter() - started)
                conn.commit()
                time.sleep(0.05)

    def transaction_seconds(self) -> list[float]:
        return sorted((end - start).total_seconds() for (_pid, start), end in self.xacts.items())


def percentile(values: list[float], p: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))] if data else 0.0


def verify(n_documents: int, purged: int) -> dict[str, object]:
    from django.core.files.storage import default_storage
    from django.db.models import Q

    from backend.audit.models import AuditEvent
    from backend.retention.models import LegalHold
    from backend.vault.models import BlobDeletion, Document, DocumentVersion, TrailEntry, Vault
    from backend.vault.trail import trail_verify

    checks: dict[str, object] = {}
    held = set(LegalHold.objects.values_list("document_id", flat=True))
    dead = Document.objects.filter(deleted_at__isnull=False)
    live = Document.objects.filter(deleted_at__isnull=True)
    checks["documents tombstoned"] = dead.count()
    checks["tombstones with sealed metadata"] = dead.filter(sealed_meta__isnull=False).count()
    checks["purged versions with a data key left"] = (
        DocumentVersion.objects.filter(document__deleted_at__isnull=False)
        .filter(Q(wrapped_data_key__isnull=False) | Q(key_destroyed_at__isnull=True))
        .count()
    )
    checks["purged versions with a receipt left"] = (
        DocumentVersion.objects.filter(document__deleted_at__isnull=False)
        .exclude(receipt={})
        .count()
    )
    checks["held documents purged"] = dead.filter(pk__in=held).count()
    checks["live documents"] = live.count()
    checks["live versions with a destroyed key"] = DocumentVersion.objects.filter(
        document__deleted_at__isnull=True, wrapped_data_key__isnull=True
    ).count()
    expected = {
        part["name"]
        for parts in DocumentVersion.objects.filter(document__deleted_at__isnull=True).values_list(
            "blob_parts", flat=True
        )
        for part in parts
    }
    media = Path(default_storage.location)
    left = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}
    checks["blob files left"] = len(left)
    checks["blob files of purged documents left"] = len(left - expected)
    checks["blobs of live documents missing"] = len(expected - left)
    checks["delete trail entries"] = TrailEntry.objects.filter(event="delete").count()
    batches = list(
        AuditEvent.objects.filter(action="vault.documents_purged").values_list("data", flat=True)
    )
    checks["purge audit events (one per batch)"] = len(batches)
    checks["documents named by the purge audit events"] = len(
        {document for data in batches for document in data["documents"]}
    )
    checks["blob deletion records left"] = BlobDeletion.objects.count()
    vault_ids = list(Vault.objects.order_by("?").values_list("pk", flat=True)[:2000])
    bad = 0
    for vault in Vault.objects.filter(pk__in=vault_ids):
        if not trail_verify(vault).ok:
            bad += 1
    checks[f"trail chains verified (of {len(vault_ids)} sampled)"] = len(vault_ids) - bad
    ok = (
        checks["documents tombstoned"] == n_documents == purged
        and checks["tombstones with sealed metadata"] == 0
        and checks["purged versions with a data key left"] == 0
        and checks["purged versions with a receipt left"] == 0
        and checks["held documents purged"] == 0
        and checks["live versions with a destroyed key"] == 0
        and checks["blob files of purged documents left"] == 0
        and checks["blobs of live documents missing"] == 0
        and checks["delete trail entries"] == n_documents
        and checks["documents named by the purge audit events"] == n_documents
        and sum(data["count"] for data in batches) == n_documents
        and checks["blob deletion records left"] == 0
        and bad == 0
    )
    checks["all checks passed"] = ok
    return checks


def run_purge(n_documents: int, batch_size: int, seconds: float | None = None) -> dict[str, object]:
    from backend.retention.services import retention_run
    from backend.vault.models import Document, Vault

    affected = list(
        Vault.objects.filter(owner__documents__deleted_at__isnull=True)
        .distinct()
        .values_list("pk", flat=True)[:5000]
    )
    before_docs = Document.objects.count()
    with open("/proc/self/statm") as statm:
        rss_before = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    load_before = os.getloadavg()
    with Samplers(affected) as samplers:
        started = time.perf_counter()
        run = retention_run(dry_run=False, batch_size=batch_size, deadline_seconds=seconds or 10**6)
        elapsed = time.perf_counter() - started
    purged = sum(v for k, v in run.counts.items() if k.startswith("document:"))
    xacts = samplers.transaction_seconds()
    return {
        "documents in database": before_docs,
        "purged": purged,
        "counts": run.counts,
        "seconds": elapsed,
        "docs_per_second": purged / elapsed if elapsed else 0.0,
        "rss_before": rss_before,
        "rss_peak": max(samplers.rss, default=rss_before),
        "transactions": len(xacts),
        "xact_p50": percentile(xacts, 50),
        "xact_p95": percentile(xacts, 95),
        "xact_max": max(xacts, default=0.0),
        "purge_lock_waits_seen": samplers.lock_waits_seen,
        "probe_n": len(samplers.probe_waits),
        "probe_p50": percentile(samplers.probe_waits, 50),
        "probe_max": max(samplers.probe_waits, default=0.0),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "checks": verify(purged if seconds else n_documents, purged),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--per-worker", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument(
        "--phase",
        choices=["all", "generate", "purge"],
        default="all",
        help="generate: load BENCH_DATABASE_URL and --media only; purge: run and verify the"
        " purge on a database and --media loaded before (e.g. copies of a generated template)",
    )
    parser.add_argument("--media", help="the blob directory of --phase generate / purge")
    parser.add_argument(
        "--server",
        choices=["default", "tuned"],
        default="default",
        help="default: the server at BENCH_DATABASE_URL as it is configured; tuned: a private"
        " cluster started for the run with production settings (TUNED_SETTINGS)",
    )
    parser.add_argument(
        "--layout",
        choices=["upload-order", "by-worker"],
        default="upload-order",
        help="row order of the generated tables: as uploads arrive (default), or each worker's"
        " documents together with random dates (the pessimistic layout of earlier runs)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        help="stop the purge at this deadline (a rate sample of a large data set); the checks"
        " then expect exactly the documents it purged",
    )
    args = parser.parse_args()

    if args.phase == "generate":
        setup_django(args.media)
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        timings = {"migrate": time.perf_counter() - started}
        timings.update(generate(args.documents, args.per_worker, args.layout))
        print(json.dumps(timings))
        return

    if args.phase == "purge":
        setup_django(args.media)
        from django.db import connection

        result = run_purge(args.documents, args.batch_size, args.seconds)
        version = connection.cursor().connection.info.server_version
        connection.close()
        report(args, result, {}, version)
        return

    server = None
    if args.server == "tuned":
        global BENCH_URL
        server = tuned_server()
        base = server.url.rsplit("/", 1)[0]
        BENCH_URL = os.environ["BENCH_DATABASE_URL"] = f"{base}/fairtrail_bench_retention"
    media = tempfile.mkdtemp(prefix="fairtrail-bench-retention-")
    try:
        create_database()
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--phase=generate",
                f"--media={media}",
                f"--documents={args.documents}",
                f"--per-worker={args.per_worker}",
                f"--layout={args.layout}",
            ],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        timings = json.loads(out.strip().splitlines()[-1])
        setup_django(media)
        from django.db import connection

        result = run_purge(args.documents, args.batch_size, args.seconds)
        version = connection.cursor().connection.info.server_version
        connection.close()
    finally:
        if not args.keep:
            drop_database()
            shutil.rmtree(media, ignore_errors=True)
            if server is not None:
                server.remove()

    report(args, result, timings, version)


def report(args, result: dict, timings: dict[str, float], version: int) -> None:
    mb = 1024 * 1024
    print(
        f"\nDataset: {result['documents in database']:,} documents "
        f"({args.documents:,} expired), {args.per_worker} per worker, PostgreSQL {version}, "
        f"{os.cpu_count()} CPUs, batch size {args.batch_size}, {args.server} server settings;"
        " load average "
        f"{result['load_before'][0]:.1f} before, {result['load_after'][0]:.1f} after\n"
    )
    print("| step | time |\n|---|---|")
    for step, seconds in timings.items():
        print(f"| {step} | {seconds:.1f} s |")
    print()
    print("| measure | result |\n|---|---|")
    print(f"| documents purged | {result['purged']:,} in {result['seconds']:.1f} s |")
    print(f"| throughput | **{result['docs_per_second']:,.0f} documents/s** |")
    print(
        f"| RSS of the purging process | {result['rss_before'] / mb:.0f} MB before, peak "
        f"{result['rss_peak'] / mb:.0f} MB (+{(result['rss_peak'] - result['rss_before']) / mb:.1f}"
        " MB) |"
    )
    print(
        f"| purge transactions (= row-lock holds) | {result['transactions']:,}: p50 "
        f"{result['xact_p50'] * 1000:.0f} ms, p95 {result['xact_p95'] * 1000:.0f} ms, "
        f"**max {result['xact_max'] * 1000:.0f} ms** |"
    )
    print(
        f"| concurrent vault-row lock probe (every 50 ms) | {result['probe_n']:,} probes: p50 "
        f"{result['probe_p50'] * 1000:.1f} ms, max {result['probe_max'] * 1000:.0f} ms |"
    )
    print(
        f"| purge connections seen waiting on a lock | {result['purge_lock_waits_seen']} samples |"
    )
    print()
    print("| check | value |\n|---|---|")
    for check, value in result["checks"].items():
        print(
            f"| {check} | {value:,} |"
            if isinstance(value, int) and not isinstance(value, bool)
            else f"| {check} | {value} |"
        )
    print(f"\nPurgeRun counts: {json.dumps(result['counts'], sort_keys=True)}")
    if not result["checks"]["all checks passed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
