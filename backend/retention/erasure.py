"""Account erasure: at once for the content, within a day for the rest.

``account_erase`` (``DELETE /api/v1/me``, or an inactive account) works in the request's
transaction and makes the account useless and unreadable immediately:

- the worker key is destroyed (``vault_shred``): documents, complaint texts, hold reasons and
  export archives become ciphertext nobody can open, in storage, replicas and backups alike;
- every device is revoked and every refresh token blacklisted, push tokens and notification
  preferences (an e-mail address) are deleted, pending exports and notifications too;
- review comments (sealed with the master key, not the worker key) are cleared;
- the user row is pseudonymised: no phone, no name, a random username, an unusable password.

``account_erasure_complete`` (the retention run, or the task enqueued on commit) then deletes
the rows and blobs. Complaints folded into ``ComplaintAggregate`` first. What a legal hold keeps
(an unfinished complaint, one an inspector holds, and its evidence) stays pseudonymised until
the hold ends: the next runs re-check it. Public reviews stay as anonymous ratings, counted by the
agency aggregates; nothing links them to anyone once the row they point to is a tombstone.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Exists, F, Max, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from backend.accounts.models import Device, PhoneVerification, Role, User
from backend.agencies.models import CommentStatus, Review, ReviewFlag, ReviewRevision, ReviewStatus
from backend.audit.services import audit_record
from backend.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintEvidence,
    ComplaintMessage,
    ComplaintReadMarker,
    State,
)
from backend.core import clock
from backend.core.errors import AppError, PermissionDenied
from backend.core.tasks import enqueue_on_commit
from backend.notifications.models import Notification, NotificationPreference, PushToken
from backend.notifications.services import notify
from backend.retention.folding import complaints_fold_and_delete
from backend.retention.models import AccountErasure, DataExport, LegalHold
from backend.retention.selectors import FINISHED_STATES, active_holds, document_held_q
from backend.vault.blobs import delete_blobs_on_commit
from backend.vault.models import (
    Document,
    DocumentVersion,
    Grant,
    ResumableUpload,
    TrailEntry,
    Vault,
)
from backend.vault.services import vault_shred

logger = logging.getLogger("fairtrail.retention")

WARNING_EVENT = "retention.warning"


# --- the request ------------------------------------------------------------------------------


def account_erase_request(*, user: User, password: str) -> AccountErasure:
    """The signed-in worker erases their own account, confirming with their password.

    A wrong password is a 400 and changes nothing. Staff accounts are closed by an
    administrator (they hold cases other people depend on).
    """
    if user.role != Role.WORKER:
        raise PermissionDenied(
            _("Staff accounts are closed by an administrator."), code="staff_account"
        )
    if not password or not user.check_password(password):
        raise AppError(
            _("The password is wrong. Nothing was deleted."),
            code="validation_error",
            fields={"password": [_("Wrong password.")]},
        )
    return account_erase(user=user, reason=AccountErasure.Reason.REQUESTED)


def _blob_names(parts_lists) -> list[str]:
    return [part["name"] for parts in parts_lists for part in parts or []]


def account_erase(*, user: User, reason: str) -> AccountErasure:
    """Shred, revoke and pseudonymise now; enqueue the completion. Idempotent per account."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        existing = AccountErasure.objects.filter(user=user).first()
        if existing is not None:
            return existing
        now = clock.now()
        vault_shred(owner=user, actor=None)
        Device.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=now, updated_at=now
        )
        spent = set(
            BlacklistedToken.objects.filter(token__user=user).values_list("token_id", flat=True)
        )
        BlacklistedToken.objects.bulk_create(
            BlacklistedToken(token_id=pk)
            for pk in OutstandingToken.objects.filter(user=user).values_list("pk", flat=True)
            if pk not in spent
        )
        PushToken.objects.filter(user=user).delete()
        NotificationPreference.objects.filter(user=user).delete()
        Notification.objects.filter(recipient=user).delete()
        PhoneVerification.objects.filter(user=user).delete()
        exports = DataExport.objects.filter(owner=user)
        delete_blobs_on_commit(_blob_names(exports.values_list("blob_parts", flat=True)))
        exports.delete()
        Review.objects.filter(author=user).update(
            comment_sealed=None,
            comment_key_id="",
            comment_masked="",
            comment_status=CommentStatus.NONE,
            comment_language="",
            updated_at=now,
        )
        ReviewRevision.objects.filter(review__author=user).update(
            comment_sealed=None, comment_key_id=""
        )
        user.username = f"erased-{secrets.token_hex(12)}"
        user.phone = None
        user.phone_verified_at = None
        user.display_name = ""
        user.country = ""
        user.preferred_language = settings.LANGUAGE_CODE
        user.region = ""
        user.sectors = []
        user.is_active = False
        user.last_login = None
        user.set_unusable_password()
        user.save()
        User.objects.filter(pk=user.pk).update(
            date_joined=now.replace(hour=0, minute=0, second=0, microsecond=0)
        )
        erasure = AccountErasure.objects.create(user=user, reason=reason, requested_at=now)
        audit_record(action="retention.erasure_requested", target=erasure, reason=reason)
        enqueue_on_commit("retention.complete_erasure", kwargs={"erasure_id": str(erasure.pk)})
    logger.info("account erasure requested", extra={"erasure": str(erasure.pk)})
    return erasure


