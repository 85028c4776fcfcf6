"""Complaints by month and category on the statistics page: k-suppressed along months and
along categories, drawn as a stacked SVG chart, in the CSV too."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
import time_machine
from django.db.models import Q

from backend.complaints.crosstab import _suppress, month_by_category
from backend.complaints.models import Supervisor
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.console.conftest import sign_in

FEB = dt.datetime(2026, 2, 2, 8, 0, tzinfo=dt.UTC)
MAR = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)


def _file(when, n, categories, country="TH"):
    with time_machine.travel(when, tick=False):
        for _ in range(n):
            file_complaint(
                factories.WorkerFactory(), categories=categories, workplace_country=country
            )


@pytest.fixture
def filed(db, settings):
    """February: 6 wages, 5 deception. March: 7 wages, 2 debt bondage (under k, and hiding
    it alone would leave March's 2 to be worked out from March's wages). In the category
    breakdown debt bondage (2) is hidden, so deception (5) is hidden with it."""
    settings.COMPLAINT_STATS_MIN_K = 5
    _file(FEB, 6, ["withholding_of_wages"])
    _file(FEB, 5, ["deception"])
    _file(MAR, 7, ["withholding_of_wages"])
    _file(MAR, 2, ["debt_bondage"])
    _file(MAR, 9, ["deception"], country="MY")  # out of a Thai supervisor's scope


def test_crosstab_suppresses_small_cells_and_their_complements(filed):
    table = month_by_category(scope=Q(workplace_country="TH"))
    assert table["cells"] == {("2026-02", "withholding_of_wages"): 6}
    assert table["months"] == ["2026-02"]
    # March's debt bondage (< k), then March's wages (its month would hide only 2), and
    # February's deception: the category breakdown hides deception, so no cell shows it.
    assert table["suppressed_cells"] == 3


def test_a_category_hidden_in_the_breakdown_shows_no_cell(filed):
    """Were (2026-02, deception) = 5 shown, deception's total would be known, and with the
    published total the hidden debt bondage 2 as well."""
    table = month_by_category(scope=Q(workplace_country="TH"))
    assert "deception" not in table["categories"]


def test_suppression_holds_along_both_axes():
    """Seeded random tables: every published cell >= k; in every month and every category
    that shows a cell, the hidden part is 0 or >= k (a line that shows nothing gives away
    nothing)."""
    rng = random.Random(8)
    k = 5
    for _ in range(300):
        cells = {
            (f"m{m}", f"c{c}"): rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20])
            for m in range(rng.randint(1, 5))
            for c in range(rng.randint(1, 5))
        }
        cells = {cell: n for cell, n in cells.items() if n}
        published = _suppress(cells, k)
        assert all(cells[c] >= k for c in published)
        for axis in (0, 1):
            for line in {c[axis] for c in cells}:
                shown = [c for c in published if c[axis] == line]
                hidden = sum(n for c, n in cells.items() if c[axis] == line and c not in published)
                assert not shown or hidden == 0 or hidden >= k, (cells, published, line)


def test_a_column_is_suppressed_when_its_hidden_rest_is_small():
    """Month c's 2 is under k; category x would then hide only 2, so its smallest published
    cell (a, x) goes too; month a then hides 5 (>= k), so (a, y) stays."""
    cells = {("a", "x"): 5, ("b", "x"): 6, ("c", "x"): 2, ("a", "y"): 9}
    assert _suppress(cells, 5) == {("b", "x"), ("a", "y")}


def test_statistics_page_draws_the_stacked_chart_and_csv_has_the_cells(filed):
    supervisor = factories.InspectorFactory(country="TH")
    Supervisor.objects.create(user=supervisor)
    client = sign_in(supervisor)
    html = client.get("/console/statistics/").content.decode()
    chart = re.search(r'<svg class="chart chart-stacked".*?</svg>', html, re.S)[0]
    assert 'id="chart-month-category-title"' in chart
    assert 'data-month="2026-02"' in chart and 'data-month="2026-03"' not in chart
    assert "2026-02 · Withholding of wages: 6" in chart
    assert "Deception" not in chart and "Debt bondage" not in chart
    assert "3 month and category cells not shown." in html
    assert 'id="crosstab-table"' in html

    csv_text = client.get("/console/statistics.csv").content.decode()
    assert "month_category,2026-02/withholding_of_wages,6" in csv_text
    assert "2026-02/deception" not in csv_text
    assert "month_category,suppressed_cells,3" in csv_text
    assert "2026-03/" not in csv_text


def test_nothing_to_break_down_says_so(db, settings):
    settings.COMPLAINT_STATS_MIN_K = 5
    _file(FEB, 3, ["deception"])
    _file(MAR, 3, ["deception"])
    supervisor = factories.InspectorFactory(country="TH")
    Supervisor.objects.create(user=supervisor)
    html = sign_in(supervisor).get("/console/statistics/").content.decode()
    assert 'id="crosstab-suppressed"' in html and "chart-stacked" not in html
