"""Fixtures of the schema fuzzer: one world per module (per xdist worker), rolled back at the end.

Building the world takes a while (uploads, a complaint driven through the workflow), so it is
made once inside an outer transaction; each test's own transaction (pytest-django's ``db``)
is a savepoint inside it, so what one test's generated requests change is gone for the next.
"""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test.utils import override_settings

from tests.fuzz.world import build_fuzz_world


@pytest.fixture(autouse=True)
def _isolate():
    """Replaces the suite's ``_isolate``: the same clean SMS outbox, cache and language, but the
    storage stays the module's, where the world's documents are."""
    from django.core.cache import cache
    from django.utils import translation

    from backend.core.sms import outbox

    outbox.clear()
    cache.clear()  # throttles start afresh for every operation x role
    yield
    outbox.clear()
    translation.deactivate()


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("fuzz-media")
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, STORAGES=storages),
        transaction.atomic(),
    ):
        world = build_fuzz_world()
        yield world
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _keep_connection():
    """The requests go through Django's real WSGI handler, which closes the database connection
    around each request (``close_old_connections``: in a transaction it looks unusable). The test
    client switches that off for its own requests, as this does for the fuzzer's, or the test's
    transaction would be gone after the first request. Per test, because every test-client
    request (the world's uploads) connects the handler again afterwards."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
