"""``minimize`` and its ``OptSummary``: bounds, return codes."""

import numpy as np
import pytest

from mixedmodels.core import OptSummary, minimize


def quadratic(x):
    return float(np.sum((x - np.array([2.0, -3.0])) ** 2))


@pytest.mark.parametrize("method", ["bobyqa", "scipy-lbfgsb"])
def test_upper_bounds_are_optional_and_respected(method):
    free = minimize(quadratic, OptSummary(method, np.zeros(2), np.full(2, -10.0)))
    np.testing.assert_allclose(free.final, [2.0, -3.0], atol=1e-4)
    capped = minimize(quadratic, OptSummary(method, np.zeros(2), np.full(2, -10.0), upper=np.array([1.0, np.inf])))
    np.testing.assert_allclose(capped.final, [1.0, -3.0], atol=1e-4)
    assert not capped.failed


def test_start_outside_the_box_is_moved_in():
    out = minimize(quadratic, OptSummary("bobyqa", np.array([5.0, 5.0]), np.zeros(2), upper=np.ones(2)))
    assert np.all(out.final >= 0.0) and np.all(out.final <= 1.0)


def test_giving_up_is_recorded_and_the_best_point_kept():
    out = minimize(quadratic, OptSummary("bobyqa", np.zeros(2), np.full(2, -10.0), maxeval=4))
    assert out.return_code == "MAXEVAL_REACHED" and out.failed
    assert out.fmin <= quadratic(np.zeros(2))
