"""Sharing: grantees see only what is granted, only until expiry or revocation; all in the trail."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from backend.vault.models import Grant, TrailEntry
from tests import factories
from tests.querycount import count_queries
from tests.vault.conftest import upload_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(worker_client, document, caseworker, auth_client):
    response = worker_client.post(
        "/api/v1/vault/grants/",
        {
            "grantee": caseworker.username,
            "document_ids": [document["id"]],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json(), auth_client(caseworker)


def test_grantee_can_list_open_and_download(shared, document):
    _, grantee = shared
    listing = grantee.get("/api/v1/vault/shared-with-me/").json()["results"]
    assert [d["id"] for d in listing] == [document["id"]]
    assert "title" not in listing[0]
    detail = grantee.get(f"/api/v1/vault/documents/{document['id']}/")
    assert detail.status_code == 200
    assert detail.json()["title"] == "My contract"
    assert detail.json()["is_owner"] is False
    content = grantee.get(f"/api/v1/vault/documents/{document['id']}/content")
    assert content.status_code == 200
    events = list(TrailEntry.objects.order_by("position").values_list("event", "actor_role"))
    assert events == [
        ("upload", "worker"),
        ("share", "worker"),
        ("view", "ngo_caseworker"),
        ("download", "ngo_caseworker"),
    ]


def test_owner_sees_who_opened_documents(shared, document, worker_client):
    _, grantee = shared
    grantee.get(f"/api/v1/vault/documents/{document['id']}/content")
    trail = worker_client.get("/api/v1/vault/trail/?others=true").json()
    assert [e["event"] for e in trail["results"]] == ["download"]
    assert trail["results"][0]["by_owner"] is False
    assert trail["verification"]["ok"] is True


def test_grantee_cannot_change_or_delete(shared, document):
    _, grantee = shared
    assert (
        grantee.patch(
            f"/api/v1/vault/documents/{document['id']}/", {"title": "x"}, format="json"
        ).status_code
        == 404
    )
    assert grantee.delete(f"/api/v1/vault/documents/{document['id']}/").status_code == 404


def test_expired_grant_hides_document(shared, document, auth_client, caseworker):
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        grantee = auth_client(caseworker)  # a fresh sign-in: the old access token expired too
        assert grantee.get(f"/api/v1/vault/documents/{document['id']}/").status_code == 404
        assert grantee.get(f"/api/v1/vault/documents/{document['id']}/content").status_code == 404
        assert grantee.get("/api/v1/vault/shared-with-me/").json()["results"] == []


def test_revoked_grant_hides_document(shared, document, worker_client):
    grant, grantee = shared
    assert worker_client.delete(f"/api/v1/vault/grants/{grant['id']}/").status_code == 204
    assert grantee.get(f"/api/v1/vault/documents/{document['id']}/content").status_code == 404
    assert Grant.objects.get(pk=grant["id"]).revoked_at is not None
    assert TrailEntry.objects.filter(event="revoke").count() == 1


def test_grant_not_covering_a_document_gives_404(shared, worker_client):
    other = upload_document(worker_client).json()
    _, grantee = shared
    assert grantee.get(f"/api/v1/vault/documents/{other['id']}/").status_code == 404


def test_cannot_share_with_a_worker_or_unknown_user(worker_client, document, other_worker):
    for username in (other_worker.username, "nobody"):
        response = worker_client.post(
            "/api/v1/vault/grants/",
            {"grantee": username, "document_ids": [document["id"]]},
            format="json",
        )
        assert response.status_code == 400
        assert "grantee" in response.json()["error"]["fields"]


def test_cannot_share_someone_elses_document(auth_client, document, caseworker, other_worker):
    intruder = auth_client(other_worker)
    response = intruder.post(
        "/api/v1/vault/grants/",
        {"grantee": caseworker.username, "document_ids": [document["id"]]},
        format="json",
    )
    assert response.status_code == 400
    assert not Grant.objects.exists()


def test_other_worker_cannot_revoke_or_see_grant(shared, auth_client, other_worker):
    grant, _ = shared
    intruder = auth_client(other_worker)
    assert intruder.delete(f"/api/v1/vault/grants/{grant['id']}/").status_code == 404
    assert intruder.get("/api/v1/vault/grants/").json()["results"] == []
    assert Grant.objects.get(pk=grant["id"]).revoked_at is None


def test_grantee_cannot_revoke(shared):
    grant, grantee = shared
    assert grantee.delete(f"/api/v1/vault/grants/{grant['id']}/").status_code == 404


def test_past_expiry_rejected(worker_client, document, caseworker):
    response = worker_client.post(
        "/api/v1/vault/grants/",
        {
            "grantee": caseworker.username,
            "document_ids": [document["id"]],
            "expires_at": "2001-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400


def test_shared_list_query_count_constant(worker_client, caseworker, auth_client):
    grantee = auth_client(caseworker)
    ids = [upload_document(worker_client).json()["id"] for _ in range(2)]
    worker_client.post(
        "/api/v1/vault/grants/",
        {"grantee": caseworker.username, "document_ids": ids},
        format="json",
    )
    few = count_queries(lambda: grantee.get("/api/v1/vault/shared-with-me/"))
    more = [upload_document(worker_client).json()["id"] for _ in range(5)]
    worker_client.post(
        "/api/v1/vault/grants/",
        {"grantee": caseworker.username, "document_ids": more},
        format="json",
    )
    many = count_queries(lambda: grantee.get("/api/v1/vault/shared-with-me/"))
    assert few == many <= 4
    assert len(grantee.get("/api/v1/vault/shared-with-me/").json()["results"]) == 7


def test_grant_list_query_count_constant(worker_client):
    grantees = [factories.CaseworkerFactory() for _ in range(6)]
    doc = upload_document(worker_client).json()
    worker_client.post(
        "/api/v1/vault/grants/",
        {"grantee": grantees[0].username, "document_ids": [doc["id"]]},
        format="json",
    )
    few = count_queries(lambda: worker_client.get("/api/v1/vault/grants/"))
    for grantee in grantees[1:]:
        worker_client.post(
            "/api/v1/vault/grants/",
            {"grantee": grantee.username, "document_ids": [doc["id"]]},
            format="json",
        )
    many = count_queries(lambda: worker_client.get("/api/v1/vault/grants/"))
    assert few == many <= 5
    assert len(worker_client.get("/api/v1/vault/grants/").json()["results"]) == 6
