from __future__ import annotations

import pytest

from backend.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_me_shows_own_account(worker, auth_client):
    client = auth_client(worker)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(worker.pk)
    assert body["role"] == "worker"
    assert body["phone"] == worker.phone
    assert body["phone_verified"] is True
    assert body["organisation"] is None
    assert "password" not in body
    assert "private" in response["Cache-Control"]


def test_me_shows_caseworker_organisation(caseworker, auth_client):
    body = auth_client(caseworker).get("/api/v1/me").json()

    assert body["role"] == "ngo_caseworker"
    assert body["organisation"]["id"] == str(caseworker.organisation_id)


def test_me_requires_authentication(api):
    response = api.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_patch_me_changes_name_and_language(worker, auth_client):
    client = auth_client(worker)

    response = client.patch("/api/v1/me", {"display_name": " Thida ", "preferred_language": "th"})

    assert response.status_code == 200
    assert response.json()["display_name"] == "Thida"
    assert response.json()["preferred_language"] == "th"
    worker.refresh_from_db()
    assert (worker.display_name, worker.preferred_language) == ("Thida", "th")
    event = AuditEvent.objects.get(action="user.profile_updated")
    assert event.data == {"fields": ["display_name", "preferred_language"]}


@pytest.mark.parametrize(
    "body",
    [{"role": "admin"}, {"country": "TH"}, {"sectors": ["fishing"]}, {"organisation": None}],
)
def test_patch_me_refuses_role_and_jurisdiction(inspector, auth_client, body):
    client = auth_client(inspector)

    response = client.patch("/api/v1/me", body)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == list(body)
    inspector.refresh_from_db()
    assert inspector.role == "inspector"
    assert inspector.country == "TH"
    assert inspector.sectors == []
    assert not AuditEvent.objects.filter(action="user.profile_updated").exists()


def test_patch_me_rejects_unknown_language(worker, auth_client):
    response = auth_client(worker).patch("/api/v1/me", {"preferred_language": "xx"})

    assert response.status_code == 400
    assert "preferred_language" in response.json()["error"]["fields"]


def test_messages_come_back_in_the_users_language(worker, auth_client):
    worker.preferred_language = "th"
    worker.save()
    client = auth_client(worker)

    response = client.get("/api/v1/me")

    assert response["Content-Language"] == "th"


def test_etag_gives_304_when_unchanged(worker, auth_client):
    client = auth_client(worker)
    first = client.get("/api/v1/me")
    etag = first["ETag"]

    again = client.get("/api/v1/me", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    client.patch("/api/v1/me", {"display_name": "New name"})
    changed = client.get("/api/v1/me", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
