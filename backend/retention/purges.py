"""Purges of the categories added with issue 7: closed complaints (folded first), drafts, audit log
entries and moderation decisions. Each batch is one transaction; candidates are locked with
``SELECT ... FOR UPDATE SKIP LOCKED`` so two runs share the work.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import DateTimeField, Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce

from backend.agencies.models import ModerationDecision
from backend.audit.models import AuditEvent
from backend.complaints.models import Complaint, State
from backend.retention.folding import complaints_fold_and_delete
from backend.retention.selectors import FINISHED_STATES, active_holds


def closed_complaints_due(rule, now: dt.datetime) -> QuerySet[Complaint]:
    """Finished complaints whose personal-data period since closure has run out, not held.

    Closure is ``closed_at`` (closed, withdrawn), else the last change (rejected, referred).
    """
    cutoff = now - dt.timedelta(days=rule.days)
    return (
        Complaint.objects.filter(state__in=FINISHED_STATES)
        .annotate(ended=Coalesce("closed_at", "updated_at", output_field=DateTimeField()))
        .filter(ended__lt=cutoff)
        .exclude(Exists(active_holds(now).filter(complaint=OuterRef("pk"))))
    )


def draft_complaints_due(rule, now: dt.datetime) -> QuerySet[Complaint]:
    """Drafts not touched for the rule's period: never submitted, nobody else relies on them."""
    return Complaint.objects.filter(
        state=State.DRAFT, updated_at__lt=now - dt.timedelta(days=rule.days)
    ).exclude(Exists(active_holds(now).filter(complaint=OuterRef("pk"))))


def draft_complaints_purge(rule, now, **kwargs) -> int:
    """Deleted unfolded (``complaints_fold_and_delete`` skips drafts: they were never counted).
    Their evidence documents stay in the vault under their own rules."""
    return closed_complaints_purge(rule, now, due=draft_complaints_due(rule, now), **kwargs)


def closed_complaints_purge(
    rule, now, *, dry_run: bool, batch_size: int, out_of_time, due=None
) -> int:
    due = closed_complaints_due(rule, now) if due is None else due
    if dry_run:
        return due.count()
    purged = 0
    while not out_of_time():
        with transaction.atomic():
            ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            locked = list(
                Complaint.objects.filter(pk__in=ids)
                .select_for_update(skip_locked=True)
                .order_by("pk")
            )
            # Re-check under the lock: a concurrent run may have folded some already.
            still_due = set(due.filter(pk__in=[c.pk for c in locked]).values_list("pk", flat=True))
            batch = [c for c in locked if c.pk in still_due]
            if not batch:
                break
            purged += complaints_fold_and_delete(batch)
    return purged


def _aged_rows_purge(qs: QuerySet, *, dry_run: bool, batch_size: int, out_of_time) -> int:
    if dry_run:
        return qs.count()
    purged = 0
    while not out_of_time():
        with transaction.atomic():
            ids = list(
                qs.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            qs.model.objects.filter(pk__in=ids).delete()
            purged += len(ids)
    return purged


def audit_events_purge(rule, now, **kwargs) -> int:
    """The platform audit log holds ids and codes only; it is still cut after the period."""
    return _aged_rows_purge(
        AuditEvent.objects.filter(at__lt=now - dt.timedelta(days=rule.days)), **kwargs
    )


def moderation_records_purge(rule, now, **kwargs) -> int:
    """Moderation decisions (and their free-text reasons) older than the period."""
    return _aged_rows_purge(
        ModerationDecision.objects.filter(created_at__lt=now - dt.timedelta(days=rule.days)),
        **kwargs,
    )
