from __future__ import annotations

import pytest

from backend.retention.models import RetentionRule

pytestmark = pytest.mark.django_db


def _rules(api):
    response = api.get("/api/v1/retention-policy")
    assert response.status_code == 200
    return {(r["category"], r["document_kind"]): r for r in response.json()["rules"]}


def test_policy_is_public_and_lists_the_defaults(api):
    rules = _rules(api)
    assert rules[("document", "payslip")] == {
        "category": "document",
        "document_kind": "payslip",
        "basis": "from_upload",
        "days": 6 * 365,
    }
    assert rules[("document", "medical_certificate")]["basis"] == "after_expiry"
    assert rules[("document", "medical_certificate")]["days"] == 365
    assert rules[("complaint_closed", "")]["days"] == 5 * 365
    assert rules[("notification", "")]["days"] == 90
    assert rules[("unfinished_upload", "")]["days"] == 1


def test_policy_covers_every_category_of_the_issue(api, settings):
    settings.RETENTION_SERVER_LOG_DAYS = 21
    body = api.get("/api/v1/retention-policy").json()
    rules = {(r["category"], r["document_kind"]) for r in body["rules"]}
    assert {
        ("document", "payslip"),
        ("document", "medical_certificate"),
        ("complaint_closed", ""),
        ("complaint_draft", ""),
        ("inactive_account", ""),
        ("unfinished_upload", ""),
        ("notification", ""),
        ("moderation_record", ""),
        ("audit_event", ""),
        ("account_erasure", ""),
        ("export", ""),
    } <= rules
    fixed = {f["category"]: f for f in body["fixed"]}
    assert fixed["vault_trail"] == {"category": "vault_trail", "kept": "with_account", "days": None}
    assert fixed["complaint_access_log"]["kept"] == "with_complaint"
    assert fixed["server_log"] == {"category": "server_log", "kept": "log_rotation", "days": 21}


def test_docs_publish_every_category(api):
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "docs" / "privacy.md").read_text()
    body = api.get("/api/v1/retention-policy").json()
    for rule in body["rules"]:
        assert f"`{rule['document_kind'] or rule['category']}`" in text, rule
    for period in body["fixed"]:
        assert f"`{period['category']}`" in text, period


def test_admin_row_overrides_default_and_adds_kinds(api):
    RetentionRule.objects.create(category="notification", basis="from_creation", days=30)
    RetentionRule.objects.create(
        category="document", document_kind="other", basis="from_upload", days=10
    )
    rules = _rules(api)
    assert rules[("notification", "")]["days"] == 30
    assert rules[("document", "other")]["days"] == 10


def test_admin_can_edit_rules_in_django_admin(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/retention/retentionrule/add/",
        {"category": "notification", "document_kind": "", "basis": "from_creation", "days": "45"},
    )
    assert response.status_code == 302
    assert RetentionRule.objects.get(category="notification").days == 45


def test_document_kind_only_allowed_on_document_rules():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionRule.objects.create(
            category="notification", document_kind="payslip", basis="from_creation", days=1
        )
