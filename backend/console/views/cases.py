"""Inspector queue, caseworker case list, the case page and its actions, the evidence viewer,
and filing on behalf of a worker.

Every view starts from ``complaints_visible_to(request.user)`` (through the complaints
selectors): a case the user may not see is a 404, whatever the URL. Writes go through the
complaints, vault and retention services, exactly as the API's do (roles, 409 on a stale
version, audit, notifications, evidence access).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backend.accounts.models import Role, User
from backend.complaints import policies, selectors, services
from backend.complaints.models import (
    Category,
    Complaint,
    ComplaintEvidence,
    ConsentMethod,
    Outcome,
    Priority,
    State,
)
from backend.complaints.transitions import rule_for
from backend.console import filing
from backend.console.views.common import flash_error, page_of, require
from backend.core import clock
from backend.core.errors import AppError
from backend.retention.models import LegalHold
from backend.retention.services import legal_hold_create
from backend.vault import selectors as vault_selectors
from backend.vault import services as vault_services
from backend.vault.content import content_response
from backend.vault.models import Document, TrailEvent

QUEUE_VIEWS = (
    ("", _l("All open")),
    ("unassigned", _l("Unassigned")),
    ("mine", _l("Mine")),
    ("awaiting_worker", _l("Awaiting the worker")),
    ("due_soon", _l("Due soon")),
    ("overdue", _l("Overdue")),
)
#: Shown inline in the viewer; anything else is offered as a download only.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/webp", "image/gif"})
#: Actions the console offers, with the extra fields each needs (the service validates).
ACTION_LABELS = {
    "submit": _l("Submit"),
    "accept": _l("Accept"),
    "reject": _l("Reject"),
    "refer": _l("Refer to another authority"),
    "assign": _l("Assign"),
    "unassign": _l("Unassign"),
    "start_investigation": _l("Start investigation"),
    "request_info": _l("Request information"),
    "provide_info": _l("Information provided"),
    "resolve": _l("Resolve"),
    "close": _l("Close"),
    "reopen": _l("Reopen"),
    "extend_deadline": _l("Extend the deadline"),
    "set_priority": _l("Set priority"),
    # Worker-only actions: never offered here, named in the timeline.
    "withdraw": _l("Withdrawn by the worker"),
    "confirm_consent": _l("Consent confirmed by the worker"),
    "give_feedback": _l("Feedback from the worker"),
}


def _choice(value: str | None, choices) -> str | None:
    return value if value and value in choices else None


def _visible_case(request, complaint_id) -> Complaint:
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
    if complaint is None:
        raise Http404
    return complaint


# --- Lists --------------------------------------------------------------------------------------


@require_GET
def queue(request):
    require(policies.can_use_queue(request.user))
    q = request.GET
    filters = selectors.QueueFilters(
        view=_choice(q.get("view"), {v for v, _label in QUEUE_VIEWS if v}),
        category=_choice(q.get("category"), Category.values),
        priority=_choice(q.get("priority"), Priority.values),
        state=_choice(q.get("state"), State.values),
        sector=(q.get("sector") or "").strip() or None,
        reference=(q.get("reference") or "").strip() or None,
    )
    qs = (
        selectors.inspection_queue(user=request.user, filters=filters)
        .select_related("assigned_inspector")
        .order_by("-priority_rank", "due_at", "id")
    )
    page = page_of(request, qs)
    now = clock.now()
    rows = [{"c": c, "due_status": selectors.due_status(c, now)} for c in page]
    params = q.copy()
    params.pop("page", None)
    return render(
        request,
        "console/queue.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "views": QUEUE_VIEWS,
            "categories": Category.choices,
            "priorities": Priority.choices,
            "states": State.choices,
            "query": params.urlencode(),
        },
    )


@require_GET
def cases(request):
    require(request.user.role == Role.NGO_CASEWORKER)
    qs = (
        selectors.complaint_list(user=request.user)
        .select_related("worker")
        .order_by("-created_at", "-id")
    )
    page = page_of(request, qs)
    return render(request, "console/cases.html", {"page": page})


# --- The case page ------------------------------------------------------------------------------


def _assignee_options(complaint: Complaint, rels) -> list[User]:
    if policies.SUPERVISOR not in rels:
        return []
    candidates = User.objects.filter(
        role=Role.INSPECTOR, is_active=True, country=complaint.workplace_country
    ).order_by("display_name", "username")
    return [u for u in candidates if policies.in_jurisdiction(u, complaint)]


def _evidence(complaint: Complaint, user) -> list[dict]:
    rows = list(
        ComplaintEvidence.objects.filter(complaint=complaint, document__deleted_at__isnull=True)
        .select_related("document__current_version")
        .order_by("added_at", "id")
    )
    readable = set(
        vault_selectors.document_list(user=user)
        .filter(pk__in=[r.document_id for r in rows])
        .values_list("pk", flat=True)
    )
    meta = vault_selectors.document_meta([r.document for r in rows if r.document_id in readable])
    out = []
    for row in rows:
        document = row.document
        version = document.current_version
        out.append(
            {
                "document": document,
                "added_at": row.added_at,
                "readable": document.pk in readable,
                "title": meta.get(document.pk, {}).get("title", ""),
                "content_type": version.content_type if version else "",
            }
        )
    return out


def _timeline(presented: dict, thread: list[dict], evidence: list[dict]) -> list[dict]:
    items = [{"kind": "transition", "at": e["at"], "event": e} for e in presented["events"]]
    items += [
        {"kind": "note" if m["internal"] else "message", "at": m["created_at"], "message": m}
        for m in thread
    ]
    items += [{"kind": "evidence", "at": e["added_at"], "evidence": e} for e in evidence]
    return sorted(items, key=lambda item: item["at"])


def _actions(complaint: Complaint, available: list[str]) -> list[dict]:
    out = []
    for action in available:
        if action not in ACTION_LABELS:
            continue
        rule = rule_for(complaint.state, action)
        out.append(
            {
                "action": action,
                "label": ACTION_LABELS[action],
                "reason_required": bool(rule and rule.reason_required),
            }
        )
    return out


@require_GET
def case_detail(request, complaint_id):
    complaint = _visible_case(request, complaint_id)
    user = request.user
    rels = policies.relations(user, complaint)
    presented = selectors.complaint_present(complaint, user=user, rels=rels)
    thread: list[dict] = []
    if policies.can_read_thread(rels):
        messages_qs = list(selectors.thread(complaint=complaint, rels=rels).order_by("created_at"))
        if messages_qs:
            services.thread_mark_read(
                user=user, complaint=complaint, at=max(m.created_at for m in messages_qs)
            )
        thread = selectors.messages_present(messages_qs, complaint=complaint, user=user)
    evidence = _evidence(complaint, user)
    holds = list(
        LegalHold.objects.filter(complaint=complaint, ended_at__isnull=True).order_by("ends_at")
    )
    open_thread = complaint.state != State.DRAFT and complaint.state not in services.ENDED_STATES
    return render(
        request,
        "console/case.html",
        {
            "complaint": complaint,
            "p": presented,
            "timeline": _timeline(presented, thread, evidence),
            "evidence": evidence,
            "actions": _actions(complaint, presented["actions"]),
            "assignees": _assignee_options(complaint, rels),
            "is_supervisor": policies.SUPERVISOR in rels,
            "outcomes": Outcome.choices,
            "priorities": Priority.choices,
            "can_post": open_thread and policies.can_post_message(rels),
            "can_note": open_thread and policies.can_see_internal_notes(rels),
            "can_hold": user.role == Role.INSPECTOR,
            "holds": holds,
            "state_label": State(complaint.state).label,
            "hold_default": (clock.now() + dt.timedelta(days=365)).date().isoformat(),
        },
    )


def _back(complaint_id) -> HttpResponse:
    return redirect(reverse("console:case", args=[complaint_id]))


@require_POST
def case_transition(request, complaint_id):
    complaint = _visible_case(request, complaint_id)
    post = request.POST
    action = post.get("action", "")
    params: dict = {}
    if action == "assign" and post.get("assignee"):
        params["assignee"] = post["assignee"]
    if action == "resolve":
        params["outcome"] = post.get("outcome") or None
        params["note"] = post.get("note", "")
        amount = (post.get("amount_recovered") or "").strip()
        if amount:
            try:
                params["amount_recovered"] = Decimal(amount)
            except InvalidOperation:
                messages.error(request, _("The amount recovered is not a number."))
                return _back(complaint.pk)
            params["recovered_currency"] = post.get("recovered_currency", "")
    if action == "set_priority":
        params["priority"] = post.get("priority")
    try:
        version = int(post["version"]) if post.get("version") else None
    except ValueError:
        version = None
    try:
        services.complaint_transition(
            actor=request.user,
            complaint_id=complaint.pk,
            data=services.TransitionInput(
                action=action, reason=post.get("reason", ""), version=version, params=params
            ),
        )
    except AppError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        flash_error(request, exc)
    else:
        messages.success(
            request, _("Done: %(action)s.") % {"action": ACTION_LABELS.get(action, action)}
        )
    if not selectors.complaint_get(user=request.user, complaint_id=complaint.pk):
        return redirect("console:home")
    return _back(complaint.pk)


@require_POST
def case_message(request, complaint_id):
    complaint = _visible_case(request, complaint_id)
    body = (request.POST.get("body") or "").strip()
    internal = request.POST.get("internal") == "1"
    if not body:
        messages.error(request, _("Write a message first."))
        return _back(complaint.pk)
    try:
        services.message_post(
            actor=request.user, complaint_id=complaint.pk, body=body[:5000], internal=internal
        )
    except AppError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        flash_error(request, exc)
    else:
        messages.success(request, _("Note added.") if internal else _("Message sent."))
    return _back(complaint.pk)


@require_POST
def case_hold(request, complaint_id):
    complaint = _visible_case(request, complaint_id)
    require(request.user.role == Role.INSPECTOR)
    try:
        ends_on = dt.date.fromisoformat(request.POST.get("ends_on", ""))
    except ValueError:
        messages.error(request, _("Choose the date the hold ends."))
        return _back(complaint.pk)
    reason = (request.POST.get("reason") or "").strip()
    if not reason:
        messages.error(request, _("Give a reason."))
        return _back(complaint.pk)
    ends_at = dt.datetime.combine(ends_on, dt.time(23, 59, 59), tzinfo=dt.UTC)
    try:
        legal_hold_create(
            actor=request.user, complaint_id=complaint.pk, reason=reason, ends_at=ends_at
        )
    except AppError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        flash_error(request, exc)
    else:
        messages.success(request, _("Legal hold placed."))
    return _back(complaint.pk)


# --- Evidence -----------------------------------------------------------------------------------


def _evidence_document(request, complaint_id, document_id) -> tuple[Complaint, Document]:
    """The document must be evidence of a case the user sees *and* readable by the user
    through the vault's own rules (an active grant): both, or 404."""
    complaint = _visible_case(request, complaint_id)
    if not ComplaintEvidence.objects.filter(complaint=complaint, document_id=document_id).exists():
        raise Http404
    document = vault_selectors.document_get(user=request.user, document_id=document_id)
    if document is None:
        raise Http404
    return complaint, document


