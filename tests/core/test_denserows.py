"""The X and y rows of the downdate computed densely (:mod:`mixedmodels.core._denserows`)."""

import numpy as np
import pytest
import scipy.sparse as sp

from mixedmodels.core._denserows import SplitOuterMap
from mixedmodels.core._outer import build_outer_map


def random_a_r1(n_re: int, d: int, q: int, k: int, seed: int = 0) -> sp.csr_matrix:
    """Sparse random-effects rows over dense X and y rows."""
    rng = np.random.default_rng(seed)
    re = sp.random(n_re, q * k, density=0.2, random_state=seed, data_rvs=rng.standard_normal)
    return sp.vstack([re, sp.csr_matrix(rng.standard_normal((d, q * k)))]).tocsr()


def random_blocks(q: int, k: int, seed: int = 1) -> np.ndarray:
    g = np.random.default_rng(seed).standard_normal((q, k, k))
    return g @ g.transpose(0, 2, 1)


@pytest.mark.parametrize("n_re, k", [(0, 1), (12, 1), (12, 2), (0, 3)])
def test_split_map_gives_the_downdate_and_its_transpose(n_re, k):
    q, d = 30, 4
    a = random_a_r1(n_re, d, q, k)
    m = random_blocks(q, k)
    split = SplitOuterMap(a, n_re, k)
    dense = a.toarray()
    full = dense @ sp.block_diag(list(m)).toarray() @ dense.T
    np.testing.assert_allclose(split.lower(m), full[split.rows, split.cols], rtol=1e-12, atol=1e-12)
    keys = split.rows.astype(np.int64) * a.shape[0] + split.cols
    assert np.all(np.diff(keys) > 0)  # sorted by row, then column, no repeats
    assert np.all(split.sparse.rows < n_re) and np.all(split.dense.rows >= n_re)
    # every lower-triangle position of the X and y rows is listed
    assert split.dense.rows.size == sum(n_re + 1 + t for t in range(d))
    # the adjoint is the transpose of lower (as a linear map of m)
    w = np.random.default_rng(2).standard_normal(split.rows.size)
    m2 = random_blocks(q, k, seed=3)
    assert np.dot(split.lower(m2), w) == pytest.approx(np.dot(m2.ravel(), split.adjoint(w)), rel=1e-10)


def test_split_map_agrees_with_the_full_map():
    a = random_a_r1(15, 3, 25, 1, seed=4)
    m = random_blocks(25, 1, seed=5)
    split, full = SplitOuterMap(a, 15, 1), build_outer_map(a, 1)
    dense = np.zeros((18, 18))
    dense[full.rows, full.cols] = full.lower(m)
    np.testing.assert_allclose(split.lower(m), dense[split.rows, split.cols], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_re, k", [(0, 1), (12, 1), (12, 2)])
def test_a_refreshed_split_map_equals_a_new_one(n_re, k):
    """PIRLS's new weights: new values of ``A`` with its structure (the dense
    rows whole), refreshed in place, give the downdate a new map gives."""
    q, d = 30, 3
    a = random_a_r1(n_re, d, q, k)
    split = SplitOuterMap(a, n_re, k, refreshable=True)
    a.data = np.random.default_rng(5).standard_normal(a.nnz)
    split.refresh(a)
    m = random_blocks(q, k)
    fresh = SplitOuterMap(a, n_re, k)
    np.testing.assert_array_equal(split.rows, fresh.rows)
    np.testing.assert_allclose(split.lower(m), fresh.lower(m), rtol=1e-12, atol=1e-12)


def test_a_refresh_with_dense_rows_not_stored_whole_is_refused():
    a = random_a_r1(12, 3, 30, 1)
    split = SplitOuterMap(a, 12, 1, refreshable=True)
    with pytest.raises(ValueError, match="dense rows must be stored whole"):
        split.dense.refresh(a.data[:-1])
