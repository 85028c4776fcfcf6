"""The database restarted, and stopped for a while, under a running web process.

gunicorn (production settings, persistent connections: CONN_MAX_AGE with CONN_HEALTH_CHECKS)
serves from a private PostgreSQL cluster holding a copy of the test database. Then:
- ``pg_ctl restart``: every open connection is cut. The next requests succeed at once — the
  health check finds the dead connection and opens a new one, no request sees the break;
- ``pg_ctl stop``: every API request answers 503 ``database_unavailable`` in the error envelope
  within seconds (no hang, no bare 500, no host name or driver message), authenticated or not;
  ``/readyz`` reports the database down, ``/healthz`` stays 200;
- ``pg_ctl start``: requests succeed again from the same web process (never restarted).

The unit tests below pin the mapping itself (OperationalError/InterfaceError -> 503), inside a
DRF view and outside one (Django's handler500), so it holds without PostgreSQL too.
"""

from __future__ import annotations

import subprocess
import time

import pytest
import requests
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import include, path
from rest_framework.views import APIView

from backend.accounts.services import device_sign_in
from tests.factories import WorkerFactory
from tests.faults.servers import PrivatePostgres, WebServer, _pg_bin, require, require_postgres
from tests.workers.test_worker_end_to_end import database_url

SLOW = 10.0  # seconds: the connect timeout is 5 s; a request must fail fast, never hang
DB_NAME = "fairtrail"


def _copy_test_database(db: PrivatePostgres) -> str:
    """The committed test database (schema and rows), dumped into the private cluster."""
    pg_dump, psql = _pg_bin("pg_dump"), _pg_bin("psql")
    require(bool(pg_dump and psql), "pg_dump/psql (PostgreSQL client) not found")
    admin = db.url
    target = admin.rsplit("/", 1)[0] + f"/{DB_NAME}"
    subprocess.run([psql, admin, "-q", "-c", f"CREATE DATABASE {DB_NAME}"], check=True, timeout=30)
    dump = subprocess.run(
        [pg_dump, "--no-owner", "--no-privileges", database_url()],
        check=True,
        capture_output=True,
        timeout=60,
    )
    subprocess.run(
        [psql, target, "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null"],
        input=dump.stdout,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return target


def _timed_get(url: str, **kwargs):
    started = time.monotonic()
    response = requests.get(url, timeout=30, **kwargs)
    return response, time.monotonic() - started


def _assert_database_unavailable(response, seconds: float, port: int) -> None:
    assert response.status_code == 503, (response.status_code, response.text)
    assert seconds < SLOW, f"a request took {seconds:.1f} s with the database down"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert error["message"]
    assert response.headers["Retry-After"]
    body = response.text
    assert "127.0.0.1" not in body and str(port) not in body and "connection" not in body


@pytest.mark.postgres
def test_requests_recover_after_the_database_restarts_without_restarting_the_web_process(
    transactional_db, tmp_path
):
    require_postgres()
    worker = WorkerFactory()
    auth = {"Authorization": f"Bearer {device_sign_in(user=worker, device_name='p').access}"}
    db = PrivatePostgres(tmp_path / "pg").init().start()
    server = None
    try:
        server = WebServer(
            data_dir=tmp_path / "server", database_url=_copy_test_database(db), name="web"
        ).start()
        web_pid = server.process.pid
        me = f"{server.url}/api/v1/me"
        agencies = f"{server.url}/api/v1/agencies/"
        first = requests.get(me, headers=auth, timeout=30)
        assert first.status_code == 200, first.text
        assert first.json()["id"] == str(worker.pk)

        # A restart cuts every (persistent) connection; the health check reconnects.
        db.restart()
        for _ in range(6):  # more requests than gunicorn threads: every thread's connection
            response, _seconds = _timed_get(me, headers=auth)
            assert response.status_code == 200, response.text

        # Down for a while: a fast, clear 503 from every kind of request.
        db.stop()
        for url, headers in ((me, auth), (agencies, {}), (me, auth), (agencies, {})):
            response, seconds = _timed_get(url, headers=headers)
            _assert_database_unavailable(response, seconds, db.port)
        ready = requests.get(f"{server.url}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200

        # Back: the same web process serves again.
        db.start()
        for _ in range(6):
            response = requests.get(me, headers=auth, timeout=30)
            assert response.status_code == 200, response.text
        assert requests.get(agencies, timeout=30).status_code == 200
        assert requests.get(f"{server.url}/readyz", timeout=30).status_code == 200
        assert server.process.poll() is None and server.process.pid == web_pid
    finally:
        if server is not None:
            server.stop()
        db.remove()


# --- the mapping, without a server ---------------------------------------------------------------


class DatabaseDownApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        raise OperationalError('connection to server at "10.0.0.5", port 5432 failed')

    def post(self, request):
        raise InterfaceError("connection already closed")


def database_down_plain_view(request):
    raise OperationalError('connection to server at "10.0.0.5", port 5432 failed')


urlpatterns = [
    path("api/v1/", include("backend.accounts.api.urls")),
    path("api/v1/test-database-down", DatabaseDownApi.as_view()),
    path("api/v1/test-database-down-plain", database_down_plain_view),
]
handler404 = "backend.core.views.not_found"
handler500 = "backend.core.views.server_error"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_database_error_in_an_api_view_is_a_503_envelope(db, method):
    response = getattr(Client(), method)("/api/v1/test-database-down")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "database_unavailable"
    assert "10.0.0.5" not in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_database_error_outside_drf_is_a_503_envelope(db):
    response = Client(raise_request_exception=False).get("/api/v1/test-database-down-plain")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert "10.0.0.5" not in response.content.decode()
