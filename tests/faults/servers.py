"""Real processes for the fault tests: gunicorn serving the project, a private Redis, a private
PostgreSQL cluster. Each lives in the test's temporary folder on a free port and is stopped (or
killed) by the test — the shared Redis and PostgreSQL on the standard ports are never touched.

The web server runs the *production* settings (like the real-worker tests in tests/workers/),
with the test run's keys so that tokens issued in the test process are valid there.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def require(condition: bool, why: str) -> None:
    """Skip on a laptop without the tool; fail in CI, where nothing may be skipped."""
    if not condition:
        if in_ci():
            pytest.fail(f"{why} (CI must run the fault tests)")
        pytest.skip(why)


def require_postgres() -> None:
    from django.db import connection

    require(
        connection.vendor == "postgresql",
        "a server process cannot see the in-memory SQLite test database; needs DATABASE_URL",
    )


# --- gunicorn ----------------------------------------------------------------------------------


class WebServer:
    def __init__(self, *, data_dir: Path, database_url: str, name: str, **env: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"{name}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "JWT_SIGNING_KEY": django_settings.SIMPLE_JWT["SIGNING_KEY"],
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "FAIRTRAIL_MASTER_KEY": django_settings.FAIRTRAIL_MASTER_KEY,
            "FAIRTRAIL_SIGNING_KEY": django_settings.FAIRTRAIL_SIGNING_KEY,
            "FAIRTRAIL_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "STORAGE_BACKEND": "local",
            "SMS_BACKEND": "tests.notifications.fakes.SinkSmsProvider",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        if "REDIS_URL" not in env:  # no broker unless the test gives one: tasks in-process
            self.env.pop("REDIS_URL", None)
        self.process: subprocess.Popen | None = None

    @property
    def media(self) -> Path:
        return self.data_dir / "media"

    def start(self, *, threads: int = 4) -> WebServer:
        command = [
            sys.executable, "-m", "gunicorn", "backend.config.wsgi",
            "-b", f"127.0.0.1:{self.port}", "-w", "1", "--threads", str(threads),
            "--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning",
        ]  # fmt: skip
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited ({self.process.returncode}):\n{self.log()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        pytest.fail(f"gunicorn did not answer /healthz within {START_TIMEOUT} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: a crashed machine, not a shutdown."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


def wait_until(predicate, *, timeout: float, what: str, server: WebServer | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}\n{server.log() if server else ''}")


# --- Redis -------------------------------------------------------------------------------------


class PrivateRedis:
    """``redis-server`` on a free port, no persistence; ``stop()``/``start()`` for outages."""

    def __init__(self, directory: Path) -> None:
        require(shutil.which("redis-server") is not None, "redis-server is not installed")
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        pytest.fail("the private Redis did not start")

    def stop(self) -> None:
        """SIGKILL: the broker vanishes mid-use (no graceful client disconnects)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


# --- PostgreSQL ----------------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else shutil.which(name)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl) in a temporary folder on a free port.

    As root it runs as the ``postgres`` user (``runuser``), as PostgreSQL refuses root.
    ``restart()`` is a real server restart (``pg_ctl restart -m fast``): every connection is
    cut, exactly what a client sees when the production database restarts or fails over.
    """

    def __init__(self, directory: Path) -> None:
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        require(bool(self.initdb and self.pg_ctl), "initdb/pg_ctl (PostgreSQL server) not found")
        as_root = os.geteuid() == 0
        require(
            not as_root or shutil.which("runuser") is not None,
            "running as root needs runuser to start PostgreSQL as the postgres user",
        )
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        self.own_directory = as_root
        if as_root:  # pytest's tmp_path sits under root-only (0700) folders postgres cannot enter
            directory = Path(tempfile.mkdtemp(prefix="fairtrail-pg-"))
        self.directory = directory
        self.data = directory / "pgdata"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        directory.mkdir(parents=True, exist_ok=True)
        if as_root:
            shutil.chown(directory, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.prefix, *args], check=True, capture_output=True, timeout=60, cwd=self.directory
        )

    def init(self) -> PrivatePostgres:
        self._run(
            self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        return self

    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )

    def start(self) -> PrivatePostgres:
        self._run(
            self.pg_ctl, "-D", str(self.data), "-o", self._options(), "-l",
            str(self.directory / "postgres.log"), "-w", "start",
        )  # fmt: skip
        return self

    def restart(self) -> None:
        # -l: without a log file the server inherits our output pipe and _run never returns.
        self._run(
            self.pg_ctl, "-D", str(self.data), "-o", self._options(), "-m", "fast", "-l",
            str(self.directory / "postgres.log"), "-w", "restart",
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop the cluster and delete its folder (the one made for it when running as root)."""
        self.stop()
        if self.own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)
