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
    NOTIFICATION = "notification", _("Notification")
    UNFINISHED_UPLOAD = "unfinished_upload", _("Unfinished upload")


class Basis(models.TextChoices):
    FROM_UPLOAD = "from_upload", _("From upload")
    AFTER_EXPIRY = "after_expiry", _("After the document expires")
    AFTER_CLOSURE = "after_closure", _("After the complaint is closed")
    FROM_CREATION = "from_creation", _("From creation")


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
