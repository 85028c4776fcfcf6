"""k-anonymity helpers: the threshold and the subtraction (differencing) rule."""

import itertools

import pytest

from backend.core.privacy import below_threshold, min_k, publishable_cells, share_if_safe


def _hidden(cells, published, total=None):
    total = sum(cells.values()) if total is None else total
    return total - sum(cells[c] for c in published)


def test_total_below_k_publishes_nothing():
    assert publishable_cells({"a": 2, "b": 2}, k=5) == set()


def test_cells_below_k_are_suppressed_and_the_rest_kept_when_the_remainder_is_large():
    cells = {"a": 10, "b": 7, "c": 3, "d": 2}  # hidden 5 = k: safe
    assert publishable_cells(cells, k=5) == {"a", "b"}


def test_one_small_cell_forces_secondary_suppression_of_the_smallest_other_cell():
    # Total 12, "c" has 1 review. Publishing a=6 and b=5 would reveal c=1 by subtraction.
    cells = {"a": 6, "b": 5, "c": 1}
    published = publishable_cells(cells, k=5)
    assert published == {"a"}
    assert _hidden(cells, published) == 6


def test_two_cells_one_small_suppresses_both():
    # Verified vs not: 9 and 2. Publishing 9 next to the total 11 reveals the 2.
    assert publishable_cells({True: 9, False: 2}, k=5) == set()


def test_cells_exactly_at_k_are_published():
    assert publishable_cells({"a": 5, "b": 5}, k=5) == {"a", "b"}


def test_an_explicit_total_larger_than_the_cells_counts_as_hidden():
    # Cells 10 and 6 of a total 18: 2 reviews are in no published cell.
    assert publishable_cells({"a": 10, "b": 6}, total=18, k=5) == {"a"}


def test_k_below_three_is_refused_and_settings_cannot_lower_it(settings):
    with pytest.raises(ValueError):
        publishable_cells({"a": 5}, k=2)
    settings.AGENCY_STATS_MIN_K = 1
    assert min_k() == 3


def test_inconsistent_totals_are_refused():
    with pytest.raises(ValueError):
        publishable_cells({"a": 5, "b": 5}, total=8, k=3)
    with pytest.raises(ValueError):
        publishable_cells({"a": -1}, k=3)


def test_below_threshold_uses_the_setting(settings):
    settings.AGENCY_STATS_MIN_K = 7
    assert below_threshold(6) is True
    assert below_threshold(7) is False


def test_share_is_hidden_when_either_group_is_small():
    assert share_if_safe(2, 10, k=5) is None  # 2 verified reviews would be exposed
    assert share_if_safe(8, 10, k=5) is None  # 2 unverified ones would be
    assert share_if_safe(5, 10, k=5) == 0.5
    assert share_if_safe(0, 10, k=5) == 0.0
    assert share_if_safe(10, 10, k=5) == 1.0
    assert share_if_safe(0, 0, k=5) is None


@pytest.mark.parametrize("k", [3, 5])
def test_no_published_subset_ever_isolates_a_small_group(k):
    """Exhaustive check on small tables: every published cell and every remainder is safe."""
    for counts in itertools.product(range(0, 9), repeat=3):
        cells = dict(zip("abc", counts, strict=True))
        published = publishable_cells(cells, k=k)
        assert all(cells[c] >= k for c in published)
        hidden = _hidden(cells, published)
        if published:
            assert hidden == 0 or hidden >= k
            # The smallest cells go first: any suppressed non-empty cell is no larger than
            # a published one unless it was below k.
            for c in set(cells) - published:
                if cells[c] >= k:
                    assert all(cells[c] <= cells[p] for p in published)
