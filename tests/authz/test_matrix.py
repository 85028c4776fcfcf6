"""The authorization matrix, generated from the URL configuration (see docs/security.md).

Every URL pattern x every method its view implements (plus OPTIONS, HEAD and one method it
does not implement) x every role, as a stranger to worker A whose objects fill the path
parameters. Each answer must be the expected status (tests/authz/matrix.py), leak none of A's
ids or private strings, use the error envelope for API errors, and change nothing: every row
of every project table and every file in storage is compared before and after each request.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.authz import matrix
from tests.authz.urlwalk import Endpoint, walk
from tests.authz.world import PARAM_NAMES, ROLES, build_world, session_client

SNAPSHOT_APPS = (
    "accounts",
    "vault",
    "agencies",
    "complaints",
    "notifications",
    "retention",
    "audit",
    "token_blacklist",
    "console",
)
VOLATILE = {("accounts", "device"): {"last_seen_at"}, ("accounts", "user"): {"last_login"}}


# The OpenAPI document (YAML/JSON by negotiation) and the Swagger UI page are not JSON API
# endpoints: their errors are rendered by drf-spectacular's own renderers.
NOT_JSON = {"schema", "api-docs", "healthz", "readyz"}


def kind(endpoint: Endpoint) -> str:
    if endpoint.route.startswith("admin/"):
        return "admin"
    if endpoint.route.startswith("console/"):
        return "console"
    return "table"


def table_methods(endpoint: Endpoint) -> list[str]:
    """Methods that need a row in matrix.TABLE (HEAD follows GET, OPTIONS has one rule)."""
    if endpoint.view_class is None:
        return ["GET"]
    return [m for m in endpoint.methods if m not in ("HEAD", "OPTIONS")]


def probe_methods(endpoint: Endpoint) -> list[str]:
    """Everything the matrix sends: the implemented methods and one that is not."""
    if endpoint.view_class is None:
        return ["GET", "HEAD", "POST", "DELETE"]
    methods = list(endpoint.methods)
    if "PUT" not in methods:
        methods.append("PUT")
    return methods


def test_every_url_pattern_is_covered():
    """Fails when someone adds a URL (or a method) without extending the matrix."""
    endpoints = walk()
    missing, stale, unknown_params = [], [], []
    seen = set()
    for endpoint in endpoints:
        k = kind(endpoint)
        if k == "table":
            for method in table_methods(endpoint):
                seen.add((endpoint.key, method))
                if (endpoint.key, method) not in matrix.TABLE:
                    missing.append(f"{method} /{endpoint.route} ({endpoint.key})")
            known = PARAM_NAMES
        elif k == "admin":
            known = set(matrix.ADMIN_PARAMS)
        else:
            known = set(matrix.CONSOLE_PARAMS)
        for name in endpoint.params:
            if name not in known:
                unknown_params.append(f"/{endpoint.route}: no filler for <{name}>")
    stale = [f"{m} {name}" for name, m in matrix.TABLE if (name, m) not in seen]
    assert not missing, "URL patterns without an authorization-matrix row:\n" + "\n".join(missing)
    assert not unknown_params, "\n".join(unknown_params)
    assert not stale, "matrix rows for endpoints that no longer exist:\n" + "\n".join(stale)
    assert len(seen) > 50  # the walk really found the API


# --- Checks ----------------------------------------------------------------------------------


def _norm(value):
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def snapshot() -> str:
    """A digest of every row of every project table."""
    digest = hashlib.sha256()
    tables = set(connection.introspection.table_names())  # a table not there cannot change
    for label in SNAPSHOT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if model._meta.db_table not in tables:
                continue
            skip = VOLATILE.get((label, model._meta.model_name), set())
            names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
            rows = model._default_manager.order_by("pk").values_list(*names)
            digest.update(f"{label}.{model.__name__}".encode())
            for row in rows:
                digest.update(repr(tuple(_norm(v) for v in row)).encode())
    return digest.hexdigest()


def write_counter() -> int:
    """Rows written so far on this connection (SQLite) or in this transaction (PostgreSQL):
    a cheap "did anything write?" test; only when it moves is the full snapshot compared."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return connection.connection.total_changes
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables"
        )
        return int(cursor.fetchone()[0])


def storage_listing() -> tuple:
    root = str(settings.MEDIA_ROOT)
    return tuple(
        (
            os.path.relpath(os.path.join(folder, name), root),
            os.path.getsize(os.path.join(folder, name)),
        )
        for folder, _dirs, files in sorted(os.walk(root))
        for name in sorted(files)
    )


