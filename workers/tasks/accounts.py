from workers.base import FairtrailTask
from workers.celery import app


@app.task(base=FairtrailTask, name="accounts.purge_expired_phone_verifications")
def purge_expired_phone_verifications() -> int:
    from backend.accounts.services import phone_verifications_purge_expired

    return phone_verifications_purge_expired()


@app.task(base=FairtrailTask, name="core.ping")
def ping(token: str) -> str:
    """A no-op round trip used by readiness checks and the end-to-end worker test."""
    from backend.core.services import ping_record

    ping_record(token=token)
    return token
