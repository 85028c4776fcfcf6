from django.conf import settings

from workers.base import FairtrailTask
from workers.celery import app


@app.task(base=FairtrailTask, name="retention.run")
def run() -> dict:
    """Daily: apply the retention schedule (batched, resumable, safe to run twice at once)."""
    from backend.retention.services import retention_run

    purge = retention_run(dry_run=False, batch_size=settings.RETENTION_BATCH_SIZE)
    return {"run": str(purge.pk), "counts": purge.counts}
