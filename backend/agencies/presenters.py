"""API shapes of agencies and reviews, and what the public may see of them.

Statistics were suppressed when computed; here the threshold is checked once more against the
current ``k`` (the setting may have been raised since the last refresh).
"""

from __future__ import annotations

from typing import Any

from backend.agencies.models import RATING_FIELDS, Agency, CommentStatus, CorridorFeeStats, Review
from backend.agencies.sealing import CommentUnreadable, open_comment
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


def badge_visible(agency: Agency) -> bool:
    """Whether public reviews of ``agency`` may show their verified badge.

    The badges of a list add up to the ``by_verified`` breakdown (count and mean rating of
    verified and unverified reviews), so they are shown only when that breakdown publishes both
    groups, each with ``>= k`` reviews. Otherwise ``verified`` is null: showing it would reveal
    the group the statistics suppress (e.g. the one unverified review and its ratings).
    """
    stats = agency_stats(agency)
    if stats["suppressed"]:
        return False
    return {cell["verified"] for cell in stats["by_verified"]} == {True, False}


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


def ratings(review: Review) -> dict[str, int]:
    return {name.removeprefix("rating_"): getattr(review, name) for name in RATING_FIELDS}


def review_response(review: Review) -> dict[str, str] | None:
    response = getattr(review, "response", None) if hasattr(review, "response") else None
    if response is None:
        return None
    return {"text": response.text, "period": response.created_at.strftime("%Y-%m")}


def present_agency(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.id,
        "name": agency.name,
        "aliases": agency.aliases or [],
        "licence_number": agency.licence_number,
        "licensing_authority": agency.licensing_authority,
        "country": agency.country,
        "address": agency.address,
        "licence_status": agency.licence_status,
        "source": agency.source,
        "last_checked": agency.last_checked,
        "corridors": [
            {"origin": c.origin, "destination": c.destination} for c in agency.corridors.all()
        ],
        "stats": agency_stats(agency),
    }


def present_public_review(
    review: Review, published_corridors: set[tuple[str, str]], *, show_badge: bool
) -> dict:
    """``show_badge``: ``badge_visible(review.agency)``, computed once per page."""
    corridor = (review.corridor_origin, review.corridor_destination)
    return {
        "id": review.id,
        "ratings": ratings(review),
        "verified": review.verified if show_badge else None,
        "period": review.published_on.strftime("%Y-%m") if review.published_on else "",
        "corridor": (
            {"origin": corridor[0], "destination": corridor[1]}
            if corridor in published_corridors
            else None
        ),
        "comment": public_comment(review),
        "comment_language": review.comment_language if public_comment(review) else "",
        "response": review_response(review),
    }


def present_own_review(review: Review) -> dict[str, Any]:
    try:
        comment, unreadable = open_comment(review.id, review.comment_sealed), False
    except CommentUnreadable:  # logged by open_comment; the rest of the review stays readable
        comment, unreadable = "", True
    return {
        "id": review.id,
        "agency_id": review.agency_id,
        "agency_name": review.agency.name,
        "ratings": ratings(review),
        "recruitment_year": review.recruitment_year,
        "corridor": {"origin": review.corridor_origin, "destination": review.corridor_destination},
        "fees": [
            {"kind": f.kind, "amount": f.amount, "currency": f.currency} for f in review.fees.all()
        ],
        "monthly_wage": review.monthly_wage,
        "wage_currency": review.wage_currency,
        "comment": comment,
        "comment_unreadable": unreadable,
        "comment_public_text": review.comment_masked,
        "comment_status": review.comment_status,
        "comment_language": review.comment_language,
        "publish_after": review.publish_after,
        "status": review.status,
        "is_public": review.is_public,
        "verified": review.verified,
        "response": review_response(review),
        "created_at": review.created_at,
        "updated_at": review.updated_at,
    }
