"""Redis SIGKILLed while the web process uses it (as broker *and* cache), then started again.

gunicorn runs the production settings with REDIS_URL pointing at a private Redis. A complaint
transition and a complaint message — both notify — are served before, during and after the
outage. During it:
- every request still answers 2xx, within a few seconds (the enqueue error is logged and the
  rows wait in the outbox; the Redis-backed cache does not turn into 500s);
- ``/readyz`` reports the broker down (503), ``/healthz`` stays 200;
- the deliveries stay ``pending``. The message enqueued *before* the crash was lost with Redis
  (no persistence), like one sitting in a crashed broker.
After Redis is back the sweep (``notifications.redispatch_pending``) delivers every pending
delivery, once: a second sweep and a duplicate dispatch of the same notifications send nothing.

The web process and the test share the PostgreSQL test database; the sweep and dispatch run in
the test process (the broker-to-worker path after an outage is covered with a real worker in
tests/notifications/test_worker_end_to_end.py::test_outbox_survives_a_broker_outage).
"""

from __future__ import annotations

import time

import pytest
import requests

from backend.accounts.services import device_sign_in
from backend.complaints.models import ComplaintMessage
from backend.notifications.channels import reset_backends
from backend.notifications.dispatch import deliveries_dispatch, deliveries_redispatch_pending
from backend.notifications.models import Delivery, DeliveryStatus, PushToken
from tests.complaints.conftest import Case
from tests.faults.servers import PrivateRedis, WebServer, require_postgres
from tests.workers.test_worker_end_to_end import database_url

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

SLOW = 10.0  # seconds: a request during the outage may wait for the broker, never hang


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_api_keeps_serving_while_redis_is_down_and_the_outbox_delivers_once(
    transactional_db, tmp_path, settings
):
    require_postgres()
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 0
    sink = tmp_path / "sink.txt"
    settings.NOTIFICATIONS_SINK_FILE = str(sink)
    reset_backends()
    redis = PrivateRedis(tmp_path).start()
    cases = [Case(), Case(), Case()]
    inspector = cases[0].inspector
    for case in cases:
        case.inspector = inspector  # one inspector of the jurisdiction acts on all three
        case.to("submitted")
    people = {u for c in cases for u in (c.worker, c.caseworker, c.assignee, c.supervisor)}
    for user in {*people, inspector}:  # everyone can receive a push
        PushToken.objects.create(user=user, platform="android", token=f"fault-{user.pk.hex}")
    before_ids = set(Delivery.objects.values_list("pk", flat=True))
    as_inspector = {
        "Authorization": f"Bearer {device_sign_in(user=inspector, device_name='office').access}"
    }
    as_worker = {
        "Authorization": f"Bearer {device_sign_in(user=cases[0].worker, device_name='p').access}"
    }
    server = WebServer(
        data_dir=tmp_path / "server", database_url=database_url(), name="web", REDIS_URL=redis.url
    ).start()
    base = f"{server.url}/api/v1/complaints"
    try:

        def accept(case):
            return requests.post(
                f"{base}/{case.complaint.pk}/transitions",
                json={"action": "accept"},
                headers=as_inspector,
                timeout=30,
            )

        def message(case, text):
            return requests.post(
                f"{base}/{case.complaint.pk}/messages/",
                json={"body": text},
                headers=as_worker,
                timeout=30,
            )

        # Redis up: served, and the dispatch message goes to Redis (no worker consumes it).
        response = accept(cases[0])
        assert response.status_code == 200, response.text
        assert requests.get(f"{server.url}/readyz", timeout=10).status_code == 200

        redis.stop()  # SIGKILL mid-use: the message queued above is gone with it

        for call in (
            lambda: accept(cases[1]),
            lambda: message(cases[0], "I sent the pay slips."),
            lambda: message(cases[0], "They took my passport too."),
            lambda: accept(cases[2]),
        ):
            response, seconds = _timed(call)
            assert 200 <= response.status_code < 300, (response.status_code, response.text)
            assert seconds < SLOW, f"a request took {seconds:.1f} s during the outage"
        ready = requests.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 503
        assert ready.json()["checks"]["broker"]["ok"] is False
        assert ready.json()["checks"]["database"]["ok"] is True
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
        # A read that goes through the (Redis) cache-backed throttles also still works.
        listing = requests.get(f"{base}/", headers=as_inspector, timeout=30)
        assert listing.status_code == 200, listing.text

        assert ComplaintMessage.objects.count() == 2
        pushes = Delivery.objects.filter(channel="push").exclude(pk__in=before_ids)
        # 3 accepts + 2 messages, each to at least one other party, one push per recipient.
        assert pushes.values("notification__event_key").distinct().count() == 5
        assert set(pushes.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
        assert set(pushes.values_list("attempts", flat=True)) == {0}

        redis.start()  # back (empty: nothing survived the crash)
        ready = requests.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
    finally:
        server.stop()
        redis.stop()

    # The sweep finds every pending delivery and dispatches it (in-process here: eager tasks).
    assert deliveries_redispatch_pending() >= 5
    assert set(pushes.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(pushes.values_list("attempts", flat=True)) == {1}
    sent = sink.read_text().split()
    push_ids = {str(pk) for pk in pushes.values_list("pk", flat=True)}
    assert sorted(t for t in sent if t in push_ids) == sorted(push_ids)  # each exactly once
    # A second sweep and a duplicate dispatch of the same notifications send nothing more.
    assert deliveries_redispatch_pending() == 0
    deliveries_dispatch(
        notification_ids=[str(n) for n in pushes.values_list("notification_id", flat=True)]
    )
    assert sink.read_text().split() == sent
