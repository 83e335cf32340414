"""The sparse rest (packed values, leading diagonal blocks eliminated sparsely)
gives the same GLMM fits as the dense rest.

Models with leading diagonal blocks take the sparse path by default (when
the elimination is cheap); here ``MAX_PAIRS_PER_ENTRY`` is set to 0, so that
every elimination counts as too costly and the rest is factored densely,
for comparison.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.core import _factor


def fit_both(monkeypatch, formula, data, family):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sparse = mm.glmer(formula, data, family=family)
        monkeypatch.setattr(_factor, "MAX_PAIRS_PER_ENTRY", 0.0)
        dense = mm.glmer(formula, data, family=family)
    return dense, sparse


def olre_data(n=600, groups=40, seed=5):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    x = rng.normal(size=n)
    eta = 0.3 + 0.4 * x + rng.normal(0, 0.6, groups)[g] + rng.normal(0, 0.4, n)
    return pd.DataFrame({"y": rng.poisson(np.exp(eta)), "x": x, "g": g, "obs": np.arange(n)})


def slope_data(n=900, subjects=120, sites=30, seed=8):
    """Subjects (random intercept and slope) nested in sites."""
    rng = np.random.default_rng(seed)
    subj = rng.integers(0, subjects, n)
    x = rng.normal(size=n)
    eta = -0.2 + 0.5 * x + rng.normal(0, 0.5, subjects)[subj] + rng.normal(0, 0.3, subjects)[subj] * x \
        + rng.normal(0, 0.6, sites)[subj % sites]
    return pd.DataFrame({"y": rng.poisson(np.exp(eta)), "x": x, "subj": subj, "site": subj % sites})


@pytest.mark.parametrize("case", ["grouseticks", "olre", "vector_first"])
def test_sparse_rest_fits_equal_dense(monkeypatch, case):
    if case == "grouseticks":
        data = mm.datasets.load("grouseticks")
        formula = "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)"
    elif case == "olre":
        data, formula = olre_data(), "y ~ x + (1 | obs) + (1 | g)"
    else:  # a vector-valued first term (its outer map is the general one) over a nested scalar term
        data, formula = slope_data(), "y ~ x + (1 + x | subj) + (1 | site)"
    dense, sparse = fit_both(monkeypatch, formula, data, "poisson")
    factor = sparse.problem.full.factor
    lambdas = sparse.problem.theta_map.lambdas(np.asarray(sparse.theta, dtype=float))
    assert type(factor.update(lambdas).rest).__name__ == "CutRest"
    assert type(dense.problem.full.factor.update(lambdas).rest).__name__ == "DenseRest"
    assert sparse.loglik == pytest.approx(dense.loglik, abs=1e-7)
    np.testing.assert_allclose(sparse.fixef, dense.fixef, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(sparse.theta, dense.theta, rtol=1e-5, atol=1e-7)
    # the optima agree to about 1e-6; the Hessians behind vcov to a few 1e-5
    np.testing.assert_allclose(sparse.vcov, dense.vcov, rtol=1e-4, atol=1e-4 * np.abs(dense.vcov.to_numpy()).max())
    for group in dense.ranef:
        np.testing.assert_allclose(sparse.ranef[group], dense.ranef[group], rtol=1e-4, atol=1e-6)
        for (names_d, var_d), (names_s, var_s) in zip(dense.ranef_condvar[group], sparse.ranef_condvar[group]):
            assert names_s == names_d
            np.testing.assert_allclose(var_s, var_d, rtol=1e-4, atol=1e-8)


def test_leading_blocks_come_from_structure_not_unit_weight_values():
    """A +-0.5 coded slope balanced in every subject x item cell makes the
    unit-weight cross-product of subjects and item slopes exactly 0; at other
    weights it is not, so the item block must not be taken as diagonal."""
    from mixedmodels.core import RandomEffectsBlock
    from mixedmodels.core._glmm import ReweightedSystem

    rng = np.random.default_rng(3)
    subjects, items = 24, 20
    subj = np.repeat(np.arange(subjects), items * 2)
    item = np.tile(np.repeat(np.arange(items), 2), subjects)
    x = np.tile([0.5, -0.5], subjects * items)
    n = subj.size
    blocks = [RandomEffectsBlock(subj, subjects, np.ones((n, 1))), RandomEffectsBlock(item, items, x[:, None])]
    X = np.column_stack([np.ones(n), x])
    system = ReweightedSystem(blocks, X)
    assert system.factor.cuts == []
    w, z = rng.uniform(0.1, 0.3, n), rng.normal(size=n)
    system.factor.reweight(system.cross.compute(w, z))
    lambdas = [np.array([[0.8]]), np.array([[1.3]])]
    state = system.factor.update(lambdas)
    Z = np.zeros((n, subjects + items))
    Z[np.arange(n), subj] = 0.8
    Z[np.arange(n), subjects + item] = 1.3 * x
    want = np.linalg.slogdet(Z.T @ (w[:, None] * Z) + np.eye(subjects + items))[1]
    assert state.logdet_re == pytest.approx(want, rel=1e-10)


NESTED_REFERENCES = ["exam_nested", "nurses_nested", "grouse_pois"]


@pytest.mark.parametrize("name", NESTED_REFERENCES)
def test_sparse_path_meets_the_lme4_references(name):
    """The nested reference models take the sparse path by default (asserted:
    it was the dense one before leading blocks of any size were held sparse),
    against lme4's numbers at the reference tests' tolerances: fixed
    effects 1e-3 SE, standard errors 0.2 % (lmer) / 0.5 % (glmer), variances
    0.2 % / 0.5 %, logLik not below lme4's by more than 1e-3."""
    from tests.glmm.conftest import fit_reference, glmm_reference

    ref = glmm_reference(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ref["engine"] == "lme4::lmer":
            fit = mm.lmer(ref["formula"], mm.datasets.load(ref["dataset"]), reml=bool(ref["REML"]))
            factor, rel = fit.problem.factor, 2e-3
        else:
            fit = fit_reference(name)
            factor, rel = fit.problem.full.factor, 5e-3
    lambdas = fit.problem.theta_map.lambdas(np.asarray(fit.theta, dtype=float))
    assert type(factor.update(lambdas).rest).__name__ == "CutRest"
    se = np.array(list(ref["fixef_se"].values()))
    assert np.all(np.abs(fit.fixef.to_numpy() - np.array(list(ref["fixef"].values()))) <= 1e-3 * se)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), se, rtol=rel)
    for vc in ref["varcorr"]:
        rows = fit.varcorr[(fit.varcorr["grp"] == vc["group"]) & fit.varcorr["var2"].isna()]
        np.testing.assert_allclose(rows["vcov"].to_numpy(), vc["variance"], rtol=rel)
    assert fit.loglik >= ref["logLik"] - 1e-3
