"""Retention writes: legal holds and the purge engine.

``retention_run`` works in batches, each in its own transaction: a crash loses at most the
batch in flight, which the next run picks up (everything is recomputed from the data, so a run
is idempotent). Candidates are locked with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL),
so two runs at once share the work instead of deleting the same rows twice. Vault rows are
locked before documents, in primary-key order, like every other vault write.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from backend.accounts.models import Role, User
from backend.audit.services import audit_record
from backend.complaints.models import ComplaintEvidence
from backend.complaints.policies import complaints_visible_to
from backend.core import clock
from backend.core.errors import AppError, NotFound
from backend.notifications.models import Notification
from backend.retention import selectors
from backend.retention.models import Category, LegalHold, PurgeRun
from backend.retention.policies import holds_manageable_by
from backend.retention.schedule import effective_rules
from backend.retention.walk import due_documents_purge
from backend.vault import keyring
from backend.vault.crypto import fields
from backend.vault.models import BlobDeletion, ResumableUpload, StagedBlob, Vault
from backend.vault.purging import BLOB_DELETION_GRACE
from backend.vault.resumable import resumable_uploads_purge_expired

logger = logging.getLogger("fairtrail.retention")

MAX_HOLD_DAYS = 10 * 365


def hold_reason_context(hold_id: uuid.UUID) -> bytes:
    return b"legal_hold:" + hold_id.bytes + b":reason"


def legal_hold_create(
    *,
    actor: User,
    complaint_id: uuid.UUID,
    reason: str,
    ends_at: dt.datetime,
    document_id: uuid.UUID | None = None,
) -> LegalHold:
    """An inspector who can see the complaint holds it (with its evidence) or one document of it."""
    if actor.role != Role.INSPECTOR:
        raise NotFound(_("Complaint not found."))
    complaint = complaints_visible_to(actor).filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound(_("Complaint not found."))
    now = clock.now()
    if ends_at <= now or ends_at > now + dt.timedelta(days=MAX_HOLD_DAYS):
        raise AppError(
            _("The end date must be in the future and within ten years."),
            code="validation_error",
            fields={"ends_at": [_("Choose a date in the future, at most ten years away.")]},
        )
    document = None
    if document_id is not None:
        evidence = ComplaintEvidence.objects.filter(
            complaint=complaint, document_id=document_id, document__deleted_at__isnull=True
        ).select_related("document")
        document = next((row.document for row in evidence[:1]), None)
        if document is None:
            raise AppError(
                _("That document is not evidence of this complaint."),
                code="validation_error",
                fields={"document": [_("Not evidence of this complaint.")]},
            )
    keyring.vault_get_or_create(complaint.worker)
    key = worker_key_or_none(complaint.worker)
    with transaction.atomic():
        hold = LegalHold(
            worker=complaint.worker,
            complaint=complaint,
            document=document,
            ends_at=ends_at,
            created_by=actor,
        )
        # Once the worker key is shredded the reason cannot be kept (never in clear).
        if key is not None:
            hold.sealed_reason = fields.seal(key, reason, context=hold_reason_context(hold.id))
        hold.save()
        audit_record(action="retention.hold_created", actor=actor, target=hold)
    return hold


def legal_hold_end(*, actor: User, hold_id: uuid.UUID) -> LegalHold:
    with transaction.atomic():
        hold = holds_manageable_by(actor).select_for_update().filter(pk=hold_id).first()
        if hold is None:
            raise NotFound(_("Legal hold not found."))
        if hold.ended_at is None:
            hold.ended_at = clock.now()
            hold.ended_by = actor
            hold.save(update_fields=["ended_at", "ended_by"])
            audit_record(action="retention.hold_ended", actor=actor, target=hold)
    return hold


def worker_key_or_none(worker) -> bytes | None:
    vault = Vault.objects.filter(owner_id=worker.pk).first()
    if vault is None or vault.key_destroyed_at is not None or not vault.wrapped_key:
        return None
    return keyring.worker_key(vault)


def hold_reason(hold: LegalHold, *, key: bytes | None = None) -> str | None:
    """The reason in clear, or None once the worker key is shredded."""
    if key is None:
        key = worker_key_or_none(hold.worker)
    if key is None or not hold.sealed_reason:
        return None
    return fields.open_sealed(key, hold.sealed_reason, context=hold_reason_context(hold.id))


def retention_run(
    *,
    dry_run: bool,
    batch_size: int = 1000,
    deadline_seconds: float | None = None,
) -> PurgeRun:
    """Apply the schedule once. Dry runs count what would go and change nothing else."""
    if deadline_seconds is None:
        deadline_seconds = settings.RETENTION_DEADLINE_SECONDS
    started = time.monotonic()
    now = clock.now()
    run = PurgeRun.objects.create(dry_run=dry_run, started_at=now)
    counts: dict[str, int] = {}

    def out_of_time() -> bool:
        return time.monotonic() - started > deadline_seconds

    try:
        for rule in effective_rules():
            key = rule.category if not rule.document_kind else f"document:{rule.document_kind}"
            if rule.category == Category.DOCUMENT:
                counts[key] = due_documents_purge(rule, now, dry_run, batch_size, out_of_time)
            elif rule.category == Category.NOTIFICATION:
                counts[key] = _notifications(rule, now, dry_run, batch_size, out_of_time)
            elif rule.category == Category.UNFINISHED_UPLOAD:
                counts[key] = _uploads(rule, now, dry_run, batch_size, out_of_time)
            else:
                counts.update(_issue7_category(rule, now, dry_run, batch_size, out_of_time))
            run.counts = counts
            run.save(update_fields=["counts"])
    except Exception:
        run.status = PurgeRun.Status.FAILED
        run.finished_at = clock.now()
        run.save(update_fields=["status", "finished_at", "counts"])
        raise
    run.status = PurgeRun.Status.FINISHED
    run.finished_at = clock.now()
    run.reached_deadline = out_of_time()
    run.save(update_fields=["status", "finished_at", "reached_deadline", "counts"])
    logger.info("retention run finished", extra={"run": str(run.pk), "dry_run": dry_run})
    return run


def _notifications(rule, now, dry_run, batch_size, out_of_time) -> int:
    due = selectors.notifications_due(rule, now)
    if dry_run:
        return due.count()
    purged = 0
    while not out_of_time():
        with transaction.atomic():
            ids = list(
                due.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            Notification.objects.filter(pk__in=ids).delete()
            purged += len(ids)
    return purged


def _uploads(rule, now, dry_run, batch_size, out_of_time) -> int:
    """The rule's period (at least a day, so an upload in progress is never cut) applies when it
    is shorter than the upload expiry (``VAULT_RESUMABLE_EXPIRY_HOURS``) announced to clients."""
    max_age = dt.timedelta(days=max(rule.days, 1))
    if dry_run:
        period = min(dt.timedelta(hours=settings.VAULT_RESUMABLE_EXPIRY_HOURS), max_age)
        return (
            ResumableUpload.objects.filter(
                Q(expires_at__lte=now) | Q(created_at__lt=now - period)
            ).count()
            + StagedBlob.objects.filter(created_at__lt=now - period).count()
            + sum(
                len(names)
                for names in BlobDeletion.objects.filter(
                    created_at__lt=now - BLOB_DELETION_GRACE
                ).values_list("blob_names", flat=True)
            )
        )
    purged = 0
    while not out_of_time():
        done = resumable_uploads_purge_expired(limit=batch_size, max_age=max_age)
        purged += done
        if done == 0:
            break
    return purged


def _issue7_category(rule, now, dry_run, batch_size, out_of_time) -> dict[str, int]:
    """Accounts, exports, closed complaints, audit and moderation records (their own modules)."""
    from backend.retention import erasure, exports, purges

    opts = {"dry_run": dry_run, "batch_size": batch_size, "out_of_time": out_of_time}
    if rule.category == Category.ACCOUNT_ERASURE:
        return {rule.category: erasure.erasures_run(**opts)}
    if rule.category == Category.INACTIVE_ACCOUNT:
        done = erasure.inactive_accounts_run(rule, now, **opts)
        return {f"{rule.category}:{name}": n for name, n in done.items()}
    if rule.category == Category.EXPORT:
        return {rule.category: exports.exports_purge(now=now, **opts)}
    if rule.category == Category.COMPLAINT_CLOSED:
        return {rule.category: purges.closed_complaints_purge(rule, now, **opts)}
    if rule.category == Category.COMPLAINT_DRAFT:
        return {rule.category: purges.draft_complaints_purge(rule, now, **opts)}
    if rule.category == Category.AUDIT_EVENT:
        return {rule.category: purges.audit_events_purge(rule, now, **opts)}
    if rule.category == Category.MODERATION_RECORD:
        return {rule.category: purges.moderation_records_purge(rule, now, **opts)}
    return {}


def purge_report(*, limit: int = 10) -> list[PurgeRun]:
    return list(PurgeRun.objects.order_by("-started_at")[:limit])
