"""Aggregates against hand-computed values, k-suppression, subtraction cases and the task."""

import pytest

from backend.agencies import services
from backend.agencies.models import AgencyStats, CorridorFeeStats
from backend.agencies.stats import bayesian_average, quartiles
from tests import factories
from tests.agencies.conftest import make_review

OVERALL_A = [5, 5, 4, 4, 4, 3, 3, 2, 1, 1]  # sum 32
FEES_A = [0, 0, 0, 0, 0, 100, 200, 300, 400, 1000]  # USD


def test_bayesian_average_by_hand():
    # 2 five-star reviews, global mean 3, C = 10: (10*3 + 10) / 12 = 3.333...
    assert bayesian_average(total=10, count=2, prior_mean=3, prior_weight=10) == pytest.approx(
        40 / 12
    )
    assert bayesian_average(total=0, count=0, prior_mean=3.7, prior_weight=10) == 3.7
    with pytest.raises(ValueError):
        bayesian_average(total=0, count=0, prior_mean=3, prior_weight=0)


def test_quartiles_interpolate_like_numpy():
    assert quartiles([1, 2, 3, 4]) == {"q1": 1.75, "median": 2.5, "q3": 3.25}
    assert quartiles([7]) == {"q1": 7.0, "median": 7.0, "q3": 7.0}
    assert quartiles([]) is None


@pytest.fixture
def two_agencies(db):
    """Agency A: 10 reviews (5 verified, half paid fees); agency B: 5 five-star reviews."""
    a = factories.AgencyFactory(name="Agency A")
    b = factories.AgencyFactory(name="Agency B")
    for index, (overall, fee) in enumerate(zip(OVERALL_A, FEES_A, strict=True)):
        make_review(
            a,
            overall=overall,
            fees=[("recruitment", fee, "USD")] if fee else [],
            wage=(500, "USD"),
            verified=index % 2 == 0,
        )
    for _ in range(5):
        make_review(b, overall=5, corridor=("MM", "MY"), fees=[("visa", 50, "USD")])
    return a, b


def test_agency_statistics_match_hand_computed_values(two_agencies):
    a, b = two_agencies
    stats = services.agency_aggregates_refresh(agency_id=a.id)
    published = stats.published
    # Global mean of "overall" over 15 reviews: (32 + 25) / 15 = 3.8.
    # A: (10 * 3.8 + 32) / (10 + 10) = 3.5; plain mean 3.2.
    assert published["suppressed"] is False
    assert published["review_count"] == 10
    assert published["ratings"]["overall"] == {"bayesian": 3.5, "mean": 3.2}
    assert published["ratings"]["fees"] == {"bayesian": 4.0, "mean": 4.0}
    assert stats.rank_overall == 3.5
    assert published["verified_share"] == 0.5
    assert published["fee_paid_share"] == 0.5
    # Fees sorted: 0 0 0 0 0 100 200 300 400 1000; positions 2.25, 4.5, 6.75.
    assert published["fees_usd"] == {"q1": 0.0, "median": 50.0, "q3": 275.0}
    # Ratios = fees / 500: 0 x5, .2 .4 .6 .8 2.0.
    assert published["cost_to_earnings_ratio"] == {"q1": 0.0, "median": 0.1, "q3": 0.55}
    assert published["cost_to_earnings_count"] == 10
    assert published["by_verified"] == [
        {"verified": True, "review_count": 5, "overall_mean": 3.4},  # 5 4 4 3 1
        {"verified": False, "review_count": 5, "overall_mean": 3.0},  # 5 4 3 2 1
    ]
    assert published["by_corridor"] == [
        {
            "origin": "MM",
            "destination": "TH",
            "review_count": 10,
            "overall_mean": 3.2,
            "fees_usd": {"q1": 0.0, "median": 50.0, "q3": 275.0},
        }
    ]
    stats_b = services.agency_aggregates_refresh(agency_id=b.id)
    # B: (38 + 25) / 15 = 4.2. Nobody in B gave a wage: no 10.7.1 ratio.
    assert stats_b.published["ratings"]["overall"] == {"bayesian": 4.2, "mean": 5.0}
    assert stats_b.published["fee_paid_share"] == 1.0
    assert stats_b.published["cost_to_earnings_ratio"] is None


def test_corridor_fee_statistics_match_hand_computed_values(two_agencies):
    stats = services.corridor_fee_stats_refresh(origin="mm", destination="th")
    assert (stats.origin, stats.destination, stats.review_count) == ("MM", "TH", 10)
    assert stats.published["fees_usd"] == {"q1": 0.0, "median": 50.0, "q3": 275.0}
    assert stats.published["cost_to_earnings_ratio"] == {"q1": 0.0, "median": 0.1, "q3": 0.55}
    my = services.corridor_fee_stats_refresh(origin="MM", destination="MY")
    assert my.published["fees_usd"] == {"q1": 50.0, "median": 50.0, "q3": 50.0}


