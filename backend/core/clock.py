"""The one source of the current time, so tests can freeze it (time-machine patches this too)."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
