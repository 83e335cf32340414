"""Solves with a leading block of the rest's factor, without copying the block."""

import numpy as np
import pytest
from scipy.linalg import solve_triangular

from mixedmodels.core._restfactor import _triangular_solve


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("trans", [False, True])
@pytest.mark.parametrize("rhs", [(), (3,)])
@pytest.mark.parametrize("m", [9, 6, 1])
def test_leading_block_solve_matches_a_solve_with_the_block(order, trans, rhs, m):
    rng = np.random.default_rng(m + 10 * trans)
    n = 9
    L = np.tril(rng.normal(size=(n, n))) + 4 * np.eye(n)
    L[np.triu_indices(n, 1)] = 1e6  # garbage above the diagonal is never read
    L = np.asarray(L, order=order)
    b = rng.normal(size=(m,) + rhs)
    want = solve_triangular(np.tril(L)[:m, :m], b, lower=True, trans=int(trans))
    np.testing.assert_allclose(_triangular_solve(L, b, trans), want, rtol=1e-12, atol=1e-12)
