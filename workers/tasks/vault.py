from workers.base import FairtrailTask
from workers.celery import app


@app.task(base=FairtrailTask, name="vault.purge_expired_uploads")
def purge_expired_uploads() -> int:
    from backend.vault.resumable import resumable_uploads_purge_expired

    return resumable_uploads_purge_expired()
