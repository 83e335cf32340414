"""PIRLS chord steps (core/_chord.py) reach the modes Newton steps reach."""

import numpy as np
import pytest

import mixedmodels as mm
from mixedmodels.families import get_family
from mixedmodels.glmm._fit import glmer_frame, glmer_problem


def _problem(use_chord: bool):
    data = mm.datasets.load("grouseticks")
    frame = glmer_frame("TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)", data)
    problem = glmer_problem(frame, get_family("poisson"))
    problem.full.use_chord = problem.uonly.use_chord = use_chord
    return problem


@pytest.mark.parametrize("fixed_beta", [False, True])
def test_chord_steps_give_the_newton_deviance(fixed_beta):
    newton, chord = _problem(False), _problem(True)
    beta = None
    thetas = [np.array([0.9, 0.6, 0.4]), np.array([1.1, 0.5, 0.6]), np.array([1.0, 0.55, 0.5])]
    for problem in (newton, chord):
        problem.deviance(thetas[0])  # stage 1 start: beta from PIRLS
    if fixed_beta:
        beta = newton.beta.copy()
    for theta in thetas:
        expected = newton.deviance(theta, beta)
        got = chord.deviance(theta, beta)
        assert got == pytest.approx(expected, abs=1e-9)
        assert chord.last.converged
        np.testing.assert_allclose(np.concatenate(chord.last.u), np.concatenate(newton.last.u), atol=1e-8)
    assert chord.full.chord is not None
