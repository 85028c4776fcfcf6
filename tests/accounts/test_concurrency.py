"""Two refreshes racing with the same refresh token: exactly one wins, the device is revoked.

Needs real row locks and concurrent connections, so it runs on PostgreSQL (CI) only.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from backend.accounts.models import Device
from backend.accounts.services import device_sign_in, device_tokens_refresh
from backend.core.errors import AppError
from tests.factories import WorkerFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_refresh_with_same_token_revokes_device():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://...)")
    worker = WorkerFactory()
    tokens = device_sign_in(user=worker, device_name="phone")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def refresh() -> None:
        try:
            barrier.wait()
            device_tokens_refresh(refresh=tokens.refresh)
            outcomes.append("ok")
        except AppError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok", "token_reused"]
    assert Device.objects.get(pk=tokens.device_id).revoked_at is not None
