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


def _login_via_proxy(api, client_ip: str):
    """A sign-in as forwarded by one reverse proxy at 10.9.9.9 (it appends the peer address)."""
    return api.post(
        "/api/v1/auth/token",
        {"username": "someone", "password": "x"},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR=f"198.51.100.77, {client_ip}",
    )


def test_behind_one_proxy_clients_get_their_own_ip_bucket(api, rates, settings):
    rates(login_client="1/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    assert _login_via_proxy(api, "203.0.113.1").status_code == 401
    # A spoofed left-most X-Forwarded-For entry does not give a client a fresh bucket ...
    _assert_throttled(_login_via_proxy(api, "203.0.113.1"))
    # ... and another client behind the same proxy is not throttled with the first one.
    assert _login_via_proxy(api, "203.0.113.2").status_code == 401


def test_with_no_proxies_counted_every_client_behind_a_proxy_shares_one_bucket(
    api, rates, settings
):
    """Why production warns when NUM_PROXIES is 0 behind a TLS proxy."""
    rates(login_client="1/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}

    assert _login_via_proxy(api, "203.0.113.1").status_code == 401
    _assert_throttled(_login_via_proxy(api, "203.0.113.2"))


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
