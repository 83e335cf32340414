"""PIRLS stops at the rounding floor of its solve instead of running to its iteration limit."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.core._pirls import _FLOOR_STEPS, RoundingFloor

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lme4_diff"
CASE = json.loads((FIXTURES / "pirls_floor.json").read_text())["seed21/pois_slope_nagq0_004"]


def test_a_count_of_millions_converges_without_a_warning():
    """``tools/lme4_diff`` seed 21: counts up to 2.5e6; the solve leaves about
    1e-6 in the linear predictor of a low-weight row, the deviance rounds at
    5e-10. PIRLS ran 100 iterations at every evaluation there and warned at
    the optimum; lme4 (tolPwrss 1e-7) did not warn, and with 1e-12 it fails."""
    data = pd.read_csv(FIXTURES / CASE["job"]["file"], dtype={"g": str})
    assert CASE["lme4"]["emitted"] == [] and "PIRLS" in CASE["lme4"]["tight"]["error"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = mm.glmer(CASE["job"]["formula"], data, family="poisson", nagq=0)
    assert fit.pirls.converged and fit.pirls.iterations < 20
    assert fit.loglik >= CASE["lme4"]["loglik"] - 1e-6
    for name, value in CASE["lme4"]["fixef"].items():
        assert fit.fixef[name] == pytest.approx(value, abs=1e-3 * CASE["lme4"]["se"][name])


def _record(steps, changes, pdev=100.0, counts=None):
    floor = RoundingFloor()
    counts = [True] * len(steps) if counts is None else counts
    return [floor.reached(s, c, pdev, counts=k) for s, c, k in zip(steps, changes, counts)]


def test_shrinking_steps_never_reach_the_floor():
    linear = 0.9 ** np.arange(200)  # Fisher scoring's linear convergence
    assert not any(_record(linear, np.full(200, -1e-13)))


def test_steps_that_grow_while_the_deviance_still_falls_are_no_floor():
    assert not any(_record([1.0, 0.3, 0.5, 0.6, 0.8, 0.1], [-5, -1, -1e-3, -1e-6, -1e-9, -1e-12]))


def test_fluctuating_steps_at_a_flat_deviance_are_the_floor():
    steps = [2.7e-6, 1.4e-7, 5.5e-6, 1.1e-5, 3.2e-6, 3.2e-6]
    changes = [8e-10, -6e-10, 8e-10, -7e-10, 2e-10, -1e-10]
    assert _FLOOR_STEPS == 3
    assert _record(steps, changes, pdev=372.6) == [False, False, False, False, True, True]


def test_a_halved_step_neither_counts_nor_sets_the_smallest_step():
    """Fisher scoring converging linearly with one step halved 10 times: the
    halved step (tiny) must not make the full steps after it look like a floor."""
    steps = [1e-5, 9e-6 / 1024, 8.1e-6, 7.3e-6, 6.6e-6, 5.9e-6]
    changes = [-1e-12] * 6
    assert not any(_record(steps, changes, pdev=372.6, counts=[True, False, True, True, True, True]))
    assert any(_record(steps, changes, pdev=372.6))  # counted, it would stop there
