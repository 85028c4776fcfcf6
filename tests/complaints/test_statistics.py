"""Statistics for officials, with cells under k suppressed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import Q

from backend.complaints.models import Supervisor
from backend.complaints.stats import complaint_statistics
from tests import factories
from tests.complaints.conftest import act, file_complaint

pytestmark = pytest.mark.django_db

URL = "/api/v1/statistics/complaints"
T0 = dt.datetime(2026, 2, 2, 8, 0, tzinfo=dt.UTC)


def _file(n, categories, sector="fishing", nationality="MM"):
    out = []
    for _ in range(n):
        worker = factories.WorkerFactory(country=nationality)
        out.append(file_complaint(worker, categories=categories, sector=sector))
    return out


def test_small_cells_are_suppressed_and_large_ones_published(settings):
    settings.COMPLAINT_STATS_MIN_K = 5
    with time_machine.travel(T0, tick=False):
        wages = _file(6, ["withholding_of_wages"])
        _file(5, ["deception"], sector="construction")
        _file(2, ["debt_bondage"], sector="domestic", nationality="KH")
    inspector = factories.InspectorFactory()
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        for complaint in wages:
            act(inspector, complaint, "accept")
    stats = complaint_statistics(scope=Q())
    assert stats["total"] == 13
    categories = {c["key"]: c["count"] for c in stats["by_category"]["cells"]}
    # Debt bondage (2) is under k; deception (5) is hidden too, or subtracting the published
    # cells from the total would reveal the 2 (secondary suppression: hidden 2 + 5 = 7 >= k).
    assert categories == {"withholding_of_wages": 6}
    assert "debt_bondage" not in categories
    sectors = {c["key"]: c["count"] for c in stats["by_sector"]["cells"]}
    assert sectors == {"fishing": 6}
    corridors = {c["key"]: c["count"] for c in stats["by_corridor"]["cells"]}
    # MM-TH (11) next to the total (13) would reveal the two KH-TH complaints: both hidden.
    assert corridors == {}
    assert stats["by_corridor"]["suppressed_cells"] == 2
    states = {c["key"]: c["count"] for c in stats["by_state"]["cells"]}
    assert states == {"accepted": 6, "submitted": 7}
    assert stats["by_month"]["cells"] == [{"key": "2026-02", "count": 13}]
    assert stats["median_days_to_triage"] == 1.0
    assert stats["median_days_to_resolution"] is None  # nobody resolved: fewer than k


def test_everything_is_suppressed_below_k(settings):
    _file(4, ["deception"])
    stats = complaint_statistics(scope=Q())
    assert stats == {"k": 5, "total": None, "suppressed": True}


def test_amounts_recovered_and_share_within_deadline_need_k(settings):
    complaints = _file(5, ["withholding_of_wages"])
    inspector = factories.InspectorFactory()
    for complaint in complaints:
        act(inspector, complaint, "accept")
        act(inspector, complaint, "assign")
        act(inspector, complaint, "start_investigation")
        act(
            inspector,
            complaint,
            "resolve",
            outcome="remedy_granted",
            amount_recovered="1000.50",
            recovered_currency="THB",
        )

    stats = complaint_statistics(scope=Q())
    assert stats["amounts_recovered"] == [{"currency": "THB", "total": "5002.50", "complaints": 5}]
    assert stats["share_resolved_within_deadline"] == 1.0
    assert stats["median_days_to_resolution"] == 0.0


def test_who_may_read_statistics(auth_client, worker, inspector, moderator, caseworker, api):
    _file(5, ["deception"])
    supervisor = factories.InspectorFactory()
    Supervisor.objects.create(user=supervisor)
    for user in (worker, inspector, moderator, caseworker):
        assert auth_client(user).get(URL).status_code == 403
    assert api.get(URL).status_code == 401
    assert auth_client(supervisor).get(URL).json()["total"] == 5
    foreign = factories.InspectorFactory(country="PH")
    Supervisor.objects.create(user=foreign)
    assert auth_client(foreign).get(URL).json()["suppressed"] is True
    admin = auth_client(factories.AdminFactory())
    assert admin.get(URL, {"country": "TH"}).json()["total"] == 5
