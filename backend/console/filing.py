"""One filing, one complaint: the filing form's idempotency key and memory, kept in the session.

The form page is served ``no-store``, so the back button fetches it again. Were a new
``client_key`` drawn at each render, going back and sending the form once more would file the
complaint twice. Instead:

* the *pending* key lives in the session and every render of the form carries it, until a
  successful filing consumes it (so a double click, a reload of an error page or two tabs
  all send the same key, and ``complaint_create`` returns the complaint already made);
* each successful filing is remembered (its key, the complaint and digests of the worker
  and of what was filed; no content) for ``FILED_MEMORY_SECONDS``: a form sent again with a
  remembered key for the same worker, or with a new key but exactly the same filing (the
  back button after success renders a fresh key), leads to the existing case instead of
  making a second one. (Two tabs rendered before either was sent share the key: for the same
  worker the second leads to the first's case, as ``complaint_create`` would; for another
  worker it files.)
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid

PENDING_KEY = "console_filing_key"
FILED = "console_filings"
FILED_MEMORY_SECONDS = 2 * 3600
FILED_MAX = 20


def pending_key(session) -> uuid.UUID:
    """The key every render of the form carries until a filing consumes it."""
    value = session.get(PENDING_KEY)
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        key = uuid.uuid4()
        session[PENDING_KEY] = str(key)
        return key


def posted_key(session, value: str | None) -> uuid.UUID:
    """The key a form sent, or the pending one when it sent none (or garbage)."""
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return pending_key(session)


def _sha(material) -> str:
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def worker_digest(worker: str) -> str:
    return _sha(worker.strip().lower())


def digest(worker: str, changes: dict, categories: list[str]) -> str:
    """What identifies a filing: the worker, the respondent, the categories and the story."""
    material = {
        "worker": worker.strip().lower(),
        "employer": changes.get("employer_name", ""),
        "country": changes.get("workplace_country", "").upper(),
        "categories": sorted(set(categories)),
        "narrative": " ".join(changes.get("narrative", "").split()),
    }
    return _sha(material)


def _recent(session) -> list[dict]:
    cutoff = time.time() - FILED_MEMORY_SECONDS
    return [f for f in session.get(FILED, []) if f.get("at", 0) >= cutoff]


def already_filed(session, key: uuid.UUID, worker: str, filing_digest: str) -> str | None:
    """The id of the complaint this session already filed with this key for this worker, or
    with this very content."""
    who = worker_digest(worker)
    for filed in reversed(_recent(session)):
        same_key = filed["key"] == str(key) and filed.get("worker") == who
        if same_key or filed["digest"] == filing_digest:
            return filed["complaint"]
    return None


def remember(session, key: uuid.UUID, worker: str, filing_digest: str, complaint_id) -> None:
    """A filing succeeded: remember it and consume the pending key (the next, different
    filing gets a new one)."""
    filed = _recent(session)
    filed.append(
        {
            "key": str(key),
            "worker": worker_digest(worker),
            "digest": filing_digest,
            "complaint": str(complaint_id),
            "at": time.time(),
        }
    )
    session[FILED] = filed[-FILED_MAX:]
    if session.get(PENDING_KEY) == str(key):
        del session[PENDING_KEY]
