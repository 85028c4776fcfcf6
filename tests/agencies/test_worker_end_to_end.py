"""A real Celery worker (Redis broker, PostgreSQL) refreshes an agency's aggregates by task name.

Reuses the worker fixtures of tests/workers (same skip/fail rules: skipped on the in-memory
SQLite run, mandatory in CI).
"""

import time

import pytest

from backend.agencies.models import AgencyStats
from backend.agencies.services import reviews as review_services
from backend.core import tasks
from tests import factories
from tests.agencies.conftest import make_review
from tests.workers.test_worker_end_to_end import (  # noqa: F401  (fixtures)
    postgres_only,
    producer,
    queue,
    worker_process,
)


@pytest.mark.redis
@pytest.mark.postgres
def test_a_real_worker_refreshes_agency_aggregates(worker_process, producer, queue, monkeypatch):  # noqa: F811
    # The reviews' own refreshes would go to the default queue of the shared Redis: send only
    # the one below, to this test's queue.
    monkeypatch.setattr(review_services, "enqueue_on_commit", lambda *args, **kwargs: None)
    agency = factories.AgencyFactory()
    for overall in (5, 4, 4, 3, 2):
        make_review(agency, overall=overall)
    tasks.send_task_now(
        "agencies.refresh_aggregates", kwargs={"agency_id": str(agency.id)}, queue=queue
    )
    deadline = time.monotonic() + 90
    stats = None
    while time.monotonic() < deadline and stats is None:
        stats = AgencyStats.objects.filter(agency=agency).first()
        if worker_process.poll() is not None:
            pytest.fail(worker_process.log_path.read_text(errors="replace")[-4000:])
        time.sleep(0.2)
    assert stats is not None, worker_process.log_path.read_text(errors="replace")[-4000:]
    assert stats.review_count == 5
    assert stats.published["ratings"]["overall"]["mean"] == 3.6
    agency.refresh_from_db()
    assert agency.rating_rank == stats.rank_overall
