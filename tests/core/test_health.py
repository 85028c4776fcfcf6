"""/healthz and /readyz: each dependency reported, 503 when one is down, nothing sensitive shown."""

from __future__ import annotations

import pytest

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_answers_ok_without_touching_dependencies(client, settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS  # liveness must not depend on the broker

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_every_dependency_up(client, settings, tmp_path):
    settings.REDIS_URL = None

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {"ok": True, "mode": "in-process"}
    assert body["checks"]["storage"] == {"ok": True}
    # The storage probe cleans up after itself.
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.django_db
def test_readyz_reports_real_redis_up(client, settings, redis_url):
    settings.REDIS_URL = redis_url

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"ok": True, "mode": "redis"}


@pytest.mark.django_db
def test_readyz_is_503_with_the_broker_down(client, settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["mode"] == "redis"
    assert body["checks"]["broker"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["storage"]["ok"] is True
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_is_503_when_storage_cannot_write(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    settings.REDIS_URL = None
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker)},
        },
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["storage"]["ok"] is False
    assert body["checks"]["storage"]["error"] in {"FileExistsError", "NotADirectoryError"}
    assert body["checks"]["database"]["ok"] is True
    assert str(tmp_path) not in response.content.decode()


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_unreachable(client, settings, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    settings.REDIS_URL = None
    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_refuse_writes(client, path):
    assert client.post(path).status_code == 405
