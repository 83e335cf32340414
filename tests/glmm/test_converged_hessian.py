"""The converged Hessian (non-canonical links) is taken at a consistent deviance.

Its second differences divide the deviance by ``delta^2 = 1e-8``.  The
optimizer's value at the optimum, reached with PIRLS warm-started from
elsewhere, and PIRLS's own tolerance (1e-10 in the linear predictor, about
1e-9 in the Laplace deviance's log-determinant) each moved the standard
errors of an inverse-Gaussian fit by 0.4-0.8 %.
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
CASE = json.loads((FIXTURES / "converged_hessian.json").read_text())["seed30/invgauss_log_001"]


def _fit(**control) -> mm.GlmerFit:
    data = pd.read_csv(FIXTURES / CASE["job"]["file"], dtype={"g": str})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # lme4 gives no warning for this fit
        return mm.glmer(CASE["job"]["formula"], data, family=mm.families.InverseGaussian("log"),
                        control=mm.GlmerControl(**control))


def test_inverse_gaussian_standard_errors_match_lme4():
    """``tools/lme4_diff`` seed 30 ``invgauss_log_001``: the intercept's
    standard error was 0.145626 against lme4's 0.146715 (0.74 %; 0.146766
    with ``tolPwrss = 1e-12``).  Held to the issue's 0.5 %; it now agrees
    with lme4's tight fit to 1e-4."""
    fit = _fit()
    ours = np.sqrt(np.diag(fit.vcov.to_numpy()))
    for ref, rtol in ((CASE["lme4"], 5e-3), (CASE["lme4_tight"], 1e-4)):
        np.testing.assert_allclose(ours, list(ref["se"].values()), rtol=rtol)
    assert fit.loglik >= CASE["lme4_tight"]["loglik"] - 1e-6


def test_the_derivative_tolerance_is_what_makes_them_agree():
    """With the derivatives' PIRLS at the fit's own tolerance the standard
    error moves off by more than 0.1 %: the setting is not inert."""
    loose = np.sqrt(np.diag(_fit(derivative_pirls_tol=1e-10).vcov.to_numpy()))
    assert abs(loose[0] / CASE["lme4_tight"]["se"]["(Intercept)"] - 1) > 1e-3
    assert loose[0] == pytest.approx(CASE["lme4_tight"]["se"]["(Intercept)"], rel=5e-2)
