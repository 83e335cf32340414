"""glmer_nb's search for the NB size beyond lme4's interval ``log(theta_0) +- 3``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.glmm._nb import MAX_INTERVAL_SHIFTS, _search_log_theta

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
    higher. We go on below the interval, to the optimum near 6.46."""
    fit = _fit()
    assert any("below the search interval" in m for m in fit.optsummary.messages)
    assert 6.0 < fit.family.theta < 7.0
    assert fit.loglik > CASE["lme4_at_nb_theta_8"]["loglik"] + 0.05
    assert fit.loglik > CASE["lme4"]["loglik"] + 0.7
    at_optimum = mm.glmer(CASE["job"]["formula"], pd.read_csv(FIXTURES / CASE["job"]["file"], dtype={"g": str}),
                          family=mm.families.NegativeBinomial(theta=fit.family.theta))
    assert fit.loglik == pytest.approx(at_optimum.loglik, abs=1e-6)


def test_a_users_interval_is_kept():
    fit = _fit(interval=(np.log(257.144) - 3, np.log(257.144) + 3))
    assert fit.family.theta == pytest.approx(CASE["lme4"]["nb_theta"], rel=2e-3)  # lme4's end of the interval
    assert not any("search interval" in m for m in fit.optsummary.messages)


def _quadratic(minimum):
    return lambda t: (t - minimum) ** 2


@pytest.mark.parametrize(("minimum", "moves"), [(0.3, 0), (-2.5, 1), (-6.5, 2), (-1 - 3e-6, 1), (-1 + 3e-6, 0)])
def test_search_moves_down_by_whole_widths_while_the_minimum_is_at_the_lower_end(minimum, moves):
    """Within an interval, at an end or just past it (-1 -+ 3e-6: the next
    interval down, never back up)."""
    found = _search_log_theta(_quadratic(minimum), -1.0, 2.0, 1e-6, fixed=False)
    assert found.log_theta == pytest.approx(minimum, abs=1e-4) and found.moves == moves and not found.at_end


def test_an_optimum_above_the_interval_stays_at_its_upper_end_as_lme4s():
    """No overdispersion: the NB deviance falls towards theta = infinity,
    where its differences are rounding; lme4 returns the upper end."""
    found = _search_log_theta(_quadratic(9.0), -1.0, 2.0, 1e-6, fixed=False)
    assert found.log_theta == pytest.approx(2.0, abs=1e-4) and found.moves == 0


def test_a_search_still_at_the_lower_end_after_the_last_move_says_so():
    found = _search_log_theta(lambda t: t, -1.0, 2.0, 1e-6, fixed=False)  # decreasing without end
    assert found.moves == MAX_INTERVAL_SHIFTS and found.at_end
    assert found.log_theta == pytest.approx(-1.0 - 3.0 * MAX_INTERVAL_SHIFTS, abs=1e-4)


def test_a_users_interval_is_searched_alone():
    found = _search_log_theta(_quadratic(-2.5), -1.0, 2.0, 1e-6, fixed=True)
    assert found.moves == 0 and not found.at_end and found.log_theta == pytest.approx(-1.0, abs=1e-4)
