"""The purge engine, each rule with a frozen clock."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from backend.audit.models import AuditEvent
from backend.core import clock
from backend.notifications.models import Notification
from backend.retention import walk
from backend.retention.models import LegalHold, PurgeRun
from backend.retention.services import retention_run
from backend.vault.models import Document, ResumableUpload, TrailEntry, Vault
from backend.vault.trail import trail_verify
from tests import factories
from tests.complaints.conftest import Case
from tests.retention.conftest import YEAR, attach, blob_names, blobs_exist, stored_document

pytestmark = pytest.mark.django_db


def _later(delta):
    return time_machine.travel(clock.now() + delta, tick=False)


def _run(capture, **kwargs):
    with capture(execute=True):
        return retention_run(dry_run=False, **kwargs)


def test_payslip_kept_until_six_years_after_upload(
    worker_client, django_capture_on_commit_callbacks
):
    document = stored_document(worker_client, kind="payslip")
    names = blob_names(document)
    with _later(6 * YEAR - dt.timedelta(days=1)):
        run = _run(django_capture_on_commit_callbacks)
    assert run.counts["document:payslip"] == 0
    assert Document.objects.get(pk=document.pk).deleted_at is None
    with _later(6 * YEAR + dt.timedelta(days=1)):
        run = _run(django_capture_on_commit_callbacks)
    assert run.counts["document:payslip"] == 1
    document.refresh_from_db()
    assert document.deleted_at is not None
    assert document.sealed_meta is None
    assert all(v.wrapped_data_key is None for v in document.versions.all())
    assert all(v.receipt == {} for v in document.versions.all())
    assert blobs_exist(names) == [False] * len(names)
    entry = TrailEntry.objects.filter(document_id=document.pk).order_by("-position").first()
    assert (entry.event, entry.data) == ("delete", {"reason": "retention"})
    assert trail_verify(Vault.objects.get(owner=document.owner_id)).ok


def test_purged_batches_chain_onto_each_owners_trail(worker, django_capture_on_commit_callbacks):
    """Entries for several documents of several owners in one batch each extend their own
    owner's hash chain, position after position, and the chains verify."""
    other = factories.WorkerFactory()
    for owner in (worker, other, worker, other, worker):
        Document.objects.create(owner=owner, kind="payslip")
    with _later(7 * YEAR):
        _run(django_capture_on_commit_callbacks, batch_size=3)
    for owner, count in ((worker, 3), (other, 2)):
        vault = Vault.objects.get(owner=owner)
        deletes = TrailEntry.objects.filter(vault=vault, event="delete").order_by("position")
        assert [e.position for e in deletes] == list(range(1, count + 1))
        assert vault.trail_length == count
        assert trail_verify(vault).ok


def test_medical_certificate_kept_until_a_year_after_expiry(worker_client):
    today = clock.now().date()
    document = stored_document(
        worker_client, kind="medical_certificate", expires_on=today.isoformat()
    )
    with _later(YEAR):
        assert retention_run(dry_run=False).counts["document:medical_certificate"] == 0
    with _later(YEAR + dt.timedelta(days=2)):
        assert retention_run(dry_run=False).counts["document:medical_certificate"] == 1
    assert Document.objects.get(pk=document.pk).deleted_at is not None


def test_kind_without_rule_is_kept(worker_client):
    document = stored_document(worker_client, kind="employment_contract")
    with _later(30 * YEAR):
        retention_run(dry_run=False)
    assert Document.objects.get(pk=document.pk).deleted_at is None


def test_notifications_purged_after_ninety_days(worker):
    old = Notification.objects.create(recipient=worker, event="e", event_key="old")
    with _later(dt.timedelta(days=60)):
        recent = Notification.objects.create(recipient=worker, event="e", event_key="new")
    with _later(dt.timedelta(days=91)):
        run = retention_run(dry_run=False, batch_size=1)
    assert run.counts["notification"] == 1
    assert not Notification.objects.filter(pk=old.pk).exists()
    assert Notification.objects.filter(pk=recent.pk).exists()


