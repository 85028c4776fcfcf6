"""Who may do what with agencies and reviews."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.accounts.models import Role
from backend.agencies.models import AgencyRepresentative, Review


def can_review(user) -> bool:
    """Only workers whose phone number is verified may review (one review per agency)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role == Role.WORKER
        and user.phone_verified_at is not None
    )


def can_moderate(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.role in (Role.MODERATOR, Role.ADMIN)
    )


def can_respond(user, review: Review) -> bool:
    if not getattr(user, "is_authenticated", False) or user.role != Role.AGENCY_REPRESENTATIVE:
        return False
    return AgencyRepresentative.objects.filter(user=user, agency_id=review.agency_id).exists()


def own_reviews_visible_to(user) -> QuerySet[Review]:
    """A worker's own reviews; nobody else's, whatever the role."""
    if not getattr(user, "is_authenticated", False):
        return Review.objects.none()
    return Review.objects.filter(author=user)


def public_reviews() -> QuerySet[Review]:
    """Reviews anyone may see (the serializer further hides comments until approved)."""
    return Review.objects.filter(is_public=True)


def reviews_moderatable_by(user) -> QuerySet[Review]:
    return Review.objects.all() if can_moderate(user) else Review.objects.none()
