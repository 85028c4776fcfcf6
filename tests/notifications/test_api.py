"""Inbox, read/ack, push tokens and preferences over the API, incl. other users (404)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from backend.core import clock
from backend.notifications.models import Delivery, Notification, NotificationPreference, PushToken
from backend.notifications.services import notify
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def emit(recipient, n: int, *, start: int = 0) -> list[Notification]:
    out = []
    for i in range(start, start + n):
        with transaction.atomic():
            out += notify(
                event="complaint.message",
                event_key=f"complaint:1:message:{i}",
                recipients=[recipient],
                subject_ref="FT-7K3Q-9M2D",
                data={"message_id": str(i)},
            )
    return out


# --- Inbox --------------------------------------------------------------------------------------


def test_inbox_lists_only_my_notifications_newest_first(auth_client, worker, other_worker):
    mine = emit(worker, 3)
    emit(other_worker, 2, start=10)

    response = auth_client(worker).get("/api/v1/notifications/")

    assert response.status_code == 200
    body = response.json()
    assert [n["id"] for n in body["results"]] == [str(n.id) for n in reversed(mine)]
    first = body["results"][0]
    assert first["event"] == "complaint.message"
    assert first["subject_ref"] == "FT-7K3Q-9M2D"
    assert first["text"] == "Fairtrail: there is an update on FT-7K3Q-9M2D. Open the app to see it."
    assert first["read_at"] is None
    assert response["Cache-Control"] == "private, no-cache"


def test_inbox_is_cursor_paginated(auth_client, worker):
    emit(worker, 5)
    client = auth_client(worker)

    page1 = client.get("/api/v1/notifications/", {"page_size": 2}).json()
    page2 = client.get(page1["next"]).json()

    assert len(page1["results"]) == 2 and len(page2["results"]) == 2
    assert not {n["id"] for n in page1["results"]} & {n["id"] for n in page2["results"]}


def test_unread_filter_and_bad_value(auth_client, worker):
    a, b = emit(worker, 2)
    client = auth_client(worker)
    client.post("/api/v1/notifications/read", {"notification_id": str(a.id)})

    unread = client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    bad = client.get("/api/v1/notifications/", {"unread": "maybe"})

    assert [n["id"] for n in unread] == [str(b.id)]
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"unread": ["Expected true or false."]}


def test_updated_since_returns_notifications_read_later(auth_client, worker):
    a, _b = emit(worker, 2)
    client = auth_client(worker)
    later = clock.now() + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        client.post("/api/v1/notifications/read", {"notification_id": str(a.id)})

    since = (later - dt.timedelta(seconds=1)).isoformat()
    response = client.get("/api/v1/notifications/", {"updated_since": since})

    assert [n["id"] for n in response.json()["results"]] == [str(a.id)]


def test_inbox_query_count_is_constant(auth_client, worker):
    client = auth_client(worker)
    emit(worker, 2)
    few = count_queries(lambda: client.get("/api/v1/notifications/"))
    emit(worker, 20, start=100)
    many = count_queries(lambda: client.get("/api/v1/notifications/"))

    assert few == many


def test_anonymous_gets_401(api):
    for method, url in [
        ("get", "/api/v1/notifications/"),
        ("post", "/api/v1/notifications/read"),
        ("get", "/api/v1/devices/push-tokens"),
        ("get", "/api/v1/me/notification-preferences"),
    ]:
        assert getattr(api, method)(url).status_code == 401, url


# --- Read and acknowledge -----------------------------------------------------------------------


def test_read_up_to_marks_that_one_and_older(auth_client, worker):
    older, middle, _newer = emit(worker, 3)

    response = auth_client(worker).post("/api/v1/notifications/read", {"up_to": str(middle.id)})

    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    read = set(Notification.objects.filter(read_at__isnull=False).values_list("id", flat=True))
    assert read == {older.id, middle.id}
    # Reading acknowledges the push, so no SMS fallback follows.
    assert (
        Delivery.objects.filter(
            notification__in=[older, middle], channel="push", acknowledged_at__isnull=False
        ).count()
        == 2
    )


def test_reading_someone_elses_notification_is_404_and_changes_nothing(
    auth_client, worker, other_worker
):
    [theirs] = emit(other_worker, 1)

    for payload in ({"up_to": str(theirs.id)}, {"notification_id": str(theirs.id)}):
        response = auth_client(worker).post("/api/v1/notifications/read", payload)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_needs_exactly_one_of_up_to_or_id(auth_client, worker):
    [n] = emit(worker, 1)
    client = auth_client(worker)

    assert client.post("/api/v1/notifications/read", {}).status_code == 400
    both = client.post(
        "/api/v1/notifications/read", {"up_to": str(n.id), "notification_id": str(n.id)}
    )
    extra = client.post("/api/v1/notifications/read", {"up_to": str(n.id), "all": True})
    assert both.status_code == 400 and extra.status_code == 400
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_ack_marks_the_push_acknowledged(auth_client, worker, other_worker):
    [n] = emit(worker, 1)

    response = auth_client(worker).post(f"/api/v1/notifications/{n.id}/ack")
    stranger = auth_client(other_worker).post(f"/api/v1/notifications/{n.id}/ack")

    assert response.status_code == 200
    assert response.json()["id"] == str(n.id)
    assert n.deliveries.get(channel="push").acknowledged_at is not None
    assert stranger.status_code == 404


def test_ack_by_stranger_leaves_it_unacknowledged(auth_client, worker, other_worker):
    [n] = emit(worker, 1)

    auth_client(other_worker).post(f"/api/v1/notifications/{n.id}/ack")

    assert n.deliveries.get(channel="push").acknowledged_at is None


# --- Push tokens --------------------------------------------------------------------------------


def test_register_list_and_delete_push_token(auth_client, worker):
    client = auth_client(worker)

    created = client.post(
        "/api/v1/devices/push-tokens", {"platform": "android", "token": "a" * 40 + "XYZ123"}
    )
    again = client.post(
        "/api/v1/devices/push-tokens", {"platform": "android", "token": "a" * 40 + "XYZ123"}
    )
    listed = client.get("/api/v1/devices/push-tokens")

    assert created.status_code == 201 and again.status_code == 201
    assert created.json()["id"] == again.json()["id"]
    assert created.json()["token_suffix"] == "XYZ123"
    assert "token" not in created.json()
    assert created.json()["device"] == str(client.tokens.device_id)
    assert [t["id"] for t in listed.json()["results"]] == [created.json()["id"]]

    deleted = client.delete(f"/api/v1/devices/push-tokens/{created.json()['id']}")
    assert deleted.status_code == 204
    assert PushToken.objects.count() == 0


def test_deleting_another_users_token_is_404(auth_client, worker, other_worker):
    token = PushToken.objects.create(user=other_worker, platform="ios", token="t" * 64)

    response = auth_client(worker).delete(f"/api/v1/devices/push-tokens/{token.id}")
    listed = auth_client(worker).get("/api/v1/devices/push-tokens").json()["results"]

    assert response.status_code == 404
    assert PushToken.objects.filter(pk=token.pk).exists()
    assert listed == []


def test_token_registered_on_a_shared_phone_moves_to_the_new_user(
    auth_client, worker, other_worker
):
    token = "shared-phone-token-" + "b" * 30
    auth_client(worker).post("/api/v1/devices/push-tokens", {"platform": "ios", "token": token})

    auth_client(other_worker).post(
        "/api/v1/devices/push-tokens", {"platform": "ios", "token": token}
    )

    assert PushToken.objects.get(token=token).user == other_worker
    assert auth_client(worker).get("/api/v1/devices/push-tokens").json()["results"] == []


def test_push_token_validation(auth_client, worker):
    client = auth_client(worker)

    bad_platform = client.post(
        "/api/v1/devices/push-tokens", {"platform": "nokia", "token": "x" * 20}
    )
    short = client.post("/api/v1/devices/push-tokens", {"platform": "ios", "token": "x"})

    assert bad_platform.status_code == 400 and "platform" in bad_platform.json()["error"]["fields"]
    assert short.status_code == 400 and "token" in short.json()["error"]["fields"]
    assert PushToken.objects.count() == 0


def test_push_token_list_query_count_is_constant(auth_client, worker):
    client = auth_client(worker)
    PushToken.objects.create(user=worker, platform="ios", token="q" * 30)
    few = count_queries(lambda: client.get("/api/v1/devices/push-tokens"))
    for i in range(10):
        PushToken.objects.create(user=worker, platform="android", token=f"token-{i:04d}" * 3)
    many = count_queries(lambda: client.get("/api/v1/devices/push-tokens"))

    assert few == many


# --- Preferences --------------------------------------------------------------------------------


def test_preferences_defaults_and_update(auth_client, worker):
    client = auth_client(worker)

    defaults = client.get("/api/v1/me/notification-preferences")
    updated = client.patch(
        "/api/v1/me/notification-preferences",
        {
            "push": False,
            "email": True,
            "email_address": "me@example.org",
            "time_zone": "Asia/Bangkok",
        },
    )

    assert defaults.json() == {
        "in_app": True,
        "push": True,
        "sms": True,
        "email": False,
        "email_address": "",
        "time_zone": "",
    }
    assert updated.status_code == 200
    assert updated.json()["push"] is False and updated.json()["time_zone"] == "Asia/Bangkok"
    assert NotificationPreference.objects.get(user=worker).email_address == "me@example.org"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": True}, "email_address"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"in_app": False}, "in_app"),
        ({"email_address": "not-an-address"}, "email_address"),
    ],
)
def test_preferences_reject_bad_input_and_change_nothing(auth_client, worker, payload, field):
    response = auth_client(worker).patch("/api/v1/me/notification-preferences", payload)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not NotificationPreference.objects.filter(user=worker).exists()


def test_preferences_are_per_user(auth_client, worker, other_worker):
    auth_client(worker).patch("/api/v1/me/notification-preferences", {"push": False})

    theirs = auth_client(other_worker).get("/api/v1/me/notification-preferences").json()

    assert theirs["push"] is True


def test_push_token_list_updated_since_returns_only_newer_tokens(auth_client, worker):
    client = auth_client(worker)
    old = client.post("/api/v1/devices/push-tokens", {"platform": "android", "token": "o" * 40})
    later = clock.now() + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        new = client.post("/api/v1/devices/push-tokens", {"platform": "ios", "token": "n" * 40})
    assert old.status_code == 201 and new.status_code == 201
    since = (later - dt.timedelta(seconds=1)).isoformat()

    response = client.get("/api/v1/devices/push-tokens", {"updated_since": since})

    assert [t["id"] for t in response.json()["results"]] == [new.json()["id"]]
    bad = client.get("/api/v1/devices/push-tokens", {"updated_since": "2026-01-31"})
    assert bad.status_code == 400
    assert "updated_since" in bad.json()["error"]["fields"]
