"""The fuzzing world: worker A's objects (reused from the authorization matrix) and one
signed-in caller per role who is an *insider* to them — A herself, her invited caseworker,
the inspector the complaint is assigned to, a supervisor, a moderator and the representative
of the agency A reviewed — so generated requests reach the code behind the permission checks
instead of stopping at a 404. The stranger's view is the authorization matrix's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.accounts.models import Role
from backend.accounts.services import device_sign_in
from backend.agencies.models import AgencyRepresentative
from backend.vault.keyring import vault_get_or_create
from tests import factories
from tests.authz.world import Owner, _owner, case_team

ROLES = (
    "anonymous",
    "worker",
    "ngo_caseworker",
    "inspector",
    "supervisor",
    "moderator",
    "agency_representative",
)


@dataclass
class FuzzWorld:
    owner: Owner
    agency: object
    tokens: dict[str, str]  # role -> a bearer access token ("" for anonymous)
    params: dict[str, str]  # path parameter name -> one of A's ids

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens[role]
        return {"Authorization": f"Bearer {token}"} if token else {}


def build_fuzz_world() -> FuzzWorld:
    agency, caseworker, inspector, assignee, supervisor = case_team()
    owner = _owner("A", agency, caseworker, inspector, assignee, supervisor)
    representative = factories.UserFactory(role=Role.AGENCY_REPRESENTATIVE)
    AgencyRepresentative.objects.create(user=representative, agency=agency)
    users = {
        "ngo_caseworker": caseworker,
        "inspector": assignee,
        "supervisor": supervisor,
        "moderator": factories.ModeratorFactory(),
        "agency_representative": representative,
    }
    tokens = {"anonymous": "", "worker": owner.client.tokens.access}
    for role, user in users.items():
        vault_get_or_create(user)
        tokens[role] = device_sign_in(user=user, device_name="fuzz phone").access
    params = {
        "document_id": owner.document["id"],
        "upload_id": owner.upload_id,
        "grant_id": owner.grant_id,
        "complaint_id": str(owner.complaint.pk),
        "invitation_id": owner.invitation_id,
        "hold_id": owner.hold_id,
        "review_id": str(owner.review.pk),
        "notification_id": owner.notification_id,
        "token_id": owner.push_token_id,
        "device_id": owner.device_id,
        "export_id": owner.export_id,
        "agency_id": str(agency.pk),
        "origin": "MM",
        "destination": "TH",
    }
    return FuzzWorld(owner=owner, agency=agency, tokens=tokens, params=params)
