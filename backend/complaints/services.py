"""Complaint writes. Each runs in one transaction, locks the complaint row before checking its
state (``select_for_update``), records a ``ComplaintEvent`` and an audit event, and emits
notifications into the outbox in the same transaction.

Lock order: complaint row, then the worker's vault row (taken by the vault services), so two
writers never wait on each other in opposite orders.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from backend.accounts.models import Role, User
from backend.audit.services import audit_record
from backend.complaints import policies, rules, sealing
from backend.complaints.models import (
    ASSIGNED_STATES,
    OPEN_STATES,
    PRIORITY_RANK,
    Category,
    Complaint,
    ComplaintAccess,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintEvidence,
    ComplaintInvitation,
    ComplaintMessage,
    ComplaintReadMarker,
    ConsentMethod,
    Outcome,
    Priority,
    State,
    Supervisor,
)
from backend.complaints.transitions import ACTIONS, Action, rule_for
from backend.core import clock
from backend.core.errors import AppError, Conflict, NotFound, PermissionDenied
from backend.notifications.services import notify
from backend.vault import services as vault_services
from backend.vault.keyring import KeyDestroyed
from backend.vault.models import Document

logger = logging.getLogger("fairtrail.complaints")

#: States after which nobody works on the case any more: parties lose evidence access.
ENDED_STATES = frozenset({State.CLOSED, State.WITHDRAWN, State.REJECTED, State.REFERRED})
EVENT_STATE_CHANGED = "complaint.state_changed"

#: Draft fields a worker (or the filing caseworker) may set. Sealed ones are text.
PLAIN_FIELDS = (
    "employer_name",
    "agency",
    "workplace_country",
    "workplace_region",
    "sector",
    "since",
    "amount_claimed",
    "claimed_currency",
    "disclose_identity",
)
SEALED_FIELDS = {"narrative": "sealed_narrative", "desired_outcome": "sealed_desired_outcome"}


def _validation(message: str, fields: dict[str, list[str]]) -> AppError:
    return AppError(message, code="validation_error", fields=fields)


def _worker_key(worker: User) -> bytes:
    key = sealing.key_for(worker)
    if key is None:
        raise KeyDestroyed(_("This worker's data has been erased."))
    return key


def _set_categories(complaint: Complaint, categories: list[str]) -> None:
    categories = sorted(set(categories))
    complaint.categories = categories
    ComplaintCategory.objects.filter(complaint=complaint).exclude(category__in=categories).delete()
    existing = set(
        ComplaintCategory.objects.filter(complaint=complaint).values_list("category", flat=True)
    )
    ComplaintCategory.objects.bulk_create(
        ComplaintCategory(complaint=complaint, category=c) for c in categories if c not in existing
    )


def _set_priority(complaint: Complaint) -> None:
    complaint.computed_priority = rules.priority_compute(complaint.categories)
    if not complaint.priority_overridden:
        complaint.priority = complaint.computed_priority
    complaint.priority_rank = PRIORITY_RANK[Priority(complaint.priority)]


CONSENT_FIELDS = frozenset({"consent_method", "consent_note"})
NULLABLE_FIELDS = frozenset({"agency", "since", "amount_claimed"})


def _apply_fields(complaint: Complaint, key: bytes, changes: dict[str, Any]) -> None:
    for name in PLAIN_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if name in NULLABLE_FIELDS or name == "disclose_identity":
            setattr(complaint, name, value)
        elif name in ("claimed_currency", "workplace_country"):
            setattr(complaint, name, (value or "").upper())
        else:
            setattr(complaint, name, value or "")
    for name, column in SEALED_FIELDS.items():
        if name in changes:
            setattr(
                complaint,
                column,
                sealing.seal_text(
                    key, changes[name], ctx=sealing.context("complaint", complaint.id, column)
                ),
            )
    if changes.get("consent_note") is not None:
        complaint.sealed_consent_note = sealing.seal_text(
            key,
            changes["consent_note"],
            ctx=sealing.context("complaint", complaint.id, "sealed_consent_note"),
        )


def _missing_for_submission(complaint: Complaint) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    required = _("This field is required to submit.")
    if not complaint.employer_name and complaint.agency_id is None:
        missing["employer_name"] = [_("Name the employer or choose an agency.")]
    if not complaint.workplace_country:
        missing["workplace_country"] = [required]
    if not complaint.categories:
        missing["categories"] = [_("Choose at least one category.")]
    if not complaint.sealed_narrative:
        missing["narrative"] = [required]
    if complaint.amount_claimed is not None and not complaint.claimed_currency:
        missing["claimed_currency"] = [_("Give the currency of the amount.")]
    if complaint.filed_by_id != complaint.worker_id:
        in_app = complaint.consent_method == ConsentMethod.IN_APP
        if not complaint.consent_method or (in_app and complaint.consent_confirmed_at is None):
            missing["consent"] = [_("The worker's consent is needed before submitting.")]
        elif not in_app and not complaint.sealed_consent_note:
            missing["consent_note"] = [_("Record how the worker gave consent.")]
    return missing


# --- Creation and drafts -----------------------------------------------------------------------


def complaint_create(
    *,
    actor: User,
    client_key: uuid.UUID,
    changes: dict[str, Any],
    categories: list[str],
    worker_username: str | None = None,
    submit: bool = False,
) -> tuple[Complaint, bool]:
    """Create a complaint (a draft, or submitted at once). Idempotent on ``client_key`` per
    worker: a retry returns ``(existing, False)``, whatever happened to the first attempt."""
    if actor.role == Role.WORKER:
        worker = actor
    elif actor.role == Role.NGO_CASEWORKER:
        worker = User.objects.filter(
            username=worker_username or "", role=Role.WORKER, is_active=True
        ).first()
        if worker is None:
            raise _validation(_("No worker with that username."), {"worker": [_("Unknown.")]})
        if not changes.get("consent_method"):
            raise _validation(
                _("Record the worker's consent."), {"consent_method": [_("Required.")]}
            )
    else:
        raise PermissionDenied(_("Only workers and caseworkers can file complaints."))
    if worker is actor:  # consent is only recorded when someone files for the worker
        changes = {k: v for k, v in changes.items() if k not in CONSENT_FIELDS}

    existing = Complaint.objects.filter(worker=worker, client_key=client_key).first()
    if existing is not None:
        return _retried(existing, actor), False

    key = _worker_key(worker)
    with transaction.atomic():
        complaint = Complaint(
            worker=worker,
            filed_by=actor,
            client_key=client_key,
            worker_nationality=worker.country,
            consent_method=changes.get("consent_method", ""),
        )
        _apply_fields(complaint, key, changes)
        complaint.categories = sorted(set(categories))
        _set_priority(complaint)
        for attempt in range(5):
            complaint.reference = rules.reference_new()
            try:
                with transaction.atomic():
                    complaint.save(force_insert=True)
                break
            except IntegrityError:
                existing = Complaint.objects.filter(worker=worker, client_key=client_key).first()
                if existing is not None:  # the same request, committed concurrently
                    return _retried(existing, actor), False
                if attempt == 4:
                    raise
        _set_categories(complaint, categories)
        audit_record(action="complaint.created", actor=actor, target=complaint)
        if submit:
            complaint = _transition_locked(
                actor=actor, complaint=_lock(complaint.pk), action=Action.SUBMIT
            )
    return complaint, True


def _retried(existing: Complaint, actor: User) -> Complaint:
    if actor.pk not in (existing.filed_by_id, existing.worker_id):
        raise Conflict(_("This client key was already used."), code="client_key_reused")
    return existing


def _lock(complaint_id) -> Complaint:
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound(_("Complaint not found."))
    return complaint


def _locked_with_relations(actor: User, complaint_id) -> tuple[Complaint, frozenset[str]]:
    complaint = _lock(complaint_id)
    rels = policies.relations(actor, complaint)
    if not rels:
        raise NotFound(_("Complaint not found."))
    return complaint, rels


def complaint_update(
    *, actor: User, complaint_id, changes: dict[str, Any], categories: list[str] | None = None
) -> Complaint:
    """Edit a draft (the worker or the filing caseworker). A submitted complaint is 409."""
    with transaction.atomic():
        complaint, rels = _locked_with_relations(actor, complaint_id)
        if not rels & {policies.WORKER, policies.FILER}:
            raise PermissionDenied(_("Only the worker or the filing caseworker may edit."))
        if complaint.state != State.DRAFT:
            raise Conflict(_("Only drafts can be edited."), code="invalid_state")
        if policies.FILER not in rels:
            changes = {k: v for k, v in changes.items() if k not in CONSENT_FIELDS}
        if "consent_method" in changes:
            complaint.consent_method = changes["consent_method"]
            complaint.consent_confirmed_at = None
        _apply_fields(complaint, _worker_key(complaint.worker), changes)
        if categories is not None:
            _set_categories(complaint, categories)
        _set_priority(complaint)
        complaint.save()
        audit_record(
            action="complaint.draft_updated",
            actor=actor,
            target=complaint,
            fields=sorted([*changes, *(["categories"] if categories is not None else [])]),
        )
    return complaint


# --- Transitions -------------------------------------------------------------------------------


@dataclass
class TransitionInput:
    action: str
    reason: str = ""
    version: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


def complaint_transition(*, actor: User, complaint_id, data: TransitionInput) -> Complaint:
    """Apply one row of the transition table. 404 if the actor cannot see the complaint, 403
    if their relation does not allow the action, 409 if the action is not valid in the current
    state or the client's ``version`` is stale, 400 for a missing reason or parameter."""
    if data.action not in ACTIONS:
        raise _validation(_("Unknown action."), {"action": [_("Unknown action.")]})
    with transaction.atomic():
        complaint, rels = _locked_with_relations(actor, complaint_id)
        return _transition_locked(
            actor=actor,
            complaint=complaint,
            action=data.action,
            reason=data.reason,
            version=data.version,
            params=data.params,
            rels=rels,
        )


