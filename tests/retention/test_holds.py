"""Legal holds: inspectors create and end them, workers see them, everyone else gets a 404."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.core import clock
from backend.retention.models import LegalHold
from backend.vault.models import Document
from tests import factories
from tests.complaints.conftest import Case
from tests.querycount import count_queries
from tests.retention.conftest import attach

pytestmark = pytest.mark.django_db

REASON = "Court case 12/2026 pending at the labour court"


@pytest.fixture
def held_case(db):
    case = Case()
    case.to("investigating")
    case.document = Document.objects.create(owner=case.worker, kind="payslip")
    attach(case.complaint, case.document)
    return case


def _ends(days=90):
    return (clock.now() + dt.timedelta(days=days)).isoformat()


def _create(client, case, **extra):
    return client.post(
        f"/api/v1/complaints/{case.complaint.pk}/legal-holds",
        {"reason": REASON, "ends_at": _ends(), **extra},
        format="json",
    )


def test_inspector_of_jurisdiction_creates_hold_with_sealed_reason(auth_client, held_case):
    response = _create(auth_client(held_case.inspector), held_case)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reason"] == REASON
    assert body["complaint"] == held_case.complaint.reference
    hold = LegalHold.objects.get(pk=body["id"])
    assert hold.worker == held_case.worker
    assert REASON.encode() not in bytes(hold.sealed_reason)


def test_hold_on_one_evidence_document(auth_client, held_case):
    response = _create(
        auth_client(held_case.inspector), held_case, document=str(held_case.document.pk)
    )
    assert response.status_code == 201
    assert response.json()["document"] == str(held_case.document.pk)


def test_document_that_is_not_evidence_is_rejected(auth_client, held_case):
    other = Document.objects.create(owner=held_case.worker, kind="payslip")
    response = _create(auth_client(held_case.inspector), held_case, document=str(other.pk))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["document"]
    assert not LegalHold.objects.exists()


def test_end_date_in_past_is_rejected(auth_client, held_case):
    response = auth_client(held_case.inspector).post(
        f"/api/v1/complaints/{held_case.complaint.pk}/legal-holds",
        {"reason": REASON, "ends_at": _ends(-1)},
        format="json",
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()["error"]["fields"]
    assert not LegalHold.objects.exists()


@pytest.mark.parametrize("who", ["worker", "caseworker", "other_inspector", "moderator"])
def test_others_cannot_create_holds(auth_client, held_case, who):
    user = {
        "worker": held_case.worker,
        "caseworker": held_case.caseworker,
        "other_inspector": factories.InspectorFactory(country="MY"),
        "moderator": factories.ModeratorFactory(),
    }[who]
    response = _create(auth_client(user), held_case)
    assert response.status_code == 404
    assert not LegalHold.objects.exists()


def test_anonymous_cannot_create_holds(api, held_case):
    assert _create(api, held_case).status_code == 401


def test_inspector_ends_hold_others_get_404(auth_client, held_case):
    hold_id = _create(auth_client(held_case.inspector), held_case).json()["id"]
    for user in (held_case.worker, factories.InspectorFactory(country="MY")):
        response = auth_client(user).post(f"/api/v1/legal-holds/{hold_id}/end")
        assert response.status_code == 404
        assert LegalHold.objects.get(pk=hold_id).ended_at is None
    response = auth_client(held_case.assignee).post(f"/api/v1/legal-holds/{hold_id}/end")
    assert response.status_code == 200
    assert response.json()["reason"] == REASON
    assert LegalHold.objects.get(pk=hold_id).ended_at is not None


def test_worker_sees_explicit_and_implicit_holds(auth_client, held_case):
    _create(auth_client(held_case.inspector), held_case)
    response = auth_client(held_case.worker).get("/api/v1/me/legal-holds")
    assert response.status_code == 200
    rows = response.json()["results"]
    explicit = [r for r in rows if not r["implicit"]]
    implicit = [r for r in rows if r["implicit"]]
    assert [r["reason"] for r in explicit] == [REASON]
    assert [(r["document"], r["complaint"]) for r in implicit] == [
        (str(held_case.document.pk), held_case.complaint.reference)
    ]


def test_other_worker_sees_none_of_them(auth_client, held_case, other_worker):
    _create(auth_client(held_case.inspector), held_case)
    response = auth_client(other_worker).get("/api/v1/me/legal-holds")
    assert response.json()["results"] == []
    assert auth_client(held_case.inspector).get("/api/v1/me/legal-holds").status_code == 403


def test_hold_list_query_count_is_constant(auth_client, held_case):
    client = auth_client(held_case.worker)
    inspector_client = auth_client(held_case.inspector)
    _create(inspector_client, held_case)

    def count() -> int:
        return count_queries(lambda: client.get("/api/v1/me/legal-holds"))

    before = count()
    for _ in range(3):
        _create(inspector_client, held_case)
        document = Document.objects.create(owner=held_case.worker, kind="payslip")
        attach(held_case.complaint, document)
    assert count() == before


def test_hold_after_worker_key_shredded_keeps_no_reason(auth_client, held_case):
    from backend.vault.services import vault_shred

    vault_shred(owner=held_case.worker)
    response = _create(auth_client(held_case.inspector), held_case)
    assert response.status_code == 201
    assert response.json()["reason"] is None
    assert LegalHold.objects.get().sealed_reason is None


def test_inspectors_and_the_worker_list_holds_in_force_on_a_complaint(auth_client, held_case):
    url = f"/api/v1/complaints/{held_case.complaint.pk}/legal-holds"
    inspector = auth_client(held_case.inspector)
    assert inspector.get(url).json() == {"results": []}
    first = _create(inspector, held_case).json()["id"]
    second = _create(inspector, held_case).json()["id"]
    assert inspector.post(f"/api/v1/legal-holds/{first}/end").status_code == 200
    rows = auth_client(held_case.assignee).get(url).json()["results"]
    assert [(r["id"], r["reason"], r["ends_at"] is not None) for r in rows] == [
        (second, REASON, True)
    ]
    own = auth_client(held_case.worker).get(url).json()["results"]
    assert [(r["id"], r["reason"]) for r in own] == [(second, REASON)]
    stranger = factories.WorkerFactory()
    for user in (stranger, held_case.caseworker, factories.InspectorFactory(country="MY")):
        response = auth_client(user).get(url)
        assert response.status_code == 404
        assert REASON not in response.content.decode()
