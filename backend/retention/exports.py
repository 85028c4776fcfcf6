"""The worker's data export: a ZIP of everything held about them, stored only encrypted.

``export_request`` (``POST /api/v1/me/export``) creates a pending export, or returns the one
already pending (one per worker at a time, enforced by a partial unique constraint), and
enqueues ``retention.build_export`` on commit. ``export_build`` claims it with a conditional
update (a duplicate task finds nothing to do; a claim older than the task's time limit belongs
to a dead worker and is taken over), and ``exports_redispatch_stuck`` (every few minutes)
re-enqueues builds whose message was lost. It streams the ZIP through the vault's
``EncryptingBlobWriter`` (plaintext exists only in memory, one segment at a time), wraps the
data key with the worker key and notifies the worker (the text outside the app says only that
there is an update). The download link expires with the ``export`` retention rule; expired
archives are deleted by the retention run.

Layout::

    README.txt  profile.json  documents.json  trail.json  reviews.json  complaints.json
    notifications.json  legal_holds.json  files/<document id>-v<n>.<ext>
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.agencies.models import Review
from backend.agencies.sealing import CommentUnreadable, open_comment
from backend.audit.services import audit_record
from backend.complaints import sealing
from backend.complaints.models import Complaint, ComplaintEvent, ComplaintMessage
from backend.core import clock
from backend.core.errors import AppError, NotFound
from backend.core.tasks import enqueue_on_commit, send_task_now
from backend.notifications.models import Notification
from backend.notifications.services import notify
from backend.retention.models import Category, DataExport
from backend.retention.schedule import rule_for
from backend.vault import keyring
from backend.vault.blobs import PartsReader
from backend.vault.bundles import EXTENSIONS
from backend.vault.crypto.streaming import decrypt_range
from backend.vault.models import Document, StagedBlob, TrailEntry, Vault
from backend.vault.trail import entry_payload
from backend.vault.uploads import EncryptingBlobWriter

logger = logging.getLogger("fairtrail.retention")

DEFAULT_TTL_DAYS = 7


def stale_build() -> dt.timedelta:
    """A build claimed longer ago than this died with its worker (the task's hard time limit
    has passed): a redelivered message may claim it again. Shorter than the broker's visibility
    timeout, so the message Redis hands back after a worker crash always finds it reclaimable.
    """
    return dt.timedelta(
        seconds=settings.RETENTION_EXPORT_TIME_LIMIT
        + settings.RETENTION_EXPORT_RECLAIM_MARGIN_SECONDS
    )


#: A pending export older than this lost its build message; the sweep enqueues it again.
REDISPATCH_GRACE = dt.timedelta(minutes=2)


class ExportExpired(AppError):
    status_code = 410
    default_code = "export_expired"


def export_ttl() -> dt.timedelta:
    rule = rule_for(Category.EXPORT)
    return dt.timedelta(days=rule.days if rule else DEFAULT_TTL_DAYS)


def exports_visible_to(user):
    if not user or not user.is_authenticated:
        return DataExport.objects.none()
    return DataExport.objects.filter(owner=user)


def export_request(*, user: User) -> tuple[DataExport, bool]:
    """A new pending export, or the one already pending. Returns (export, created)."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        pending = (
            DataExport.objects.filter(
                owner=user, status__in=[DataExport.Status.PENDING, DataExport.Status.BUILDING]
            )
            .order_by("-created_at")
            .first()
        )
        if pending is not None:
            return pending, False
        try:
            with transaction.atomic():
                export = DataExport.objects.create(owner=user, created_at=clock.now())
        except IntegrityError:  # requested concurrently
            return DataExport.objects.get(
                owner=user, status__in=[DataExport.Status.PENDING, DataExport.Status.BUILDING]
            ), False
        audit_record(action="retention.export_requested", actor=user, target=export)
        enqueue_on_commit("retention.build_export", kwargs={"export_id": str(export.pk)})
    return export, True


def _claim(export_id) -> DataExport | None:
    now = clock.now()
    claimable = Q(status=DataExport.Status.PENDING) | Q(
        status=DataExport.Status.BUILDING, claimed_at__lt=now - stale_build()
    )
    claimed = DataExport.objects.filter(claimable, pk=export_id).update(
        status=DataExport.Status.BUILDING, claimed_at=now
    )
    return DataExport.objects.select_related("owner").get(pk=export_id) if claimed else None


