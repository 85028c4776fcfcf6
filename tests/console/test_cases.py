"""Inspector queue and case page, caseworker views and filing: the same object rules and the
same services as the API."""

from __future__ import annotations

import re

import pytest

from backend.audit.models import AuditEvent
from backend.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    State,
    Supervisor,
)
from backend.retention.models import LegalHold
from backend.vault.models import TrailEntry, TrailEvent
from tests import factories
from tests.complaints.conftest import Case, act, file_complaint
from tests.console.conftest import sign_in
from tests.querycount import count_queries
from tests.vault.conftest import upload_document
from tests.vault.files import make_pdf, make_png

pytestmark = pytest.mark.django_db


def case_url(complaint, suffix=""):
    return f"/console/cases/{complaint.pk}/{suffix}"


def transition(client, complaint, action, **data):
    complaint.refresh_from_db()
    payload = {"action": action, "version": complaint.version, **data}
    return client.post(case_url(complaint, "transition/"), payload, follow=True)


def page_text(response) -> str:
    return response.content.decode()


# --- Queue -------------------------------------------------------------------------------------


def test_queue_shows_the_jurisdiction_only():
    ours = file_complaint(factories.WorkerFactory())
    theirs = file_complaint(factories.WorkerFactory(), workplace_country="MY")
    client = sign_in(factories.InspectorFactory(country="TH"))
    html = page_text(client.get("/console/queue/"))
    assert ours.reference in html
    assert theirs.reference not in html


def test_queue_filters_and_reference_search():
    urgent = file_complaint(
        factories.WorkerFactory(), categories=["physical_sexual_violence"], sector="fishing"
    )
    normal = file_complaint(
        factories.WorkerFactory(), categories=["unpaid_or_late_wages"], sector="construction"
    )
    client = sign_in(factories.InspectorFactory())
    html = page_text(client.get("/console/queue/?priority=urgent"))
    assert urgent.reference in html and normal.reference not in html
    html = page_text(client.get("/console/queue/?sector=construction"))
    assert normal.reference in html and urgent.reference not in html
    html = page_text(client.get("/console/queue/?category=physical_sexual_violence"))
    assert urgent.reference in html and normal.reference not in html
    typed = normal.reference.lower().replace("-", " ")
    html = page_text(client.get(f"/console/queue/?reference={typed}"))
    assert normal.reference in html and urgent.reference not in html
    html = page_text(client.get("/console/queue/?view=mine"))
    assert normal.reference not in html and urgent.reference not in html
    html = page_text(client.get("/console/queue/?view=unassigned&state=bogus"))
    assert normal.reference in html and urgent.reference in html


def test_queue_is_for_inspectors_only(caseworker, moderator):
    for user in (caseworker, moderator):
        assert sign_in(user).get("/console/queue/").status_code == 403


def test_queue_query_count_is_constant_in_the_number_of_rows():
    inspector = factories.InspectorFactory()
    assignee = factories.InspectorFactory()
    client = sign_in(inspector)

    def add(n):
        for _ in range(n):
            c = file_complaint(factories.WorkerFactory())
            act(inspector, c, "accept")
            act(assignee, c, "assign")

    add(2)
    few = count_queries(lambda: client.get("/console/queue/"))
    add(6)
    response = client.get("/console/queue/")
    assert page_text(response).count('class="case-link"') == 8
    many = count_queries(lambda: client.get("/console/queue/"))
    assert few == many


# --- Who may open a case -----------------------------------------------------------------------


def test_case_page_is_404_for_everyone_without_a_relation():
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    outsiders = [
        factories.InspectorFactory(country="MY"),  # another country
        factories.InspectorFactory(region="Chiang Mai"),  # another region
        factories.CaseworkerFactory(),  # not invited
        factories.ModeratorFactory(),
        factories.AdminFactory(),
    ]
    before = (complaint.state, complaint.version, ComplaintMessage.objects.count())
    for user in outsiders:
        client = sign_in(user)
        assert client.get(case_url(complaint)).status_code == 404
        response = client.post(
            case_url(complaint, "transition/"),
            {"action": "resolve", "outcome": "settled", "version": complaint.version},
        )
        assert response.status_code == 404
        assert client.post(case_url(complaint, "messages/"), {"body": "hi"}).status_code == 404
        response = client.post(
            case_url(complaint, "hold/"), {"reason": "x", "ends_on": "2030-01-01"}
        )
        assert response.status_code == 404
    complaint.refresh_from_db()
    assert (complaint.state, complaint.version, ComplaintMessage.objects.count()) == before
    assert not LegalHold.objects.exists()


