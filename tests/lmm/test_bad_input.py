"""Bad input to lmer gets a clear error naming the problem, not a numpy traceback."""

import numpy as np
import pytest

import mixedmodels as mm
from mixedmodels import datasets


@pytest.fixture(scope="module")
def sleep():
    return datasets.load("sleepstudy")


def test_zero_weights(sleep):
    with pytest.raises(mm.FormulaError, match="weights are 0 in 18 rows"):
        mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, weights="Days")


def test_infinite_predictor(sleep):
    with pytest.raises(mm.FormulaError, match=r"'log\(Days\)' has infinite values in 18 rows"):
        mm.lmer("Reaction ~ log(Days) + (1 | Subject)", sleep)


def test_constant_response(sleep):
    with pytest.raises(mm.FormulaError, match="constant"):
        mm.lmer("One ~ Days + (1 | Subject)", sleep.assign(One=1.0))


def test_start_of_wrong_length(sleep):
    with pytest.raises(ValueError, match="start has 1 values but the model has 3"):
        mm.lmer("Reaction ~ Days + (Days | Subject)", sleep, start=[1.0])
    with pytest.raises(ValueError, match="lower bounds"):
        mm.lmer("Reaction ~ Days + (Days | Subject)", sleep, start=[-1.0, 0.0, 1.0])


def test_start_is_used(sleep):
    fit = mm.lmer("Reaction ~ Days + (Days | Subject)", sleep, start=[0.9, 0.0, 0.2])
    assert fit.optsummary.initial.tolist() == [0.9, 0.0, 0.2]


def test_objective_never_finite_is_reported():
    from mixedmodels.core import OptSummary, minimize

    with pytest.raises(FloatingPointError, match="not finite at any"):
        minimize(lambda x: np.inf, OptSummary("bobyqa", np.ones(2), np.zeros(2)))