def test_unfinished_uploads_purged_after_a_day(worker):
    upload = ResumableUpload.objects.create(
        owner=worker,
        length=10,
        version_id=uuid.uuid4(),
        wrapped_data_key=b"k",
        header=b"h",
        segment_size=65536,
        expires_at=clock.now() + dt.timedelta(hours=24),
    )
    assert retention_run(dry_run=False).counts["unfinished_upload"] == 0
    with _later(dt.timedelta(hours=25)):
        assert retention_run(dry_run=False).counts["unfinished_upload"] == 1
    assert not ResumableUpload.objects.filter(pk=upload.pk).exists()


def test_evidence_of_open_complaint_is_held_until_closed(django_capture_on_commit_callbacks):
    from tests.complaints.conftest import act

    case = Case()
    complaint = case.to("resolved")
    document = Document.objects.create(owner=case.worker, kind="payslip")
    attach(complaint, document)
    with _later(7 * YEAR):
        assert retention_run(dry_run=False).counts["document:payslip"] == 0
    act(case.worker, complaint, "close")
    with _later(7 * YEAR):
        assert retention_run(dry_run=False).counts["document:payslip"] == 1


def test_explicit_hold_keeps_document_until_it_ends(worker):
    document = Document.objects.create(owner=worker, kind="payslip")
    hold = LegalHold.objects.create(
        worker=worker, document=document, ends_at=clock.now() + 8 * YEAR
    )
    with _later(7 * YEAR):
        assert retention_run(dry_run=False).counts["document:payslip"] == 0
    hold.ended_at = clock.now()
    hold.save()
    with _later(7 * YEAR):
        assert retention_run(dry_run=False).counts["document:payslip"] == 1


def test_hold_expires_by_itself(worker):
    document = Document.objects.create(owner=worker, kind="payslip")
    LegalHold.objects.create(worker=worker, document=document, ends_at=clock.now() + 7 * YEAR)
    with _later(6 * YEAR + dt.timedelta(days=2)):
        assert retention_run(dry_run=False).counts["document:payslip"] == 0
    with _later(7 * YEAR + dt.timedelta(days=1)):
        assert retention_run(dry_run=False).counts["document:payslip"] == 1


def test_dry_run_changes_nothing(worker_client, worker):
    document = stored_document(worker_client, kind="payslip")
    Notification.objects.create(recipient=worker, event="e", event_key="old")
    trail = TrailEntry.objects.count()
    with _later(7 * YEAR):
        run = retention_run(dry_run=True)
    assert run.dry_run is True
    assert run.counts["document:payslip"] == 1
    assert run.counts["notification"] == 1
    assert Document.objects.get(pk=document.pk).deleted_at is None
    assert Notification.objects.count() == 1
    assert TrailEntry.objects.count() == trail


def test_run_is_idempotent_and_records_counts_only(worker):
    Document.objects.create(owner=worker, kind="payslip")
    with _later(7 * YEAR):
        first = retention_run(dry_run=False)
        second = retention_run(dry_run=False)
    assert first.counts["document:payslip"] == 1
    assert second.counts["document:payslip"] == 0
    run = PurgeRun.objects.get(pk=first.pk)
    assert run.status == "finished"
    assert set(run.counts) == {
        "document:payslip",
        "document:medical_certificate",
        "notification",
        "unfinished_upload",
        "complaint_closed",
        "complaint_draft",
        "inactive_account:warned",
        "inactive_account:erased",
        "account_erasure",
        "export",
        "audit_event",
        "moderation_record",
    }
    assert all(isinstance(v, int) for v in run.counts.values())


def test_each_batch_is_audited_once_naming_its_documents(worker):
    documents = [Document.objects.create(owner=worker, kind="payslip") for _ in range(5)]
    with _later(7 * YEAR):
        retention_run(dry_run=False, batch_size=2)
    events = AuditEvent.objects.filter(action="vault.documents_purged").order_by("id")
    assert [(e.actor_id, e.target_id, e.data["reason"], e.data["count"]) for e in events] == [
        (None, "", "retention", 2),
        (None, "", "retention", 2),
        (None, "", "retention", 1),
    ]
    named = [document for event in events for document in event.data["documents"]]
    assert sorted(named) == sorted(str(d.pk) for d in documents)


