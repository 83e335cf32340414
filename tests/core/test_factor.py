"""The blocked factor against a dense computation of the same quantities."""

import numpy as np
import pytest

from mixedmodels.core import (
    LinearMixedProblem,
    RandomEffectsBlock,
    chunked_cross_products,
    conditional_variances,
    cross_products,
    solve,
)
from mixedmodels.core._outer import build_outer_map
from mixedmodels.core._solution import solved_conditional_variances


def random_problem(seed=0, n=300, k1=2, k2=1, q=(25, 7, 4)):
    rng = np.random.default_rng(seed)
    blocks = []
    for qi, k in zip(q, (k1, k2, 1)):
        codes = rng.integers(0, qi, n)
        codes[:qi] = np.arange(qi)
        Z = np.column_stack([np.ones(n)] + [rng.normal(size=n) for _ in range(k - 1)])
        blocks.append(RandomEffectsBlock(codes, qi, Z))
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = X @ [1.0, 0.5, -0.3] + rng.normal(size=n)
    return blocks, X, y


def dense_z(blocks):
    mats = []
    for b in blocks:
        Zb = np.zeros((len(b.codes), b.size))
        for a in range(b.k):
            Zb[np.arange(len(b.codes)), b.codes * b.k + a] = b.Z[:, a]
        mats.append(Zb)
    return np.hstack(mats)


def dense_lambda(lambdas, blocks):
    from scipy.linalg import block_diag

    return block_diag(*[np.kron(np.eye(b.nlevels), lam) for b, lam in zip(blocks, lambdas)])


def dense_quantities(blocks, X, y, theta, problem):
    lambdas = problem.theta_map.lambdas(theta)
    Z, Lam = dense_z(blocks), dense_lambda(lambdas, blocks)
    ZL = Z @ Lam
    q = ZL.shape[1]
    A = np.block([[ZL.T @ ZL + np.eye(q), ZL.T @ X], [X.T @ ZL, X.T @ X]])
    sol = np.linalg.solve(A, np.concatenate([ZL.T @ y, X.T @ y]))
    u, beta = sol[:q], sol[q:]
    r2 = np.sum((y - ZL @ u - X @ beta) ** 2) + u @ u
    logdet = np.linalg.slogdet(ZL.T @ ZL + np.eye(q))[1]
    return logdet, r2, beta, Lam @ u, np.linalg.inv(ZL.T @ ZL + np.eye(q)), Lam


@pytest.mark.parametrize("k1,k2,dense_downdate", [(1, 1, None), (2, 1, None), (1, 2, False), (1, 2, True),
                                                   (2, 2, False), (2, 2, True), (3, 2, False), (3, 2, True)])
def test_factor_matches_dense(k1, k2, dense_downdate, monkeypatch):
    """With a vector term in the rest, the downdate may be one dense product
    or the sparse map (``dense_downdate``); both must give the dense answer."""
    import mixedmodels.core._factor as factor_module

    if dense_downdate is not None:
        monkeypatch.setattr(factor_module, "prefer_dense", lambda xp: dense_downdate)
    blocks, X, y = random_problem(k1=k1, k2=k2)
    problem = LinearMixedProblem(blocks, X, y)
    assert problem.factor.dense == bool(dense_downdate)
    rng = np.random.default_rng(1)
    theta = problem.theta_map.initial() + 0.3 * rng.normal(size=problem.theta_map.size)
    theta = np.maximum(theta, problem.theta_map.lower_bounds())
    state = problem.update(theta)
    logdet, r2, beta, b, inv, Lam = dense_quantities(blocks, X, y, theta, problem)
    assert state.logdet_re == pytest.approx(logdet, rel=1e-10)
    assert state.pwrss == pytest.approx(r2, rel=1e-10)
    sol = solve(problem, state, reml=True)
    np.testing.assert_allclose(sol.beta, beta, rtol=1e-8)
    np.testing.assert_allclose(np.concatenate([bi.ravel() for bi in sol.b]), b, rtol=1e-8, atol=1e-10)
    condvar = conditional_variances(problem, state, sigma=1.0)
    full = Lam @ inv @ Lam.T
    offset = 0
    for blk, cv in zip(blocks, condvar):
        for level in range(blk.nlevels):
            sl = slice(offset + level * blk.k, offset + (level + 1) * blk.k)
            np.testing.assert_allclose(cv[level], full[sl, sl], rtol=1e-8, atol=1e-12)
        offset += blk.size


