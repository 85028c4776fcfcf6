"""Master-key rotation for the sealed review comments (``manage.py rotate_master_key``).

Review comments, and the copies kept in ``ReviewRevision``, are sealed under a key derived from
the master key current at sealing time (``backend.agencies.sealing``). Before an old master key
is dropped, every such row must be re-sealed under the current one, or its author can no longer
read their own text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import models, transaction

from backend.agencies import sealing
from backend.agencies.models import Review, ReviewRevision
from backend.audit.services import audit_record
from backend.core.keys import master_key_provider


@dataclass(frozen=True)
class ResealResult:
    resealed: int
    remaining: int


def _stale(model: type[models.Model], current: str) -> models.QuerySet:
    return model.objects.filter(comment_sealed__isnull=False).exclude(comment_key_id=current)


def _reseal_model(
    model: type[Review] | type[ReviewRevision], *, current: str, batch_size: int
) -> int:
    """Re-seal one model's stale rows in locked batches, walking ids upwards once.

    Rows locked by someone else (an edit in progress) are skipped, and rows that cannot be
    opened (their master key is already gone) are left as they are: both stay in the
    ``remaining`` count, and a later run picks them up. Walking the ids once guarantees the
    loop ends even then.
    """
    is_review = model is Review
    fields = ("pk", "comment_sealed") if is_review else ("pk", "comment_sealed", "review_id")
    resealed = 0
    after: uuid.UUID | None = None
    while True:
        with transaction.atomic():
            qs = _stale(model, current)
            if after is not None:
                qs = qs.filter(pk__gt=after)
            batch = list(
                qs.select_for_update(skip_locked=True).order_by("pk").only(*fields)[:batch_size]
            )
            if not batch:
                return resealed
            after = batch[-1].pk
            done = 0
            for row in batch:
                review_id = row.pk if is_review else row.review_id
                try:
                    text = sealing.open_comment(review_id, row.comment_sealed)
                except sealing.CommentUnreadable:
                    continue
                sealed = sealing.seal_comment(review_id, text)
                model.objects.filter(pk=row.pk).update(
                    comment_sealed=sealed, comment_key_id=sealing.key_id_of(sealed)
                )
                done += 1
            if done:
                audit_record(
                    action="agencies.comments_resealed",
                    model=model._meta.label_lower,
                    count=done,
                    key_id=current,
                )
            resealed += done


def review_comments_reseal_with_current_master(*, batch_size: int = 500) -> ResealResult:
    """Re-seal every review comment and revision comment not under the current master key.

    Idempotent and resumable: each batch commits on its own, and rows already under the
    current key are never touched. ``remaining`` counts the rows still under an older key.
    """
    current = master_key_provider().current_key_id()
    resealed = sum(
        _reseal_model(model, current=current, batch_size=batch_size)
        for model in (Review, ReviewRevision)
    )
    remaining = sum(_stale(model, current).count() for model in (Review, ReviewRevision))
    return ResealResult(resealed=resealed, remaining=remaining)
