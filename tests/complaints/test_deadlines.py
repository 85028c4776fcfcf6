"""Deadlines per jurisdiction and the hourly escalation of overdue complaints."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.complaints.models import State, Supervisor
from backend.complaints.services import (
    complaints_escalate_overdue,
    complaints_remind_awaiting_worker,
)
from backend.notifications.models import Notification
from tests import factories
from tests.complaints.conftest import Case, act, file_complaint
from workers.beat import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


def test_deadlines_follow_the_workplace_jurisdiction():
    with time_machine.travel(T0, tick=False):
        thai = file_complaint(factories.WorkerFactory())
        filipino = file_complaint(factories.WorkerFactory(), workplace_country="PH")
        assert thai.due_at == T0 + dt.timedelta(days=3)
        assert filipino.due_at == T0 + dt.timedelta(days=3)
        act(factories.InspectorFactory(), thai, "accept")
        act(factories.InspectorFactory(country="PH"), filipino, "accept")
    thai.refresh_from_db()
    filipino.refresh_from_db()
    assert thai.due_at == T0 + dt.timedelta(days=60)
    assert filipino.due_at == T0 + dt.timedelta(days=30)


def test_overdue_complaints_escalate_once_per_deadline():
    with time_machine.travel(T0, tick=False):
        case = Case()
        complaint = case.to(State.SUBMITTED)
    other_country_supervisor = factories.InspectorFactory(country="PH")
    Supervisor.objects.create(user=other_country_supervisor)

    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        assert complaints_escalate_overdue() == 0
    with time_machine.travel(T0 + dt.timedelta(days=4), tick=False):
        assert complaints_escalate_overdue() == 1
        assert complaints_escalate_overdue() == 0  # the next hourly run sends nothing new
    alerts = Notification.objects.filter(event="complaint.overdue")
    assert [a.recipient for a in alerts] == [case.supervisor]
    assert alerts.get().urgent is True
    assert alerts.get().data == {"complaint_id": str(complaint.pk), "state": "submitted"}

    # Triaged late, the decision deadline is a new deadline: escalated again when it passes.
    with time_machine.travel(T0 + dt.timedelta(days=5), tick=False):
        act(case.inspector, complaint, "accept")
    with time_machine.travel(T0 + dt.timedelta(days=66), tick=False):
        assert complaints_escalate_overdue() == 1
    assert Notification.objects.filter(event="complaint.overdue").count() == 2


def test_overdue_complaint_without_supervisor_or_assignee_reaches_the_inspectorate():
    with time_machine.travel(T0, tick=False):
        worker = factories.WorkerFactory()
        complaint = file_complaint(worker)  # Thailand, Samut Sakhon, fishing
        local = factories.InspectorFactory()
        other_sector = factories.InspectorFactory(sectors=["construction"])
        foreign = factories.InspectorFactory(country="PH")

    with time_machine.travel(T0 + dt.timedelta(days=4), tick=False):
        assert complaints_escalate_overdue() == 1
        assert complaints_escalate_overdue() == 0

    alerts = Notification.objects.filter(event="complaint.overdue")
    recipients = {a.recipient for a in alerts}
    assert local in recipients
    assert other_sector not in recipients and foreign not in recipients and worker not in recipients
    assert all(a.data == {"complaint_id": str(complaint.pk), "state": "submitted"} for a in alerts)


def test_queue_shows_due_and_overdue(auth_client):
    with time_machine.travel(T0, tick=False):
        case = Case()
        complaint = case.to(State.SUBMITTED)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        rows = auth_client(case.inspector).get("/api/v1/inspection/queue").json()["results"]
        assert rows[0]["due_status"] == "due_soon"
        soon = auth_client(case.inspector).get("/api/v1/inspection/queue", {"view": "due_soon"})
        assert [r["id"] for r in soon.json()["results"]] == [str(complaint.pk)]
    with time_machine.travel(T0 + dt.timedelta(days=4), tick=False):
        rows = auth_client(case.inspector).get("/api/v1/inspection/queue").json()["results"]
        assert rows[0]["due_status"] == "overdue"


def test_escalation_task_is_scheduled_hourly_and_calls_the_service():
    from workers.tasks.complaints import escalate_overdue

    entry = BEAT_SCHEDULE["escalate-overdue-complaints"]
    assert entry["task"] == "complaints.escalate_overdue"
    with time_machine.travel(T0, tick=False):
        Case().to(State.SUBMITTED)
    with time_machine.travel(T0 + dt.timedelta(days=4), tick=False):
        assert escalate_overdue.apply().get() == 1
        assert escalate_overdue.apply().get() == 0


def test_a_worker_is_reminded_while_their_information_is_awaited(settings):
    settings.COMPLAINT_AWAITING_REMINDER_DAYS = 3
    with time_machine.travel(T0, tick=False):
        case = Case()
        complaint = case.to(State.AWAITING_WORKER)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        assert complaints_remind_awaiting_worker() == 0
    with time_machine.travel(T0 + dt.timedelta(days=3, hours=1), tick=False):
        assert complaints_remind_awaiting_worker() == 1
        assert complaints_remind_awaiting_worker() == 0  # the next run sends nothing new
    with time_machine.travel(T0 + dt.timedelta(days=6, hours=1), tick=False):
        assert complaints_remind_awaiting_worker() == 1
    reminders = Notification.objects.filter(event="complaint.awaiting_information")
    assert {r.recipient for r in reminders} == {case.worker}
    assert {r.subject_ref for r in reminders} == {complaint.reference}
    assert all(set(r.data) == {"complaint_id", "reminder"} for r in reminders)


def test_no_reminder_once_the_worker_has_answered():
    with time_machine.travel(T0, tick=False):
        case = Case()
        case.to(State.INVESTIGATING)
    with time_machine.travel(T0 + dt.timedelta(days=10), tick=False):
        assert complaints_remind_awaiting_worker() == 0
    assert "complaints.remind_awaiting_worker" in {e["task"] for e in BEAT_SCHEDULE.values()}
