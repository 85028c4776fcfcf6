from __future__ import annotations

import re

import pytest
from django.utils import timezone

from backend.accounts.models import User

PHONE = "+66812345678"
PASSWORD = "a-long-worker-passphrase"


def code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


@pytest.fixture
def register(api, django_capture_on_commit_callbacks):
    """POST /auth/register with on-commit callbacks (the SMS) executed."""

    def do(phone: str = PHONE, password: str = PASSWORD, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(
                "/api/v1/auth/register", {"phone": phone, "password": password, **extra}
            )

    return do


@pytest.fixture
def registered(register, sms):
    """A freshly registered, unverified worker and the code the SMS carried."""
    response = register()
    assert response.status_code == 202, response.json()
    user = User.objects.get(phone=PHONE)
    return user, code_from(sms[-1])


@pytest.fixture
def later(time_machine):
    """``later(seconds=61)`` moves the clock on (a number gets at most one code a minute)."""
    time_machine.move_to(timezone.now(), tick=True)

    def advance(seconds: float = 61) -> None:
        time_machine.shift(seconds)

    return advance


@pytest.fixture
def verify(api, django_capture_on_commit_callbacks):
    def do(code: str, phone: str = PHONE, password: str = PASSWORD, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(
                "/api/v1/auth/verify-phone",
                {"phone": phone, "code": code, "password": password, **extra},
            )

    return do


@pytest.fixture
def high_rates(settings):
    """Throttle rates out of the way, for tests about other limits (e.g. code attempts)."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(rates, "1000/min"),
    }
