"""Reads: what is due for purging, and which holds protect a worker's data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from backend.complaints.models import ComplaintEvidence, State
from backend.notifications.models import Notification
from backend.retention.models import Basis, LegalHold
from backend.retention.schedule import Rule
from backend.vault.models import Document

#: A complaint in one of these states no longer holds its evidence implicitly.
FINISHED_STATES = (State.CLOSED, State.WITHDRAWN, State.REJECTED, State.REFERRED)


def active_holds(now: dt.datetime) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(ended_at__isnull=True, ends_at__gt=now)


def document_holds(now: dt.datetime) -> tuple[Exists, Exists, Exists]:
    """The three ways a document is held: explicitly, through a hold on a complaint it is
    evidence of, or implicitly as evidence of a complaint that is not finished."""
    holds = active_holds(now)
    evidence = ComplaintEvidence.objects.filter(document=OuterRef("pk"))
    return (
        Exists(holds.filter(document=OuterRef("pk"))),
        Exists(holds.filter(document__isnull=True, complaint__evidence__document=OuterRef("pk"))),
        Exists(evidence.exclude(complaint__state__in=FINISHED_STATES)),
    )


def document_held_q(now: dt.datetime) -> Q:
    explicit, through_complaint, as_evidence = document_holds(now)
    return Q(explicit) | Q(through_complaint) | Q(as_evidence)


def documents_due(rule: Rule, now: dt.datetime) -> QuerySet[Document]:
    """Live documents of ``rule``'s kind whose period has run out and that nobody holds.

    Each hold is its own ``NOT EXISTS`` (not ``NOT (a OR b OR c)``), so PostgreSQL plans them
    as anti-joins against the few holds instead of three subqueries per document."""
    cutoff = now - dt.timedelta(days=rule.days)
    qs = Document.objects.filter(kind=rule.document_kind, deleted_at__isnull=True)
    if rule.basis == Basis.AFTER_EXPIRY:
        qs = qs.filter(expires_on__lt=cutoff.date())
    else:
        qs = qs.filter(created_at__lt=cutoff)
    for held in document_holds(now):
        qs = qs.exclude(held)
    return qs


def notifications_due(rule: Rule, now: dt.datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(created_at__lt=now - dt.timedelta(days=rule.days))


def complaint_holds(*, complaint, now: dt.datetime) -> list[LegalHold]:
    """Explicit holds in force on a complaint (or its evidence), newest first; one query."""
    return list(
        active_holds(now)
        .filter(complaint=complaint)
        .select_related("complaint", "worker")
        .order_by("-created_at")
    )


def worker_holds(*, worker, now: dt.datetime) -> list[dict[str, Any]]:
    """Explicit holds on the worker's data and implicit ones (evidence of open complaints).

    Two queries whatever the number of holds.
    """
    explicit = (
        active_holds(now).filter(worker=worker).select_related("complaint").order_by("-created_at")
    )
    out: list[dict[str, Any]] = [
        {
            "id": hold.id,
            "implicit": False,
            "document": hold.document_id,
            "complaint": hold.complaint.reference if hold.complaint_id else None,
            "ends_at": hold.ends_at,
            "created_at": hold.created_at,
            "hold": hold,
        }
        for hold in explicit
    ]
    evidence = (
        ComplaintEvidence.objects.filter(document__owner=worker, document__deleted_at__isnull=True)
        .exclude(complaint__state__in=FINISHED_STATES)
        .values("document_id", "complaint__reference")
        .order_by("complaint__reference", "document_id")
    )
    out.extend(
        {
            "id": None,
            "implicit": True,
            "document": row["document_id"],
            "complaint": row["complaint__reference"],
            "ends_at": None,
            "created_at": None,
            "hold": None,
        }
        for row in evidence
    )
    return out
