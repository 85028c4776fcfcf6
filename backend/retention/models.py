"""The retention schedule as data, legal holds and the record of each purge run.

A ``RetentionRule`` row overrides the settings default (``RETENTION_DEFAULT_RULES``) for the same
category and document kind, so administrators change the schedule in the admin without a deploy.
``PurgeRun`` holds counts per category only: never ids, names or titles.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.core.models import UUIDModel
from backend.vault.models import DocumentKind


class Category(models.TextChoices):
    DOCUMENT = "document", _("Vault document")
    COMPLAINT_CLOSED = "complaint_closed", _("Closed complaint")
    COMPLAINT_DRAFT = "complaint_draft", _("Complaint draft never submitted")
    NOTIFICATION = "notification", _("Notification")
    UNFINISHED_UPLOAD = "unfinished_upload", _("Unfinished upload")
    INACTIVE_ACCOUNT = "inactive_account", _("Inactive account")
    ACCOUNT_ERASURE = "account_erasure", _("Account erased by its owner")
    EXPORT = "export", _("Data export archive")
    AUDIT_EVENT = "audit_event", _("Platform audit log entry")
    MODERATION_RECORD = "moderation_record", _("Review moderation decision")


class Basis(models.TextChoices):
    FROM_UPLOAD = "from_upload", _("From upload")
    AFTER_EXPIRY = "after_expiry", _("After the document expires")
    AFTER_CLOSURE = "after_closure", _("After the complaint is closed")
    FROM_CREATION = "from_creation", _("From creation")
    AFTER_LAST_SIGN_IN = "after_last_sign_in", _("After the last sign-in")
    FROM_REQUEST = "from_request", _("From the request")
    AFTER_LAST_CHANGE = "after_last_change", _("After the last change")


class RetentionRule(UUIDModel):
    category = models.CharField(max_length=32, choices=Category.choices)
    #: Only for documents; blank for the other categories.
    document_kind = models.CharField(
        max_length=32, choices=DocumentKind.choices, blank=True, default=""
    )
    basis = models.CharField(max_length=32, choices=Basis.choices)
    days = models.PositiveIntegerField(help_text=_("Retention period in days."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "document_kind"], name="retention_rule_unique"
            ),
            models.CheckConstraint(
                condition=Q(category="document", document_kind__gt="")
                | (~Q(category="document") & Q(document_kind="")),
                name="retention_rule_kind_only_for_documents",
            ),
        ]
        ordering = ["category", "document_kind"]

    def __str__(self) -> str:
        return f"{self.category}:{self.document_kind or '*'}"


class LegalHold(UUIDModel):
    """Keeps a complaint and its evidence, or (with ``document``) one document, until
    ``ends_at`` or until ended. Holds made by inspectors always name the complaint they rest on.

    The reason is sealed with the worker's key, so shredding the worker key shreds it too.
    """

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="legal_holds"
    )
    document = models.ForeignKey(
        "vault.Document", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="legal_holds",
    )
    sealed_reason = models.BinaryField(null=True, blank=True)
    ends_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False) | Q(complaint__isnull=False),
                name="legal_hold_has_target",
            )
        ]
        indexes = [models.Index(fields=["worker", "-created_at"])]


class PurgeRun(UUIDModel):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    dry_run = models.BooleanField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    #: ``{category: count}``; nothing that identifies a person or a document.
    counts = models.JSONField(default=dict)
    reached_deadline = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]


class AccountErasure(UUIDModel):
    """An account being erased: by its owner (``DELETE /api/v1/me``) or for inactivity.

    At request time the worker key is shredded, sessions are revoked and the user row is
    pseudonymised (no phone, no name, a random username). The retention run then deletes the
    rows and blobs (``completed_at``); what legal holds keep stays, pseudonymised, and is
    re-checked on every run until nothing but anonymous review ratings is left (``settled_at``).
    No personal data here: the user row it points to is the pseudonymised tombstone.
    """

    class Reason(models.TextChoices):
        REQUESTED = "requested", _("Requested by the worker")
        INACTIVE = "inactive", _("Inactive account")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    requested_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(user__isnull=False), name="one_erasure_per_user"
            )
        ]


class DataExport(UUIDModel):
    """A worker's archive of everything held about them (right of access and portability).

    The ZIP is written through the vault's streaming encryption: only ciphertext is stored,
    under a data key wrapped with the worker key (so shredding the worker key shreds it too).
    ``id`` is the key id in the ciphertext header.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be built")
        BUILDING = "building", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    blob_parts = models.JSONField(default=list, blank=True)
    wrapped_data_key = models.BinaryField(null=True, blank=True)
    plaintext_size = models.PositiveBigIntegerField(default=0)
    ciphertext_size = models.PositiveBigIntegerField(default=0)
    segment_size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(status__in=["pending", "building"]),
                name="one_pending_export_per_owner",
            )
        ]


class ComplaintAggregate(models.Model):
    """Anonymous counts of complaints whose personal data was destroyed (folded just before).

    One row per (month of submission, workplace country, dimension, key): no ids, no text,
    nothing that links to a person. Live complaints are counted from their rows; a complaint is
    folded in the same transaction that deletes it, so it is counted exactly once.
    """

    class Dimension(models.TextChoices):
        TOTAL = "total", _("All complaints")
        CATEGORY = "category", _("Category")
        CORRIDOR = "corridor", _("Migration corridor (nationality-workplace)")
        SECTOR = "sector", _("Sector")
        STATE = "state", _("Final state")
        OUTCOME = "outcome", _("Outcome")
        RECOVERED = "recovered", _("Amount recovered (per currency)")
        FEES_CLAIMED = "fees_claimed", _("Recruitment fees claimed (per currency)")
        WITHIN_DEADLINE = "within_deadline", _("Resolved within the deadline")

    month = models.DateField(help_text=_("First day of the month the complaint was submitted."))
    country = models.CharField(max_length=2, blank=True)
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    key = models.CharField(max_length=64, blank=True)
    count = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "country", "dimension", "key"], name="complaint_aggregate_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.country} {self.dimension}:{self.key}"