class ChangeDetector:
    """Compares the database and storage after each request with the state before it."""

    def __init__(self):
        self.digest = snapshot()
        self.counter = write_counter()
        self.files = storage_listing()

    def changed(self) -> bool:
        counter, files = write_counter(), storage_listing()
        changed = files != self.files
        if counter != self.counter:  # something wrote (maybe rolled back): compare the rows
            digest = snapshot()
            changed = changed or digest != self.digest
            self.digest = digest
        self.counter, self.files = write_counter(), files
        return changed


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def envelope_problem(response, body: bytes) -> str | None:
    """API errors (4xx/5xx with a body) must be {"error": {"code", "message", "fields"}}."""
    if response.status_code < 400 or not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return "error body is not JSON"
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or set(error) != {"code", "message", "fields"}:
        return f"error body is not the envelope: {body[:200]!r}"
    return None


def leaks(body: bytes, secrets: list[str]) -> list[str]:
    found = [s for s in secrets if s.encode() in body]
    if b"%PDF-" in body:
        found.append("document bytes")
    return found


def send(client, method: str, path: str, expect: matrix.Expect | None, world):
    extra = dict(expect.headers) if expect else {}
    payload = expect.payload(world) if expect else None
    if expect and expect.query:
        path = f"{path}?{urlencode(expect.query(world))}"
    cache.clear()  # throttles would turn the 7th caller into a 429
    if expect and expect.fmt == "multipart" and method == "POST":
        return client.post(path, payload, format="multipart", **extra)
    if expect and isinstance(payload, bytes):
        return client.generic(method, path, payload, content_type=expect.fmt, **extra)
    if payload is not None and method not in ("GET", "HEAD", "OPTIONS"):
        return client.generic(
            method, path, json.dumps(payload), content_type="application/json", **extra
        )
    return client.generic(method, path, **extra)


# --- The matrix ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_authorization_matrix():
    started = time.monotonic()
    world = build_world()
    params = world.params()
    assert set(params) == PARAM_NAMES
    failures: list[str] = []
    requests = 0
    snap_time = 0.0
    endpoints = [e for e in walk() if kind(e) == "table"]
    detector = ChangeDetector()
    for endpoint in endpoints:
        path = endpoint.path(params)
        for method in probe_methods(endpoint):
            row = "GET" if method == "HEAD" else method
            expect = matrix.TABLE.get((endpoint.key, row))
            for caller in ROLES:
                if method == "OPTIONS":
                    wanted = matrix.options_statuses(endpoint, caller)
                elif expect is None:
                    wanted = matrix.unimplemented_statuses(endpoint, caller)
                else:
                    wanted = expect.statuses(caller)
                response = send(world.callers[caller], method, path, expect, world)
                requests += 1
                body = body_of(response)
                where = f"{method} {path} as {caller}"
                if response.status_code not in wanted:
                    failures.append(
                        f"{where}: {response.status_code} not in {sorted(wanted)}: {body[:160]!r}"
                    )
                if not (expect and caller in expect.leak_ok):
                    for secret in leaks(body, world.secrets):
                        failures.append(f"{where}: leaks {secret!r}")
                if endpoint.key not in NOT_JSON and (problem := envelope_problem(response, body)):
                    failures.append(f"{where}: {problem}")
                t0 = time.monotonic()
                if detector.changed():
                    failures.append(f"{where}: changed the database or storage")
                snap_time += time.monotonic() - t0
    # Positive controls: the ids are real — A herself reads every object a stranger may not.
    for endpoint in endpoints:
        expect = matrix.TABLE.get((endpoint.key, "GET"))
        if endpoint.params and expect is not None and not expect.allowed:
            response = send(world.a.client, "GET", endpoint.path(params), expect, world)
            # 409: A's export is still being built, which proves it exists.
            if response.status_code not in (200, 409):
                failures.append(f"owner control GET /{endpoint.route}: {response.status_code}")
    elapsed = time.monotonic() - started
    print(
        f"\nauthz matrix: {len(endpoints)} API patterns, {requests} requests "
        f"({len(ROLES)} callers), {elapsed:.1f}s (snapshots {snap_time:.1f}s)"
    )
    assert not failures, f"{len(failures)} authorization failures:\n" + "\n".join(failures)


