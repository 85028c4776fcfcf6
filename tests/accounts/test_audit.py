from __future__ import annotations

import json
from collections import Counter

import pytest

from backend.audit.models import AuditEvent
from tests.accounts.conftest import PASSWORD, PHONE, code_from

pytestmark = pytest.mark.django_db


def test_account_flow_is_audited_without_personal_data(
    registered, verify, register, api, sms, later
):
    _user, first_code = registered
    later()
    register()  # again, while still unverified: a fresh code
    code = code_from(sms[-1])
    tokens = verify(code).json()
    login = api.post("/api/v1/auth/token", {"phone": PHONE, "password": PASSWORD}).json()
    api.post("/api/v1/auth/token/refresh", {"refresh": login["refresh"]})
    api.post("/api/v1/auth/token/refresh", {"refresh": login["refresh"]})  # reuse
    api.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]})

    actions = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert actions == Counter(
        {
            "user.registered": 1,
            "user.registration_repeated": 1,
            "phone.verified": 1,
            "auth.signed_in": 2,
            "auth.refresh_reuse_detected": 1,
            "auth.signed_out": 1,
        }
    )
    dump = json.dumps(list(AuditEvent.objects.values("data", "target_id", "target_type")))
    for secret in (PHONE, PHONE[1:], PHONE[-8:], PASSWORD, code, first_code, tokens["refresh"]):
        assert secret not in dump
