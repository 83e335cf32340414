"""Parametric bootstrap: reproducibility across n_jobs, intervals, statistic names."""

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from tests.comparison._refs import extra, fit_call

SLOPE = "lme4::lmer(Reaction ~ Days + (Days | Subject), data = dat, REML = TRUE)"


def slope_days(fit):
    return fit.fixef[["Days"]]


@pytest.fixture(scope="module")
def fit():
    return fit_call("sleepstudy", SLOPE)


def test_same_replicates_for_one_and_two_jobs(fit):
    one = fit.bootstrap(40, seed=7, n_jobs=1, progress=False)
    two = fit.bootstrap(40, seed=7, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(one.replicates, two.replicates)
    assert one.replicates.shape == (40, 6)
    assert list(one.t0.index) == ["(Intercept)", "Days", "sd_(Intercept)|Subject",
                                  "cor_Days.(Intercept)|Subject", "sd_Days|Subject", "sigma"]


def test_against_bootmer_moments(fit):
    # Different random numbers from R: only the Monte Carlo moments can agree.
    ref = extra("bootmer_timing_sleep_slope")
    boot = fit.bootstrap(100, statistic=slope_days, seed=1, progress=False)
    assert boot.t0["Days"] == pytest.approx(ref["t0"]["Days"], rel=1e-6)
    assert boot.replicates["Days"].std() == pytest.approx(ref["boot_sd"]["Days"], rel=0.3)
    assert abs(boot.replicates["Days"].mean() - boot.t0["Days"]) < 3 * ref["boot_sd"]["Days"] / np.sqrt(100) * 1.5


def test_intervals(fit):
    boot = fit.bootstrap(60, statistic=slope_days, seed=3, progress=False)
    for method in ("percentile", "normal", "basic"):
        ci = boot.confint(method, level=0.9)
        assert list(ci.columns) == ["5 %", "95 %"]
        assert ci.loc["Days", "5 %"] < boot.t0["Days"] < ci.loc["Days", "95 %"]
    with pytest.raises(ValueError, match="method must be"):
        boot.confint("bca")


def test_lm_and_errors():
    lm = mm.lm("Reaction ~ Days", mm.datasets.load("sleepstudy"))
    boot = mm.comparison.bootstrap(lm, 20, statistic=lambda f: f.fixef, seed=1, progress=False)
    assert boot.replicates.shape == (20, 2)
    with pytest.raises(ValueError, match="nsim must be a positive integer"):
        mm.comparison.bootstrap(lm, 0)


def test_glmer_cbind_bootstrap():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", mm.datasets.load("cbpp"),
                       family="binomial")
        boot = fit.bootstrap(8, seed=1, progress=False)
    assert boot.n_failed == 0
    assert list(boot.t0.index) == ["(Intercept)", "period2", "period3", "period4", "sd_(Intercept)|herd"]


def test_all_failures_raise():
    lm = mm.lm("Reaction ~ Days", mm.datasets.load("sleepstudy"))

    def broken(fit):
        if fit is not lm:
            raise ValueError("no statistic")
        return fit.fixef

    with pytest.raises(RuntimeError, match="no statistic"):
        mm.comparison.bootstrap(lm, 3, statistic=broken, progress=False)