def exports_redispatch_stuck(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Enqueue the build of every export whose message was lost; returns how many.

    Pending past ``REDISPATCH_GRACE``: the broker was down when it was requested (the enqueue
    is logged and dropped). Building with a stale claim: its worker died and the broker's
    redelivery did not rebuild it. A duplicate is harmless, the build claims first.
    """
    now = now or clock.now()
    stuck = DataExport.objects.filter(
        Q(status=DataExport.Status.PENDING, created_at__lt=now - REDISPATCH_GRACE)
        | Q(status=DataExport.Status.BUILDING, claimed_at__lt=now - stale_build())
    ).order_by("created_at")
    ids = [str(pk) for pk in stuck.values_list("pk", flat=True)[:limit]]
    for export_id in ids:
        send_task_now("retention.build_export", kwargs={"export_id": export_id})
    return len(ids)


def export_build(*, export_id: uuid.UUID | str) -> bool:
    """Build one export. Returns False when there is nothing to do (built, or being built)."""
    export = _claim(export_id)
    if export is None:
        return False
    owner = export.owner
    vault = Vault.objects.filter(owner=owner).first()
    if vault is None:
        vault = keyring.vault_get_or_create(owner)
    writer = EncryptingBlobWriter(version_id=export.pk)
    try:
        with zipfile.ZipFile(_PlainSink(writer), "w", compression=zipfile.ZIP_DEFLATED) as zf:
            _write_archive(zf, owner, vault)
        blob = writer.finish(filename="export.zip", declared_content_type="application/zip")
    except Exception:
        writer.abort()
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED)
        logger.exception("data export failed", extra={"export": str(export.pk)})
        raise
    with transaction.atomic():
        export = DataExport.objects.select_for_update().get(pk=export.pk)
        vault = Vault.objects.get(pk=vault.pk)
        try:
            wrapped = keyring.wrap_data_key(vault, export.pk, blob.data_key)
        except keyring.KeyDestroyed:  # the account was erased while we built: discard
            transaction.on_commit(lambda: _delete_parts(blob.parts))
            export.delete()
            StagedBlob.objects.filter(id__in=blob.staged_ids).delete()
            return False
        now = clock.now()
        export.status = DataExport.Status.READY
        export.ready_at = now
        export.expires_at = now + export_ttl()
        export.blob_parts = blob.parts
        export.wrapped_data_key = wrapped
        export.plaintext_size = blob.plaintext_size
        export.ciphertext_size = blob.ciphertext_size
        export.segment_size = blob.segment_size
        export.sha256 = blob.sha256
        export.save()
        StagedBlob.objects.filter(id__in=blob.staged_ids).delete()
        audit_record(action="retention.export_ready", target=export)
        notify(
            event="retention.export_ready",
            event_key=f"retention.export_ready:{export.pk}",
            recipients=[owner],
            data={"export_id": str(export.pk)},
        )
    return True


def _delete_parts(parts) -> None:
    from backend.vault.blobs import delete_blob

    for part in parts:
        delete_blob(part["name"])


def export_open(*, user: User, export_id: uuid.UUID) -> tuple[DataExport, Iterator[bytes]]:
    """The decrypted archive of the owner's ready export, streamed. Others get a 404."""
    export = exports_visible_to(user).filter(pk=export_id).first()
    if export is None:
        raise NotFound(_("Export not found."))
    if export.status != DataExport.Status.READY:
        raise AppError(_("This export is not ready yet."), code="export_not_ready", status=409)
    if export.expires_at is None or export.expires_at <= clock.now():
        raise ExportExpired(_("This download link has expired. Ask for a new export."))
    vault = Vault.objects.get(owner=user)
    data_key = keyring.unwrap_data_key(vault, export.pk, export.wrapped_data_key)
    reader = PartsReader(export.blob_parts)
    with transaction.atomic():
        audit_record(action="retention.export_downloaded", actor=user, target=export)

    def chunks() -> Iterator[bytes]:
        try:
            yield from decrypt_range(
                reader.read_at,
                data_key,
                export.pk,
                export.ciphertext_size,
                segment_size=export.segment_size,
            )
        finally:
            reader.close()

    return export, chunks()


def exports_purge(*, now: dt.datetime, dry_run: bool, batch_size: int, out_of_time) -> int:
    """Delete expired archives (and builds that never finished) with their blobs."""
    due = DataExport.objects.filter(
        Q(status=DataExport.Status.READY, expires_at__lte=now)
        | Q(status=DataExport.Status.FAILED)
        | Q(
            status__in=[DataExport.Status.PENDING, DataExport.Status.BUILDING],
            created_at__lt=now - dt.timedelta(days=1),
        )
    )
    if dry_run:
        return due.count()
    purged = 0
    while not out_of_time():
        with transaction.atomic():
            rows = list(
                due.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", "blob_parts")[:batch_size]
            )
            if not rows:
                break
            names = [part["name"] for _pk, parts in rows for part in parts or []]
            DataExport.objects.filter(pk__in=[pk for pk, _parts in rows]).delete()
            from backend.vault.blobs import delete_blobs_on_commit

            delete_blobs_on_commit(names)
            purged += len(rows)
    return purged


# --- the archive ------------------------------------------------------------------------------


class _PlainSink:
    """A write-only file object: zipfile writes plaintext, the vault writer stores ciphertext."""

    def __init__(self, writer: EncryptingBlobWriter) -> None:
        self.writer = writer
        self.position = 0

    def write(self, data: bytes) -> int:
        self.writer.write(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass


def _json(zf: zipfile.ZipFile, name: str, data: Any) -> None:
    zf.writestr(name, json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _key(vault: Vault) -> bytes | None:
    try:
        return keyring.worker_key(vault)
    except keyring.KeyDestroyed:
        return None


def _write_archive(zf: zipfile.ZipFile, owner: User, vault: Vault) -> None:
    key = _key(vault)
    zf.writestr(
        "README.txt",
        "Everything Fairtrail holds about you, as of "
        f"{clock.now().isoformat()}. JSON files, plus your documents in files/.\n",
    )
    _json(
        zf,
        "profile.json",
        {
            "id": str(owner.pk),
            "username": owner.username,
            "phone": owner.phone,
            "phone_verified_at": owner.phone_verified_at,
            "display_name": owner.display_name,
            "preferred_language": owner.preferred_language,
            "country": owner.country,
            "region": owner.region,
            "role": owner.role,
            "date_joined": owner.date_joined,
            "devices": [
                {
                    "name": d.name,
                    "created_at": d.created_at,
                    "last_seen_at": d.last_seen_at,
                    "revoked_at": d.revoked_at,
                }
                for d in owner.devices.order_by("created_at")
            ],
        },
    )
    documents = list(
        Document.objects.filter(owner=owner, deleted_at__isnull=True)
        .prefetch_related("versions")
        .order_by("created_at", "pk")
    )
    files: list[tuple[str, Document, Any]] = []
    items = []
    for document in documents:
        meta = (
            keyring.open_meta_with_key(key, document.id, document.sealed_meta)
            if (key and document.sealed_meta)
            else {}
        )
        versions = []
        for version in sorted(document.versions.all(), key=lambda v: v.number):
            name = None
            if version.wrapped_data_key:
                ext = EXTENSIONS.get(version.content_type, "bin")
                name = f"files/{document.id}-v{version.number}.{ext}"
                files.append((name, document, version))
            versions.append(
                {
                    "number": version.number,
                    "file": name,
                    "content_type": version.content_type,
                    "size": version.plaintext_size,
                    "sha256": version.sha256,
                    "uploaded_at": version.created_at,
                    "receipt": version.receipt,
                }
            )
        items.append(
            {
                "id": str(document.id),
                "kind": document.kind,
                "agency_id": document.agency_id,
                "issued_on": document.issued_on,
                "expires_on": document.expires_on,
                "created_at": document.created_at,
                **meta,
                "versions": versions,
            }
        )
    _json(zf, "documents.json", items)
    _json(
        zf,
        "trail.json",
        [
            {**entry_payload(e), "entry_hash": e.entry_hash, "prev_hash": e.prev_hash}
            for e in TrailEntry.objects.filter(vault=vault).order_by("position")
        ],
    )
    reviews = []
    for review in (
        Review.objects.filter(author=owner).select_related("agency").prefetch_related("fees")
    ):
        try:
            comment = open_comment(review.id, review.comment_sealed)
        except CommentUnreadable:
            comment = None
        reviews.append(
            {
                "id": str(review.id),
                "agency": review.agency.name,
                "ratings": review.ratings(),
                "recruitment_year": review.recruitment_year,
                "corridor": [review.corridor_origin, review.corridor_destination],
                "monthly_wage": review.monthly_wage,
                "wage_currency": review.wage_currency,
                "fees": [
                    {"kind": f.kind, "amount": f.amount, "currency": f.currency}
                    for f in review.fees.all()
                ],
                "comment": comment,
                "comment_public_text": review.comment_masked,
                "status": review.status,
                "is_public": review.is_public,
                "created_at": review.created_at,
            }
        )
    _json(zf, "reviews.json", reviews)
    _json(zf, "complaints.json", _complaints(owner, key))
    _json(
        zf,
        "notifications.json",
        [
            {
                "event": n.event,
                "subject_ref": n.subject_ref,
                "data": n.data,
                "created_at": n.created_at,
                "read_at": n.read_at,
            }
            for n in Notification.objects.filter(recipient=owner).order_by("created_at")
        ],
    )
    from backend.retention.selectors import worker_holds
    from backend.retention.services import hold_reason

    _json(
        zf,
        "legal_holds.json",
        [
            {
                "implicit": h["implicit"],
                "document": h["document"],
                "complaint": h["complaint"],
                "ends_at": h["ends_at"],
                "reason": hold_reason(h["hold"], key=key) if h["hold"] and key else None,
            }
            for h in worker_holds(worker=owner, now=clock.now())
        ],
    )
    for name, _document, version in files:
        data_key = keyring.unwrap_data_key(vault, version.id, version.wrapped_data_key)
        reader = PartsReader(version.blob_parts)
        try:
            with zf.open(name, "w", force_zip64=True) as out:
                for piece in decrypt_range(
                    reader.read_at,
                    data_key,
                    version.id,
                    version.ciphertext_size,
                    segment_size=version.segment_size,
                ):
                    out.write(piece)
        finally:
            reader.close()


def _complaints(owner: User, key: bytes | None) -> list[dict[str, Any]]:
    complaints = list(Complaint.objects.filter(worker=owner).order_by("created_at"))
    ids = [c.pk for c in complaints]
    events: dict = {}
    for e in ComplaintEvent.objects.filter(complaint_id__in=ids).order_by("at", "id"):
        events.setdefault(e.complaint_id, []).append(e)
    messages: dict = {}
    # Internal notes belong to the inspectorate's deliberation and are never shown to the
    # worker (docs/complaints.md); everything else in the thread is exported.
    for m in ComplaintMessage.objects.filter(complaint_id__in=ids, internal=False).order_by(
        "created_at"
    ):
        messages.setdefault(m.complaint_id, []).append(m)

    def opened(kind, row_id, column, value):
        return sealing.open_text(key, value, ctx=sealing.context(kind, row_id, column))

    out = []
    for c in complaints:
        out.append(
            {
                "reference": c.reference,
                "state": c.state,
                "employer_name": c.employer_name,
                "agency_id": c.agency_id,
                "workplace_country": c.workplace_country,
                "workplace_region": c.workplace_region,
                "sector": c.sector,
                "categories": c.categories,
                "since": c.since,
                "narrative": opened("complaint", c.id, "sealed_narrative", c.sealed_narrative),
                "desired_outcome": opened(
                    "complaint", c.id, "sealed_desired_outcome", c.sealed_desired_outcome
                ),
                "amount_claimed": c.amount_claimed,
                "claimed_currency": c.claimed_currency,
                "outcome": c.outcome,
                "outcome_note": opened(
                    "complaint", c.id, "sealed_outcome_note", c.sealed_outcome_note
                ),
                "amount_recovered": c.amount_recovered,
                "recovered_currency": c.recovered_currency,
                "submitted_at": c.submitted_at,
                "closed_at": c.closed_at,
                "events": [
                    {
                        "action": e.action,
                        "from_state": e.from_state,
                        "to_state": e.to_state,
                        "actor_role": e.actor_role,
                        "at": e.at,
                        "reason": opened("event", e.id, "reason", e.sealed_reason),
                    }
                    for e in events.get(c.pk, [])
                ],
                "messages": [
                    {
                        "author_role": m.author_role,
                        "mine": m.author_id == owner.pk,
                        "body": opened("message", m.id, "body", m.sealed_body),
                        "attachment_ids": m.attachment_ids,
                        "created_at": m.created_at,
                    }
                    for m in messages.get(c.pk, [])
                ],
            }
        )
    return out
