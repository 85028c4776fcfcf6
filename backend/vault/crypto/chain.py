"""The hash chain behind the tamper-evident trail.

``hash_n = SHA-256(hash_{n-1} as 64 ASCII hex characters || canonical_json(entry_n))`` with
``hash_0 = GENESIS``; every entry carries its ``position`` (1, 2, ...), so altering, removing,
inserting or reordering entries changes a hash or breaks the position sequence. Removing entries
from the *end* is only visible against a stored head hash or length (``head=``), which is why
the vault keeps both and publishes them in signed receipts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from backend.vault.crypto.signing import canonical_json

GENESIS = "0" * 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def entry_hash(prev_hash: str, entry: dict) -> str:
    """SHA-256 hex of ``prev_hash`` (ASCII) followed by the canonical JSON of ``entry``."""
    if not isinstance(prev_hash, str) or not _HEX64.match(prev_hash):
        raise ValueError("prev_hash must be 64 lowercase hex characters.")
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(entry)).hexdigest()


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    checked: int
    first_bad_index: int | None = None
    reason: str = ""


def verify_chain(
    entries: Iterable[tuple[dict, str]], *, head: str | None = None
) -> ChainVerification:
    """Recompute the chain over ``(entry, stored hash)`` pairs given in position order.

    Streams (constant memory). ``checked`` counts the entries that verified;
    ``first_bad_index`` is the 0-based index of the first bad pair. With ``head``, the last
    stored hash must equal it (this catches entries removed from the end).
    """
    prev = GENESIS
    checked = 0
    for index, (entry, stored) in enumerate(entries):
        position = entry.get("position") if isinstance(entry, dict) else None
        if position != index + 1 or isinstance(position, bool):
            return ChainVerification(
                ok=False,
                checked=checked,
                first_bad_index=index,
                reason=f"expected position {index + 1}, found {position!r} "
                "(an entry was removed, inserted or moved)",
            )
        expected = entry_hash(prev, entry)
        if stored != expected:
            return ChainVerification(
                ok=False,
                checked=checked,
                first_bad_index=index,
                reason=f"entry at position {position} does not match its hash "
                "(altered, or the chain before it was)",
            )
        prev = stored
        checked += 1
    if head is not None and prev != head:
        return ChainVerification(
            ok=False,
            checked=checked,
            first_bad_index=checked,
            reason="the chain does not end at the expected head (entries missing at the end)",
        )
    return ChainVerification(ok=True, checked=checked)
