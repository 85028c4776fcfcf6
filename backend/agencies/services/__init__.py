"""Writes for the agency directory and reviews. Every change is audited in its transaction.

Aggregates are never computed inline: each change enqueues ``agencies.refresh_aggregates`` (and
``agencies.refresh_corridor_stats``) after commit; the task calls ``agency_aggregates_refresh``.
"""

from backend.agencies.services.aggregates import (
    agency_aggregates_refresh,
    corridor_fee_stats_refresh,
    global_rating_means,
)
from backend.agencies.services.directory import agency_save, agency_search_text_refresh
from backend.agencies.services.moderation import review_moderate
from backend.agencies.services.reviews import (
    FeeInput,
    ReviewInput,
    review_create,
    review_delete,
    review_flag,
    review_input_from,
    review_respond,
    review_update,
    reviews_release_due,
)
from backend.agencies.services.rotation import (
    ResealResult,
    review_comments_reseal_with_current_master,
)

__all__ = [
    "FeeInput",
    "ResealResult",
    "ReviewInput",
    "agency_aggregates_refresh",
    "agency_save",
    "agency_search_text_refresh",
    "corridor_fee_stats_refresh",
    "global_rating_means",
    "review_comments_reseal_with_current_master",
    "review_create",
    "review_delete",
    "review_flag",
    "review_input_from",
    "review_moderate",
    "review_respond",
    "review_update",
    "reviews_release_due",
]
