"""glmer_nb's search for the NB size beyond lme4's interval ``log(theta_0) +- 3``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.glmm._nb import MAX_INTERVAL_SHIFTS, _search_log_theta, theta_ml

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


def test_theta_ml_at_its_iteration_limit_warns_as_lme4():
    """lme4 warned "iteration limit reached" (MASS's theta.ml, theta_0 = 257.144)
    on this fit; the warning names the initial size and its level is settable."""
    data = pd.read_csv(FIXTURES / CASE["job"]["file"], dtype={"g": str})
    assert "iteration limit reached" in CASE["lme4"]["emitted"]
    with pytest.warns(mm.ConvergenceWarning, match="theta.ml: iteration limit reached .* theta_0 = 257.1"):
        fit = mm.glmer_nb(CASE["job"]["formula"], data)
    assert any("iteration limit reached" in m for m in fit.optsummary.messages)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = mm.glmer_nb(CASE["job"]["formula"], data, control=mm.GlmerControl(check_nb_start="ignore"))
    assert quiet.loglik == pytest.approx(fit.loglik, abs=1e-9)


# MASS::theta.ml(y, mu, limit = 20 or 3, eps = 1e-4) in R 4.2 (MASS 7.3): 1.45571210618742, and
# 1.45523276977714 with the warning "iteration limit reached"
_Y = np.array([0, 1, 2, 5, 9, 0, 3, 12, 1, 0], dtype=float)
_MU = np.array([2, 2, 3, 3, 4, 4, 2, 5, 1, 1], dtype=float)


def test_theta_ml_matches_mass_and_counts_iterations_as_it_does():
    """MASS tests the count before the step size: with ``limit = 3`` it stops
    after two steps and warns, converged or not."""
    free = theta_ml(_Y, _MU, np.ones(10), limit=20, eps=1e-4)
    assert free.theta == pytest.approx(1.45571210618742, rel=1e-10) and not free.limit_reached
    short = theta_ml(_Y, _MU, np.ones(10), limit=3, eps=1e-4)
    assert short.theta == pytest.approx(1.45523276977714, rel=1e-10) and short.limit_reached


def test_a_negative_start_is_a_clear_error():
    """MASS::theta.ml(c(1, 1, 1), c(4.12, 2.7, 2.77), limit = 2) truncates its
    estimate at 0 (with a warning), where lme4's interval is undefined."""
    with pytest.raises(ValueError, match=r"-0.3455 < 0 .* give glmer_nb an interval"):
        theta_ml(np.array([1.0, 1, 1]), np.array([4.12, 2.7, 2.77]), np.ones(3), limit=2)
