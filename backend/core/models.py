"""Base models: UUID primary keys (nothing guessable in URLs) and timestamps for app sync."""

import uuid

import uuid6
from django.db import models


class UUIDModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(UUIDModel):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class TimeOrderedUUIDModel(models.Model):
    """UUIDv7 keys (RFC 9562) for append-only logs written in bulk (trail, audit): new rows land
    at the right edge of the primary-key index instead of on a random page of it."""

    id = models.UUIDField(primary_key=True, default=uuid6.uuid7, editable=False)

    class Meta:
        abstract = True
