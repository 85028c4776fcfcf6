"""Complaints: a worker's case against an employer or agency, from draft to decision.

Free text (what happened, the wanted outcome, messages, the outcome note, the consent note and
transition reasons) is sealed with the *worker's* key (``backend.vault.keyring``), bound to the
row and column, so shredding the worker key shreds the case text too. What the server filters and
counts on (country, sector, categories, states, dates, amounts) stays in clear.

The state machine lives in ``backend.complaints.transitions`` (one declarative table); nothing
here changes state on save.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel, UUIDModel


class Category(models.TextChoices):
    # The 11 ILO indicators of forced labour.
    ABUSE_OF_VULNERABILITY = "abuse_of_vulnerability", _("Abuse of vulnerability")
    DECEPTION = "deception", _("Deception")
    RESTRICTION_OF_MOVEMENT = "restriction_of_movement", _("Restriction of movement")
    ISOLATION = "isolation", _("Isolation")
    PHYSICAL_SEXUAL_VIOLENCE = "physical_sexual_violence", _("Physical and sexual violence")
    INTIMIDATION_THREATS = "intimidation_threats", _("Intimidation and threats")
    RETENTION_OF_IDENTITY_DOCUMENTS = (
        "retention_of_identity_documents",
        _("Retention of identity documents"),
    )
    WITHHOLDING_OF_WAGES = "withholding_of_wages", _("Withholding of wages")
    DEBT_BONDAGE = "debt_bondage", _("Debt bondage")
    ABUSIVE_CONDITIONS = "abusive_conditions", _("Abusive working and living conditions")
    EXCESSIVE_OVERTIME = "excessive_overtime", _("Excessive overtime")
    # Common grievances.
    UNPAID_OR_LATE_WAGES = "unpaid_or_late_wages", _("Unpaid or late wages")
    ILLEGAL_DEDUCTIONS = "illegal_deductions", _("Illegal deductions")
    UNPAID_OVERTIME_OR_BENEFITS = "unpaid_overtime_or_benefits", _("Unpaid overtime or benefits")
    CONTRACT_SUBSTITUTION = "contract_substitution", _("Contract substitution")
    RECRUITMENT_FEES = "recruitment_fees", _("Recruitment fees charged")
    UNSAFE_WORKPLACE = "unsafe_workplace", _("Unsafe workplace")
    HARASSMENT_DISCRIMINATION = "harassment_discrimination", _("Harassment or discrimination")
    DENIED_EMPLOYER_CHANGE = "denied_employer_change", _("Denied change of employer")
    OTHER = "other", _("Other")


FORCED_LABOUR_INDICATORS = frozenset(
    {
        Category.ABUSE_OF_VULNERABILITY,
        Category.DECEPTION,
        Category.RESTRICTION_OF_MOVEMENT,
        Category.ISOLATION,
        Category.PHYSICAL_SEXUAL_VIOLENCE,
        Category.INTIMIDATION_THREATS,
        Category.RETENTION_OF_IDENTITY_DOCUMENTS,
        Category.WITHHOLDING_OF_WAGES,
        Category.DEBT_BONDAGE,
        Category.ABUSIVE_CONDITIONS,
        Category.EXCESSIVE_OVERTIME,
    }
)


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected as out of scope")
    REFERRED = "referred", _("Referred to another authority")
    ASSIGNED = "assigned", _("Assigned")
    INVESTIGATING = "investigating", _("Under investigation")
    AWAITING_WORKER = "awaiting_worker", _("Awaiting the worker's information")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: States in which a case is open for the inspectorate (has a running deadline).
OPEN_STATES = frozenset(
    {
        State.SUBMITTED,
        State.ACCEPTED,
        State.ASSIGNED,
        State.INVESTIGATING,
        State.AWAITING_WORKER,
    }
)
#: States in which someone is assigned (and holds evidence grants).
ASSIGNED_STATES = frozenset({State.ASSIGNED, State.INVESTIGATING, State.AWAITING_WORKER})


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Outcome(models.TextChoices):
    REMEDY_GRANTED = "remedy_granted", _("Remedy granted")
    SETTLED = "settled", _("Settled")
    NO_VIOLATION = "no_violation", _("No violation found")
    REFERRED = "referred", _("Referred")


class ConsentMethod(models.TextChoices):
    """How a worker consented to a caseworker filing for them."""

    IN_APP = "in_app", _("Confirmed by the worker in the app")
    VERBAL = "verbal", _("Given verbally, recorded by the caseworker")
    WRITTEN = "written", _("Given in writing, recorded by the caseworker")


class Complaint(TimeStampedModel):
    reference = models.CharField(max_length=12, unique=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints_filed"
    )
    #: Chosen by the app; a retried submission with the same key returns the same complaint.
    client_key = models.UUIDField()
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    #: Incremented by every transition; clients may send it back to detect a stale view.
    version = models.PositiveIntegerField(default=1)

    # Respondent and workplace.
    employer_name = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    workplace_country = models.CharField(max_length=2, blank=True, db_index=True)
    workplace_region = models.CharField(max_length=100, blank=True)
    sector = models.CharField(max_length=50, blank=True)
    #: The worker's nationality at filing (the origin of the migration corridor).
    worker_nationality = models.CharField(max_length=2, blank=True)
    categories = models.JSONField(default=list)
    since = models.DateField(null=True, blank=True)
    sealed_narrative = models.BinaryField(null=True, blank=True)
    sealed_desired_outcome = models.BinaryField(null=True, blank=True)
    amount_claimed = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    claimed_currency = models.CharField(max_length=3, blank=True)
    #: ILO C81 art. 15(c): the worker's identity is withheld from the respondent unless True.
    disclose_identity = models.BooleanField(default=False)

    # Consent when a caseworker files.
    consent_method = models.CharField(max_length=10, choices=ConsentMethod.choices, blank=True)
    consent_confirmed_at = models.DateTimeField(null=True, blank=True)
    sealed_consent_note = models.BinaryField(null=True, blank=True)

    # Routing and priority.
    assigned_inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_assigned",
    )
    computed_priority = models.CharField(
        max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    priority_rank = models.PositiveSmallIntegerField(default=1, db_index=True)
    priority_overridden = models.BooleanField(default=False)

    # Deadlines (UTC). ``due_at`` is the deadline of the current state, copied for the queue.
    submitted_at = models.DateTimeField(null=True, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_due_at = models.DateTimeField(null=True, blank=True)
    decision_due_at = models.DateTimeField(null=True, blank=True)
    deadline_extended = models.BooleanField(default=False)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    #: The ``due_at`` supervisors were last warned about (one escalation per deadline).
    escalated_for = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_within_deadline = models.BooleanField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Outcome.
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    amount_recovered = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    recovered_currency = models.CharField(max_length=3, blank=True)
    sealed_outcome_note = models.BinaryField(null=True, blank=True)
    worker_satisfied = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "client_key"], name="complaint_client_key_per_worker"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | ~Q(employer_name="") | Q(agency__isnull=False),
                name="complaint_has_respondent",
            ),
        ]
        indexes = [
            models.Index(fields=["workplace_country", "state", "-priority_rank", "due_at"]),
            models.Index(fields=["worker", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.reference


class ComplaintCategory(UUIDModel):
    """One row per (complaint, category): what the queue filters and statistics count on
    (portable, unlike JSON containment on SQLite). ``Complaint.categories`` is the same list,
    written together by the services, for output without a join."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="category_rows")
    category = models.CharField(max_length=40, choices=Category.choices, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "category"], name="category_once")
        ]


