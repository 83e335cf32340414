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


@pytest.mark.parametrize("family,eta", [(Binomial(), [0.0, 30.5, -29.0, 31.0]), (Binomial(), [-31.0, 1.0, 29.9, -40.0]),
                                        (Poisson(), [-37.0, 1.0, -20.0, -40.0])])
def test_cumulant_deviance_takes_r_formula_where_r_clamps_the_mean(family, eta):
    """Rows beyond R's clamps (logit |eta| > 30, log eta < log(eps)) take R's
    per-row formula, the others the cumulant's; the response uses it."""
    eta = np.asarray(eta)
    y, wt = np.array([1.0, 0.0, 1.0, 0.0]), np.array([1.0, 2.0, 0.5, 1.0])
    mu = family.link.linkinv(eta)
    per_row = family.dev_resids(y, mu, wt)
    clamped = (np.abs(eta) > 30) if family.name == "binomial" else (eta < np.log(np.finfo(float).eps))
    unclamped = family.deviance_by_cumulant(y[~clamped], wt[~clamped])(eta[~clamped], mu[~clamped])
    want = unclamped + float(np.sum(per_row[clamped]))
    assert family.deviance_by_cumulant(y, wt)(eta, mu) == pytest.approx(want, rel=1e-14)
    assert float(np.sum(per_row[~clamped])) == pytest.approx(unclamped, rel=1e-9, abs=1e-9)
    resp = GlmResponse(y, family, wt, wt, np.zeros(4))
    assert resp.deviance(eta) == pytest.approx(want, rel=1e-14)


def test_poisson_cumulant_deviance_keeps_its_digits_with_large_counts():
    """Row by row, large counts cancel before the sum (review: totals of
    1e9 subtracted lost 1e-5): within 1e-9 of R's per-row sum, relative to
    the deviance, on 100,000 counts near 20,000."""
    rng = np.random.default_rng(5)
    y = rng.poisson(2e4, size=100_000).astype(float)
    eta = np.log(y) + rng.normal(scale=1e-3, size=y.size)
    family, wt = Poisson(), np.ones(y.size)
    mu = family.link.linkinv(eta)
    want = float(np.sum(family.dev_resids(y, mu, wt)))
    assert family.deviance_by_cumulant(y, wt)(eta, mu) == pytest.approx(want, rel=1e-9)


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


def _non_natural():
    from mixedmodels.families import Gaussian, InverseGaussian, NegativeBinomial

    y_count, y_pos = np.array([0.0, 1.0, 4.0, 17.0, 2.0]), np.array([0.3, 1.0, 4.0, 17.0, 0.05])
    mu_pos = np.array([0.7, 1.5, 3.0, 12.0, 1.0])
    cases = [(NegativeBinomial(2.5, link), y_count) for link in ("log", "sqrt", "identity")]
    cases += [(Gamma(link), y_pos) for link in ("log", "identity")]
    cases += [(InverseGaussian(link), y_pos) for link in ("log", "identity", "inverse")]
    cases += [(Poisson(link), y_count) for link in ("sqrt", "identity")]
    cases += [(Binomial(link), np.array([0.0, 1.0, 0.25, 0.6, 1.0])) for link in ("cloglog", "log", "identity")]
    cases += [(Gaussian(link), np.array([0.3, -1.0, 4.0, 30.0, 1.0])) for link in ("log", "inverse")]
    mu_prob = np.array([0.1, 0.3, 0.5, 0.2, 0.05])
    return [(f, y, mu_prob if f.name == "binomial" else mu_pos) for f, y in cases]


@pytest.mark.parametrize("family,y,mu", _non_natural(),
                         ids=[f"{f.name}-{f.link.name}" for f, _, _ in _non_natural()])
def test_observed_information_is_minus_the_second_derivative_where_positive(family, y, mu):
    """Every family with a link other than its natural one: ``-d^2 loglik /
    d eta^2`` (central differences of R's per-row deviance, -2 loglik up to
    a constant), but no less than 1e-3 of the expected information
    ``wt mu_eta^2 / V`` (a success of the log-link binomial has none: its
    log-likelihood is linear); a Newton step's working response gives the
    score."""
    wt = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    eta = family.link.link(mu)
    h = 1e-3 * np.where(eta != 0, np.abs(eta), 1.0)  # relative: eta of 1/mu^2 is small
    dev = [family.dev_resids(y, family.link.linkinv(eta + d), wt) for d in (-h, 0.0, h)]
    second = (dev[0] - 2 * dev[1] + dev[2]) / h**2 / 2.0
    expected = wt * family.link.mu_eta(eta) ** 2 / family.variance(mu)
    got = family.observed_information(y, mu, wt, eta)
    np.testing.assert_allclose(got, np.maximum(second, 1e-3 * expected), rtol=1e-5)
    resp = GlmResponse(y, family, wt, np.ones(5), np.zeros(5))
    assert resp.has_observed_information
    w, z = resp.newton_working(eta)
    np.testing.assert_allclose(w * (z - eta), resp.score_residual(eta), rtol=1e-10, atol=1e-12)


