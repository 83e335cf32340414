"""The GLMM factor's two downdates (one dense product, or the sparse map) agree."""

import numpy as np
import pytest

from mixedmodels.core import RandomEffectsBlock
from mixedmodels.core._reblock import rest_layout
from mixedmodels.core._refactor import ReweightableFactor
from mixedmodels.core._reweight import ReweightedCrossProducts
from mixedmodels.core._theta import ThetaMap


@pytest.mark.parametrize("k1", [1, 2])
def test_dense_and_sparse_downdates_give_the_same_factor(k1):
    rng = np.random.default_rng(k1)
    n, q1, q2 = 800, 60, 25
    x = rng.normal(size=n)
    z1 = np.ones((n, 1)) if k1 == 1 else np.column_stack([np.ones(n), x])
    blocks = [RandomEffectsBlock(rng.integers(0, q1, n), q1, z1), RandomEffectsBlock(rng.integers(0, q2, n), q2, np.ones((n, 1))),
              # a vector term in the rest: its Lambda mixes the two triangles of the downdate
              RandomEffectsBlock(rng.integers(0, 10, n), 10, np.column_stack([np.ones(n), x]))]
    X = np.column_stack([np.ones(n), x])
    cross = ReweightedCrossProducts(blocks, X)
    xp = cross.compute(rng.uniform(0.2, 2.0, n), rng.normal(size=n))
    theta_map = ThetaMap([b.covariance for b in blocks])
    theta = np.linspace(0.4, 1.3, theta_map.size)
    singular = theta.copy()
    singular[0] = 0.0  # the first term's Lambda singular: blocks M_l of rank k1 - 1 (for k1 = 2)
    for lambdas in (theta_map.lambdas(theta), theta_map.lambdas(singular)):
        states = [ReweightableFactor(xp, *rest_layout(blocks), dense=dense).update(lambdas) for dense in (True, False)]
        assert states[0].logdet_re == pytest.approx(states[1].logdet_re, rel=1e-12)
        assert states[0].pwrss == pytest.approx(states[1].pwrss, rel=1e-10)
        np.testing.assert_allclose(np.tril(states[0].L_rest), np.tril(states[1].L_rest), rtol=1e-10, atol=1e-12)


def _dense_design(blocks, X, z):
    """``[Z_1 Z_2 ... X z]`` as one dense matrix (level-major columns per term)."""
    parts = []
    for b in blocks:
        Z = np.zeros((b.codes.size, b.size))
        for j in range(b.k):
            Z[np.arange(b.codes.size), b.codes * b.k + j] = b.Z[:, j]
        parts.append(Z)
    return np.column_stack(parts + [X, z])


@pytest.mark.parametrize("lower", [False, True])
def test_reweighted_cross_products_equal_the_dense_product(lower):
    """Intercepts (whose products with the weights are skipped), an
    intercept-and-slope term and a scalar slope, first term scalar or not."""
    rng = np.random.default_rng(11)
    n = 500
    x = rng.normal(size=n)
    for first in (np.ones((n, 1)), np.column_stack([np.ones(n), x])):
        blocks = [RandomEffectsBlock(rng.integers(0, 40, n), 40, first),
                  RandomEffectsBlock(rng.integers(0, 12, n), 12, np.ones((n, 1))),
                  RandomEffectsBlock(rng.integers(0, 7, n), 7, x[:, None] if lower else np.column_stack([np.ones(n), x]))]
        X = np.column_stack([np.ones(n), x])
        cross = ReweightedCrossProducts(blocks, X)
        cross.set_lower_sparse(lower)
        w, z = rng.uniform(0.2, 2.0, n), rng.normal(size=n)
        xp = cross.compute(w, z)
        D = _dense_design(blocks, X, z)
        full = D.T @ (D * w[:, None])
        q1, k1 = blocks[0].nlevels, blocks[0].k
        first_blocks = np.array([full[l * k1 : (l + 1) * k1, l * k1 : (l + 1) * k1] for l in range(q1)])
        np.testing.assert_allclose(xp.a11, first_blocks, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(xp.a_r1.toarray(), full[q1 * k1 :, : q1 * k1], rtol=1e-12, atol=1e-12)
        rest = full[q1 * k1 :, q1 * k1 :]
        got = xp.a_rr.toarray() if lower else xp.a_rr
        np.testing.assert_allclose(got, np.tril(rest) if lower else rest, rtol=1e-12, atol=1e-12)
