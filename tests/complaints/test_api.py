"""The complaints API: intake, drafts, idempotency, lookup, and who sees what."""

from __future__ import annotations

import uuid

import pytest

from backend.complaints.models import Complaint, ComplaintCategory, State
from tests import factories
from tests.complaints.conftest import NARRATIVE, Case, act, make_document

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


def payload(**overrides):
    body = {
        "client_key": str(uuid.uuid4()),
        "employer_name": "Sunrise Seafood Co.",
        "workplace_country": "th",
        "workplace_region": "Samut Sakhon",
        "sector": "fishing",
        "categories": ["retention_of_identity_documents", "withholding_of_wages"],
        "narrative": NARRATIVE,
        "since": "2026-01-15",
        "amount_claimed": "45000.00",
        "claimed_currency": "THB",
        "submit": True,
    }
    body.update(overrides)
    return body


def test_worker_files_a_complaint_and_gets_a_reference(worker, auth_client):
    response = auth_client(worker).post(URL, payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "submitted"
    assert body["reference"].startswith("FT-")
    assert body["priority"] == "urgent"
    assert body["narrative"] == NARRATIVE
    assert body["workplace_country"] == "TH"
    assert body["due_status"] == "on_time"
    complaint = Complaint.objects.get(pk=body["id"])
    assert NARRATIVE.encode() not in bytes(complaint.sealed_narrative)
    assert set(
        ComplaintCategory.objects.filter(complaint=complaint).values_list("category", flat=True)
    ) == {
        "retention_of_identity_documents",
        "withholding_of_wages",
    }


def test_retried_submission_returns_the_same_complaint(worker, auth_client):
    client = auth_client(worker)
    body = payload()
    first = client.post(URL, body, format="json")
    second = client.post(URL, body, format="json")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Complaint.objects.filter(worker=worker).count() == 1


def test_draft_is_saved_then_finished_and_submitted(worker, auth_client):
    client = auth_client(worker)
    draft = client.post(
        URL, {"client_key": str(uuid.uuid4()), "categories": ["deception"]}, format="json"
    )
    assert draft.status_code == 201
    assert draft.json()["state"] == "draft"
    url = f"{URL}{draft.json()['id']}/"
    incomplete = client.post(f"{url}transitions", {"action": "submit"}, format="json")
    assert incomplete.status_code == 400
    assert set(incomplete.json()["error"]["fields"]) == {
        "employer_name",
        "workplace_country",
        "narrative",
    }
    patched = client.patch(
        url,
        {"employer_name": "Acme", "workplace_country": "TH", "narrative": "Lied about pay"},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["priority"] == "high"
    submitted = client.post(f"{url}transitions", {"action": "submit"}, format="json")
    assert submitted.status_code == 200
    assert submitted.json()["state"] == "submitted"
    again = client.patch(url, {"employer_name": "Other"}, format="json")
    assert again.status_code == 409
    assert Complaint.objects.get(pk=draft.json()["id"]).employer_name == "Acme"


def test_bad_input_is_400_and_creates_nothing(worker, auth_client):
    response = auth_client(worker).post(
        URL, payload(categories=["not-a-category"], since="2999-01-01"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"categories.0", "since"}
    assert not Complaint.objects.exists()


def test_caseworker_files_for_a_worker_with_recorded_consent(caseworker, worker, auth_client):
    response = auth_client(caseworker).post(
        URL,
        payload(worker=worker.username, consent_method="verbal", consent_note="By phone, 3 May"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["consent_note"] == "By phone, 3 May"
    complaint = Complaint.objects.get(pk=response.json()["id"])
    assert (complaint.worker, complaint.filed_by) == (worker, caseworker)
    mine = auth_client(worker).get(f"{URL}{complaint.pk}/")
    assert mine.status_code == 200


def test_caseworker_without_consent_is_400(caseworker, worker, auth_client):
    response = auth_client(caseworker).post(URL, payload(worker=worker.username), format="json")
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_moderator_cannot_file(moderator, auth_client):
    assert auth_client(moderator).post(URL, payload(), format="json").status_code == 403


def test_lookup_by_reference_as_typed(auth_client):
    case = Case()
    complaint = case.to(State.SUBMITTED)
    typed = complaint.reference.lower().replace("-", " ")
    response = auth_client(case.worker).get(f"{URL}lookup", {"reference": typed})
    assert response.status_code == 200
    assert response.json()["id"] == str(complaint.pk)
    other = auth_client(factories.WorkerFactory()).get(
        f"{URL}lookup", {"reference": complaint.reference}
    )
    assert other.status_code == 404


# --- Who must not see a complaint: every object endpoint ---------------------------------------


def _strangers():
    return {
        "other_worker": factories.WorkerFactory(),
        "foreign_inspector": factories.InspectorFactory(country="PH"),
        "other_sector_inspector": factories.InspectorFactory(sectors=["construction"]),
        "uninvited_caseworker": factories.CaseworkerFactory(),
        "moderator": factories.ModeratorFactory(),
        "admin": factories.AdminFactory(),
    }


def _requests(complaint, document_id):
    base = f"{URL}{complaint.pk}/"
    return [
        ("get", base, None),
        ("patch", base, {"employer_name": "Hacked"}),
        ("post", f"{base}transitions", {"action": "accept"}),
        ("post", f"{base}transitions", {"action": "withdraw"}),
        ("get", f"{base}messages/", None),
        ("post", f"{base}messages/", {"body": "hello"}),
        ("post", f"{base}evidence", {"document_ids": [str(document_id)]}),
        ("post", f"{base}invitations", {"caseworker": "caseworker0"}),
        ("get", f"{URL}lookup?reference={complaint.reference}", None),
    ]


def test_every_object_endpoint_is_404_for_people_who_must_not_see_it(auth_client, api):
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    document = make_document(case.worker)
    before = (complaint.state, complaint.version, complaint.employer_name)
    for name, stranger in _strangers().items():
        client = auth_client(stranger)
        for method, url, body in _requests(complaint, document.pk):
            response = getattr(client, method)(url, body, format="json")
            assert response.status_code == 404, (name, method, url, response.status_code)
            assert "Sunrise" not in response.content.decode()
    for method, url, body in _requests(complaint, document.pk):
        assert getattr(api, method)(url, body, format="json").status_code == 401
    case.reload()
    assert (case.complaint.state, case.complaint.version, case.complaint.employer_name) == before
    assert not case.complaint.messages.exists()
    assert not case.complaint.evidence.exists()


def test_lists_and_queue_hide_other_peoples_complaints(auth_client):
    case = Case()
    complaint = case.to(State.SUBMITTED)
    for name, stranger in _strangers().items():
        listed = auth_client(stranger).get(URL)
        assert listed.status_code == 200, name
        assert listed.json()["results"] == [], name
    foreign = auth_client(factories.InspectorFactory(country="PH")).get("/api/v1/inspection/queue")
    assert foreign.json()["results"] == []
    mine = auth_client(case.inspector).get("/api/v1/inspection/queue")
    assert [r["id"] for r in mine.json()["results"]] == [str(complaint.pk)]


def test_draft_is_invisible_to_inspectors(auth_client):
    case = Case()
    complaint = case.to(State.DRAFT)
    response = auth_client(case.inspector).get(f"{URL}{complaint.pk}/")
    assert response.status_code == 404


def test_invited_caseworker_sees_the_case_and_uninvited_does_not(auth_client):
    case = Case()
    complaint = case.to(State.SUBMITTED)
    assert auth_client(case.caseworker).get(f"{URL}{complaint.pk}/").status_code == 200
    assert (
        auth_client(factories.CaseworkerFactory()).get(f"{URL}{complaint.pk}/").status_code == 404
    )


def test_region_bound_inspector_sees_only_their_region(auth_client):
    case = Case()
    complaint = case.to(State.SUBMITTED)
    same = factories.InspectorFactory(region="samut sakhon", sectors=["fishing"])
    other = factories.InspectorFactory(region="Chiang Mai")
    assert auth_client(same).get(f"{URL}{complaint.pk}/").status_code == 200
    assert auth_client(other).get(f"{URL}{complaint.pk}/").status_code == 404


def test_transition_api_conflict_and_permission_envelopes(auth_client):
    case = Case()
    complaint = case.to(State.SUBMITTED)
    url = f"{URL}{complaint.pk}/transitions"
    ok = auth_client(case.inspector).post(url, {"action": "accept"}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "accepted"
    again = auth_client(case.supervisor).post(url, {"action": "accept"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    stale = auth_client(case.inspector).post(url, {"action": "assign", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    denied = auth_client(case.worker).post(url, {"action": "assign"}, format="json")
    assert denied.status_code == 403
    unknown = auth_client(case.worker).post(url, {"action": "explode"}, format="json")
    assert unknown.status_code == 400


def test_queue_filters_and_due_status(auth_client):
    import datetime as dt

    case = Case(categories=["physical_sexual_violence"])
    urgent = case.to(State.SUBMITTED)
    other = Case(categories=["unsafe_workplace"]).to(State.SUBMITTED)
    Complaint.objects.filter(pk=other.pk).update(due_at=other.due_at - dt.timedelta(days=5))
    client = auth_client(case.inspector)
    q = "/api/v1/inspection/queue"
    rows = client.get(q).json()["results"]
    assert [r["id"] for r in rows] == [str(urgent.pk), str(other.pk)]
    overdue = client.get(q, {"view": "overdue"}).json()["results"]
    assert [(r["id"], r["due_status"]) for r in overdue] == [(str(other.pk), "overdue")]
    by_cat = client.get(q, {"category": "unsafe_workplace"}).json()["results"]
    assert [r["id"] for r in by_cat] == [str(other.pk)]
    by_ref = client.get(q, {"reference": urgent.reference}).json()["results"]
    assert [r["id"] for r in by_ref] == [str(urgent.pk)]
    assert client.get(q, {"view": "unassigned"}).json()["count"] == 2
    assert client.get(q, {"view": "mine"}).json()["count"] == 0
    assert client.get(q, {"priority": "nonsense"}).status_code == 400
    act(case.inspector, urgent, "accept")
    act(case.inspector, urgent, "assign")
    assert [r["id"] for r in client.get(q, {"view": "mine"}).json()["results"]] == [str(urgent.pk)]
    assert auth_client(case.worker).get(q).status_code == 403


# --- Query counts: constant in the number of rows ---------------------------------------------


def _count(client, url):
    from tests.querycount import count_queries

    return count_queries(lambda: client.get(url))


def test_complaint_list_query_count_is_constant(worker, auth_client):
    from tests.complaints.conftest import file_complaint

    client = auth_client(worker)
    file_complaint(worker)
    one = _count(client, URL)
    for _ in range(4):
        file_complaint(worker)
    assert _count(client, URL) == one


def test_queue_query_count_is_constant(auth_client, inspector):
    from tests.complaints.conftest import file_complaint

    client = auth_client(inspector)
    file_complaint(factories.WorkerFactory())
    one = _count(client, "/api/v1/inspection/queue")
    for _ in range(4):
        file_complaint(factories.WorkerFactory())
    assert _count(client, "/api/v1/inspection/queue") == one
    assert client.get("/api/v1/inspection/queue").json()["count"] == 5


def test_message_list_query_count_is_constant(auth_client):
    from backend.complaints import services

    case = Case()
    complaint = case.to(State.INVESTIGATING)
    client = auth_client(case.worker)
    url = f"{URL}{complaint.pk}/messages/"
    services.message_post(actor=case.worker, complaint_id=complaint.pk, body="one")
    one = _count(client, url)
    for i in range(4):
        services.message_post(actor=case.assignee, complaint_id=complaint.pk, body=f"m{i}")
    assert _count(client, url) == one


def test_worker_cannot_write_a_consent_record_for_themselves(worker, auth_client):
    response = auth_client(worker).post(
        URL, payload(consent_method="verbal", consent_note="I agreed"), format="json"
    )
    assert response.status_code == 201
    assert response.json()["consent_method"] == ""
    assert response.json()["consent_note"] is None


def test_filing_caseworker_edits_the_draft_and_the_worker_confirms_consent(
    caseworker, worker, auth_client
):
    created = auth_client(caseworker).post(
        URL,
        payload(worker=worker.username, consent_method="in_app", submit=False),
        format="json",
    )
    assert created.status_code == 201
    url = f"{URL}{created.json()['id']}/"
    edited = auth_client(caseworker).patch(url, {"sector": "construction"}, format="json")
    assert edited.status_code == 200 and edited.json()["sector"] == "construction"
    blocked = auth_client(caseworker).post(f"{url}transitions", {"action": "submit"}, format="json")
    assert blocked.status_code == 400
    assert "consent" in blocked.json()["error"]["fields"]
    confirmed = auth_client(worker).post(
        f"{url}transitions", {"action": "confirm_consent"}, format="json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["consent_confirmed_at"]
    submitted = auth_client(caseworker).post(
        f"{url}transitions", {"action": "submit"}, format="json"
    )
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
