"""``predict_interval`` (merTools' predictInterval): centring, width, coverage, new data."""

import numpy as np
import pandas as pd
import pytest

from tests.comparison._refs import fit_call

SLOPE = "lme4::lmer(Reaction ~ Days + (Days | Subject), data = dat, REML = TRUE)"


@pytest.fixture(scope="module")
def fit():
    return fit_call("sleepstudy", SLOPE)


def test_centred_on_fitted_values_and_covering(fit):
    pi = fit.predict_interval(nsim=2000, seed=1)
    np.testing.assert_allclose(pi["fit"], fit.fitted().to_numpy(), atol=2.5)
    y = fit.frame.response
    assert 0.9 < np.mean((y >= pi["lwr"]) & (y <= pi["upr"])) <= 1.0
    # Without residual noise: about 1.96 conditional standard errors of the mean.
    narrow = fit.predict_interval(nsim=2000, seed=1, include_residual=False)
    assert np.all(narrow["upr"] - narrow["lwr"] < pi["upr"] - pi["lwr"])


def test_reproducible_and_new_levels(fit):
    new = pd.DataFrame({"Days": [0, 5], "Subject": pd.Categorical(["308", "not-a-subject"])})
    a, b = fit.predict_interval(new, nsim=200, seed=3), fit.predict_interval(new, nsim=200, seed=3)
    pd.testing.assert_frame_equal(a, b)
    population = fit.fixef["(Intercept)"] + 5 * fit.fixef["Days"]
    assert a.loc[1, "fit"] == pytest.approx(population, abs=6)
    with pytest.raises(ValueError, match="level must be"):
        fit.predict_interval(level=1.5)
