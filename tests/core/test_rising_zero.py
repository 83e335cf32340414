"""A search that stops just beside a zero diagonal element, on the flank where
the deviance still falls outward (:func:`~mixedmodels.core._fit_theta._fall_inside`):
the zero probe restarts it from 0.01 (lme4's derivative checks, which would see
the negative curvature, are not taken from 10,000 observations)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

import mixedmodels as mm
from mixedmodels.core._fit_theta import RISING_ZERO_RESTART, ThetaSearch, probe_zeros
from mixedmodels.core._optimize import OptSummary

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lme4_diff"
CASE = json.loads((FIXTURES / "rising_zero.json").read_text())


def _flank(t: np.ndarray) -> float:
    """Even in ``t[1]`` with a maximum at 0 and minima at +-0.0198; minimum in ``t[0]`` at 0.34."""
    return (t[0] - 0.34) ** 2 - 62.0 * t[1] ** 2 + 79_000.0 * t[1] ** 4


def test_a_stop_on_the_flank_of_a_zero_restarts_from_inside():
    stop = np.array([0.34, 1.6e-4])
    summary = OptSummary("bobyqa", stop, np.zeros(2))
    summary.final, summary.fmin = stop.copy(), _flank(stop)
    found = probe_zeros(_flank, summary, np.zeros(2), ThetaSearch())
    np.testing.assert_allclose(found.final, [0.34, np.sqrt(62.0 / (2 * 79_000.0))], rtol=1e-3)
    assert found.fmin < _flank(stop) - 0.01
    assert RISING_ZERO_RESTART in found.messages


def test_an_optimum_near_zero_stays():
    """Where the deviance rises both at 0 and at 0.01, the element stays (one evaluation more)."""

    def near_zero(t):
        return (t[0] - 0.34) ** 2 + 50.0 * (t[1] - 4e-4) ** 2

    stop = np.array([0.34, 4e-4])
    summary = OptSummary("bobyqa", stop, np.zeros(2))
    summary.final, summary.fmin = stop.copy(), near_zero(stop)
    found = probe_zeros(near_zero, summary, np.zeros(2), ThetaSearch())
    np.testing.assert_array_equal(found.final, stop)
    assert not found.messages


def test_small_terms_fit_on_a_flank_reaches_lme4():
    """tools/lme4_diff seed 303: the profiled search over g and h stopped with h
    at 1.6e-4, 0.0061 below lme4's log-likelihood, with no warning."""
    data = pd.read_csv(FIXTURES / CASE["file"])
    for column in "ghk":
        data[column] = data[column].astype("category")
    fit = mm.lmer(CASE["formula"], data, reml=CASE["reml"])
    assert fit.loglik >= CASE["lme4_loglik"] - 1e-6
    np.testing.assert_allclose(fit.theta.to_numpy(), list(CASE["lme4_theta"].values()), rtol=2e-3)
    assert RISING_ZERO_RESTART in fit.optsummary.messages
