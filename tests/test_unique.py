"""Sort-based distinct values agree with numpy's."""

import numpy as np
import pytest

from mixedmodels._unique import sorted_union, sorted_unique


@pytest.mark.parametrize("size, high", [(0, 5), (1, 5), (1000, 7), (5000, 10**9)])
def test_sorted_unique_and_union_match_numpy(size, high):
    rng = np.random.default_rng(size)
    a, b = rng.integers(-3, high, size), rng.integers(0, high, size // 2 + 1)
    np.testing.assert_array_equal(sorted_unique(a), np.unique(a))
    np.testing.assert_array_equal(sorted_union(a, b), np.union1d(a, b))
    assert sorted_unique(a).dtype == a.dtype
