"""Writes for the agency directory and reviews. Every change is audited in its transaction.

Aggregates are never computed inline: each change enqueues ``agencies.refresh_aggregates`` (and
``agencies.refresh_corridor_stats``) after commit; the task calls ``agency_aggregates_refresh``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Avg, F
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.agencies import currency, policies, sealing
from backend.agencies.masking import mask_personal_data
from backend.agencies.models import (
    RATING_FIELDS,
    Agency,
    AgencyStats,
    CommentStatus,
    Corridor,
    CorridorFeeStats,
    ModerationAction,
    ModerationDecision,
    Review,
    ReviewFee,
    ReviewFlag,
    ReviewResponse,
    ReviewRevision,
    ReviewStatus,
)
from backend.agencies.search import search_text_for
from backend.agencies.stats import bayesian_average, quartiles
from backend.audit.services import audit_record
from backend.core import clock, privacy
from backend.core.errors import AppError, Conflict, PermissionDenied
from backend.core.tasks import enqueue_on_commit

# --- Directory ---------------------------------------------------------------------------------


def agency_search_text_refresh(agency: Agency) -> None:
    """Set ``search_text`` from name and aliases (call before saving an agency)."""
    agency.search_text = search_text_for(agency.name, agency.aliases or [])


@transaction.atomic
def agency_save(
    *,
    agency: Agency,
    corridors: Iterable[tuple[str, str]] | None = None,
    actor: User | None = None,
) -> Agency:
    """Create or update an agency (admin and import), replacing its corridors when given."""
    created = agency._state.adding
    agency_search_text_refresh(agency)
    agency.full_clean(exclude=["search_text"])
    agency.save()
    if corridors is not None:
        wanted = {(o.upper(), d.upper()) for o, d in corridors}
        existing = {(c.origin, c.destination): c.pk for c in agency.corridors.all()}
        Corridor.objects.filter(
            pk__in=[pk for key, pk in existing.items() if key not in wanted]
        ).delete()
        Corridor.objects.bulk_create(
            [Corridor(agency=agency, origin=o, destination=d) for o, d in wanted - set(existing)]
        )
    audit_record(
        action="agencies.agency_created" if created else "agencies.agency_updated",
        actor=actor,
        target=agency,
    )
    return agency


# --- Reviews -----------------------------------------------------------------------------------


@dataclass
class FeeInput:
    kind: str
    amount: Decimal
    currency: str


@dataclass
class ReviewInput:
    ratings: dict[str, int]
    recruitment_year: int
    corridor_origin: str
    corridor_destination: str
    fees: list[FeeInput] = field(default_factory=list)
    monthly_wage: Decimal | None = None
    wage_currency: str = ""
    comment: str = ""
    comment_language: str = ""
    publish_after: dt.date | None = None


def _invalid(field_name: str, message: str) -> AppError:
    return AppError(
        _("Some fields are not valid."), code="validation_error", fields={field_name: [message]}
    )


def _validate(agency: Agency, data: ReviewInput) -> None:
    today = clock.now().date()
    if not 1980 <= data.recruitment_year <= today.year:
        raise _invalid("recruitment_year", _("Enter a year between 1980 and this year."))
    corridors = {(c.origin, c.destination) for c in agency.corridors.all()}
    pair = (data.corridor_origin.upper(), data.corridor_destination.upper())
    if corridors and pair not in corridors:
        raise _invalid("corridor", _("This agency does not serve that corridor."))
    supported = currency.usd_rates()
    for index, fee in enumerate(data.fees):
        if fee.currency.upper() not in supported:
            raise _invalid(f"fees.{index}.currency", _("This currency is not supported."))
    if data.monthly_wage is not None and (
        not data.wage_currency or data.wage_currency.upper() not in supported
    ):
        raise _invalid("wage_currency", _("Give a supported currency for the wage."))
    if data.publish_after is not None:
        latest = today + dt.timedelta(days=settings.AGENCY_PUBLISH_DELAY_MAX_DAYS)
        if data.publish_after > latest:
            raise _invalid("publish_after", _("The publication delay is too long."))


def _apply(review: Review, data: ReviewInput, author: User) -> None:
    for name in RATING_FIELDS:
        setattr(review, name, data.ratings[name])
    review.recruitment_year = data.recruitment_year
    review.corridor_origin = data.corridor_origin.upper()
    review.corridor_destination = data.corridor_destination.upper()
    review.monthly_wage = data.monthly_wage
    review.wage_currency = data.wage_currency.upper() if data.monthly_wage is not None else ""
    review.monthly_wage_usd = (
        currency.to_usd(data.monthly_wage, data.wage_currency) if data.monthly_wage else None
    )
    review.fees_total_usd = sum(
        (currency.to_usd(fee.amount, fee.currency) for fee in data.fees), Decimal("0")
    )
    review.publish_after = data.publish_after
    review.comment_language = data.comment_language if data.comment else ""
    review.comment_sealed = sealing.seal_comment(review.id, data.comment)
    review.comment_masked = mask_personal_data(
        data.comment,
        regions=[review.corridor_origin, review.corridor_destination, author.country],
        known_names=[author.display_name],
    )
    review.comment_status = CommentStatus.PENDING if data.comment else CommentStatus.NONE


def _replace_fees(review: Review, fees: Sequence[FeeInput]) -> None:
    review.fees.all().delete()
    ReviewFee.objects.bulk_create(
        [
            ReviewFee(review=review, kind=f.kind, amount=f.amount, currency=f.currency.upper())
            for f in fees
        ]
    )


def _update_visibility(review: Review, today: dt.date) -> None:
    public = review.status == ReviewStatus.ACTIVE and (
        review.publish_after is None or review.publish_after <= today
    )
    if public and not review.is_public:
        review.published_on = today
    review.is_public = public


def _has_evidence(review: Review, before: dt.datetime) -> bool:
    from backend.vault.selectors import worker_has_agency_evidence

    return worker_has_agency_evidence(
        worker_id=review.author_id, agency_id=review.agency_id, before=before
    )


def _enqueue_refresh(agency_id: uuid.UUID, corridors: Iterable[tuple[str, str]]) -> None:
    enqueue_on_commit("agencies.refresh_aggregates", kwargs={"agency_id": str(agency_id)})
    for origin, destination in set(corridors):
        enqueue_on_commit(
            "agencies.refresh_corridor_stats",
            kwargs={"origin": origin, "destination": destination},
        )


def _burst_hold(review: Review, now: dt.datetime) -> bool:
    """Hold this agency's recent reviews by new accounts when too many arrive at once."""
    window_start = now - dt.timedelta(minutes=settings.AGENCY_BURST_WINDOW_MINUTES)
    young = now - dt.timedelta(days=settings.AGENCY_BURST_NEW_ACCOUNT_DAYS)
    recent = Review.objects.filter(
        agency_id=review.agency_id, created_at__gte=window_start, author__date_joined__gte=young
    ).exclude(status=ReviewStatus.REMOVED)
    if recent.count() < settings.AGENCY_BURST_THRESHOLD:
        return False
    held = recent.filter(status=ReviewStatus.ACTIVE).update(
        status=ReviewStatus.HELD, is_public=False, updated_at=now
    )
    audit_record(action="agencies.review_burst_hold", target=review.agency, held=held)
    return True


