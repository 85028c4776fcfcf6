"""Reminders fire on the right local day; vault events notify the right person."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from backend.notifications.models import Notification, NotificationPreference
from backend.notifications.reminders import (
    document_expiry_reminders_send,
    grant_expiry_reminders_send,
)
from backend.notifications.selectors import user_time_zone
from backend.vault import keyring
from backend.vault.models import Document, Grant, TrailEvent
from backend.vault.services import GrantRequest, document_access_record, grant_create

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def do(fn, when: dt.datetime) -> int:
        with (
            time_machine.travel(when, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return fn(now=when)

    return do


def visa(owner, expires_on, kind="visa_or_work_permit"):
    return Document.objects.create(owner=owner, kind=kind, expires_on=expires_on)


def reminders(user):
    return list(
        Notification.objects.filter(recipient=user, event="vault.document_expiring")
        .order_by("created_at")
        .values_list("data__days", flat=True)
    )


def test_reminders_30_and_7_days_before_each_exactly_once(worker, run):
    NotificationPreference.objects.create(user=worker, time_zone="UTC")
    visa(worker, dt.date(2027, 3, 31))

    assert run(document_expiry_reminders_send, at(2027, 2, 28, 12)) == 0  # 31 days
    assert run(document_expiry_reminders_send, at(2027, 3, 1, 0, 5)) == 1  # 30 days
    assert run(document_expiry_reminders_send, at(2027, 3, 1, 13)) == 0  # same day again
    assert run(document_expiry_reminders_send, at(2027, 3, 24, 9)) == 1  # 7 days
    assert reminders(worker) == [30, 7]


def test_reminder_follows_the_users_local_day(worker, other_worker, run):
    """At 20:00 UTC on 1 March it is already 2 March in Bangkok (UTC+7) but still 1 March in
    UTC: the Bangkok worker's contract, expiring on 1 April, is 30 days away there."""
    NotificationPreference.objects.create(user=worker, time_zone="Asia/Bangkok")
    NotificationPreference.objects.create(user=other_worker, time_zone="UTC")
    visa(worker, dt.date(2027, 4, 1), kind="employment_contract")
    visa(other_worker, dt.date(2027, 4, 1), kind="employment_contract")

    assert run(document_expiry_reminders_send, at(2027, 3, 1, 20)) == 1
    assert reminders(worker) == [30] and reminders(other_worker) == []
    assert run(document_expiry_reminders_send, at(2027, 3, 2, 0, 30)) == 1
    assert reminders(other_worker) == [30]


def test_reminder_west_of_utc(worker, run):
    """At 02:00 UTC on 2 March it is still 1 March in Mexico City (UTC-6)."""
    NotificationPreference.objects.create(user=worker, time_zone="America/Mexico_City")
    visa(worker, dt.date(2027, 3, 31))

    assert run(document_expiry_reminders_send, at(2027, 3, 2, 2)) == 1
    assert reminders(worker) == [30]


def test_default_time_zone_comes_from_the_country(worker):
    worker.country = "NP"
    assert str(user_time_zone(worker)) == "Asia/Kathmandu"
    worker.country = ""
    assert str(user_time_zone(worker)) == "UTC"


def test_other_kinds_and_deleted_documents_get_no_reminder(worker, run):
    visa(worker, dt.date(2027, 3, 31), kind="payslip")
    gone = visa(worker, dt.date(2027, 3, 31))
    gone.deleted_at = at(2027, 1, 1)
    gone.save()

    assert run(document_expiry_reminders_send, at(2027, 3, 1, 12)) == 0


@pytest.fixture
def shared(worker, caseworker, django_capture_on_commit_callbacks):
    keyring.vault_get_or_create(worker)
    document = visa(worker, dt.date(2030, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(
            owner=worker,
            request=GrantRequest(grantee_username=caseworker.username, document_ids=[document.id]),
        )
    return document, grant


def test_sharing_a_document_notifies_the_grantee(shared, caseworker, worker):
    _, grant = shared

    [notification] = Notification.objects.filter(recipient=caseworker)
    assert notification.event == "vault.document_shared"
    assert notification.data == {"grant_id": str(grant.id), "documents": 1}
    assert not Notification.objects.filter(recipient=worker).exists()


def test_someone_else_opening_a_document_notifies_the_owner_once_a_day(
    shared, worker, caseworker, django_capture_on_commit_callbacks
):
    document, _ = shared
    with django_capture_on_commit_callbacks(execute=True):
        document_access_record(document=document, actor=caseworker, event=TrailEvent.VIEW)
        document_access_record(document=document, actor=caseworker, event=TrailEvent.DOWNLOAD)
        document_access_record(document=document, actor=worker, event=TrailEvent.VIEW)

    [opened] = Notification.objects.filter(recipient=worker, event="vault.document_opened")
    assert opened.data["document_id"] == str(document.id)


def test_grant_expiry_reminds_both_sides_once(shared, worker, caseworker, run, settings):
    settings.NOTIFICATIONS_GRANT_EXPIRY_HOURS = 48
    _, grant = shared
    Grant.objects.filter(pk=grant.pk).update(expires_at=at(2027, 5, 3, 12))

    assert run(grant_expiry_reminders_send, at(2027, 5, 1, 11)) == 0
    assert run(grant_expiry_reminders_send, at(2027, 5, 1, 13)) == 2
    assert run(grant_expiry_reminders_send, at(2027, 5, 2, 13)) == 0
    recipients = set(
        Notification.objects.filter(event="vault.grant_expiring").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {worker.pk, caseworker.pk}


def test_reminders_roll_back_with_their_transaction(worker):
    visa(worker, dt.date(2027, 3, 31))
    with pytest.raises(RuntimeError), transaction.atomic():
        document_expiry_reminders_send(now=at(2027, 3, 1, 12))
        raise RuntimeError
    assert reminders(worker) == []
