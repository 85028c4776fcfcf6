"""Benchmark of the agency directory: search and ranking latency on a large PostgreSQL dataset.

    .venv/bin/python bench/bench_agencies.py [--agencies 10000] [--reviews 1000000] [--reset]

Uses its own database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/fairtrail_bench), created and migrated on first run. Data is
loaded with COPY: agencies with corridors, workers, and reviews spread over agencies with a
Zipf-like skew (a few agencies with thousands of reviews, many with fewer than k). Then every
agency's aggregates are refreshed with the real service, and the endpoints are measured
in-process with Django's test client (no network): p50/p95/max latency and the number of SQL
queries per request. Finally a new review is created through the service and the time until
its agency's ``AgencyStats`` reflect it is measured (the task runs in-process after commit).
Prints a markdown table (copied into docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairtrail_bench"
)

WORDS = [
    "Golden",
    "Bridge",
    "Manpower",
    "Shwe",
    "Myanmar",
    "Overseas",
    "Himalayan",
    "Jobs",
    "Global",
    "Star",
    "Lotus",
    "Mekong",
    "Sunrise",
    "Pacific",
    "Asia",
    "Royal",
    "Harmony",
    "Everest",
    "Tiger",
    "Phoenix",
    "Bright",
    "Future",
    "Unity",
    "Ocean",
    "Silver",
    "Diamond",
    "Green",
    "Lanka",
    "Sản",
    "Xuất",
    "Việt",
    "Ánh",
    "Dương",
    "Hòa",
    "Bình",
    "Nhân",
    "Lực",
    "Sài",
    "Gòn",
    "Đông",
    "Nam",
    "Mitra",
    "Karya",
    "Sejahtera",
    "Bumi",
    "Jaya",
    "Cahaya",
    "Sentosa",
    "Maju",
]
SUFFIXES = ["Co. Ltd", "Pvt Ltd", "Recruitment", "Agency", "Services", "HR", "International"]
ORIGINS = {
    "MM": ["TH", "MY", "SG"],
    "NP": ["QA", "AE", "SA", "MY"],
    "VN": ["TW", "JP", "KR"],
    "ID": ["MY", "HK", "TW", "SA"],
    "PH": ["AE", "SA", "HK", "SG"],
    "KH": ["TH", "MY", "KR"],
    "BD": ["SA", "MY", "QA"],
}
N_AUTHORS_PER_REVIEWS = 5  # each worker reviews this many agencies (distinct)


def setup_django() -> None:
    os.environ["DATABASE_URL"] = BENCH_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.test")
    import django

    django.setup()


def ensure_database() -> None:
    import psycopg

    base, _, name = BENCH_URL.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], p: float) -> float:
    data = sorted(values)
    index = min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))
    return data[index]


def generate(n_agencies: int, n_reviews: int, seed: int = 7) -> dict[str, float]:
    from django.db import connection

    from backend.agencies.search import search_text_for

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    now = datetime.now(UTC)
    started = time.perf_counter()
    agencies: list[tuple[uuid.UUID, str, list[tuple[str, str]]]] = []
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            with cur.copy(
                "COPY agencies_agency (id, created_at, updated_at, name, aliases, licence_number,"
                " licensing_authority, country, address, licence_status, source, last_checked,"
                " search_text, rating_rank) FROM STDIN"
            ) as copy:
                for index in range(n_agencies):
                    origin = rng.choice(list(ORIGINS))
                    name = (
                        " ".join(rng.sample(WORDS, rng.randint(2, 3))) + " " + rng.choice(SUFFIXES)
                    )
                    name = f"{name} {index}"
                    aliases = (
                        [f"{''.join(w[0] for w in name.split()[:3])} {index}"]
                        if rng.random() < 0.3
                        else []
                    )
                    corridors = [
                        (origin, d) for d in rng.sample(ORIGINS[origin], rng.randint(1, 2))
                    ]
                    agency_id = uuid.uuid4()
                    agencies.append((agency_id, origin, corridors))
                    status = rng.choices(
                        ["licensed", "suspended", "revoked", "unknown"], [80, 5, 5, 10]
                    )[0]
                    import json

                    copy.write_row(
                        (
                            agency_id,
                            now,
                            now,
                            name,
                            json.dumps(aliases),
                            f"BENCH-{index:06d}",
                            "Bench authority",
                            origin,
                            "",
                            status,
                            "bench",
                            date(2026, 10, 1),
                            search_text_for(name, aliases),
                            0.0,
                        )
                    )
            with cur.copy(
                "COPY agencies_corridor (agency_id, origin, destination) FROM STDIN"
            ) as copy:
                for agency_id, _origin, corridors in agencies:
                    for o, d in corridors:
                        copy.write_row((agency_id, o, d))
            timings["agencies"] = time.perf_counter() - started

            started = time.perf_counter()
            n_authors = int(n_reviews * 1.1) // N_AUTHORS_PER_REVIEWS + 1
            authors = [uuid.uuid4() for _ in range(n_authors)]
            joined = now - timedelta(days=400)
            with cur.copy(
                "COPY accounts_user (id, password, is_superuser, username, role, display_name,"
                " phone,"
                " phone_verified_at, preferred_language, country, region, sectors, is_active,"
                " is_staff, date_joined, updated_at) FROM STDIN"
            ) as copy:
                for index, author in enumerate(authors):
                    phone = f"+9590{index:08d}"
                    copy.write_row(
                        (
                            author,
                            "!",
                            False,
                            phone,
                            "worker",
                            "",
                            phone,
                            joined,
                            "en",
                            "MM",
                            "",
                            "[]",
                            True,
                            False,
                            joined,
                            joined,
                        )
                    )
            timings["workers"] = time.perf_counter() - started

            started = time.perf_counter()
            weights = [1 / (rank + 1) ** 0.9 for rank in range(n_agencies)]
            # Oversample: a worker's repeated pick of the same agency is skipped (one review
            # per worker and agency), and loading stops at exactly n_reviews.
            picks = rng.choices(range(n_agencies), weights=weights, k=int(n_reviews * 1.1))
            with cur.copy(
                "COPY agencies_review (id, created_at, updated_at, agency_id, author_id,"
                " rating_fees,"
                " rating_contract, rating_job_accuracy, rating_treatment, rating_documents,"
                " rating_wages, rating_overall, recruitment_year, corridor_origin,"
                " corridor_destination, monthly_wage, wage_currency, fees_total_usd,"
                " monthly_wage_usd, comment_masked, comment_status, comment_language, status,"
                " is_public, published_on, verified, flag_count) FROM STDIN"
            ) as copy:
                seen: set[tuple[int, int]] = set()
                author_index = 0
                written = 0
                for count, agency_index in enumerate(picks):
                    author_index = count // N_AUTHORS_PER_REVIEWS
                    if (author_index, agency_index) in seen:
                        continue
                    if written == n_reviews:
                        break
                    written += 1
                    seen.add((author_index, agency_index))
                    agency_id, origin, corridors = agencies[agency_index]
                    o, d = rng.choice(corridors)
                    quality = rng.gauss(3.2, 1.0)
                    ratings = [max(1, min(5, round(quality + rng.gauss(0, 0.8)))) for _ in range(7)]
                    paid = rng.random() < 0.7
                    fee = round(rng.lognormvariate(6.5, 0.8), 2) if paid else 0
                    wage = round(rng.uniform(250, 900), 2)
                    created = now - timedelta(days=rng.randint(0, 1500))
                    copy.write_row(
                        (
                            uuid.uuid4(),
                            created,
                            created,
                            agency_id,
                            authors[author_index],
                            *ratings,
                            rng.randint(2019, 2026),
                            o,
                            d,
                            wage,
                            "USD",
                            fee,
                            wage,
                            "",
                            "none",
                            "",
                            "active",
                            True,
                            created.date(),
                            rng.random() < 0.25,
                            0,
                        )
                    )
        raw.commit()
        timings["reviews"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return timings


def refresh_all() -> tuple[float, int]:
    from backend.agencies.models import Agency, Corridor
    from backend.agencies.services import (
        agency_aggregates_refresh,
        corridor_fee_stats_refresh,
        global_rating_means,
    )

    started = time.perf_counter()
    global_rating_means(fresh=True)
    ids = list(Agency.objects.values_list("id", flat=True))
    for agency_id in ids:
        agency_aggregates_refresh(agency_id=agency_id)
    for origin, destination in Corridor.objects.values_list("origin", "destination").distinct():
        corridor_fee_stats_refresh(origin=origin, destination=destination)
    return time.perf_counter() - started, len(ids)


def measure(client, paths: list[str]) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for path in paths[:5]:  # warm-up
        client.get(path)
    for path in paths:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        times.append(elapsed)
        queries.append(len(ctx.captured_queries))
    return {
        "n": len(paths),
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "max": max(times),
        "queries": f"{min(queries)}-{max(queries)}"
        if min(queries) != max(queries)
        else str(queries[0]),
    }


def new_review_latency() -> float:
    """Seconds from creating a review (committed) to its agency's stats including it."""
    from decimal import Decimal

    from django.db import transaction

    from backend.accounts.models import User
    from backend.agencies import services
    from backend.agencies.models import AgencyStats, Corridor

    corridor = Corridor.objects.select_related("agency").order_by("?").first()
    agency = corridor.agency
    before = AgencyStats.objects.get(agency=agency).review_count
    author = User.objects.create(
        username=f"+95911{random.randint(0, 10**7):07d}",
        phone=None,
        role="worker",
        phone_verified_at=datetime.now(UTC),
    )
    data = services.ReviewInput(
        ratings={
            f"rating_{k}": 5
            for k in (
                "fees",
                "contract",
                "job_accuracy",
                "treatment",
                "documents",
                "wages",
                "overall",
            )
        },
        recruitment_year=2025,
        corridor_origin=corridor.origin,
        corridor_destination=corridor.destination,
        monthly_wage=Decimal("500"),
        wage_currency="USD",
    )
    started = time.perf_counter()
    with transaction.atomic():
        services.review_create(author=author, agency=agency, data=data)
    # CELERY_TASK_ALWAYS_EAGER: the refresh ran on commit, in this process.
    after = AgencyStats.objects.get(agency=agency).review_count
    elapsed = time.perf_counter() - started
    assert after == before + 1, (before, after)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reset", action="store_true", help="drop and reload the data")
    args = parser.parse_args()

    ensure_database()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from backend.agencies.models import Agency, Review

    settings.AGENCY_BURST_THRESHOLD = 10**9
    call_command("migrate", verbosity=0)
    if args.reset:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE agencies_review, agencies_agency, accounts_user, audit_auditevent CASCADE"
            )
    rows: list[tuple[str, str]] = []
    if not Agency.objects.exists():
        timings = generate(args.agencies, args.reviews)
        rows += [(f"load {name} (COPY)", f"{seconds:.1f} s") for name, seconds in timings.items()]
        seconds, count = refresh_all()
        rows.append(
            (
                f"refresh aggregates of {count} agencies + corridors",
                f"{seconds:.1f} s ({seconds / count * 1000:.1f} ms/agency)",
            )
        )
    n_agencies, n_reviews = Agency.objects.count(), Review.objects.count()
    started = time.perf_counter()
    with connection.cursor() as cursor:  # settle autovacuum's work before measuring
        cursor.execute("VACUUM ANALYZE")
    rows.append(("VACUUM ANALYZE", f"{time.perf_counter() - started:.1f} s"))

    rng = random.Random(11)
    client = Client()
    names = list(Agency.objects.order_by("?").values_list("name", flat=True)[:300])
    queries = []
    for name in names:
        words = name.split()
        kind = rng.randint(0, 3)
        if kind == 0:
            queries.append(words[0][:5])  # partial word
        elif kind == 1:
            queries.append(" ".join(words[:2]).lower())  # two words, lower case
        elif kind == 2:
            word = max(words, key=len)
            queries.append(word[:2] + word[3:])  # a typo (one letter dropped)
        else:
            queries.append(name)  # full name
    from urllib.parse import urlencode

    search_paths = [f"/api/v1/agencies/?{urlencode({'q': q})}" for q in queries[: args.requests]]
    corridors = [f"{o}-{d}" for o, ds in ORIGINS.items() for d in ds]
    rank_paths = []
    for index in range(args.requests):
        params = {"ordering": "rating", "page": rng.randint(1, 3) if index % 3 == 0 else 1}
        if index % 3 == 1:
            params["country"] = rng.choice(list(ORIGINS))
        elif index % 3 == 2:
            params["corridor"] = rng.choice(corridors)
        rank_paths.append(f"/api/v1/agencies/?{urlencode(params)}")
    detail_ids = list(Agency.objects.order_by("?").values_list("id", flat=True)[: args.requests])
    detail_paths = [f"/api/v1/agencies/{i}/" for i in detail_ids]
    review_paths = [f"/api/v1/agencies/{i}/reviews/" for i in detail_ids]
    fees_paths = [f"/api/v1/corridors/{rng.choice(corridors)}/fees" for _ in range(args.requests)]

    results = {
        "search `?q=` (partial, lower-case, typo, full name)": measure(client, search_paths),
        "ranking `?ordering=rating` (+country/corridor, pages 1-3 unfiltered)": measure(
            client, rank_paths
        ),
        "agency detail": measure(client, detail_paths),
        "agency public reviews (page 1)": measure(client, review_paths),
        "corridor fees": measure(client, fees_paths),
    }
    latencies = [new_review_latency() for _ in range(5)]

    print(
        f"\nDataset: {n_agencies:,} agencies, {n_reviews:,} reviews, PostgreSQL "
        f"{connection.cursor().connection.info.server_version}, {os.cpu_count()} CPUs\n"
    )
    if rows:
        print("| step | time |\n|---|---|")
        for step, value in rows:
            print(f"| {step} | {value} |")
        print()
    print("| endpoint | requests | p50 ms | p95 ms | max ms | SQL queries/request |")
    print("|---|---|---|---|---|---|")
    for label, r in results.items():
        print(
            f"| {label} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} "
            f"| {r['queries']} |"
        )
    print(
        "\nNew review → agency aggregates updated: "
        f"median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms (5 runs; review_create + refresh on commit)."
    )


if __name__ == "__main__":
    main()
