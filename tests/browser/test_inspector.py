"""An inspector at a desk: enrols two-step sign-in, signs in, works a complaint from triage to
resolution (with the worker's PDF opened in the viewer), and an inspector of another country
who types the case's URL sees a 404 page."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from backend.audit.models import AuditEvent
from backend.complaints.models import Complaint, ComplaintEvent, State
from backend.complaints.services import evidence_add
from backend.vault.models import TrailEntry, TrailEvent
from tests import factories
from tests.browser.conftest import sign_in, totp_code
from tests.complaints.conftest import act, file_complaint
from tests.factories import DEFAULT_PASSWORD
from tests.vault.conftest import upload_document
from tests.vault.corpus import build_pdf

PAYSLIP_TEXT = "Payslip March 2026: 0 THB paid"


def payslip_pdf() -> bytes:
    """A one-page PDF with a line of visible text (so the viewer shows something)."""
    stream = f"BT /F1 16 Tf 20 150 Td ({PAYSLIP_TEXT}) Tj ET"
    return build_pdf(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 320 200] /Contents 4 0 R "
            "/Resources << /Font << /F1 5 0 R >> >> >>",
            f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


@pytest.fixture
def complaint_with_payslip(auth_client):
    """A worker in Thailand has filed a complaint and attached a payslip from their vault."""
    worker = factories.WorkerFactory()
    complaint = file_complaint(worker, workplace_region="Samut Sakhon")
    response = upload_document(
        auth_client(worker),
        payslip_pdf(),
        name="payslip.pdf",
        kind="payslip",
        title="Payslip March",
    )
    assert response.status_code == 201, response.json()
    document_id = response.json()["id"]
    evidence_add(actor=worker, complaint_id=complaint.pk, document_ids=[document_id])
    return complaint, document_id


def open_action(page, action: str) -> None:
    page.click(f"#action-{action} > summary")
    expect(page.locator(f"#form-{action}")).to_be_visible()


def expect_state(page, state: str) -> None:
    expect(page.locator("#case-state")).to_have_attribute("data-state", state)


def test_inspector_enrols_signs_in_and_works_a_case(page, shoot, complaint_with_payslip):
    complaint, document_id = complaint_with_payslip
    inspector = factories.InspectorFactory(username="somchai.k", country="TH")

    # First sign-in: the password, then enrolment (the QR code and the key to type by hand).
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login/"))
    page.fill("#id_username", inspector.username)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/console/enrol/**")
    expect(page.locator(".qr-box svg")).to_be_visible()
    shoot("01-enrol")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    assert key == TOTPDevice.objects.get(user=inspector, confirmed=False).bin_key
    page.fill("#id_token", "000000" if totp_code(key) != "000000" else "111111")
    page.click("#enrol-submit")
    expect(page.locator("#enrol-error")).to_be_visible()  # a wrong code confirms nothing
    assert not TOTPDevice.objects.filter(user=inspector, confirmed=True).exists()
    page.wait_for_timeout(1100)  # django-otp refuses any code for 1 s after a wrong one
    page.fill("#id_token", totp_code(key))
    page.click("#enrol-submit")
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    assert TOTPDevice.objects.filter(user=inspector, confirmed=True).count() == 1

    # Sign out, and in again with the app's next code (a code works once per 30 s step).
    page.click("#recovery-continue")
    page.click("#sign-out")
    expect(page.locator("#login-form")).to_be_visible()
    sign_in(page, inspector, key=key, step_offset=1)

    # The queue: the new complaint is there, unassigned.
    page.goto("/console/queue/")
    row = page.locator("#queue-table tbody tr", has_text=complaint.reference)
    expect(row).to_contain_text("Submitted")
    shoot("02-queue")
    row.locator("a.case-link").click()
    expect(page.locator("#case-reference")).to_have_text(complaint.reference)
    expect_state(page, State.SUBMITTED)
    expect(page.locator("#case-narrative")).to_contain_text("have not paid me")

    # Triage (accept), assign to myself, start the investigation.
    open_action(page, "accept")
    page.click("#submit-accept")
    expect_state(page, State.ACCEPTED)
    open_action(page, "assign")
    page.click("#submit-assign")
    expect_state(page, State.ASSIGNED)
    expect(page.locator("#case-assignee")).to_contain_text(inspector.username)
    open_action(page, "start_investigation")
    page.click("#submit-start_investigation")
    expect_state(page, State.INVESTIGATING)

    # Open the payslip: the viewer frames the decrypted PDF; both are on the worker's trail.
    with page.expect_response(re.compile(r"/evidence/.+/content$")) as content:
        page.click("#evidence-list a.evidence-link")
    response = content.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    # Chromium hands the frame's PDF to its viewer; fetch the same URL to compare the bytes.
    decrypted = page.request.get(response.url).body()
    assert decrypted.startswith(b"%PDF-") and PAYSLIP_TEXT.encode() in decrypted
    expect(page.locator("#evidence-title")).to_have_text("Payslip March")
    expect(page.locator("iframe#evidence-frame")).to_be_visible()
    page.wait_for_timeout(500)  # let Chromium's PDF viewer draw the page for the screenshot
    shoot("03-evidence")
    trail = TrailEntry.objects.filter(
        vault__owner=complaint.worker, document_id=document_id, actor=inspector
    )
    assert trail.filter(event=TrailEvent.VIEW).count() == 1  # the viewer page
    assert trail.filter(event=TrailEvent.DOWNLOAD).count() >= 2  # the frame, and our fetch
    page.click("#back-to-case")

    # Request information: the reason is required and shows on the timeline.
    open_action(page, "request_info")
    page.click("#submit-request_info")  # empty reason: the browser refuses to send the form
    expect_state(page, State.INVESTIGATING)
    page.fill("#reason-request_info", "Please send your payslips for January and February.")
    page.click("#submit-request_info")
    expect_state(page, State.AWAITING_WORKER)
    expect(page.locator("#timeline")).to_contain_text("payslips for January and February")

    # The worker answers in the app; the inspector reloads and resolves with an outcome.
    act(complaint.worker, complaint, "provide_info")
    page.reload()
    expect_state(page, State.INVESTIGATING)
    open_action(page, "resolve")
    page.select_option("#outcome", "remedy_granted")
    page.fill("#amount_recovered", "27000")
    page.fill("#recovered_currency", "THB")
    page.fill("#note", "Employer paid three months of wages and returned the passport.")
    page.click("#submit-resolve")
    expect_state(page, State.RESOLVED)
    expect(page.locator("#case-outcome")).to_contain_text("Remedy granted")
    expect(page.locator("#case-outcome")).to_contain_text("27000")
    shoot("04-case")

    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.RESOLVED
    assert complaint.assigned_inspector == inspector
    assert complaint.outcome == "remedy_granted" and complaint.recovered_currency == "THB"
    actions = list(
        ComplaintEvent.objects.filter(complaint=complaint)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions[-6:] == [
        "accept",
        "assign",
        "start_investigation",
        "request_info",
        "provide_info",
        "resolve",
    ]
    signed_in = AuditEvent.objects.filter(action="console.signed_in", actor=inspector)
    assert signed_in.count() == 2  # after enrolment, and again after signing out
    assert AuditEvent.objects.filter(action="console.totp_enrolled", actor=inspector).exists()


def test_inspector_of_another_country_gets_a_404_page(page, complaint_with_payslip):
    complaint, document_id = complaint_with_payslip
    act(factories.InspectorFactory(country="TH"), complaint, "accept")
    stranger = factories.InspectorFactory(username="aminah.r", country="MY")
    sign_in(page, stranger)

    page.goto("/console/queue/")
    expect(page.locator("#queue-table")).not_to_contain_text(complaint.reference)
    csrf_token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    for url in (
        f"/console/cases/{complaint.pk}/",
        f"/console/cases/{complaint.pk}/evidence/{document_id}/",
        f"/console/cases/{complaint.pk}/evidence/{document_id}/content",
    ):
        response = page.goto(url)
        assert response.status == 404, url
        expect(page.locator("body")).to_contain_text("Not Found")
        body = page.content()
        assert complaint.reference not in body and "have not paid me" not in body
        assert PAYSLIP_TEXT not in body

    # A hand-made form post (with a valid CSRF token) finds nothing and changes nothing.
    response = page.request.post(
        f"/console/cases/{complaint.pk}/transition/",
        form={
            "csrfmiddlewaretoken": csrf_token,
            "action": "assign",
            "version": str(complaint.version),
        },
    )
    assert response.status == 404
    complaint.refresh_from_db()
    assert complaint.state == State.ACCEPTED and complaint.assigned_inspector is None
    assert not TrailEntry.objects.filter(vault__owner=complaint.worker, actor=stranger).exists()
