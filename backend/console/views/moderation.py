"""Moderators: the review queue (comments masked, held bursts, flagged reviews) with decisions
through ``agencies.services.review_moderate``, and a read-only agency directory."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_POST

from backend.agencies import policies, presenters, selectors, services
from backend.agencies.models import CommentStatus, ModerationAction, ReviewStatus
from backend.console.views.common import flash_error, page_of, require
from backend.core.errors import AppError

QUEUES = (
    ("comments", _l("Comments to review")),
    ("held", _l("Held bursts")),
    ("flagged", _l("Flagged reviews")),
)


def _actions_for(review) -> list[tuple[str, str]]:
    """The decisions that apply to the review in its current state (the service re-checks)."""
    labels = dict(ModerationAction.choices)
    actions = []
    if review.comment_status == CommentStatus.PENDING:
        actions.append(ModerationAction.APPROVE_COMMENT)
    if review.comment_status in (CommentStatus.PENDING, CommentStatus.APPROVED):
        actions.append(ModerationAction.REJECT_COMMENT)
    if review.status == ReviewStatus.HELD:
        actions.append(ModerationAction.RELEASE)
    if review.status in (ReviewStatus.ACTIVE, ReviewStatus.HELD):
        if review.flag_count:
            actions.append(ModerationAction.DISMISS_FLAGS)
        actions.append(ModerationAction.REMOVE)
    return [(a.value, labels[a]) for a in actions]


@require_GET
def moderation(request):
    require(policies.can_moderate(request.user))
    queue = request.GET.get("queue", "comments")
    if queue not in dict(QUEUES):
        queue = "comments"
    page = page_of(request, selectors.moderation_queue(user=request.user, queue=queue), 25)
    items = [
        {"review": r, "ratings": presenters.ratings(r), "actions": _actions_for(r)} for r in page
    ]
    return render(
        request,
        "console/moderation.html",
        {"queue": queue, "queues": QUEUES, "page": page, "items": items},
    )


@require_POST
def moderation_decide(request, review_id):
    require(policies.can_moderate(request.user))
    if not policies.reviews_moderatable_by(request.user).filter(pk=review_id).exists():
        raise Http404
    action = request.POST.get("action", "")
    reason = (request.POST.get("reason") or "").strip()[:500]
    queue = request.POST.get("queue", "comments")
    back = f"{reverse('console:moderation')}?queue={queue if queue in dict(QUEUES) else 'comments'}"
    if action not in ModerationAction.values:
        messages.error(request, _("Choose a decision."))
        return redirect(back)
    if not reason:
        messages.error(request, _("Give a reason."))
        return redirect(back)
    try:
        services.review_moderate(
            moderator=request.user, review_id=review_id, action=action, reason=reason
        )
    except AppError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect(back)


@require_GET
def agencies(request):
    q = (request.GET.get("q") or "").strip()[:200]
    country = (request.GET.get("country") or "").strip()[:2]
    page = page_of(request, selectors.agency_list(q=q, country=country), 25)
    query = urlencode({"q": q, "country": country})
    return render(
        request,
        "console/agencies.html",
        {"page": page, "q": q, "country": country, "query": query},
    )
