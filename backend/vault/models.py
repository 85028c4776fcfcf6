"""The encrypted document vault: per-worker keys, documents, versions, grants, the trail.

Key hierarchy (docs/encryption.md): each ``DocumentVersion`` has its own data key, wrapped by
the owner's worker key (``Vault.wrapped_key``), itself wrapped by the master key. Destroying a
version's wrapped data key shreds that file; destroying the vault's wrapped key shreds them all.
Only what the server must filter on (kind, dates) is in clear; titles, notes, issuer and the
structured amounts live in ``Document.sealed_meta``, encrypted with the worker key.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeOrderedUUIDModel, TimeStampedModel, UUIDModel


def new_actor_salt() -> bytes:
    return secrets.token_bytes(16)


class DocumentKind(models.TextChoices):
    EMPLOYMENT_CONTRACT = "employment_contract", _("Employment contract")
    PAYSLIP = "payslip", _("Pay slip")
    MEDICAL_CERTIFICATE = "medical_certificate", _("Medical certificate")
    RECRUITMENT_FEE_RECEIPT = "recruitment_fee_receipt", _("Recruitment fee receipt")
    IDENTITY_DOCUMENT = "identity_document", _("Identity document")
    VISA_OR_WORK_PERMIT = "visa_or_work_permit", _("Visa or work permit")
    SKILLS_CERTIFICATE = "skills_certificate", _("Skills certificate")
    OTHER = "other", _("Other")


class Vault(UUIDModel):
    """One per worker: the wrapped worker key, the receipt pseudonym and the trail head.

    The row doubles as the lock that serialises appends to the worker's trail.
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vault"
    )
    pseudonym = models.CharField(max_length=32, unique=True)
    #: Key of the trail's actor pseudonyms (HMAC of user ids), so a trail excerpt handed to a
    #: court names nobody: see ``backend.vault.trail.actor_ref``.
    actor_salt = models.BinaryField(default=new_actor_salt)
    master_key_id = models.CharField(max_length=64, blank=True)
    wrapped_key = models.BinaryField(null=True, blank=True)
    key_destroyed_at = models.DateTimeField(null=True, blank=True)
    trail_length = models.PositiveBigIntegerField(default=0)
    trail_head = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)


class Document(TimeStampedModel):
    # Single-column indexes that the composite ones below cover are left out: the retention
    # purge's tombstone UPDATE cannot be HOT (``deleted_at`` is in the partial indexes'
    # predicate), so every index is one more B-tree insert per purged document. ``owner`` is
    # covered by ``(owner, created_at)``; ``kind``, ``expires_on`` and ``created_at`` by the
    # live ``(kind, date, id)`` ones (reminders, retention); ``updated_at`` (sync) is always
    # filtered with the owner or a grant. The agency indexes are
    # partial: most documents name no agency, and a NULL entry is an insert like any other.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="documents",
        db_index=False,
    )
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    sealed_meta = models.BinaryField(null=True, blank=True)
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version_count = models.PositiveIntegerField(default=0)
    #: Kind and agency as first uploaded; later edits do not change them. The reviews'
    #: verified badge relies on these, so relabelling a photo cannot earn a badge.
    kind_at_upload = models.CharField(max_length=32, blank=True)
    agency_at_upload = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # By owner: lists, sync (``updated_since``, ordered by ``updated_at``: a worker has
            # tens to hundreds of documents, sorted in memory) and the verified badge. No index
            # on ``updated_at``: every tombstone would cost one more insert.
            models.Index(fields=["owner", "-created_at"]),
            # The retention purge walks live documents of one kind in (basis date, id) order
            # with a keyset cursor; tombstones drop out of these, so a million of them behind
            # the cursor cost nothing.
            models.Index(
                fields=["kind", "created_at", "id"],
                condition=Q(deleted_at__isnull=True),
                name="document_live_kind_created",
            ),
            models.Index(
                fields=["kind", "expires_on", "id"],
                condition=Q(deleted_at__isnull=True),
                name="document_live_kind_expires",
            ),
            models.Index(
                fields=["agency"],
                condition=Q(agency__isnull=False),
                name="document_agency",
            ),
            models.Index(
                fields=["agency_at_upload"],
                condition=Q(agency_at_upload__isnull=False),
                name="document_agency_at_upload",
            ),
        ]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class DocumentVersion(UUIDModel):
    """One stored file. ``id`` is the key id written in the ciphertext header."""

    #: No index of its own: ``version_number_unique`` (document, number) covers it.
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField()
    #: Ordered ``[{"name": ..., "size": ...}]``: the ciphertext is their concatenation (a tus
    #: upload keeps the parts it arrived in rather than copying them into one object).
    blob_parts = models.JSONField(default=list)
    content_type = models.CharField(max_length=100)
    plaintext_size = models.PositiveBigIntegerField()
    ciphertext_size = models.PositiveBigIntegerField()
    segment_size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    wrapped_data_key = models.BinaryField(null=True, blank=True)
    key_destroyed_at = models.DateTimeField(null=True, blank=True)
    receipt = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_number_unique")
        ]


