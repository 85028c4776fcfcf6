"""Writes to the agency directory (admin, import)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from backend.accounts.models import User
from backend.agencies.models import (
    Agency,
    Corridor,
)
from backend.agencies.search import search_text_for
from backend.audit.services import audit_record

# --- Directory ---------------------------------------------------------------------------------


def agency_search_text_refresh(agency: Agency) -> None:
    """Set ``search_text`` from name and aliases (call before saving an agency)."""
    agency.search_text = search_text_for(agency.name, agency.aliases or [])


@transaction.atomic
def agency_save(
    *,
    agency: Agency,
    corridors: Iterable[tuple[str, str]] | None = None,
    actor: User | None = None,
) -> Agency:
    """Create or update an agency (admin and import), replacing its corridors when given."""
    created = agency._state.adding
    agency_search_text_refresh(agency)
    agency.full_clean(exclude=["search_text"])
    agency.save()
    if corridors is not None:
        wanted = {(o.upper(), d.upper()) for o, d in corridors}
        existing = {(c.origin, c.destination): c.pk for c in agency.corridors.all()}
        Corridor.objects.filter(
            pk__in=[pk for key, pk in existing.items() if key not in wanted]
        ).delete()
        Corridor.objects.bulk_create(
            [Corridor(agency=agency, origin=o, destination=d) for o, d in wanted - set(existing)]
        )
    audit_record(
        action="agencies.agency_created" if created else "agencies.agency_updated",
        actor=actor,
        target=agency,
    )
    return agency
