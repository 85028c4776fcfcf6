from __future__ import annotations

import pytest

from backend.accounts.models import Device
from tests.factories import DEFAULT_PASSWORD, WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(**overrides):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000/min"),
                **overrides,
            },
        }

    return set_rates


def _login(api, ip="10.0.0.1", **body):
    return api.post("/api/v1/auth/token", body, REMOTE_ADDR=ip)


def _assert_throttled(response):
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def test_login_is_throttled_per_account_across_ips(api, rates):
    rates(login_account="3/min")
    WorkerFactory(phone="+66812340020")
    for index in range(3):
        response = _login(api, ip=f"10.0.0.{index}", phone="+66812340020", password="wrong-guess")
        assert response.status_code == 401

    blocked = _login(api, ip="10.0.0.9", phone="+66 81 234 0020", password=DEFAULT_PASSWORD)

    _assert_throttled(blocked)
    assert Device.objects.count() == 0
    other = _login(api, ip="10.0.0.9", phone="+66812340021", password="wrong-guess")
    assert other.status_code == 401


def test_login_is_throttled_per_client_ip(api, rates):
    rates(login_client="2/min")
    for index in range(2):
        assert _login(api, username=f"user{index}", password="x").status_code == 401

    _assert_throttled(_login(api, username="someone-else", password="x"))
    assert _login(api, ip="10.0.0.2", username="someone-else", password="x").status_code == 401


def test_username_throttle_ignores_case(api, rates):
    rates(login_account="1/min")
    _login(api, username="Somchai", password="x")

    _assert_throttled(_login(api, ip="10.0.0.5", username="somchai", password="x"))


def test_code_endpoints_are_throttled_per_phone(api, rates):
    rates(code_account="2/min")
    api.post("/api/v1/auth/verify-phone/resend", {"phone": "+66812340022"})
    api.post(
        "/api/v1/auth/verify-phone",
        {"phone": "+66812340022", "code": "000000", "password": "x"},
        REMOTE_ADDR="10.0.0.7",
    )

    _assert_throttled(
        api.post(
            "/api/v1/auth/verify-phone/resend", {"phone": "+66812340022"}, REMOTE_ADDR="10.0.0.8"
        )
    )


def test_code_endpoints_are_throttled_per_ip(api, rates):
    rates(code_client="1/min")
    api.post("/api/v1/auth/verify-phone/resend", {"phone": "+66812340023"})

    _assert_throttled(api.post("/api/v1/auth/verify-phone/resend", {"phone": "+66812340024"}))


def test_registration_is_throttled_per_ip(api, rates):
    rates(register_client="1/min")
    api.post("/api/v1/auth/register", {"phone": "+66812340025", "password": "a-long-passphrase"})

    response = api.post(
        "/api/v1/auth/register", {"phone": "+66812340026", "password": "a-long-passphrase"}
    )

    _assert_throttled(response)
    assert not Device.objects.exists()


def test_throttle_cache_keys_hold_no_phone_numbers(api, rates):
    from django.core.cache import cache

    rates(login_account="5/min")
    _login(api, phone="+66812340027", password="x")

    keys = list(cache._cache.keys())
    assert keys
    assert not any("812340027" in key for key in keys)


def test_default_rates_apply_without_override(api):
    for _ in range(5):
        _login(api, phone="+66812340028", password="wrong")

    _assert_throttled(_login(api, phone="+66812340028", password="wrong"))
