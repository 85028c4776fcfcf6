"""App sync (``?updated_since=``) on complaints and threads; outcome, satisfaction and the
inspector's priority override, end to end through the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.complaints import services
from backend.complaints.models import ComplaintEvent, State
from backend.core import clock
from tests import factories
from tests.complaints.conftest import Case, act, file_complaint

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _transition(client, complaint, **body):
    return client.post(f"{URL}{complaint.pk}/transitions", body, format="json")


# --- ?updated_since= ---------------------------------------------------------------------------


def test_complaint_list_updated_since_returns_only_what_changed(auth_client):
    case = Case()
    complaint = case.to(State.SUBMITTED)
    untouched = file_complaint(case.worker)
    client = auth_client(case.worker)
    assert set(_ids(client.get(URL))) == {str(complaint.pk), str(untouched.pk)}

    later = clock.now() + dt.timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        act(case.inspector, complaint, "accept")
    since = (later - dt.timedelta(seconds=1)).isoformat()

    assert _ids(client.get(URL, {"updated_since": since})) == [str(complaint.pk)]
    after = (later + dt.timedelta(seconds=1)).isoformat()
    assert _ids(client.get(URL, {"updated_since": after})) == []


def test_complaint_list_updated_since_stays_within_what_the_user_may_see(auth_client):
    case = Case()
    case.to(State.SUBMITTED)
    since = (clock.now() - dt.timedelta(days=1)).isoformat()

    stranger = auth_client(factories.WorkerFactory())

    assert _ids(stranger.get(URL, {"updated_since": since})) == []


@pytest.mark.parametrize("value", ["yesterday", "2026-01-31T12:00:00", "2026-13-01T00:00:00Z"])
def test_bad_updated_since_on_complaints_and_threads_is_a_clear_400(auth_client, value):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    client = auth_client(case.worker)
    for url in (URL, f"{URL}{complaint.pk}/messages/"):
        response = client.get(url, {"updated_since": value})
        assert response.status_code == 400, url
        assert "updated_since" in response.json()["error"]["fields"]


def test_thread_updated_since_returns_only_newer_messages(auth_client):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    services.message_post(actor=case.worker, complaint_id=complaint.pk, body="first")
    later = clock.now() + dt.timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        newer = services.message_post(actor=case.assignee, complaint_id=complaint.pk, body="second")
    url = f"{URL}{complaint.pk}/messages/"
    client = auth_client(case.worker)

    since = (later - dt.timedelta(seconds=1)).isoformat()
    response = client.get(url, {"updated_since": since})

    assert _ids(response) == [str(newer.pk)]
    assert response.json()["results"][0]["body"] == "second"
    assert len(_ids(client.get(url))) == 2


def test_thread_updated_since_does_not_reveal_internal_notes(auth_client):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    services.message_post(
        actor=case.assignee, complaint_id=complaint.pk, body="note to self", internal=True
    )
    since = (clock.now() - dt.timedelta(days=1)).isoformat()

    response = auth_client(case.worker).get(
        f"{URL}{complaint.pk}/messages/", {"updated_since": since}
    )

    assert _ids(response) == []
    assert "note to self" not in response.content.decode()


# --- Outcome and the worker's satisfaction -----------------------------------------------------


def test_outcome_reaches_the_worker_and_the_worker_says_whether_satisfied(auth_client):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    resolved = _transition(
        auth_client(case.assignee),
        complaint,
        action="resolve",
        outcome="remedy_granted",
        amount_recovered="12500.50",
        recovered_currency="thb",
        note="The employer paid your wages back.",
    )
    assert resolved.status_code == 200, resolved.content

    worker = auth_client(case.worker)
    detail = worker.get(f"{URL}{complaint.pk}/").json()
    assert detail["state"] == State.RESOLVED
    assert detail["outcome"] == "remedy_granted"
    assert detail["amount_recovered"] == "12500.50"
    assert detail["recovered_currency"] == "THB"
    assert detail["outcome_note"] == "The employer paid your wages back."
    assert detail["worker_satisfied"] is None
    assert "give_feedback" in detail["actions"]

    feedback = _transition(worker, complaint, action="give_feedback", satisfied=False)

    assert feedback.status_code == 200, feedback.content
    assert feedback.json()["worker_satisfied"] is False
    assert case.reload().worker_satisfied is False
    event = ComplaintEvent.objects.filter(complaint=complaint, action="give_feedback").get()
    assert event.actor == case.worker
    # The worker may change their mind, e.g. once the money has really arrived.
    assert _transition(worker, complaint, action="give_feedback", satisfied=True).status_code == 200
    assert case.reload().worker_satisfied is True


def test_only_the_worker_gives_feedback(auth_client):
    case = Case()
    complaint = case.to(State.RESOLVED)
    for actor in (case.caseworker, case.assignee, case.supervisor):
        response = _transition(auth_client(actor), complaint, action="give_feedback", satisfied=1)
        assert response.status_code == 403, actor
    stranger = _transition(
        auth_client(factories.WorkerFactory()), complaint, action="give_feedback", satisfied=True
    )
    assert stranger.status_code == 404
    assert case.reload().worker_satisfied is None


def test_feedback_needs_a_yes_or_no_and_only_after_resolution(auth_client):
    case = Case()
    complaint = case.to(State.RESOLVED)
    worker = auth_client(case.worker)
    missing = _transition(worker, complaint, action="give_feedback")
    assert missing.status_code == 400
    assert "satisfied" in missing.json()["error"]["fields"]
    assert case.reload().worker_satisfied is None

    early = Case()
    open_case = early.to(State.INVESTIGATING)
    too_early = _transition(
        auth_client(early.worker), open_case, action="give_feedback", satisfied=True
    )
    assert too_early.status_code == 409
    assert too_early.json()["error"]["code"] == "invalid_transition"
    assert early.reload().worker_satisfied is None


def test_incomplete_outcome_is_a_clear_400_and_leaves_the_case_open(auth_client):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    response = _transition(
        auth_client(case.assignee),
        complaint,
        action="resolve",
        outcome="remedy_granted",
        amount_recovered="100",
    )
    assert response.status_code == 400
    assert "recovered_currency" in response.json()["error"]["fields"]
    reloaded = case.reload()
    assert reloaded.state == State.INVESTIGATING
    assert reloaded.amount_recovered is None and reloaded.outcome == ""


# --- Priority override with a reason -----------------------------------------------------------


def test_inspector_overrides_the_priority_with_a_reason(auth_client):
    case = Case(categories=("unpaid_or_late_wages",))
    complaint = case.to(State.SUBMITTED)
    computed = complaint.computed_priority
    assert complaint.priority == computed and computed != "urgent"
    inspector = auth_client(case.inspector)

    no_reason = _transition(inspector, complaint, action="set_priority", priority="urgent")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["error"]["fields"]
    assert case.reload().priority == computed

    response = _transition(
        inspector,
        complaint,
        action="set_priority",
        priority="urgent",
        reason="Worker reports threats from the employer",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["priority"], body["computed_priority"]) == ("urgent", computed)
    assert body["priority_overridden"] is True
    event = ComplaintEvent.objects.get(complaint=complaint, action="set_priority")
    assert event.actor == case.inspector
    assert b"Worker reports threats" not in bytes(event.sealed_reason)  # sealed, not in clear
    shown = [e for e in body["events"] if e["action"] == "set_priority"]
    assert shown[0]["reason"] == "Worker reports threats from the employer"
    queue = inspector.get("/api/v1/inspection/queue", {"priority": "urgent"}).json()
    assert [row["id"] for row in queue["results"]] == [str(complaint.pk)]

    back = _transition(
        inspector, complaint, action="set_priority", priority=computed, reason="Threats ended"
    )
    assert back.status_code == 200
    assert back.json()["priority_overridden"] is False


def test_workers_and_caseworkers_cannot_set_the_priority(auth_client):
    case = Case()
    complaint = case.to(State.SUBMITTED)
    before = complaint.priority
    for actor in (case.worker, case.caseworker):
        response = _transition(
            auth_client(actor), complaint, action="set_priority", priority="urgent", reason="x"
        )
        assert response.status_code == 403
    foreign = factories.InspectorFactory(country="PH")
    response = _transition(
        auth_client(foreign), complaint, action="set_priority", priority="urgent", reason="x"
    )
    assert response.status_code == 404
    assert case.reload().priority == before
