"""Filing for a worker files once: the back button, a double click or a stale form sent again
lead to the complaint already filed (issue 8)."""

from __future__ import annotations

import re

import pytest

from backend.complaints.models import Complaint
from tests import factories
from tests.console.conftest import sign_in

pytestmark = pytest.mark.django_db

FORM = "/console/cases/new/"


def rendered_key(client) -> str:
    response = client.get(FORM)
    assert response.status_code == 200
    return re.search(r'name="client_key" value="([^"]+)"', response.content.decode())[1]


def filing(worker, client_key: str, **extra) -> dict:
    return {
        "client_key": client_key,
        "worker": worker.username,
        "consent_method": "verbal",
        "consent_note": "Consent given at the drop-in centre.",
        "employer_name": "Sunrise Seafood",
        "workplace_country": "TH",
        "categories": ["withholding_of_wages"],
        "narrative": "Wages withheld for three months.",
        "submit": "1",
        **extra,
    }


def test_renders_carry_the_same_key_until_a_filing_consumes_it(caseworker):
    client = sign_in(caseworker)
    first = rendered_key(client)
    assert rendered_key(client) == first  # a reload (no-store) keeps the pending key
    worker = factories.WorkerFactory()
    assert client.post(FORM, filing(worker, first)).status_code == 302
    assert rendered_key(client) != first  # the next filing is a new one


def test_back_button_and_resubmit_with_the_same_key_files_once(caseworker):
    worker = factories.WorkerFactory()
    client = sign_in(caseworker)
    key = rendered_key(client)
    response = client.post(FORM, filing(worker, key))
    complaint = Complaint.objects.get(worker=worker)
    assert response["Location"] == f"/console/cases/{complaint.pk}/"

    again = client.post(FORM, filing(worker, key), follow=True)
    assert again.redirect_chain[-1][0] == f"/console/cases/{complaint.pk}/"
    html = again.content.decode()
    assert "already filed as" in html and complaint.reference in html
    assert Complaint.objects.filter(worker=worker).count() == 1


def test_resubmit_with_a_newly_rendered_key_files_once(caseworker):
    """Back after success fetches the form again (no-store): a fresh key, the same filing."""
    worker = factories.WorkerFactory()
    client = sign_in(caseworker)
    client.post(FORM, filing(worker, rendered_key(client)))
    complaint = Complaint.objects.get(worker=worker)

    fresh = rendered_key(client)
    response = client.post(
        FORM, filing(worker, fresh, narrative="Wages  withheld for three months.")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/console/cases/{complaint.pk}/"
    assert Complaint.objects.filter(worker=worker).count() == 1


def test_a_different_filing_after_a_success_is_filed(caseworker):
    worker = factories.WorkerFactory()
    client = sign_in(caseworker)
    client.post(FORM, filing(worker, rendered_key(client)))
    response = client.post(
        FORM, filing(worker, rendered_key(client), narrative="Passport kept by the agency.")
    )
    assert response.status_code == 302
    assert Complaint.objects.filter(worker=worker).count() == 2


def test_a_failed_filing_keeps_its_key_and_files_once_when_corrected(caseworker):
    worker = factories.WorkerFactory()
    client = sign_in(caseworker)
    key = rendered_key(client)
    bad = client.post(FORM, filing(worker, key, consent_method=""))
    assert bad.status_code == 400
    assert f'name="client_key" value="{key}"' in bad.content.decode()
    assert not Complaint.objects.exists()
    assert client.post(FORM, filing(worker, key)).status_code == 302
    assert client.post(FORM, filing(worker, key)).status_code == 302
    assert Complaint.objects.filter(worker=worker).count() == 1
    assert str(Complaint.objects.get(worker=worker).client_key) == key


def test_another_caseworkers_session_does_not_see_the_memory(caseworker):
    """The memory is per session: someone else filing the same story files their own."""
    worker = factories.WorkerFactory()
    sign_in(caseworker).post(FORM, filing(worker, "not-a-key"))
    other = sign_in(factories.CaseworkerFactory())
    assert other.post(FORM, filing(worker, "not-a-key")).status_code == 302
    assert Complaint.objects.filter(worker=worker).count() == 2


def test_two_tabs_for_two_workers_file_both(caseworker):
    """Two forms rendered before either was sent carry the same pending key; for different
    workers both are filed (the key is unique per worker)."""
    client = sign_in(caseworker)
    tab_a, tab_b = rendered_key(client), rendered_key(client)
    assert tab_a == tab_b
    first, second = factories.WorkerFactory(), factories.WorkerFactory()
    assert client.post(FORM, filing(first, tab_a)).status_code == 302
    response = client.post(FORM, filing(second, tab_b, narrative="Kept in the dormitory."))
    complaint = Complaint.objects.get(worker=second)
    assert response["Location"] == f"/console/cases/{complaint.pk}/"
    assert Complaint.objects.filter(worker=first).count() == 1
