"""Load test: a mobile mix against gunicorn on PostgreSQL and Redis, with a real Celery worker.

    .venv/bin/python bench/bench_load.py [--users 30] [--duration 60] [--wait 1,3]
                                         [--web-workers 3]

1. Creates the database ``fairtrail_bench_load`` (``BENCH_DATABASE_URL``, default
   postgres://postgres@127.0.0.1:5432/fairtrail_bench_load; dropped first and at the end),
   flushes Redis db 7 (``BENCH_REDIS_URL``: broker *and* cache, so throttles and the device
   cache live there as in production), migrates, and starts gunicorn (``--web-workers`` sync
   workers, as the Dockerfile) with the production settings (bench/load/settings.py) on
   127.0.0.1, plus one ``celery -A workers worker`` on a queue of this run: tasks are queued in
   Redis and run by that worker, not eagerly.
2. Seeds one verified worker per simulated user (Argon2id passwords), two Thai labour inspectors,
   300 agencies with corridors, and through the API three documents and one complaint per worker.
3. Runs locust headless (bench/load/locustfile.py, ``--users`` users all on loopback) for
   ``--duration`` seconds, and fails if any request failed (locust's exit code and our own
   count), then waits for the Celery queue to drain (every task of the run done).
4. Prints, per endpoint: requests, requests/s, p50/p95/p99/max latency (exact, from every
   sample), and p50/p95 as a multiple of the minimal DRF endpoint served by the same gunicorn in
   the same run; plus the CPU seconds used by gunicorn, the Celery worker, locust, this run's
   PostgreSQL backends and everything else on the machine during the run (contention).
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server import gunicorn  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairtrail_bench_load"
)
DATABASE_NAME = DATABASE_URL.rsplit("/", 1)[1]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PASSWORD = "load-test-passphrase-2026"
BASELINE = "baseline: DRF APIView, no auth"
CLK_TCK = os.sysconf("SC_CLK_TCK")

AGENCY_WORDS = [
    "Golden",
    "Bridge",
    "Mekong",
    "Sagarmatha",
    "Himalaya",
    "Lotus",
    "Bintang",
    "Sejahtera",
    "Pacific",
    "Horizon",
    "Saigon",
    "Hanoi",
    "Everest",
    "Makmur",
    "Jaya",
    "Royal",
    "Harbour",
    "Delta",
    "Sunrise",
    "Kathmandu",
]
ORIGINS = ["MM", "KH", "NP", "ID", "PH", "VN"]
DESTINATIONS = ["TH", "MY", "QA"]


def environment(queue: str) -> dict[str, str]:
    """What the production settings require, for the server, the worker and this process."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.load.settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FAIRTRAIL_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "FAIRTRAIL_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "SMS_BACKEND": "bench.load.sms.RefusingSmsBackend",
        "SECURE_SSL_REDIRECT": "false",
        "NUM_PROXIES": "1",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
    }


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL)


# --- seeding ----------------------------------------------------------------------------------
def seed_database(users: int) -> dict:
    import django

    django.setup()
    from django.utils import timezone

    from backend.accounts.models import Role, User
    from backend.agencies.models import Agency, LicenceStatus
    from backend.agencies.services import agency_save

    workers = []
    for i in range(users + 1):
        phone = f"+6689{i:07d}"
        User.objects.create_user(
            phone, PASSWORD, phone=phone, phone_verified_at=timezone.now(), role=Role.WORKER
        )
        workers.append({"phone": phone, "password": PASSWORD})
    for i in range(2):
        User.objects.create_user(
            f"load-inspector-{i}",
            PASSWORD,
            role=Role.INSPECTOR,
            country="TH",
            sectors=["fishing", "construction"],
        )
    rng = __import__("random").Random(9)
    agencies = []
    for i in range(300):
        origin = ORIGINS[i % len(ORIGINS)]
        agency = Agency(
            name=f"{rng.choice(AGENCY_WORDS)} {rng.choice(AGENCY_WORDS)} Manpower {i}",
            country=origin,
            licence_number=f"LOAD-{origin}-{i:04d}",
            licensing_authority="Ministry of Labour",
            licence_status=LicenceStatus.LICENSED,
        )
        corridors = rng.sample(DESTINATIONS, rng.randint(1, 2))
        agencies.append(
            str(agency_save(agency=agency, corridors=[(origin, d) for d in corridors]).pk)
        )
    return {
        "workers": workers[:-1],
        "probe": workers[-1],
        "agencies": agencies,
        "search_words": ["golde", "mekong", "sagarmatha manpower", "bintang", "himalya", "harbour"],
    }