def test_chunks_add_up_to_whole():
    blocks, X, y = random_problem()
    whole = cross_products(blocks, X, y)
    parts = chunked_cross_products(blocks, X, y, chunk_rows=37)
    np.testing.assert_allclose(parts.a11, whole.a11)
    np.testing.assert_allclose(parts.a_rr, whole.a_rr)
    np.testing.assert_allclose(parts.a_r1.toarray(), whole.a_r1.toarray())
    assert parts.n == whole.n == len(y)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_outer_map_equals_sparse_product(k):
    rng = np.random.default_rng(k)
    q, s = 40, 15
    A = rng.normal(size=(s, q * k)) * (rng.random((s, q * k)) < 0.3)
    import scipy.sparse as sp

    mids = rng.normal(size=(q, k, k))
    mids = mids @ mids.transpose(0, 2, 1)
    omap = build_outer_map(sp.csr_matrix(A), k)
    from scipy.linalg import block_diag

    full = A @ block_diag(*mids) @ A.T
    got = np.zeros((s, s))
    got[omap.rows, omap.cols] = omap.lower(mids)
    np.testing.assert_allclose(np.tril(got), np.tril(full), atol=1e-12)


@pytest.mark.parametrize("k", [1, 2])
def test_refreshed_outer_map_equals_a_new_one(k):
    """A refreshable map (PIRLS's) given new values of the same structure --
    levels with different numbers of entries, so several count classes --
    gives the downdate of the new values."""
    import scipy.sparse as sp
    from scipy.linalg import block_diag

    rng = np.random.default_rng(20 + k)
    q, s = 60, 25
    pattern = rng.random((s, q * k)) < rng.uniform(0.05, 0.6, q * k)
    A = sp.csr_matrix(rng.normal(size=(s, q * k)) * pattern)
    omap = build_outer_map(A, k, refreshable=True)
    A.data = rng.normal(size=A.nnz)  # new weights: new values, same structure
    omap.refresh(A)
    mids = rng.normal(size=(q, k, k))
    mids = mids @ mids.transpose(0, 2, 1)
    full = A.toarray() @ block_diag(*mids) @ A.toarray().T
    got = np.zeros((s, s))
    got[omap.rows, omap.cols] = omap.lower(mids)
    np.testing.assert_allclose(np.tril(got), np.tril(full), atol=1e-12)


def test_unscaled_vcov_is_the_fixed_effects_block_of_the_inverse():
    blocks, X, y = random_problem(k1=2, k2=2)
    problem = LinearMixedProblem(blocks, X, y)
    theta = problem.theta_map.initial()
    state = problem.update(theta)
    ZL = dense_z(blocks) @ dense_lambda(problem.theta_map.lambdas(theta), blocks)
    q = ZL.shape[1]
    A = np.block([[ZL.T @ ZL + np.eye(q), ZL.T @ X], [X.T @ ZL, X.T @ X]])
    np.testing.assert_allclose(state.unscaled_vcov(problem.p), np.linalg.inv(A)[q:, q:], rtol=1e-8)
    np.testing.assert_array_equal(solve(problem, state, reml=True).vcov_unscaled, state.unscaled_vcov(problem.p))


@pytest.mark.parametrize("sparse_cuts", [False, True])
def test_nested_terms_use_diagonal_cuts_and_match_dense(sparse_cuts):
    """(1 | school/class) with many schools: the school block stays diagonal
    after the classes are eliminated, so it is cut off before the dense factor
    (held dense, or sparse as a large block would be)."""
    rng = np.random.default_rng(7)
    n, schools, per = 1200, 60, 4
    cls = rng.integers(0, schools * per, n)
    cls[: schools * per] = np.arange(schools * per)
    school = cls // per
    ones = np.ones((n, 1))
    blocks = [RandomEffectsBlock(cls, schools * per, ones), RandomEffectsBlock(school, schools, ones)]
    X = np.column_stack([ones[:, 0], rng.normal(size=n)])
    y = X @ [1.0, 0.3] + rng.normal(size=schools)[school] + rng.normal(size=n)
    problem = LinearMixedProblem(blocks, X, y, sparse_cuts=sparse_cuts)
    assert problem.factor.cuts == [schools]
    assert (type(problem.update(np.ones(2)).rest).__name__ == "CutRest") == sparse_cuts
    theta = np.array([0.6, 1.3])
    state = problem.update(theta)
    logdet, r2, beta, *_ = dense_quantities(blocks, X, y, theta, problem)
    assert state.logdet_re == pytest.approx(logdet, rel=1e-10)
    assert state.pwrss == pytest.approx(r2, rel=1e-10)
    np.testing.assert_allclose(solve(problem, state, reml=True).beta, beta, rtol=1e-8)


