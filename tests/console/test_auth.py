"""Console sign-in: password plus TOTP for every staff role, enrolment with recovery codes,
lock-out, idle timeout, sign-out everywhere, and the security headers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from backend.audit.models import AuditEvent
from backend.console import services
from backend.console.models import ConsoleAccount
from backend.core import clock
from tests import factories
from tests.console.conftest import enrol_device, sign_in, totp_code
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def password_step(client, user, password=DEFAULT_PASSWORD):
    return client.post("/console/login/", {"username": user.username, "password": password})


def test_password_alone_does_not_sign_in(inspector):
    enrol_device(inspector)
    client = Client()
    response = password_step(client, inspector)
    assert response.status_code == 302
    assert response["Location"] == "/console/login/verify/"
    response = client.get("/console/queue/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


def test_wrong_code_is_refused_and_right_code_signs_in(inspector, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp otherwise makes the next try wait 1 s
    device = enrol_device(inspector)
    client = Client()
    password_step(client, inspector)
    good = totp_code(device)
    wrong = "000000" if good != "000000" else "111111"
    response = client.post("/console/login/verify/", {"token": wrong})
    assert response.status_code == 400
    assert b"not right" in response.content
    assert client.get("/console/queue/").status_code == 302
    response = client.post("/console/login/verify/", {"token": good})
    assert response.status_code == 302
    assert response["Location"] == "/console/queue/"
    assert client.get("/console/queue/").status_code == 200
    assert AuditEvent.objects.filter(action="console.signed_in", actor=inspector).count() == 1
    assert AuditEvent.objects.filter(action="console.sign_in_failed", actor=inspector).count() == 1


def test_first_sign_in_enrols_by_qr_code_and_shows_recovery_codes_once(caseworker):
    client = Client()
    response = password_step(client, caseworker)
    assert response["Location"] == "/console/enrol/"
    page = client.get("/console/enrol/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<path" in html  # the QR code, inline, drawn here
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # no external image service
    device = TOTPDevice.objects.get(user=caseworker, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)[1].replace(" ", "")
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key

    response = client.post("/console/enrol/", {"token": totp_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    stored = set(
        StaticToken.objects.filter(device__user=caseworker).values_list("token", flat=True)
    )
    assert stored == set(codes)
    device.refresh_from_db()
    assert device.confirmed
    assert ConsoleAccount.objects.get(user=caseworker).enrolled_at is not None
    assert AuditEvent.objects.filter(action="console.totp_enrolled", actor=caseworker).exists()
    assert client.get("/console/cases/").status_code == 200
    # Shown once: the enrolment page is gone for an enrolled user.
    client.post("/console/logout/")
    password_step(client, caseworker)
    assert client.get("/console/enrol/")["Location"] == "/console/login/verify/"


def test_a_recovery_code_signs_in_once(moderator):
    enrol_device(moderator)
    client = sign_in(moderator)
    client.post("/console/logout/")
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=moderator, name="r", confirmed=True)
    static.token_set.create(token="abcdefgh")
    for expected in (302, 400):
        client = Client()
        password_step(client, moderator)
        response = client.post("/console/login/verify/", {"token": "abcd efgh"})
        assert response.status_code == expected
    assert AuditEvent.objects.filter(action="console.recovery_code_used").count() == 1


@pytest.mark.parametrize("role_factory", [factories.WorkerFactory])
def test_workers_cannot_sign_in(role_factory):
    worker = role_factory()
    client = Client()
    response = password_step(client, worker)
    assert response.status_code == 403
    assert b"inspectors, caseworkers and moderators only" in response.content
    assert client.get("/console/login/verify/")["Location"] == "/console/login/"
    assert client.get("/console/enrol/")["Location"] == "/console/login/"
    assert AuditEvent.objects.filter(action="console.sign_in_refused", actor=worker).exists()


@pytest.mark.parametrize(
    "make",
    [
        factories.InspectorFactory,
        factories.CaseworkerFactory,
        factories.ModeratorFactory,
        factories.AdminFactory,
    ],
)
def test_every_staff_role_needs_the_second_factor(make):
    user = make()
    client = Client()
    response = password_step(client, user)
    assert response["Location"] == "/console/enrol/"
    assert client.get("/console/")["Location"].startswith("/console/login/")


def test_admin_session_without_totp_is_refused(admin_user):
    client = Client()
    client.force_login(admin_user)  # e.g. signed in to /admin/ with a password only
    response = client.get("/console/statistics/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


def test_unknown_user_and_wrong_password_get_the_same_answer(inspector):
    a = password_step(Client(), inspector, password="wrong password")
    b = Client().post("/console/login/", {"username": "nobody", "password": "x"})
    assert a.status_code == b.status_code == 400
    assert b"not right" in a.content and b"not right" in b.content


def test_account_locks_after_repeated_failures(inspector, settings):
    settings.CONSOLE_MAX_FAILED_ATTEMPTS = 3
    enrol_device(inspector)
    for _ in range(3):
        assert password_step(Client(), inspector, password="nope").status_code == 400
    response = password_step(Client(), inspector)  # the right password, during the lock
    assert response.status_code == 429
    assert AuditEvent.objects.filter(action="console.account_locked", actor=inspector).exists()
    ConsoleAccount.objects.filter(user=inspector).update(
        locked_until=clock.now() - dt.timedelta(seconds=1)
    )
    assert sign_in(inspector).get("/console/queue/").status_code == 200


def test_client_is_capped_across_accounts(settings):
    settings.CONSOLE_CLIENT_MAX_FAILURES = 2
    client = Client()
    for n in range(2):
        client.post("/console/login/", {"username": f"ghost{n}", "password": "x"})
    inspector = factories.InspectorFactory()
    assert password_step(client, inspector).status_code == 429


def test_idle_session_times_out(inspector, settings):
    client = sign_in(inspector)
    assert client.get("/console/queue/").status_code == 200
    session = client.session
    session[services.LAST_SEEN] -= settings.CONSOLE_IDLE_TIMEOUT_SECONDS + 1
    session.save()
    response = client.get("/console/queue/")
    assert response.status_code == 302
    assert "expired=1" in response["Location"]
    assert client.get("/console/queue/")["Location"].startswith("/console/login/")


def test_activity_keeps_the_session_alive(inspector, settings):
    client = sign_in(inspector)
    session = client.session
    session[services.LAST_SEEN] -= settings.CONSOLE_IDLE_TIMEOUT_SECONDS - 30
    session.save()
    assert client.get("/console/queue/").status_code == 200
    assert client.session[services.LAST_SEEN] > session[services.LAST_SEEN]


def test_sign_out_everywhere_ends_every_console_session(inspector):
    laptop = sign_in(inspector)
    tablet = sign_in(inspector, step_offset=1)  # a second session, the next code
    assert tablet.get("/console/queue/").status_code == 200
    response = laptop.post("/console/logout/everywhere/")
    assert response.status_code == 302
    assert laptop.get("/console/queue/").status_code == 302
    assert tablet.get("/console/queue/")["Location"].startswith("/console/login/")
    assert AuditEvent.objects.filter(
        action="console.signed_out_everywhere", actor=inspector
    ).exists()


def test_sign_out_ends_only_this_session(inspector):
    laptop = sign_in(inspector)
    tablet = sign_in(inspector, step_offset=1)
    laptop.post("/console/logout/")
    assert laptop.get("/console/queue/").status_code == 302
    assert tablet.get("/console/queue/").status_code == 200


def test_sign_out_needs_post(inspector):
    client = sign_in(inspector)
    assert client.get("/console/logout/everywhere/").status_code == 405
    assert client.get("/console/queue/").status_code == 200


def test_security_headers_on_console_pages(inspector):
    client = sign_in(inspector)
    for response in (Client().get("/console/login/"), client.get("/console/queue/")):
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "no-store"
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
        assert " style=" not in html and "<style" not in html  # no inline style
        assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no inline event handlers


def test_session_cookie_is_http_only_and_same_site(inspector):
    client = sign_in(inspector)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_production_cookies_are_secure():
    """Production refuses to import without real keys, so read its assignments instead."""
    import ast
    from pathlib import Path

    from backend.config.env import BASE_DIR

    tree = ast.parse(Path(BASE_DIR, "backend/config/settings/production.py").read_text())
    assigned = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert isinstance(assigned[name], ast.Constant) and assigned[name].value is True


def test_csrf_is_enforced():
    client = Client(enforce_csrf_checks=True)
    inspector = factories.InspectorFactory()
    response = password_step(client, inspector)
    assert response.status_code == 403
    page = client.get("/console/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    response = client.post(
        "/console/login/",
        {
            "username": inspector.username,
            "password": DEFAULT_PASSWORD,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302


def test_next_is_kept_but_never_leaves_the_console(inspector):
    device = enrol_device(inspector)
    client = Client()
    client.post(
        "/console/login/",
        {
            "username": inspector.username,
            "password": DEFAULT_PASSWORD,
            "next": "/console/agencies/",
        },
    )
    response = client.post(
        "/console/login/verify/?next=/console/agencies/",
        {"token": totp_code(device), "next": "/console/agencies/"},
    )
    assert response["Location"] == "/console/agencies/"
    client.post("/console/logout/")
    client.post("/console/login/", {"username": inspector.username, "password": DEFAULT_PASSWORD})
    response = client.post(
        "/console/login/verify/",
        {"token": totp_code(device, 1), "next": "https://evil.example/console/"},
    )
    assert response["Location"] == "/console/queue/"


@pytest.mark.parametrize(
    "path",
    [
        "/console/",
        "/console/queue/",
        "/console/cases/",
        "/console/cases/new/",
        "/console/cases/00000000-0000-0000-0000-000000000000/",
        "/console/moderation/",
        "/console/agencies/",
        "/console/statistics/",
        "/console/statistics.csv",
    ],
)
def test_anonymous_is_sent_to_sign_in(path, db):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


def test_console_speaks_the_users_language():
    inspector = factories.InspectorFactory(preferred_language="th")
    response = sign_in(inspector).get("/console/queue/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="th">' in response.content.decode()
    assert (
        Client()
        .get("/console/login/", HTTP_ACCEPT_LANGUAGE="id")
        .content.decode()
        .count('<html lang="id">')
        == 1
    )
