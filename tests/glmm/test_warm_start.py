"""PIRLS at a new theta starts from the previous modes with the random
effects b = Lambda u kept, not u (:func:`mixedmodels.core._glmm._same_effects`)."""

import warnings

import numpy as np
import pandas as pd

import mixedmodels as mm
from mixedmodels.core import _glmm
from mixedmodels.core._glmm import _same_effects
from mixedmodels.core._pirls import PirlsError
from mixedmodels.glmm._fit import glmer_frame, glmer_problem


def test_effects_are_kept_for_scalar_and_vector_terms():
    rng = np.random.default_rng(2)
    u = [rng.normal(size=(7, 1)), rng.normal(size=(5, 2))]
    old = [np.array([[0.8]]), np.array([[1.1, 0.0], [0.3, 0.6]])]
    new = [np.array([[2.0]]), np.array([[0.4, 0.0], [-0.2, 0.9]])]
    moved = _same_effects(u, old, new)
    for ui, mi, lo, ln in zip(u, moved, old, new):
        np.testing.assert_allclose(mi @ ln.T, ui @ lo.T, rtol=1e-13)


def test_a_singular_new_factor_or_unknown_old_one_keeps_u():
    u = [np.ones((3, 1)), np.ones((2, 2))]
    old = [np.array([[0.5]]), np.eye(2)]
    new = [np.array([[0.0]]), np.array([[1.0, 0.0], [0.5, 0.0]])]
    for got, want in zip(_same_effects(u, old, new), u):
        np.testing.assert_array_equal(got, want)
    assert _same_effects(u, None, new) is u


def test_pirls_at_a_new_theta_starts_at_the_previous_linear_predictor(monkeypatch):
    rng = np.random.default_rng(4)
    g = rng.integers(0, 30, 600)
    x = rng.normal(size=600)
    y = rng.poisson(np.exp(0.3 + 0.4 * x + rng.normal(0, 0.7, 30)[g]))
    data = pd.DataFrame({"y": y, "x": x, "g": g.astype(str)})
    problem = glmer_problem(glmer_frame("y ~ x + (1 | g)", data), mm.families.get_family("poisson"))
    first = problem.modes(np.array([0.5]))
    starts = []
    original = _glmm.pirls

    def spy(prob, lambdas, u, beta, *args, **kwargs):
        starts.append(prob.linear_predictor(u, beta, lambdas))
        return original(prob, lambdas, u, beta, *args, **kwargs)

    monkeypatch.setattr(_glmm, "pirls", spy)
    problem.modes(np.array([1.5]))
    np.testing.assert_allclose(starts[0], first.eta, rtol=1e-12, atol=1e-12)


def test_modes_that_would_overflow_are_kept():
    """A jump to a subnormal theta: re-expressed modes would be infinite."""
    import warnings

    u = [np.ones((3, 1)), np.ones((2, 2))]
    old = [np.array([[1.0]]), np.eye(2)]
    new = [np.array([[1e-320]]), np.array([[1e-320, 0.0], [0.3, 1.0]])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moved = _same_effects(u, old, new)
    for got, want in zip(moved, u):
        np.testing.assert_array_equal(got, want)


def test_reset_and_restart_forget_the_factors_of_the_modes():
    rng = np.random.default_rng(5)
    g = rng.integers(0, 10, 200)
    data = pd.DataFrame({"y": rng.poisson(2.0, 200), "g": g.astype(str)})
    problem = glmer_problem(glmer_frame("y ~ 1 + (1 | g)", data), mm.families.get_family("poisson"))
    problem.modes(np.array([0.5]))
    assert problem._u_lambdas is not None
    problem.reset(beta=np.array([0.1]))  # u unchanged: its factors still hold
    assert problem._u_lambdas is not None
    problem.reset(u=[np.zeros((10, 1))])
    assert problem._u_lambdas is None
    known = [np.array([[0.7]])]
    problem.reset(u=[np.zeros((10, 1))], lambdas=known)  # factors given with the modes: kept
    assert problem._u_lambdas is known
    problem.modes(np.array([0.5]))
    problem.restart()
    assert problem._u_lambdas is None and problem._start_eta is not None


def test_a_failed_warm_start_is_retried_from_mustart():
    """``tools/lme4_diff`` seed 3: an nAGQ = 0 Poisson ``(x | g)`` fit whose
    8th evaluation failed from the 7th's modes (the rest block not positive
    definite) though the deviance there is finite; its sentinel value made
    BOBYQA stop 5.4 log-likelihood units short of lme4's optimum.  Retried
    from R's mustart, as lme4 starts every evaluation, the fit reaches it."""
    import json
    from pathlib import Path

    here = Path(__file__).parents[1] / "fixtures" / "lme4_diff"
    case = json.loads((here / "glmm_restart.json").read_text())["pois_slope_nagq0_000"]
    data = pd.read_csv(here / case["job"]["file"], dtype={"g": str})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # singular, as lme4's
        fit = mm.glmer(case["job"]["formula"], data, family="poisson", nagq=0)
    lme4 = case["lme4"]
    assert fit.loglik >= lme4["loglik"] - 1e-3
    assert fit.is_singular == lme4["singular"]
    np.testing.assert_allclose(fit.fixef.to_numpy(), list(lme4["fixef"].values()),
                               atol=0.01 * min(lme4["se"].values()))


def test_a_retry_that_fails_leaves_the_warm_start_and_a_stage2_retry_leaves_beta(monkeypatch):
    rng = np.random.default_rng(5)
    g = rng.integers(0, 20, 300)
    x = rng.normal(size=300)
    data = pd.DataFrame({"y": rng.poisson(np.exp(0.2 + 0.3 * x + rng.normal(0, 0.5, 20)[g])), "x": x,
                         "g": g.astype(str)})
    problem = glmer_problem(glmer_frame("y ~ x + (1 | g)", data), mm.families.get_family("poisson"))
    theta = np.array([0.5])
    problem.deviance(theta)  # warm modes and fixed effects
    u, beta = [a.copy() for a in problem.u], problem.beta.copy()
    problem.stage1_eta = problem.last.eta.copy()
    real = _glmm.pirls

    def failing(*args, **kwargs):
        raise PirlsError("made to fail")

    monkeypatch.setattr(_glmm, "pirls", failing)
    assert problem.deviance(theta, beta + 0.1) == _glmm._BIG
    np.testing.assert_array_equal(problem.u[0], u[0])
    np.testing.assert_array_equal(problem.beta, beta)
    assert problem._start_eta is None  # the next evaluation starts warm, and may retry
    calls = []

    def first_fails(*args, **kwargs):
        calls.append(args[4])  # the starting eta: None (warm), then the stage-1 one
        if len(calls) == 1:
            raise PirlsError("made to fail")
        return real(*args, **kwargs)

    monkeypatch.setattr(_glmm, "pirls", first_fails)
    value = problem.deviance(theta, beta + 0.1)
    assert np.isfinite(value) and value < _glmm._BIG
    assert calls[0] is None and calls[1] is problem.stage1_eta
    np.testing.assert_array_equal(problem.beta, beta)  # stage 2 does not move the free beta's start