def three_level_problem(seed=3, n=2000, crossed=0):
    """Pupils in classes in schools in districts (scalar terms, lme4's order:
    class, school, district), optionally with a crossed term of ``crossed`` levels."""
    rng = np.random.default_rng(seed)
    districts, schools_per, classes_per = 20, 5, 4
    cls = rng.integers(0, districts * schools_per * classes_per, n)
    school, district = cls // classes_per, cls // (classes_per * schools_per)
    ones = np.ones((n, 1))
    terms = [(cls, districts * schools_per * classes_per), (school, districts * schools_per), (district, districts)]
    if crossed:
        terms.append((rng.integers(0, crossed, n), crossed))
    blocks = [RandomEffectsBlock(c, q, ones) for c, q in terms]
    X = np.column_stack([ones[:, 0], rng.normal(size=n)])
    y = X @ [1.0, 0.3] + rng.normal(size=districts)[district] + rng.normal(size=n)
    return blocks, X, y


def test_costly_sparse_elimination_falls_back_to_the_dense_factor():
    """Schools above students, items crossed: every school column has all 30
    items below it, so eliminating the schools would take ~22,000 pairs for a
    73-row rest.  By default the rest is then factored densely (with the
    schools still divided out first); asked for, the sparse elimination gives
    the same factor."""
    rng = np.random.default_rng(3)
    n, students, schools, items = 3000, 400, 40, 30
    student = rng.integers(0, students, n)
    student[:students] = np.arange(students)
    item = rng.integers(0, items, n)
    ones = np.ones((n, 1))
    blocks = [RandomEffectsBlock(student, students, ones), RandomEffectsBlock(student % schools, schools, ones),
              RandomEffectsBlock(item, items, ones)]
    X = np.column_stack([ones[:, 0], rng.normal(size=n)])
    y = X @ [1.0, 0.3] + rng.normal(size=items)[item] + rng.normal(size=n)
    default = LinearMixedProblem(blocks, X, y)
    forced = LinearMixedProblem(blocks, X, y, sparse_cuts=True)
    assert default.factor.cuts == forced.factor.cuts == [schools]
    theta = np.array([0.8, 0.5, 1.2])
    a, b = default.update(theta), forced.update(theta)
    assert type(a.rest).__name__ == "DenseRest" and type(b.rest).__name__ == "CutRest"
    assert a.logdet_re == pytest.approx(b.logdet_re, rel=1e-12)
    assert a.pwrss == pytest.approx(b.pwrss, rel=1e-12)


@pytest.mark.parametrize("crossed", [0, 9])
def test_sparse_cuts_match_dense_factor(crossed):
    """Two leading diagonal blocks (schools, then districts) eliminated on the
    packed values agree with the dense factor: pivots, the response row, the
    deviance, solves, the modes and the conditional variances."""
    blocks, X, y = three_level_problem(crossed=crossed)
    dense = LinearMixedProblem(blocks, X, y, sparse_cuts=False)
    sparse = LinearMixedProblem(blocks, X, y, sparse_cuts=True)
    assert len(sparse.factor.cuts) == 2
    theta = np.array([0.7, 1.1, 0.4, 0.9][: len(blocks)])
    a, b = dense.update(theta), sparse.update(theta)
    assert type(b.rest).__name__ == "CutRest"
    np.testing.assert_allclose(np.tril(b.L_rest), np.tril(a.L_rest), atol=1e-12)
    assert b.logdet_re == pytest.approx(a.logdet_re, rel=1e-12)
    assert b.pwrss == pytest.approx(a.pwrss, rel=1e-12)
    np.testing.assert_allclose(b.unscaled_vcov(2), a.unscaled_vcov(2), rtol=1e-10)
    np.testing.assert_allclose(b.rest.last_row(), a.rest.last_row(), rtol=1e-12, atol=1e-14)
    rhs = np.random.default_rng(0).normal(size=(b.rest.size - 1, 3))
    for trans in (False, True):
        for m in (b.rest.size - 1, sparse.factor.n_re_rest):
            np.testing.assert_allclose(b.rest.solve(rhs[:m], m, trans), a.rest.solve(rhs[:m], m, trans), rtol=1e-9)
            # one right-hand side: the blocks' products without a sparse matrix
            np.testing.assert_allclose(b.rest.solve(rhs[:m, 0], m, trans), a.rest.solve(rhs[:m, 0], m, trans),
                                       rtol=1e-9)
    sa, sb = solve(dense, a, reml=True), solve(sparse, b, reml=True)
    np.testing.assert_allclose(sb.beta, sa.beta, rtol=1e-10)
    for ua, ub in zip(sa.u, sb.u):
        np.testing.assert_allclose(ub, ua, rtol=1e-9, atol=1e-12)
    solved = solved_conditional_variances(dense, a, 1.0, chunk=50)  # triangular solves, no selected inverse
    for va, vb, vs in zip(conditional_variances(dense, a, 1.0), conditional_variances(sparse, b, 1.0), solved):
        np.testing.assert_allclose(va, vs, rtol=1e-9)  # dense selected inverse
        np.testing.assert_allclose(vb, vs, rtol=1e-9)  # Takahashi through the leading blocks
    logdet, *_ = dense_quantities(blocks, X, y, theta, sparse)
    assert b.logdet_re == pytest.approx(logdet, rel=1e-10)


