"""The fixture world of the authorization matrix: two workers (A and B), each with a vault,
documents, a resumable upload, grants, complaints (with caseworker, inspector, messages,
invitations, legal holds), a review, notifications, push tokens and devices; plus one signed-in
caller per role who is a *stranger* to A's objects. Path parameters are filled with A's ids.

Everything is created through the real services (or the API, for uploads), so the objects are
exactly what production would hold.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.test import Client
from rest_framework.test import APIClient

from backend.accounts.models import Role
from backend.accounts.services import device_sign_in
from backend.agencies.models import AgencyRepresentative, Corridor
from backend.complaints import services as complaint_services
from backend.complaints.models import Supervisor
from backend.core import clock
from backend.notifications import services as notification_services
from backend.notifications.models import Notification
from backend.retention import services as retention_services
from backend.retention.exports import export_request
from backend.vault import resumable
from backend.vault import services as vault_services
from backend.vault.keyring import vault_get_or_create
from tests import factories
from tests.complaints.conftest import act, file_complaint
from tests.vault.conftest import upload_document

# Private strings planted in A's objects: none may ever appear in a stranger's response.
SECRET_TITLE = "AUTHZ-SECRET-TITLE-7f3a"
SECRET_NARRATIVE = "AUTHZ-SECRET-NARRATIVE-2b9c: they keep my passport."
SECRET_COMMENT = "AUTHZ-SECRET-COMMENT-91de about the agency"
SECRET_HOLD_REASON = "AUTHZ-SECRET-HOLD-REASON-55aa"
SECRET_NAME = "AUTHZ-SECRET-NAME-Aye"
SECRET_MESSAGE = "AUTHZ-SECRET-MESSAGE-c0ffee"
SECRET_PUSH_TOKEN = "AUTHZ-SECRET-PUSH-TOKEN-fcm-0123456789abcdef"

ROLES = (
    "anonymous",
    "worker",
    "inspector",
    "ngo_caseworker",
    "moderator",
    "agency_representative",
    "admin",
)


@dataclass
class Owner:
    """One worker's objects (A's are the targets; B has the same kinds, as the stranger)."""

    user: object
    client: APIClient
    document: dict = field(default_factory=dict)
    upload_id: str = ""
    grant_id: str = ""
    complaint: object = None
    invitation_id: str = ""
    hold_id: str = ""
    review: object = None
    notification_id: str = ""
    push_token_id: str = ""
    device_id: str = ""
    export_id: str = ""


@dataclass
class World:
    a: Owner
    b: Owner
    agency: object
    public_review: object
    callers: dict[str, APIClient]  # role -> a client signed in as a stranger to A (JWT)
    users: dict[str, object]  # role -> the stranger user
    secrets: list[str]  # strings and ids that must not leak to strangers

    def params(self) -> dict[str, str]:
        """Path parameters, all pointing at objects that belong to worker A."""
        a = self.a
        return {
            "document_id": a.document["id"],
            "upload_id": a.upload_id,
            "grant_id": a.grant_id,
            "complaint_id": str(a.complaint.pk),
            "invitation_id": a.invitation_id,
            "hold_id": a.hold_id,
            "review_id": str(a.review.pk),
            "notification_id": a.notification_id,
            "token_id": a.push_token_id,
            "device_id": a.device_id,
            "export_id": a.export_id,
            "agency_id": str(self.agency.pk),
            "origin": "MM",
            "destination": "TH",
        }


def _jwt_client(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    tokens = device_sign_in(user=user, device_name="authz phone")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.access}")
    client.user = user
    client.tokens = tokens
    return client


def _review(agency, author, comment=""):
    from tests.agencies.conftest import make_review

    return make_review(agency, author=author, comment=comment)


def _owner(tag, agency, caseworker, inspector, assignee, supervisor, *, country="TH") -> Owner:
    """Worker ``tag``'s objects; the private strings end in ``tag`` (A's must never reach B)."""
    user = factories.WorkerFactory(display_name=f"{SECRET_NAME}-{tag}")
    client = _jwt_client(user)
    owner = Owner(user=user, client=client, device_id=str(client.tokens.device_id))
    response = upload_document(client, title=f"{SECRET_TITLE}-{tag}", notes=f"{SECRET_TITLE}-{tag}")
    assert response.status_code == 201, response.content
    owner.document = response.json()
    owner.upload_id = str(resumable.resumable_upload_create(owner=user, length=10, metadata={}).pk)
    grant = vault_services.grant_create(
        owner=user,
        request=vault_services.GrantRequest(
            grantee_username=caseworker.username, document_ids=[owner.document["id"]]
        ),
    )
    owner.grant_id = str(grant.pk)
    complaint = file_complaint(
        user, submit=False, narrative=f"{SECRET_NARRATIVE} {tag}", workplace_country=country
    )
    act(user, complaint, "submit")
    invitation = complaint_services.invitation_create(
        actor=user, complaint_id=complaint.pk, caseworker_username=caseworker.username
    )
    owner.invitation_id = str(invitation.pk)
    act(inspector, complaint, "accept")
    act(supervisor, complaint, "assign", assignee=str(assignee.pk))
    complaint_services.message_post(
        actor=user, complaint_id=complaint.pk, body=f"{SECRET_MESSAGE}-{tag}", internal=False
    )
    hold = retention_services.legal_hold_create(
        actor=assignee,
        complaint_id=complaint.pk,
        reason=f"{SECRET_HOLD_REASON}-{tag}",
        ends_at=clock.now() + dt.timedelta(days=30),
    )
    owner.hold_id = str(hold.pk)
    complaint.refresh_from_db()
    owner.complaint = complaint
    owner.review = _review(agency, user, comment=f"{SECRET_COMMENT} {tag}")
    notification_services.notify(
        event="authz.test",
        event_key=f"authz:{user.pk}",
        recipients=[user],
        subject_ref=complaint.reference,
    )
    owner.notification_id = str(Notification.objects.filter(recipient=user).latest("pk").pk)
    token = notification_services.push_token_register(
        user=user,
        platform="android",
        token=f"{SECRET_PUSH_TOKEN}-{tag}-{uuid.uuid4().hex}",
        device_id=owner.device_id,
    )
    owner.push_token_id = str(token.pk)
    owner.export_id = str(export_request(user=user)[0].pk)
    return owner


def case_team():
    """An agency serving MM → TH and a Thai case team for the owners' complaints:
    ``(agency, caseworker, inspector, assignee, supervisor)``."""
    agency = factories.AgencyFactory(country="MM")
    Corridor.objects.create(agency=agency, origin="MM", destination="TH")
    caseworker = factories.CaseworkerFactory()
    inspector = factories.InspectorFactory(country="TH")
    assignee = factories.InspectorFactory(country="TH")
    supervisor = factories.InspectorFactory(country="TH")
    Supervisor.objects.create(user=supervisor)
    return agency, caseworker, inspector, assignee, supervisor


def build_world() -> World:
    # A's case team; the callers below are strangers of the same roles.
    agency, caseworker, inspector, assignee, supervisor = case_team()
    a = _owner("A", agency, caseworker, inspector, assignee, supervisor)
    b = _owner("B", agency, caseworker, inspector, assignee, supervisor)
    public_review = _review(agency, factories.WorkerFactory())
    representative = factories.UserFactory(role=Role.AGENCY_REPRESENTATIVE)
    AgencyRepresentative.objects.create(user=representative, agency=factories.AgencyFactory())
    users = {
        "worker": b.user,
        # Another jurisdiction: A's complaint is in Thailand.
        "inspector": factories.InspectorFactory(country="MY"),
        "ngo_caseworker": factories.CaseworkerFactory(),
        "moderator": factories.ModeratorFactory(),
        "agency_representative": representative,
        "admin": factories.AdminFactory(),
    }
    callers: dict[str, APIClient] = {"anonymous": APIClient(raise_request_exception=False)}
    for role, user in users.items():
        # A vault is created on first use (e.g. GET /vault/trail/): make it now, so the
        # matrix's "nothing changed" check only sees what the request under test did.
        vault_get_or_create(user)
        export_request(user=user)  # pending: asking again returns it and writes nothing
        callers[role] = b.client if role == "worker" else _jwt_client(user)
    a_obj = a
    secrets = [
        f"{SECRET_TITLE}-A",
        f"{SECRET_NARRATIVE} A",
        f"{SECRET_COMMENT} A",
        f"{SECRET_HOLD_REASON}-A",
        f"{SECRET_NAME}-A",
        f"{SECRET_MESSAGE}-A",
        f"{SECRET_PUSH_TOKEN}-A",
        a_obj.user.phone,
        str(a_obj.user.pk),
        a_obj.document["id"],
        a_obj.upload_id,
        a_obj.grant_id,
        str(a_obj.complaint.pk),
        a_obj.complaint.reference,
        a_obj.invitation_id,
        a_obj.hold_id,
        str(a_obj.review.pk),
        a_obj.notification_id,
        a_obj.push_token_id,
        a_obj.device_id,
        a_obj.export_id,
    ]
    return World(
        a=a,
        b=b,
        agency=agency,
        public_review=public_review,
        callers=callers,
        users=users,
        secrets=[s for s in secrets if s],
    )


def session_client(user=None) -> Client:
    """A plain Django client (cookies, no JWT), signed in to a session when ``user`` is given."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# The path parameters ``World.params()`` fills (checked without a database).
PARAM_NAMES = frozenset(
    {
        "document_id",
        "upload_id",
        "grant_id",
        "complaint_id",
        "invitation_id",
        "hold_id",
        "review_id",
        "notification_id",
        "token_id",
        "device_id",
        "export_id",
        "agency_id",
        "origin",
        "destination",
    }
)