# --- the completion ---------------------------------------------------------------------------


def complaint_held_q(now: dt.datetime) -> Q:
    """A complaint that must be kept: not finished (its inspection runs) or explicitly held."""
    return (~Q(state__in=FINISHED_STATES) & ~Q(state=State.DRAFT)) | Q(
        Exists(active_holds(now).filter(complaint=OuterRef("pk")))
    )


def account_erasure_complete(*, erasure_id: uuid.UUID | str) -> dict[str, int] | None:
    """Delete what the erased account left behind, in one transaction. Idempotent.

    Returns counts (no ids), or None when another run holds the erasure or it is settled.
    Locks the erasure (SKIP LOCKED: a concurrent run passes on), then the user, then the vault.
    """
    with transaction.atomic():
        erasure = (
            AccountErasure.objects.select_for_update(skip_locked=True)
            .filter(pk=erasure_id, settled_at__isnull=True, user__isnull=False)
            .first()
        )
        if erasure is None:
            return None
        user = User.objects.select_for_update().get(pk=erasure.user_id)
        now = clock.now()
        list(Vault.objects.select_for_update().filter(owner=user).values_list("pk", flat=True))
        counts: dict[str, int] = {}

        complaints = list(
            Complaint.objects.select_for_update()
            .filter(worker=user)
            .exclude(complaint_held_q(now))
            .order_by("pk")
        )
        counts["complaints"] = complaints_fold_and_delete(complaints)

        documents = Document.objects.filter(owner=user)
        held = set(documents.filter(document_held_q(now)).values_list("pk", flat=True))
        versions = DocumentVersion.objects.filter(document__owner=user)
        delete_blobs_on_commit(_blob_names(versions.values_list("blob_parts", flat=True)))
        versions.filter(document_id__in=held).update(
            blob_parts=[], wrapped_data_key=None, key_destroyed_at=now, receipt={}
        )
        documents.filter(pk__in=held).update(
            sealed_meta=None, deleted_at=Coalesce(F("deleted_at"), now), updated_at=now
        )
        counts["documents"] = documents.exclude(pk__in=held).count()
        documents.exclude(pk__in=held).delete()

        uploads = ResumableUpload.objects.filter(owner=user)
        delete_blobs_on_commit(_blob_names(uploads.values_list("parts", flat=True)))
        uploads.delete()
        exports = DataExport.objects.filter(owner=user)
        delete_blobs_on_commit(_blob_names(exports.values_list("blob_parts", flat=True)))
        exports.delete()
        Grant.objects.filter(Q(owner=user) | Q(grantee=user)).delete()
        Notification.objects.filter(recipient=user).delete()
        PushToken.objects.filter(user=user).delete()
        NotificationPreference.objects.filter(user=user).delete()
        PhoneVerification.objects.filter(user=user).delete()
        Device.objects.filter(user=user).delete()
        OutstandingToken.objects.filter(user=user).delete()
        TrailEntry.objects.filter(vault__owner=user).delete()

        # Reviews: public (or due to become public) ratings stay, anonymous; the rest goes.
        Review.objects.filter(author=user, status=ReviewStatus.REMOVED).delete()
        ReviewRevision.objects.filter(review__author=user).delete()
        ReviewFlag.objects.filter(flagged_by=user).update(flagged_by=None)

        # What holds keep: the texts are already unreadable; detach the worker from them.
        ComplaintMessage.objects.filter(author=user).update(author=None)
        ComplaintEvent.objects.filter(actor=user).update(actor=None)
        ComplaintEvidence.objects.filter(added_by=user).update(added_by=None)
        ComplaintReadMarker.objects.filter(user=user).delete()
        LegalHold.objects.filter(worker=user).update(sealed_reason=None)

        kept = (
            Complaint.objects.filter(Q(worker=user) | Q(filed_by=user)).exists()
            or Document.objects.filter(owner=user).exists()
        )
        counts["held_complaints"] = Complaint.objects.filter(worker=user).count()
        if not kept:
            erasure.settled_at = now
            if not Review.objects.filter(author=user).exists():
                LegalHold.objects.filter(worker=user).delete()
                Vault.objects.filter(owner=user).delete()
                user.delete()
                erasure.user = None
        # One event when the erasure completes and one when it settles, not one per re-check:
        # a held erasure is re-checked by every run (two overlapping runs included), and a
        # pass that only finds the holds still in place changes nothing worth recording.
        changed = (
            erasure.completed_at is None
            or erasure.settled_at is not None
            or any(value for key, value in counts.items() if key != "held_complaints")
        )
        erasure.completed_at = erasure.completed_at or now
        erasure.save(update_fields=["completed_at", "settled_at", "user"])
        if changed:
            audit_record(action="retention.account_erased", target=erasure, **counts)
    return counts