def _transition_locked(
    *,
    actor: User,
    complaint: Complaint,
    action: str,
    reason: str = "",
    version: int | None = None,
    params: dict[str, Any] | None = None,
    rels: frozenset[str] | None = None,
) -> Complaint:
    params = params or {}
    rels = rels if rels is not None else policies.relations(actor, complaint)
    if not rels:
        raise NotFound(_("Complaint not found."))
    if version is not None and version != complaint.version:
        raise Conflict(
            _("The complaint changed since you loaded it. Reload and try again."), code="stale"
        )
    rule = rule_for(complaint.state, action)
    if rule is None:
        raise Conflict(
            _("This action is not possible while the complaint is %(state)s.")
            % {"state": State(complaint.state).label},
            code="invalid_transition",
        )
    if not rule.actors & rels:
        raise PermissionDenied(_("You cannot do this on this complaint."))
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        raise _validation(_("Give a reason."), {"reason": [_("This field is required.")]})

    now = clock.now()
    from_state = complaint.state
    to_state = rule.to or from_state
    extra_recipients: list[User] = []
    event_data: dict[str, Any] = {}
    handler = _HANDLERS.get(action)
    if handler is not None:
        extra_recipients, event_data = handler(actor, complaint, rels, params, now)
    complaint.state = to_state
    _refresh_due(complaint, now)
    complaint.version += 1
    complaint.save()

    event = ComplaintEvent(
        complaint=complaint,
        actor=actor,
        actor_role=actor.role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=event_data,
        at=now,
    )
    if reason:
        event.sealed_reason = sealing.seal_text(
            _worker_key(complaint.worker), reason, ctx=sealing.context("event", event.id, "reason")
        )
    event.save(force_insert=True)
    audit_record(
        action=f"complaint.{action}",
        actor=actor,
        target=complaint,
        from_state=from_state,
        to_state=to_state,
        event=str(event.id),
        **event_data,
    )
    _sync_access(complaint, actor)
    recipients = [*_parties(complaint), *extra_recipients]
    if action == Action.SUBMIT:
        recipients += supervisors_for(complaint)
    notify(
        event=EVENT_STATE_CHANGED,
        event_key=f"complaint:{complaint.id}:event:{event.id}",
        recipients=[r for r in recipients if r.pk != actor.pk],
        subject_ref=complaint.reference,
        data={"complaint_id": str(complaint.id), "state": to_state, "action": action},
    )
    return complaint


