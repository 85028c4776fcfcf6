"""The trail's hash chain: alteration, deletion, reordering and insertion are detected."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from backend.vault.crypto.chain import GENESIS, ChainVerification, entry_hash, verify_chain
from backend.vault.crypto.signing import canonical_json


def _build(n: int) -> list[tuple[dict, str]]:
    out, prev = [], GENESIS
    for position in range(1, n + 1):
        entry = {"position": position, "event": "upload", "data": {"n": position, "é": "ü"}}
        prev = entry_hash(prev, entry)
        out.append((entry, prev))
    return out


def _renumber(entries):
    return [({**entry, "position": i + 1}, stored) for i, (entry, stored) in enumerate(entries)]


def test_entry_hash_definition():
    entry = {"position": 1, "event": "upload"}
    assert (
        entry_hash(GENESIS, entry)
        == hashlib.sha256(GENESIS.encode() + canonical_json(entry)).hexdigest()
    )


def test_a_valid_chain_verifies():
    chain = _build(5)
    assert verify_chain(chain) == ChainVerification(ok=True, checked=5)
    assert verify_chain(chain, head=chain[-1][1]).ok
    assert verify_chain([]) == ChainVerification(ok=True, checked=0)
    assert verify_chain(iter(chain)).ok  # streams


def test_alteration_is_detected():
    chain = _build(5)
    entry, stored = chain[2]
    chain[2] = ({**entry, "event": "delete"}, stored)
    result = verify_chain(chain)
    assert (result.ok, result.first_bad_index, result.checked) == (False, 2, 2)
    assert "hash" in result.reason


def test_rehashing_an_altered_entry_breaks_the_next_link():
    chain = _build(5)
    entry, _ = chain[2]
    altered = {**entry, "event": "delete"}
    chain[2] = (altered, entry_hash(chain[1][1], altered))
    assert verify_chain(chain).first_bad_index == 3


def test_deletion_is_detected():
    chain = _build(5)
    del chain[1]
    assert verify_chain(chain).first_bad_index == 1
    assert verify_chain(_renumber(chain)).first_bad_index == 1  # renumbering does not help


def test_deletion_at_the_end_needs_the_head():
    chain = _build(5)
    head = chain[-1][1]
    assert verify_chain(chain[:-1]).ok  # invisible without the head ...
    result = verify_chain(chain[:-1], head=head)  # ... caught with it
    assert (result.ok, result.first_bad_index) == (False, 4)


def test_reordering_is_detected():
    chain = _build(5)
    chain[1], chain[2] = chain[2], chain[1]
    assert verify_chain(chain).first_bad_index == 1
    assert verify_chain(_renumber(chain)).first_bad_index == 1


def test_insertion_is_detected():
    chain = _build(5)
    forged = {"position": 3, "event": "upload"}
    chain.insert(2, (forged, entry_hash(chain[1][1], forged)))
    assert verify_chain(chain).first_bad_index == 3
    assert verify_chain(_renumber(chain)).first_bad_index == 3


@given(n=st.integers(1, 12), data=st.data())
def test_any_single_change_is_detected(n, data):
    chain = _build(n)
    index = data.draw(st.integers(0, n - 1))
    entry, stored = chain[index]
    chain[index] = ({**entry, "data": {"n": -1}}, stored)
    result = verify_chain(chain)
    assert not result.ok and result.first_bad_index == index


def test_bad_prev_hash_is_refused():
    import pytest

    with pytest.raises(ValueError):
        entry_hash("xyz", {"position": 1})