def seed_through_api(base: str, seed: dict) -> None:
    from bench.load.payloads import NARRATIVE, multipart, pdf_bytes

    for n, account in enumerate(seed["workers"]):
        session = requests.Session()
        session.headers["X-Forwarded-For"] = f"10.78.{n // 250}.{n % 250 + 1}"
        token = session.post(
            f"{base}/api/v1/auth/token", json={**account, "device_name": "seed"}, timeout=60
        )
        token.raise_for_status()
        session.headers["Authorization"] = f"Bearer {token.json()['access']}"
        for kind in ("employment_contract", "payslip", "identity_document"):
            body, content_type = multipart(
                {"kind": kind, "title": kind}, f"{kind}.pdf", pdf_bytes(30_000), "application/pdf"
            )
            session.post(
                f"{base}/api/v1/vault/documents/",
                data=body,
                headers={"Content-Type": content_type},
                timeout=60,
            ).raise_for_status()
        session.post(
            f"{base}/api/v1/complaints/",
            json={
                "client_key": str(uuid.uuid4()),
                "employer_name": "Sunrise Seafood Co.",
                "workplace_country": "TH",
                "sector": "fishing",
                "categories": ["withholding_of_wages"],
                "narrative": NARRATIVE,
                "submit": True,
            },
            timeout=60,
        ).raise_for_status()


# --- processes and CPU accounting --------------------------------------------------------------
def start_worker(queue: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "--queues", queue,
         "--hostname", f"{queue}@%h", "--concurrency", "1", "--loglevel", "WARNING"],
        cwd=ROOT, env=os.environ.copy(), stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def wait_queue_empty(queue: str, timeout: float = 120) -> float:
    """Seconds until the run's queue is empty (the worker took every message)."""
    client, start = redis_client(), time.monotonic()
    while client.llen(queue) and time.monotonic() - start < timeout:
        time.sleep(0.2)
    if client.llen(queue):
        raise SystemExit(f"Celery queue {queue} not drained after {timeout:.0f} s")
    return time.monotonic() - start


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                pids.extend(process_tree(int(child)))
    except OSError:
        pass
    return pids


def cpu_seconds(pids) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def machine_busy_seconds() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / CLK_TCK


def postgres_backends() -> list[int]:
    import psycopg

    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [DATABASE_NAME]
        ).fetchall()
    return [r[0] for r in rows]