def test_case_page_shows_what_the_relation_allows():
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    from backend.complaints import services

    services.message_post(
        actor=case.assignee, complaint_id=complaint.pk, body="Note: call employer", internal=True
    )
    services.message_post(actor=case.worker, complaint_id=complaint.pk, body="Here are my payslips")

    assignee_html = page_text(sign_in(case.assignee).get(case_url(complaint)))
    assert "They keep my passport" in assignee_html  # the narrative, decrypted
    assert "Note: call employer" in assignee_html and "Here are my payslips" in assignee_html
    assert 'id="form-request_info"' in assignee_html and 'id="form-resolve"' in assignee_html

    caseworker_html = page_text(sign_in(case.caseworker).get(case_url(complaint)))
    assert "Here are my payslips" in caseworker_html
    assert "Note: call employer" not in caseworker_html  # internal notes: inspectorate only
    assert 'id="form-resolve"' not in caseworker_html

    other_html = page_text(sign_in(case.inspector).get(case_url(complaint)))
    assert "Here are my payslips" not in other_html  # not on the thread
    assert 'id="form-resolve"' not in other_html


# --- Actions -----------------------------------------------------------------------------------


def test_inspector_works_a_case_from_triage_to_closure():
    case = Case()
    complaint = case.to(State.SUBMITTED)
    client = sign_in(case.inspector)

    response = transition(client, complaint, "accept")
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.state == State.ACCEPTED
    response = transition(client, complaint, "assign")
    complaint.refresh_from_db()
    assert complaint.state == State.ASSIGNED and complaint.assigned_inspector == case.inspector
    transition(client, complaint, "start_investigation")
    transition(client, complaint, "request_info", reason="Send the contract")
    complaint.refresh_from_db()
    assert complaint.state == State.AWAITING_WORKER
    act(case.worker, complaint, "provide_info")
    response = transition(
        client,
        complaint,
        "resolve",
        outcome="remedy_granted",
        amount_recovered="45000.00",
        recovered_currency="thb",
        note="Employer paid",
    )
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED
    assert complaint.outcome == "remedy_granted"
    assert str(complaint.amount_recovered) == "45000.00" and complaint.recovered_currency == "THB"
    transition(client, complaint, "close")
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED

    actions = list(
        ComplaintEvent.objects.filter(complaint=complaint, actor=case.inspector)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "accept",
        "assign",
        "start_investigation",
        "request_info",
        "resolve",
        "close",
    ]
    audited = set(
        AuditEvent.objects.filter(actor=case.inspector, target_id=str(complaint.pk)).values_list(
            "action", flat=True
        )
    )
    assert {f"complaint.{a}" for a in actions} <= audited


def test_reason_is_required_where_the_workflow_says_so():
    case = Case()
    complaint = case.to(State.SUBMITTED)
    client = sign_in(case.inspector)
    response = transition(client, complaint, "reject", reason="   ")
    assert "Give a reason" in page_text(response)
    complaint.refresh_from_db()
    assert complaint.state == State.SUBMITTED
    transition(client, complaint, "refer", reason="Belongs to the immigration office")
    complaint.refresh_from_db()
    assert complaint.state == State.REFERRED
    event = ComplaintEvent.objects.get(complaint=complaint, action="refer")
    assert event.sealed_reason and b"immigration" not in bytes(event.sealed_reason)


def test_stale_page_is_refused_with_a_conflict_message():
    case = Case()
    complaint = case.to(State.SUBMITTED)
    client = sign_in(case.inspector)
    stale_version = complaint.version
    act(case.supervisor, complaint, "accept")  # someone else acted meanwhile
    response = client.post(
        case_url(complaint, "transition/"),
        {"action": "reject", "reason": "x", "version": stale_version},
        follow=True,
    )
    assert "changed since you loaded it" in page_text(response)
    complaint.refresh_from_db()
    assert complaint.state == State.ACCEPTED


def test_inspector_cannot_take_an_action_of_the_assignee():
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    response = transition(sign_in(case.inspector), complaint, "resolve", outcome="settled")
    assert "You cannot do this" in page_text(response)
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING


def test_supervisor_assigns_another_inspector():
    case = Case()
    complaint = case.to(State.ACCEPTED)
    client = sign_in(case.supervisor)
    html = page_text(client.get(case_url(complaint)))
    assert f'value="{case.assignee.pk}"' in html
    transition(client, complaint, "assign", assignee=str(case.assignee.pk))
    complaint.refresh_from_db()
    assert complaint.assigned_inspector == case.assignee


