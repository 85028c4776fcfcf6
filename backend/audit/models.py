"""The platform audit log: who changed what, when. Written in the same transaction as the change.

Holds identifiers and codes only — never phone numbers, names, document titles or free text —
so it can be kept longer than the personal data it refers to.
"""

from django.conf import settings
from django.db import models

from backend.core.models import TimeOrderedUUIDModel


class AuditEvent(TimeOrderedUUIDModel):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["target_type", "target_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
