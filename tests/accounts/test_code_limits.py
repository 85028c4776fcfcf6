"""Per-number limits on SMS codes: registration throttle, one code a minute, daily caps on
codes and on wrong tries summed over all codes; none of them tells numbers apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from backend.accounts.models import PhoneVerification, User
from backend.audit.models import AuditEvent
from tests.accounts.conftest import PASSWORD, PHONE, code_from
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

UNKNOWN = "+66812340101"
VERIFIED = "+66812340102"


@pytest.fixture(autouse=True)
def _only_the_per_number_code_limits(high_rates):
    """The per-client and per-account DRF throttles out of the way, unless a test sets them."""


@pytest.fixture
def resend(api, django_capture_on_commit_callbacks):
    def do(phone: str = PHONE, ip: str = "10.0.0.1"):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/api/v1/auth/verify-phone/resend", {"phone": phone}, REMOTE_ADDR=ip)

    return do


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _assert_throttled(response, at_most: int):
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= at_most


# --- registration per phone -------------------------------------------------------------------


def test_registration_is_throttled_per_phone_across_ips(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "register_account": "3/hour",
        },
    }
    settings.PHONE_CODE_MIN_INTERVAL_SECONDS = 0
    settings.PHONE_CODE_DAILY_MAX = 100
    body = {"phone": PHONE, "password": PASSWORD}
    for index in range(3):
        response = api.post("/api/v1/auth/register", body, REMOTE_ADDR=f"10.0.1.{index}")
        assert response.status_code == 202
    assert User.objects.filter(phone=PHONE).count() == 1

    blocked = api.post("/api/v1/auth/register", {**body, "phone": "+66 81 234 5678"})

    _assert_throttled(blocked, at_most=3600)
    other = api.post("/api/v1/auth/register", {**body, "phone": UNKNOWN}, REMOTE_ADDR="10.0.1.9")
    assert other.status_code == 202


def test_register_account_rate_has_a_default(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["register_account"]


# --- one code a minute ------------------------------------------------------------------------


def test_a_second_code_within_a_minute_is_429_and_changes_nothing(registered, register, sms):
    user, _code = registered

    response = register(password="an-attackers-passphrase")

    _assert_throttled(response, at_most=60)
    assert len(sms) == 1
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    verification = PhoneVerification.objects.get(user=user)
    assert verification.superseded_at is None


def test_resend_within_a_minute_is_429_until_the_minute_is_over(registered, resend, sms, later):
    _user, _code = registered

    _assert_throttled(resend(ip="10.0.0.5"), at_most=60)
    later(30)
    _assert_throttled(resend(), at_most=31)
    later(31)
    assert resend().status_code == 202

    assert len(sms) == 2


def test_the_minute_limit_looks_the_same_for_every_kind_of_number(register, resend, sms):
    WorkerFactory(phone=VERIFIED)
    register()
    register(phone=VERIFIED)
    resend(phone=UNKNOWN)

    unverified, verified, unknown = resend(), resend(phone=VERIFIED), resend(phone=UNKNOWN)

    for response in (unverified, verified, unknown):
        _assert_throttled(response, at_most=60)
    assert unverified.json() == verified.json() == unknown.json()
    assert [m.to for m in sms] == [PHONE]


def test_invalid_input_does_not_use_up_the_minute(register, sms):
    assert register(password="short").status_code == 400

    assert register().status_code == 202
    assert len(sms) == 1


# --- daily caps -------------------------------------------------------------------------------


def test_codes_a_day_are_capped_per_number(registered, resend, sms, later, settings):
    settings.PHONE_CODE_DAILY_MAX = 3
    for _ in range(2):
        later()
        assert resend().status_code == 202
    assert len(sms) == 3

    later()
    response = resend()

    _assert_throttled(response, at_most=24 * 3600)
    assert int(response["Retry-After"]) > 23 * 3600
    assert len(sms) == 3


def test_the_daily_code_cap_holds_without_the_cache(registered, resend, sms, later, settings):
    """The durable cap counts the code rows: a lost cache does not reopen the gate."""
    settings.PHONE_CODE_DAILY_MAX = 2
    later()
    assert resend().status_code == 202
    cache.clear()
    later()

    response = resend()

    assert response.status_code == 202  # same body as always: nothing to learn
    assert len(sms) == 2
    refused = AuditEvent.objects.get(action="phone.code_refused")
    assert refused.data["reason"] == "daily_codes"
    assert PhoneVerification.objects.count() == 2


def test_the_minute_holds_without_the_cache(registered, register, sms):
    user, _code = registered
    cache.clear()

    response = register(password="an-attackers-passphrase")

    assert response.status_code == 202
    assert len(sms) == 1
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.get(action="phone.code_refused").data["reason"] == "interval"


def test_the_daily_cap_resets_after_a_day(registered, resend, sms, later, settings):
    settings.PHONE_CODE_DAILY_MAX = 1
    later()
    assert resend().status_code == 429

    later(24 * 3600)
    assert resend().status_code == 202
    assert len(sms) == 2


def test_wrong_tries_are_summed_over_all_codes_of_the_day(
    registered, verify, resend, sms, later, settings
):
    """A new code used to reset the counter: 5 tries per code, unlimited codes."""
    settings.PHONE_CODE_MAX_ATTEMPTS = 5
    settings.PHONE_CODE_DAILY_MAX_ATTEMPTS = 7
    _user, first = registered
    for _ in range(5):
        assert verify(_wrong(first)).status_code == 400
    later()
    assert resend().status_code == 202
    second = code_from(sms[-1])
    for _ in range(2):
        assert verify(_wrong(second)).status_code == 400

    response = verify(second)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"
    later()
    assert resend().status_code == 202
    assert len(sms) == 2
    assert AuditEvent.objects.get(action="phone.code_refused").data["reason"] == "daily_attempts"
    assert sorted(PhoneVerification.objects.values_list("attempts", flat=True)) == [2, 5]


def test_a_new_code_supersedes_the_old_one_instead_of_deleting_it(
    registered, verify, resend, sms, later
):
    user, first = registered
    assert verify(_wrong(first)).status_code == 400
    later()

    assert resend().status_code == 202

    old, new = PhoneVerification.objects.filter(user=user).order_by("created_at")
    assert old.attempts == 1
    assert old.superseded_at is not None
    assert new.superseded_at is None
    if code_from(sms[-1]) != first:
        assert verify(first).status_code == 400
    assert verify(code_from(sms[-1])).status_code == 200


def test_register_after_a_minute_still_gives_the_latest_registrant_a_code(
    registered, register, verify, sms, later
):
    later(timedelta(minutes=2))
    assert register(password="the-second-passphrase").status_code == 202

    assert verify(code_from(sms[-1]), password="the-second-passphrase").status_code == 200
