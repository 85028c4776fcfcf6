"""Closed complaints: folded into anonymous aggregates, then destroyed N years after closure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from backend.complaints.models import Complaint, ComplaintEvidence, State, Supervisor
from backend.core import clock
from backend.retention import purges
from backend.retention.models import ComplaintAggregate, LegalHold
from backend.retention.services import retention_run
from backend.vault.models import Document
from tests import factories
from tests.complaints.conftest import Case, file_complaint
from tests.querycount import count_queries
from tests.retention.conftest import YEAR, attach

pytestmark = pytest.mark.django_db

FIVE_YEARS = 5 * YEAR


def closed(worker, *, country="TH", nationality="MM", **fields) -> Complaint:
    complaint = file_complaint(worker, workplace_country=country)
    Complaint.objects.filter(pk=complaint.pk).update(
        state=State.CLOSED,
        closed_at=clock.now(),
        worker_nationality=nationality,
        outcome="settled",
        amount_recovered=Decimal("1000.50"),
        recovered_currency="THB",
        resolved_within_deadline=True,
        **fields,
    )
    return Complaint.objects.get(pk=complaint.pk)


def _run_after(delta):
    with time_machine.travel(clock.now() + delta, tick=False):
        return retention_run(dry_run=False)


def _total() -> int:
    return sum(ComplaintAggregate.objects.filter(dimension="total").values_list("count", flat=True))


def test_closed_complaint_kept_five_years_then_folded_and_destroyed():
    case = Case()
    document = Document.objects.create(owner=case.worker, kind="payslip")
    attach(case.complaint, document)
    complaint = case.to(State.CLOSED)
    assert _run_after(FIVE_YEARS - dt.timedelta(days=1)).counts["complaint_closed"] == 0
    assert Complaint.objects.filter(pk=complaint.pk).exists()
    run = _run_after(FIVE_YEARS + dt.timedelta(days=1))
    assert run.counts["complaint_closed"] == 1
    assert not Complaint.objects.filter(pk=complaint.pk).exists()
    assert not ComplaintEvidence.objects.filter(document=document).exists()
    assert Document.objects.filter(pk=document.pk, deleted_at__isnull=True).exists()
    cells = {(a.dimension, a.key): a.count for a in ComplaintAggregate.objects.all() if a.count}
    assert cells[("total", "")] == 1
    assert cells[("category", "withholding_of_wages")] == 1
    assert cells[("sector", "fishing")] == 1
    assert cells[("outcome", "settled")] == 1
    assert cells[("state", "closed")] == 1
    assert ComplaintAggregate.objects.get(dimension="total").month == (
        complaint.submitted_at.date().replace(day=1)
    )


def test_untouched_draft_is_deleted_a_year_after_its_last_change_unfolded():
    worker = factories.WorkerFactory()
    draft = file_complaint(worker, submit=False)
    document = Document.objects.create(owner=worker, kind="employment_contract")
    attach(draft, document)
    assert draft.state == State.DRAFT
    with time_machine.travel(clock.now() + dt.timedelta(days=200), tick=False):
        edited = file_complaint(worker, submit=False)
    with time_machine.travel(clock.now() + YEAR + dt.timedelta(days=1), tick=False):
        assert retention_run(dry_run=True).counts["complaint_draft"] == 1
        assert Complaint.objects.filter(pk=draft.pk).exists()
        assert retention_run(dry_run=False).counts["complaint_draft"] == 1
    assert not Complaint.objects.filter(pk=draft.pk).exists()
    assert Complaint.objects.filter(pk=edited.pk).exists()  # changed later: its year runs on
    assert Document.objects.filter(pk=document.pk, deleted_at__isnull=True).exists()
    assert not ComplaintAggregate.objects.exists()  # never submitted, never counted


def test_submitted_complaints_are_not_drafts():
    worker = factories.WorkerFactory()
    submitted = file_complaint(worker)
    assert _run_after(3 * YEAR).counts["complaint_draft"] == 0
    assert Complaint.objects.filter(pk=submitted.pk).exists()


def test_open_and_held_complaints_are_kept(inspector):
    worker = factories.WorkerFactory()
    open_one = file_complaint(worker)
    held = closed(worker)
    hold = LegalHold.objects.create(
        worker=worker, complaint=held, ends_at=clock.now() + 6 * YEAR, created_by=inspector
    )
    assert _run_after(FIVE_YEARS + dt.timedelta(days=1)).counts["complaint_closed"] == 0
    assert Complaint.objects.filter(pk__in=[open_one.pk, held.pk]).count() == 2
    LegalHold.objects.filter(pk=hold.pk).update(ended_at=clock.now())
    assert _run_after(FIVE_YEARS + dt.timedelta(days=2)).counts["complaint_closed"] == 1
    assert list(Complaint.objects.values_list("pk", flat=True)) == [open_one.pk]


def test_crash_mid_batch_folds_each_complaint_exactly_once(monkeypatch):
    worker = factories.WorkerFactory()
    for _ in range(5):
        closed(worker)
    real = purges.complaints_fold_and_delete
    calls = {"n": 0}

    def crash_on_second_batch(batch):
        calls["n"] += 1
        done = real(batch)
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return done

    monkeypatch.setattr(purges, "complaints_fold_and_delete", crash_on_second_batch)
    later = time_machine.travel(clock.now() + FIVE_YEARS + YEAR, tick=False)
    with pytest.raises(RuntimeError), later:
        retention_run(dry_run=False, batch_size=2)
    assert _total() == 2  # the first batch committed, the second rolled back whole
    assert Complaint.objects.count() == 3
    monkeypatch.setattr(purges, "complaints_fold_and_delete", real)
    assert _run_after(FIVE_YEARS + YEAR).counts["complaint_closed"] == 3
    assert _total() == 5
    assert Complaint.objects.count() == 0
    assert _run_after(FIVE_YEARS + YEAR).counts["complaint_closed"] == 0
    assert _total() == 5


def test_dry_run_counts_and_folds_nothing():
    closed(factories.WorkerFactory())
    with time_machine.travel(clock.now() + FIVE_YEARS + YEAR, tick=False):
        assert retention_run(dry_run=True).counts["complaint_closed"] == 1
    assert Complaint.objects.count() == 1
    assert _total() == 0


# --- the published statistics of folded complaints ------------------------------------------

URL = "/api/v1/statistics/complaints/archived"


@pytest.fixture
def folded():
    """Six TH complaints about recruitment fees and two MY ones, folded."""
    worker = factories.WorkerFactory()
    for _ in range(6):
        complaint = closed(worker, amount_claimed=Decimal("300"), claimed_currency="USD")
        complaint.category_rows.update(category="recruitment_fees")
    for _ in range(2):
        closed(worker, country="MY")
    _run_after(FIVE_YEARS + YEAR)
    assert _total() == 8


@pytest.fixture
def supervisor(db):
    user = factories.InspectorFactory(country="TH")
    Supervisor.objects.create(user=user)
    return user


def test_supervisor_sees_own_country_with_small_cells_suppressed(folded, supervisor, auth_client):
    body = auth_client(supervisor).get(URL, {"country": "MY"}).json()
    assert body["total"] == 6  # the supervisor's own country whatever they ask
    assert body["by_corridor"]["cells"] == [{"key": "MM-TH", "count": 6}]
    assert body["by_outcome"]["cells"] == [{"key": "settled", "count": 6}]
    assert body["amounts_recovered"] == [{"currency": "THB", "total": "6003.00", "complaints": 6}]
    assert body["share_resolved_within_deadline"] == 1.0
    assert body["by_category"]["cells"] == [{"key": "recruitment_fees", "count": 6}]
    assert body["recruitment_fees_claimed"] == [
        {"currency": "USD", "total": "1800.00", "complaints": 6}
    ]


def test_cells_and_totals_under_k_are_suppressed(folded, admin_user, auth_client):
    client = auth_client(admin_user)
    assert client.get(URL, {"country": "MY"}).json() == {"k": 5, "total": None, "suppressed": True}
    body = client.get(URL).json()
    assert body["total"] == 8
    corridors = {c["key"]: c["count"] for c in body["by_corridor"]["cells"]}
    # MM-MY has 2 (< k): suppressed, and MM-TH too, or MM-MY would follow by subtraction.
    assert "MM-MY" not in corridors
    assert body["by_corridor"]["suppressed_cells"] >= 1


def test_workers_and_plain_inspectors_get_403(folded, worker, inspector, auth_client, api):
    for user in (worker, inspector):
        response = auth_client(user).get(URL)
        assert response.status_code == 403
        assert "total" not in response.json()
    assert api.get(URL).status_code == 401


def test_statistics_query_count_is_constant(supervisor, auth_client):
    client = auth_client(supervisor)
    worker = factories.WorkerFactory()
    closed(worker)
    _run_after(FIVE_YEARS + YEAR)
    few = count_queries(lambda: client.get(URL))
    for _ in range(6):
        closed(worker, sector="construction")
    _run_after(FIVE_YEARS + YEAR)
    assert count_queries(lambda: client.get(URL)) == few
