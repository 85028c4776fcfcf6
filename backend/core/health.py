"""Liveness (``/healthz``) and readiness (``/readyz``: database, broker, storage, each reported).

``/healthz`` answers as long as the process serves requests (container healthchecks, restarts).
``/readyz`` says whether this instance can do useful work right now (load-balancer rotation):
it runs one cheap probe per dependency and returns 503 if any fails. The body names the failing
dependency and the exception class only — never a message, host name or credential.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

PROBE_TIMEOUT_SECONDS = 1


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    """Ping Redis when there is one; the embedded default runs tasks in-process (always ok)."""
    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return {"ok": True, "mode": "in-process"}
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except Exception as exc:
        return {"ok": False, "mode": "redis", "error": exc.__class__.__name__}
    finally:
        client.close()
    return {"ok": True, "mode": "redis"}


def check_storage() -> dict:
    """Write and delete a tiny probe object (no personal data in it) in the default storage."""
    name = f"readyz/{uuid.uuid4().hex}"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(saved)
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    checks = {"database": check_database(), "broker": check_broker(), "storage": check_storage()}
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
