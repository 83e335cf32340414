"""Theta searched in the units of the random effects' columns
(:mod:`mixedmodels.core._thetascale`): a slope on a predictor in the
thousands is fitted as if the predictor had been rescaled."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.core._covariance import Unstructured
from mixedmodels.core._reblock import RandomEffectsBlock
from mixedmodels.core._theta import ThetaMap
from mixedmodels.core._thetascale import column_rms, theta_scales

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lme4_diff"


def _fit(formula, data, family=None, **control):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family is None:
            return mm.lmer(formula, data, reml=False, control=mm.Control(**control))
        return mm.glmer(formula, data, family=family, control=mm.GlmerControl(**control))


def test_scales_follow_the_rows_of_lambda_and_only_when_out_of_range():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 5, 50)
    slope = RandomEffectsBlock(codes, 5, np.column_stack([np.ones(50), 3000 * rng.normal(size=50)]))
    plain = RandomEffectsBlock(codes, 5, np.column_stack([np.ones(50), rng.normal(size=50)]))
    theta_map = ThetaMap([Unstructured(2), Unstructured(1)])
    intercept = RandomEffectsBlock(codes, 5, np.ones(50))
    scales = theta_scales(theta_map, [slope, intercept])
    rms = column_rms(slope.Z)
    # theta: lambda's (0,0), (1,0), (1,1), then the scalar term's
    np.testing.assert_allclose(scales, [1.0, rms[1], rms[1], 1.0])
    assert theta_scales(theta_map, [plain, intercept]) is None
    assert column_rms(np.zeros((50, 1)))[0] == 1.0 and column_rms(np.zeros((0, 2))).tolist() == [1.0, 1.0]


def test_badly_scaled_slope_reaches_the_optimum_lme4_misses():
    """x in the thousands (``tools/lme4_diff``, seed 1): lme4 stops 7.2 below
    the optimum found on x / 1000 (warning that it failed to converge); the
    rescaled search reaches that optimum, lme4's path does not."""
    case = json.loads((FIXTURES / "badly_scaled.json").read_text())["lmm_slope_scaled_ml_016"]
    data = pd.read_csv(FIXTURES / case["job"]["file"], dtype={"g": str})
    formula = case["job"]["formula"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.lmer(formula, data, reml=False)
    # the derivative checks run in the searched units: at the optimum they find nothing
    # (in theta's, a step of 1e-4 is a tenth of the slope's theta: max|grad| 0.027 was reported)
    assert not [w for w in caught if issubclass(w.category, mm.ConvergenceWarning)]
    truth = _fit(formula, data.assign(x=data["x"] / 1000))  # an exact reparametrization (ML)
    assert fit.optsummary.scale == "theta x column RMS"
    assert truth.optsummary.scale == "theta"
    assert fit.loglik == pytest.approx(truth.loglik, abs=1e-6)
    assert fit.loglik > case["lme4"]["loglik"] + 7.0
    np.testing.assert_allclose(fit.fixef["x"] * 1000, truth.fixef["x"], rtol=1e-4)
    np.testing.assert_allclose(fit.theta.to_numpy()[1:] * 1000, truth.theta.to_numpy()[1:], rtol=1e-3)
    lme4_path = _fit(formula, data, rescale_theta=False, restart_unconverged=False)
    assert lme4_path.optsummary.scale == "theta" and lme4_path.loglik < truth.loglik - 1.0
    # restarted where lme4's checks fail, theta's own units come within 0.01 of it
    restarted = _fit(formula, data, rescale_theta=False)
    assert restarted.loglik > truth.loglik - 0.01


def test_glmm_with_a_badly_scaled_slope_matches_the_rescaled_fit():
    rng = np.random.default_rng(7)
    g = rng.integers(0, 25, 600)
    x = rng.normal(size=600)
    eta = -0.3 + 0.5 * x + rng.normal(0, 0.7, 25)[g] + rng.normal(0, 0.4, 25)[g] * x
    data = pd.DataFrame({"y": rng.poisson(np.exp(eta)), "x": x, "g": np.char.add("g", g.astype(str))})
    truth = _fit("y ~ x + (x | g)", data, "poisson")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.glmer("y ~ x + (x | g)", data.assign(x=2000 * x), family="poisson")
    # derivatives in the searched units, beta's in X's: no false warning, the standard errors
    # of the reparametrization (a step of 1e-4 in beta_x = 2.5e-4 had them 8 % off)
    assert not [w for w in caught if issubclass(w.category, mm.ConvergenceWarning)]
    se, se_truth = np.sqrt(np.diag(fit.vcov)), np.sqrt(np.diag(truth.vcov))
    np.testing.assert_allclose(se * [1, 2000], se_truth, rtol=1e-3)
    assert truth.optsummary.scale.startswith("theta") and "RMS" not in truth.optsummary.scale
    assert fit.optsummary.scale == "theta x column RMS"
    assert fit.loglik == pytest.approx(truth.loglik, abs=1e-5)
    np.testing.assert_allclose(fit.fixef["x"] * 2000, truth.fixef["x"], rtol=1e-3)
    lme4_path = _fit("y ~ x + (x | g)", data.assign(x=2000 * x), "poisson", rescale_theta=False)
    assert lme4_path.loglik < truth.loglik - 1.0  # lme4's search stops 2.6 short


def test_steps_bounds_and_start_are_taken_in_thetas_units():
    from mixedmodels.core._fit_theta import ThetaSearch, optimize_theta

    def objective(theta):  # optimum at theta = (1e-3, 0.5)
        return (1000 * theta[0] - 1.0) ** 2 + (theta[1] - 0.5) ** 2

    search = ThetaSearch(options={"initial_step": np.array([1e-4, 0.1]), "upper": np.array([0.01, 5.0])},
                         scales=np.array([1000.0, 1.0]), zero_probe=0.0)
    summary = optimize_theta(objective, np.array([2e-3, 1.0]), np.zeros(2), search)
    np.testing.assert_allclose(summary.final, [1e-3, 0.5], rtol=1e-5)
    np.testing.assert_array_equal(summary.initial, [2e-3, 1.0])
    np.testing.assert_allclose(summary.initial_step, [0.1, 0.1])  # in the searched units
    np.testing.assert_allclose(summary.upper, [10.0, 5.0])
    assert summary.scale == "theta x column RMS"
    with pytest.raises(ValueError, match="lower bounds of 0 or -inf"):
        optimize_theta(objective, np.array([2e-3, 1.0]), np.array([0.0, -1.0]), search)


def test_a_users_start_is_taken_in_thetas_units_and_a_refit_reaches_the_same_optimum(monkeypatch):
    from mixedmodels.core import LinearMixedProblem

    case = json.loads((FIXTURES / "badly_scaled.json").read_text())["lmm_slope_scaled_ml_016"]
    data = pd.read_csv(FIXTURES / case["job"]["file"], dtype={"g": str})
    fit = _fit(case["job"]["formula"], data)
    start = fit.theta.to_numpy() * [0.5, 2.0, 0.5]  # away from the optimum, in theta's units
    evaluated = []
    update = LinearMixedProblem.update
    monkeypatch.setattr(LinearMixedProblem, "update",
                        lambda self, theta: evaluated.append(np.array(theta)) or update(self, theta))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = mm.lmer(case["job"]["formula"], data, reml=False, start=start)
    np.testing.assert_allclose(evaluated[0], start, rtol=1e-12)  # the first point is the start itself
    assert again.optsummary.scale == "theta x column RMS"
    assert again.loglik == pytest.approx(fit.loglik, abs=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = fit.refit(data["y"].to_numpy())
    assert refit.loglik == pytest.approx(fit.loglik, abs=1e-7)