def _refresh_due(complaint: Complaint, now: dt.datetime) -> None:
    if complaint.state == State.SUBMITTED:
        complaint.due_at = complaint.triage_due_at
    elif complaint.state in OPEN_STATES:
        complaint.due_at = complaint.decision_due_at
    else:
        complaint.due_at = None


def _on_submit(actor, complaint, rels, params, now):
    missing = _missing_for_submission(complaint)
    if missing:
        raise _validation(_("The complaint is not complete."), missing)
    complaint.submitted_at = now
    complaint.triage_due_at = rules.triage_due(complaint.workplace_country, now)
    return [], {}


def _on_confirm_consent(actor, complaint, rels, params, now):
    if complaint.filed_by_id == complaint.worker_id:
        raise Conflict(_("You filed this complaint yourself."), code="invalid_transition")
    complaint.consent_method = ConsentMethod.IN_APP
    complaint.consent_confirmed_at = now
    return [], {}


def _on_triage(actor, complaint, rels, params, now):
    complaint.triaged_at = now
    return [], {"triage_within_deadline": bool(now <= (complaint.triage_due_at or now))}


def _on_accept(actor, complaint, rels, params, now):
    extra, data = _on_triage(actor, complaint, rels, params, now)
    complaint.decision_due_at = rules.decision_due(complaint.workplace_country, now)
    return extra, data


