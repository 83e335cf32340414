"""Optima on a face of a vector term (a zero diagonal of its factor), where
rotating two columns of the factor leaves the covariance as it is and may
reveal a downhill slope into the interior (:meth:`Unstructured.faces`,
the restart in :func:`~mixedmodels.core._fit_theta.optimize_theta`)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.core._covariance import Unstructured
from mixedmodels.core._fit_theta import DIP_RESTART
from mixedmodels.core._theta import ThetaMap

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lme4_diff"


@pytest.mark.parametrize("k", [2, 3])
def test_rotated_faces_keep_the_covariance(k):
    rng = np.random.default_rng(k)
    structure = Unstructured(k)
    theta = rng.normal(size=structure.n_params)
    rows, cols = np.tril_indices(k)
    order = np.lexsort((rows, cols))
    rows, cols = rows[order], cols[order]
    theta[rows == cols] = np.abs(theta[rows == cols])
    theta[(rows == 0) & (cols == 0)] = 0.0  # lambda[0, 0] on its bound
    lam = structure.factor(theta)
    faces = structure.faces(theta)
    assert len(faces) == 2
    for point, zero in faces:
        turned = structure.factor(point)
        np.testing.assert_allclose(turned @ turned.T, lam @ lam.T, atol=1e-14)
        assert zero == 0 and point[zero] == 0.0 and turned[1, 1] == 0.0
        assert np.all(np.diag(turned) >= 0)
    assert structure.faces(np.abs(theta) + 0.1) == []  # no zero diagonal
    # through the map: the term's slice of the whole theta, the index in the whole theta
    theta_map = ThetaMap([Unstructured(1), structure])
    full = np.concatenate([[0.7], theta])
    for (point, zero), (part, local) in zip(theta_map.faces(full), faces):
        assert point[0] == 0.7 and zero == 1 + local
        np.testing.assert_array_equal(point[1:], part)


@pytest.mark.parametrize(("name", "short"), [("lmm_crossed_slopes_ml_004", 0.1), ("lmm_crossed_slopes_reml_014", 0.005)])
def test_a_downhill_face_restarts_the_search_to_lme4s_optimum(name, short):
    """``tools/lme4_diff`` seed 3: ``(x | g) + (x | h)`` by ML and by REML,
    where our search had stopped with an intercept diagonal 0 on a circle
    of equal deviance, 0.55 and 0.011 below lme4's log-likelihood; rotated to
    where that diagonal falls into the interior and restarted (with small
    first steps: nlopt's default stepped over the REML fit's narrow valley),
    both reach lme4's optimum."""
    case = json.loads((FIXTURES / "rotated_face.json").read_text())[name]
    data = pd.read_csv(FIXTURES / case["job"]["file"], dtype={"g": str, "h": str})
    reml = case["job"]["reml"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer(case["job"]["formula"], data, reml=reml)
        unrotated = mm.lmer(case["job"]["formula"], data, reml=reml, control=mm.Control(rotate_faces=False))
    assert any("rotating" in m for m in fit.optsummary.messages)
    assert fit.loglik >= case["lme4"]["loglik"] - 1e-5  # the same optimum (the issue allows 1e-3)
    assert unrotated.loglik < case["lme4"]["loglik"] - short
    np.testing.assert_allclose(fit.fixef.to_numpy(), list(case["lme4"]["fixef"].values()),
                               atol=1e-3 * min(case["lme4"]["se"].values()))


def test_a_restart_is_kept_whenever_it_is_not_worse():
    """lme4 keeps its restart's result; a small gain (4e-8) counts too."""
    from mixedmodels.core._fit_theta import ThetaSearch, _restarts
    from mixedmodels.core._optimize import OptSummary

    def objective(theta):  # optimum at (1, 2e-3), 4e-8 below the best on the bound
        return 1000.0 + (theta[0] - 1.0) ** 2 + 0.01 * (theta[1] - 2e-3) ** 2

    stopped = OptSummary("bobyqa", np.array([0.3, 0.0]), np.zeros(2), final=np.array([1.0, 0.0]), feval=20)
    stopped.fmin = objective(stopped.final)
    search = ThetaSearch(options={"initial_step": 1e-3, "xtol_rel": 0.0, "ftol_abs": 1e-14})
    summary = _restarts(objective, stopped, np.zeros(2), search)
    assert summary.final[1] == pytest.approx(2e-3, rel=1e-3)
    assert summary.fmin < stopped.fmin and summary.feval > 20
    assert summary.messages == ["some theta parameters on the boundary, restarted"]


def test_a_diagonal_near_zero_is_put_at_zero_and_its_factor_rotated():
    """``tools/lme4_diff`` seed 17, ``(x | g)`` by REML: the search stopped with
    the intercept's diagonal at 8e-5 (called singular, so no derivative
    checks), 0.019 below lme4's log-likelihood. At 0 the deviance is 4e-7
    higher (the zero probe leaves it), but one rotated face of that point
    falls into the interior below the optimum: restarted from there, the fit
    reaches lme4's."""
    case = json.loads((FIXTURES / "rotated_face.json").read_text())["seed17/lmm_slope_reml_001"]
    data = pd.read_csv(FIXTURES / case["job"]["file"], dtype={"g": str})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer(case["job"]["formula"], data, reml=case["job"]["reml"])
    assert any("near 0, put at 0" in m for m in fit.optsummary.messages)
    assert fit.loglik >= case["lme4"]["loglik"] - 1e-6
    assert fit.is_singular == case["lme4"]["singular"]


def test_a_zero_diagonal_with_no_slope_but_a_dip_beside_it_restarts():
    """``tools/lme4_diff`` seed 6's crossed slopes (REML) with ``x`` times 100
    (searched rescaled): the search stopped with h's slope diagonal at 0, 0.075
    below lme4's log-likelihood (lme4: -232.66520).  The deviance is even in
    that diagonal, so lme4's slope test finds no descent, but 0.01 from 0 (in
    the searched units) it is 1.6e-7 lower; restarted from there the fit
    reaches the optimum of the unscaled data.  lme4's restart alone stays."""
    data = pd.read_csv(FIXTURES / "lmm_crossed_slopes_reml_s6_000.csv", dtype={"g": str, "h": str})
    scaled = data.assign(x=data.x * 100)
    formula = "y ~ x + (x | g) + (x | h)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unscaled = mm.lmer(formula, data)
        fit = mm.lmer(formula, scaled)
        lme4_only = mm.lmer(formula, scaled, control=mm.Control(rotate_faces=False))
    assert DIP_RESTART in fit.optsummary.messages
    shift = np.log(100)  # REML's log|X'V^-1 X| with the slope's column 100 times larger
    assert fit.loglik + shift == pytest.approx(unscaled.loglik, abs=1e-5)
    assert not fit.is_singular
    assert fit.loglik + shift > -232.66520  # lme4's fit of the scaled data
    assert lme4_only.loglik + shift < unscaled.loglik - 0.05


def test_the_restart_after_the_slope_test_takes_a_dip_beside_a_zero_diagonal():
    """Negative curvature at ``t0 = 0`` under a slope of 5e-4 (where the
    deviance of a zero diagonal has its rounding): the slope test at the
    bound finds nothing, the point 0.01 inside is lower, and the search
    restarts from it to the minimum near ``t0 = 0.5`` -- with the face
    rotation on (``faces``), not with lme4's restart alone."""
    from mixedmodels.core._fit_theta import ThetaSearch, _restart_if_downhill
    from mixedmodels.core._optimize import OptSummary

    def devfun(t):
        return (t[0] ** 2 - 0.25) ** 2 + 5e-4 * t[0] + (t[1] - 1.0) ** 2

    lower = np.zeros(2)
    stopped = OptSummary("bobyqa", np.array([0.3, 0.3]), lower, final=np.array([0.0, 1.0]), fmin=0.0625, feval=30)
    restarted = _restart_if_downhill(devfun, stopped, lower, ThetaSearch(faces=lambda t: []))
    assert restarted is not None and DIP_RESTART in restarted.messages
    np.testing.assert_allclose(restarted.final, [0.5, 1.0], atol=2e-3)
    assert restarted.feval > stopped.feval
    assert _restart_if_downhill(devfun, stopped, lower, ThetaSearch(faces=None)) is None
