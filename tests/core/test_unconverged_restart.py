"""The restart from an optimum that fails lme4's convergence checks (``Control.restart_unconverged``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels._checks import failed_convergence
from mixedmodels._warnings import ConvergenceWarning
from mixedmodels.core._fit_theta import (
    RESTART_FTOL_ABS,
    ThetaSearch,
    restart_unconverged,
)
from mixedmodels.core._optimize import OptSummary

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lme4_diff"
CASES = json.loads((FIXTURES / "unconverged.json").read_text())
CASE = CASES["seed4/lmm_crossed_slopes_reml_007"]


def _fit(case=CASE, **control):
    data = pd.read_csv(FIXTURES / case["job"]["file"], dtype=dict.fromkeys(case["job"]["factors"], str))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.lmer(case["job"]["formula"], data, reml=case["job"]["reml"], control=mm.Control(**control))
    return fit, [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_a_search_stopped_on_a_ridge_restarts_to_the_optimum():
    """``tools/lme4_diff`` seed 4, ``(x | g) + (x | h)`` by REML on 75 rows: the
    search stopped where the Hessian has a negative eigenvalue (h's slope
    diagonal 0.006, the deviance flat to 1e-6 over 0.01 along it), 0.09 above
    the optimum and with lme4's convergence warnings; lme4 stopped 0.48
    higher still, on a singular fit.  Restarted from there, the fit reaches
    the optimum that a long tight search finds, with no warning."""
    fit, warned = _fit()
    assert any(m.startswith("convergence checks failed where the search stopped: restarted with first steps 0.05")
               for m in fit.optsummary.messages)
    assert warned == []
    assert fit.reml_criterion <= CASE["optimum"]["deviance"] + 1e-6
    assert fit.reml_criterion < -2 * CASE["lme4"]["loglik"] - 0.4  # lme4 reports a worse, singular fit

    stopped, warned = _fit(restart_unconverged=False)
    assert stopped.reml_criterion > CASE["optimum"]["deviance"] + 0.08
    assert any("negative eigenvalues" in m for m in warned)


def test_restarts_go_on_with_larger_steps_while_the_checks_fail():
    """``tools/lme4_diff`` seed 6, another ``(x | g) + (x | h)`` REML fit: the
    search stopped 0.15 above the optimum in a curved valley of h's factor;
    the restart with first steps of 0.05 stops short again (the checks still
    fail), the next one, with 0.2, reaches the optimum (lme4: 0.2 above it)."""
    case = CASES["seed6/lmm_crossed_slopes_reml_000"]
    fit, warned = _fit(case)
    assert warned == []
    assert fit.reml_criterion <= case["optimum"]["deviance"] + 1e-4
    assert fit.loglik > case["lme4"]["loglik"] + 0.09


def test_a_search_stopped_on_a_slope_restarts_to_lme4s_singular_optimum():
    """``tools/lme4_diff`` seed 5, ``(log(z) | g)`` by ML: the search stopped
    with the slope's diagonal at 0.008 and a scaled gradient of 0.004 (lme4's
    "failed to converge"), 1e-5 below lme4's log-likelihood at its singular
    optimum; restarted, it reaches that optimum, singular as lme4's."""
    case = CASES["seed5/lmm_logz_slope_ml_005"]
    fit, warned = _fit(case)
    assert warned == [] and fit.is_singular == case["lme4"]["singular"]
    assert fit.loglik >= case["lme4"]["loglik"] - 1e-8
    stopped, warned = _fit(case, restart_unconverged=False)
    assert stopped.loglik < case["lme4"]["loglik"] - 5e-6
    assert any("max|grad|" in m for m in warned) and not stopped.is_singular


def test_restarts_search_a_flat_valley_with_a_tighter_deviance_tolerance():
    """``tools/lme4_diff`` seed 7, ``(x | g) + (x | h)`` by ML: our search and
    lme4's stopped 0.17 above the optimum, in a valley where the deviance
    falls by less than the first run's tolerance (1e-8) per step; restarts
    with that tolerance gained at most 5e-4, with RESTART_FTOL_ABS they
    reach it."""
    case = CASES["seed7/lmm_crossed_slopes_ml_006"]
    fit, warned = _fit(case)
    assert warned == []
    assert -2 * fit.loglik <= case["optimum"]["deviance"] + 1e-4
    assert fit.loglik > case["lme4"]["loglik"] + 0.08


def test_a_restart_probes_small_diagonals_at_zero():
    """``tools/lme4_diff`` seed 10, ``y ~ f * x + (f | g)`` by REML: the search
    stopped with a diagonal of 0.004 and negative curvature (above the first
    run's zero probe, 1e-3); the optimum is on the bound, 2e-9 lower in
    deviance. The restart's probe (RESTART_ZERO_PROBE) puts the diagonal
    there: a singular fit, reported as such, above lme4's log-likelihood
    (lme4 stopped 1.7e-4 lower, in another basin, with no message)."""
    case = CASES["seed10/lmm_fslope_reml_003"]
    fit, warned = _fit(case)
    assert warned == [] and fit.is_singular
    assert fit.loglik > case["lme4"]["loglik"] + 1e-4
    np.testing.assert_array_equal(fit.theta.to_numpy()[-1], 0.0)


