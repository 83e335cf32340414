"""Fits whose optimum is on the boundary but whose deviance is flat to 1e-8
over the singular-fit tolerance (1e-4): lme4 calls them singular, and so
must we (:data:`mixedmodels.core._fit_theta.ZERO_PROBE`).  Data and lme4's
numbers from ``tools/lme4_diff`` (seed 1), where the searches had stopped
at 1.4e-4 (a nested scalar term, on the log scale) and 1.4e-4 (the slope's
diagonal of a ``(x | g)`` term, lme4's own path)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm

HERE = Path(__file__).parents[1] / "fixtures" / "lme4_diff"
CASES = json.loads((HERE / "near_singular.json").read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_flat_boundary_optimum_is_singular_as_in_lme4(name):
    job, lme4 = CASES[name]["job"], CASES[name]["lme4"]
    data = pd.read_csv(HERE / job["file"], dtype={"g": str, "h": str})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.lmer(job["formula"], data, reml=job["reml"])
    assert fit.is_singular == lme4["singular"]
    assert any("boundary (singular) fit" in str(w.message) for w in caught)
    assert fit.loglik >= lme4["loglik"] - 1e-6  # flat: the issue allows 1e-3
    np.testing.assert_allclose(fit.fixef.to_numpy(), list(lme4["fixef"].values()),
                               atol=1e-3 * min(lme4["se"].values()))
    theta = fit.theta.to_numpy()
    assert np.min(theta[np.asarray(fit.problem.theta_map.lower_bounds()) == 0]) == 0.0
