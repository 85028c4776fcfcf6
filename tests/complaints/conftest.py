"""Complaint fixtures: a worker's complaint driven through the workflow by the real services."""

from __future__ import annotations

import uuid

import pytest

from backend.complaints import services
from backend.complaints.models import Complaint, State, Supervisor
from backend.vault.models import Document
from tests import factories

NARRATIVE = "They keep my passport and have not paid me for three months."


def complaint_fields(**overrides):
    fields = {
        "employer_name": "Sunrise Seafood Co.",
        "workplace_country": "TH",
        "workplace_region": "Samut Sakhon",
        "sector": "fishing",
        "narrative": NARRATIVE,
        "desired_outcome": "My wages and my passport back.",
    }
    fields.update(overrides)
    return fields


def file_complaint(worker, *, submit=True, categories=("withholding_of_wages",), **overrides):
    complaint, _ = services.complaint_create(
        actor=worker,
        client_key=uuid.uuid4(),
        changes=complaint_fields(**overrides),
        categories=list(categories),
        submit=submit,
    )
    return complaint


def act(actor, complaint, action, reason="", **params):
    return services.complaint_transition(
        actor=actor,
        complaint_id=complaint.pk,
        data=services.TransitionInput(action=action, reason=reason, params=params),
    )


class Case:
    """A worker's complaint with its cast: an invited caseworker, an inspector of the
    jurisdiction, the inspector it gets assigned to, and a supervisor."""

    def __init__(self, categories=("withholding_of_wages",)):
        self.worker = factories.WorkerFactory()
        self.caseworker = factories.CaseworkerFactory()
        self.inspector = factories.InspectorFactory()
        self.assignee = factories.InspectorFactory()
        self.supervisor = factories.InspectorFactory()
        Supervisor.objects.create(user=self.supervisor)
        self.complaint = file_complaint(self.worker, submit=False, categories=categories)

    def reload(self) -> Complaint:
        self.complaint.refresh_from_db()
        return self.complaint

    def to(self, state: str) -> Complaint:
        """Drive the complaint to ``state`` along the shortest path."""
        c = self.complaint
        if state == State.DRAFT:
            return c
        act(self.worker, c, "submit")
        services.invitation_create(
            actor=self.worker, complaint_id=c.pk, caseworker_username=self.caseworker.username
        )
        if state == State.WITHDRAWN:
            act(self.worker, c, "withdraw")
        elif state in (State.REJECTED, State.REFERRED):
            act(self.inspector, c, "reject" if state == State.REJECTED else "refer", "no")
        elif state != State.SUBMITTED:
            act(self.inspector, c, "accept")
            if state != State.ACCEPTED:
                act(self.supervisor, c, "assign", assignee=str(self.assignee.pk))
                if state != State.ASSIGNED:
                    act(self.assignee, c, "start_investigation")
                    if state == State.AWAITING_WORKER:
                        act(self.assignee, c, "request_info", "Send your payslips")
                    elif state in (State.RESOLVED, State.CLOSED):
                        act(self.assignee, c, "resolve", outcome="settled")
                        if state == State.CLOSED:
                            act(self.worker, c, "close")
        return self.reload()


@pytest.fixture
def case(db):
    return Case()


def make_document(owner, kind="payslip") -> Document:
    return Document.objects.create(owner=owner, kind=kind)
