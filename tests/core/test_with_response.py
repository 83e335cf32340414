"""A new response reuses the model's maps (``LinearMixedProblem.with_response``):
the same deviance as a problem built from scratch, on every storage path."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import mixedmodels as mm
from mixedmodels.core import _factor
from mixedmodels.datasets import load
from mixedmodels.lmm._fit import lmer_frame, lmer_problem


def crossed(n=600, seed=2):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"y": rng.normal(size=n), "x": rng.normal(size=n), "w": rng.uniform(0.5, 2, n),
                         "off": rng.normal(size=n), "a": rng.integers(0, 60, n), "b": rng.integers(0, 15, n),
                         "c": rng.integers(0, 4, n)})


def nested(n=900, seed=3):
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 120, n)
    return pd.DataFrame({"y": rng.normal(size=n), "x": rng.normal(size=n), "cls": cls, "school": cls // 6})


def wide(n=9000, seed=4):
    """A rest of more than DENSE_REST_MAX columns: A_rr held sparse."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"y": rng.normal(size=n), "x": rng.normal(size=n),
                         "a": rng.integers(0, 2600, n), "b": rng.integers(0, 2200, n)})


CASES = [
    ("wide", "y ~ x + (1 | a) + (1 | b)", {}),
    ("sleepstudy", "Reaction ~ Days + (Days | Subject)", {}),
    ("crossed", "y ~ x + (1 | a) + (1 | b) + (1 | c)", {}),
    ("crossed", "y ~ x + (1 | a) + (x | b)", {}),
    ("crossed", "y ~ x + (1 | a) + (1 | b)", {"weights": "w"}),
    ("crossed", "y ~ x + offset(off) + (1 | a) + (1 | b)", {}),
    ("nested", "y ~ x + (1 | school/cls)", {}),
]
DATA = {"sleepstudy": lambda: load("sleepstudy"), "crossed": crossed, "nested": nested, "wide": wide}


@pytest.mark.parametrize("sparse_cuts", [False, True])
@pytest.mark.parametrize("name, formula, extra", CASES)
def test_with_response_equals_a_fresh_problem(monkeypatch, name, formula, extra, sparse_cuts):
    if not sparse_cuts:  # every elimination counts as too costly: the leading blocks go dense
        monkeypatch.setattr(_factor, "MAX_PAIRS_PER_ENTRY", 0.0)
    frame = lmer_frame(formula, DATA[name](), **extra)
    problem = lmer_problem(frame)
    if name == "wide":
        assert sp.issparse(problem.factor.xp.a_rr)
    if name == "nested":  # schools eliminated sparsely, or divided out of the dense rest
        assert (problem.factor._elimination is not None) == sparse_cuts
    y2 = np.random.default_rng(9).normal(size=problem.n) * 3 + 1
    offset = 0.0 if frame.offset is None else frame.offset
    fresh, reused = lmer_problem(frame, y2), problem.with_response(y2 - offset)
    for theta in (problem.theta_map.initial(), problem.theta_map.initial() * 0.4 + 0.05):
        for reml in (True, False):
            assert reused.deviance(theta, reml) == pytest.approx(fresh.deviance(theta, reml), rel=1e-11)
    # the original problem is untouched
    assert problem.deviance(problem.theta_map.initial(), True) == pytest.approx(
        lmer_problem(frame).deviance(problem.theta_map.initial(), True), rel=1e-12)


def refit_and_direct(formula, data, response, seed):
    """A fit refitted to a simulated response, and a fresh fit to the same response."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer(formula, data)
        y2 = fit.simulate(seed=seed).iloc[:, 0].to_numpy()
        return fit.refit(y2), mm.lmer(formula, data.assign(**{response: y2}))


def test_refit_matches_a_fit_to_the_new_response():
    refitted, direct = refit_and_direct("y ~ x + (1 | a) + (1 | b)", crossed(), "y", seed=4)
    np.testing.assert_allclose(refitted.theta, direct.theta, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(refitted.fixef, direct.fixef, rtol=1e-8)
    assert refitted.loglik == pytest.approx(direct.loglik, rel=1e-10)


def test_refit_residuals_use_the_new_response():
    refitted, direct = refit_and_direct("Reaction ~ Days + (Days | Subject)", load("sleepstudy"), "Reaction", seed=7)
    # the same up to the optimizer's tolerance (the old response would be off by ~25)
    np.testing.assert_allclose(refitted.residuals(), direct.residuals(), rtol=0, atol=1e-2)
