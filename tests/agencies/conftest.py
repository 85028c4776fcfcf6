"""Fixtures for the agency tests: signed-in clients and quick ways to make reviews."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from backend.agencies import services
from backend.agencies.models import Corridor, Review, ReviewStatus
from backend.agencies.services import reviews as review_services
from tests import factories

ALL_FOUR = {
    "fees": 4,
    "contract": 4,
    "job_accuracy": 4,
    "treatment": 4,
    "documents": 4,
    "wages": 4,
    "overall": 4,
}


@pytest.fixture(autouse=True)
def _no_burst_detector(settings):
    """Test accounts are all brand new: the burst detector is off unless a test turns it on."""
    settings.AGENCY_BURST_THRESHOLD = 10_000
    settings.AGENCY_STATS_MIN_K = 5
    settings.AGENCY_BAYES_C = 10


@pytest.fixture(autouse=True)
def _vault_evidence(request, monkeypatch):
    """The verified badge asks the vault; tests that do not care about it see no evidence.

    Tests that use the ``real_vault_evidence`` fixture go through the real vault selector.
    """
    if "real_vault_evidence" not in request.fixturenames:
        monkeypatch.setattr(review_services, "_has_evidence", lambda review, before: False)


@pytest.fixture
def real_vault_evidence():
    return True


@pytest.fixture
def client_for(db, request):
    """A client signed in as ``user``: the real device JWT when the accounts services exist."""

    def make(user) -> APIClient:
        try:
            auth_client = request.getfixturevalue("auth_client")
            return auth_client(user)
        except Exception:  # accounts.services not there yet: authenticate the client directly
            client = APIClient()
            client.force_authenticate(user=user)
            client.user = user
            return client

    return make


@pytest.fixture
def agency(db):
    agency = factories.AgencyFactory(name="Golden Bridge Manpower", country="MM")
    Corridor.objects.create(agency=agency, origin="MM", destination="TH")
    Corridor.objects.create(agency=agency, origin="MM", destination="MY")
    return agency


def review_payload(**overrides) -> dict:
    body = {
        "ratings": dict(ALL_FOUR),
        "recruitment_year": 2024,
        "corridor": {"origin": "MM", "destination": "TH"},
        "fees": [{"kind": "recruitment", "amount": "500000", "currency": "MMK"}],
        "monthly_wage": "12000",
        "wage_currency": "THB",
        "comment": "",
    }
    body.update(overrides)
    return body


def ratings(value: int = 4, **overrides) -> dict[str, int]:
    out = {f"rating_{key}": value for key in ALL_FOUR}
    out.update({f"rating_{key}": v for key, v in overrides.items()})
    return out


def make_review(
    agency,
    *,
    author=None,
    overall=4,
    corridor=("MM", "TH"),
    fees=(),
    wage=None,
    comment="",
    verified=None,
    publish_after=None,
    **rating_overrides,
) -> Review:
    """Create a review through the real service (masking, sealing, visibility, enqueueing)."""
    author = author or factories.WorkerFactory()
    data = services.ReviewInput(
        ratings=ratings(4, overall=overall, **rating_overrides),
        recruitment_year=2024,
        corridor_origin=corridor[0],
        corridor_destination=corridor[1],
        fees=[services.FeeInput(kind, Decimal(str(amount)), cur) for kind, amount, cur in fees],
        monthly_wage=Decimal(str(wage[0])) if wage else None,
        wage_currency=wage[1] if wage else "",
        comment=comment,
        publish_after=publish_after,
    )
    review = services.review_create(author=author, agency=agency, data=data)
    if verified is not None:
        Review.objects.filter(pk=review.pk).update(verified=verified)
        review.verified = verified
    return review


__all__ = ["ReviewStatus", "make_review", "ratings", "review_payload"]
