"""Theta's diagonal searched on a log scale (:mod:`mixedmodels.core._logscale`):
the same optimum as lme4's linear search, in fewer evaluations, singular
optima exactly on the bound."""

import warnings

import numpy as np
import pytest

import mixedmodels as mm
from mixedmodels.core._logscale import (
    KNEE,
    log_scale_applies,
    minimize_log_scale,
    search_steps,
    to_search,
    to_theta,
)
from tests.conftest import reference, reference_data


def fit_reference(name, scale):
    ref = reference(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mm.lmer(ref["formula"], reference_data(ref), reml=bool(ref["REML"]),
                       control=mm.Control(theta_scale=scale))


def test_transform_is_linear_near_the_bound_and_logarithmic_above_the_knee():
    theta = np.array([0.0, 1e-6, 0.05, 1.0, 30.0, -0.7])  # the last one off the diagonal
    np.testing.assert_allclose(to_theta(to_search(theta)), theta, rtol=1e-13, atol=1e-300)
    assert to_search(np.array([0.0]))[0] == 0.0  # the bound stays at 0
    assert to_search(np.array([1e-6]))[0] == pytest.approx(1e-6 / KNEE, rel=1e-9)
    # far above the knee a step of 1 multiplies theta by e
    assert to_theta(to_search(np.array([30.0])) + 1)[0] / 30.0 == pytest.approx(np.e, rel=1e-4)
    steps = search_steps(theta, 1e-7 * np.ones(6))
    np.testing.assert_allclose(to_theta(to_search(theta) + steps) - theta, 1e-7, rtol=1e-6)


def test_applies_to_an_all_diagonal_theta_without_per_parameter_settings():
    assert log_scale_applies(np.zeros(3), {})
    assert not log_scale_applies(np.array([0.0, -np.inf, 0.0]), {})  # a vector term
    assert not log_scale_applies(np.zeros(2), {"initial_step": 0.1})
    assert not log_scale_applies(np.zeros(2), {"upper": np.ones(2)})
    assert log_scale_applies(np.zeros(2), {"ftol_abs": 1e-10})


def test_a_partly_log_scaled_search_takes_its_steps_in_natural_units():
    """A GLMM's stage 2: theta on the log scale, the (whitened) fixed effect linear."""
    def objective(x):
        return (np.log(x[0]) - np.log(2.0)) ** 2 + (x[1] + 3.0) ** 2 if x[0] > 0 else 1e10

    mask = np.array([True, False])
    summary = minimize_log_scale(objective, np.array([1.0, 0.0]), np.array([0.0, -np.inf]), "bobyqa",
                                 {"initial_step": np.array([0.25, 1.0])}, mask)
    np.testing.assert_allclose(summary.final, [2.0, -3.0], rtol=1e-4)
    np.testing.assert_array_equal(summary.initial, [1.0, 0.0])
    # the theta step is converted (0.25 in theta at 1.0), the other kept
    np.testing.assert_allclose(summary.initial_step, [search_steps(np.array([1.0]), np.array([0.25]))[0], 1.0])
    with pytest.raises(ValueError, match="initial_step"):
        minimize_log_scale(objective, np.array([1.0, 0.0]), np.array([0.0, -np.inf]), "bobyqa", {}, mask)


@pytest.mark.parametrize("name", ["pupils_crossed", "penicillin", "lmmdata_nested", "sleep_uncorr"])
def test_same_optimum_in_fewer_evaluations(name):
    log, linear = fit_reference(name, "log"), fit_reference(name, "linear")
    assert log.optsummary.scale == f"asinh(theta / {KNEE:g})" and linear.optsummary.scale == "theta"
    assert log.optsummary.fmin <= linear.optsummary.fmin + 1e-7
    np.testing.assert_allclose(log.theta, linear.theta, rtol=1e-4)
    assert log.optsummary.feval < linear.optsummary.feval
    assert f"over asinh(theta / {KNEE:g})" in str(log.optsummary)


@pytest.mark.parametrize("name", ["exam_nested", "nurses_bad"])
def test_singular_optimum_lands_exactly_on_the_bound(name):
    fit = fit_reference(name, "log")
    assert fit.optsummary.scale != "theta"
    assert fit.is_singular
    assert np.any(fit.theta.to_numpy() == 0.0)
    assert fit.loglik >= reference(name)["logLik"] - 1e-9
    # the search itself ends within lme4's boundary tolerance (1e-5) of 0 (exam_nested:
    # on it), from where lme4's boundary check puts the parameter on the bound
    ref = reference(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the singular-fit message
        bare = mm.lmer(ref["formula"], reference_data(ref), reml=bool(ref["REML"]),
                       control=mm.Control(restart_edge=False, boundary_tol=0.0))
    assert bare.optsummary.scale != "theta" and bare.theta.to_numpy().min() < 1e-5


def test_profiled_fit_searches_its_large_terms_on_the_log_scale():
    """smallterms_slope_reml: scalar large terms, a (1 + x | site) small term
    whose parameters the inner search finds."""
    log, linear = fit_reference("smallterms_slope_reml", "log"), fit_reference("smallterms_slope_reml", "linear")
    assert log.optsummary.inner_feval > 0 and log.optsummary.scale == f"asinh(theta / {KNEE:g})"
    assert log.optsummary.fmin <= linear.optsummary.fmin + 1e-7
    np.testing.assert_allclose(log.theta, linear.theta, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("name", ["sleep_slope_reml", "exam_slope"])
def test_vector_terms_keep_lme4s_search(name):
    log, linear = fit_reference(name, "log"), fit_reference(name, "linear")
    assert log.optsummary.scale == "theta"
    assert log.optsummary.feval == linear.optsummary.feval
    np.testing.assert_array_equal(log.theta, linear.theta)


def test_theta_scale_is_checked():
    with pytest.raises(ValueError, match="theta_scale"):
        mm.Control(theta_scale="logarithmic")
