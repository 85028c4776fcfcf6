"""The recruitment-agency directory. Reviews and aggregates arrive with the ratings issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel


class LicenceStatus(models.TextChoices):
    LICENSED = "licensed", _("Licensed")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    UNKNOWN = "unknown", _("Unknown")


class Agency(TimeStampedModel):
    name = models.CharField(max_length=255, db_index=True)
    aliases = models.JSONField(default=list, blank=True)
    licence_number = models.CharField(max_length=100, blank=True)
    licensing_authority = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=2, db_index=True, help_text=_("ISO 3166-1 alpha-2"))
    address = models.TextField(blank=True)
    licence_status = models.CharField(
        max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.UNKNOWN, db_index=True
    )
    source = models.CharField(max_length=255, blank=True)
    last_checked = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(
                fields=["country", "licence_number"],
                condition=~models.Q(licence_number=""),
                name="agency_unique_licence_per_country",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Corridor(models.Model):
    """A migration route an agency serves: origin country → destination country."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="corridors")
    origin = models.CharField(max_length=2)
    destination = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "origin", "destination"], name="agency_corridor_unique"
            )
        ]
        indexes = [models.Index(fields=["origin", "destination"])]

    def __str__(self) -> str:
        return f"{self.origin}→{self.destination}"
