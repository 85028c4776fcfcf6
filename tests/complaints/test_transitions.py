"""The whole transition table: every (state, action) pair, allowed and forbidden, per actor."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.audit.models import AuditEvent
from backend.complaints import policies
from backend.complaints.models import ComplaintEvent, State
from backend.complaints.transitions import ACTIONS, TRANSITIONS
from backend.core.errors import AppError, Conflict, NotFound, PermissionDenied
from backend.notifications.models import Notification
from tests import factories
from tests.complaints.conftest import Case, act

pytestmark = pytest.mark.django_db

PARAMS = {
    "resolve": {"outcome": "remedy_granted"},
    "set_priority": {"priority": "urgent"},
    "give_feedback": {"satisfied": True},
}
ACTOR_RELATIONS = {
    "worker": {policies.WORKER},
    "caseworker": {policies.CASEWORKER},
    "inspector": {policies.INSPECTOR},
    "assignee": {policies.INSPECTOR, policies.ASSIGNEE},
    "supervisor": {policies.INSPECTOR, policies.SUPERVISOR},
}
STRANGERS = ("other_worker", "foreign_inspector", "uninvited_caseworker", "moderator", "admin")


def _stranger(kind):
    return {
        "other_worker": factories.WorkerFactory,
        "foreign_inspector": lambda: factories.InspectorFactory(country="PH"),
        "uninvited_caseworker": factories.CaseworkerFactory,
        "moderator": factories.ModeratorFactory,
        "admin": factories.AdminFactory,
    }[kind]()


INSPECTORATE = ("inspector", "assignee", "supervisor")

# Invited caseworkers never see drafts (the filing caseworker is tested below).
CASES = [
    (state, action, kind)
    for (state, action) in TRANSITIONS
    for kind in ACTOR_RELATIONS
    if not (state == State.DRAFT and kind == "caseworker")
]


@pytest.mark.parametrize(("state", "action", "kind"), CASES)
def test_transition_table_per_actor(state, action, kind):
    case = Case()
    complaint = case.to(state)
    actor = getattr(case, kind)
    rule = TRANSITIONS[(state, action)]
    events_before = ComplaintEvent.objects.filter(complaint=complaint).count()
    relations = set(ACTOR_RELATIONS[kind])
    if complaint.assigned_inspector_id is None:
        relations.discard(policies.ASSIGNEE)  # not assigned yet: just an inspector
    allowed = bool(rule.actors & relations)
    if state == State.DRAFT and kind in INSPECTORATE:
        # A draft is the worker's alone: the inspectorate does not even see it.
        with pytest.raises(NotFound):
            act(actor, complaint, action, "because", **PARAMS.get(action, {}))
        return
    if (state, action) == (State.DRAFT, "confirm_consent") and allowed:
        # Only meaningful when a caseworker filed; a worker's own draft needs no consent.
        with pytest.raises(Conflict):
            act(actor, complaint, action, "because")
        return
    if allowed:
        result = act(actor, complaint, action, "because", **PARAMS.get(action, {}))
        assert result.state == (rule.to or state)
        assert result.version == complaint.version + 1
        event = ComplaintEvent.objects.filter(complaint=complaint).latest("at")
        assert (event.action, event.from_state, event.to_state) == (
            action,
            state,
            rule.to or state,
        )
        assert event.actor == actor
        assert AuditEvent.objects.filter(
            action=f"complaint.{action}", target_id=str(complaint.pk)
        ).exists()
    else:
        with pytest.raises(PermissionDenied):
            act(actor, complaint, action, "because", **PARAMS.get(action, {}))
        assert case.reload().state == state
        assert ComplaintEvent.objects.filter(complaint=complaint).count() == events_before


@pytest.mark.parametrize("state", list(State.values))
def test_actions_outside_the_table_are_409_and_change_nothing(state):
    case = Case()
    complaint = case.to(state)
    actor = case.worker
    for action in ACTIONS:
        if (state, action) in TRANSITIONS:
            continue
        with pytest.raises(Conflict) as error:
            act(actor, complaint, action, "because", **PARAMS.get(action, {}))
        assert error.value.code == "invalid_transition"
    assert case.reload().state == state
    assert case.reload().version == complaint.version


@pytest.mark.parametrize("kind", STRANGERS)
@pytest.mark.parametrize("state", [State.SUBMITTED, State.INVESTIGATING])
def test_strangers_get_404_for_every_action(kind, state):
    case = Case()
    complaint = case.to(state)
    stranger = _stranger(kind)
    for action in ACTIONS:
        with pytest.raises(NotFound):
            act(stranger, complaint, action, "because", **PARAMS.get(action, {}))
    assert case.reload().state == state


def test_reason_is_required_where_the_table_says_so():
    case = Case()
    complaint = case.to(State.SUBMITTED)
    with pytest.raises(AppError) as error:
        act(case.inspector, complaint, "reject", "  ")
    assert error.value.status_code == 400 and "reason" in error.value.fields
    assert case.reload().state == State.SUBMITTED


def test_reason_is_sealed_and_not_stored_in_clear():
    case = Case()
    complaint = case.to(State.SUBMITTED)
    act(case.inspector, complaint, "refer", "Belongs to the marine department")
    event = ComplaintEvent.objects.get(complaint=complaint, action="refer")
    assert b"marine" not in bytes(event.sealed_reason)


def test_stale_version_is_409():
    case = Case()
    complaint = case.to(State.SUBMITTED)
    from backend.complaints import services

    with pytest.raises(Conflict) as error:
        services.complaint_transition(
            actor=case.inspector,
            complaint_id=complaint.pk,
            data=services.TransitionInput(action="accept", version=complaint.version - 1),
        )
    assert error.value.code == "stale"
    assert case.reload().state == State.SUBMITTED


def test_inspector_may_assign_only_themselves_supervisor_anyone_in_jurisdiction():
    case = Case()
    complaint = case.to(State.ACCEPTED)
    with pytest.raises(PermissionDenied):
        act(case.inspector, complaint, "assign", assignee=str(case.assignee.pk))
    foreign = factories.InspectorFactory(country="PH")
    with pytest.raises(AppError) as error:
        act(case.supervisor, complaint, "assign", assignee=str(foreign.pk))
    assert error.value.fields == {"assignee": ["Not an inspector of this jurisdiction."]}
    assert act(case.inspector, complaint, "assign").assigned_inspector == case.inspector


def test_caseworker_filing_needs_recorded_or_confirmed_consent(caseworker, worker):
    import uuid

    from backend.complaints import services
    from tests.complaints.conftest import complaint_fields

    complaint, _ = services.complaint_create(
        actor=caseworker,
        client_key=uuid.uuid4(),
        changes=complaint_fields(consent_method="in_app"),
        categories=["deception"],
        worker_username=worker.username,
    )
    assert policies.relations(caseworker, complaint) == {policies.FILER, policies.CASEWORKER}
    with pytest.raises(AppError) as error:
        act(caseworker, complaint, "submit")
    assert "consent" in error.value.fields
    act(worker, complaint, "confirm_consent")
    assert act(caseworker, complaint, "submit").state == State.SUBMITTED


def test_reopen_only_within_the_window(settings):
    settings.COMPLAINT_REOPEN_DAYS = 10
    case = Case()
    complaint = case.to(State.RESOLVED)
    complaint.resolved_at -= dt.timedelta(days=11)
    complaint.save(update_fields=["resolved_at"])
    with pytest.raises(Conflict) as error:
        act(case.worker, complaint, "reopen", "Still not paid")
    assert error.value.code == "reopen_window_closed"
    complaint.resolved_at += dt.timedelta(days=2)
    complaint.save(update_fields=["resolved_at"])
    assert act(case.worker, complaint, "reopen", "Still not paid").state == State.INVESTIGATING


def test_deadline_extension_only_once_and_not_in_the_philippines():
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    due = complaint.decision_due_at
    complaint = act(case.assignee, complaint, "extend_deadline", "Employer abroad")
    assert complaint.decision_due_at == due + dt.timedelta(days=30)
    assert complaint.due_at == complaint.decision_due_at
    with pytest.raises(Conflict):
        act(case.assignee, complaint, "extend_deadline", "Again")


def test_transitions_notify_the_other_parties_with_ids_only():
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    act(case.assignee, complaint, "request_info", "Send your payslips")
    notes = Notification.objects.filter(
        event="complaint.state_changed", data__state="awaiting_worker"
    )
    assert {n.recipient for n in notes} == {case.worker, case.caseworker}
    for note in notes:
        assert set(note.data) == {"complaint_id", "state", "action"}
        assert note.subject_ref == complaint.reference
