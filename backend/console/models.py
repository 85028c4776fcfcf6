"""Console sign-in state per staff user: the session generation (sign out everywhere) and the
failed-attempt counter behind the lock-out. TOTP and recovery codes are django-otp devices."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ConsoleAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="console_account",
    )
    #: Copied into each console session at sign-in; "sign out everywhere" increments it, so
    #: every session holding an older value is refused by the console middleware.
    session_generation = models.PositiveIntegerField(default=1)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"console account of {self.user_id}"