def test_crash_mid_batch_resumes_on_next_run(worker, monkeypatch):
    documents = [Document.objects.create(owner=worker, kind="payslip") for _ in range(5)]
    real = walk.batch_purge
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            # Dies inside the second batch's transaction, after its first writes.
            def crash(**inner):
                real(**inner)
                raise RuntimeError("worker killed")

            with transaction.atomic():
                crash(**kwargs)
        return real(**kwargs)

    monkeypatch.setattr(walk, "batch_purge", flaky)
    with _later(7 * YEAR):
        with pytest.raises(RuntimeError):
            retention_run(dry_run=False, batch_size=2)
        # The first batch (2) committed; the crashed batch rolled back entirely.
        assert Document.objects.filter(deleted_at__isnull=False).count() == 2
        assert PurgeRun.objects.get(dry_run=False, status="failed")
        monkeypatch.setattr(walk, "batch_purge", real)
        run = retention_run(dry_run=False, batch_size=2)
    assert run.counts["document:payslip"] == 3
    assert all(Document.objects.get(pk=d.pk).deleted_at for d in documents)
    assert TrailEntry.objects.filter(event="delete").count() == 5


def test_management_command_runs_and_reports(worker, capsys):
    Document.objects.create(owner=worker, kind="payslip")
    with _later(7 * YEAR):
        call_command("retention", "dry-run")
        assert Document.objects.filter(deleted_at__isnull=True).count() == 1
        call_command("retention", "run")
        assert Document.objects.filter(deleted_at__isnull=True).count() == 0
    call_command("retention", "report")
    out = capsys.readouterr().out
    assert '"document:payslip": 1' in out
    assert "dry-run finished" in out


def test_beat_task_calls_the_service(worker):
    from workers.beat import BEAT_SCHEDULE
    from workers.tasks.retention import run

    assert BEAT_SCHEDULE["retention-run-daily"]["task"] == "retention.run"
    Document.objects.create(owner=worker, kind="payslip")
    with _later(7 * YEAR):
        result = run()
    assert result["counts"]["document:payslip"] == 1


def test_documents_of_shredded_vault_are_still_purged(worker_client, worker):
    from backend.vault.services import vault_shred

    document = stored_document(worker_client, kind="payslip")
    vault_shred(owner=worker)
    with _later(7 * YEAR):
        assert retention_run(dry_run=False).counts["document:payslip"] == 1
    assert Document.objects.get(pk=document.pk).deleted_at is not None


def test_purge_record_holds_no_personal_data(worker_client, worker):
    document = stored_document(worker_client, kind="payslip")
    with _later(7 * YEAR):
        run = retention_run(dry_run=False)
    row = PurgeRun.objects.filter(pk=run.pk).values().get()
    dump = str(row)
    for secret in (str(document.pk), str(worker.pk), worker.phone, "Secret pay slip"):
        assert secret not in dump


def test_run_stops_at_deadline_and_next_run_continues(worker):
    Document.objects.create(owner=worker, kind="payslip")
    with _later(7 * YEAR):
        stopped = retention_run(dry_run=False, deadline_seconds=-1)
        assert stopped.reached_deadline is True
        assert stopped.counts["document:payslip"] == 0
        assert retention_run(dry_run=False).counts["document:payslip"] == 1


def test_admin_edited_upload_rule_is_applied(worker, settings):
    from backend.retention.models import RetentionRule

    settings.VAULT_RESUMABLE_EXPIRY_HOURS = 96  # the expiry announced to the client
    RetentionRule.objects.create(category="unfinished_upload", basis="from_creation", days=3)
    upload = ResumableUpload.objects.create(
        owner=worker,
        length=10,
        version_id=uuid.uuid4(),
        wrapped_data_key=b"k",
        header=b"h",
        segment_size=65536,
        expires_at=clock.now() + dt.timedelta(hours=96),
    )
    with _later(dt.timedelta(days=2)):
        assert retention_run(dry_run=True).counts["unfinished_upload"] == 0
        assert retention_run(dry_run=False).counts["unfinished_upload"] == 0
    assert ResumableUpload.objects.filter(pk=upload.pk).exists()
    with _later(dt.timedelta(days=3, hours=1)):
        assert retention_run(dry_run=True).counts["unfinished_upload"] == 1
        assert retention_run(dry_run=False).counts["unfinished_upload"] == 1
    assert not ResumableUpload.objects.filter(pk=upload.pk).exists()
