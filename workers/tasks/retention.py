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


@app.task(base=FairtrailTask, name="retention.build_export", time_limit=3600)
def build_export(export_id: str) -> bool:
    """Build a worker's data export (claims it first: a redelivery finds nothing to do)."""
    from backend.retention.exports import export_build

    return export_build(export_id=export_id)