def test_fees_in_other_currencies_are_converted_to_usd(db, settings):
    settings.AGENCY_USD_RATES = {"MMK": "0.0005", "THB": "0.03"}
    agency = factories.AgencyFactory()
    review = make_review(
        agency,
        fees=[("recruitment", 1_000_000, "MMK"), ("medical", 2000, "THB")],
        wage=(15000, "THB"),
    )
    assert str(review.fees_total_usd) == "560.00"  # 500 + 60
    assert str(review.monthly_wage_usd) == "450.00"


def test_statistics_are_suppressed_below_k(db):
    agency = factories.AgencyFactory()
    for _ in range(4):
        make_review(agency, overall=1)
    stats = services.agency_aggregates_refresh(agency_id=agency.id)
    assert stats.suppressed is True
    assert stats.rank_overall is None
    assert stats.published == {"suppressed": True}
    make_review(agency, overall=1)
    stats = services.agency_aggregates_refresh(agency_id=agency.id)
    assert stats.suppressed is False
    assert stats.published["review_count"] == 5


def test_k_is_configurable(db, settings):
    settings.AGENCY_STATS_MIN_K = 3
    agency = factories.AgencyFactory()
    for _ in range(3):
        make_review(agency)
    assert services.agency_aggregates_refresh(agency_id=agency.id).suppressed is False


def test_corridor_breakdown_cannot_be_used_to_find_one_review_by_subtraction(db):
    """8 reviews on MM-TH and 2 on MM-MY: publishing MM-TH next to the total 10 would reveal
    the 2 MM-MY reviews' average by subtraction, so neither cell is published."""
    agency = factories.AgencyFactory()
    for _ in range(8):
        make_review(agency, overall=5, corridor=("MM", "TH"))
    for _ in range(2):
        make_review(agency, overall=1, corridor=("MM", "MY"))
    published = services.agency_aggregates_refresh(agency_id=agency.id).published
    assert published["review_count"] == 10
    assert published["by_corridor"] == []
    assert published["by_verified"] == [
        {"verified": False, "review_count": 10, "overall_mean": 4.2}
    ]
    assert published["verified_share"] == 0.0


def test_small_verified_group_hides_the_share_and_the_breakdown(db):
    agency = factories.AgencyFactory()
    for index in range(10):
        make_review(agency, verified=index < 2)
    published = services.agency_aggregates_refresh(agency_id=agency.id).published
    assert published["verified_share"] is None
    assert published["by_verified"] == []


def test_fee_share_hidden_when_few_paid(db):
    agency = factories.AgencyFactory()
    for index in range(7):
        make_review(agency, fees=[("recruitment", 100, "USD")] if index == 0 else [])
    assert (
        services.agency_aggregates_refresh(agency_id=agency.id).published["fee_paid_share"] is None
    )


def test_refresh_is_idempotent_and_ignores_non_public_reviews(db):
    import datetime as dt

    from backend.core import clock

    agency = factories.AgencyFactory()
    for _ in range(5):
        make_review(agency, overall=4)
    make_review(agency, overall=1, publish_after=clock.now().date() + dt.timedelta(days=30))
    first = services.agency_aggregates_refresh(agency_id=agency.id)
    second = services.agency_aggregates_refresh(agency_id=agency.id)
    assert AgencyStats.objects.filter(agency=agency).count() == 1
    assert first.published == second.published
    assert second.review_count == 5
    assert second.published["ratings"]["overall"]["mean"] == 4.0


def test_review_change_enqueues_the_refresh_after_commit(db, django_capture_on_commit_callbacks):
    agency = factories.AgencyFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(5):
            make_review(agency, overall=2)
    assert len(callbacks) == 10  # agency + corridor refresh per review
    stats = AgencyStats.objects.get(agency=agency)
    assert stats.published["ratings"]["overall"]["mean"] == 2.0
    assert CorridorFeeStats.objects.get(origin="MM", destination="TH").review_count == 5


def test_refresh_task_runs_through_celery_by_name(db):
    from workers.celery import app

    agency = factories.AgencyFactory()
    for _ in range(5):
        make_review(agency)
    result = app.tasks["agencies.refresh_aggregates"].apply(kwargs={"agency_id": str(agency.id)})
    assert result.get() is True
    assert AgencyStats.objects.get(agency=agency).review_count == 5
    gone = app.tasks["agencies.refresh_aggregates"].apply(
        kwargs={"agency_id": "00000000-0000-0000-0000-000000000000"}
    )
    assert gone.get() is False


def test_release_task_is_scheduled_and_publishes_due_reviews(db):
    import datetime as dt

    import time_machine

    from workers.beat import BEAT_SCHEDULE
    from workers.celery import app

    assert BEAT_SCHEDULE["release-due-agency-reviews"]["task"] == "agencies.release_due_reviews"
    agency = factories.AgencyFactory()
    due = dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=3)
    review = make_review(agency, publish_after=due)
    with time_machine.travel(dt.datetime.combine(due, dt.time(9), tzinfo=dt.UTC)):
        assert app.tasks["agencies.release_due_reviews"].apply().get() == 1
        assert app.tasks["agencies.release_due_reviews"].apply().get() == 0  # idempotent
    review.refresh_from_db()
    assert review.is_public is True
