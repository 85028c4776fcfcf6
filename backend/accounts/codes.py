"""One-time phone codes: 6 random digits, stored only as an HMAC keyed from SECRET_KEY."""

from __future__ import annotations

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

CODE_LENGTH = 6
_KEY_SALT = "fairtrail.accounts.phone_code"


def code_generate() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def code_hash(*, verification_id: object, code: str) -> str:
    """HMAC-SHA256 of the code, bound to its verification row (a copied hash is useless)."""
    return salted_hmac(_KEY_SALT, f"{verification_id}:{code}", algorithm="sha256").hexdigest()


def code_matches(*, verification_id: object, code: str, stored_hash: str) -> bool:
    candidate = (code or "").strip()
    if len(candidate) != CODE_LENGTH or not candidate.isdigit():
        candidate = "x" * CODE_LENGTH  # still hash, so the timing does not depend on the input
    return constant_time_compare(
        code_hash(verification_id=verification_id, code=candidate), stored_hash
    )
