"""A term's ``Z b`` and ``Z' r`` against the dense Z, for intercepts, slopes and row subsets."""

import numpy as np
import pytest

from mixedmodels.core import RandomEffectsBlock


@pytest.mark.parametrize("kind", ["intercept", "slope", "intercept+slope", "three"])
def test_apply_and_transpose_apply_match_the_dense_z(kind):
    rng = np.random.default_rng(3)
    n, q = 300, 9
    x = rng.normal(size=n)
    Z = {"intercept": np.ones((n, 1)), "slope": x[:, None], "intercept+slope": np.column_stack([np.ones(n), x]),
         "three": rng.normal(size=(n, 3))}[kind]
    block = RandomEffectsBlock(rng.integers(0, q, n), q, Z)
    dense = np.zeros((n, block.size))
    for j in range(block.k):
        dense[np.arange(n), block.codes * block.k + j] = Z[:, j]
    b, r = rng.normal(size=(q, block.k)), rng.normal(size=n)
    np.testing.assert_allclose(block.apply(b), dense @ b.ravel(), rtol=1e-13, atol=1e-13)
    for rows in (slice(20, 90), np.array([5, 2, 299, 2])):
        np.testing.assert_allclose(block.apply(b, rows), (dense @ b.ravel())[rows], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(block.transpose_apply(r).ravel(), dense.T @ r, rtol=1e-13, atol=1e-13)