@require_GET
def evidence_view(request, complaint_id, document_id):
    complaint, document = _evidence_document(request, complaint_id, document_id)
    if document.owner_id != request.user.pk:
        vault_services.document_access_record(
            document=document, actor=request.user, event=TrailEvent.VIEW
        )
    meta = vault_selectors.document_meta([document]).get(document.pk, {})
    version = document.current_version
    content_type = version.content_type if version else ""
    return render(
        request,
        "console/evidence.html",
        {
            "complaint": complaint,
            "document": document,
            "title": meta.get("title", ""),
            "version": version,
            "content_type": content_type,
            "is_pdf": content_type == "application/pdf",
            "is_image": content_type.startswith("image/") and content_type in INLINE_TYPES,
        },
    )


@require_GET
@xframe_options_sameorigin
def evidence_content(request, complaint_id, document_id):
    """The decrypted file, streamed (ranges honoured), each request written to the worker's
    trail as a download, exactly as ``GET /api/v1/vault/documents/{id}/content``."""
    _complaint, document = _evidence_document(request, complaint_id, document_id)
    version = document.current_version
    if version is None:
        raise Http404
    inline = version.content_type in INLINE_TYPES and request.GET.get("download") != "1"
    try:
        response = content_response(
            request=request,
            document=document,
            version=version,
            disposition="inline" if inline else "attachment",
        )
    except AppError as exc:
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain")
    response.console_content = True
    return response


