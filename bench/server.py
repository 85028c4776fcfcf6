"""Start and stop a gunicorn server on loopback for benchmarks (bounded, self-stopping)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fresh_database(name: str | None = None):
    """With DATABASE_URL=postgres://…/name, a new empty database for this run (dropped after;
    ``name`` or ``fairtrail_bench_<pid>``, dropped first if a killed run left it behind);
    otherwise SQLite in the run's data folder. Sets DATABASE_URL for this process."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield
        return
    import psycopg

    base = url.rpartition("/")[0]
    name = name or f"fairtrail_bench_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{base}/{name}"
    try:
        yield
    finally:
        os.environ["DATABASE_URL"] = url
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def gunicorn(
    *, settings="bench.settings", workers=1, threads=1, env=None, database=None, extra_args=()
):
    """Yield (base_url, worker_pid, data_dir) of a fresh server with a migrated database."""
    with (
        fresh_database(database),
        _gunicorn(settings, workers, threads, env, extra_args) as server,
    ):
        yield server


@contextmanager
def _gunicorn(settings, workers, threads, env, extra_args=()):
    data_dir = Path(tempfile.mkdtemp(prefix="fairtrail-bench-"))
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "FAIRTRAIL_DATA_DIR": str(data_dir),
        **(env or {}),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=environment, check=True
    )
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "backend.config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "300",
            "--log-level",
            "warning",
            *extra_args,
        ],
        cwd=ROOT,
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        yield base, int(children[0]) if children else process.pid, data_dir
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def current_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak(pid: int) -> None:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


class RssSampler:
    """Samples a process's resident memory every few milliseconds; ``peak_mb`` is the maximum
    seen (more robust than VmHWM, whose reset is not supported everywhere)."""

    def __init__(self, pid: int, interval: float = 0.002) -> None:
        import threading

        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, current_rss_mb(self.pid))
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
