"""The downdate map with levels of equal first-term blocks merged
(:mod:`mixedmodels.core._levelclass`) gives the full map's downdate and the
same factor."""

import numpy as np
import pytest

from mixedmodels.core import LinearMixedProblem, RandomEffectsBlock
from mixedmodels.core._factor import first_term_blocks
from mixedmodels.core._levelclass import LevelClassMap


def crossed_problem(first_z=None, n=3000, q1=400, q2=60, q3=7, seed=3):
    """Crossed design; the first term's levels have few distinct row counts."""
    rng = np.random.default_rng(seed)
    g1, g2, g3 = rng.integers(0, q1, n), rng.integers(0, q2, n), rng.integers(0, q3, n)
    z1 = np.ones((n, 1)) if first_z is None else first_z(rng, n)
    blocks = [RandomEffectsBlock(g1, q1, z1), RandomEffectsBlock(g2, q2, np.ones((n, 1))),
              RandomEffectsBlock(g3, q3, np.ones((n, 1)))]
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    y = X @ [1.0, 0.5] + rng.normal(size=n)
    return LinearMixedProblem(blocks, X, y)


def test_merged_map_gives_the_full_downdate():
    factor = crossed_problem().factor
    merged = factor._classes
    assert merged is not None
    assert merged.representatives.size < factor.xp.a11.shape[0] / 4
    assert merged.G.nnz < factor.outer.sparse.P.nnz
    for lam in (0.3, 1.0, 2.7):
        mid = first_term_blocks(factor.xp.a11, np.array([[lam]]))[2]
        np.testing.assert_allclose(merged.lower(mid), factor.outer.sparse.lower(mid), rtol=1e-12, atol=1e-12)


def test_vector_first_term_with_equal_blocks_merges_into_one_class():
    """Every level sees x = 0..4 once (as sleepstudy's Days): one class."""
    n_levels = 50
    rng = np.random.default_rng(1)
    g = np.repeat(np.arange(n_levels), 5)
    x = np.tile(np.arange(5.0), n_levels)
    h = rng.integers(0, 12, g.size)
    blocks = [RandomEffectsBlock(g, n_levels, np.column_stack([np.ones(g.size), x])),
              RandomEffectsBlock(h, 12, np.ones((g.size, 1)))]
    X = np.column_stack([np.ones(g.size), x])
    problem = LinearMixedProblem(blocks, X, rng.normal(size=g.size))
    merged = problem.factor._classes
    assert merged is not None and merged.representatives.size == 1
    lam = np.array([[0.9, 0.0], [0.2, 0.4]])
    mid = first_term_blocks(problem.factor.xp.a11, lam)[2]
    np.testing.assert_allclose(merged.lower(mid), problem.factor.outer.sparse.lower(mid), rtol=1e-12, atol=1e-12)


def test_distinct_blocks_keep_the_full_map():
    """A continuous covariate as the first term: every level's block differs."""
    problem = crossed_problem(first_z=lambda rng, n: rng.normal(size=(n, 1)))
    assert problem.factor._classes is None
    assert LevelClassMap.build(problem.factor.outer.sparse, problem.factor.xp.a11) is None


def test_deviance_equals_the_full_maps():
    problem = crossed_problem()
    theta = np.array([0.6, 0.35, 0.8])
    merged = [problem.deviance(theta, reml) for reml in (True, False)]
    problem.factor._classes = None
    full = [problem.deviance(theta, reml) for reml in (True, False)]
    np.testing.assert_allclose(merged, full, rtol=1e-13)


def test_merging_that_saves_too_little_is_not_kept(monkeypatch):
    from mixedmodels.core import _levelclass

    factor = crossed_problem().factor
    outer, merged, a11 = factor.outer.sparse, factor._classes, factor.xp.a11
    share = merged.G.nnz / outer.P.nnz
    assert share < 1
    monkeypatch.setattr(_levelclass, "MAX_KEPT_NNZ", share * 0.99)
    assert LevelClassMap.build(outer, a11) is None
    monkeypatch.setattr(_levelclass, "MAX_KEPT_NNZ", share * 1.01)
    assert LevelClassMap.build(outer, a11) is not None


def test_map_given_by_column_converts_on_demand():
    from mixedmodels.core._outer import OuterProductMap

    factor = crossed_problem().factor
    outer = factor.outer.sparse
    twin = OuterProductMap(outer.rows, outer.cols, by_column=outer.P.T.tocsr(), column_order=outer.column_order)
    assert twin._P is None
    m = np.random.default_rng(3).normal(size=outer.P.shape[1])
    np.testing.assert_allclose(twin.lower(m), outer.lower(m), rtol=1e-13)
    np.testing.assert_array_equal(twin.transposed().toarray(), outer.P.T.toarray())
    with pytest.raises(ValueError, match="not both"):
        OuterProductMap(outer.rows, outer.cols, outer.P, by_column=twin.transposed())
