"""``bootstrap_lrt``: observed statistic, p-value rule, reproducibility."""

import numpy as np
import pytest

import mixedmodels as mm


@pytest.fixture(scope="module")
def models():
    data = mm.datasets.load("sleepstudy")
    m0 = mm.lmer("Reaction ~ Days + (1 | Subject)", data, reml=False)
    m1 = mm.lmer("Reaction ~ Days + (Days | Subject)", data, reml=False)
    return m0, m1


def test_statistic_and_p_value(models):
    m0, m1 = models
    result = mm.bootstrap_lrt(m0, m1, nsim=19, seed=2, progress=False)
    assert result.statistic == pytest.approx(2 * (m1.loglik - m0.loglik))
    k = np.sum(result.simulated >= result.statistic)
    assert result.p_value == (k + 1) / 20
    assert np.all(result.simulated > -1e-6)


def test_same_for_two_jobs(models):
    m0, m1 = models
    one = mm.bootstrap_lrt(m0, m1, nsim=12, seed=5, progress=False)
    two = mm.bootstrap_lrt(m0, m1, nsim=12, seed=5, n_jobs=2, progress=False)
    np.testing.assert_array_equal(one.simulated, two.simulated)


def test_lm_null_model(models):
    m0 = models[0]
    lm0 = mm.lm("Reaction ~ Days", mm.datasets.load("sleepstudy"))
    result = mm.bootstrap_lrt(lm0, m0, nsim=9, seed=1, progress=False)
    assert result.p_value == pytest.approx(0.1)  # the observed 106 is never reached under the null


def test_models_in_the_wrong_order_are_a_clear_error():
    """The larger model first gave a negative statistic and a meaningless p-value."""
    sleep = mm.datasets.load("sleepstudy")
    slopes = mm.lmer("Reaction ~ Days + (Days | Subject)", sleep)
    intercepts = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep)
    with pytest.raises(ValueError, match="m0 is the null model .* got 6 and 4: swap them"):
        mm.bootstrap_lrt(slopes, intercepts, nsim=2, seed=1, progress=False)
