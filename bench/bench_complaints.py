"""Benchmark of the inspection queue, a worker's complaint list and the statistics endpoint.

    .venv/bin/python bench/bench_complaints.py [--complaints 50000] [--reset]

Uses its own PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/fairtrail_bench_complaints, created and migrated on first
run). Loads ``--complaints`` complaints (bulk inserts; states, countries, sectors, categories
and deadlines spread like a busy inspectorate: 60 % Thailand, 25 % the Philippines, 15 %
Malaysia; a fifth overdue) for 5,000 workers, then calls each endpoint 200 times in-process with
Django's test client, recording latency and SQL queries per request. Prints a markdown table
(copied into docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairtrail_bench_complaints"
)


def setup_django(reset: bool) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=BENCH_URL, LOG_LEVEL="WARNING"
    )
    import django
    import psycopg

    name = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if reset:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(count: int) -> None:
    from backend.accounts.models import Role, User
    from backend.complaints import rules
    from backend.complaints.models import (
        PRIORITY_RANK,
        Category,
        Complaint,
        ComplaintCategory,
        Priority,
        State,
    )
    from backend.core import clock

    if Complaint.objects.count() >= count:
        return
    rng = random.Random(5)
    workers = [
        User(username=f"bench-w{i}", role=Role.WORKER, country=rng.choice(["MM", "KH", "LA"]))
        for i in range(5000)
    ]
    for user in workers:
        user.password = "!"
    User.objects.bulk_create(workers, batch_size=2000, ignore_conflicts=True)
    workers = list(User.objects.filter(username__startswith="bench-w"))
    now = clock.now()
    states = [State.SUBMITTED] * 3 + [State.ACCEPTED, State.ASSIGNED, State.INVESTIGATING]
    states += [State.AWAITING_WORKER, State.RESOLVED, State.CLOSED, State.REJECTED]
    sectors = ["fishing", "construction", "domestic", "agriculture", "manufacturing"]
    categories = list(Category.values)
    references = set()
    while len(references) < count:
        references.add(rules.reference_new())
    references = sorted(references)
    batch: list[Complaint] = []
    rows: list[ComplaintCategory] = []
    for i in range(count):
        worker = rng.choice(workers)
        country = rng.choices(["TH", "PH", "MY"], weights=[60, 25, 15])[0]
        chosen = sorted(set(rng.sample(categories, rng.randint(1, 3))))
        priority = rules.priority_compute(chosen)
        submitted = now - dt.timedelta(days=rng.uniform(0, 400))
        state = rng.choice(states)
        due = (
            submitted + dt.timedelta(days=rng.choice([3, 60]))
            if state
            in (
                State.SUBMITTED,
                State.ACCEPTED,
                State.ASSIGNED,
                State.INVESTIGATING,
                State.AWAITING_WORKER,
            )
            else None
        )
        if due is not None and rng.random() > 0.2:
            due = now + dt.timedelta(days=rng.uniform(0, 60))
        complaint = Complaint(
            reference=references.pop(),
            worker=worker,
            filed_by=worker,
            client_key=uuid.uuid4(),
            state=state,
            employer_name=f"Employer {i % 700}",
            workplace_country=country,
            sector=rng.choice(sectors),
            worker_nationality=worker.country,
            categories=chosen,
            priority=priority,
            computed_priority=priority,
            priority_rank=PRIORITY_RANK[Priority(priority)],
            submitted_at=submitted,
            triaged_at=submitted + dt.timedelta(days=rng.uniform(0.1, 5))
            if state not in (State.SUBMITTED,)
            else None,
            due_at=due,
        )
        batch.append(complaint)
        rows.extend(ComplaintCategory(complaint=complaint, category=c) for c in chosen)
        if len(batch) >= 5000:
            Complaint.objects.bulk_create(batch)
            ComplaintCategory.objects.bulk_create(rows)
            batch, rows = [], []
    Complaint.objects.bulk_create(batch)
    ComplaintCategory.objects.bulk_create(rows)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure(client, urls: list[str], n: int = 200) -> tuple[float, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for i in range(n):
        url = urls[i % len(urls)]
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = max(queries, len(ctx.captured_queries))
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1], queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=50000)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    setup_django(args.reset)
    started = time.perf_counter()
    load(args.complaints)
    print(f"load: {time.perf_counter() - started:.1f} s")

    from rest_framework.test import APIClient

    from backend.accounts.models import Role, User
    from backend.complaints.models import Complaint, Supervisor

    inspector, _ = User.objects.get_or_create(
        username="bench-inspector", defaults={"role": Role.INSPECTOR, "country": "TH"}
    )
    Supervisor.objects.get_or_create(user=inspector)
    client = APIClient()
    client.force_authenticate(inspector)
    worker = Complaint.objects.filter(workplace_country="TH").first().worker
    worker_client = APIClient()
    worker_client.force_authenticate(worker)
    reference = Complaint.objects.filter(workplace_country="TH", state="submitted").first()
    q = "/api/v1/inspection/queue"
    table = [
        (
            "queue, default (open, by priority and deadline; pages 1-3)",
            client,
            [q, f"{q}?page=2", f"{q}?page=3"],
        ),
        (
            "queue `?view=overdue` / `due_soon` / `unassigned`",
            client,
            [f"{q}?view=overdue", f"{q}?view=due_soon", f"{q}?view=unassigned"],
        ),
        (
            "queue `?category=` / `?sector=` / `?priority=urgent`",
            client,
            [f"{q}?category=debt_bondage", f"{q}?sector=fishing", f"{q}?priority=urgent"],
        ),
        ("queue `?reference=`", client, [f"{q}?reference={reference.reference}"]),
        ("worker's complaint list", worker_client, ["/api/v1/complaints/"]),
        ("statistics (supervisor, Thailand)", client, ["/api/v1/statistics/complaints"]),
    ]
    total = Complaint.objects.count()
    print(f"\n{total} complaints; 200 requests per row\n")
    print("| endpoint | p50 ms | p95 ms | max ms | SQL queries/request |")
    print("|---|---|---|---|---|")
    for label, c, urls in table:
        n = 40 if "statistics" in label else 200
        p50, p95, worst, queries = measure(c, urls, n)
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {worst:.1f} | {queries} |")


if __name__ == "__main__":
    main()
