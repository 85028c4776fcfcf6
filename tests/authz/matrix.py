"""The expected answer of every endpoint x method x caller, for objects that are not theirs.

Keys are URL names (``reverse()`` names, namespaced) and methods. ``HEAD`` follows ``GET``;
``OPTIONS`` and methods a view does not implement follow one generic rule each. A URL pattern
that is neither in ``TABLE`` nor matched by a rule in ``RULES`` (Django admin, the staff
console) makes ``test_every_url_pattern_is_covered`` fail: whoever adds an endpoint adds its
row here.

Callers (``world.ROLES``) are strangers to worker A, whose objects fill the path parameters:
worker B, an inspector of another jurisdiction, a caseworker of another organisation, a
moderator, an agency representative of another agency, an administrator and anonymous.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.authz.world import ROLES, World
from tests.vault.files import make_pdf

AUTHED = tuple(r for r in ROLES if r != "anonymous")
STAFF = ("inspector", "ngo_caseworker", "moderator", "admin")
DENIED = frozenset({403, 404})
UNAUTHENTICATED = frozenset({401})


@dataclass(frozen=True)
class Expect:
    """``allowed`` maps a role to the statuses it may get *with a legitimate reason* (its own
    data, a public endpoint, its role's queue); every other role must be denied: 401 when
    anonymous, 403/404 otherwise. ``body`` is what is sent (a callable gets the world);
    ``leak_ok`` roles may see A's data (moderators read the moderation queue)."""

    allowed: dict[str, frozenset[int]] = field(default_factory=dict)
    body: Any = None
    fmt: str = "json"
    query: Callable[[World], dict] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    leak_ok: frozenset[str] = frozenset()
    why: str = ""

    def statuses(self, role: str) -> frozenset[int]:
        if role in self.allowed:
            return self.allowed[role]
        return UNAUTHENTICATED if role == "anonymous" else DENIED

    def payload(self, world: World):
        return self.body(world) if callable(self.body) else self.body


def _s(*codes: int) -> frozenset[int]:
    return frozenset(codes)


def deny(**kw) -> Expect:
    """Nobody may touch A's object."""
    return Expect(**kw)


def public(*codes: int, **kw) -> Expect:
    return Expect(allowed={r: _s(*codes) for r in ROLES}, **kw)


def own(*codes: int, roles=AUTHED, **kw) -> Expect:
    """The caller's own resource (/me, their lists): signed-in roles get ``codes``."""
    return Expect(allowed={r: _s(*codes) for r in roles}, **kw)


def role(roles, *codes: int, **kw) -> Expect:
    return Expect(allowed={r: _s(*codes) for r in roles}, **kw)


def _a(world: World):
    return world.a


def _future() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()


REVIEW_BODY = {
    "ratings": dict.fromkeys(
        ("fees", "contract", "job_accuracy", "treatment", "documents", "wages"), 1
    )
    | {"overall": 1},
    "recruitment_year": 2024,
    "corridor": {"origin": "MM", "destination": "TH"},
    "comment": "pwned",
}
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}