def test_messages_and_internal_notes_are_posted_through_the_service():
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    client = sign_in(case.assignee)
    client.post(case_url(complaint, "messages/"), {"body": "Please send payslips"})
    client.post(case_url(complaint, "messages/"), {"body": "Employer known", "internal": "1"})
    rows = list(ComplaintMessage.objects.filter(complaint=complaint).order_by("created_at"))
    assert [m.internal for m in rows] == [False, True]
    assert all(b"payslips" not in bytes(m.sealed_body) for m in rows)  # sealed
    assert AuditEvent.objects.filter(action="complaint.message_posted").count() == 2
    # A caseworker may not write internal notes.
    response = sign_in(case.caseworker).post(
        case_url(complaint, "messages/"), {"body": "sneaky", "internal": "1"}, follow=True
    )
    assert "Only inspectors write internal notes" in page_text(response)
    assert ComplaintMessage.objects.filter(complaint=complaint).count() == 2


def test_legal_hold_is_placed_through_the_retention_service():
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    client = sign_in(case.assignee)
    response = client.post(case_url(complaint, "hold/"), {"ends_on": "2030-06-30"}, follow=True)
    assert "Give a reason" in page_text(response)
    assert not LegalHold.objects.exists()
    client.post(case_url(complaint, "hold/"), {"ends_on": "2030-06-30", "reason": "Court case"})
    hold = LegalHold.objects.get(complaint=complaint)
    assert hold.created_by == case.assignee and hold.ends_at.date().isoformat() == "2030-06-30"
    assert AuditEvent.objects.filter(
        action="retention.hold_created", actor=case.assignee, target_id=str(hold.pk)
    ).exists()
    assert 'id="case-held"' in page_text(client.get(case_url(complaint)))


# --- Evidence ----------------------------------------------------------------------------------


def _case_with_evidence(auth_client, content: bytes, content_type="application/pdf", name="c.pdf"):
    from backend.complaints import services

    case = Case()
    complaint = case.to(State.INVESTIGATING)
    response = upload_document(
        auth_client(case.worker), content, name=name, content_type=content_type, title="Contract"
    )
    assert response.status_code == 201, response.json()
    document_id = response.json()["id"]
    services.evidence_add(actor=case.worker, complaint_id=complaint.pk, document_ids=[document_id])
    return case, complaint, document_id


def test_assignee_views_a_pdf_and_the_view_is_in_the_workers_trail(auth_client):
    pdf = make_pdf("Employment contract")
    case, complaint, document_id = _case_with_evidence(auth_client, pdf)
    client = sign_in(case.assignee)
    html = page_text(client.get(case_url(complaint)))
    viewer_url = f"/console/cases/{complaint.pk}/evidence/{document_id}/"
    assert viewer_url in html and "Contract" in html

    trail = TrailEntry.objects.filter(vault__owner=case.worker, actor=case.assignee)
    page = client.get(viewer_url)
    assert page.status_code == 200
    assert 'id="evidence-frame"' in page_text(page)
    assert list(trail.values_list("event", flat=True)) == [TrailEvent.VIEW]

    content = client.get(f"{viewer_url}content")
    assert content.status_code == 200
    body = b"".join(content.streaming_content)
    assert content["Content-Type"] == "application/pdf"
    assert content["Content-Disposition"] == "inline"
    assert content["X-Frame-Options"] == "SAMEORIGIN"  # shown in the viewer's frame only
    assert "frame-ancestors 'self'" in content["Content-Security-Policy"]
    assert body[:5] == b"%PDF-"
    assert trail.filter(event=TrailEvent.DOWNLOAD).count() == 1

    ranged = client.get(f"{viewer_url}content", HTTP_RANGE="bytes=0-3")
    assert ranged.status_code == 206 and b"".join(ranged.streaming_content) == body[:4]
    assert trail.filter(event=TrailEvent.DOWNLOAD).count() == 2


def test_an_image_is_shown_inline(auth_client):
    case, complaint, document_id = _case_with_evidence(
        auth_client, make_png(), content_type="image/png", name="p.png"
    )
    client = sign_in(case.assignee)
    page = client.get(f"/console/cases/{complaint.pk}/evidence/{document_id}/")
    assert 'id="evidence-image"' in page_text(page)


