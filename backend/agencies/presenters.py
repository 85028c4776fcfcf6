"""What the public may see of pre-computed statistics and of individual reviews.

Statistics were suppressed when computed; here the threshold is checked once more against the
current ``k`` (the setting may have been raised since the last refresh).
"""

from __future__ import annotations

from typing import Any

from backend.agencies.models import Agency, CommentStatus, CorridorFeeStats, Review
from backend.core import clock, privacy

EMPTY_STATS: dict[str, Any] = {
    "suppressed": True,
    "review_count": None,
    "ratings": None,
    "verified_share": None,
    "fee_paid_share": None,
    "fees_usd": None,
    "cost_to_earnings_ratio": None,
    "cost_to_earnings_count": None,
    "by_corridor": [],
    "by_verified": [],
}


def _stats_row(agency: Agency):
    try:
        return agency.stats
    except Agency.stats.RelatedObjectDoesNotExist:
        return None


def agency_stats(agency: Agency) -> dict[str, Any]:
    stats = _stats_row(agency)
    if stats is None or stats.suppressed or privacy.below_threshold(stats.review_count):
        return dict(EMPTY_STATS)
    return {**EMPTY_STATS, **stats.published, "suppressed": False}


def published_corridors(agency: Agency) -> set[tuple[str, str]] | None:
    """Corridors whose group of reviews is published, or None when nothing may be shown."""
    stats = agency_stats(agency)
    if stats["suppressed"]:
        return None
    return {(cell["origin"], cell["destination"]) for cell in stats["by_corridor"]}


def public_comment(review: Review) -> str | None:
    """The masked comment once approved (and the review public), else None."""
    if review.comment_status != CommentStatus.APPROVED or not review.is_public:
        return None
    if review.publish_after and review.publish_after > clock.now().date():
        return None
    return review.comment_masked


def corridor_stats(origin: str, destination: str, stats: CorridorFeeStats | None) -> dict[str, Any]:
    out = {
        "origin": origin.upper(),
        "destination": destination.upper(),
        "suppressed": True,
        "review_count": None,
        "fee_paid_share": None,
        "fees_usd": None,
        "cost_to_earnings_ratio": None,
        "cost_to_earnings_count": None,
    }
    if stats is None or stats.suppressed or privacy.below_threshold(stats.review_count):
        return out
    return {**out, **stats.published, "suppressed": False}
