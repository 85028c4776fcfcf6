"""Small platform-level services."""

from backend.audit.services import audit_record


def ping_record(*, token: str) -> None:
    """Record that a background worker ran (used by the end-to-end worker test)."""
    audit_record(action="worker.ping", token=token[:64])