# --- Filing on behalf of a worker ---------------------------------------------------------------

FILING_FIELDS = (
    "worker",
    "employer_name",
    "workplace_country",
    "workplace_region",
    "sector",
    "since",
    "narrative",
    "desired_outcome",
    "amount_claimed",
    "claimed_currency",
    "consent_method",
    "consent_note",
)


def _filing_changes(post) -> tuple[dict, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    changes: dict = {
        "employer_name": post.get("employer_name", "").strip()[:200],
        "workplace_country": post.get("workplace_country", "").strip()[:2],
        "workplace_region": post.get("workplace_region", "").strip()[:100],
        "sector": post.get("sector", "").strip()[:50],
        "narrative": post.get("narrative", "").strip()[:10000],
        "desired_outcome": post.get("desired_outcome", "").strip()[:5000],
        "claimed_currency": post.get("claimed_currency", "").strip()[:3],
        "disclose_identity": post.get("disclose_identity") == "1",
        "consent_method": post.get("consent_method", ""),
        "consent_note": post.get("consent_note", "").strip()[:2000] or None,
    }
    if changes["consent_method"] not in ConsentMethod.values:
        errors["consent_method"] = [_("Choose how the worker gave consent.")]
    since = post.get("since", "").strip()
    if since:
        try:
            changes["since"] = dt.date.fromisoformat(since)
        except ValueError:
            errors["since"] = [_("Give a date.")]
    amount = post.get("amount_claimed", "").strip()
    if amount:
        try:
            changes["amount_claimed"] = Decimal(amount)
        except InvalidOperation:
            errors["amount_claimed"] = [_("Not a number.")]
    return changes, errors


def _already_filed(request, complaint_id) -> HttpResponse | None:
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
    if complaint is None:
        return None
    messages.info(
        request,
        _("This complaint was already filed as %(ref)s; nothing new was filed.")
        % {"ref": complaint.reference},
    )
    return redirect(reverse("console:case", args=[complaint.pk]))


@require_http_methods(["GET", "POST"])
def case_file(request):
    """Filing for a worker; one filing makes one complaint however often the form is sent
    (back button, double click): see ``backend.console.filing``."""
    require(request.user.role == Role.NGO_CASEWORKER)
    values = {name: request.POST.get(name, "") for name in FILING_FIELDS}
    categories = [c for c in request.POST.getlist("categories") if c in Category.values]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        key = filing.posted_key(request.session, request.POST.get("client_key"))
        changes, errors = _filing_changes(request.POST)
        fingerprint = filing.digest(values["worker"], changes, categories)
        existing = filing.already_filed(request.session, key, values["worker"], fingerprint)
        if existing and (response := _already_filed(request, existing)):
            return response
        if not errors:
            submit = (
                request.POST.get("submit") == "1"
                and changes["consent_method"] != ConsentMethod.IN_APP
            )
            try:
                complaint, _created = services.complaint_create(
                    actor=request.user,
                    client_key=key,
                    changes=changes,
                    categories=categories,
                    worker_username=values["worker"].strip(),
                    submit=submit,
                )
            except AppError as exc:
                errors = exc.fields or {"__all__": [exc.message]}
                if exc.fields:
                    errors["__all__"] = [exc.message]
            else:
                filing.remember(request.session, key, values["worker"], fingerprint, complaint.pk)
                if complaint.state == State.DRAFT:
                    messages.info(
                        request,
                        _("Saved as a draft %(ref)s. It can be submitted once complete.")
                        % {"ref": complaint.reference},
                    )
                else:
                    messages.success(
                        request, _("Complaint %(ref)s filed.") % {"ref": complaint.reference}
                    )
                return redirect(reverse("console:case", args=[complaint.pk]))
        client_key = str(key)
    else:
        client_key = str(filing.pending_key(request.session))
    return render(
        request,
        "console/file.html",
        {
            "values": values,
            "selected": set(categories),
            "categories": Category.choices,
            "consent_methods": ConsentMethod.choices,
            "errors": errors,
            "client_key": client_key,
            "submit_checked": request.method == "GET" or request.POST.get("submit") == "1",
        },
        status=400 if errors else 200,
    )
