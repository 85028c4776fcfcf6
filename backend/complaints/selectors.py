"""Complaint reads: visible querysets with their joins applied, the inspection queue, and
decrypted presentations of one complaint or thread."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from backend.complaints import policies, rules, sealing
from backend.complaints.models import (
    OPEN_STATES,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintEvidence,
    ComplaintMessage,
    ComplaintReadMarker,
    State,
)
from backend.complaints.transitions import actions_available
from backend.core import clock


def complaint_list(*, user) -> QuerySet[Complaint]:
    """Summaries need no join (the agency is output as its id)."""
    return policies.complaints_visible_to(user)


def complaint_get(*, user, complaint_id: uuid.UUID) -> Complaint | None:
    return (
        policies.complaints_visible_to(user)
        .select_related("agency", "worker", "assigned_inspector")
        .filter(pk=complaint_id)
        .first()
    )


def complaint_by_reference(*, user, reference: str) -> Complaint | None:
    normalised = rules.reference_normalise(reference)
    if normalised is None:
        return None
    return complaint_list(user=user).filter(reference=normalised).first()


@dataclass(frozen=True)
class QueueFilters:
    view: str | None = None  # unassigned | mine | awaiting_worker | due_soon | overdue
    category: str | None = None
    priority: str | None = None
    sector: str | None = None
    state: str | None = None
    reference: str | None = None


def inspection_queue(*, user, filters: QueueFilters) -> QuerySet[Complaint]:
    """Complaints of the inspector's jurisdiction, most urgent first, then by deadline."""
    now = clock.now()
    qs = complaint_list(user=user)
    qs = qs.filter(state=filters.state) if filters.state else qs.filter(state__in=OPEN_STATES)
    view = filters.view
    if view == "unassigned":
        qs = qs.filter(assigned_inspector__isnull=True, state__in=[State.SUBMITTED, State.ACCEPTED])
    elif view == "mine":
        qs = qs.filter(assigned_inspector=user)
    elif view == "awaiting_worker":
        qs = qs.filter(state=State.AWAITING_WORKER)
    elif view == "due_soon":
        qs = qs.filter(due_at__gte=now, due_at__lt=now + rules.due_soon_window())
    elif view == "overdue":
        qs = qs.filter(due_at__lt=now)
    if filters.category:
        qs = qs.filter(
            Exists(
                ComplaintCategory.objects.filter(
                    complaint=OuterRef("pk"), category=filters.category
                )
            )
        )
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.sector:
        qs = qs.filter(sector=filters.sector)
    if filters.reference is not None:
        normalised = rules.reference_normalise(filters.reference)
        qs = qs.filter(reference=normalised) if normalised else qs.none()
    return qs


def due_status(complaint: Complaint, now: dt.datetime | None = None) -> str | None:
    """``overdue``, ``due_soon``, ``on_time`` or None when no deadline runs."""
    if complaint.due_at is None or complaint.state not in OPEN_STATES:
        return None
    now = now or clock.now()
    if complaint.due_at < now:
        return "overdue"
    if complaint.due_at < now + rules.due_soon_window():
        return "due_soon"
    return "on_time"


def complaint_present(complaint: Complaint, *, user, rels: frozenset[str]) -> dict[str, Any]:
    """One complaint with its decrypted text, events and evidence ids, for ``user``."""
    key = sealing.key_for(complaint.worker)

    def opened(column: str) -> str | None:
        return sealing.open_text(
            key,
            getattr(complaint, column),
            ctx=sealing.context("complaint", complaint.id, column),
        )

    events = list(ComplaintEvent.objects.filter(complaint=complaint).order_by("at", "id"))
    evidence = list(
        ComplaintEvidence.objects.filter(
            complaint=complaint, document__deleted_at__isnull=True
        ).values_list("document_id", flat=True)
    )
    worker_side = bool(rels & {policies.WORKER, policies.CASEWORKER})
    return {
        "complaint": complaint,
        "narrative": opened("sealed_narrative"),
        "desired_outcome": opened("sealed_desired_outcome"),
        "outcome_note": opened("sealed_outcome_note"),
        "consent_note": opened("sealed_consent_note") if worker_side else None,
        "due_status": due_status(complaint),
        "evidence_document_ids": evidence,
        "actions": actions_available(complaint.state, rels),
        "relations": sorted(rels),
        "events": [
            {
                "id": e.id,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor_role": e.actor_role,
                "at": e.at,
                "reason": sealing.open_text(
                    key, e.sealed_reason, ctx=sealing.context("event", e.id, "reason")
                ),
            }
            for e in events
        ],
    }


def thread(*, complaint: Complaint, rels: frozenset[str]) -> QuerySet[ComplaintMessage]:
    qs = ComplaintMessage.objects.filter(complaint=complaint)
    if not policies.can_see_internal_notes(rels):
        qs = qs.filter(internal=False)
    return qs


def messages_present(
    messages: list[ComplaintMessage], *, complaint: Complaint, user
) -> list[dict[str, Any]]:
    """Decrypt a page of messages with one key unwrap; ``read_by`` lists the roles of the other
    participants whose read marker has passed each message."""
    key = sealing.key_for(complaint.worker) if messages else None
    markers = (
        list(
            ComplaintReadMarker.objects.filter(complaint=complaint)
            .exclude(user=user)
            .select_related("user")
            .only("last_read_at", "user__role")
        )
        if messages
        else []
    )
    out = []
    for m in messages:
        out.append(
            {
                "id": m.id,
                "author_role": m.author_role,
                "is_mine": m.author_id == user.pk,
                "internal": m.internal,
                "body": sealing.open_text(
                    key, m.sealed_body, ctx=sealing.context("message", m.id, "body")
                ),
                "attachment_ids": m.attachment_ids,
                "created_at": m.created_at,
                "read_by": sorted(
                    {mk.user.role for mk in markers if mk.last_read_at >= m.created_at}
                ),
            }
        )
    return out


def statistics_scope(user) -> Q:
    """Supervisors see their own country; administrators everything."""
    if user.role == "inspector":
        return Q(workplace_country=user.country)
    return Q()
