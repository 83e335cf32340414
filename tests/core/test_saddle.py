"""The restart from an optimum with negative curvature (``Control.restart_saddle``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import mixedmodels as mm
from mixedmodels._checks import negative_curvature
from mixedmodels._warnings import ConvergenceWarning
from mixedmodels.core._fit_theta import SADDLE_STEP, ThetaSearch, restart_from_saddle
from mixedmodels.core._optimize import OptSummary

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lme4_diff"
CASE = json.loads((FIXTURES / "saddle.json").read_text())["lmm_crossed_slopes_reml_007"]


def _fit(**control):
    data = pd.read_csv(FIXTURES / CASE["job"]["file"], dtype={"g": str, "h": str})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.lmer(CASE["job"]["formula"], data, reml=CASE["job"]["reml"], control=mm.Control(**control))
    return fit, [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_a_search_stopped_on_a_ridge_restarts_to_the_optimum():
    """``tools/lme4_diff`` seed 4, ``(x | g) + (x | h)`` by REML on 75 rows: the
    search stopped where the Hessian has a negative eigenvalue (h's slope
    diagonal 0.006, the deviance flat to 1e-6 over 0.01 along it), 0.09 above
    the optimum and with lme4's convergence warnings; lme4 stopped 0.48
    higher still, on a singular fit.  Restarted from there, the fit reaches
    the optimum that a long tight search finds, with no warning."""
    fit, warned = _fit()
    assert "negative curvature at the optimum, restarted" in fit.optsummary.messages
    assert warned == []
    assert fit.reml_criterion <= CASE["optimum"]["deviance"] + 1e-6
    assert fit.reml_criterion < -2 * CASE["lme4"]["loglik"] - 0.4  # lme4 reports a worse, singular fit

    stopped, warned = _fit(restart_saddle=False)
    assert stopped.reml_criterion > CASE["optimum"]["deviance"] + 0.08
    assert any("negative eigenvalues" in m for m in warned)


def _summary(final, fmin, feval=10):
    summary = OptSummary("bobyqa", np.asarray(final, float), np.zeros(len(final)))
    summary.final, summary.fmin, summary.feval = np.asarray(final, float), fmin, feval
    return summary


def test_the_restart_starts_at_the_optimum_with_small_steps_and_is_kept_when_not_worse():
    seen = {}

    def run(start, search):
        seen["start"], seen["step"] = start, search.options["initial_step"]
        return _summary([0.5, 0.5], 0.9, feval=7)

    first = _summary([0.2, 0.3], 1.0)
    out = restart_from_saddle(run, first, ThetaSearch(options={"initial_step": 1.0, "maxeval": 99}))
    np.testing.assert_array_equal(seen["start"], [0.2, 0.3])
    assert seen["step"] == SADDLE_STEP
    assert out.fmin == 0.9 and out.feval == 17 and out.messages[-1].startswith("negative curvature")
    np.testing.assert_array_equal(out.initial, first.initial)


def test_a_worse_restart_is_dropped_but_its_evaluations_are_counted():
    first = _summary([0.2, 0.3], 1.0)
    out = restart_from_saddle(lambda start, search: _summary([0.5, 0.5], 1.1, feval=7), first, ThetaSearch())
    assert out is first and out.fmin == 1.0 and out.feval == 17 and out.messages == []


def test_negative_curvature_reads_the_hessian_against_the_tolerance():
    grad = np.zeros(2)
    assert negative_curvature((grad, np.diag([1.0, -1e-3])), 1e-6)
    assert not negative_curvature((grad, np.diag([1.0, -1e-7])), 1e-6)  # rounding, lme4's tolerance
    assert not negative_curvature(None, 1e-6)  # no derivatives taken
    assert not negative_curvature((grad, np.array([[1.0, np.nan], [np.nan, 1.0]])), 1e-6)