@pytest.mark.django_db
def test_admin_requires_a_staff_session():
    """Every Django admin URL sends anyone without a staff session to the admin sign-in page
    (a JWT does not open the admin), and changes nothing."""
    from tests import factories

    world_users = [
        factories.WorkerFactory(),
        factories.InspectorFactory(),
        factories.ModeratorFactory(),
        factories.CaseworkerFactory(),
    ]
    clients = {"anonymous": session_client()}
    for user in world_users:
        clients[f"session {user.role}"] = session_client(user)
    from rest_framework.test import APIClient

    from backend.accounts.services import device_sign_in

    jwt = APIClient()
    jwt.credentials(HTTP_AUTHORIZATION=f"Bearer {device_sign_in(user=world_users[0]).access}")
    clients["jwt worker"] = jwt
    failures, requests = [], 0
    detector = ChangeDetector()
    endpoints = [e for e in walk() if kind(e) == "admin"]
    for endpoint in endpoints:
        path = endpoint.path(matrix.ADMIN_PARAMS)
        for method in ("GET", "POST"):
            for name, client in clients.items():
                response = client.generic(method, path)
                requests += 1
                location = response.get("Location", "")
                where = f"{method} {path} as {name}"
                if endpoint.name == "admin:login":
                    ok = response.status_code == 200
                elif endpoint.name == "admin:logout":  # signs nobody in: back to the index
                    ok = response.status_code == 302 and location in ("/admin/", "/admin/login/")
                else:
                    ok = response.status_code == 302 and location.startswith("/admin/login/")
                if not ok:
                    failures.append(f"{where}: {response.status_code} {location}")
        if detector.changed():
            failures.append(f"/{endpoint.route}: changed the database")
    print(f"\nauthz admin: {len(endpoints)} admin patterns, {requests} requests")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_console_requires_a_console_session_and_hides_strangers_cases():
    """Every /console/ URL: without a full console session (password + TOTP, staff role) it is
    a redirect to the console sign-in page; signed in as a stranger to A's case (an inspector
    of another jurisdiction, another organisation's caseworker, a moderator, an admin) every
    page about A's complaint or document is a 404. No answer leaks A's data or changes a row."""
    from rest_framework.test import APIClient

    from backend.accounts.services import device_sign_in
    from tests.console.conftest import sign_in

    world = build_world()
    params = world.params()
    jwt = APIClient(raise_request_exception=False)
    jwt.credentials(HTTP_AUTHORIZATION=f"Bearer {device_sign_in(user=world.a.user).access}")
    outsiders = {
        "anonymous": session_client(),
        "jwt worker A": jwt,
        "session worker A": session_client(world.a.user),
        "session inspector, no TOTP": session_client(world.users["inspector"]),
    }
    insiders = {
        role: sign_in(world.users[role], raise_request_exception=False)
        for role in ("inspector", "ngo_caseworker", "moderator", "admin")
    }
    endpoints = [e for e in walk() if kind(e) == "console"]
    failures, requests = [], 0
    detector = ChangeDetector()
    for endpoint in endpoints:
        path = endpoint.path(params)
        public = endpoint.name in matrix.CONSOLE_PUBLIC
        for method in ("GET", "POST"):
            for name, client in outsiders.items():
                response = client.generic(method, path)
                requests += 1
                where = f"{method} {path} as {name}"
                location = response.get("Location", "")
                if public:
                    if response.status_code >= 500:
                        failures.append(f"{where}: {response.status_code}")
                elif not (response.status_code == 302 and location.startswith("/console/login/")):
                    failures.append(f"{where}: {response.status_code} {location}")
                for secret in leaks(body_of(response), world.secrets):
                    failures.append(f"{where}: leaks {secret!r}")
                if detector.changed():
                    failures.append(f"{where}: changed the database or storage")
            if public or endpoint.name.startswith("console:logout"):
                continue  # signing in/out is the caller's own business
            for name, client in insiders.items():
                response = client.generic(method, path)
                requests += 1
                where = f"{method} {path} as console {name}"
                about_a = bool(set(endpoint.params) & {"complaint_id", "document_id"})
                # 405: the page does not take this method (say nothing about the case).
                if about_a and response.status_code not in (404, 405):
                    failures.append(f"{where}: {response.status_code}, expected 404")
                elif response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                moderating = name in ("moderator", "admin") and "moderation" in endpoint.name
                if not moderating:
                    for secret in leaks(body_of(response), world.secrets):
                        failures.append(f"{where}: leaks {secret!r}")
                if detector.changed():
                    failures.append(f"{where}: changed the database or storage")
    print(f"\nauthz console: {len(endpoints)} console patterns, {requests} requests")
    assert len(endpoints) > 5
    assert not failures, "\n".join(failures)