@pytest.mark.parametrize("sparse_cuts", [False, True])
def test_a_random_effect_with_an_all_zero_column_keeps_its_identity(sparse_cuts):
    """(0 + treat | site) where one site never has treat != 0: that effect has
    no cross-product at all, but still its prior's 1 on the diagonal (lme4 fits it)."""
    rng = np.random.default_rng(11)
    n, subjects, sites = 1500, 300, 40
    subj = rng.integers(0, subjects, n)
    subj[:subjects] = np.arange(subjects)
    site = subj % sites  # subjects nested in sites
    treat = rng.integers(0, 2, n).astype(float)
    treat[site == 3] = 0.0
    blocks = [RandomEffectsBlock(subj, subjects, np.ones((n, 1))), RandomEffectsBlock(site, sites, treat[:, None])]
    X = np.column_stack([np.ones(n), treat])
    y = X @ [1.0, 0.4] + rng.normal(size=subjects)[subj] + rng.normal(size=n)
    problem = LinearMixedProblem(blocks, X, y, sparse_cuts=sparse_cuts)
    theta = np.array([0.7, 0.5])
    state = problem.update(theta)
    logdet, r2, *_ = dense_quantities(blocks, X, y, theta, problem)
    assert state.logdet_re == pytest.approx(logdet, rel=1e-10)
    assert state.pwrss == pytest.approx(r2, rel=1e-10)


def test_sparse_rest_cross_products_without_further_terms(monkeypatch):
    """A rest of fixed effects only, held sparse (as above DENSE_REST_MAX
    columns), equals the dense cross-products."""
    from mixedmodels.core import _crossprod

    blocks, X, y = random_problem(k1=1)
    dense = cross_products(blocks[:1], X, y)
    monkeypatch.setattr(_crossprod, "DENSE_REST_MAX", 2)
    sparse = cross_products(blocks[:1], X, y)
    np.testing.assert_allclose(sparse.a_rr.toarray(), dense.a_rr, rtol=1e-13)
    np.testing.assert_allclose(sparse.a_r1.toarray(), dense.a_r1.toarray(), rtol=1e-13)


@pytest.mark.parametrize("seed", range(6))
def test_random_nested_designs_sparse_equals_dense(seed):
    """Random nesting depth (1-3 levels above the first term), level counts,
    an optional crossed trailing term and optional slopes in the nested terms:
    the sparse path and the dense factor agree on the deviance's pieces and condVar."""
    rng = np.random.default_rng(100 + seed)
    top = int(rng.integers(16, 40))
    sizes = [top]
    for _ in range(int(rng.integers(1, 4))):
        sizes.insert(0, sizes[0] * int(rng.integers(2, 5)))
    n = sizes[0] + int(rng.integers(200, 1200))
    finest = rng.integers(0, sizes[0], n)
    finest[: sizes[0]] = np.arange(sizes[0])
    blocks = []
    for i, q in enumerate(sizes):
        codes = finest // (sizes[0] // q)
        z = np.ones(n) if i == 0 or rng.random() < 0.6 else rng.normal(size=n)
        blocks.append(RandomEffectsBlock(codes, q, z[:, None]))
    if rng.random() < 0.5:
        blocks.append(RandomEffectsBlock(rng.integers(0, 7, n), 7, np.ones((n, 1))))
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    y = rng.normal(size=n) + blocks[-1].codes * 0.1
    dense = LinearMixedProblem(blocks, X, y, sparse_cuts=False)
    sparse = LinearMixedProblem(blocks, X, y, sparse_cuts=True)
    theta = rng.uniform(0.2, 1.5, len(blocks))
    a, b = dense.update(theta), sparse.update(theta)
    assert a.logdet_re == pytest.approx(b.logdet_re, rel=1e-10)
    assert a.pwrss == pytest.approx(b.pwrss, rel=1e-10)
    np.testing.assert_allclose(b.unscaled_vcov(2), a.unscaled_vcov(2), rtol=1e-8)
    for va, vb in zip(conditional_variances(dense, a, 1.0), conditional_variances(sparse, b, 1.0)):
        np.testing.assert_allclose(vb, va, rtol=1e-8, atol=1e-14)
    logdet, *_ = dense_quantities(blocks, X, y, theta, dense)
    assert b.logdet_re == pytest.approx(logdet, rel=1e-9)


