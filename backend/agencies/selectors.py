"""Reads for the directory and reviews: querysets with their joins applied.

Nothing here aggregates reviews: list and detail endpoints read ``AgencyStats`` and
``CorridorFeeStats``, maintained by the refresh task.
"""

from __future__ import annotations

import uuid

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet

from backend.agencies import policies
from backend.agencies.models import Agency, Corridor, CorridorFeeStats, Review
from backend.agencies.search import normalise, query_words

ORDERINGS = {
    "name": (F("name").asc(), F("id").asc()),
    "-name": (F("name").desc(), F("id").asc()),
    "rating": (F("stats__rank_overall").desc(nulls_last=True), F("name").asc(), F("id").asc()),
    "-rating": (F("stats__rank_overall").asc(nulls_last=True), F("name").asc(), F("id").asc()),
}


def _text_filter(qs: QuerySet[Agency], q: str) -> QuerySet[Agency]:
    """Every query word must appear in name or aliases (substring, accent- and case-blind).

    On PostgreSQL a fuzzy alternative also matches: the query's trigram word similarity to the
    text above ``pg_trgm.word_similarity_threshold`` (0.6; the ``%>`` operator, served by the GIN
    trigram index, like ``LIKE '%word%'``), which forgives typos; results rank by similarity.
    """
    words = query_words(q)
    if not words:
        return qs
    exact = Q()
    for word in words:
        exact &= Q(search_text__contains=word)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramWordSimilarity

        phrase = normalise(q)
        return qs.filter(exact | Q(search_text__trigram_word_similar=phrase)).annotate(
            similarity=TrigramWordSimilarity(phrase, "search_text")
        )
    return qs.filter(exact)


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
        qs = _text_filter(qs, q)
        if not ordering and connection.vendor == "postgresql":
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