@transaction.atomic
def review_create(*, author: User, agency: Agency, data: ReviewInput) -> Review:
    """A worker's first review of ``agency``. Refused for unverified phones and duplicates."""
    if not policies.can_review(author):
        raise PermissionDenied(
            _("Verify your phone number before reviewing an agency."), code="phone_not_verified"
        )
    _validate(agency, data)
    if Review.objects.filter(author=author, agency=agency).exists():
        raise Conflict(
            _("You have already reviewed this agency; edit your review instead."),
            code="review_exists",
        )
    now = clock.now()
    review = Review(id=uuid.uuid4(), agency=agency, author=author)
    _apply(review, data, author)
    review.verified = _has_evidence(review, now)
    _update_visibility(review, now.date())
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("You have already reviewed this agency; edit your review instead."),
            code="review_exists",
        ) from None
    _replace_fees(review, data.fees)
    if _burst_hold(review, now):
        review.refresh_from_db()
    audit_record(action="agencies.review_created", actor=author, target=review)
    _enqueue_refresh(agency.id, [(review.corridor_origin, review.corridor_destination)])
    return review


def _snapshot(review: Review) -> dict[str, Any]:
    return {
        **review.ratings(),
        "recruitment_year": review.recruitment_year,
        "corridor": [review.corridor_origin, review.corridor_destination],
        "monthly_wage": str(review.monthly_wage) if review.monthly_wage is not None else None,
        "wage_currency": review.wage_currency,
        "fees": [
            {"kind": f.kind, "amount": str(f.amount), "currency": f.currency}
            for f in review.fees.all()
        ],
        "publish_after": review.publish_after.isoformat() if review.publish_after else None,
        "comment_status": review.comment_status,
        "verified": review.verified,
    }


