"""Benchmark of notification delivery: 10,000 notifications through Redis by 2 worker processes.

    .venv/bin/python bench/bench_notifications.py [--notifications 10000] [--fanout 10]
                                                  [--users 1000] [--skip-kill]

Uses its own PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/fairtrail_bench_notifications, created and migrated on first
run) and Redis (``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/6) with a queue of its own.

Each run:
1. emits the notifications with the real ``notify()`` (``--fanout`` recipients per event, one
   transaction and one ``notifications.dispatch`` message per event), while no worker runs, so
   the messages wait in Redis;
2. starts two ``celery -A workers worker --concurrency 1`` processes with the logging push
   provider writing every "sent" push to a sink file (one line per delivery, O_APPEND);
3. measures the delivery rate from the first claim to the last ``sent`` (database timestamps);
4. checks: every delivery ``sent`` in the database, the sink holds each delivery id exactly once.

The second run SIGKILLs one worker (its whole process group) half-way and sends the sweep
(``notifications.redispatch_pending``) every 2 s, as beat would every minute; the workers run
with a short dispatch time limit (10 s) so the sweep may reclaim the killed worker's claimed
deliveries within the run. Prints a markdown table (copied into docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairtrail_bench_notifications"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
WORKER_ENV = {
    "DJANGO_SETTINGS_MODULE": "backend.config.settings.local",
    "DEBUG": "false",
    "LOG_LEVEL": "WARNING",
    "DATABASE_URL": BENCH_URL,
    "REDIS_URL": REDIS_URL,
    "NOTIFICATIONS_DISPATCH_TIME_LIMIT": "10",
    "NOTIFICATIONS_RECLAIM_MARGIN_SECONDS": "2",
    "NOTIFICATIONS_SWEEP_GRACE_SECONDS": "5",
}


def setup_django() -> None:
    os.environ.update(
        {k: v for k, v in WORKER_ENV.items() if k != "LOG_LEVEL"}, LOG_LEVEL="WARNING"
    )
    import django
    import psycopg

    name = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_users(count: int) -> list:
    from backend.accounts.models import User
    from backend.notifications.models import PushToken

    users = list(User.objects.filter(username__startswith="bench-notify-").order_by("username"))
    for i in range(len(users), count):
        user = User.objects.create(username=f"bench-notify-{i:06d}", role="worker")
        PushToken.objects.create(user=user, platform="android", token=f"bench-token-{i:06d}-x")
        users.append(user)
    return users[:count]


def produce(*, run: str, users: list, total: int, fanout: int) -> float:
    from django.db import transaction

    from backend.notifications.services import notify

    started = time.perf_counter()
    for event in range(total // fanout):
        recipients = [users[(event * fanout + k) % len(users)] for k in range(fanout)]
        with transaction.atomic():
            notify(
                event=f"bench.{run}",
                event_key=f"bench:{run}:{event}",
                recipients=recipients,
                subject_ref="FT-BNCH-0001",
                data={"n": event},
            )
    return time.perf_counter() - started


def start_worker(*, queue: str, name: str, sink: Path, log_dir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        **WORKER_ENV,
        "NOTIFICATIONS_SINK_FILE": str(sink),
        # Tasks the workers send themselves (the sweep's dispatches) stay on this run's queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    log = (log_dir / f"{name}.log").open("w")
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "workers", "worker",
            "--queues", queue, "--hostname", f"{name}@%h", "--concurrency", "1",
            "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle",
            "--loglevel", "WARNING",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_once(*, users: list, total: int, fanout: int, kill: bool, log_dir: Path) -> dict:
    from django.db.models import Max, Min

    from backend.core.tasks import celery_app
    from backend.notifications.models import Delivery, DeliveryStatus

    run = uuid.uuid4().hex[:10]
    queue = f"bench-notify-{run}"
    celery_app().conf.task_default_queue = queue
    sink = log_dir / f"sink-{run}.txt"
    produce_seconds = produce(run=run, users=users, total=total, fanout=fanout)
    pushes = Delivery.objects.filter(notification__event=f"bench.{run}", channel="push")
    assert pushes.count() == total, pushes.count()

    workers = [
        start_worker(queue=queue, name=f"w{i}-{run}", sink=sink, log_dir=log_dir) for i in range(2)
    ]
    killed_at = None
    last_sweep = 0.0
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            sent = pushes.filter(status=DeliveryStatus.SENT).count()
            if sent == total:
                break
            if kill and killed_at is None and sent >= total // 2:
                os.killpg(workers[0].pid, signal.SIGKILL)
                workers[0].wait()
                killed_at = sent
            if kill and killed_at is not None and time.monotonic() - last_sweep > 2:
                celery_app().send_task("notifications.redispatch_pending", queue=queue)
                last_sweep = time.monotonic()
            time.sleep(1)
    finally:
        for worker in workers:
            stop(worker)
    window = pushes.aggregate(first=Min("claimed_at"), last=Max("sent_at"))
    seconds = (window["last"] - window["first"]).total_seconds()
    lines = sink.read_text().splitlines() if sink.exists() else []
    ids = Counter(line.split()[0] for line in lines)
    sent_ids = {
        str(i) for i in pushes.filter(status=DeliveryStatus.SENT).values_list("id", flat=True)
    }
    return {
        "fanout": fanout,
        "kill": kill,
        "killed_at": killed_at,
        "produce_rate": total / produce_seconds,
        "seconds": seconds,
        "rate": total / seconds,
        "sent_db": len(sent_ids),
        "sink_lines": len(lines),
        "lost": total - len(sent_ids & set(ids)),
        "duplicated": sum(n - 1 for n in ids.values() if n > 1),
        "retried": pushes.filter(attempts__gt=1).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--fanout", type=int, nargs="+", default=[10, 1])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--skip-kill", action="store_true")
    args = parser.parse_args()
    setup_django()
    users = ensure_users(args.users)
    from backend.notifications.models import Delivery

    # Leftovers of an interrupted earlier run (bench database only) would be swept into this one.
    Delivery.objects.filter(
        notification__event__startswith="bench.", status__in=["pending", "sending"]
    ).update(status="skipped", last_error="bench_interrupted")
    log_dir = Path(os.environ.get("BENCH_LOG_DIR") or tempfile.mkdtemp(prefix="bench-notify-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"worker logs and sinks in {log_dir}", flush=True)
    rows = []
    for fanout in args.fanout:
        for kill in [False] if args.skip_kill else [False, True]:
            result = run_once(
                users=users, total=args.notifications, fanout=fanout, kill=kill, log_dir=log_dir
            )
            rows.append(result)
            print(result, flush=True)
    print()
    print(
        "| recipients per event | worker killed | emit rate (notify+commit)/s | delivered/s "
        "| seconds | sent in DB | sink lines | lost | duplicated | re-claimed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        killed = f"yes, at {r['killed_at']:,}" if r["kill"] else "no"
        print(
            f"| {r['fanout']} | {killed} | {r['produce_rate']:,.0f} | {r['rate']:,.0f} "
            f"| {r['seconds']:.1f} | {r['sent_db']:,} | {r['sink_lines']:,} | {r['lost']} "
            f"| {r['duplicated']} | {r['retried']} |"
        )


if __name__ == "__main__":
    main()
