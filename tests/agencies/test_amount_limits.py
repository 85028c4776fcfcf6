"""Fees and wages whose USD value would not fit the statistics columns are a clear 400 (they
used to be a DataError on PostgreSQL and an unreadable row on SQLite)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.agencies import services
from backend.agencies.models import Review, ReviewFee
from tests.agencies.conftest import make_review, review_payload

pytestmark = pytest.mark.django_db


def reviews_url(agency):
    return f"/api/v1/agencies/{agency.id}/reviews/"


def fee(amount: str, currency: str = "USD") -> dict:
    return {"kind": "recruitment", "amount": amount, "currency": currency}


def assert_refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error["fields"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"monthly_wage": "999999999999.99", "wage_currency": "KWD"}, "monthly_wage"),
        ({"fees": [fee("999999999999.99")] * 3}, "fees.0.amount"),
        ({"fees": [fee("100000000000.01", "MMK")]}, "fees.0.amount"),
    ],
)
def test_amounts_beyond_the_serializer_limit_are_refused(client_for, worker, agency, change, field):
    response = client_for(worker).post(reviews_url(agency), review_payload(**change), format="json")
    assert_refused(response, field)
    assert not Review.objects.exists() and not ReviewFee.objects.exists()


def test_fees_whose_usd_total_overflows_are_refused(client_for, worker, agency):
    # 4 x 100 000 000 000 KWD x 3.25 = 1.3e12 USD: each amount is allowed, the total is not.
    response = client_for(worker).post(
        reviews_url(agency), review_payload(fees=[fee("100000000000", "KWD")] * 4), format="json"
    )
    assert_refused(response, "fees")
    assert not Review.objects.exists() and not ReviewFee.objects.exists()


def test_wage_whose_usd_value_overflows_is_refused(client_for, worker, agency, settings):
    settings.AGENCY_USD_RATES = {"KWD": "20"}  # 1e11 KWD x 20 = 2e12 USD
    response = client_for(worker).post(
        reviews_url(agency),
        review_payload(monthly_wage="100000000000", wage_currency="KWD"),
        format="json",
    )
    assert_refused(response, "monthly_wage")
    assert not Review.objects.exists()


def test_largest_total_that_fits_is_stored_exactly_and_aggregates_refresh(
    client_for, worker, agency
):
    # 9 x 1e11 + 99 999 999 999.99 = 999 999 999 999.99 USD, the largest value the column holds.
    fees = [fee("100000000000")] * 9 + [fee("99999999999.99")]
    response = client_for(worker).post(
        reviews_url(agency),
        review_payload(fees=fees, monthly_wage="100000000000", wage_currency="USD"),
        format="json",
    )
    assert response.status_code == 201, response.content
    review = Review.objects.get(pk=response.json()["id"])
    assert review.fees_total_usd == Decimal("999999999999.99")
    assert review.monthly_wage_usd == Decimal("100000000000.00")
    for _ in range(4):
        make_review(agency)
    stats = services.agency_aggregates_refresh(agency_id=agency.id)
    assert stats.review_count == 5 and stats.suppressed is False
    assert stats.published["fees_usd"] == {"q1": 0.0, "median": 0.0, "q3": 0.0}


def test_edit_that_overflows_is_refused_and_changes_nothing(client_for, worker, agency):
    client = client_for(worker)
    created = client.post(reviews_url(agency), review_payload(), format="json").json()
    response = client.patch(
        f"/api/v1/me/reviews/{created['id']}/",
        {"fees": [fee("100000000000", "KWD")] * 4},
        format="json",
    )
    assert_refused(response, "fees")
    review = Review.objects.get(pk=created["id"])
    assert str(review.fees_total_usd) == "240.00"
    assert list(review.fees.values_list("amount", "currency")) == [(Decimal("500000"), "MMK")]
    assert not review.revisions.exists()