def review_input_from(review: Review) -> ReviewInput:
    """The current state of ``review`` as an input (to merge a partial update into)."""
    return ReviewInput(
        ratings=review.ratings(),
        recruitment_year=review.recruitment_year,
        corridor_origin=review.corridor_origin,
        corridor_destination=review.corridor_destination,
        fees=[FeeInput(f.kind, f.amount, f.currency) for f in review.fees.all()],
        monthly_wage=review.monthly_wage,
        wage_currency=review.wage_currency,
        comment=sealing.open_comment(review.id, review.comment_sealed),
        comment_language=review.comment_language,
        publish_after=review.publish_after,
    )


@transaction.atomic
def review_update(*, author: User, review_id: uuid.UUID, changes: dict[str, Any]) -> Review:
    """Edit one's own review; the previous version is kept as a ``ReviewRevision``.

    A changed comment goes back to moderation; the verified badge is re-evaluated against the
    vault as of now. Locks the review row first, so concurrent edits serialise.
    """
    review = (
        policies.own_reviews_visible_to(author).select_for_update().filter(pk=review_id).first()
    )
    if review is None:
        raise AppError(_("Not found."), code="not_found", status=404)
    if review.status == ReviewStatus.REMOVED:
        raise Conflict(_("This review was removed by a moderator."), code="review_removed")
    old_corridor = (review.corridor_origin, review.corridor_destination)
    current = review_input_from(review)
    old_comment, old_status = current.comment, review.comment_status
    data = ReviewInput(**{**current.__dict__, **changes})
    if "ratings" in changes:
        data.ratings = {**current.ratings, **changes["ratings"]}
    _validate(review.agency, data)
    number = review.revisions.count() + 1
    ReviewRevision.objects.create(
        review=review, number=number, data=_snapshot(review), comment_sealed=review.comment_sealed
    )
    _apply(review, data, author)
    if data.comment == old_comment and old_status != CommentStatus.NONE:
        review.comment_status = old_status  # unchanged text keeps its moderation decision
    now = clock.now()
    review.verified = _has_evidence(review, now)
    _update_visibility(review, now.date())
    review.save()
    if "fees" in changes:
        _replace_fees(review, data.fees)
    audit_record(action="agencies.review_updated", actor=author, target=review, revision=number)
    _enqueue_refresh(
        review.agency_id, [old_corridor, (review.corridor_origin, review.corridor_destination)]
    )
    return review


@transaction.atomic
def review_delete(*, author: User, review_id: uuid.UUID) -> None:
    review = (
        policies.own_reviews_visible_to(author).select_for_update().filter(pk=review_id).first()
    )
    if review is None:
        raise AppError(_("Not found."), code="not_found", status=404)
    agency_id, corridor = review.agency_id, (review.corridor_origin, review.corridor_destination)
    audit_record(action="agencies.review_deleted", actor=author, target=review)
    review.delete()
    _enqueue_refresh(agency_id, [corridor])


@transaction.atomic
def review_flag(*, review: Review, user: User | None, reason: str) -> ReviewFlag:
    """Anyone may flag a public review once; enough flags send its comment back to moderation."""
    actor = user if user is not None and user.is_authenticated else None
    if actor is not None and ReviewFlag.objects.filter(review=review, flagged_by=actor).exists():
        raise Conflict(_("You have already flagged this review."), code="already_flagged")
    try:
        with transaction.atomic():
            flag = ReviewFlag.objects.create(review=review, flagged_by=actor, reason=reason)
    except IntegrityError:
        raise Conflict(_("You have already flagged this review."), code="already_flagged") from None
    Review.objects.filter(pk=review.pk).update(flag_count=F("flag_count") + 1)
    review.refresh_from_db(fields=["flag_count", "comment_status"])
    if (
        review.flag_count >= settings.AGENCY_FLAGS_TO_REQUEUE
        and review.comment_status == CommentStatus.APPROVED
    ):
        Review.objects.filter(pk=review.pk).update(comment_status=CommentStatus.PENDING)
        review.comment_status = CommentStatus.PENDING
    audit_record(action="agencies.review_flagged", actor=actor, target=review, reason=reason)
    return flag


