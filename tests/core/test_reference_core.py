"""The profiled criterion at lme4's theta equals lme4's (no formula layer involved)."""

import json
from pathlib import Path

import numpy as np
import pytest

from mixedmodels import datasets
from mixedmodels.core import LinearMixedProblem, RandomEffectsBlock

REF = Path(__file__).parents[1] / "fixtures" / "reference"


def block(frame, column, Z=None):
    codes = frame[column].cat.codes.to_numpy()
    n = len(frame)
    return RandomEffectsBlock(codes, len(frame[column].cat.categories), np.ones((n, 1)) if Z is None else Z)


def test_sleepstudy_slope_reml_and_ml():
    df = datasets.load("sleepstudy")
    Z = np.column_stack([np.ones(len(df)), df["Days"]])
    problem = LinearMixedProblem([block(df, "Subject", Z)], Z.copy(), df["Reaction"].to_numpy())
    for name, reml, key in [("sleep_slope_reml", True, "REMLcrit"), ("sleep_slope_ml", False, "deviance")]:
        ref = json.loads((REF / f"{name}.json").read_text())
        theta = np.array(list(ref["theta"].values()))
        assert problem.deviance(theta, reml) == pytest.approx(ref[key], abs=1e-8)


def test_penicillin_crossed():
    df = datasets.load("Penicillin")
    ref = json.loads((REF / "penicillin.json").read_text())
    problem = LinearMixedProblem(
        [block(df, "plate"), block(df, "sample")], np.ones((len(df), 1)), df["diameter"].to_numpy()
    )
    theta = np.array(list(ref["theta"].values()))
    assert problem.deviance(theta, True) == pytest.approx(ref["REMLcrit"], abs=1e-8)
