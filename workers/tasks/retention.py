from django.conf import settings

from workers.base import FairtrailTask
from workers.celery import app


@app.task(base=FairtrailTask, name="retention.run")
def run() -> dict:
    """Daily: apply the retention schedule (batched, resumable, safe to run twice at once)."""
    from backend.retention.services import retention_run

    purge = retention_run(dry_run=False, batch_size=settings.RETENTION_BATCH_SIZE)
    return {"run": str(purge.pk), "counts": purge.counts}


@app.task(base=FairtrailTask, name="retention.complete_erasure")
def complete_erasure(erasure_id: str) -> dict | None:
    """Right after an account erasure commits: delete its rows and blobs (idempotent)."""
    from backend.retention.erasure import account_erasure_complete

    return account_erasure_complete(erasure_id=erasure_id)


EXPORT_LIMIT = settings.RETENTION_EXPORT_TIME_LIMIT


@app.task(
    base=FairtrailTask,
    name="retention.build_export",
    time_limit=EXPORT_LIMIT,
    # Its own soft limit: the global one (CELERY_TASK_SOFT_TIME_LIMIT) would cut long exports.
    soft_time_limit=EXPORT_LIMIT - max(1, EXPORT_LIMIT // 6),
)
def build_export(export_id: str) -> bool:
    """Build a worker's data export. It claims the export first: a duplicate message finds
    nothing to do, and the message redelivered after a worker crash (acks_late) takes over the
    dead build once its claim is stale (tests/faults/test_worker_killed_mid_export.py)."""
    from backend.retention.exports import export_build

    return export_build(export_id=export_id)


@app.task(base=FairtrailTask, name="retention.redispatch_exports")
def redispatch_exports() -> int:
    """Every few minutes: enqueue export builds whose message was lost (broker down, crash)."""
    from backend.retention.exports import exports_redispatch_stuck

    return exports_redispatch_stuck()
