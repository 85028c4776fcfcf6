"""Master-key rotation re-seals review comments (and revision copies); a comment whose key is
gone is a clear error, never a crash of the worker's own review list."""

from __future__ import annotations

import base64
import secrets

import pytest
from django.core.management import call_command

from backend.agencies import services
from backend.agencies.models import Review, ReviewRevision
from backend.agencies.sealing import open_comment
from backend.audit.models import AuditEvent
from backend.core.keys import master_key_provider
from tests.agencies.conftest import make_review, review_payload

pytestmark = pytest.mark.django_db

OWN = "/api/v1/me/reviews/"


@pytest.fixture
def fresh_provider():
    master_key_provider.cache_clear()
    yield
    master_key_provider.cache_clear()


def use_keys(settings, text: str) -> None:
    settings.FAIRTRAIL_MASTER_KEY = text
    master_key_provider.cache_clear()


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_rotation_round_trip(client_for, worker, agency, settings, fresh_provider, capsys):
    client = client_for(worker)
    created = client.post(
        f"/api/v1/agencies/{agency.id}/reviews/",
        review_payload(comment="Broker took my passport"),
        format="json",
    ).json()
    edited = client.patch(f"{OWN}{created['id']}/", {"comment": "They kept it"}, format="json")
    assert edited.status_code == 200
    review = Review.objects.get(pk=created["id"])
    sealed_before = bytes(review.comment_sealed)
    old, new = settings.FAIRTRAIL_MASTER_KEY, new_key()
    use_keys(settings, f"k2:{new},k1:{old}")

    call_command("rotate_master_key")
    out = capsys.readouterr().out
    use_keys(settings, f"k2:{new}")  # the old key is gone for good

    mine = client.get(OWN)
    assert mine.status_code == 200
    assert mine.json()["results"][0]["comment"] == "They kept it"
    assert mine.json()["results"][0]["comment_unreadable"] is False
    revision = ReviewRevision.objects.get(review=review)
    assert open_comment(review.id, revision.comment_sealed) == "Broker took my passport"
    assert "; 0 left under older keys." in out
    assert "Re-sealed 2 review comments; 0 of those left are review comments." in out
    review.refresh_from_db()
    assert (review.comment_key_id, revision.comment_key_id) == ("k2", "k2")
    assert bytes(review.comment_sealed) != sealed_before
    assert AuditEvent.objects.filter(action="agencies.comments_resealed").count() == 2
    # Editing still works: the old text is opened to compare and kept as a revision.
    again = client.patch(f"{OWN}{review.id}/", {"ratings": {"overall": 2}}, format="json")
    assert again.status_code == 200 and again.json()["comment"] == "They kept it"

    call_command("rotate_master_key")
    assert "Re-sealed 0 review comments" in capsys.readouterr().out


def test_rotation_walks_every_batch(agency, settings, fresh_provider):
    reviews = [make_review(agency, comment=f"text {i}") for i in range(5)]
    make_review(agency)  # no comment: nothing to re-seal
    use_keys(settings, f"k2:{new_key()},k1:{settings.FAIRTRAIL_MASTER_KEY}")

    result = services.review_comments_reseal_with_current_master(batch_size=2)

    assert (result.resealed, result.remaining) == (5, 0)
    for i, review in enumerate(reviews):
        review.refresh_from_db()
        assert review.comment_key_id == "k2"
        assert open_comment(review.id, review.comment_sealed) == f"text {i}"
    assert services.review_comments_reseal_with_current_master().resealed == 0


def test_comment_under_a_dropped_key_is_reported_not_crashed(
    client_for, worker, agency, settings, fresh_provider, capsys
):
    review = make_review(agency, author=worker, comment="Kept my passport")
    use_keys(settings, f"k2:{new_key()}")  # k1 dropped before any rotation ran
    client = client_for(worker)

    listed = client.get(OWN)
    assert listed.status_code == 200
    item = listed.json()["results"][0]
    assert (item["comment"], item["comment_unreadable"]) == ("", True)
    assert item["comment_public_text"] == "Kept my passport"
    assert client.get(f"{OWN}{review.id}/").status_code == 200

    # An edit that keeps the comment needs the old text: a clear error, nothing written.
    kept = client.patch(f"{OWN}{review.id}/", {"ratings": {"overall": 1}}, format="json")
    assert kept.status_code == 500
    assert kept.json()["error"]["code"] == "comment_unreadable"
    review.refresh_from_db()
    assert review.rating_overall == 4 and not ReviewRevision.objects.exists()
    # Replacing the comment does not need it.
    replaced = client.patch(f"{OWN}{review.id}/", {"comment": "New text"}, format="json")
    assert replaced.status_code == 200
    assert replaced.json()["comment"] == "New text"
    assert replaced.json()["comment_status"] == "pending"

    # Rotation cannot open the revision copy either: it stays counted as left over.
    call_command("rotate_master_key")
    out = capsys.readouterr().out
    assert "; 1 left under older keys." in out
    assert "Re-sealed 0 review comments; 1 of those left are review comments." in out