def test_a_singular_fit_restarts_when_its_free_parameters_fail_the_checks():
    """``tools/lme4_diff`` seed 22, ``y ~ f + (f || g)`` by ML: the intercept
    term's theta is 0 (singular, so lme4 takes no checks), and the 3 x 3
    term stopped short in its interior, 0.0023 below lme4's log-likelihood.
    The derivatives over the parameters off their bounds fail the checks;
    restarted, the fit reaches lme4's optimum, still singular and with only
    the singular-fit message."""
    case = CASES["seed22/lmm_f_zcp_ml_007"]
    fit, warned = _fit(case)
    assert fit.is_singular and warned == []
    assert any(m.startswith("convergence checks failed") for m in fit.optsummary.messages)
    assert fit.loglik >= case["lme4"]["loglik"] - 1e-6
    stopped, _ = _fit(case, restart_unconverged=False)
    assert stopped.loglik < case["lme4"]["loglik"] - 2e-3


def _summary(final, fmin, feval=10):
    summary = OptSummary("bobyqa", np.asarray(final, float), np.zeros(len(final)))
    summary.final, summary.fmin, summary.feval = np.asarray(final, float), fmin, feval
    return summary


def _recording_run(seen, result):
    def run(start, search):
        seen["start"], seen["options"] = start, search.options
        return result
    return run


def test_the_restart_starts_at_the_optimum_with_small_steps_and_is_kept_when_not_worse():
    seen = {}
    first = _summary([0.2, 0.3], 1.0)
    search = ThetaSearch(options={"initial_step": 1.0, "maxeval": 99})
    out = restart_unconverged(_recording_run(seen, _summary([0.5, 0.5], 0.9, feval=7)), first, search, 0.2)
    np.testing.assert_array_equal(seen["start"], [0.2, 0.3])
    np.testing.assert_array_equal(seen["options"]["initial_step"], [0.2, 0.2])
    assert seen["options"]["ftol_abs"] == RESTART_FTOL_ABS and seen["options"]["maxeval"] == 99
    assert out.fmin == 0.9 and out.feval == 17 and "first steps 0.2" in out.messages[-1]
    np.testing.assert_array_equal(out.initial, first.initial)


def test_the_restart_steps_are_in_the_searched_units_and_keep_a_tighter_user_tolerance():
    seen = {}
    search = ThetaSearch(options={"ftol_abs": 1e-12}, scales=np.array([1.0, 1000.0]))
    restart_unconverged(_recording_run(seen, _summary([0.5, 0.5], 0.9)), _summary([0.2, 3e-4], 1.0), search, 0.05)
    np.testing.assert_allclose(seen["options"]["initial_step"], [0.05, 0.05 / 1000])  # run multiplies by scales
    assert seen["options"]["ftol_abs"] == 1e-12


def test_a_worse_restart_is_dropped_but_its_evaluations_are_counted():
    first = _summary([0.2, 0.3], 1.0)
    out = restart_unconverged(_recording_run({}, _summary([0.5, 0.5], 1.1, feval=7)), first, ThetaSearch(), 0.05)
    assert out is first and out.fmin == 1.0 and out.feval == 17
    assert out.messages == ["a restart with first steps 0.05 ended higher: not kept"]


@pytest.mark.parametrize("control", [{"optimizer_options": {"maxeval": 40}},
                                     {"optimizer_options": {"upper": [10.0] * 6}},
                                     {"optimizer": "scipy-lbfgsb"}])
def test_no_restart_when_the_budget_bounds_or_optimizer_are_the_users(control):
    """A search that ran out of evaluations keeps the user's budget (and
    lme4's warning about it); at a user's upper bound the gradient need not
    vanish; scipy's optimizers take no first steps."""
    fit, _ = _fit(**control)
    assert not any("restart" in m and "first steps" in m for m in fit.optsummary.messages)
    if "maxeval" in control.get("optimizer_options", {}):
        assert fit.optsummary.failed


def test_failed_convergence_reads_lme4s_two_derivative_checks_whatever_their_levels():
    control = mm.Control(check_conv_grad="ignore", check_conv_hess="ignore")
    small, hess = np.full(2, 1e-4), np.diag([1.0, 2.0])
    assert not failed_convergence((small, hess), control)
    assert failed_convergence((small, np.diag([1.0, -1e-3])), control)  # negative curvature
    assert failed_convergence((np.array([0.0, 0.05]), hess), control)  # scaled gradient 0.035 > 2e-3
    assert failed_convergence((small, np.diag([1.0, -1e-7])), control)  # not positive definite: no scaled gradient
    assert not failed_convergence(None, control)  # no derivatives taken
    assert not failed_convergence((small, np.array([[1.0, np.nan], [np.nan, 1.0]])), control)
