"""The verified badge: a contract or fee receipt for that agency in the reviewer's vault,
uploaded before the review. Uses real vault ``Document`` rows and the real vault selector.

Only the kind and agency a document had when it was uploaded count (``kind_at_upload``,
``agency_at_upload``, set by the vault's ``document_create``): relabelling a photo later earns
no badge. Publicly, the badge is shown only when it reveals no group the statistics suppress."""

import datetime as dt

import pytest

from backend.agencies.models import Review
from backend.core import clock
from backend.vault.models import Document, DocumentKind
from tests import factories
from tests.agencies.conftest import make_review, review_payload

pytestmark = pytest.mark.usefixtures("real_vault_evidence")


def add_document(
    owner, agency, kind=DocumentKind.EMPLOYMENT_CONTRACT, *, days_ago=3, deleted=False
):
    """A document as ``document_create`` leaves it: kind and agency also recorded as uploaded."""
    document = Document.objects.create(
        owner=owner, kind=kind, agency=agency, kind_at_upload=kind, agency_at_upload=agency
    )
    Document.objects.filter(pk=document.pk).update(
        created_at=clock.now() - dt.timedelta(days=days_ago),
        deleted_at=clock.now() if deleted else None,
    )
    return document


@pytest.mark.parametrize(
    "kind", [DocumentKind.EMPLOYMENT_CONTRACT, DocumentKind.RECRUITMENT_FEE_RECEIPT]
)
def test_contract_or_receipt_uploaded_before_the_review_gives_the_badge(worker, agency, kind):
    add_document(worker, agency, kind)
    assert make_review(agency, author=worker).verified is True


@pytest.mark.parametrize(
    "setup",
    [
        "other_kind",
        "other_agency",
        "deleted",
        "someone_elses",
        "no_document",
    ],
)
def test_no_badge_without_matching_live_evidence(worker, agency, setup):
    if setup == "other_kind":
        add_document(worker, agency, DocumentKind.PAYSLIP)
    elif setup == "other_agency":
        add_document(worker, factories.AgencyFactory())
    elif setup == "deleted":
        add_document(worker, agency, deleted=True)
    elif setup == "someone_elses":
        add_document(factories.WorkerFactory(), agency)
    assert make_review(agency, author=worker).verified is False


def test_document_uploaded_after_the_review_counts_only_from_the_next_edit(worker, agency):
    from backend.agencies import services

    review = make_review(agency, author=worker)
    assert review.verified is False
    add_document(worker, agency, days_ago=0)
    Document.objects.filter(owner=worker).update(created_at=clock.now() + dt.timedelta(seconds=1))
    review.refresh_from_db()
    assert review.verified is False  # stored at creation, not recomputed on read
    later = clock.now() + dt.timedelta(minutes=5)
    import time_machine

    with time_machine.travel(later):
        services.review_update(author=worker, review_id=review.id, changes={"comment": "edited"})
    review.refresh_from_db()
    assert review.verified is True


def test_badge_never_reveals_which_document(client_for, worker, agency, api):
    document = add_document(worker, agency)
    response = client_for(worker).post(
        f"/api/v1/agencies/{agency.id}/reviews/", review_payload(), format="json"
    )
    assert response.status_code == 201
    assert response.json()["verified"] is True
    assert str(document.id) not in response.content.decode()
    for _ in range(4):
        make_review(agency)
    from backend.agencies import services

    services.agency_aggregates_refresh(agency_id=agency.id)
    public = api.get(f"/api/v1/agencies/{agency.id}/reviews/").content.decode()
    assert str(document.id) not in public and "document" not in public.replace("documents", "")
    assert Review.objects.get(author=worker).verified is True


@pytest.mark.parametrize("relabel", ["kind", "agency"])
def test_relabelling_a_document_after_upload_gives_no_badge(worker, agency, relabel):
    if relabel == "kind":  # uploaded as a payslip, edited into a "contract"
        document = add_document(worker, agency, DocumentKind.PAYSLIP)
        Document.objects.filter(pk=document.pk).update(kind=DocumentKind.EMPLOYMENT_CONTRACT)
    else:  # uploaded for another agency, edited to point at this one
        document = add_document(worker, factories.AgencyFactory())
        Document.objects.filter(pk=document.pk).update(agency=agency)
    assert make_review(agency, author=worker).verified is False


# --- The public badge and the k-suppressed ``by_verified`` breakdown --------------------------


def public_badges(api, agency) -> list:
    from backend.agencies import services

    services.agency_aggregates_refresh(agency_id=agency.id)
    body = api.get(f"/api/v1/agencies/{agency.id}/reviews/").json()
    assert body["suppressed"] is False
    return sorted(body["results"], key=lambda r: str(r["verified"]))


def by_verified(api, agency) -> list:
    return api.get(f"/api/v1/agencies/{agency.id}/").json()["stats"]["by_verified"]


def test_badges_are_shown_when_both_groups_are_published(api, agency):
    for verified in [True] * 5 + [False] * 5:
        make_review(agency, verified=verified)
    badges = [r["verified"] for r in public_badges(api, agency)]
    assert badges == [False] * 5 + [True] * 5
    assert {cell["verified"] for cell in by_verified(api, agency)} == {True, False}


@pytest.mark.parametrize(
    ("verified", "unverified"),
    [(1, 6), (6, 1), (4, 5), (0, 7), (7, 0)],
)
def test_badges_are_hidden_when_a_group_is_suppressed(api, agency, verified, unverified):
    for flag in [True] * verified + [False] * unverified:
        make_review(agency, verified=flag)
    results = public_badges(api, agency)
    assert len(results) == verified + unverified
    assert all(r["verified"] is None for r in results)
    # The badges would have revealed the small group the breakdown suppresses.
    assert {cell["verified"] for cell in by_verified(api, agency)} != {True, False}
