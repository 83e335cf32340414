"""A search that stops on the ridge of a vector term's correlation in a model
with 10,000 or more observations, where lme4 (>= 1.1-38) takes no
derivative checks: the restart reads the derivatives anyway (an evaluation
costs the same at any number of rows) and reaches the optimum, while the fit
gives no convergence warnings, as lme4 gives none there."""

import json
import warnings
from pathlib import Path

import pandas as pd

import mixedmodels as mm

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lme4_diff"
CASE = json.loads((FIXTURES / "big_slope_ridge.json").read_text())


def test_ridge_above_lme4s_observation_limit_is_restarted():
    data = pd.read_csv(FIXTURES / CASE["file"])
    for column in "gh":
        data[column] = data[column].astype("category")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.lmer(CASE["formula"], data, reml=CASE["reml"])
    assert fit.nobs >= mm.Control().check_conv_nobsmax
    # the search alone stopped at -21432.59479, 0.0013 below the optimum (above lme4's stop)
    assert fit.loglik >= CASE["optimum_loglik"] - 1e-5
    assert fit.loglik >= CASE["lme4_loglik"]
    assert any(m.startswith("convergence checks failed where the search stopped: restarted")
               for m in fit.optsummary.messages)
    assert not [w for w in caught if issubclass(w.category, mm.ConvergenceWarning)]
