"""Moderators' decisions on reviews, recorded as ModerationDecision and in the audit log."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.agencies import policies
from backend.agencies.models import (
    CommentStatus,
    ModerationAction,
    ModerationDecision,
    Review,
    ReviewStatus,
)
from backend.agencies.services.reviews import _enqueue_refresh, _update_visibility
from backend.audit.services import audit_record
from backend.core import clock
from backend.core.errors import AppError, Conflict, PermissionDenied

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
