"""Console test helpers: enrol a TOTP device, compute its codes, sign in through the real
password + TOTP flow with Django's test client."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import DEFAULT_PASSWORD


def enrol_device(user) -> TOTPDevice:
    """A confirmed TOTP device, as if the user had scanned the QR code already."""
    return TOTPDevice.objects.create(user=user, name="console", confirmed=True)


def totp_code(device: TOTPDevice, step_offset: int = 0) -> str:
    """The code an authenticator app shows now (``step_offset`` 30-second steps ahead; the
    device accepts one step either side, and each step only once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + step_offset * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(user, *, client: Client | None = None, step_offset: int = 0, **client_kwargs) -> Client:
    """Password, then a TOTP code, through the console's own views."""
    client = client or Client(**client_kwargs)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol_device(user)
    response = client.post(
        "/console/login/", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, response.content
    response = client.post("/console/login/verify/", {"token": totp_code(device, step_offset)})
    assert response.status_code == 302, response.content
    client.user = user
    return client


@pytest.fixture
def console():
    return sign_in