TABLE: dict[tuple[str, str], Expect] = {
    # --- health, schema ---
    ("healthz", "GET"): public(200),
    ("readyz", "GET"): public(200),
    ("schema", "GET"): public(200),
    ("api-docs", "GET"): public(200),
    # --- accounts: sign-in flows are public; an empty body is a 400 ---
    ("auth-register", "POST"): public(400, body={}),
    ("auth-verify-phone", "POST"): public(400, body={}),
    ("auth-verify-phone-resend", "POST"): public(400, body={}),
    ("auth-token", "POST"): public(400, body={}),
    ("auth-token-refresh", "POST"): public(400, body={}),
    ("auth-logout", "POST"): public(400, body={}),
    ("me", "GET"): own(200),
    # Privilege escalation: role and staff flag are read-only.
    ("me", "PATCH"): own(400, body={"role": "admin", "is_staff": True}),
    # Erasing one's own account needs the password: a wrong one is a 400 and changes nothing.
    ("me", "DELETE"): own(400, 403, body={"password": "not-the-password"}),
    ("me-devices", "GET"): own(200),
    ("me-device", "DELETE"): deny(),
    ("organisations", "GET"): role(STAFF, 200),
    # --- vault ---
    ("vault-documents", "GET"): own(200),
    # Claiming A's resumable upload as one's own document.
    ("vault-documents", "POST"): deny(
        body=lambda w: {"kind": "payslip", "upload_id": w.a.upload_id}
    ),
    ("vault-document", "GET"): deny(),
    ("vault-document", "PATCH"): deny(body={"title": "pwned"}),
    ("vault-document", "DELETE"): deny(),
    ("vault-document-versions", "POST"): deny(
        body=lambda w: {"file": SimpleUploadedFile("x.pdf", make_pdf(), "application/pdf")},
        fmt="multipart",
    ),
    ("vault-document-content", "GET"): deny(),
    ("vault-document-receipt", "GET"): deny(),
    # Creating one's own upload without Upload-Length: a 400, nothing stored.
    ("vault-uploads", "POST"): own(400, headers=TUS),
    ("vault-upload", "GET"): deny(headers=TUS),
    ("vault-upload", "PATCH"): deny(
        body=b"0123456789",
        fmt="application/offset+octet-stream",
        headers={**TUS, "HTTP_UPLOAD_OFFSET": "0"},
    ),
    ("vault-upload", "DELETE"): deny(headers=TUS),
    ("vault-grants", "GET"): own(200),
    # Sharing A's document.
    # "Unknown document" (400) is the same answer as for an id that does not exist.
    ("vault-grants", "POST"): own(
        400,
        403,
        404,
        body=lambda w: {
            "grantee": w.users["ngo_caseworker"].username,
            "document_ids": [w.a.document["id"]],
        },
    ),
    ("vault-grant", "DELETE"): deny(),
    ("vault-shared", "GET"): own(200),
    ("vault-trail", "GET"): own(200),
    ("vault-bundles", "POST"): deny(body=lambda w: {"document_ids": [w.a.document["id"]]}),
    ("vault-public-key", "GET"): public(200),
    # --- agencies ---
    ("agency-list", "GET"): public(200),
    ("agency-detail", "GET"): public(200),
    ("agency-reviews", "GET"): public(200),
    # Worker B has already reviewed this agency: 409, nothing written; others may not review.
    ("agency-reviews", "POST"): role(["worker"], 409, body=REVIEW_BODY),
    ("own-review-list", "GET"): own(200),
    ("own-review-detail", "GET"): deny(),
    ("own-review-detail", "PATCH"): deny(body={"comment": "pwned"}),
    ("own-review-detail", "DELETE"): deny(),
    # Anyone may flag a public review (A's is public): without a reason it is a 400.
    ("review-flag", "POST"): public(400, body={}),
    ("review-response", "POST"): deny(body={"text": "pwned"}),
    ("corridor-fees", "GET"): public(200),
    ("moderation-reviews", "GET"): role(
        ["moderator", "admin"], 200, leak_ok=frozenset({"moderator", "admin"})
    ),
    ("moderation-decisions", "GET"): role(
        ["moderator", "admin"], 200, leak_ok=frozenset({"moderator", "admin"})
    ),
    # Moderators may decide (an invalid action is a 400 and changes nothing); nobody else.
    ("moderation-decisions", "POST"): role(
        ["moderator", "admin"], 400, body={"action": "remove", "reason": ""}
    ),
    # --- complaints ---
    ("complaints", "GET"): own(200),
    ("complaints", "POST"): own(400, body={}),
    ("complaints-lookup", "GET"): deny(query=lambda w: {"reference": w.a.complaint.reference}),
    ("complaint", "GET"): deny(),
    ("complaint", "PATCH"): deny(body={"narrative": "pwned"}),
    ("complaint-transitions", "POST"): deny(body={"action": "withdraw"}),
    ("complaint-messages", "GET"): deny(),
    ("complaint-messages", "POST"): deny(body={"body": "pwned", "internal": False}),
    ("complaint-evidence", "POST"): deny(body=lambda w: {"document_ids": [w.b.document["id"]]}),
    ("complaint-invitations", "POST"): deny(
        body=lambda w: {"caseworker": w.users["ngo_caseworker"].username}
    ),
    ("complaint-invitation", "DELETE"): deny(),
    ("inspection-queue", "GET"): role(["inspector"], 200),
    ("complaint-statistics", "GET"): role(["admin"], 200),
    # --- notifications ---
    ("notifications", "GET"): own(200),
    ("notifications-read", "POST"): deny(body=lambda w: {"notification_id": w.a.notification_id}),
    ("notification-ack", "POST"): deny(),
    ("push-tokens", "GET"): own(200),
    ("push-tokens", "POST"): own(400, body={}),
    ("push-token", "DELETE"): deny(),
    ("notification-preferences", "GET"): own(200),
    ("notification-preferences", "PATCH"): own(400, body={"no_such_field": True}),
    # --- retention ---
    ("retention-policy", "GET"): public(200),
    ("my-legal-holds", "GET"): role(["worker"], 200),
    ("complaint-legal-holds", "GET"): deny(),
    ("complaint-legal-holds", "POST"): deny(
        body=lambda w: {"reason": "pwned", "ends_at": _future()}
    ),
    ("legal-hold-end", "POST"): deny(),
    ("my-export", "GET"): own(200),
    # Every caller already has a pending export: asking again returns it (200), writes nothing.
    ("my-export", "POST"): own(200),
    ("my-export-detail", "GET"): deny(),
    ("my-export-download", "GET"): deny(),
    ("complaint-statistics-archived", "GET"): role(["admin"], 200),
}


def is_public_view(endpoint) -> bool:
    """No authentication needed (AllowAny on the class): OPTIONS answers anyone."""
    from rest_framework.permissions import AllowAny

    cls = endpoint.view_class
    perms = getattr(cls, "permission_classes", None) or []
    return any(p is AllowAny for p in perms) or getattr(cls, "authentication_classes", 1) == []


def options_statuses(endpoint, caller: str) -> frozenset[int]:
    """OPTIONS describes the endpoint (never data): 200/204 for whoever may reach it."""
    if caller == "anonymous" and not is_public_view(endpoint):
        return UNAUTHENTICATED
    return _s(200, 204, 403)


def unimplemented_statuses(endpoint, caller: str) -> frozenset[int]:
    """A method the view does not implement: 405 (authentication and role checks come
    first in DRF, so 401/403 are fine too)."""
    if endpoint.view_class is None:  # plain Django views (health checks)
        return _s(405)
    if caller == "anonymous" and not is_public_view(endpoint):
        return _s(401, 405)
    return _s(403, 405)


# --- Rules for whole URL trees ---------------------------------------------------------------
# Django admin: any page, any stranger without a staff session -> the admin sign-in page.
ADMIN_PARAMS = {
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "pk": "1",
    "app_label": "accounts",
    "url": "no-such-page/",
}
# The staff console (session + TOTP): path parameters come from World.params() too.
CONSOLE_PARAMS = frozenset({"complaint_id", "document_id", "review_id"})
CONSOLE_PUBLIC = ("console:login", "console:verify", "console:enrol")