def _on_assign(actor, complaint, rels, params, now):
    assignee_id = params.get("assignee")
    if assignee_id in (None, "", str(actor.pk)) or assignee_id == actor.pk:
        assignee = actor
    else:
        if policies.SUPERVISOR not in rels:
            raise PermissionDenied(_("Only a supervisor may assign someone else."))
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None or not policies.in_jurisdiction(assignee, complaint):
            raise _validation(
                _("Choose an inspector of this jurisdiction."),
                {"assignee": [_("Not an inspector of this jurisdiction.")]},
            )
    complaint.assigned_inspector = assignee
    return [assignee], {"assignee": str(assignee.pk)}


def _on_unassign(actor, complaint, rels, params, now):
    previous = complaint.assigned_inspector
    complaint.assigned_inspector = None
    if previous is None:
        return [], {}
    return [previous], {"previous_assignee": str(previous.pk)}


def _on_resolve(actor, complaint, rels, params, now):
    outcome = params.get("outcome")
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Choose an outcome.")]
    amount = params.get("amount_recovered")
    currency = (params.get("recovered_currency") or "").upper()
    if amount is not None:
        try:
            amount = Decimal(str(amount))
        except ArithmeticError:
            amount = None
            errors["amount_recovered"] = [_("Not a number.")]
        if amount is not None and (amount < 0 or amount >= Decimal("1e12")):
            errors["amount_recovered"] = [_("Out of range.")]
        if len(currency) != 3 or not currency.isalpha():
            errors["recovered_currency"] = [_("Give a three-letter currency code.")]
    if errors:
        raise _validation(_("The outcome is incomplete."), errors)
    complaint.outcome = outcome
    complaint.amount_recovered = amount
    complaint.recovered_currency = currency if amount is not None else ""
    complaint.sealed_outcome_note = sealing.seal_text(
        _worker_key(complaint.worker),
        params.get("note") or None,
        ctx=sealing.context("complaint", complaint.id, "sealed_outcome_note"),
    )
    complaint.resolved_at = now
    complaint.resolved_within_deadline = bool(
        complaint.decision_due_at is None or now <= complaint.decision_due_at
    )
    return [], {"outcome": outcome}


def _on_close(actor, complaint, rels, params, now):
    complaint.closed_at = now
    return [], {}


def _on_reopen(actor, complaint, rels, params, now):
    if complaint.resolved_at is None or now > complaint.resolved_at + rules.reopen_window():
        raise Conflict(_("The period for reopening has ended."), code="reopen_window_closed")
    if complaint.assigned_inspector is None or not policies.in_jurisdiction(
        complaint.assigned_inspector, complaint
    ):
        raise Conflict(_("The case has no inspector to reopen it."), code="invalid_transition")
    complaint.closed_at = None
    complaint.resolved_at = None
    complaint.resolved_within_deadline = None
    complaint.outcome = ""
    complaint.decision_due_at = rules.decision_due(complaint.workplace_country, now)
    complaint.deadline_extended = False
    return [], {}


def _on_withdraw(actor, complaint, rels, params, now):
    complaint.closed_at = now
    return [], {}


