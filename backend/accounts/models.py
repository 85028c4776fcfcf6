"""Users, roles, phone verification codes and signed-in devices."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel, UUIDModel


class Role(models.TextChoices):
    WORKER = "worker", _("Worker")
    INSPECTOR = "inspector", _("Labour inspector")
    NGO_CASEWORKER = "ngo_caseworker", _("NGO caseworker")
    MODERATOR = "moderator", _("Moderator")
    AGENCY_REPRESENTATIVE = "agency_representative", _("Agency representative")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.INSPECTOR, Role.NGO_CASEWORKER, Role.MODERATOR, Role.ADMIN})


class Organisation(TimeStampedModel):
    """An NGO (or union) whose caseworkers help workers."""

    name = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=2, blank=True)

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields):
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields):
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who signs in. Workers sign in by phone (username = E.164 number), staff by name.

    Inspectors carry a jurisdiction (country, optional region and sectors); caseworkers an
    organisation.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(max_length=150, unique=True)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.WORKER, db_index=True)
    display_name = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=20, unique=True, null=True, blank=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    preferred_language = models.CharField(
        max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2"))
    region = models.CharField(max_length=100, blank=True)
    sectors = models.JSONField(default=list, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("May sign in to the Django admin."))
    date_joined = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="inspector") | ~Q(country=""),
                name="inspector_has_country",
            ),
            models.CheckConstraint(
                condition=~Q(role="ngo_caseworker") | Q(organisation__isnull=False),
                name="caseworker_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_worker(self) -> bool:
        return self.role == Role.WORKER

    @property
    def phone_verified(self) -> bool:
        return self.phone_verified_at is not None


class PhoneVerification(UUIDModel):
    """A one-time code sent by SMS. Only a keyed hash of the code is stored.

    A newer code supersedes the older ones instead of deleting them: the rows of the last 24
    hours are what the per-number caps count (codes sent, wrong tries summed over all codes).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phone_verifications")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["phone", "created_at"], name="accounts_pv_phone_created"),
        ]


class Device(TimeStampedModel):
    """A signed-in app install. Every refresh token belongs to one; revoking it signs it out."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=120, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
