"""Demo data for a laptop or a review environment: one account per role and a few agencies.

Idempotent: every object is found by a natural key (username, organisation name, agency country +
licence number) and brought back to its demo state, so running it again never duplicates rows
and resets the demo passwords. It refuses to run with the production settings, where accounts
with published passwords would be a hole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backend.accounts.models import Organisation, Role, User
from backend.agencies.models import Agency, LicenceStatus
from backend.agencies.services import agency_save
from backend.audit.services import audit_record
from backend.core import clock

#: Every demo account signs in with this password (printed at the end, documented in README).
DEMO_PASSWORD = "fairtrail-demo-2026"
DEMO_ORGANISATION = "Migrant Support Network (demo)"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    display_name: str
    fields: dict = field(default_factory=dict)


DEMO_USERS = [
    DemoUser("+66810000001", Role.WORKER, "Aye (demo worker)", {"country": "MM"}),
    DemoUser("+66810000002", Role.WORKER, "Sokha (demo worker)", {"country": "KH"}),
    DemoUser(
        "inspector",
        Role.INSPECTOR,
        "Demo labour inspector",
        {"country": "TH", "region": "Bangkok", "sectors": ["construction", "fishing"]},
    ),
    DemoUser("caseworker", Role.NGO_CASEWORKER, "Demo caseworker", {"country": "TH"}),
    DemoUser("moderator", Role.MODERATOR, "Demo moderator"),
    DemoUser("admin", Role.ADMIN, "Demo administrator", {"is_staff": True, "is_superuser": True}),
]

DEMO_AGENCIES = [
    {
        "name": "Golden Bridge Manpower (demo)",
        "country": "MM",
        "licence_number": "DEMO-MM-0001",
        "licensing_authority": "Ministry of Labour, Myanmar",
        "licence_status": LicenceStatus.LICENSED,
        "aliases": ["Golden Bridge"],
        "corridors": [("MM", "TH"), ("MM", "MY")],
    },
    {
        "name": "Mekong Workforce Services (demo)",
        "country": "KH",
        "licence_number": "DEMO-KH-0002",
        "licensing_authority": "Ministry of Labour and Vocational Training, Cambodia",
        "licence_status": LicenceStatus.LICENSED,
        "aliases": [],
        "corridors": [("KH", "TH")],
    },
    {
        "name": "Sagarmatha Overseas Recruiting (demo)",
        "country": "NP",
        "licence_number": "DEMO-NP-0003",
        "licensing_authority": "Department of Foreign Employment, Nepal",
        "licence_status": LicenceStatus.SUSPENDED,
        "aliases": ["Sagarmatha Overseas"],
        "corridors": [("NP", "MY"), ("NP", "QA")],
    },
]


class Command(BaseCommand):
    help = "Create or reset the demo accounts (one per role) and a few agencies with corridors."

    def handle(self, *args, **options):
        # The environment variable is what Django loaded (``--settings`` sets it too);
        # ``settings.SETTINGS_MODULE`` reads None while settings are overridden.
        module = os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE or ""
        if module.endswith(".production"):
            raise CommandError("seed_demo never runs with production settings.")
        with transaction.atomic():
            organisation, _ = Organisation.objects.update_or_create(
                name=DEMO_ORGANISATION, defaults={"country": "TH"}
            )
            users = [self._user(spec, organisation) for spec in DEMO_USERS]
            agencies = [self._agency(spec) for spec in DEMO_AGENCIES]
            audit_record(action="demo.seeded", users=len(users), agencies=len(agencies))
        self._print_credentials()

    def _user(self, spec: DemoUser, organisation: Organisation) -> User:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(username=spec.username)
        user.role = spec.role
        user.display_name = spec.display_name
        user.is_active = True
        user.organisation = organisation if spec.role == Role.NGO_CASEWORKER else None
        if spec.role == Role.WORKER:
            user.phone = spec.username
            user.phone_verified_at = user.phone_verified_at or clock.now()
        for name, value in spec.fields.items():
            setattr(user, name, value)
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user

    def _agency(self, spec: dict) -> Agency:
        data = {k: v for k, v in spec.items() if k != "corridors"}
        agency = (
            Agency.objects.filter(
                country=data["country"], licence_number=data["licence_number"]
            ).first()
            or Agency()
        )
        for name, value in data.items():
            setattr(agency, name, value)
        return agency_save(agency=agency, corridors=spec["corridors"])

    def _print_credentials(self) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo data ready. Every account's password: " + DEMO_PASSWORD))
        out.write("  workers (sign in with phone):  +66810000001, +66810000002")
        out.write("  staff (sign in with username): inspector (TH), caseworker, moderator")
        out.write("  admin (Django admin at /admin/): admin")
        out.write(f"  agencies: {', '.join(a['name'] for a in DEMO_AGENCIES)}")