def snapshot(groups: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    return {name: cpu_seconds(pids) for name, pids in groups.items()}


def used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


# --- statistics ---------------------------------------------------------------------------------
def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def server_times(access_log: Path, offset: int) -> dict[str, list[float]]:
    """Per endpoint name, gunicorn's own request times in ms (``%(D)s``: from the request read
    by a worker to the response written; the wait in the listen backlog is not included)."""
    out: dict[str, list[float]] = defaultdict(list)
    with access_log.open() as log:
        log.seek(offset)
        for line in log:
            name, _status, micros = line.rstrip("\n").rsplit("|", 2)
            if name and name != "-":
                out[name].append(int(micros) / 1000)
    return out


def report(samples: list, server: dict, cpu: dict[str, float], args, wall: float):
    by_name: dict[str, list[float]] = defaultdict(list)
    not_modified: dict[str, int] = defaultdict(int)
    failures = sum(1 for *_, ok, _status in samples if not ok)
    for name, _start, ms, _ok, status in samples:
        if not name.startswith("probe sign-in"):
            by_name[name].append(ms)
            not_modified[name] += status == 304
    starts = [s for _, s, *_ in samples]
    window = max(starts) - min(starts)
    base50 = percentile(sorted(by_name[BASELINE]), 0.5)
    server_base50 = percentile(sorted(server[BASELINE]), 0.5)
    mix = sum(len(v) for k, v in by_name.items() if not k.startswith("baseline"))
    lines = [
        f"{args.users} phones (think time {args.wait[0]:g}-{args.wait[1]:g} s) + 1 baseline probe, "
        f"{args.duration} s, {args.web_workers} gunicorn sync workers; mix: {mix} requests in "
        f"{window:.1f} s = {mix / window:.1f} req/s (all: {len(samples) / window:.1f} req/s); "
        f"failures: {failures}",
        "",
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | p50 / baseline | "
        "server p50 ms | server p95 ms | server p50 / baseline | 304s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(by_name, key=lambda n: (n.startswith("baseline"), n)):
        values, own = sorted(by_name[name]), sorted(server.get(name) or [float("nan")])
        p50, s50 = percentile(values, 0.5), percentile(own, 0.5)
        lines.append(
            f"| {name} | {len(values)} | {len(values) / window:.1f} | {p50:.1f} | "
            f"{percentile(values, 0.95):.1f} | {percentile(values, 0.99):.1f} | {values[-1]:.1f} | "
            f"{p50 / base50:.1f}x | {s50:.1f} | {percentile(own, 0.95):.1f} | "
            f"{s50 / server_base50:.1f}x | {not_modified[name] or ''} |"
        )
    lines += [
        "",
        "CPU seconds during the run (2 cores = "
        + f"{2 * wall:.0f} core-seconds available): "
        + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
        + f"; gunicorn CPU per request {1000 * cpu['gunicorn'] / len(samples):.1f} ms",
    ]
    return "\n".join(lines), failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument(
        "--wait", type=lambda v: tuple(float(x) for x in v.split(",")), default=(1, 3)
    )
    parser.add_argument("--web-workers", type=int, default=3)
    args = parser.parse_args()

    queue = f"bench-load-{os.getpid()}"
    os.environ.update(environment(queue))
    redis_client().flushdb()
    work = Path(tempfile.mkdtemp(prefix="fairtrail-load-"))
    seed_file, samples_file = work / "seed.json", work / "samples.json"
    worker = None
    try:
        access_log = work / "access.log"
        with gunicorn(
            settings="bench.load.settings",
            workers=args.web_workers,
            database=DATABASE_NAME,
            extra_args=[
                "--access-logfile",
                str(access_log),
                "--access-logformat",
                "%({x-load-name}i)s|%(s)s|%(D)s",
            ],
        ) as (base, web_pid, data_dir):
            os.environ["FAIRTRAIL_DATA_DIR"] = str(data_dir)
            t0 = time.monotonic()
            seed = seed_database(args.users)
            seed_file.write_text(json.dumps(seed))
            worker = start_worker(queue, work / "worker.log")
            seed_through_api(base, seed)
            drained = wait_queue_empty(queue)
            print(f"seeded in {time.monotonic() - t0:.1f} s (queue drained {drained:.1f} s)")

            master = int(Path(f"/proc/{web_pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            groups = {
                "gunicorn": process_tree(master),
                "celery worker": process_tree(worker.pid),
                "PostgreSQL (this database)": postgres_backends(),
            }
            before, busy0, kids0 = (
                snapshot(groups),
                machine_busy_seconds(),
                resource.getrusage(resource.RUSAGE_CHILDREN),
            )
            load0, wall0 = os.getloadavg()[0], time.monotonic()
            log_offset = access_log.stat().st_size if access_log.exists() else 0
            locust = subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"),
                 "--headless", "--users", str(args.users + 1), "--spawn-rate", "10",
                 "--run-time", f"{args.duration}s", "--host", base, "--only-summary",
                 "--stop-timeout", "10", "--loglevel", "WARNING", "--exit-code-on-error", "1"],
                cwd=ROOT, timeout=args.duration + 120,
                env={**os.environ, "LOAD_SEED_FILE": str(seed_file),
                     "LOAD_SAMPLES_FILE": str(samples_file), "LOAD_WAIT_MIN": str(args.wait[0]),
                     "LOAD_WAIT_MAX": str(args.wait[1])},
            )  # fmt: skip
            wall = time.monotonic() - wall0
            kids1, busy1 = resource.getrusage(resource.RUSAGE_CHILDREN), machine_busy_seconds()
            groups["PostgreSQL (this database)"] = postgres_backends()
            groups["gunicorn"] = process_tree(master)
            groups["celery worker"] = process_tree(worker.pid)
            after = snapshot(groups)
            cpu = {name: used(before[name], after[name]) for name in groups}
            cpu["locust"] = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
            cpu["other processes on the machine"] = (busy1 - busy0) - sum(cpu.values())
            drained = wait_queue_empty(queue)
            samples = json.loads(samples_file.read_text())
            server = server_times(access_log, log_offset)
            table, failures = report(samples, server, cpu, args, wall)
            print(table)
            print(
                f"load average 1 min: {load0:.2f} before, {os.getloadavg()[0]:.2f} after; "
                f"Celery queue drained {drained:.1f} s after the run"
            )
            if locust.returncode or failures:
                raise SystemExit(f"FAILED: locust exit {locust.returncode}, {failures} failures")
    finally:
        if worker is not None:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=30)
        redis_client().flushdb()


if __name__ == "__main__":
    main()
