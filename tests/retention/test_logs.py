"""A worker's whole life on Fairtrail, from sign-up to erasure, leaves no phone number, name,
document title or full client IP in the logs: neither in what the configured handler writes
nor (for names and titles, which no filter can recognise) in the records themselves."""

from __future__ import annotations

import logging
import re

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.retention.services import retention_run
from tests.vault.conftest import upload_document

pytestmark = pytest.mark.django_db

PHONE = "+66819990418"
PASSWORD = "a-long-canary-passphrase"
NAME = "Canary Thida Win"
TITLE = "CANARY-LOG-TITLE-51e0"
IP = "203.0.113.77"


def _lifecycle(sms, capture) -> None:
    api = APIClient(REMOTE_ADDR=IP)
    with capture(execute=True):
        response = api.post("/api/v1/auth/register", {"phone": PHONE, "password": PASSWORD})
    assert response.status_code == 202, response.json()
    code = re.search(r"\b(\d{6})\b", sms[-1].body).group(1)
    with capture(execute=True):
        response = api.post(
            "/api/v1/auth/verify-phone", {"phone": PHONE, "code": code, "password": PASSWORD}
        )
    assert response.status_code == 200, response.json()
    User.objects.filter(phone=PHONE).update(display_name=NAME)
    client = APIClient(REMOTE_ADDR=IP)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    with capture(execute=True):
        response = upload_document(client, kind="payslip", title=TITLE)
    assert response.status_code == 201, response.json()
    document_id = response.json()["id"]
    assert client.get(f"/api/v1/vault/documents/{document_id}/content").status_code == 200
    bad = APIClient(REMOTE_ADDR=IP).post(
        "/api/v1/auth/token", {"phone": PHONE, "password": "wrong"}, format="json"
    )
    assert bad.status_code in (400, 401)
    with capture(execute=True):
        assert client.post("/api/v1/me/export").status_code == 202
    assert client.delete("/api/v1/me", {"password": "wrong"}, format="json").status_code == 400
    with capture(execute=True):
        assert client.delete("/api/v1/me", {"password": PASSWORD}, format="json").status_code == 204
    with capture(execute=True):
        retention_run(dry_run=False)


def test_lifecycle_logs_carry_no_personal_data(
    sms, caplog, console_output, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    _lifecycle(sms, django_capture_on_commit_callbacks)

    written = console_output.getvalue()
    assert "account erasure requested" in written  # the handler did write what was logged
    for needle in (PHONE, PHONE.lstrip("+"), PHONE[3:], NAME, TITLE, IP):
        assert needle not in written, needle
    raw = "\n".join(
        f"{record.getMessage()} {record.__dict__}" for record in caplog.records
    )  # before any filter: extra fields too
    assert caplog.records
    for needle in (NAME, TITLE):
        assert needle not in raw, needle
