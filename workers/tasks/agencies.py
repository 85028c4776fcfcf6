"""Agency aggregates and delayed review publication. Thin: each task calls one service.

All are idempotent (they recompute from the reviews or re-check state under a row lock), so a
redelivered message is harmless.
"""

from workers.base import FairtrailTask
from workers.celery import app


@app.task(base=FairtrailTask, name="agencies.refresh_aggregates")
def refresh_aggregates(agency_id: str) -> bool:
    from backend.agencies.services import agency_aggregates_refresh

    return agency_aggregates_refresh(agency_id=agency_id) is not None


@app.task(base=FairtrailTask, name="agencies.refresh_corridor_stats")
def refresh_corridor_stats(origin: str, destination: str) -> None:
    from backend.agencies.services import corridor_fee_stats_refresh

    corridor_fee_stats_refresh(origin=origin, destination=destination)


@app.task(base=FairtrailTask, name="agencies.release_due_reviews")
def release_due_reviews() -> int:
    from backend.agencies.services import reviews_release_due

    return reviews_release_due()
