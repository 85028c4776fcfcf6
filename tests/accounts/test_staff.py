from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from backend.accounts.models import Organisation, Role, User
from backend.accounts.services import staff_create
from backend.audit.models import AuditEvent
from backend.core.errors import AppError, PermissionDenied
from tests.factories import CaseworkerFactory, InspectorFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

PASSWORD = "inspector-long-passphrase"


def _run(*args, stdin=None):
    out = io.StringIO()
    call_command("create_staff", *args, stdout=out, stdin=stdin or io.StringIO())
    return out.getvalue()


def test_create_inspector_from_the_command_line():
    output = _run(
        "--role", "inspector", "--username", "somchai", "--password", PASSWORD,
        "--country", "th", "--region", "Songkhla", "--sector", "fishing", "--sector", "seafood",
    )  # fmt: skip

    user = User.objects.get(username="somchai")
    assert user.role == Role.INSPECTOR
    assert (user.country, user.region, user.sectors) == ("TH", "Songkhla", ["fishing", "seafood"])
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert "somchai" in output
    assert PASSWORD not in output
    event = AuditEvent.objects.get(action="user.staff_created")
    assert event.data == {"role": "inspector", "via": "cli"}
    assert event.actor is None


def test_password_from_stdin():
    _run(
        "--role", "moderator", "--username", "mod1", "--password-stdin",
        stdin=io.StringIO(PASSWORD + "\n"),
    )  # fmt: skip

    assert User.objects.get(username="mod1").check_password(PASSWORD)


def test_empty_stdin_password_is_an_error():
    with pytest.raises(CommandError, match="No password"):
        _run("--role", "moderator", "--username", "mod2", "--password-stdin")
    assert not User.objects.filter(username="mod2").exists()


def test_caseworker_organisation_is_created_by_name_or_reused():
    existing = OrganisationFactory(name="Helping Hands Mae Sot")
    _run("--role", "ngo_caseworker", "--username", "cw1", "--password", PASSWORD,
         "--organisation", "helping hands mae sot")  # fmt: skip
    _run("--role", "ngo_caseworker", "--username", "cw2", "--password", PASSWORD,
         "--organisation", "Stella Maris")  # fmt: skip

    assert User.objects.get(username="cw1").organisation == existing
    assert User.objects.get(username="cw2").organisation.name == "Stella Maris"
    assert Organisation.objects.count() == 2


def test_admin_role_can_use_django_admin():
    _run("--role", "admin", "--username", "root2", "--password", PASSWORD)

    user = User.objects.get(username="root2")
    assert user.is_staff and user.is_superuser


def test_bad_role_is_rejected():
    with pytest.raises(CommandError, match="invalid choice"):
        _run("--role", "worker", "--username", "x", "--password", PASSWORD)
    with pytest.raises(CommandError):
        _run("--role", "overlord", "--username", "x", "--password", PASSWORD)
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "inspector"], "--country: An inspector needs a country"),
        (["--role", "ngo_caseworker"], "--organisation: A caseworker needs an organisation"),
        (["--role", "inspector", "--country", "XX"], "--country: Use an ISO"),
    ],
)
def test_missing_jurisdiction_or_organisation_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args, "--username", "someone", "--password", PASSWORD)
    assert User.objects.count() == 0
    assert Organisation.objects.count() == 0


def test_weak_password_is_rejected():
    with pytest.raises(CommandError, match="--password"):
        _run("--role", "moderator", "--username", "mod3", "--password", "12345")
    assert not User.objects.filter(username="mod3").exists()


def test_duplicate_username_is_rejected_case_insensitively():
    InspectorFactory(username="somchai")

    with pytest.raises(CommandError, match="taken"):
        _run("--role", "moderator", "--username", "SomChai", "--password", PASSWORD)


def test_phone_like_username_is_rejected():
    with pytest.raises(CommandError, match="phone"):
        _run("--role", "moderator", "--username", "+66812345678", "--password", PASSWORD)


def test_only_admins_may_create_staff(admin_user):
    caseworker = CaseworkerFactory()

    with pytest.raises(PermissionDenied):
        staff_create(actor=caseworker, role="moderator", username="m9", password=PASSWORD)
    user = staff_create(
        actor=admin_user, role="moderator", username="m9", password=PASSWORD, via="admin"
    )

    assert AuditEvent.objects.get(action="user.staff_created").actor == admin_user
    assert user.role == "moderator"


def test_service_reports_all_problems_at_once():
    with pytest.raises(AppError) as caught:
        staff_create(role="inspector", username="", password=PASSWORD, country="")

    assert set(caught.value.fields) == {"username", "country"}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_admin_add_form_creates_staff_through_the_service(admin_client, admin_user):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "role": "ngo_caseworker",
            "username": "caseworker-admin",
            "display_name": "Ko Min",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "country": "TH",
            "region": "",
            "sectors_text": "fishing, garments",
            "organisation_name": "MAP Foundation",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="caseworker-admin")
    assert user.organisation.name == "MAP Foundation"
    assert user.sectors == ["fishing", "garments"]
    assert user.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="user.staff_created")
    assert (event.actor, event.data["via"]) == (admin_user, "admin")


def test_admin_add_form_shows_validation_errors(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"role": "inspector", "username": "insp", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 200
    assert "An inspector needs a country" in response.content.decode()
    assert not User.objects.filter(username="insp").exists()


def test_admin_change_form_keeps_role_rules_and_audits(admin_client, admin_user):
    inspector = InspectorFactory(username="insp2")
    url = f"/admin/accounts/user/{inspector.pk}/change/"
    data = {
        "username": "insp2",
        "display_name": "",
        "preferred_language": "en",
        "role": "inspector",
        "country": "",
        "region": "",
        "sectors": "[]",
        "is_active": "on",
    }

    bad = admin_client.post(url, data)
    assert bad.status_code == 200
    assert "An inspector needs a country" in bad.content.decode()

    good = admin_client.post(url, {**data, "country": "MY"})
    assert good.status_code == 302
    inspector.refresh_from_db()
    assert inspector.country == "MY"
    event = AuditEvent.objects.get(action="user.updated_by_admin")
    assert "country" in event.data["fields"]


def test_admin_password_change_form_works(admin_client):
    inspector = InspectorFactory(username="insp3")

    response = admin_client.post(
        f"/admin/accounts/user/{inspector.pk}/password/",
        {
            "password1": "brand-new-passphrase",
            "password2": "brand-new-passphrase",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    inspector.refresh_from_db()
    assert inspector.check_password("brand-new-passphrase")


def test_admin_device_action_revokes_through_the_service(admin_client, worker):
    from backend.accounts.services import device_sign_in

    tokens = device_sign_in(user=worker, device_name="phone")

    response = admin_client.post(
        "/admin/accounts/device/",
        {"action": "revoke", "_selected_action": [str(tokens.device_id)]},
    )

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="device.revoked").count() == 1


def test_admin_user_list_column_masks_worker_phones(admin_client, worker):
    from backend.core.logging import mask_phone

    page = admin_client.get("/admin/accounts/user/").content.decode()

    assert f">{mask_phone(worker.phone)}</a>" in page
    assert f">{worker.phone}</a>" not in page
