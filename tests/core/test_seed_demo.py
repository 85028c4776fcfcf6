"""``manage.py seed_demo``: an account per role, some agencies, idempotent, never in production."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backend.accounts.models import Organisation, Role, User
from backend.agencies.models import Agency, Corridor
from backend.audit.models import AuditEvent
from backend.core.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_creates_one_account_per_role_with_the_demo_password():
    seed()

    worker = User.objects.get(username="+66810000001")
    assert worker.role == Role.WORKER
    assert worker.phone == "+66810000001"
    assert worker.phone_verified_at is not None
    assert worker.check_password(DEMO_PASSWORD)

    inspector = User.objects.get(username="inspector")
    assert inspector.role == Role.INSPECTOR
    assert inspector.country == "TH"

    caseworker = User.objects.get(username="caseworker")
    assert caseworker.role == Role.NGO_CASEWORKER
    assert caseworker.organisation is not None

    assert User.objects.get(username="moderator").role == Role.MODERATOR

    admin = User.objects.get(username="admin")
    assert admin.role == Role.ADMIN
    assert admin.is_superuser and admin.is_staff
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD), user.username


def test_creates_agencies_with_corridors_and_search_text():
    seed()

    agencies = Agency.objects.filter(licence_number__startswith="DEMO-")
    assert agencies.count() == 3
    golden = agencies.get(licence_number="DEMO-MM-0001")
    assert {(c.origin, c.destination) for c in golden.corridors.all()} == {
        ("MM", "TH"),
        ("MM", "MY"),
    }
    assert "golden bridge" in golden.search_text


def test_running_twice_creates_nothing_new_and_resets_passwords():
    seed()
    counts = (
        User.objects.count(),
        Organisation.objects.count(),
        Agency.objects.count(),
        Corridor.objects.count(),
    )
    worker = User.objects.get(username="+66810000001")
    worker.set_password("changed-by-someone")
    worker.save()

    seed()

    assert (
        User.objects.count(),
        Organisation.objects.count(),
        Agency.objects.count(),
        Corridor.objects.count(),
    ) == counts
    worker.refresh_from_db()
    assert worker.check_password(DEMO_PASSWORD)


def test_prints_the_demo_credentials():
    output = seed()

    assert DEMO_PASSWORD in output
    for username in ("+66810000001", "inspector", "caseworker", "moderator", "admin"):
        assert username in output


def test_is_audited_without_personal_data():
    seed()

    event = AuditEvent.objects.get(action="demo.seeded")
    assert event.data == {"users": 6, "agencies": 3}


def test_refuses_to_run_with_production_settings(monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "backend.config.settings.production")

    with pytest.raises(CommandError, match="production"):
        seed()

    assert not User.objects.exists()
