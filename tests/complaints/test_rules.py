"""Pure rules: references, priority, deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.complaints import rules
from backend.complaints.models import Complaint, Priority
from tests.complaints.conftest import file_complaint
from tests.factories import WorkerFactory

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_reference_has_the_readable_shape_without_confusable_characters():
    for _ in range(500):
        reference = rules.reference_new()
        assert len(reference) == 12
        assert reference[:3] == "FT-" and reference[7] == "-"
        body = reference[3:7] + reference[8:]
        assert set(body) <= set(rules.REFERENCE_ALPHABET)
    assert not set("01OILSZB258") & set(rules.REFERENCE_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("FT-7K3Q-9M4D", "FT-7K3Q-9M4D"),
        ("ft 7k3q 9m4d", "FT-7K3Q-9M4D"),
        ("7K3Q9M4D", "FT-7K3Q-9M4D"),
        ("FT-7K3Q-9M0D", None),  # 0 is never issued
        ("FT-7K3Q", None),
        ("", None),
    ],
)
def test_reference_normalise_accepts_what_people_type(typed, expected):
    assert rules.reference_normalise(typed) == expected


def test_reference_collision_is_retried(db, monkeypatch):
    worker = WorkerFactory()
    first = file_complaint(worker)
    issued = iter([first.reference, first.reference, "FT-AAAA-CCCC"])
    monkeypatch.setattr(rules, "reference_new", lambda: next(issued))
    second = file_complaint(worker)
    assert second.reference == "FT-AAAA-CCCC"
    assert Complaint.objects.filter(reference=first.reference).count() == 1


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ([], Priority.NORMAL),
        (["unpaid_overtime_or_benefits", "unsafe_workplace"], Priority.NORMAL),
        (["deception"], Priority.HIGH),
        (["excessive_overtime", "illegal_deductions"], Priority.HIGH),
        (["retention_of_identity_documents"], Priority.HIGH),
        (["withholding_of_wages"], Priority.HIGH),
        (["retention_of_identity_documents", "withholding_of_wages"], Priority.URGENT),
        (["retention_of_identity_documents", "unpaid_or_late_wages"], Priority.URGENT),
        (["physical_sexual_violence"], Priority.URGENT),
    ],
)
def test_priority_rules(categories, expected):
    assert rules.priority_compute(categories) == expected


def test_thai_deadlines_triage_3_days_decision_60_extendable_by_30():
    assert rules.triage_due("TH", T0) == T0 + dt.timedelta(days=3)
    assert rules.decision_due("TH", T0) == T0 + dt.timedelta(days=60)
    assert rules.decision_extension("TH") == dt.timedelta(days=30)


def test_philippine_conciliation_is_30_days_without_extension():
    assert rules.decision_due("PH", T0) == T0 + dt.timedelta(days=30)
    assert rules.decision_extension("PH") == dt.timedelta(0)


def test_unknown_jurisdiction_uses_the_defaults():
    assert rules.triage_due("MY", T0) == T0 + dt.timedelta(days=3)
    assert rules.decision_due("MY", T0) == T0 + dt.timedelta(days=60)


def test_settings_override_one_jurisdiction(settings):
    settings.COMPLAINT_DEADLINES = {"MY": {"triage": 7}, "default": {"decision": 45}}
    assert rules.triage_due("MY", T0) == T0 + dt.timedelta(days=7)
    assert rules.decision_due("MY", T0) == T0 + dt.timedelta(days=45)
    assert rules.decision_due("TH", T0) == T0 + dt.timedelta(days=60)