class ComplaintEvent(UUIDModel):
    """One transition: who did what, when, from which state to which, and why (sealed)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=32)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=20, choices=State.choices)
    to_state = models.CharField(max_length=20, choices=State.choices)
    sealed_reason = models.BinaryField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["at", "id"]


class ComplaintEvidence(UUIDModel):
    """A vault document the worker attached to the complaint."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    document = models.ForeignKey("vault.Document", on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "document"], name="evidence_once")
        ]


class ComplaintAccess(UUIDModel):
    """The vault grant through which a party (assigned inspector, caseworker) reads the
    evidence. Revoked with the party's role in the case, so access ends with it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="accesses")
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    grant = models.OneToOneField("vault.Grant", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "grantee"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_access_per_party",
            )
        ]


class ComplaintInvitation(UUIDModel):
    """A caseworker the worker invited to the case."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="invitations")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complaint_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "caseworker"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_invitation",
            )
        ]


class ComplaintMessage(UUIDModel):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_role = models.CharField(max_length=32)
    #: Internal notes are for the inspectorate only (never the worker or caseworkers).
    internal = models.BooleanField(default=False)
    sealed_body = models.BinaryField()
    attachment_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["complaint", "created_at"])]


class ComplaintReadMarker(UUIDModel):
    """How far each participant has read the thread."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="read_markers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "user"], name="read_marker_once")
        ]


class Supervisor(UUIDModel):
    """An inspector who supervises their jurisdiction: assigns, receives escalations, reads
    statistics. Kept here rather than on ``accounts.User`` (a complaints concern only)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complaint_supervisor"
    )
    created_at = models.DateTimeField(auto_now_add=True)
