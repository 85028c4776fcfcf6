"""Pre-computed agency and corridor statistics (run by the Celery tasks, never per request)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg

from backend.agencies.models import (
    RATING_FIELDS,
    Agency,
    AgencyStats,
    CorridorFeeStats,
    Review,
)
from backend.agencies.stats import bayesian_average, quartiles
from backend.core import clock, privacy

# --- Aggregates --------------------------------------------------------------------------------

GLOBAL_MEANS_CACHE_KEY = "agencies:global-rating-means"
GLOBAL_MEANS_TTL_SECONDS = 300


def global_rating_means(*, fresh: bool = False) -> dict[str, float]:
    """The mean of each dimension over every public review (the Bayesian prior ``m``).

    Cached for five minutes: it moves slowly, and one aggregate over all reviews per refresh
    would dominate the cost on a large table. With no reviews at all the prior is 3 (mid-scale).
    """
    if not fresh:
        cached = cache.get(GLOBAL_MEANS_CACHE_KEY)
        if cached is not None:
            return cached
    row = Review.objects.filter(is_public=True).aggregate(
        **{name: Avg(name) for name in RATING_FIELDS}
    )
    means = {name: float(row[name]) if row[name] is not None else 3.0 for name in RATING_FIELDS}
    cache.set(GLOBAL_MEANS_CACHE_KEY, means, GLOBAL_MEANS_TTL_SECONDS)
    return means


def _fee_statistics(rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    n = len(rows)
    paid = sum(1 for r in rows if r["fees_total_usd"] > 0)
    with_wage = [r for r in rows if r["monthly_wage_usd"]]
    ratios = [float(r["fees_total_usd"] / r["monthly_wage_usd"]) for r in with_wage]
    return {
        "fee_paid_share": privacy.share_if_safe(paid, n, k=k),
        "fees_usd": quartiles([float(r["fees_total_usd"]) for r in rows]),
        "cost_to_earnings_ratio": (
            None if privacy.below_threshold(len(ratios), k=k) else quartiles(ratios)
        ),
        "cost_to_earnings_count": None
        if privacy.below_threshold(len(ratios), k=k)
        else len(ratios),
    }


_STAT_FIELDS = (
    *RATING_FIELDS,
    "verified",
    "fees_total_usd",
    "monthly_wage_usd",
    "corridor_origin",
    "corridor_destination",
)


@transaction.atomic
def agency_aggregates_refresh(*, agency_id: uuid.UUID | str) -> AgencyStats | None:
    """Recompute an agency's ``AgencyStats`` from its public reviews. Idempotent.

    Everything in ``published`` is already k-suppressed: nothing at all until ``k`` public
    reviews; breakdowns (by corridor, verified or not) pass ``privacy.publishable_cells``.
    """
    agency = Agency.objects.select_for_update().filter(pk=agency_id).first()
    if agency is None:
        return None
    k = privacy.min_k()
    c_weight = settings.AGENCY_BAYES_C
    rows = list(Review.objects.filter(agency=agency, is_public=True).values(*_STAT_FIELDS))
    n = len(rows)
    sums = {name: sum(r[name] for r in rows) for name in RATING_FIELDS}
    suppressed = privacy.below_threshold(n, k=k)
    published: dict[str, Any] = {"suppressed": suppressed}
    rank = None
    if not suppressed:
        means = global_rating_means()
        ratings = {
            name.removeprefix("rating_"): {
                "bayesian": round(
                    bayesian_average(
                        total=sums[name], count=n, prior_mean=means[name], prior_weight=c_weight
                    ),
                    4,
                ),
                "mean": round(sums[name] / n, 4),
            }
            for name in RATING_FIELDS
        }
        rank = ratings["overall"]["bayesian"]
        verified = sum(1 for r in rows if r["verified"])
        by_corridor: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in rows:
            by_corridor.setdefault((r["corridor_origin"], r["corridor_destination"]), []).append(r)
        corridor_cells = privacy.publishable_cells(
            {key: len(group) for key, group in by_corridor.items()}, total=n, k=k
        )
        by_verified = {
            True: [r for r in rows if r["verified"]],
            False: [r for r in rows if not r["verified"]],
        }
        verified_cells = privacy.publishable_cells(
            {key: len(group) for key, group in by_verified.items()}, total=n, k=k
        )
        published.update(
            review_count=n,
            ratings=ratings,
            verified_share=privacy.share_if_safe(verified, n, k=k),
            **_fee_statistics(rows, k),
            by_corridor=[
                {
                    "origin": origin,
                    "destination": destination,
                    "review_count": len(by_corridor[(origin, destination)]),
                    "overall_mean": round(
                        sum(r["rating_overall"] for r in by_corridor[(origin, destination)])
                        / len(by_corridor[(origin, destination)]),
                        4,
                    ),
                    "fees_usd": quartiles(
                        [float(r["fees_total_usd"]) for r in by_corridor[(origin, destination)]]
                    ),
                }
                for origin, destination in sorted(corridor_cells)
            ],
            by_verified=[
                {
                    "verified": key,
                    "review_count": len(by_verified[key]),
                    "overall_mean": round(
                        sum(r["rating_overall"] for r in by_verified[key]) / len(by_verified[key]),
                        4,
                    ),
                }
                for key in sorted(verified_cells, reverse=True)
            ],
        )
    if agency.rating_rank != (rank or 0):
        Agency.objects.filter(pk=agency.pk).update(rating_rank=rank or 0)
    stats, _created = AgencyStats.objects.update_or_create(
        agency=agency,
        defaults={
            "review_count": n,
            "suppressed": suppressed,
            "rank_overall": rank,
            "sums": sums,
            "published": published,
            "refreshed_at": clock.now(),
        },
    )
    return stats


@transaction.atomic
def corridor_fee_stats_refresh(*, origin: str, destination: str) -> CorridorFeeStats:
    """Recompute the fee statistics of one corridor over all agencies. Idempotent."""
    origin, destination = origin.upper(), destination.upper()
    k = privacy.min_k()
    rows = list(
        Review.objects.filter(
            corridor_origin=origin, corridor_destination=destination, is_public=True
        ).values("fees_total_usd", "monthly_wage_usd")
    )
    n = len(rows)
    suppressed = privacy.below_threshold(n, k=k)
    published: dict[str, Any] = {"suppressed": suppressed}
    if not suppressed:
        published.update(review_count=n, **_fee_statistics(rows, k))
    stats, _created = CorridorFeeStats.objects.update_or_create(
        origin=origin,
        destination=destination,
        defaults={
            "review_count": n,
            "suppressed": suppressed,
            "published": published,
            "refreshed_at": clock.now(),
        },
    )
    return stats
