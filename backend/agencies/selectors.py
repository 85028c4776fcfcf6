"""Reads for the directory and reviews: querysets with their joins applied.

Nothing here aggregates reviews: list and detail endpoints read ``AgencyStats`` and
``CorridorFeeStats``, maintained by the refresh task.
"""

from __future__ import annotations

import uuid

from django.db import connection, transaction
from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When

from backend.agencies import policies
from backend.agencies.models import Agency, Corridor, CorridorFeeStats, Review
from backend.agencies.search import normalise, query_words

ORDERINGS = {
    "name": (F("name").asc(), F("id").asc()),
    "-name": (F("name").desc(), F("id").asc()),
    "rating": (F("rating_rank").desc(), F("name").asc(), F("id").asc()),
    # Worst first, unrated (rank 0) still last.
    "-rating": (
        Case(When(rating_rank=0, then=Value(1)), default=Value(0)).asc(),
        F("rating_rank").asc(),
        F("name").asc(),
        F("id").asc(),
    ),
}


FUZZY_MAX_CANDIDATES = 200
FUZZY_THRESHOLD = 0.5


def _fuzzy_ids(phrase: str) -> list[uuid.UUID]:
    """Agencies whose text is trigram-similar to ``phrase`` (PostgreSQL only; forgives typos).

    ``%>`` is true when ``word_similarity(phrase, search_text)`` reaches
    ``pg_trgm.word_similarity_threshold``, set here to ``FUZZY_THRESHOLD`` (pg_trgm's default
    0.6 misses "himalyan" → "himalayan", 0.58). The planner underestimates what pg_trgm's
    operators cost per row and would rather scan every agency (~90 ms at 10,000) than use the
    GIN index (~10 ms), so sequential scans are off for this one statement. Both settings are
    transaction-local (``set_config(..., true)``) and restored right after.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'),"
            " COALESCE(current_setting('pg_trgm.word_similarity_threshold', true), '0.6'),"
            " set_config('enable_seqscan', 'off', true),"
            " set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(FUZZY_THRESHOLD)],
        )
        seqscan, threshold = cursor.fetchone()[:2]
        try:
            return list(
                Agency.objects.filter(search_text__trigram_word_similar=phrase).values_list(
                    "id", flat=True
                )[:FUZZY_MAX_CANDIDATES]
            )
        finally:
            cursor.execute(
                "SELECT set_config('enable_seqscan', %s, true),"
                " set_config('pg_trgm.word_similarity_threshold', %s, true)",
                [seqscan, threshold],
            )


def _text_filter(qs: QuerySet[Agency], q: str) -> tuple[QuerySet[Agency], bool]:
    """Every query word must appear in name or aliases (substring, accent- and case-blind).

    On PostgreSQL (GIN trigram index on ``search_text`` serving ``LIKE '%word%'``), when no
    agency contains every word, the query falls back to trigram word similarity, which forgives
    typos ("himalyan" finds "Himalayan"); those results are ranked by similarity. SQLite has
    the substring search only. Returns the queryset and whether it is a fuzzy match.
    """
    words = query_words(q)
    if not words:
        return qs, False
    exact = Q()
    for word in words:
        exact &= Q(search_text__contains=word)
    if connection.vendor != "postgresql" or qs.filter(exact).exists():
        return qs.filter(exact), False
    from django.contrib.postgres.search import TrigramWordSimilarity

    phrase = normalise(q)
    qs = qs.filter(pk__in=_fuzzy_ids(phrase))
    return qs.annotate(similarity=TrigramWordSimilarity(phrase, "search_text")), True


def agency_list(
    *,
    q: str = "",
    country: str = "",
    corridor: tuple[str, str] | None = None,
    licence_status: str = "",
    ordering: str = "",
) -> QuerySet[Agency]:
    """The directory, filtered and ordered; stats joined, corridors prefetched (2 queries)."""
    qs = Agency.objects.select_related("stats").prefetch_related(
        Prefetch("corridors", queryset=Corridor.objects.order_by("origin", "destination"))
    )
    if country:
        qs = qs.filter(country=country.upper())
    if licence_status:
        qs = qs.filter(licence_status=licence_status)
    if corridor:
        qs = qs.filter(
            pk__in=Corridor.objects.filter(
                origin=corridor[0].upper(), destination=corridor[1].upper()
            ).values("agency_id")
        )
    if q:
        qs, fuzzy = _text_filter(qs, q)
        if fuzzy and not ordering:
            return qs.order_by(F("similarity").desc(), "name", "id")
    return qs.order_by(*ORDERINGS.get(ordering or "name", ORDERINGS["name"]))


def agency_get(*, agency_id: uuid.UUID) -> Agency | None:
    return agency_list().filter(pk=agency_id).first()


def agency_public_reviews(*, agency: Agency) -> QuerySet[Review]:
    return (
        policies.public_reviews()
        .filter(agency=agency)
        .select_related("response")
        .order_by("-published_on", "-id")
    )


def own_reviews(*, user) -> QuerySet[Review]:
    return (
        policies.own_reviews_visible_to(user)
        .select_related("agency", "response")
        .prefetch_related("fees")
        .order_by("-created_at", "-id")
    )


def moderation_queue(*, user, queue: str) -> QuerySet[Review]:
    qs = policies.reviews_moderatable_by(user).select_related("agency")
    if queue == "held":
        qs = qs.filter(status="held")
    elif queue == "flagged":
        qs = qs.filter(flag_count__gt=0).exclude(status="removed")
    else:
        qs = qs.filter(comment_status="pending").exclude(status="removed")
    return qs.order_by("created_at", "id")


def corridor_fee_stats(*, origin: str, destination: str) -> CorridorFeeStats | None:
    return CorridorFeeStats.objects.filter(
        origin=origin.upper(), destination=destination.upper()
    ).first()