class TrailEvent(models.TextChoices):
    UPLOAD = "upload", _("Uploaded")
    NEW_VERSION = "new_version", _("New version")
    METADATA_UPDATE = "metadata_update", _("Details changed")
    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded")
    SHARE = "share", _("Shared")
    REVOKE = "revoke", _("Sharing revoked")
    DELETE = "delete", _("Deleted")
    BUNDLE = "bundle", _("Evidence bundle exported")
    INTEGRITY_FAILURE = "integrity_failure", _("Integrity check failed")


class TrailEntry(TimeOrderedUUIDModel):
    """One link of a worker's hash chain. Never updated; erased only with the whole vault.

    ``document_id``/``version_id`` are plain UUIDs, not foreign keys, so the trail outlives a
    crypto-shredded document and still proves that it existed.
    """

    #: Indexed by ``trail_position_unique`` (vault, position); ``actor`` only where it is set
    #: (system entries, such as every retention ``delete``, have none).
    vault = models.ForeignKey(Vault, on_delete=models.CASCADE, related_name="trail", db_index=False)
    position = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    event = models.CharField(max_length=32, choices=TrailEvent.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_role = models.CharField(max_length=32)
    #: The actor's id as text, hashed into the chain (the FK may later be nulled by erasure).
    actor_ref = models.CharField(max_length=64, blank=True)
    document_id = models.UUIDField(null=True, blank=True, db_index=True)
    version_id = models.UUIDField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vault", "position"], name="trail_position_unique")
        ]
        indexes = [
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="trail_actor")
        ]
        ordering = ["vault", "position"]


class Grant(TimeStampedModel):
    """Time-limited read access for a named caseworker or inspector to chosen documents."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants_given"
    )
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants_received"
    )
    documents = models.ManyToManyField(Document, related_name="grants")
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["grantee", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(owner=models.F("grantee")), name="grant_not_self")
        ]


class StagedBlob(UUIDModel):
    """A ciphertext blob written before its document row exists (an upload in progress).

    Rows are written outside the request transaction, so a crash mid-upload leaves a record that
    the purge task uses to delete the orphan blob. (Its data key was only ever in memory, so the
    orphan is unreadable anyway.)
    """

    blob_name = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class BlobDeletion(UUIDModel):
    """The blobs of one purge batch, written in the batch's transaction and deleted after it
    commits; the row goes once the files are gone.

    One row per batch rather than a ``StagedBlob`` per blob: at a million documents two row
    writes per blob were a tenth of the purge. If the process dies between the commit and the
    deletes (or the storage fails), the row stays and ``vault.purge_expired_uploads`` deletes
    the blobs later (deleting a blob twice is harmless).
    """

    blob_names = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class ResumableUpload(UUIDModel):
    """A tus 1.0 upload. Ciphertext arrives in parts; offsets only advance on whole segments.

    The data key is wrapped with the worker key while the upload is open, so an upload resumes
    after a restart; ``header`` holds the stream header (salt, nonce prefix) chosen at creation.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resumable_uploads"
    )
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    declared_content_type = models.CharField(max_length=100, blank=True)
    declared_extension = models.CharField(max_length=16, blank=True)
    version_id = models.UUIDField(unique=True)
    wrapped_data_key = models.BinaryField()
    header = models.BinaryField()
    segment_size = models.PositiveIntegerField()
    parts = models.JSONField(default=list)
    #: Bytes received after the last whole segment, sealed with the data key (never plaintext),
    #: so a client may resume at any byte it was told was stored.
    sealed_tail = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    #: Whoever holds the lease may append (one PATCH at a time, without a long transaction).
    lease_token = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
