"""The trail list: constant queries in the number of entries, and only the owner's trail."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

URL = "/api/v1/vault/trail/"


def _grow(client, document, n):
    for i in range(n):
        response = client.patch(
            f"/api/v1/vault/documents/{document['id']}/", {"title": f"t{i}"}, format="json"
        )
        assert response.status_code == 200


def _cold_and_warm(client):
    """Queries with the chain verification recomputed (cold) and served from cache (warm)."""
    cache.clear()
    cold = count_queries(lambda: client.get(URL))
    warm = count_queries(lambda: client.get(URL))
    return cold, warm


def test_trail_list_query_count_is_constant(worker_client, document):
    _grow(worker_client, document, 2)
    few = _cold_and_warm(worker_client)
    assert len(worker_client.get(URL).json()["results"]) == 3

    _grow(worker_client, document, 10)
    many = _cold_and_warm(worker_client)
    body = worker_client.get(URL).json()

    assert len(body["results"]) == 13
    assert body["verification"]["ok"] is True and body["verification"]["checked"] == 13
    assert many == few


def test_another_worker_sees_only_their_own_empty_trail(worker_client, document, auth_client):
    from tests.factories import WorkerFactory

    other = auth_client(WorkerFactory()).get(URL)

    assert other.status_code == 200
    assert other.json()["results"] == []
    assert document["id"] not in other.content.decode()
