"""The converged Hessian (non-canonical links) is taken at a consistent deviance.

Its second differences divide the deviance by ``delta^2 = 1e-8``.  Three
things each moved inverse-Gaussian standard errors by 0.5-4 %: the
optimizer's value at the optimum, reached with PIRLS warm-started from
elsewhere; PIRLS's own tolerance (1e-10 in the linear predictor, about 1e-9
in the Laplace deviance's log-determinant); and Fisher scoring's steps, which
near the modes of an inverse-Gaussian (log link) fit can grow instead of
shrink, so that PIRLS stopped anywhere within 2e-5 of the modes (fixed by
Newton steps, :meth:`mixedmodels.families.Family.observed_information`).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lme4_diff"
CASES = json.loads((FIXTURES / "converged_hessian.json").read_text())


def _fit(case: dict, **control) -> mm.GlmerFit:
    data = pd.read_csv(FIXTURES / case["job"]["file"], dtype={"g": str})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # lme4's tight fits give no warning for these
        return mm.glmer(case["job"]["formula"], data, family=mm.families.InverseGaussian("log"),
                        control=mm.GlmerControl(**control))


def _se(fit) -> np.ndarray:
    return np.sqrt(np.diag(fit.vcov.to_numpy()))


def test_inverse_gaussian_standard_errors_match_lme4():
    """``tools/lme4_diff`` seed 30 ``invgauss_log_001``: the intercept's
    standard error was 0.145626 against lme4's 0.146715 (0.74 %; 0.146766
    with ``tolPwrss = 1e-12``).  Held to the issue's 0.5 %; it now agrees
    with lme4's tight fit to 1e-4.  Any one of the three changes (the fresh
    value at the optimum, the derivatives' PIRLS tolerance, Newton steps)
    mends this fit; the tests below pin the last two one by one."""
    case = CASES["seed30/invgauss_log_001"]
    fit = _fit(case)
    for ref, rtol in ((case["lme4"], 5e-3), (case["lme4_tight"], 1e-4)):
        np.testing.assert_allclose(_se(fit), list(ref["se"].values()), rtol=rtol)
    assert fit.loglik >= case["lme4_tight"]["loglik"] - 1e-6


def test_the_derivative_tolerance_is_what_makes_them_agree():
    """Seed 34 ``invgauss_log_005``: with the derivatives' PIRLS at the fit's
    own tolerance (1e-10) a standard error is 0.7 % off lme4's tight fit;
    with ``derivative_pirls_tol`` (1e-12) 1e-4 (measured 8e-5, 6.8e-3)."""
    case = CASES["seed34/invgauss_log_005"]
    want = np.array(list(case["lme4_tight"]["se"].values()))
    tight = np.max(np.abs(_se(_fit(case)) / want - 1))
    loose = np.max(np.abs(_se(_fit(case, derivative_pirls_tol=1e-10)) / want - 1))
    assert tight < 5e-4
    assert loose > 10 * tight


def test_inverse_gaussian_pirls_reaches_the_same_modes_from_any_start():
    """Seed 34 ``invgauss_log_007``: Fisher scoring's steps grew by 5 % an
    iteration near the modes (observed information above twice the expected
    one where y > 1.5 mu) and PIRLS stopped at its rounding-floor rule 2e-5
    away; the Laplace deviance at one point was 5e-4 apart from one start to
    another, the Hessian indefinite ("degenerate Hessian with 2 negative
    eigenvalues") and the standard errors fell back to R_X's.  Steps with
    the observed information (no less than a thousandth of the expected)
    converge: the same deviance from R's start as warm, and lme4's tight
    standard errors with no warning."""
    case = CASES["seed34/invgauss_log_007"]
    fit = _fit(case)
    np.testing.assert_allclose(_se(fit), list(case["lme4_tight"]["se"].values()), rtol=1e-4)
    params = np.r_[fit.theta.to_numpy(), fit.fixef.to_numpy()]
    problem = fit.problem
    warm = problem.deviance(params[:1], params[1:])
    problem.restart()
    fresh = problem.deviance(params[:1], params[1:])
    assert problem.last.converged
    assert fresh == pytest.approx(warm, abs=1e-8)
    assert fresh == pytest.approx(fit.optsummary.fmin, abs=1e-8)


def test_the_derivatives_evaluate_the_objective_at_the_optimum_afresh():
    """``glmm_derivatives`` takes the centre value from the objective itself,
    in the sequence of its other evaluations, not from the optimizer (whose
    value, from a PIRLS started elsewhere, sat 1e-9 off and moved seed 31's
    inverse-Gaussian standard errors by 2 % before Newton steps)."""
    from mixedmodels.glmm._checks import glmm_derivatives

    hess = np.array([[4.0, 1.0], [1.0, 3.0]])
    params, seen = np.array([0.7, -0.2]), []

    def devfun(x):
        seen.append(np.array(x))
        return 0.5 * x @ hess @ x

    _, got = glmm_derivatives(devfun, params, np.array([0.0, -np.inf]), False, 100, mm.GlmerControl())
    assert any(np.array_equal(x, params) for x in seen)
    np.testing.assert_allclose(got, hess, rtol=1e-3)


def test_a_failed_pirls_in_the_converged_hessian_falls_back_to_rx(monkeypatch):
    """A PIRLS that fails at one point of the converged Hessian (non-natural
    links) makes it NaN there, as lme4's does, so the covariance falls back to
    R_X with lme4's warning; the deviance's large finite value for the
    optimizer (1.8e298) had entered the differences as a number."""
    from mixedmodels.core._glmm import GeneralizedMixedProblem
    from mixedmodels.core._pirls import PirlsError

    real, calls = GeneralizedMixedProblem.modes, []

    def failing_once(self, theta, beta=None):
        if self.tol <= 1e-12 and beta is not None:  # the Hessian's evaluations
            calls.append(1)
            if len(calls) in (10, 11):  # one point: the warm try and the retry from lme4's start
                raise PirlsError("no modes here")
        return real(self, theta, beta)

    cbpp = mm.datasets.load("cbpp")
    formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    probit = mm.families.Binomial(link="probit")
    clean = mm.glmer(formula, cbpp, family=probit)
    monkeypatch.setattr(GeneralizedMixedProblem, "modes", failing_once)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.glmer(formula, cbpp, family=probit)
    assert len(calls) > 11
    assert any("falling back to var-cov estimated from RX" in str(w.message) for w in caught)
    np.testing.assert_allclose(fit.fixef, clean.fixef, rtol=1e-8)
    assert np.all(np.isfinite(np.diag(fit.vcov))) and np.all(np.diag(fit.vcov) > 0)