@transaction.atomic
def review_respond(*, user: User, review: Review, text: str) -> ReviewResponse:
    """The agency's one public answer to a review, by one of its representatives."""
    if not policies.can_respond(user, review):
        raise PermissionDenied(_("Only a representative of this agency may respond."))
    if ReviewResponse.objects.filter(review=review).exists():
        raise Conflict(_("This review already has a response."), code="response_exists")
    masked = mask_personal_data(text, regions=[review.corridor_origin, review.corridor_destination])
    try:
        with transaction.atomic():
            response = ReviewResponse.objects.create(review=review, author=user, text=masked)
    except IntegrityError:
        raise Conflict(_("This review already has a response."), code="response_exists") from None
    audit_record(action="agencies.review_responded", actor=user, target=review)
    return response


_TRANSITIONS: dict[str, tuple[str, set[str]]] = {
    # action: (field, states it may start from)
    ModerationAction.APPROVE_COMMENT: ("comment_status", {CommentStatus.PENDING}),
    ModerationAction.REJECT_COMMENT: (
        "comment_status",
        {CommentStatus.PENDING, CommentStatus.APPROVED},
    ),
    ModerationAction.RELEASE: ("status", {ReviewStatus.HELD}),
    ModerationAction.REMOVE: ("status", {ReviewStatus.ACTIVE, ReviewStatus.HELD}),
    ModerationAction.DISMISS_FLAGS: ("status", {ReviewStatus.ACTIVE, ReviewStatus.HELD}),
}
_TARGET = {
    ModerationAction.APPROVE_COMMENT: CommentStatus.APPROVED,
    ModerationAction.REJECT_COMMENT: CommentStatus.REJECTED,
    ModerationAction.RELEASE: ReviewStatus.ACTIVE,
    ModerationAction.REMOVE: ReviewStatus.REMOVED,
}


@transaction.atomic
def review_moderate(
    *, moderator: User, review_id: uuid.UUID, action: str, reason: str
) -> ModerationDecision:
    """Apply a moderator's decision. Locks the review, re-checks its state, records the decision."""
    if not policies.can_moderate(moderator):
        raise PermissionDenied(_("Only moderators may do this."))
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise AppError(_("Not found."), code="not_found", status=404)
    field_name, allowed = _TRANSITIONS[action]
    if getattr(review, field_name) not in allowed:
        raise Conflict(
            _("This decision does not apply to the review in its current state."),
            code="invalid_transition",
        )
    was_public = review.is_public
    now = clock.now()
    if action == ModerationAction.DISMISS_FLAGS:
        review.flags.filter(resolved_at__isnull=True).update(resolved_at=now)
        review.flag_count = 0
    else:
        setattr(review, field_name, _TARGET[action])
    _update_visibility(review, now.date())
    review.save()
    decision = ModerationDecision.objects.create(
        review=review, moderator=moderator, action=action, reason=reason
    )
    audit_record(
        action=f"agencies.moderation.{action}",
        actor=moderator,
        target=review,
        decision=str(decision.id),
    )
    if was_public != review.is_public:
        _enqueue_refresh(review.agency_id, [(review.corridor_origin, review.corridor_destination)])
    return decision


def reviews_release_due(*, limit: int = 1000) -> int:
    """Publish reviews whose chosen delay has passed (periodic task). Returns how many."""
    today = clock.now().date()
    released = 0
    due = list(
        Review.objects.filter(
            is_public=False, status=ReviewStatus.ACTIVE, publish_after__lte=today
        ).values_list("pk", flat=True)[:limit]
    )
    for review_id in due:
        with transaction.atomic():
            review = Review.objects.select_for_update().filter(pk=review_id).first()
            if review is None or review.is_public:
                continue
            _update_visibility(review, today)
            if review.is_public:
                review.save(update_fields=["is_public", "published_on", "updated_at"])
                audit_record(action="agencies.review_published", target=review)
                _enqueue_refresh(
                    review.agency_id, [(review.corridor_origin, review.corridor_destination)]
                )
                released += 1
    return released


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