def test_where_the_observed_information_is_negative_a_thousandth_of_the_expected_is_taken():
    """Inverse Gaussian, log link: ``(2 y - mu) / mu^2`` is negative where
    ``y < mu / 2``; that row weighs a thousandth of the expected ``1 / mu``."""
    from mixedmodels.families import InverseGaussian

    y, mu, wt = np.array([0.2, 3.0]), np.ones(2), np.ones(2)
    got = InverseGaussian("log").observed_information(y, mu, wt, np.log(mu))
    np.testing.assert_allclose(got, [1e-3, 5.0])


def test_canonical_links_take_fisher_scoring():
    """Gamma's inverse and inverse Gaussian's 1/mu^2 links are canonical
    (observed = expected information) without the natural link's shortcut:
    no Newton weights to compute."""
    from mixedmodels.families import InverseGaussian

    for family in (Gamma(), InverseGaussian()):
        assert family.has_canonical_link and not family.has_natural_link
        assert not family.has_observed_information
        assert family.observed_information(np.ones(2), np.ones(2), np.ones(2), np.ones(2)) is None


def test_clamped_mu_eta_has_no_slope():
    """Where R's links hold ``d mu / d eta`` at its floor (cloglog and
    logit far right, probit and log far left) its slope is 0, not the
    formula's value at the floor: a success of a cloglog binomial at
    eta = 30 keeps a weight of a thousandth of the expected one (it got
    2.4e-3, 1e13 times too large, and infinite beyond eta = 710)."""
    from mixedmodels.families._links import Cloglog, Log, Logit, Probit

    for link, eta in ((Cloglog(), [30.0, 800.0]), (Logit(), [40.0, -40.0]), (Probit(), [-40.0, 40.0]),
                      (Log(), [-40.0])):
        np.testing.assert_array_equal(link.mu_eta_slope(np.array(eta)), 0.0)
    family, eta = Binomial("cloglog"), np.array([30.0, 800.0, 0.5])
    mu = family.link.linkinv(eta)
    got = family.observed_information(np.array([1.0, 1.0, 1.0]), mu, np.ones(3), eta)
    assert np.all(np.isfinite(got)) and np.all(got[:2] < 1e-15)


def test_a_link_without_slope_leaves_pirls_to_fisher_scoring():
    """A user's link (or family) that does not give ``mu_eta_slope``
    (``variance_slope``) gets Fisher scoring, as before Newton steps, not
    a NotImplementedError from inside PIRLS."""
    from mixedmodels.families._links import Link

    class MyLog(Link):
        name = "log"

        def link(self, mu):
            return np.log(mu)

        def linkinv(self, eta):
            return np.exp(eta)

        def mu_eta(self, eta):
            return np.exp(eta)

    family = Gamma(MyLog())
    assert not family.has_observed_information
    assert family.observed_information(np.ones(2), np.ones(2), np.ones(2), np.zeros(2)) is None
    resp = GlmResponse(np.array([0.5, 2.0]), family, np.ones(2), np.ones(2), np.zeros(2))
    for a, b in zip(resp.newton_working(np.zeros(2)), resp.working(np.zeros(2))):
        np.testing.assert_array_equal(a, b)


def test_probit_observed_information_is_minus_the_second_derivative():
    """Binomial probit (log-concave): against central differences of R's
    per-row deviance, for proportions with weights; in the tails (where R's
    ``1 - mu`` leaves the differences no digits) positive and finite, and
    tending to 1 per trial for a failure far to the right."""
    family = Binomial(link="probit")
    y, wt = np.array([0.0, 1.0, 0.25, 0.6, 1.0, 0.0]), np.array([1.0, 2.0, 4.0, 5.0, 1.0, 3.0])
    eta, h = np.array([-6.0, -2.0, -0.3, 0.4, 3.0, 6.5]), 1e-4
    dev = [family.dev_resids(y, family.link.linkinv(eta + d), wt) for d in (-h, 0.0, h)]
    second = (dev[0] - 2 * dev[1] + dev[2]) / h**2 / 2.0
    got = family.observed_information(y, family.link.linkinv(eta), wt, eta)
    np.testing.assert_allclose(got[1:5], second[1:5], rtol=1e-4)
    assert np.all(np.isfinite(got)) and np.all(got > 0)
    assert got[5] / wt[5] == pytest.approx(1.0, rel=0.1)  # y = 0 far right: lambda(-eta)(lambda(-eta) - eta) -> 1


def test_families_declare_whether_they_give_an_observed_information():
    """``has_observed_information`` (read by PIRLS) says what
    ``observed_information`` does, for every family and link."""
    from mixedmodels.families import NegativeBinomial, Poisson

    y, eta = np.array([0.2, 1.0, 0.5]), np.array([-0.2, 0.1, 0.3])  # a response every family takes
    wt = np.ones(3)
    families = [Binomial(), Binomial(link="probit"), Binomial(link="cloglog"), Poisson(), Gamma(),
                Gamma(link="log"), NegativeBinomial(2.0), NegativeBinomial(2.0, link="sqrt")]
    declared = [f.has_observed_information for f in families]
    assert declared == [False, True, True, False, False, True, True, True]  # all but the canonical links
    for family, has in zip(families, declared):
        assert (family.observed_information(y, np.exp(eta), wt, eta) is not None) == has
        assert GlmResponse(y, family, wt, np.ones(3), np.zeros(3)).has_observed_information == has
