"""The thread: encrypted at rest, internal notes for the inspectorate only, read markers."""

from __future__ import annotations

import pytest

from backend.complaints import services
from backend.complaints.models import ComplaintMessage, State
from backend.notifications.models import Notification
from tests.complaints.conftest import Case, make_document

pytestmark = pytest.mark.django_db


def url(complaint):
    return f"/api/v1/complaints/{complaint.pk}/messages/"


def test_thread_between_worker_caseworker_and_assignee(auth_client):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    sent = auth_client(case.worker).post(
        url(complaint), {"body": "My boss took my passport"}, format="json"
    )
    assert sent.status_code == 201
    row = ComplaintMessage.objects.get()
    assert b"passport" not in bytes(row.sealed_body)
    note = Notification.objects.get(event="complaint.message", recipient=case.assignee)
    assert note.data == {"complaint_id": str(complaint.pk), "message_id": str(row.pk)}

    seen = auth_client(case.assignee).get(url(complaint)).json()["results"]
    assert [(m["body"], m["author_role"]) for m in seen] == [("My boss took my passport", "worker")]
    again = auth_client(case.worker).get(url(complaint)).json()["results"]
    assert again[0]["read_by"] == ["inspector"]


def test_internal_notes_are_hidden_from_the_workers_side(auth_client):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    posted = auth_client(case.assignee).post(
        url(complaint), {"body": "Employer has prior violations", "internal": True}, format="json"
    )
    assert posted.status_code == 201
    for user in (case.worker, case.caseworker):
        body = auth_client(user).get(url(complaint))
        assert body.status_code == 200
        assert body.json()["results"] == []
        assert "prior violations" not in body.content.decode()
    assert len(auth_client(case.supervisor).get(url(complaint)).json()["results"]) == 1
    forbidden = auth_client(case.worker).post(
        url(complaint), {"body": "x", "internal": True}, format="json"
    )
    assert forbidden.status_code == 403


def test_unassigned_inspector_cannot_read_the_thread(auth_client):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    assert auth_client(case.inspector).get(url(complaint)).status_code == 403


def test_worker_attaches_vault_documents_which_become_evidence(auth_client):
    case = Case()
    complaint = case.to(State.AWAITING_WORKER)
    payslip = make_document(case.worker)
    response = auth_client(case.worker).post(
        url(complaint),
        {"body": "Here is my payslip", "attachment_ids": [str(payslip.pk)]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["attachment_ids"] == [str(payslip.pk)]
    assert list(complaint.evidence.values_list("document_id", flat=True)) == [payslip.pk]
    doc = auth_client(case.assignee).get(f"/api/v1/vault/documents/{payslip.pk}/")
    assert doc.status_code == 200


def test_no_messages_on_a_closed_case():
    case = Case()
    complaint = case.to(State.CLOSED)
    from backend.core.errors import Conflict

    with pytest.raises(Conflict):
        services.message_post(actor=case.worker, complaint_id=complaint.pk, body="hello?")