def erasures_due() -> list[uuid.UUID]:
    return list(
        AccountErasure.objects.filter(settled_at__isnull=True, user__isnull=False)
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)
    )


def erasures_run(*, dry_run: bool, batch_size: int, out_of_time) -> int:
    """Complete pending erasures and re-check those that holds kept. One transaction each."""
    if dry_run:
        return AccountErasure.objects.filter(settled_at__isnull=True, user__isnull=False).count()
    done = 0
    for erasure_id in erasures_due()[:batch_size]:
        if out_of_time():
            break
        if account_erasure_complete(erasure_id=erasure_id) is not None:
            done += 1
    return done


# --- inactive accounts ------------------------------------------------------------------------


def _last_active():
    return Greatest(
        Coalesce(Max("devices__last_seen_at"), F("date_joined")),
        Coalesce(F("last_login"), F("date_joined")),
        output_field=DateTimeField(),
    )


def inactive_workers(*, idle_since: dt.datetime):
    """Active workers whose last sign-in (or token refresh, or sign-up) is before ``idle_since``."""
    return (
        User.objects.filter(role=Role.WORKER, is_active=True)
        .annotate(last_active=_last_active())
        .filter(last_active__lt=idle_since)
        .order_by("pk")
    )


def warning_key(user_id, last_active: dt.datetime, days_left: int) -> str:
    """One warning per account, period of inactivity and lead time (signing in starts anew)."""
    return f"retention.inactive:{user_id}:{last_active:%Y%m%dT%H%M%S}:{days_left}"


def inactive_accounts_run(
    rule, now: dt.datetime, *, dry_run: bool, batch_size: int, out_of_time
) -> dict[str, int]:
    """Warn at each lead time (once each), then erase accounts warned long enough ago.

    An account is erased only after its last warning (the shortest lead time) has been out for
    that many days, so a run that was late never erases anyone without notice.
    """
    period = dt.timedelta(days=rule.days)
    leads = sorted(set(settings.RETENTION_INACTIVE_WARNING_DAYS), reverse=True)
    counts = {"warned": 0, "erased": 0}
    for lead in leads:
        users = inactive_workers(idle_since=now - period + dt.timedelta(days=lead))
        if dry_run:
            continue
        for user in users.iterator(chunk_size=batch_size):
            if out_of_time():
                return counts
            with transaction.atomic():
                created = notify(
                    event=WARNING_EVENT,
                    event_key=warning_key(user.pk, user.last_active, lead),
                    recipients=[user],
                    data={"reason": "inactive_account", "days_left": lead},
                )
            counts["warned"] += len(created)
    last = min(leads) if leads else 0
    due = inactive_workers(idle_since=now - period)
    erased = 0
    for user in list(due[:batch_size]):
        if out_of_time():
            break
        if last:
            warned = Notification.objects.filter(
                recipient=user,
                event_key=warning_key(user.pk, user.last_active, last),
                created_at__lte=now - dt.timedelta(days=last),
            ).exists()
            if not warned:
                continue
        if dry_run:
            erased += 1
            continue
        erasure = account_erase(user=user, reason=AccountErasure.Reason.INACTIVE)
        account_erasure_complete(erasure_id=erasure.pk)
        erased += 1
    counts["erased"] = erased
    return counts
