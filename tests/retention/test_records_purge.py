"""Audit log entries and moderation decisions are cut after their published period."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.agencies.models import ModerationDecision
from backend.audit.models import AuditEvent
from backend.audit.services import audit_record
from backend.core import clock
from backend.retention.services import retention_run
from tests import factories
from tests.agencies.conftest import make_review
from tests.retention.conftest import YEAR

pytestmark = pytest.mark.django_db


def test_audit_events_older_than_six_years_are_deleted():
    old = audit_record(action="test.old")
    with time_machine.travel(clock.now() + 3 * YEAR, tick=False):
        recent = audit_record(action="test.recent")
    with time_machine.travel(clock.now() + 6 * YEAR + dt.timedelta(days=1), tick=False):
        assert retention_run(dry_run=True).counts["audit_event"] >= 1
        assert AuditEvent.objects.filter(pk=old.pk).exists()
        run = retention_run(dry_run=False)
    assert run.counts["audit_event"] >= 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_moderation_decisions_older_than_two_years_are_deleted(moderator):
    review = make_review(factories.AgencyFactory())
    old = ModerationDecision.objects.create(
        review=review, moderator=moderator, action="remove", reason="spam"
    )
    with time_machine.travel(clock.now() + YEAR, tick=False):
        recent = ModerationDecision.objects.create(
            review=review, moderator=moderator, action="release", reason="ok"
        )
    with time_machine.travel(clock.now() + 2 * YEAR + dt.timedelta(days=1), tick=False):
        run = retention_run(dry_run=False)
    assert run.counts["moderation_record"] == 1
    assert list(ModerationDecision.objects.values_list("pk", flat=True)) == [recent.pk]
    del old
