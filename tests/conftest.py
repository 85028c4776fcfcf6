"""Fixtures shared by the whole suite.

``api`` is an unauthenticated DRF client; ``auth_client(user)`` returns one signed in as ``user``
through a real device-bound JWT (the same path the app takes).
"""

from __future__ import annotations

import io
import logging
import os

import pytest
from rest_framework.test import APIClient

from backend.core.sms import outbox as sms_outbox
from tests import factories


@pytest.fixture(autouse=True)
def _isolate(settings, tmp_path):
    """Every test gets its own media folder, an empty SMS outbox and an empty cache."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    sms_outbox.clear()
    cache.clear()
    yield
    sms_outbox.clear()
    # Requests activate the caller's language (Accept-Language, a user's preferred_language) in
    # this thread; without this the next test would see Thai or Nepali outside any request.
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def sms():
    return sms_outbox


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def auth_client(db):
    from backend.accounts.services import device_sign_in

    def make(user, device_name: str = "test phone") -> APIClient:
        client = APIClient()
        tokens = device_sign_in(user=user, device_name=device_name)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.access}")
        client.user = user
        client.tokens = tokens
        return client

    return make


@pytest.fixture
def worker(db):
    return factories.WorkerFactory()


@pytest.fixture
def other_worker(db):
    return factories.WorkerFactory()


@pytest.fixture
def inspector(db):
    return factories.InspectorFactory()


@pytest.fixture
def caseworker(db):
    return factories.CaseworkerFactory()


@pytest.fixture
def moderator(db):
    return factories.ModeratorFactory()


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory()


@pytest.fixture
def redis_url():
    """The Redis URL for tests that need a real broker. CI always has one; failing is loud there."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("REDIS_URL is not set in CI: the broker tests must run")
        pytest.skip("needs REDIS_URL (set by .ci/run); the SQLite-only run has no broker")
    return url


@pytest.fixture
def console_output():
    """The text the configured ``console`` handler writes, captured in memory."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)