def test_with_diagonal_merges_missing_diagonal_positions_in_order():
    from mixedmodels.core._packed import with_diagonal

    rows, cols = np.array([0, 2, 2, 3, 4]), np.array([0, 0, 2, 1, 4])
    got_rows, got_cols = with_diagonal(rows, cols, n_diagonal=4, size=5)
    want = sorted({(r, c) for r, c in zip(rows, cols)} | {(i, i) for i in range(4)})
    assert list(zip(got_rows.tolist(), got_cols.tolist())) == want
    empty = with_diagonal(np.array([], int), np.array([], int), 2, 3)
    assert [e.tolist() for e in empty] == [[0, 1], [0, 1]]


@pytest.mark.parametrize("crossed", [0, 9])
def test_quick_coupling_check_agrees_with_the_symbolic_search(crossed):
    """The outer map's positions answer "is the leading block diagonal at all"
    as the symbolic product does: nested terms keep their cuts, and a crossed
    first rest term has none."""
    from mixedmodels.core._diagchol import rest_diagonal_cuts
    from mixedmodels.core._reblock import rest_layout

    blocks, X, y = three_level_problem(crossed=crossed)
    last_first = [blocks[0], blocks[-1], *blocks[1:-1]]
    for order in (blocks, last_first):
        factor = LinearMixedProblem(order, X, y).factor
        assert factor.cuts == rest_diagonal_cuts(factor.xp, *rest_layout(order))
    # the last factor had the crossed term (or the districts) right after the classes
    assert factor.cuts == ([] if crossed else [20])


def test_compact_by_table_and_by_sorting_agree(monkeypatch):
    from mixedmodels.core import _outer

    key = np.random.default_rng(8).integers(0, 50_000, 3_000)
    by_table = _outer._compact(key, 50_000)
    monkeypatch.setattr(_outer, "_TABLE_MAX", 0)
    by_sorting = _outer._compact(key, 50_000)
    for a, b in zip(by_table, by_sorting):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(by_table[0][by_table[1]], key)


@pytest.mark.parametrize("lam", [[[0.9, 0.0], [0.2, 0.4]], [[0.9, 0.3], [-0.2, 0.4]], [[0.0, 0.0], [0.0, 0.0]]])
def test_two_by_two_blocks_entry_by_entry_equal_the_matrix_products(lam, monkeypatch):
    from mixedmodels.core import _factor

    z = np.random.default_rng(3).normal(size=(300, 6, 2))
    a11 = np.einsum("qia,qib->qab", z, z)
    lam = np.array(lam)
    by_entry = _factor.first_term_blocks(a11, lam)
    monkeypatch.setattr(_factor, "_ELEMENTWISE_MIN_LEVELS", 10**9)
    by_product = _factor.first_term_blocks(a11, lam)
    for a, b in zip(by_entry, by_product):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("k1", [1, 2])
def test_dense_downdate_with_a_new_response(monkeypatch, k1):
    """A vector rest term's dense downdate, for another response (refit,
    simulation): the same deviance as a problem built for that response
    (k1 = 1 keeps scaled columns between calls: the copy gets its own)."""
    import mixedmodels.core._factor as factor_module

    monkeypatch.setattr(factor_module, "prefer_dense", lambda xp: True)
    blocks, X, y = random_problem(seed=4, k1=k1, k2=2)
    problem = LinearMixedProblem(blocks, X, y)
    y2 = y + np.random.default_rng(5).normal(size=y.size)
    theta = problem.theta_map.initial() * 0.7
    again = problem.with_response(y2)
    assert again.factor.dense and again.factor._dense_downdate is not problem.factor._dense_downdate
    for reml in (True, False):
        assert again.deviance(theta, reml) == pytest.approx(LinearMixedProblem(blocks, X, y2).deviance(theta, reml),
                                                            rel=1e-12)
    assert problem.deviance(theta) == pytest.approx(LinearMixedProblem(blocks, X, y).deviance(theta), rel=1e-12)
