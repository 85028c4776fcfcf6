"""Evidence from the worker's vault: who can read it, for how long, and that it is on the trail."""

from __future__ import annotations

import pytest

from backend.complaints import services
from backend.complaints.models import ComplaintAccess, State
from backend.vault.models import Grant, TrailEntry, TrailEvent
from tests import factories
from tests.complaints.conftest import Case, act, make_document

pytestmark = pytest.mark.django_db


def doc_url(document):
    return f"/api/v1/vault/documents/{document.pk}/"


def add(case, *documents):
    return services.evidence_add(
        actor=case.worker, complaint_id=case.complaint.pk, document_ids=[d.pk for d in documents]
    )


def test_assigned_inspector_sees_evidence_only_while_assigned(auth_client):
    case = Case()
    complaint = case.to(State.ACCEPTED)
    payslip = make_document(case.worker)
    add(case, payslip)
    inspector = auth_client(case.assignee)
    assert inspector.get(doc_url(payslip)).status_code == 404  # not assigned yet

    act(case.supervisor, complaint, "assign", assignee=str(case.assignee.pk))
    assert inspector.get(doc_url(payslip)).status_code == 200
    view = TrailEntry.objects.filter(
        vault__owner=case.worker, event=TrailEvent.VIEW, actor=case.assignee
    )
    assert view.count() == 1  # the worker's trail records the inspector's view
    assert TrailEntry.objects.filter(
        vault__owner=case.worker, event=TrailEvent.SHARE, document_id=payslip.pk
    ).exists()

    act(case.assignee, complaint, "unassign", "Conflict of interest")
    assert inspector.get(doc_url(payslip)).status_code == 404
    assert TrailEntry.objects.filter(
        vault__owner=case.worker, event=TrailEvent.REVOKE, document_id=payslip.pk
    ).exists()
    # Other inspectors of the jurisdiction never had access.
    assert auth_client(case.inspector).get(doc_url(payslip)).status_code == 404


def test_evidence_added_later_reaches_current_parties(auth_client):
    case = Case()
    case.to(State.INVESTIGATING)
    contract = make_document(case.worker, kind="employment_contract")
    response = auth_client(case.worker).post(
        f"/api/v1/complaints/{case.complaint.pk}/evidence",
        {"document_ids": [str(contract.pk)]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["evidence_document_ids"] == [str(contract.pk)]
    assert auth_client(case.assignee).get(doc_url(contract)).status_code == 200
    assert auth_client(case.caseworker).get(doc_url(contract)).status_code == 200


def test_withdrawal_ends_everyones_access(auth_client):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    payslip = make_document(case.worker)
    add(case, payslip)
    act(case.worker, complaint, "withdraw")
    assert auth_client(case.assignee).get(doc_url(payslip)).status_code == 404
    assert auth_client(case.caseworker).get(doc_url(payslip)).status_code == 404
    assert not ComplaintAccess.objects.filter(complaint=complaint, revoked_at__isnull=True).exists()
    assert not Grant.objects.filter(owner=case.worker, revoked_at__isnull=True).exists()


def test_closure_ends_access_and_reopening_restores_it(auth_client):
    case = Case()
    complaint = case.to(State.RESOLVED)
    payslip = make_document(case.worker)
    add(case, payslip)
    assert auth_client(case.assignee).get(doc_url(payslip)).status_code == 200
    act(case.worker, complaint, "close")
    assert auth_client(case.assignee).get(doc_url(payslip)).status_code == 404
    act(case.worker, complaint, "reopen", "They stopped paying again")
    assert auth_client(case.assignee).get(doc_url(payslip)).status_code == 200


def test_only_the_worker_adds_evidence_and_only_their_own_documents(auth_client):
    case = Case()
    case.to(State.INVESTIGATING)
    url = f"/api/v1/complaints/{case.complaint.pk}/evidence"
    someone_elses = make_document(factories.WorkerFactory())
    response = auth_client(case.worker).post(
        url, {"document_ids": [str(someone_elses.pk)]}, format="json"
    )
    assert response.status_code == 400
    own = make_document(case.worker)
    denied = auth_client(case.assignee).post(url, {"document_ids": [str(own.pk)]}, format="json")
    assert denied.status_code == 403
    assert not case.complaint.evidence.exists()


def test_invitation_gives_the_caseworker_the_case_and_evidence(auth_client):
    case = Case()
    complaint = case.to(State.SUBMITTED)
    payslip = make_document(case.worker)
    add(case, payslip)
    helper = factories.CaseworkerFactory()
    client = auth_client(helper)
    assert client.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
    response = auth_client(case.worker).post(
        f"/api/v1/complaints/{complaint.pk}/invitations",
        {"caseworker": helper.username},
        format="json",
    )
    assert response.status_code == 201
    assert client.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 200
    assert client.get(doc_url(payslip)).status_code == 200
    unknown = auth_client(case.worker).post(
        f"/api/v1/complaints/{complaint.pk}/invitations",
        {"caseworker": case.inspector.username},
        format="json",
    )
    assert unknown.status_code == 400


def test_revoking_an_invitation_ends_the_caseworkers_view(auth_client):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    payslip = make_document(case.worker)
    add(case, payslip)
    helper = auth_client(case.caseworker)
    assert helper.get(doc_url(payslip)).status_code == 200
    invitation = complaint.invitations.get(caseworker=case.caseworker)
    url = f"/api/v1/complaints/{complaint.pk}/invitations/{invitation.pk}"
    assert auth_client(case.assignee).delete(url).status_code == 403
    assert auth_client(factories.WorkerFactory()).delete(url).status_code == 404
    assert auth_client(case.worker).delete(url).status_code == 204
    assert helper.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
    assert helper.get(doc_url(payslip)).status_code == 404
    assert auth_client(case.worker).delete(url).status_code == 404
    assert auth_client(case.assignee).get(doc_url(payslip)).status_code == 200
