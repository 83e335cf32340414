"""``bs``/``ns`` against R's ``splines::bs``/``splines::ns``
(``tools/refs/make_refs_splines.R`` -> ``reference_extra/splines.json``).

Each case: the basis on the training x (knots from ``df`` at R's quantiles,
or given; boundary knots the range or given; ties; NA), then the same
transform state on new x inside and outside the training range, as R's
``predict(basis, newx)``. Tolerance: ``ATOL = 1e-10`` absolute on every
basis value and knot (the measured differences are below 4e-14: the
fixture's 15 significant digits and floating-point order); NA rows exactly
where R has them; R's warning exactly when R warns.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.formula import build_model_frame
from mixedmodels.formula._splines import OUTSIDE_WARNING, bs, ns
from tests.conftest import reference

ATOL = 1e-10
CASES = reference("splines")["cases"]
FUNS = {"bs": bs, "ns": ns}


def _floats(values: list) -> np.ndarray:
    """JSON numbers (null for R's NA) as floats (NaN)."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _matrix(rows: list[list]) -> np.ndarray:
    return np.vstack([_floats(r) for r in rows])


def _call(case: dict, x: np.ndarray, state: dict) -> tuple[np.ndarray, list[str]]:
    """The case's transform on ``x`` with ``state``, and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        basis = FUNS[case["fun"]](x, **case["args"], _state=state)
    return basis, [str(w.message) for w in caught]


def _assert_matches(ours: np.ndarray, r: np.ndarray) -> None:
    assert ours.shape == r.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(r))
    np.testing.assert_allclose(ours, r, rtol=0, atol=ATOL)


@pytest.fixture(params=sorted(CASES))
def case(request) -> dict:
    return CASES[request.param]


def test_training_basis_matches_r(case):
    state: dict = {}
    basis, warned = _call(case, _floats(case["x"]), state)
    _assert_matches(basis, _matrix(case["basis"]))
    assert basis.shape[1] == len(case["colnames"])
    np.testing.assert_allclose(state["knots"], case["knots"], rtol=0, atol=ATOL)
    assert len(state["knots"]) == len(case["knots"])
    np.testing.assert_allclose(state["Boundary_knots"], case["Boundary_knots"], rtol=0, atol=ATOL)
    assert warned == case["warnings"]


def test_new_data_uses_the_training_knots_as_r_predict(case):
    state: dict = {}
    _call(case, _floats(case["x"]), state)
    knots = dict(state)
    basis, warned = _call(case, _floats(case["newx"]), state)
    assert state == knots  # new data never move the knots
    _assert_matches(basis, _matrix(case["predict"]))
    assert warned == case["predict_warnings"]


@pytest.mark.parametrize("name", [n for n in sorted(CASES) if CASES[n]["knots"]])
def test_tolerance_detects_a_moved_knot(name):
    """The comparison above fails if a knot is off by 1e-6 of the range of x
    (moved inwards: some knots are at a boundary knot)."""
    case = CASES[name]
    state: dict = {}
    _call(case, _floats(case["x"]), state)
    low, high = case["Boundary_knots"]
    first = state["knots"][0]
    state["knots"][0] = first + 1e-6 * (high - low) * (1 if first < (low + high) / 2 else -1)
    basis, _ = _call(case, _floats(case["x"]), state)
    assert np.nanmax(np.abs(basis - _matrix(case["basis"]))) > 100 * ATOL


def test_missing_values_give_missing_rows_and_do_not_move_the_knots():
    x = pd.Series([0.5, None, 2.0, 3.5, 1.0, 4.0, 2.5], dtype="Float64")  # pandas' NA
    state: dict = {}
    basis = ns(x, df=3, _state=state)
    assert np.isnan(basis[1]).all() and not np.isnan(np.delete(basis, 1, axis=0)).any()
    np.testing.assert_allclose(basis[[0, 2, 3, 4, 5, 6]], ns(x.dropna().to_numpy(float), df=3), atol=ATOL)


def test_formula_names_and_new_data_as_r():
    """``Reaction ~ ns(Days, df = 4)``: R's column names ``ns(Days, df = 4)1``..,
    R's basis, and the training knots on new data."""
    sleep = mm.datasets.load("sleepstudy")
    case = CASES["ns_df4_days"]
    np.testing.assert_array_equal(sleep["Days"].to_numpy(float), case["x"])
    mf = build_model_frame("Reaction ~ ns(Days, df = 4) + (1 | Subject)", sleep)
    assert mf.fixef_names == ["(Intercept)"] + [f"ns(Days, df = 4){j}" for j in case["colnames"]]
    _assert_matches(mf.X[:, 1:], _matrix(case["basis"]))
    newx = _floats(case["newx"])
    keep = ~np.isnan(newx)
    new = pd.DataFrame({"Days": newx[keep], "Subject": sleep["Subject"].iloc[: keep.sum()].to_numpy()})
    _assert_matches(mf.spec.fixed_matrix(new)[:, 1:], _matrix(case["predict"])[keep])


def test_bs_warns_with_rs_text_beyond_the_boundary_knots():
    with pytest.warns(UserWarning, match="some 'x' values beyond boundary knots"):
        bs(np.array([0.0, 1.0, 5.0]), df=4, Boundary_knots=[0, 2])
    assert OUTSIDE_WARNING == "some 'x' values beyond boundary knots may cause ill-conditioned bases"


X = np.arange(10.0)


@pytest.mark.parametrize(("call", "names"), [
    (lambda: bs(X, df=2), "df"),  # fewer than degree
    (lambda: bs(X, df=3, intercept=True), "df"),  # fewer than degree + intercept
    (lambda: bs(X, df=4.5), "df"),
    (lambda: ns(X, df=0), "df"),
    (lambda: ns(X, df=1, intercept=True), "df"),
    (lambda: bs(X, degree=0), "degree"),
    (lambda: bs(X, degree=2.5), "degree"),
    (lambda: bs(X, knots=[3, 12]), "knots"),
    (lambda: ns(X, knots=[-1, 3]), "knots"),
    (lambda: ns(X, knots=[3, 9]), "knots"),  # at the upper boundary: R's ns fails
    (lambda: ns(np.r_[X, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9], df=4), "knots"),  # quantile knots at the maximum
    (lambda: bs(X, knots=[2, np.nan]), "knots"),
    (lambda: bs(X, Boundary_knots=[0, 5, 9]), "Boundary_knots"),
    (lambda: ns(X, Boundary_knots=[3, 3]), "Boundary_knots"),
    (lambda: bs(X, Boundary_knots=[0, np.inf]), "Boundary_knots"),
    (lambda: bs(X, df=4, Boundary_knots=[20, 30]), "Boundary_knots"),  # no x inside for the knots
    (lambda: bs(X, intercept="yes"), "intercept"),
    (lambda: bs(np.full(5, np.nan), df=4), "non-missing"),
    (lambda: ns(np.full(5, 2.0)), "range of x"),
    (lambda: bs(np.array(["a", "b"])), "numeric"),
    (lambda: ns(np.ones((3, 2))), "1-d"),
])
def test_bad_arguments_raise_value_errors_naming_them(call, names):
    with pytest.raises(ValueError, match=names):
        call()


def test_boundary_knots_are_sorted_and_outside_x_extrapolated_as_r():
    """``Boundary_knots`` in either order (R sorts them): the same basis."""
    days = _floats(CASES["ns_boundary_wide_days"]["x"])
    a = ns(days, df=3, Boundary_knots=[-1, 10])
    b = ns(days, df=3, Boundary_knots=[10, -1])
    np.testing.assert_array_equal(a, b)
    _assert_matches(a, _matrix(CASES["ns_boundary_wide_days"]["basis"]))
