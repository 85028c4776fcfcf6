"""An NGO caseworker files a complaint on behalf of a worker; a moderator approves a review."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backend.agencies.models import CommentStatus, ModerationDecision
from backend.complaints.models import Complaint, State
from tests import factories
from tests.agencies.conftest import make_review
from tests.browser.conftest import sign_in


def test_caseworker_files_on_behalf_of_a_worker(page, shoot):
    caseworker = factories.CaseworkerFactory(username="mya.ngo")
    worker = factories.WorkerFactory()
    sign_in(page, caseworker)

    page.click("#nav-file")
    expect(page.locator("#file-form")).to_be_visible()
    _fill_filing_form(page, worker)
    page.check("#f-submit")
    shoot("05-file-for-a-worker")
    page.click("#file-submit")

    expect(page).to_have_url(re.compile(r"/console/cases/[0-9a-f-]{36}/$"))
    complaint = Complaint.objects.get(worker=worker)
    expect(page.locator("#case-reference")).to_have_text(complaint.reference)
    expect(page.locator("#case-state")).to_have_attribute("data-state", State.SUBMITTED)
    expect(page.locator("#case-narrative")).to_contain_text("took his passport")
    assert complaint.filed_by == caseworker and complaint.state == State.SUBMITTED
    assert complaint.consent_method == "verbal"
    assert set(complaint.categories) == {
        "withholding_of_wages",
        "retention_of_identity_documents",
    }

    assert Complaint.objects.filter(worker=worker).count() == 1

    # Back to the form and send it again: still one complaint, and the case page it leads to
    # is the one already filed.
    page.go_back()
    expect(page.locator("#file-form")).to_be_visible()
    if not page.input_value("#f-narrative"):  # the form is no-store: it may come back empty
        _fill_filing_form(page, worker)
    page.click("#file-submit")
    expect(page).to_have_url(re.compile(rf"/console/cases/{complaint.pk}/$"))
    expect(page.locator("#case-reference")).to_have_text(complaint.reference)
    expect(page.locator(".messages")).to_contain_text("already filed as")
    assert Complaint.objects.filter(worker=worker).count() == 1

    # The caseworker's own list shows it.
    page.click("#nav-cases")
    expect(page.locator("main")).to_contain_text(complaint.reference)


@pytest.fixture
def _no_burst_detector(settings):
    settings.AGENCY_BURST_THRESHOLD = 10_000


@pytest.mark.usefixtures("_no_burst_detector")
def test_moderator_approves_a_review(page, shoot):
    agency = factories.AgencyFactory(name="Golden Bridge Manpower", country="MM")
    review = make_review(
        agency, comment="They kept my passport. Call me on +66 81 234 5678 to know more."
    )
    moderator = factories.ModeratorFactory(username="mod.lin")
    sign_in(page, moderator)

    page.click("#nav-moderation")
    item = page.locator(f"#review-{review.pk}")
    expect(item).to_contain_text("Golden Bridge Manpower")
    expect(item).to_contain_text("They kept my passport")
    expect(item).not_to_contain_text("234 5678")  # the phone number is masked
    shoot("06-moderation")

    page.check(f"#act-{review.pk}-approve_comment")
    page.fill(f"#reason-{review.pk}", "No personal data left after masking")
    page.click(f"#decide-submit-{review.pk}")
    expect(page.locator(".messages")).to_contain_text("Decision recorded.")
    expect(page.locator(f"#review-{review.pk}")).to_have_count(0)  # it left the queue

    review.refresh_from_db()
    assert review.comment_status == CommentStatus.APPROVED
    decision = ModerationDecision.objects.get(review=review)
    assert decision.moderator == moderator
    assert decision.reason == "No personal data left after masking"


def _fill_filing_form(page, worker) -> None:
    page.fill("#f-worker", worker.username)
    page.select_option("#f-consent-method", "verbal")
    page.fill("#f-consent-note", "Consent given at the drop-in centre on 3 May, witness: Ko Aung.")
    page.fill("#f-employer", "Sunrise Seafood Co.")
    page.fill("#f-country", "TH")
    page.fill("#f-region", "Samut Sakhon")
    page.fill("#f-sector", "fishing")
    page.check("#cat-withholding_of_wages")
    page.check("#cat-retention_of_identity_documents")
    page.fill("#f-narrative", "The agency took his passport on arrival and keeps his wages.")
