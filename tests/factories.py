"""factory_boy factories shared by every test package."""

from __future__ import annotations

import factory
from django.utils import timezone

from backend.accounts.models import Organisation, Role, User
from backend.agencies.models import Agency, LicenceStatus

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Helping Hands {n}")
    country = "TH"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.WORKER
    preferred_language = "en"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class WorkerFactory(UserFactory):
    role = Role.WORKER
    phone = factory.Sequence(lambda n: f"+6681{n:07d}")
    username = factory.SelfAttribute("phone")
    phone_verified_at = factory.LazyFunction(timezone.now)
    country = "MM"


class InspectorFactory(UserFactory):
    role = Role.INSPECTOR
    username = factory.Sequence(lambda n: f"inspector{n}")
    country = "TH"
    region = ""
    sectors = factory.LazyFunction(list)


class CaseworkerFactory(UserFactory):
    role = Role.NGO_CASEWORKER
    username = factory.Sequence(lambda n: f"caseworker{n}")
    organisation = factory.SubFactory(OrganisationFactory)


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR
    username = factory.Sequence(lambda n: f"moderator{n}")


class AdminFactory(UserFactory):
    role = Role.ADMIN
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Golden Bridge Manpower {n}")
    country = "MM"
    licence_number = factory.Sequence(lambda n: f"LIC-{n:05d}")
    licence_status = LicenceStatus.LICENSED
