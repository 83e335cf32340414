"""The Laplace deviance's AIC from the deviance: R's ``family$aic`` at any
``mu`` equals the saturated model's AIC plus the deviance, for binomial
(whole successes) and Poisson responses."""

import numpy as np
import pytest

from mixedmodels.core._glmresp import GlmResponse
from mixedmodels.families import Binomial, Gamma, Poisson

RNG = np.random.default_rng(7)
N = 200


def _response(family, y, trials):
    n_trials = trials if isinstance(family, Binomial) else np.ones(N)
    return GlmResponse(y, family, trials if isinstance(family, Binomial) else np.ones(N), n_trials, np.zeros(N))


CASES = [
    ("bernoulli", Binomial(), RNG.integers(0, 2, N).astype(float), np.ones(N)),
    ("trials", Binomial(link="probit"), RNG.integers(0, 9, N) / 8.0, np.full(N, 8.0)),
    ("poisson", Poisson(), RNG.poisson(3.0, N).astype(float), np.ones(N)),
]


@pytest.mark.parametrize("name, family, y, trials", CASES, ids=[c[0] for c in CASES])
def test_aic_from_deviance_equals_direct_aic(name, family, y, trials):
    resp = _response(family, y, trials)
    assert resp._saturated_aic is not None
    for eta in (RNG.normal(0.3, 1.0, N), RNG.normal(-1.0, 2.0, N)):
        direct = resp.aic(resp.mu(eta))
        from_deviance = resp.aic_at(eta, resp.deviance(eta))
        assert from_deviance == pytest.approx(direct, rel=1e-12, abs=1e-9)


def test_fractional_successes_take_the_direct_aic():
    """R rounds ``m y`` in the AIC but not in the deviance: no identity."""
    y = np.full(N, 0.3)
    resp = _response(Binomial(), y, np.full(N, 5.0))  # 1.5 successes of 5
    assert resp._saturated_aic is None
    eta = RNG.normal(0.0, 1.0, N)
    assert resp.aic_at(eta, resp.deviance(eta)) == resp.aic(resp.mu(eta))


def test_fractional_prior_weights_take_the_direct_aic():
    """0/1 data with weights 0.5 and 1.7: R's aic takes round(wt) trials."""
    y = RNG.integers(0, 2, N).astype(float)
    wt = np.where(np.arange(N) % 2 == 0, 0.5, 1.7)
    resp = GlmResponse(y, Binomial(), wt, np.ones(N), np.zeros(N))
    assert resp._saturated_aic is None
    eta = RNG.normal(0.0, 1.0, N)
    assert resp.aic_at(eta, resp.deviance(eta)) == resp.aic(resp.mu(eta))


def test_families_with_a_dispersion_take_the_direct_aic():
    y = RNG.gamma(2.0, 1.5, N)
    resp = GlmResponse(y, Gamma(link="log"), np.ones(N), np.ones(N), np.zeros(N))
    assert resp._saturated_aic is None
    eta = RNG.normal(1.0, 0.2, N)
    assert resp.aic_at(eta, resp.deviance(eta)) == resp.aic(resp.mu(eta))


def test_pirls_deviance_is_that_at_its_linear_predictor():
    """The Laplace deviance takes PIRLS's penalized deviance as the deviance at
    the returned modes: check it on a fit's problem, at the optimum and away."""
    import mixedmodels as mm

    fit = mm.glmer("TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)",
                   mm.datasets.load("grouseticks"), family="poisson")
    problem = fit.problem
    for theta in (np.asarray(fit.theta, dtype=float), np.array([0.3, 1.2, 0.6])):
        result = problem.modes(theta)
        direct = problem.response.deviance(result.eta) + result.ussq
        assert result.pdev == pytest.approx(direct, rel=1e-13)


def test_no_pirls_iteration_takes_the_direct_aic():
    """PIRLS from R's starting values with no iteration returns an infinite
    penalized deviance: the Laplace deviance then falls back to the direct AIC."""
    import mixedmodels as mm

    fit = mm.glmer("TICKS ~ YEAR + (1 | BROOD)", mm.datasets.load("grouseticks"), family="poisson")
    problem = fit.problem
    problem.restart()
    problem.maxit = 0
    result = problem.modes(np.asarray(fit.theta, dtype=float))
    assert result.pdev == np.inf
    laplace = problem.laplace_of(result)
    want = result.state.logdet_re + result.ussq + problem.response.aic(problem.response.mu(result.eta))
    assert np.isfinite(laplace) and laplace == pytest.approx(want, rel=1e-13)
