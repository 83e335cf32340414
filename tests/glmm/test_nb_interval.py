"""glmer_nb's search for the NB size beyond lme4's interval ``log(theta_0) +- 3``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.glmm._nb import _search_log_theta

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lme4_diff"
CASE = json.loads((FIXTURES / "nb_interval.json").read_text())["seed14/nb_003"]


def _fit(**kwargs):
    data = pd.read_csv(FIXTURES / CASE["job"]["file"], dtype={"g": str})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mm.glmer_nb(CASE["job"]["formula"], data, **kwargs)


def test_the_search_leaves_an_interval_whose_end_is_its_optimum():
    """``tools/lme4_diff`` seed 14: theta_0 = 257 from the Poisson fit's means
    (MASS's theta.ml at its iteration limit), so lme4's interval starts at
    12.8, where lme4 ends (theta 12.79); its own glmer at theta = 8 is 0.68
    higher. We go on below the interval, to the optimum near 6.5."""
    fit = _fit()
    assert any("left its interval" in m for m in fit.optsummary.messages)
    assert 6.0 < fit.family.theta < 7.0
    assert fit.loglik > CASE["lme4_at_nb_theta_8"]["loglik"] + 0.05
    assert fit.loglik > CASE["lme4"]["loglik"] + 0.7
    at_optimum = mm.glmer(CASE["job"]["formula"], pd.read_csv(FIXTURES / CASE["job"]["file"], dtype={"g": str}),
                          family=mm.families.NegativeBinomial(theta=fit.family.theta))
    assert fit.loglik == pytest.approx(at_optimum.loglik, abs=1e-6)


def test_a_users_interval_is_kept():
    fit = _fit(interval=(np.log(257.144) - 3, np.log(257.144) + 3))
    assert fit.family.theta == pytest.approx(CASE["lme4"]["nb_theta"], rel=2e-3)  # lme4's end of the interval
    assert not any("left its interval" in m for m in fit.optsummary.messages)


@pytest.mark.parametrize(("minimum", "shifts"), [(0.3, 0), (-2.5, 1), (7.9, 2)])
def test_search_moves_by_whole_widths_while_the_minimum_is_at_an_end(minimum, shifts):
    x, moved = _search_log_theta(lambda t: (t - minimum) ** 2, -1.0, 2.0, 1e-6, fixed=False)
    assert x == pytest.approx(minimum, abs=1e-4) and moved == shifts
    x, moved = _search_log_theta(lambda t: (t - minimum) ** 2, -1.0, 2.0, 1e-6, fixed=True)
    assert moved == 0 and -1.0 <= x <= 2.0