def _on_extend(actor, complaint, rels, params, now):
    extension = rules.decision_extension(complaint.workplace_country)
    if complaint.deadline_extended or not extension:
        raise Conflict(_("The deadline cannot be extended again."), code="no_extension")
    complaint.decision_due_at = complaint.decision_due_at + extension
    complaint.deadline_extended = True
    return [], {"days": extension.days}


def _on_set_priority(actor, complaint, rels, params, now):
    priority = params.get("priority")
    if priority not in Priority.values:
        raise _validation(_("Choose a priority."), {"priority": [_("Choose a priority.")]})
    complaint.priority = priority
    complaint.priority_overridden = priority != complaint.computed_priority
    complaint.priority_rank = PRIORITY_RANK[Priority(priority)]
    return [], {"priority": priority}


def _on_feedback(actor, complaint, rels, params, now):
    satisfied = params.get("satisfied")
    if not isinstance(satisfied, bool):
        raise _validation(_("Say whether you are satisfied."), {"satisfied": [_("Yes or no.")]})
    complaint.worker_satisfied = satisfied
    return [], {"satisfied": satisfied}


_HANDLERS = {
    Action.SUBMIT: _on_submit,
    Action.CONFIRM_CONSENT: _on_confirm_consent,
    Action.ACCEPT: _on_accept,
    Action.REJECT: _on_triage,
    Action.REFER: _on_triage,
    Action.ASSIGN: _on_assign,
    Action.UNASSIGN: _on_unassign,
    Action.RESOLVE: _on_resolve,
    Action.CLOSE: _on_close,
    Action.REOPEN: _on_reopen,
    Action.WITHDRAW: _on_withdraw,
    Action.EXTEND_DEADLINE: _on_extend,
    Action.SET_PRIORITY: _on_set_priority,
    Action.GIVE_FEEDBACK: _on_feedback,
}


# --- Parties, evidence access ------------------------------------------------------------------


def _caseworkers(complaint: Complaint) -> list[User]:
    invited = list(
        User.objects.filter(
            complaint_invitations__complaint=complaint,
            complaint_invitations__revoked_at__isnull=True,
            is_active=True,
        )
    )
    if complaint.filed_by_id != complaint.worker_id:
        invited.append(complaint.filed_by)
    return list({u.pk: u for u in invited}.values())


def _parties(complaint: Complaint) -> list[User]:
    """Everyone following the case: the worker, their caseworkers and the assigned inspector."""
    parties = [complaint.worker, *_caseworkers(complaint)]
    if complaint.assigned_inspector_id and complaint.state != State.DRAFT:
        parties.append(complaint.assigned_inspector)
    return parties


def supervisors_for(complaint: Complaint) -> list[User]:
    candidates = User.objects.filter(
        complaint_supervisor__isnull=False,
        role=Role.INSPECTOR,
        is_active=True,
        country=complaint.workplace_country,
    )
    return [u for u in candidates if policies.in_jurisdiction(u, complaint)]


def inspectors_for(complaint: Complaint) -> list[User]:
    """Every active inspector whose jurisdiction covers the complaint."""
    candidates = User.objects.filter(
        role=Role.INSPECTOR, is_active=True, country=complaint.workplace_country
    )
    return [u for u in candidates if policies.in_jurisdiction(u, complaint)]


def _evidence_documents(complaint: Complaint) -> list[Document]:
    return list(
        Document.objects.filter(
            id__in=ComplaintEvidence.objects.filter(complaint=complaint).values("document_id"),
            deleted_at__isnull=True,
        )
    )


def _entitled(complaint: Complaint) -> dict[Any, User]:
    """Who should hold an evidence grant now: the assignee while assigned (and until the case
    closes), caseworkers until the case ends."""
    entitled: dict[Any, User] = {}
    if complaint.state in ENDED_STATES:
        return entitled
    if complaint.assigned_inspector_id and (
        complaint.state in ASSIGNED_STATES or complaint.state == State.RESOLVED
    ):
        entitled[complaint.assigned_inspector_id] = complaint.assigned_inspector
    for caseworker in _caseworkers(complaint):
        entitled[caseworker.pk] = caseworker
    return entitled


