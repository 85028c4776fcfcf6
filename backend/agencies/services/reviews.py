"""Workers' reviews: create, edit (with revisions), delete, flag, respond, publish when due."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.agencies import currency, policies, sealing
from backend.agencies.masking import mask_personal_data
from backend.agencies.models import (
    RATING_FIELDS,
    Agency,
    CommentStatus,
    Review,
    ReviewFee,
    ReviewFlag,
    ReviewResponse,
    ReviewRevision,
    ReviewStatus,
)
from backend.audit.services import audit_record
from backend.core import clock
from backend.core.errors import AppError, Conflict, PermissionDenied
from backend.core.logging import truncate_ip
from backend.core.tasks import enqueue_on_commit

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


# ``fees_total_usd`` and ``monthly_wage_usd`` hold 14 digits with 2 decimals: anything from a
# trillion dollars up does not fit (a DataError on PostgreSQL, an unreadable value on SQLite).
USD_LIMIT = Decimal("1e12")


def _usd_totals(data: ReviewInput) -> tuple[Decimal, Decimal | None]:
    """(total fees, monthly wage) in USD. The currencies must already be known to be supported."""
    fees = sum((currency.to_usd(fee.amount, fee.currency) for fee in data.fees), Decimal("0"))
    wage = currency.to_usd(data.monthly_wage, data.wage_currency) if data.monthly_wage else None
    return fees, wage


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
    fees_usd, wage_usd = _usd_totals(data)
    if fees_usd >= USD_LIMIT:
        raise _invalid("fees", _("These amounts are too large; check them."))
    if wage_usd is not None and wage_usd >= USD_LIMIT:
        raise _invalid("monthly_wage", _("This amount is too large; check it."))
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
    review.fees_total_usd, review.monthly_wage_usd = _usd_totals(data)
    review.publish_after = data.publish_after
    review.comment_language = data.comment_language if data.comment else ""
    review.comment_sealed = sealing.seal_comment(review.id, data.comment)
    review.comment_key_id = sealing.key_id_of(review.comment_sealed)
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


def review_input_from(review: Review, *, comment: str | None = None) -> ReviewInput:
    """The current state of ``review`` as an input (to merge a partial update into).

    Opens the sealed comment unless ``comment`` is given (raises ``CommentUnreadable`` when it
    cannot be opened).
    """
    if comment is None:
        comment = sealing.open_comment(review.id, review.comment_sealed)
    return ReviewInput(
        ratings=review.ratings(),
        recruitment_year=review.recruitment_year,
        corridor_origin=review.corridor_origin,
        corridor_destination=review.corridor_destination,
        fees=[FeeInput(f.kind, f.amount, f.currency) for f in review.fees.all()],
        monthly_wage=review.monthly_wage,
        wage_currency=review.wage_currency,
        comment=comment,
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
    try:
        current = review_input_from(review)
        old_comment: str | None = current.comment
    except sealing.CommentUnreadable:
        if "comment" not in changes:
            raise
        # The old text cannot be opened (retired master key) but is being replaced anyway.
        current, old_comment = review_input_from(review, comment=""), None
    old_status = review.comment_status
    data = ReviewInput(**{**current.__dict__, **changes})
    if "ratings" in changes:
        data.ratings = {**current.ratings, **changes["ratings"]}
    _validate(review.agency, data)
    number = review.revisions.count() + 1
    ReviewRevision.objects.create(
        review=review,
        number=number,
        data=_snapshot(review),
        comment_sealed=review.comment_sealed,
        comment_key_id=review.comment_key_id,
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


_FLAGGER_SALT = "fairtrail.agencies.review-flag"


def flagger_key(*, user: User | None, client_ip: str = "") -> str:
    """Who flagged, as a keyed hash: the user id when signed in, else the client's network.

    Anonymous flaggers are told apart by their address truncated to /24 (IPv4) or /48 (IPv6):
    the address itself is never stored, and one client cannot flag a review several times by
    signing out or changing the last bits of its address. The cost: anonymous visitors sharing
    a network (one office, one carrier NAT) count as one flagger per review; signed-in users
    always count on their own.
    """
    value = f"user:{user.pk}" if user is not None else f"ip:{truncate_ip(client_ip)}"
    return salted_hmac(_FLAGGER_SALT, value, algorithm="sha256").hexdigest()


@transaction.atomic
def review_flag(
    *, review: Review, user: User | None, reason: str, client_ip: str = ""
) -> ReviewFlag:
    """Anyone may flag a public review once; enough distinct flaggers requeue its comment.

    Locks the review, so concurrent flags count one after the other. ``flag_count`` is the
    number of distinct flaggers whose flags a moderator has not resolved yet.
    """
    actor = user if user is not None and user.is_authenticated else None
    key = flagger_key(user=actor, client_ip=client_ip)
    locked = Review.objects.select_for_update().filter(pk=review.pk).first()
    if locked is None:
        raise AppError(_("Not found."), code="not_found", status=404)
    if ReviewFlag.objects.filter(review=locked, flagger_key=key).exists():
        raise Conflict(_("You have already flagged this review."), code="already_flagged")
    try:
        with transaction.atomic():
            flag = ReviewFlag.objects.create(
                review=locked, flagged_by=actor, flagger_key=key, reason=reason
            )
    except IntegrityError:
        raise Conflict(_("You have already flagged this review."), code="already_flagged") from None
    locked.flag_count = (
        locked.flags.filter(resolved_at__isnull=True).values("flagger_key").distinct().count()
    )
    update_fields = ["flag_count"]
    if (
        locked.flag_count >= settings.AGENCY_FLAGS_TO_REQUEUE
        and locked.comment_status == CommentStatus.APPROVED
    ):
        locked.comment_status = CommentStatus.PENDING
        update_fields += ["comment_status", "updated_at"]  # the author's app syncs on updated_at
    locked.save(update_fields=update_fields)
    review.flag_count, review.comment_status = locked.flag_count, locked.comment_status
    audit_record(action="agencies.review_flagged", actor=actor, target=locked, reason=reason)
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
