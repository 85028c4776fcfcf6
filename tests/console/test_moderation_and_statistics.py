"""Moderators' queue and decisions, the agency directory, and the k-suppressed statistics page
with its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db.models import Q

from backend.agencies.models import CommentStatus, ModerationDecision, Review, ReviewStatus
from backend.audit.models import AuditEvent
from backend.complaints.crosstab import month_by_category
from backend.complaints.models import Supervisor
from backend.complaints.stats import complaint_statistics
from backend.console.views.statistics import statistics_rows
from tests import factories
from tests.agencies.conftest import make_review
from tests.complaints.conftest import act, file_complaint
from tests.console.conftest import sign_in
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 2, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_burst_detector(settings):
    settings.AGENCY_BURST_THRESHOLD = 10_000


@pytest.fixture
def agency(db):
    return factories.AgencyFactory(name="Golden Bridge Manpower", country="MM")


# --- Moderation --------------------------------------------------------------------------------


def test_moderation_queue_shows_comments_masked(moderator, agency):
    make_review(agency, comment="Call me on +66 81 234 5678, they took my passport")
    html = sign_in(moderator).get("/console/moderation/").content.decode()
    assert "took my passport" in html
    assert "234 5678" not in html  # phone numbers masked


def test_moderator_approves_a_comment_with_a_reason(moderator, agency):
    review = make_review(agency, comment="Fair agency, fees as promised")
    assert review.comment_status == CommentStatus.PENDING
    client = sign_in(moderator)
    url = f"/console/moderation/{review.pk}/decide/"
    response = client.post(url, {"action": "approve_comment", "reason": " "}, follow=True)
    assert "Give a reason" in response.content.decode()
    review.refresh_from_db()
    assert review.comment_status == CommentStatus.PENDING

    client.post(url, {"action": "approve_comment", "reason": "No personal data"})
    review.refresh_from_db()
    assert review.comment_status == CommentStatus.APPROVED
    decision = ModerationDecision.objects.get(review=review)
    assert decision.moderator == moderator and decision.reason == "No personal data"
    assert AuditEvent.objects.filter(
        action="agencies.moderation.approve_comment", actor=moderator
    ).exists()
    # Deciding again is a conflict, shown as a message; nothing changes.
    response = client.post(url, {"action": "approve_comment", "reason": "again"}, follow=True)
    assert "does not apply" in response.content.decode()
    assert ModerationDecision.objects.filter(review=review).count() == 1


def test_held_and_flagged_queues(moderator, agency):
    held = make_review(agency)
    Review.objects.filter(pk=held.pk).update(status=ReviewStatus.HELD)
    flagged = make_review(agency)
    Review.objects.filter(pk=flagged.pk).update(flag_count=2)
    client = sign_in(moderator)
    held_html = client.get("/console/moderation/?queue=held").content.decode()
    assert f'id="review-{held.pk}"' in held_html and f'id="review-{flagged.pk}"' not in held_html
    assert f'id="act-{held.pk}-release"' in held_html
    flagged_html = client.get("/console/moderation/?queue=flagged").content.decode()
    assert f'id="review-{flagged.pk}"' in flagged_html
    assert f'id="act-{flagged.pk}-dismiss_flags"' in flagged_html
    client.post(
        f"/console/moderation/{held.pk}/decide/",
        {"action": "release", "reason": "Genuine", "queue": "held"},
    )
    held.refresh_from_db()
    assert held.status == ReviewStatus.ACTIVE


def test_moderation_queue_query_count_is_constant(moderator, agency):
    client = sign_in(moderator)
    for _ in range(2):
        make_review(factories.AgencyFactory(), comment="ok comment")
    few = count_queries(lambda: client.get("/console/moderation/"))
    for _ in range(5):
        make_review(factories.AgencyFactory(), comment="ok comment")
    assert client.get("/console/moderation/").content.decode().count('class="review"') == 7
    assert count_queries(lambda: client.get("/console/moderation/")) == few


def test_others_cannot_moderate_or_see_the_queue(agency):
    review = make_review(agency, comment="pending comment")
    for user in (factories.InspectorFactory(), factories.CaseworkerFactory()):
        client = sign_in(user)
        assert client.get("/console/moderation/").status_code == 403
        response = client.post(
            f"/console/moderation/{review.pk}/decide/",
            {"action": "approve_comment", "reason": "x"},
        )
        assert response.status_code == 403
    review.refresh_from_db()
    assert review.comment_status == CommentStatus.PENDING
    assert not ModerationDecision.objects.exists()


def test_moderator_cannot_see_cases(moderator):
    complaint = file_complaint(factories.WorkerFactory())
    client = sign_in(moderator)
    assert client.get(f"/console/cases/{complaint.pk}/").status_code == 404
    assert client.get("/console/queue/").status_code == 403


def test_agency_directory_search(moderator):
    from backend.agencies.models import Agency
    from backend.agencies.services import agency_save

    agency_save(agency=Agency(name="Golden Bridge Manpower", country="MM"))
    agency_save(agency=Agency(name="Silver Line Recruitment", country="NP"))
    client = sign_in(moderator)
    html = client.get("/console/agencies/?q=golden").content.decode()
    assert "Golden Bridge" in html and "Silver Line" not in html
    html = client.get("/console/agencies/?country=NP").content.decode()
    assert "Silver Line" in html and "Golden Bridge" not in html


# --- Statistics --------------------------------------------------------------------------------


def _file(n, categories, sector="fishing", country="TH"):
    return [
        file_complaint(
            factories.WorkerFactory(),
            categories=categories,
            sector=sector,
            workplace_country=country,
        )
        for _ in range(n)
    ]


def _supervisor(country="TH"):
    user = factories.InspectorFactory(country=country)
    Supervisor.objects.create(user=user)
    return user


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_statistics_page_and_csv_are_k_suppressed(settings):
    settings.COMPLAINT_STATS_MIN_K = 5
    with time_machine.travel(T0, tick=False):
        wages = _file(6, ["withholding_of_wages"])
        _file(5, ["deception"], sector="construction")
        _file(2, ["debt_bondage"], sector="domestic")
        _file(7, ["deception"], country="MY")  # another country: out of the supervisor's scope
    inspector = factories.InspectorFactory()
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        for complaint in wages:
            act(inspector, complaint, "accept")
    client = sign_in(_supervisor())
    page = client.get("/console/statistics/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="chart-month-title"' in html and 'id="chart-category-title"' in html
    assert "<svg" in html and "debt_bondage" not in html

    rows = _csv(client.get("/console/statistics.csv"))
    assert rows[0] == ["section", "key", "value"]
    scope = Q(workplace_country="TH")
    expected = statistics_rows(complaint_statistics(scope=scope), month_by_category(scope=scope))
    assert rows[1:] == [[str(v) for v in row] for row in expected]
    table = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert table[("total", "")] == "13"
    assert table[("by_category", "withholding_of_wages")] == "6"
    assert ("by_category", "debt_bondage") not in table  # under k
    assert ("by_category", "deception") not in table  # secondary suppression
    assert table[("by_category", "suppressed_cells")] == "2"
    assert table[("median_days_to_triage", "")] == "1.0"
    assert table[("median_days_to_resolution", "")] == "suppressed"


def test_statistics_below_k_publish_nothing(settings):
    settings.COMPLAINT_STATS_MIN_K = 5
    _file(3, ["deception"])
    client = sign_in(_supervisor())
    assert 'id="stats-suppressed"' in client.get("/console/statistics/").content.decode()
    rows = _csv(client.get("/console/statistics.csv"))
    assert rows == [["section", "key", "value"], ["k", "", "5"], ["total", "", "suppressed"]]


def test_admin_chooses_a_country(settings, admin_user):
    settings.COMPLAINT_STATS_MIN_K = 5
    _file(5, ["deception"], country="MY")
    _file(3, ["deception"], country="TH")
    client = sign_in(admin_user)
    rows = {(r[0], r[1]): r[2] for r in _csv(client.get("/console/statistics.csv?country=my"))}
    assert rows[("total", "")] == "5"
    rows = {(r[0], r[1]): r[2] for r in _csv(client.get("/console/statistics.csv"))}
    assert rows[("total", "")] == "8"


def test_statistics_are_for_supervisors_and_admins_only(moderator, caseworker):
    for user in (factories.InspectorFactory(), moderator, caseworker):
        client = sign_in(user)
        assert client.get("/console/statistics/").status_code == 403
        assert client.get("/console/statistics.csv").status_code == 403