def _sync_access(complaint: Complaint, actor: User | None) -> None:
    """Reconcile evidence grants with the parties entitled to them (idempotent)."""
    now = clock.now()
    entitled = _entitled(complaint)
    active = {
        a.grantee_id: a
        for a in ComplaintAccess.objects.filter(
            complaint=complaint, revoked_at__isnull=True
        ).select_related("grant", "grant__owner")
    }
    ref = str(complaint.id)
    for grantee_id, access in active.items():
        if grantee_id not in entitled:
            vault_services.grant_end_for_case(grant=access.grant, actor=actor, case_ref=ref)
            access.revoked_at = now
            access.save(update_fields=["revoked_at"])
    missing = [u for pk, u in entitled.items() if pk not in active]
    if not missing:
        return
    documents = _evidence_documents(complaint)
    for grantee in missing:
        grant = vault_services.grant_create_for_case(
            owner=complaint.worker,
            grantee=grantee,
            documents=documents,
            expires_at=now + rules.grant_lifetime(),
            actor=actor,
            case_ref=ref,
        )
        ComplaintAccess.objects.create(
            complaint=complaint, grantee=grantee, grant=grant, created_at=now
        )


def evidence_add(*, actor: User, complaint_id, document_ids: list[uuid.UUID]) -> list[Document]:
    """Attach documents from the worker's vault; everyone holding access gets them too."""
    with transaction.atomic():
        complaint, rels = _locked_with_relations(actor, complaint_id)
        if not policies.can_add_evidence(rels):
            raise PermissionDenied(_("Only the worker can add evidence from their vault."))
        documents = _add_evidence_locked(actor, complaint, document_ids)
    return documents


def _add_evidence_locked(actor, complaint, document_ids) -> list[Document]:
    if complaint.state in ENDED_STATES:
        raise Conflict(_("This complaint is no longer open."), code="invalid_state")
    ids = list(dict.fromkeys(document_ids))
    documents = list(
        Document.objects.filter(owner=complaint.worker, id__in=ids, deleted_at__isnull=True)
    )
    if not ids or len(documents) != len(ids):
        raise _validation(
            _("Choose documents from your vault."), {"document_ids": [_("Unknown document.")]}
        )
    now = clock.now()
    already = set(
        ComplaintEvidence.objects.filter(complaint=complaint, document__in=documents).values_list(
            "document_id", flat=True
        )
    )
    new = [d for d in documents if d.pk not in already]
    ComplaintEvidence.objects.bulk_create(
        ComplaintEvidence(complaint=complaint, document=d, added_by=actor, added_at=now)
        for d in new
    )
    if not new:
        return documents
    ref = str(complaint.id)
    for access in ComplaintAccess.objects.filter(
        complaint=complaint, revoked_at__isnull=True
    ).select_related("grant__owner", "grant__grantee"):
        vault_services.grant_documents_add(
            grant=access.grant, documents=new, actor=actor, case_ref=ref
        )
    audit_record(action="complaint.evidence_added", actor=actor, target=complaint, count=len(new))
    notify(
        event="complaint.evidence_added",
        event_key=f"complaint:{complaint.id}:evidence:{new[0].pk}",
        recipients=[p for p in _parties(complaint) if p.pk != actor.pk],
        subject_ref=complaint.reference,
        data={"complaint_id": str(complaint.id), "state": complaint.state},
    )
    return documents


def invitation_create(
    *, actor: User, complaint_id, caseworker_username: str
) -> ComplaintInvitation:
    """The worker invites a caseworker: they see the case, the thread and the evidence."""
    with transaction.atomic():
        complaint, rels = _locked_with_relations(actor, complaint_id)
        if not policies.can_invite(rels):
            raise PermissionDenied(_("Only the worker can invite a caseworker."))
        if complaint.state in ENDED_STATES:
            raise Conflict(_("This complaint is no longer open."), code="invalid_state")
        caseworker = User.objects.filter(
            username=caseworker_username, role=Role.NGO_CASEWORKER, is_active=True
        ).first()
        if caseworker is None:
            raise _validation(
                _("No caseworker with that username."), {"caseworker": [_("Unknown caseworker.")]}
            )
        invitation = ComplaintInvitation.objects.filter(
            complaint=complaint, caseworker=caseworker, revoked_at__isnull=True
        ).first()
        if invitation is not None:
            return invitation
        invitation = ComplaintInvitation.objects.create(
            complaint=complaint, caseworker=caseworker, invited_by=actor, created_at=clock.now()
        )
        _sync_access(complaint, actor)
        audit_record(
            action="complaint.caseworker_invited",
            actor=actor,
            target=complaint,
            caseworker=str(caseworker.pk),
        )
        notify(
            event="complaint.invited",
            event_key=f"complaint:{complaint.id}:invitation:{invitation.id}",
            recipients=[caseworker],
            subject_ref=complaint.reference,
            data={"complaint_id": str(complaint.id), "state": complaint.state},
        )
    return invitation