def test_evidence_is_404_without_the_vault_grant_or_the_case(auth_client):
    case, complaint, document_id = _case_with_evidence(auth_client, make_pdf())
    other_complaint = file_complaint(factories.WorkerFactory())
    assignee = sign_in(case.assignee)
    # The same document under a case it is not evidence of.
    act(case.inspector, other_complaint, "accept")
    assert (
        assignee.get(f"/console/cases/{other_complaint.pk}/evidence/{document_id}/").status_code
        == 404
    )
    # An inspector of the jurisdiction without a grant, and one of another country.
    for user in (case.inspector, factories.InspectorFactory(country="MY")):
        client = sign_in(user)
        for suffix in ("", "content"):
            url = f"/console/cases/{complaint.pk}/evidence/{document_id}/{suffix}"
            assert client.get(url).status_code == 404
    assert not TrailEntry.objects.filter(
        vault__owner=case.worker, event__in=[TrailEvent.VIEW, TrailEvent.DOWNLOAD]
    ).exists()


# --- Caseworkers -------------------------------------------------------------------------------


def test_caseworker_lists_filed_and_invited_cases_only():
    case = Case()
    invited = case.to(State.SUBMITTED)
    stranger = file_complaint(factories.WorkerFactory())
    html = page_text(sign_in(case.caseworker).get("/console/cases/"))
    assert invited.reference in html and stranger.reference not in html


def test_caseworker_files_on_behalf_of_a_worker_with_consent(caseworker):
    worker = factories.WorkerFactory()
    client = sign_in(caseworker)
    form = client.get("/console/cases/new/")
    client_key = re.search(r'name="client_key" value="([^"]+)"', page_text(form))[1]
    data = {
        "client_key": client_key,
        "worker": worker.username,
        "consent_method": "verbal",
        "consent_note": "Consent given at the drop-in centre, 3 May, witness A.",
        "employer_name": "Sunrise Seafood",
        "workplace_country": "TH",
        "sector": "fishing",
        "categories": ["withholding_of_wages", "retention_of_identity_documents"],
        "narrative": "Passport taken on arrival.",
        "submit": "1",
    }
    response = client.post("/console/cases/new/", data)
    assert response.status_code == 302
    complaint = Complaint.objects.get(worker=worker)
    assert response["Location"] == case_url(complaint)
    assert complaint.filed_by == caseworker and complaint.state == State.SUBMITTED
    assert complaint.consent_method == "verbal"
    assert complaint.priority == "urgent"
    assert AuditEvent.objects.filter(action="complaint.created", actor=caseworker).exists()
    # A double submission (same client key) files nothing new.
    assert client.post("/console/cases/new/", data).status_code == 302
    assert Complaint.objects.filter(worker=worker).count() == 1


def test_filing_without_consent_or_worker_writes_nothing(caseworker):
    client = sign_in(caseworker)
    base = {"employer_name": "X", "workplace_country": "TH", "narrative": "n"}
    response = client.post("/console/cases/new/", {**base, "worker": "+66810000000"})
    assert response.status_code == 400
    assert "how the worker gave consent" in page_text(response)
    response = client.post(
        "/console/cases/new/", {**base, "worker": "nobody", "consent_method": "verbal"}
    )
    assert response.status_code == 400
    assert "No worker with that username" in page_text(response)
    assert not Complaint.objects.exists()


def test_in_app_consent_starts_as_a_draft(caseworker):
    worker = factories.WorkerFactory()
    client = sign_in(caseworker)
    client.post(
        "/console/cases/new/",
        {
            "worker": worker.username,
            "consent_method": "in_app",
            "employer_name": "X",
            "workplace_country": "TH",
            "categories": ["other"],
            "narrative": "n",
            "submit": "1",
        },
    )
    complaint = Complaint.objects.get(worker=worker)
    assert complaint.state == State.DRAFT
    assert client.get(case_url(complaint)).status_code == 200


def test_filing_is_for_caseworkers_only(inspector, moderator):
    for user in (inspector, moderator):
        client = sign_in(user)
        assert client.get("/console/cases/new/").status_code == 403
        assert client.get("/console/cases/").status_code == 403


def test_supervisor_flag_is_a_complaints_row():
    supervisor = factories.InspectorFactory()
    Supervisor.objects.create(user=supervisor)
    assert sign_in(supervisor).get("/console/statistics/").status_code == 200


def test_caseworker_list_query_count_is_constant(caseworker):
    client = sign_in(caseworker)

    def invite(n):
        from backend.complaints import services

        for _ in range(n):
            worker = factories.WorkerFactory()
            c = file_complaint(worker)
            services.invitation_create(
                actor=worker, complaint_id=c.pk, caseworker_username=caseworker.username
            )

    invite(2)
    few = count_queries(lambda: client.get("/console/cases/"))
    invite(5)
    assert page_text(client.get("/console/cases/")).count('class="case-link"') == 7
    assert count_queries(lambda: client.get("/console/cases/")) == few
