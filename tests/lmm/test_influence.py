"""Leverages and Cook's distances against lme4 1.1-31's ``hatvalues`` and ``cooks.distance``."""

import numpy as np
import pytest

import mixedmodels as mm


@pytest.fixture(scope="module")
def sleep():
    return mm.datasets.load("sleepstudy")


def test_slopes_match_lme4(sleep):
    """R: f <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy);
    hatvalues(f)[1:5], sum(hatvalues(f)), cooks.distance(f)[1:5]."""
    fit = mm.lmer("Reaction ~ Days + (Days | Subject)", sleep)
    h = fit.hatvalues()
    np.testing.assert_allclose(h.to_numpy()[:5], [0.2293040377403, 0.1697299937991, 0.1268237150199,
                                                  0.1005852014026, 0.0910144529472], rtol=1e-5)
    assert h.sum() == pytest.approx(29.0221239506, rel=1e-6)
    np.testing.assert_allclose(fit.cooks_distance().to_numpy()[:5],
                               [0.00496313251482, 0.04020620185561, 0.22609918475812, 0.00731324699133,
                                0.05057304171421], rtol=1e-4)


def test_prior_weights_match_lme4(sleep):
    """R: d$w <- seq(0.5, 2, length.out = 180); g <- lmer(Reaction ~ Days + (1 | Subject), d, weights = w);
    hatvalues(g)[c(1, 90, 180)], cooks.distance(g)[c(1, 90, 180)]."""
    fit = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep.assign(w=np.linspace(0.5, 2, 180)), weights="w")
    np.testing.assert_allclose(fit.hatvalues().to_numpy()[[0, 89, 179]],
                               [0.0876559249545, 0.1105149999011, 0.1197552476431], rtol=1e-5)
    np.testing.assert_allclose(fit.cooks_distance().to_numpy()[[0, 89, 179]],
                               [0.03758306087993, 0.34870227120056, 0.00111581799069], rtol=1e-4)


@pytest.mark.parametrize("dense_max", [6_000, 0])  # M^-1 formed densely, or sparse LU solves
def test_chunks_and_the_sparse_path_give_the_same_leverages(sleep, monkeypatch, dense_max):
    from mixedmodels.lmm import _influence

    fit = mm.lmer("Reaction ~ Days + (Days | Subject)", sleep)
    whole = fit.hatvalues().to_numpy()
    monkeypatch.setattr(_influence, "_DENSE_MAX", dense_max)
    monkeypatch.setattr(_influence, "_CHUNK_ENTRIES", 7 * 38)  # 7 rows at a time
    np.testing.assert_allclose(fit.hatvalues().to_numpy(), whole, rtol=1e-12)


def test_glmm_leverages_are_not_implemented():
    cbpp = mm.datasets.load("cbpp")
    fit = mm.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial")
    with pytest.raises(NotImplementedError, match="may not make sense"):
        fit.cooks_distance()