def invitation_revoke(*, actor: User, complaint_id, invitation_id) -> None:
    """The worker withdraws a caseworker's invitation: the case and its evidence disappear
    from the caseworker's view at once (their vault grant is revoked)."""
    with transaction.atomic():
        complaint, rels = _locked_with_relations(actor, complaint_id)
        if not policies.can_invite(rels):
            raise PermissionDenied(_("Only the worker can manage invitations."))
        invitation = ComplaintInvitation.objects.filter(
            pk=invitation_id, complaint=complaint, revoked_at__isnull=True
        ).first()
        if invitation is None:
            raise NotFound(_("Invitation not found."))
        invitation.revoked_at = clock.now()
        invitation.save(update_fields=["revoked_at"])
        _sync_access(complaint, actor)
        audit_record(
            action="complaint.invitation_revoked",
            actor=actor,
            target=complaint,
            caseworker=str(invitation.caseworker_id),
        )


# --- Messages ----------------------------------------------------------------------------------


def message_post(
    *,
    actor: User,
    complaint_id,
    body: str,
    internal: bool = False,
    attachment_ids: list[uuid.UUID] | None = None,
) -> ComplaintMessage:
    with transaction.atomic():
        complaint, rels = _locked_with_relations(actor, complaint_id)
        if internal and not policies.can_see_internal_notes(rels):
            raise PermissionDenied(_("Only inspectors write internal notes."))
        if not internal and not policies.can_post_message(rels):
            raise PermissionDenied(_("You cannot write in this thread."))
        if complaint.state == State.DRAFT or complaint.state in ENDED_STATES:
            raise Conflict(_("The thread is not open."), code="invalid_state")
        attachment_ids = list(dict.fromkeys(attachment_ids or []))
        if attachment_ids:
            if policies.WORKER not in rels or internal:
                raise _validation(
                    _("Only the worker attaches documents from their vault."),
                    {"attachment_ids": [_("Not allowed.")]},
                )
            _add_evidence_locked(actor, complaint, attachment_ids)
        message = ComplaintMessage(
            complaint=complaint,
            author=actor,
            author_role=actor.role,
            internal=internal,
            attachment_ids=[str(i) for i in attachment_ids],
            created_at=clock.now(),
        )
        message.sealed_body = sealing.seal_text(
            _worker_key(complaint.worker),
            body,
            ctx=sealing.context("message", message.id, "body"),
        )
        message.save(force_insert=True)
        thread_mark_read(user=actor, complaint=complaint, at=message.created_at)
        audit_record(
            action="complaint.message_posted",
            actor=actor,
            target=complaint,
            message=str(message.id),
            internal=internal,
        )
        if internal:
            recipients = [complaint.assigned_inspector] if complaint.assigned_inspector else []
        else:
            recipients = _parties(complaint)
        notify(
            event="complaint.message",
            event_key=f"complaint:{complaint.id}:message:{message.id}",
            recipients=[r for r in recipients if r.pk != actor.pk],
            subject_ref=complaint.reference,
            data={"complaint_id": str(complaint.id), "message_id": str(message.id)},
        )
    return message


def thread_mark_read(*, user: User, complaint: Complaint, at: dt.datetime | None = None) -> None:
    """Move the user's read marker forward (never back)."""
    at = at or clock.now()
    updated = ComplaintReadMarker.objects.filter(complaint=complaint, user=user).update(
        last_read_at=Greatest(F("last_read_at"), Value(at))
    )
    if not updated:
        try:
            with transaction.atomic():
                ComplaintReadMarker.objects.create(complaint=complaint, user=user, last_read_at=at)
        except IntegrityError:
            pass


