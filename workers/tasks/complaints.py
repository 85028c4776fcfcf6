"""Complaint deadlines. Thin: the service claims work under row locks and is idempotent."""

from workers.base import FairtrailTask
from workers.celery import app


@app.task(base=FairtrailTask, name="complaints.escalate_overdue")
def escalate_overdue() -> int:
    from backend.complaints.services import complaints_escalate_overdue

    return complaints_escalate_overdue()


@app.task(base=FairtrailTask, name="complaints.remind_awaiting_worker")
def remind_awaiting_worker() -> int:
    from backend.complaints.services import complaints_remind_awaiting_worker

    return complaints_remind_awaiting_worker()
