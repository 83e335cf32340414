"""glmer's stage 2 restarted from an optimum that fails lme4's convergence checks."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels._warnings import ConvergenceWarning

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lme4_diff"
CASE = json.loads((FIXTURES / "unconverged.json").read_text())["seed24/bin01_slope_001"]


def _fit(**control):
    data = pd.read_csv(FIXTURES / CASE["job"]["file"], dtype={"g": str})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.glmer(CASE["job"]["formula"], data, family="binomial", control=mm.GlmerControl(**control))
    return fit, [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_a_stage2_optimum_that_fails_the_gradient_check_restarts():
    """``tools/lme4_diff`` seed 24, ``y ~ x + (x | g)`` logistic: stage 2
    stopped with the slope's diagonal at 0.02 and max|grad| 0.0024 (tol 0.002),
    1.2e-5 below lme4's fit with tolPwrss = 1e-12 (lme4's default fit is 1.1e-4
    lower still, without a warning).  Restarted with first steps of 0.05 it
    reaches that optimum, on the boundary, with only the singular-fit message."""
    fit, warned = _fit()
    assert warned == []
    assert any(m.startswith("convergence checks failed where the search stopped: restarted with first steps 0.05")
               for m in fit.optsummary.messages)
    assert fit.loglik >= CASE["lme4_tight"]["loglik"] - 1e-7
    assert fit.is_singular
    for name, value in CASE["lme4_tight"]["fixef"].items():
        assert fit.fixef[name] == pytest.approx(value, abs=1e-2 * CASE["lme4_tight"]["se"][name])

    stopped, warned = _fit(restart_unconverged=False)
    assert any("max|grad|" in m for m in warned)
    assert stopped.loglik < CASE["lme4_tight"]["loglik"] - 1e-5


def test_a_singular_optimum_is_not_restarted():
    """A singular fit gets no checks (as in lme4), and its derivatives over
    (theta, beta) need not vanish on the bound: ``tools/lme4_diff`` seed 23
    ``pois_na_003`` (``(1 | g)`` at 0, as lme4's) was restarted three times
    for nothing (21 -> 79 evaluations) before singular fits were exempt."""
    data = pd.read_csv(FIXTURES / "pois_na_s23_003.csv", dtype={"g": str})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.glmer("y ~ x + (1 | g)", data, family="poisson")
    assert fit.is_singular
    assert not any("restart" in m for m in fit.optsummary.messages)
    assert fit.optsummary.feval == 21


def test_restart_steps_are_in_the_searched_units_of_a_rescaled_fit(monkeypatch):
    """With x in hundredths theta is searched rescaled
    (:mod:`mixedmodels.core._thetascale`); the restart's first steps must be
    divided by those scales, as lmer's are, so the search it is handed
    carries them."""
    import mixedmodels.glmm._fit as glmm_fit

    seen = []

    def record(opt, search, control):
        seen.append(search.scales)
        return False

    monkeypatch.setattr(glmm_fit, "may_restart", record)
    data = pd.read_csv(FIXTURES / CASE["job"]["file"], dtype={"g": str}).assign(x=lambda d: d.x / 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.glmer(CASE["job"]["formula"], data, family="binomial")
    assert seen and seen[0] is not None
    assert np.allclose(seen[0], fit.problem.theta_scales) and min(seen[0]) < 0.02  # the slope's root mean square


def test_the_optimizer_code_is_read_after_the_restart(monkeypatch):
    """A kept restart that ran out of evaluations gets lme4's "convergence code"
    message (the code is checked after the restart, not before)."""
    import mixedmodels._restart as restart

    real = restart.restart_unconverged

    def out_of_evaluations(run, summary, search, step, beside_bounds=False):
        restarted = real(run, summary, search, step, beside_bounds)
        restarted.return_code = "MAXEVAL_REACHED"
        return restarted

    monkeypatch.setattr(restart, "restart_unconverged", out_of_evaluations)
    fit, warned = _fit()
    assert any(m.startswith("convergence code MAXEVAL_REACHED") for m in warned)
    assert fit.optsummary.return_code == "MAXEVAL_REACHED"


def test_a_pirls_failure_at_a_restarts_start_keeps_the_first_optimum(monkeypatch):
    import mixedmodels.glmm._fit as glmm_fit
    from mixedmodels.core._pirls import PirlsError

    def failing(problem, theta):
        raise PirlsError("no modes here")

    monkeypatch.setattr(glmm_fit, "modes_at", failing)
    fit, warned = _fit()
    assert any("restarting stage 2 failed in PIRLS" in m for m in fit.optsummary.messages)
    assert any("max|grad|" in m for m in warned)  # the first optimum's checks, reported as they were


def test_a_restart_starts_where_the_search_stopped_beside_a_bound():
    """``tools/lme4_diff`` seed 103, Poisson ``y ~ x + offset(log(t)) + (x | g)``:
    stage 2 stopped 1.3e-6 below lme4's log-likelihood with max|grad| 0.0035
    (lme4 does not warn) and the slope's diagonal at 0.0127.  Restarts with
    first steps of 0.05, 0.2 and 1 began with it at the step (BOBYQA moves a
    start closer to its bound than the first step), 8.5 higher, and each
    ended above where the search had stopped, so the fit warned.  One more
    restart, the first step shortened to the distance to the bound, ends
    where the checks pass: no warning."""
    from mixedmodels.core._fit_theta import _shortened_beside_bounds
    from mixedmodels.core._optimize import OptSummary

    stopped = OptSummary("bobyqa", np.ones(5), np.array([0.0, 0.0, 0.0, 0.0, -np.inf]),
                         final=np.array([0.0127, 0.0, 1.0, 1e-4, 0.01]))
    np.testing.assert_allclose(_shortened_beside_bounds(np.full(5, 0.05), stopped),
                               [0.0127, 0.05, 0.05, 0.005, 0.05])
    case = json.loads((FIXTURES / "unconverged.json").read_text())["seed103/pois_offset_slope_024"]
    data = pd.read_csv(FIXTURES / case["job"]["file"], dtype={"g": str})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.glmer(case["job"]["formula"], data, family="poisson")
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert fit.loglik >= case["lme4"]["loglik"] - 1.2e-6 and fit.loglik >= case["lme4_tight"]["loglik"] - 1.2e-6
    assert any("shorter beside a bound" in m and m.startswith("convergence checks failed")
               for m in fit.optsummary.messages)
