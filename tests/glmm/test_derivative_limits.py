"""Where glmer takes lme4's derivatives (the checks, and the Hessian behind the
covariance of beta): below 10,000 observations and 20 parameters counting the
fixed effects, as lme4 >= 1.1-38's glmerControl; elsewhere the covariance
comes from R_X."""

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.glmm._control import GlmerControl


@pytest.fixture(scope="module")
def bernoulli_with_factor():
    """A 19-level factor: 19 fixed effects and one covariance parameter."""
    rng = np.random.default_rng(5)
    n, g = 600, rng.integers(0, 30, 600)
    f = rng.integers(0, 19, n)
    eta = -0.3 + rng.normal(0, 0.4, 19)[f] + rng.normal(0, 0.8, 30)[g]
    return pd.DataFrame({"y": rng.binomial(1, 1 / (1 + np.exp(-eta))), "f": [f"f{v:02d}" for v in f],
                         "g": [f"g{v:02d}" for v in g]})


def _vcov(data, **control):
    fit = mm.glmer("y ~ f + (1 | g)", data, family="binomial", control=GlmerControl(**control))
    return fit.vcov.to_numpy()


def test_twenty_parameters_take_no_derivatives(bernoulli_with_factor):
    default = _vcov(bernoulli_with_factor)
    from_rx = _vcov(bernoulli_with_factor, check_conv_nobsmax=0)
    from_hessian = _vcov(bernoulli_with_factor, check_conv_nparmax=21)
    np.testing.assert_array_equal(default, from_rx)
    assert np.max(np.abs(np.sqrt(np.diag(from_hessian)) / np.sqrt(np.diag(from_rx)) - 1)) > 1e-3


def test_observations_at_the_limit_take_no_derivatives(bernoulli_with_factor):
    n = len(bernoulli_with_factor)
    at_limit = _vcov(bernoulli_with_factor, check_conv_nobsmax=n, check_conv_nparmax=21)
    below_limit = _vcov(bernoulli_with_factor, check_conv_nobsmax=n + 1, check_conv_nparmax=21)
    np.testing.assert_array_equal(at_limit, _vcov(bernoulli_with_factor, check_conv_nobsmax=0))
    assert not np.allclose(at_limit, below_limit, rtol=1e-6, atol=0)


def test_lmer_counts_covariance_parameters_against_ten():
    assert mm.Control().check_conv_nparmax == 10 and GlmerControl().check_conv_nparmax == 20


def test_a_plain_control_keeps_glmers_parameter_limit(bernoulli_with_factor):
    """A plain mm.Control given to glmer takes the settings changed from its
    defaults, not Control's limit of 10 parameters, which would skip the
    Hessian of this 12-parameter fit (11 fixed effects, one theta)."""
    from mixedmodels._control import control_of

    upgraded = control_of(mm.Control(check_singular="ignore"), GlmerControl)
    assert upgraded.check_conv_nparmax == 20 and upgraded.check_singular == "ignore"
    data = bernoulli_with_factor.assign(f=bernoulli_with_factor["f"].str.replace("f1", "f0"))  # 11 levels
    plain = mm.glmer("y ~ f + (1 | g)", data, family="binomial", control=mm.Control()).vcov.to_numpy()
    glmer_default = mm.glmer("y ~ f + (1 | g)", data, family="binomial").vcov.to_numpy()
    np.testing.assert_array_equal(plain, glmer_default)
