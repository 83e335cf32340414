"""Optima at a zero column of a vector term's factor, where the deviance is
even in the column: its slope vanishes in every direction, and a search can
stop on the saddle there (:func:`~mixedmodels.core._fit_theta._descent_beside_zero_column`)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.core._covariance import Unstructured
from mixedmodels.core._fit_theta import (
    COLUMN_RESTART,
    ThetaSearch,
    _restart_if_downhill,
)
from mixedmodels.core._optimize import OptSummary
from mixedmodels.core._theta import ThetaMap

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lme4_diff"
CASES = json.loads((FIXTURES / "zero_column.json").read_text())


def test_columns_index_each_column_below_its_diagonal():
    theta_map = ThetaMap([Unstructured(1), Unstructured(3), Unstructured(2)])
    columns = theta_map.columns()
    assert [c.tolist() for c in columns] == [[1, 2, 3], [4, 5], [7, 8]]
    lower = theta_map.lower_bounds()
    assert all(lower[c[0]] == 0 and np.all(np.isneginf(lower[c[1:]])) for c in columns)


def _saddle(curvature: np.ndarray):
    """A deviance even in the column ``t[1:3]`` (diagonal ``t[1]``), with
    ``curvature`` there, bounded by a quartic; minimum in ``t[0]`` at 1."""

    def devfun(t):
        c = t[1:3]
        return 50.0 + (t[0] - 1.0) ** 2 + c @ curvature @ c + (c @ c) ** 2
    return devfun


def _stopped_at_zero(devfun) -> OptSummary:
    final = np.array([1.0, 0.0, 0.0])
    return OptSummary("bobyqa", np.ones(3), np.array([0.0, 0.0, -np.inf]), final=final, fmin=devfun(final), feval=40)


def test_negative_curvature_across_the_column_restarts_the_search():
    """Positive curvature along each entry, negative along their bisector:
    neither the slope test nor the dip along the diagonal sees it."""
    curvature = np.array([[1.0, 3.0], [3.0, 1.0]])  # eigenvalues 4 and -2, the latter along (1, -1)
    devfun = _saddle(curvature)
    stopped = _stopped_at_zero(devfun)
    search = ThetaSearch(faces=lambda t: [], columns=[np.array([1, 2])],
                         options={"xtol_rel": 0.0, "ftol_abs": 1e-14})
    restarted = _restart_if_downhill(devfun, stopped, stopped.lower, search)
    assert restarted is not None and restarted.messages == [COLUMN_RESTART]
    # the minimum: c = r (1, -1) / sqrt(2) with r^2 = 1 (d/dr of -2 r^2 + r^4)
    np.testing.assert_allclose(restarted.final, [1.0, np.sqrt(0.5), -np.sqrt(0.5)], atol=1e-3)
    assert restarted.fmin == pytest.approx(49.0, abs=1e-6) and restarted.feval > stopped.feval
    search.columns = None
    assert _restart_if_downhill(devfun, stopped, stopped.lower, search) is None


def test_a_zero_column_that_is_a_minimum_is_left_alone():
    saddle = _saddle(np.array([[1.0, 0.5], [0.5, 1.0]]))  # positive definite
    stopped = _stopped_at_zero(saddle)
    calls = []

    def devfun(t):
        calls.append(t.copy())
        return saddle(t)

    search = ThetaSearch(faces=lambda t: [], columns=[np.array([1, 2])])
    assert _restart_if_downhill(devfun, stopped, stopped.lower, search) is None
    # lme4's slope test (1e-5 up the diagonal), the dip 0.01 up it, then the column's curvature
    # (0.01 along both axes and their bisector); no trial point after it
    probes = [t[1:].round(6).tolist() for t in calls if t[0] == 1.0 and np.any(t[1:] != 0)]
    assert probes == [[1e-5, 0.0], [0.01, 0.0], [0.01, 0.0], [0.0, 0.01], [0.007071, 0.007071]]


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_saddle_at_a_zero_column_restarts_to_lme4s_optimum(name):
    """``tools/lme4_diff``: a ``(f || g)`` ML fit (seed 20; the factor's block
    3 x 3) stopped with its second column at 0, 0.0126 below lme4's
    log-likelihood, and a ``(1 + x + x2 | g)`` REML fit (seed 29) with its
    second column at (1e-4, 2e-3), 0.0042 below.  Both now reach lme4's
    optimum (the second on the bound, where lme4 stops 2e-3 inside it with a
    log-likelihood 4e-7 lower: singular here, not in lme4)."""
    case = CASES[name]
    job, lme4 = case["job"], case["lme4"]
    data = pd.read_csv(FIXTURES / job["file"], dtype={c: str for c in job["factors"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer(job["formula"], data, reml=job["reml"])
        lme4_only = mm.lmer(job["formula"], data, reml=job["reml"], control=mm.Control(rotate_faces=False))
    assert COLUMN_RESTART in fit.optsummary.messages
    assert fit.loglik >= lme4["loglik"] - 1e-6  # the issue allows 1e-3
    assert lme4_only.loglik < lme4["loglik"] - 1e-3
    np.testing.assert_allclose(fit.fixef.to_numpy(), list(lme4["fixef"].values()),
                               atol=1e-3 * min(lme4["se"].values()))
