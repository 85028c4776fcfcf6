"""Review endpoints: who may review, one review per agency, editing with history, what the
public sees (and never sees)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.agencies import services
from backend.agencies.models import CommentStatus, Review, ReviewRevision, ReviewStatus
from backend.agencies.sealing import open_comment
from backend.audit.models import AuditEvent
from backend.core import clock
from tests import factories
from tests.agencies.conftest import make_review, review_payload


def reviews_url(agency):
    return f"/api/v1/agencies/{agency.id}/reviews/"


def own_url(review):
    return f"/api/v1/me/reviews/{review.id}/"


# --- Creating ------------------------------------------------------------------------------


def test_verified_worker_creates_a_review(client_for, worker, agency):
    response = client_for(worker).post(
        reviews_url(agency),
        review_payload(comment="Call Mr Somchai Jaidee on 081 234 5678"),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    review = Review.objects.get(pk=body["id"])
    assert review.author == worker and review.agency == agency
    assert body["ratings"]["overall"] == 4
    assert body["comment"] == "Call Mr Somchai Jaidee on 081 234 5678"
    assert body["comment_public_text"] == "Call Mr [name] on [phone]"
    assert body["comment_status"] == "pending"
    assert body["is_public"] is True
    # 500000 MMK * 0.00048 = 240 USD; 12000 THB * 0.028 = 336 USD.
    assert str(review.fees_total_usd) == "240.00"
    assert str(review.monthly_wage_usd) == "336.00"
    # The raw comment is stored sealed, never in clear.
    assert b"Somchai" not in bytes(review.comment_sealed)
    assert open_comment(review.id, review.comment_sealed).startswith("Call Mr Somchai")
    assert AuditEvent.objects.filter(
        action="agencies.review_created", target_id=str(review.id)
    ).exists()


def test_second_review_of_the_same_agency_is_refused(client_for, worker, agency):
    client = client_for(worker)
    assert client.post(reviews_url(agency), review_payload(), format="json").status_code == 201
    response = client.post(reviews_url(agency), review_payload(), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "review_exists"
    assert Review.objects.filter(author=worker).count() == 1


def test_unverified_phone_cannot_review(client_for, agency):
    unverified = factories.WorkerFactory(phone_verified_at=None)
    response = client_for(unverified).post(reviews_url(agency), review_payload(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "phone_not_verified"
    assert not Review.objects.exists()


@pytest.mark.parametrize("role_fixture", ["moderator", "inspector", "caseworker", "admin_user"])
def test_other_roles_cannot_review(client_for, agency, role_fixture, request):
    user = request.getfixturevalue(role_fixture)
    response = client_for(user).post(reviews_url(agency), review_payload(), format="json")
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_anonymous_cannot_review(api, agency):
    assert api.post(reviews_url(agency), review_payload(), format="json").status_code == 401
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ratings": {"fees": 6}}, "ratings.fees"),
        ({"recruitment_year": 1970}, "recruitment_year"),
        ({"corridor": {"origin": "MM", "destination": "JP"}}, "corridor"),
        ({"fees": [{"kind": "bribe", "amount": "1", "currency": "USD"}]}, "fees.0.kind"),
        ({"fees": [{"kind": "visa", "amount": "-1", "currency": "USD"}]}, "fees.0.amount"),
        ({"fees": [{"kind": "visa", "amount": "1", "currency": "XYZ"}]}, "fees.0.currency"),
        ({"monthly_wage": "100", "wage_currency": ""}, "wage_currency"),
    ],
)
def test_bad_input_is_a_clear_400_and_writes_nothing(client_for, worker, agency, change, field):
    payload = review_payload()
    payload.update(change)
    if "ratings" in change:
        payload["ratings"] = {**review_payload()["ratings"], **change["ratings"]}
    response = client_for(worker).post(reviews_url(agency), payload, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert not Review.objects.exists()


def test_unknown_agency_is_404(client_for, worker):
    response = client_for(worker).post(
        "/api/v1/agencies/00000000-0000-0000-0000-000000000000/reviews/",
        review_payload(),
        format="json",
    )
    assert response.status_code == 404


def test_review_writes_are_throttled(client_for, worker):
    from rest_framework.throttling import ScopedRateThrottle

    original = ScopedRateThrottle.THROTTLE_RATES  # read once at import by DRF
    ScopedRateThrottle.THROTTLE_RATES = {**original, "review_write": "2/day"}
    try:
        client = client_for(worker)
        codes = [
            client.post(
                reviews_url(factories.AgencyFactory()),
                review_payload(corridor={"origin": "MM", "destination": "TH"}),
                format="json",
            ).status_code
            for _ in range(3)
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert codes == [201, 201, 429]


# --- Own reviews -----------------------------------------------------------------------------


def test_edit_keeps_the_previous_version_and_requeues_a_changed_comment(client_for, worker, agency):
    review = make_review(agency, author=worker, overall=2, comment="first text")
    Review.objects.filter(pk=review.pk).update(comment_status=CommentStatus.APPROVED)
    client = client_for(worker)
    response = client.patch(own_url(review), {"ratings": {"overall": 5}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["ratings"]["overall"] == 5
    assert response.json()["ratings"]["fees"] == 4
    assert response.json()["comment_status"] == "approved"  # unchanged text keeps its decision
    response = client.patch(own_url(review), {"comment": "second text"}, format="json")
    assert response.json()["comment_status"] == "pending"
    revisions = list(ReviewRevision.objects.filter(review=review).order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[0].data["rating_overall"] == 2
    assert revisions[1].data["rating_overall"] == 5
    assert open_comment(review.id, revisions[1].comment_sealed) == "first text"


def test_edit_and_delete_of_someone_elses_review_are_404(client_for, worker, other_worker, agency):
    review = make_review(agency, author=worker, overall=3)
    client = client_for(other_worker)
    assert client.get(own_url(review)).status_code == 404
    assert (
        client.patch(own_url(review), {"ratings": {"overall": 1}}, format="json").status_code == 404
    )
    assert client.delete(own_url(review)).status_code == 404
    review.refresh_from_db()
    assert review.rating_overall == 3
    assert not ReviewRevision.objects.exists()


@pytest.mark.parametrize("role_fixture", ["moderator", "admin_user"])
def test_staff_cannot_read_a_workers_own_review_view(
    client_for, worker, agency, role_fixture, request
):
    review = make_review(agency, author=worker, comment="secret")
    user = request.getfixturevalue(role_fixture)
    assert client_for(user).get(own_url(review)).status_code == 404


def test_owner_deletes_the_review(client_for, worker, agency):
    review = make_review(agency, author=worker)
    assert client_for(worker).delete(own_url(review)).status_code == 204
    assert not Review.objects.filter(pk=review.pk).exists()


def test_own_review_list_shows_only_mine_with_constant_queries(client_for, worker, other_worker):
    client = client_for(worker)
    make_review(factories.AgencyFactory(), author=other_worker)
    counts = []
    for n in (2, 6):
        while Review.objects.filter(author=worker).count() < n:
            make_review(factories.AgencyFactory(), author=worker)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/me/reviews/")
        assert response.status_code == 200
        assert response.json()["count"] == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# --- What the public sees ------------------------------------------------------------------


def _publish(agency, count=5, **kwargs):
    reviews = [make_review(agency, **kwargs) for _ in range(count)]
    services.agency_aggregates_refresh(agency_id=agency.id)
    return reviews


def test_public_list_is_empty_until_k_reviews(api, agency):
    _publish(agency, count=4)
    body = api.get(reviews_url(agency)).json()
    assert body == {"count": 0, "next": None, "previous": None, "suppressed": True, "results": []}
    make_review(agency)
    services.agency_aggregates_refresh(agency_id=agency.id)
    body = api.get(reviews_url(agency)).json()
    assert body["suppressed"] is False and body["count"] == 5


def test_public_review_shows_no_author_no_exact_date_and_no_unapproved_comment(api, agency):
    reviews = _publish(agency, comment="Mr Somchai Jaidee kept my passport")
    services.review_moderate(
        moderator=factories.ModeratorFactory(),
        review_id=reviews[0].id,
        action="approve_comment",
        reason="fine",
    )
    body = api.get(reviews_url(agency)).json()
    text = str(body)
    for review in reviews:
        assert str(review.author_id) not in text
        assert review.author.phone not in text
    assert "Somchai" not in text
    assert "created_at" not in text and "recruitment_year" not in text
    results = {r["id"]: r for r in body["results"]}
    approved = results[str(reviews[0].id)]
    assert approved["comment"] == "Mr [name] kept my passport"
    assert approved["period"] == clock.now().strftime("%Y-%m")
    assert approved["corridor"] == {"origin": "MM", "destination": "TH"}
    assert results[str(reviews[1].id)]["comment"] is None


def test_corridor_of_a_rare_group_is_not_shown_on_single_reviews(api, agency):
    _publish(agency, count=8)
    rare = make_review(agency, corridor=("MM", "MY"))
    services.agency_aggregates_refresh(agency_id=agency.id)
    results = api.get(reviews_url(agency)).json()["results"]
    assert {r["id"]: r["corridor"] for r in results}[str(rare.id)] is None
    assert all(r["corridor"] is None for r in results)  # 8 vs 1: both cells suppressed


def test_delayed_review_stays_hidden_until_its_date(api, agency, settings):
    _publish(agency)
    later = clock.now().date() + dt.timedelta(days=10)
    delayed = make_review(agency, overall=1, publish_after=later)
    assert delayed.is_public is False
    services.agency_aggregates_refresh(agency_id=agency.id)
    ids = [r["id"] for r in api.get(reviews_url(agency)).json()["results"]]
    assert str(delayed.id) not in ids
    assert services.reviews_release_due() == 0
    import time_machine

    with time_machine.travel(dt.datetime.combine(later, dt.time(12), tzinfo=dt.UTC)):
        assert services.reviews_release_due() == 1
        delayed.refresh_from_db()
        assert delayed.is_public is True
        assert delayed.published_on == later
        services.agency_aggregates_refresh(agency_id=agency.id)
        ids = [r["id"] for r in api.get(reviews_url(agency)).json()["results"]]
        assert str(delayed.id) in ids


def test_public_review_list_has_constant_queries(api, agency, django_assert_num_queries):
    _publish(agency, count=5)
    with django_assert_num_queries(3):  # agency + stats, count, page (+ responses joined)
        assert api.get(reviews_url(agency)).status_code == 200
    _publish(agency, count=10)
    with django_assert_num_queries(3):
        assert api.get(reviews_url(agency)).json()["count"] == 15


def test_removed_or_held_reviews_are_not_public(agency):
    reviews = _publish(agency, count=6)
    Review.objects.filter(pk=reviews[0].pk).update(status=ReviewStatus.REMOVED, is_public=False)
    stats = services.agency_aggregates_refresh(agency_id=agency.id)
    assert stats.review_count == 5


def test_anonymous_has_no_own_reviews(api, worker, agency):
    review = make_review(agency, author=worker)
    assert api.get("/api/v1/me/reviews/").status_code == 401
    assert api.get(own_url(review)).status_code == 401
    assert api.delete(own_url(review)).status_code == 401
    assert Review.objects.filter(pk=review.pk).exists()


def test_bad_edit_is_a_clear_400_and_changes_nothing(client_for, worker, agency):
    review = make_review(agency, author=worker, overall=3)
    client = client_for(worker)
    for body in (
        {"ratings": {"overall": 0}},
        {"monthly_wage": "900", "wage_currency": "ABC"},
        {"publish_after": "2999-01-01"},
    ):
        response = client.patch(own_url(review), body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_error"
    review.refresh_from_db()
    assert review.rating_overall == 3 and review.monthly_wage is None
    assert not ReviewRevision.objects.exists()


def test_own_review_list_updated_since_returns_only_what_changed(client_for, worker, settings):
    import time_machine

    settings.AGENCY_FLAGS_TO_REQUEUE = 1
    edited = make_review(factories.AgencyFactory(), author=worker, comment="first text")
    flagged = make_review(factories.AgencyFactory(), author=worker, comment="other text")
    Review.objects.filter(pk=flagged.pk).update(comment_status=CommentStatus.APPROVED)
    untouched = make_review(factories.AgencyFactory(), author=worker)
    client = client_for(worker)
    later = clock.now() + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        response = client.patch(own_url(edited), {"ratings": {"overall": 1}}, format="json")
        assert response.status_code == 200
        # A flag sends the comment back to moderation: the author's app must learn about it.
        services.review_flag(review=flagged, user=None, reason="fake", client_ip="10.0.0.9")
    since = (later - dt.timedelta(seconds=1)).isoformat()

    response = client.get("/api/v1/me/reviews/", {"updated_since": since})

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    assert set(rows) == {str(edited.id), str(flagged.id)}
    assert str(untouched.id) not in rows
    assert rows[str(flagged.id)]["comment_status"] == "pending"
    bad = client.get("/api/v1/me/reviews/", {"updated_since": "last week"})
    assert bad.status_code == 400
    assert "updated_since" in bad.json()["error"]["fields"]
