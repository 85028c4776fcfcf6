"""The complaint state machine as one declarative table: (state, action) → rule.

A rule names the new state (``None``: the state stays, e.g. a deadline extension), the
relations allowed to act (``backend.complaints.policies``) and whether a reason is required.
``backend.complaints.services.complaint_transition`` is the only code that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.complaints.models import State
from backend.complaints.policies import (
    ASSIGNEE,
    CASEWORKER,
    FILER,
    INSPECTOR,
    SUPERVISOR,
    WORKER,
)


class Action:
    SUBMIT = "submit"
    CONFIRM_CONSENT = "confirm_consent"
    ACCEPT = "accept"
    REJECT = "reject"
    REFER = "refer"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    START_INVESTIGATION = "start_investigation"
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    EXTEND_DEADLINE = "extend_deadline"
    SET_PRIORITY = "set_priority"
    GIVE_FEEDBACK = "give_feedback"


ACTIONS = tuple(v for k, v in vars(Action).items() if k.isupper())


@dataclass(frozen=True)
class Rule:
    to: State | None
    actors: frozenset[str]
    reason_required: bool = False


def _rule(to, *actors, reason=False) -> Rule:
    return Rule(to=to, actors=frozenset(actors), reason_required=reason)


_BEFORE_RESOLUTION = (
    State.DRAFT,
    State.SUBMITTED,
    State.ACCEPTED,
    State.ASSIGNED,
    State.INVESTIGATING,
    State.AWAITING_WORKER,
)
_DECISION_CLOCK = (State.ACCEPTED, State.ASSIGNED, State.INVESTIGATING, State.AWAITING_WORKER)
_WITH_ASSIGNEE = (State.ASSIGNED, State.INVESTIGATING, State.AWAITING_WORKER)

TRANSITIONS: dict[tuple[str, str], Rule] = {
    (State.DRAFT, Action.SUBMIT): _rule(State.SUBMITTED, WORKER, FILER),
    (State.DRAFT, Action.CONFIRM_CONSENT): _rule(None, WORKER),
    (State.SUBMITTED, Action.ACCEPT): _rule(State.ACCEPTED, INSPECTOR),
    (State.SUBMITTED, Action.REJECT): _rule(State.REJECTED, INSPECTOR, reason=True),
    (State.SUBMITTED, Action.REFER): _rule(State.REFERRED, INSPECTOR, reason=True),
    (State.ACCEPTED, Action.ASSIGN): _rule(State.ASSIGNED, INSPECTOR, SUPERVISOR),
    **{
        (state, Action.UNASSIGN): _rule(State.ACCEPTED, ASSIGNEE, SUPERVISOR, reason=True)
        for state in _WITH_ASSIGNEE
    },
    (State.ASSIGNED, Action.START_INVESTIGATION): _rule(State.INVESTIGATING, ASSIGNEE),
    (State.INVESTIGATING, Action.REQUEST_INFO): _rule(State.AWAITING_WORKER, ASSIGNEE, reason=True),
    (State.AWAITING_WORKER, Action.PROVIDE_INFO): _rule(State.INVESTIGATING, WORKER, CASEWORKER),
    (State.INVESTIGATING, Action.RESOLVE): _rule(State.RESOLVED, ASSIGNEE),
    (State.RESOLVED, Action.CLOSE): _rule(State.CLOSED, WORKER, ASSIGNEE, SUPERVISOR),
    (State.RESOLVED, Action.REOPEN): _rule(State.INVESTIGATING, WORKER, ASSIGNEE, reason=True),
    (State.CLOSED, Action.REOPEN): _rule(State.INVESTIGATING, WORKER, ASSIGNEE, reason=True),
    **{(state, Action.WITHDRAW): _rule(State.WITHDRAWN, WORKER) for state in _BEFORE_RESOLUTION},
    **{
        (state, Action.EXTEND_DEADLINE): _rule(None, ASSIGNEE, SUPERVISOR, reason=True)
        for state in _DECISION_CLOCK
    },
    **{
        (state, Action.SET_PRIORITY): _rule(None, INSPECTOR, reason=True)
        for state in (State.SUBMITTED, *_DECISION_CLOCK)
    },
    (State.RESOLVED, Action.GIVE_FEEDBACK): _rule(None, WORKER),
    (State.CLOSED, Action.GIVE_FEEDBACK): _rule(None, WORKER),
}


def rule_for(state: str, action: str) -> Rule | None:
    return TRANSITIONS.get((state, action))


def actions_available(state: str, rels: frozenset[str]) -> list[str]:
    """What this actor may try now (shown to the app; the service re-checks everything)."""
    return [
        action for (s, action), rule in TRANSITIONS.items() if s == state and rule.actors & rels
    ]
