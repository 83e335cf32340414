"""Fits whose optimum is on the boundary but whose deviance is flat to 1e-8
over the singular-fit tolerance (1e-4): lme4 calls them singular, and so
must we (:data:`mixedmodels.core._fit_theta.ZERO_PROBE`).  Data and lme4's
numbers from ``tools/lme4_diff`` (seed 1), where the searches had stopped
at 1.4e-4: a nested scalar term on the log scale and the slope's diagonal
of a ``(x | g)`` term on lme4's own path (whether a search stops there
depends on rounding: since changes in the cross-products' both reach 0 by
themselves, so the probe is also tested from the old stopping point)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm

HERE = Path(__file__).parents[1] / "fixtures" / "lme4_diff"
CASES = json.loads((HERE / "near_singular.json").read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_flat_boundary_optimum_is_singular_as_in_lme4(name):
    job, lme4 = CASES[name]["job"], CASES[name]["lme4"]
    data = pd.read_csv(HERE / job["file"], dtype={"g": str, "h": str})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.lmer(job["formula"], data, reml=job["reml"])
    assert fit.is_singular == lme4["singular"]
    assert any("boundary (singular) fit" in str(w.message) for w in caught)
    assert fit.loglik >= lme4["loglik"] - 1e-6  # flat: the issue allows 1e-3
    np.testing.assert_allclose(fit.fixef.to_numpy(), list(lme4["fixef"].values()),
                               atol=1e-3 * min(lme4["se"].values()))
    theta = fit.theta.to_numpy()
    assert np.min(theta[np.asarray(fit.problem.theta_map.lower_bounds()) == 0]) == 0.0


def test_the_probe_puts_the_nested_fits_old_stopping_point_on_zero():
    """Where the log-scale search once stopped on the nested fit (theta 1.4e-4,
    flat to 3e-8 down to 0; whether a search stops there depends on
    rounding), the probe puts the term on 0, lme4's answer."""
    from mixedmodels.core._fit_theta import ThetaSearch, probe_zeros
    from mixedmodels.core._optimize import OptSummary

    case = CASES["lmm_nested_ml_007"]
    data = pd.read_csv(HERE / case["job"]["file"], dtype={"g": str, "h": str})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problem = mm.lmer(case["job"]["formula"], data, reml=False).problem
    lower = problem.theta_map.lower_bounds()
    stopped = OptSummary("bobyqa", np.ones(2), lower, final=np.array([0.862512423, 1.39113737e-4]))
    stopped.fmin = problem.deviance(stopped.final, reml=False)
    summary = probe_zeros(lambda t: problem.deviance(t, reml=False), stopped, lower, ThetaSearch())
    assert summary.final[1] == 0.0 and summary.fmin <= stopped.fmin
    assert problem.theta_map.is_singular(summary.final)


def test_the_probe_puts_a_flat_optimum_on_zero_and_restarts_from_an_inner_one():
    """On a flat boundary optimum the probe puts the element on 0; where the
    deviance falls from 0 into the interior (the optimum is inside, between
    0 and where the search stopped) it restarts from 0 and finds it."""
    from mixedmodels.core._fit_theta import ThetaSearch, probe_zeros
    from mixedmodels.core._optimize import OptSummary

    def flat(theta):  # minimum on the bound, rising by 1e-9 per unit
        return (theta[0] - 1.0) ** 2 + 1e-9 * theta[1]

    def inside(theta):  # minimum at 3e-4; lower at 0 than at 9e-4, but falling from 0
        return (theta[0] - 1.0) ** 2 + (theta[1] - 3e-4) ** 2 + 1e-7 * (theta[1] > 6e-4)

    lower = np.zeros(2)
    search = ThetaSearch(options={"xtol_abs": 1e-12, "ftol_abs": 1e-16, "xtol_rel": 0.0})
    for fn, expected, restarted in ((flat, 0.0, False), (inside, 3e-4, True)):
        start = OptSummary("bobyqa", np.ones(2), lower, final=np.array([1.0, 9e-4]))
        start.fmin = fn(start.final)
        summary = probe_zeros(fn, start, lower, search)
        assert summary.final[1] == pytest.approx(expected, abs=1e-6)
        assert summary.fmin <= fn(np.array([1.0, 0.0])) and summary.fmin == fn(summary.final)
        assert any("restarted" in m for m in summary.messages) == restarted
