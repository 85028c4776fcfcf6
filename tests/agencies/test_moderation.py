"""Moderation queue and decisions, flags, the burst detector and agency responses."""

import pytest

from backend.accounts.models import Role
from backend.agencies import services
from backend.agencies.models import (
    AgencyRepresentative,
    CommentStatus,
    ModerationDecision,
    Review,
    ReviewFlag,
    ReviewResponse,
    ReviewStatus,
)
from backend.audit.models import AuditEvent
from tests import factories
from tests.agencies.conftest import make_review

QUEUE = "/api/v1/moderation/reviews/"


def decide_url(review):
    return f"/api/v1/moderation/reviews/{review.id}/decisions"


@pytest.fixture
def pending(agency):
    return make_review(agency, comment="Ms Daw Mya called me on 09 123 456 789. Bad agency.")


def test_moderator_sees_the_masked_comment_in_the_queue(client_for, moderator, pending):
    body = client_for(moderator).get(QUEUE).json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == str(pending.id)
    assert item["comment_masked"] == "Ms [name] called me on [phone]. Bad agency."
    assert "Mya" not in str(body)
    assert "123 456 789" not in str(body) and "123456789" not in str(body)


@pytest.mark.parametrize("role_fixture", ["worker", "inspector", "caseworker"])
def test_non_moderators_cannot_use_the_queue_or_decide(client_for, pending, role_fixture, request):
    client = client_for(request.getfixturevalue(role_fixture))
    assert client.get(QUEUE).status_code == 403
    response = client.post(
        decide_url(pending), {"action": "approve_comment", "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.comment_status == CommentStatus.PENDING
    assert not ModerationDecision.objects.exists()


def test_anonymous_cannot_moderate(api, pending):
    assert api.get(QUEUE).status_code == 401
    assert (
        api.post(
            decide_url(pending), {"action": "remove", "reason": "x"}, format="json"
        ).status_code
        == 401
    )


def test_approve_then_reject_with_reasons_and_an_audit_trail(client_for, moderator, pending):
    client = client_for(moderator)
    response = client.post(
        decide_url(pending), {"action": "approve_comment", "reason": "ok"}, format="json"
    )
    assert response.status_code == 201, response.content
    pending.refresh_from_db()
    assert pending.comment_status == CommentStatus.APPROVED
    # Approving twice is a stale transition.
    again = client.post(
        decide_url(pending), {"action": "approve_comment", "reason": "ok"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    client.post(
        decide_url(pending), {"action": "reject_comment", "reason": "names a person"}, format="json"
    )
    pending.refresh_from_db()
    assert pending.comment_status == CommentStatus.REJECTED
    trail = client.get(decide_url(pending)).json()
    assert [(d["action"], d["reason"]) for d in trail] == [
        ("approve_comment", "ok"),
        ("reject_comment", "names a person"),
    ]
    assert (
        AuditEvent.objects.filter(
            action__startswith="agencies.moderation.", target_id=str(pending.id), actor=moderator
        ).count()
        == 2
    )
    assert client.get(QUEUE).json()["count"] == 0


def test_decision_requires_a_reason_and_a_known_action(client_for, moderator, pending):
    client = client_for(moderator)
    assert (
        client.post(decide_url(pending), {"action": "approve_comment"}, format="json").status_code
        == 400
    )
    assert (
        client.post(
            decide_url(pending), {"action": "publish", "reason": "x"}, format="json"
        ).status_code
        == 400
    )
    missing = "/api/v1/moderation/reviews/00000000-0000-0000-0000-000000000000/decisions"
    assert (
        client.post(missing, {"action": "remove", "reason": "x"}, format="json").status_code == 404
    )
    assert client.get(missing).status_code == 404


def test_remove_takes_the_review_out_of_public_view(client_for, moderator, agency, pending):
    client_for(moderator).post(
        decide_url(pending), {"action": "remove", "reason": "fake"}, format="json"
    )
    pending.refresh_from_db()
    assert pending.status == ReviewStatus.REMOVED and pending.is_public is False


def test_moderation_queue_query_count_is_constant(client_for, moderator, agency):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(moderator)
    counts = []
    for n in (2, 7):
        while Review.objects.count() < n:
            make_review(factories.AgencyFactory(), comment="text")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(QUEUE).json()["count"] == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# --- Flags -------------------------------------------------------------------------------


def flag_url(review):
    return f"/api/v1/reviews/{review.id}/flag"


def test_anyone_can_flag_once_and_enough_flags_requeue_the_comment(
    api, client_for, agency, settings
):
    settings.AGENCY_FLAGS_TO_REQUEUE = 2
    review = make_review(agency, comment="text")
    Review.objects.filter(pk=review.pk).update(comment_status=CommentStatus.APPROVED)
    assert api.post(flag_url(review), {"reason": "fake"}, format="json").status_code == 201
    worker = factories.WorkerFactory()
    client = client_for(worker)
    assert (
        client.post(flag_url(review), {"reason": "personal_data"}, format="json").status_code == 201
    )
    again = client.post(flag_url(review), {"reason": "personal_data"}, format="json")
    assert again.status_code == 409
    review.refresh_from_db()
    assert review.flag_count == 2
    assert review.comment_status == CommentStatus.PENDING
    assert ReviewFlag.objects.filter(review=review).count() == 2


def test_flag_needs_a_valid_reason_and_a_public_review(api, agency):
    review = make_review(agency)
    assert api.post(flag_url(review), {"reason": "boring"}, format="json").status_code == 400
    Review.objects.filter(pk=review.pk).update(is_public=False, status=ReviewStatus.HELD)
    assert api.post(flag_url(review), {"reason": "fake"}, format="json").status_code == 404
    assert not ReviewFlag.objects.exists()


def test_flags_are_throttled(api, agency, settings):
    from rest_framework.throttling import ScopedRateThrottle

    reviews = [make_review(agency) for _ in range(3)]
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {**original, "review_flag": "2/hour"}
    try:
        codes = [
            api.post(flag_url(review), {"reason": "fake"}, format="json").status_code
            for review in reviews
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert codes == [201, 201, 429]


def anonymous_flag(api, review, address):
    return api.post(flag_url(review), {"reason": "fake"}, format="json", REMOTE_ADDR=address)


def test_three_anonymous_flags_from_one_client_count_once(api, agency, settings):
    settings.AGENCY_FLAGS_TO_REQUEUE = 3
    review = make_review(agency, comment="text")
    Review.objects.filter(pk=review.pk).update(comment_status=CommentStatus.APPROVED)

    codes = [
        anonymous_flag(api, review, address).status_code
        for address in ("203.0.113.7", "203.0.113.7", "203.0.113.99")  # same /24
    ]

    assert codes == [201, 409, 409]
    review.refresh_from_db()
    assert review.flag_count == 1
    assert review.comment_status == CommentStatus.APPROVED
    flag = ReviewFlag.objects.get(review=review)
    assert flag.flagged_by is None and len(flag.flagger_key) == 64
    assert "203.0.113" not in flag.flagger_key


def test_distinct_flaggers_requeue_the_comment(api, client_for, agency, settings):
    settings.AGENCY_FLAGS_TO_REQUEUE = 3
    review = make_review(agency, comment="text")
    Review.objects.filter(pk=review.pk).update(comment_status=CommentStatus.APPROVED)
    signed_in = client_for(factories.WorkerFactory())

    assert anonymous_flag(api, review, "203.0.113.7").status_code == 201
    assert anonymous_flag(api, review, "2001:db8:1::5").status_code == 201
    # A signed-in user on the same network as an anonymous flagger still counts on their own.
    response = signed_in.post(
        flag_url(review), {"reason": "abusive"}, format="json", REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 201

    review.refresh_from_db()
    assert review.flag_count == 3
    assert review.comment_status == CommentStatus.PENDING


def test_dismissed_flags_no_longer_count(api, moderator, client_for, agency, settings):
    settings.AGENCY_FLAGS_TO_REQUEUE = 2
    review = make_review(agency, comment="text")
    Review.objects.filter(pk=review.pk).update(comment_status=CommentStatus.APPROVED)
    assert anonymous_flag(api, review, "198.51.100.1").status_code == 201
    services.review_moderate(
        moderator=moderator, review_id=review.id, action="dismiss_flags", reason="fine"
    )
    assert anonymous_flag(api, review, "192.0.2.1").status_code == 201
    review.refresh_from_db()
    assert review.flag_count == 1
    assert review.comment_status == CommentStatus.APPROVED


# --- Burst detector ----------------------------------------------------------------------


def test_burst_of_reviews_from_new_accounts_is_held(client_for, agency, settings):
    settings.AGENCY_BURST_THRESHOLD = 3
    first = [make_review(agency) for _ in range(2)]
    assert all(r.is_public for r in first)
    third = make_review(agency)
    assert third.status == ReviewStatus.HELD and third.is_public is False
    assert set(Review.objects.filter(agency=agency).values_list("status", flat=True)) == {"held"}
    assert AuditEvent.objects.filter(action="agencies.review_burst_hold").exists()
    moderator = factories.ModeratorFactory()
    queue = client_for(moderator).get(QUEUE, {"queue": "held"}).json()
    assert queue["count"] == 3
    services.review_moderate(
        moderator=moderator, review_id=third.id, action="release", reason="real"
    )
    third.refresh_from_db()
    assert third.status == ReviewStatus.ACTIVE and third.is_public is True


def test_old_accounts_do_not_trigger_the_burst_detector(agency, settings):
    import datetime as dt

    settings.AGENCY_BURST_THRESHOLD = 3
    for _ in range(4):
        author = factories.WorkerFactory()
        type(author).objects.filter(pk=author.pk).update(
            date_joined=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        )
        author.refresh_from_db()
        make_review(agency, author=author)
    assert set(Review.objects.values_list("status", flat=True)) == {"active"}


# --- Agency responses --------------------------------------------------------------------


@pytest.fixture
def representative(agency):
    user = factories.UserFactory(role=Role.AGENCY_REPRESENTATIVE, username="rep-golden")
    AgencyRepresentative.objects.create(user=user, agency=agency)
    return user


def response_url(review):
    return f"/api/v1/reviews/{review.id}/response"


def test_representative_responds_once(client_for, representative, agency):
    review = make_review(agency)
    client = client_for(representative)
    response = client.post(
        response_url(review), {"text": "Call us on +66 81 234 5678"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "Call us on [phone]"
    again = client.post(response_url(review), {"text": "again"}, format="json")
    assert again.status_code == 409
    assert ReviewResponse.objects.filter(review=review).count() == 1


def test_representative_of_another_agency_or_a_worker_cannot_respond(client_for, agency):
    review = make_review(agency)
    other = factories.UserFactory(role=Role.AGENCY_REPRESENTATIVE, username="rep-other")
    AgencyRepresentative.objects.create(user=other, agency=factories.AgencyFactory())
    for user in (other, factories.WorkerFactory()):
        assert (
            client_for(user).post(response_url(review), {"text": "no"}, format="json").status_code
            == 403
        )
    assert not ReviewResponse.objects.exists()


def test_response_appears_on_the_public_review(api, client_for, representative, agency):
    reviews = [make_review(agency) for _ in range(5)]
    services.agency_aggregates_refresh(agency_id=agency.id)
    client_for(representative).post(
        response_url(reviews[0]), {"text": "We refunded it."}, format="json"
    )
    results = api.get(f"/api/v1/agencies/{agency.id}/reviews/").json()["results"]
    responses = {r["id"]: r["response"] for r in results}
    assert responses[str(reviews[0].id)]["text"] == "We refunded it."
    assert responses[str(reviews[1].id)] is None


def test_unknown_queue_is_a_clear_400(client_for, moderator):
    response = client_for(moderator).get(QUEUE, {"queue": "everything"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"queue": ["Choose comments, held or flagged."]}


def test_response_to_a_review_that_is_not_public_is_404(client_for, representative, agency):
    review = make_review(agency)
    Review.objects.filter(pk=review.pk).update(status=ReviewStatus.HELD, is_public=False)
    response = client_for(representative).post(response_url(review), {"text": "x"}, format="json")
    assert response.status_code == 404
    assert not ReviewResponse.objects.exists()