# --- Deadlines ---------------------------------------------------------------------------------


def complaints_escalate_overdue(*, batch_size: int = 200) -> int:
    """Warn the jurisdiction's supervisors (and the assignee) about each overdue complaint —
    or, when it has neither, every inspector of the jurisdiction, so an overdue case never
    escalates to nobody — once per deadline: ``escalated_for`` remembers the deadline warned
    about, and the notification's event key contains it, so a rerun or a redelivered task sends
    nothing new."""
    now = clock.now()
    pending = (
        Complaint.objects.filter(state__in=OPEN_STATES, due_at__lt=now)
        .filter(Q(escalated_for__isnull=True) | ~Q(escalated_for=F("due_at")))
        .order_by("due_at", "id")
    )
    escalated = 0
    while True:
        with transaction.atomic():
            batch = list(
                pending.select_for_update(skip_locked=True, of=("self",)).select_related(
                    "assigned_inspector"
                )[:batch_size]
            )
            if not batch:
                break
            for complaint in batch:
                recipients = supervisors_for(complaint)
                if complaint.assigned_inspector_id:
                    recipients.append(complaint.assigned_inspector)
                if not recipients:  # no supervisor and nobody assigned: the inspectorate
                    recipients = inspectors_for(complaint)
                notify(
                    event="complaint.overdue",
                    event_key=f"complaint:{complaint.id}:overdue:{complaint.due_at.isoformat()}",
                    recipients=recipients,
                    subject_ref=complaint.reference,
                    data={"complaint_id": str(complaint.id), "state": complaint.state},
                    urgent=True,
                )
                complaint.escalated_for = complaint.due_at
                complaint.save(update_fields=["escalated_for", "updated_at"])
                audit_record(
                    action="complaint.escalated",
                    target=complaint,
                    due_at=complaint.due_at.isoformat(),
                    recipients=len(recipients),
                )
                escalated += 1
        if len(batch) < batch_size:
            break
    return escalated


def complaints_remind_awaiting_worker(*, batch_size: int = 500) -> int:
    """Remind workers whose complaint waits for their information, every
    ``COMPLAINT_AWAITING_REMINDER_DAYS`` days while it waits.

    The reminder's event key names the request (the transition event) and the reminder number,
    so reruns and redelivered tasks send nothing twice; a new request starts a new series.
    The text outside the app carries only the reference.
    """
    now = clock.now()
    every = dt.timedelta(days=settings.COMPLAINT_AWAITING_REMINDER_DAYS)
    waiting = Complaint.objects.filter(state=State.AWAITING_WORKER).select_related("worker")
    reminded = 0
    for complaint in waiting.iterator(chunk_size=batch_size):
        asked = (
            ComplaintEvent.objects.filter(complaint=complaint, to_state=State.AWAITING_WORKER)
            .order_by("-at")
            .first()
        )
        if asked is None or now - asked.at < every:
            continue
        number = (now - asked.at) // every
        with transaction.atomic():
            sent = notify(
                event="complaint.awaiting_information",
                event_key=f"complaint:{complaint.id}:awaiting:{asked.id}:{number}",
                recipients=[complaint.worker],
                subject_ref=complaint.reference,
                data={"complaint_id": str(complaint.id), "reminder": number},
            )
        reminded += len(sent)
    return reminded


def supervisor_set(*, user: User, enabled: bool, actor: User | None = None) -> None:
    """Make an inspector a supervisor of their jurisdiction (or stop)."""
    if user.role != Role.INSPECTOR:
        raise _validation(_("Only inspectors supervise."), {"user": [_("Not an inspector.")]})
    with transaction.atomic():
        if enabled:
            Supervisor.objects.get_or_create(user=user)
        else:
            Supervisor.objects.filter(user=user).delete()
        audit_record(action="complaint.supervisor_set", actor=actor, target=user, enabled=enabled)


__all__ = [
    "Category",
    "TransitionInput",
    "complaint_create",
    "complaint_transition",
    "complaint_update",
    "complaints_escalate_overdue",
    "evidence_add",
    "invitation_create",
    "invitation_revoke",
    "message_post",
    "supervisor_set",
    "thread_mark_read",
]
