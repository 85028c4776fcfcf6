"""A supervisor signs in with a TOTP code, reads the k-suppressed statistics (charts, the month
by category breakdown, the cells not shown) and downloads the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from playwright.sync_api import expect

from backend.complaints.models import Supervisor
from tests import factories
from tests.browser.conftest import sign_in
from tests.complaints.conftest import act, file_complaint

K = 5
# (month of submission, category, complaints): Debt bondage (2) and isolation (3), both in
# March, are under k: shown nowhere, neither as categories nor as March cells (together they
# are 5 >= k, so what March hides cannot be narrowed down to one of them).
FILINGS = [
    ((2025, 12, 3), "withholding_of_wages", 8),
    ((2025, 12, 9), "deception", 6),
    ((2026, 1, 12), "withholding_of_wages", 10),
    ((2026, 1, 14), "recruitment_fees", 6),
    ((2026, 1, 20), "deception", 5),
    ((2026, 2, 4), "withholding_of_wages", 12),
    ((2026, 2, 9), "retention_of_identity_documents", 7),
    ((2026, 3, 2), "withholding_of_wages", 9),
    ((2026, 3, 5), "recruitment_fees", 5),
    ((2026, 3, 6), "debt_bondage", 2),
    ((2026, 3, 7), "isolation", 3),
]


@pytest.fixture
def filed(settings):
    settings.COMPLAINT_STATS_MIN_K = K
    inspector = factories.InspectorFactory(country="TH")
    for (year, month, day), category, n in FILINGS:
        when = dt.datetime(year, month, day, 9, 0, tzinfo=dt.UTC)
        for i in range(n):
            with time_machine.travel(when, tick=False):
                complaint = file_complaint(factories.WorkerFactory(), categories=[category])
            if i % 2 == 0:  # about half were triaged, 2 days later
                with time_machine.travel(when + dt.timedelta(days=2), tick=False):
                    act(inspector, complaint, "accept")
    # Another country's complaints: outside a Thai supervisor's statistics.
    for _ in range(K):
        file_complaint(
            factories.WorkerFactory(), workplace_country="MY", categories=["unsafe_workplace"]
        )


def test_supervisor_reads_statistics_and_downloads_the_csv(page, shoot, filed):
    supervisor = factories.InspectorFactory(username="supervisor.niran", country="TH")
    Supervisor.objects.create(user=supervisor)
    sign_in(page, supervisor)

    page.click("#nav-statistics")
    expect(page.locator("h1")).to_have_text("Complaint statistics")
    expect(page.locator("#stats-total")).to_contain_text("73 complaints in scope")
    for chart in ("chart-month", "chart-month-category", "chart-category", "chart-state"):
        expect(page.locator(f"svg[aria-labelledby={chart}-title]")).to_be_visible()
    stacked = page.locator("svg[aria-labelledby=chart-month-category-title]")
    expect(stacked.locator("g.column")).to_have_count(4)
    expect(stacked.locator("g.column[data-month='2026-03'] rect")).to_have_count(2)
    expect(stacked.locator("g.legend-item")).to_have_count(4)
    expect(page.locator("#crosstab-suppressed-cells")).to_contain_text("2 month and category")
    expect(page.locator("#h-category + p.muted, #h-category ~ p.muted")).to_contain_text(
        "2 categories not shown"
    )
    expect(page.locator("main")).not_to_contain_text("Debt bondage")
    expect(page.locator("main")).not_to_contain_text("Isolation")
    expect(page.locator("main")).not_to_contain_text("Unsafe workplace")
    expect(page.locator("#chart-durations-title")).to_have_count(1)
    page.evaluate("window.scrollTo(0, document.getElementById('h-month').offsetTop - 24)")
    shoot("07-statistics")

    with page.expect_download() as download:
        page.click("#stats-csv")
    assert download.value.suggested_filename == "complaint-statistics.csv"
    # The same URL, with the session's cookies (the test context does not keep downloads).
    response = page.request.get("/console/statistics.csv")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text())))
    table = {(section, key): value for section, key, value in rows[1:]}
    assert table[("k", "")] == str(K) and table[("total", "")] == "73"
    assert table[("by_category", "withholding_of_wages")] == "39"
    assert ("by_category", "debt_bondage") not in table
    assert table[("by_category", "suppressed_cells")] == "2"
    assert table[("month_category", "2026-03/recruitment_fees")] == "5"
    assert ("month_category", "2026-03/debt_bondage") not in table
    assert table[("median_days_to_triage", "")] == "2.0"
    assert table[("month_category", "suppressed_cells")] == "2"
    for hidden in ("debt_bondage", "isolation", "unsafe_workplace"):
        assert not any(key == hidden or key.endswith(f"/{hidden}") for _, key in table)
