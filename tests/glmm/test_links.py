"""Links: mean and its derivative as R's C code computes them."""

import numpy as np
import pytest

from mixedmodels.families._links import EPS, Log, Logit, Probit


def r_logit_mu_eta(eta):
    """R's ``logit_mu_eta``: ``DBL_EPSILON`` beyond |eta| > 30."""
    return np.where(np.abs(eta) > 30, EPS, np.exp(eta) / (1 + np.exp(eta)) ** 2)


ETA = np.array([-40.0, -30.5, -12.0, -1.0, 0.0, 0.3, 7.0, 29.0, 30.5, 40.0])


def test_logit_mu_eta_follows_r():
    """Exactly beyond |eta| > 30 and for moderate eta; in between ``mu (1 - mu)``
    loses digits to cancellation, but only below 1e-16 absolute."""
    got, want = Logit().mu_eta(ETA), r_logit_mu_eta(ETA)
    moderate = (np.abs(ETA) <= 10) | (np.abs(ETA) > 30)
    np.testing.assert_allclose(got[moderate], want[moderate], rtol=1e-12)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-16)


@pytest.mark.parametrize("link", [Logit(), Log(), Probit()])
def test_mean_and_slope_together_equal_the_separate_calls(link):
    eta = ETA if not isinstance(link, Log) else ETA / 4
    mu, slope = link.linkinv_and_mu_eta(eta)
    np.testing.assert_array_equal(mu, link.linkinv(eta))
    np.testing.assert_array_equal(slope, link.mu_eta(eta))


def test_logit_mean_is_r_plogis_with_its_clamps():
    """``1 / (1 + exp(-eta))`` agrees with scipy's expit to rounding, arrays and
    scalars alike, and takes R's ``DBL_EPSILON`` clamps beyond |eta| > 30."""
    from scipy import special

    link = Logit()
    inner = np.linspace(-30, 30, 1201)
    np.testing.assert_allclose(link.linkinv(inner), special.expit(inner), rtol=4 * EPS, atol=0)
    got = link.linkinv(ETA)
    assert got[0] == got[1] == EPS and got[-1] == got[-2] == 1.0 - EPS
    for x in ETA:
        assert link.linkinv(x) == got[ETA == x][0]
    with np.errstate(over="raise"):  # the clamped path keeps exp's overflow quiet
        assert link.linkinv(np.array([-800.0, 0.0]))[0] == EPS
    assert np.isnan(link.linkinv(np.nan)) and np.isnan(link.linkinv(np.array([np.nan, 0.0]))[0])
