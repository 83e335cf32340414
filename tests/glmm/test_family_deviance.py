"""The summed deviance through the natural link's cumulant against R's per-row formula."""

import numpy as np
import pytest

from mixedmodels.core._glmresp import GlmResponse
from mixedmodels.families import Binomial, Gamma, Poisson

RNG = np.random.default_rng(7)
N = 400


def _cases():
    eta = RNG.normal(scale=3.0, size=N)
    trials = RNG.integers(1, 12, size=N).astype(float)
    return [
        ("bernoulli", Binomial(), (RNG.random(N) < 0.4).astype(float), np.ones(N), eta),
        ("proportions", Binomial(), RNG.integers(0, 12, size=N) / 11.0, trials * RNG.uniform(0.5, 2, N), eta),
        ("poisson", Poisson(), RNG.poisson(3.0, size=N).astype(float), RNG.uniform(0.5, 2, N), eta / 2),
    ]


@pytest.mark.parametrize("name,family,y,wt,eta", _cases(), ids=[case[0] for case in _cases()])
def test_cumulant_deviance_equals_the_sum_of_r_dev_resids(name, family, y, wt, eta):
    total = family.deviance_by_cumulant(y, wt)
    mu = family.link.linkinv(eta)
    want = float(np.sum(family.dev_resids(y, mu, wt)))
    assert total(eta, mu) == pytest.approx(want, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("family,eta", [(Binomial(), [0.0, 30.5]), (Binomial(), [-31.0, 1.0]), (Poisson(), [-37.0, 1.0])])
def test_cumulant_deviance_declines_where_r_clamps_the_mean(family, eta):
    """Beyond R's clamps (logit |eta| > 30, log eta < log(eps)) the per-row
    formula must be used: the function says so with None, and the response
    falls back to it."""
    eta = np.asarray(eta)
    y, wt = np.array([1.0, 0.0]), np.ones(2)
    assert family.deviance_by_cumulant(y, wt)(eta, family.link.linkinv(eta)) is None
    resp = GlmResponse(y, family, wt, wt, np.zeros(2))
    assert resp.deviance(eta) == pytest.approx(float(np.sum(family.dev_resids(y, family.link.linkinv(eta), wt))))


@pytest.mark.parametrize("family", [Binomial(link="probit"), Poisson(link="sqrt"), Gamma()])
def test_other_links_have_no_cumulant_deviance(family):
    assert family.deviance_by_cumulant(np.ones(3) / 2, np.ones(3)) is None
    assert not family.has_natural_link


@pytest.mark.parametrize("family", [Binomial(), Poisson(), Binomial(link="cloglog"), Poisson(link="identity")])
def test_working_weights_and_score_as_r_formulas(family):
    """``wt mu_eta^2 / V`` and ``wt mu_eta (y - mu) / V``, with or without the natural link's shortcut."""
    y = RNG.integers(0, 2, size=50).astype(float)
    wt = RNG.uniform(0.5, 2, 50)
    eta = RNG.normal(size=50) + (2.0 if family.link.name == "identity" else 0.0)
    resp = GlmResponse(y, family, wt, np.ones(50), np.full(50, 0.25))
    mu, d = family.link.linkinv(eta), family.link.mu_eta(eta)
    w, z = resp.working(eta)
    np.testing.assert_allclose(w, wt * d * d / family.variance(mu), rtol=1e-13)
    np.testing.assert_allclose(z, eta - 0.25 + (y - mu) / d, rtol=1e-13)
    np.testing.assert_allclose(resp.score_residual(eta), wt * d * (y - mu) / family.variance(mu), rtol=1e-13)
