"""R's ``splines::bs`` and ``splines::ns`` as formula transforms.

Both are formulaic stateful transforms: the first call (the training data)
finds the interior knots and the boundary knots and keeps them in the
transform's ``_state``; later calls (new data, ``predict``) reuse them, as
R's ``predict``/``makepredictcall`` do. The values are those of R's
``splines`` package: the B-splines of ``splineDesign`` (Cox-de Boor
recursion, right-continuous, left limit at the upper boundary knot as in
R), ``bs``'s Taylor extrapolation beyond the boundary knots,
``ns``'s linear extrapolation and its LINPACK-QR null-space basis of the
natural-spline constraints. Missing values give rows of NaN (R's NA rows).

The result is a plain ``(n, k)`` array: the formula layer names its columns
``<text>1`` ... ``<text>k``, as R does (``ns(Days, 3)1``, ...).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from formulaic.utils.stateful_transforms import stateful_transform

from mixedmodels._warnings import MixedModelsWarning, user_stacklevel

__all__ = ["OUTSIDE_WARNING", "bs", "ns"]

OUTSIDE_WARNING = "some 'x' values beyond boundary knots may cause ill-conditioned bases"
"""R's warning when ``bs`` extrapolates beyond the boundary knots."""

_PIVOT_SHARE = 0.25
"""R's ``e`` in ``bs``: the Taylor expansion point lies this share of the
way from a boundary knot to its nearest interior knot."""


# ---------------------------------------------------------------- arguments
def _as_vector(x: Any, fun: str) -> np.ndarray:
    """``x`` as a 1-d float array (pandas' missing values as NaN)."""
    try:
        if isinstance(x, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
            v = pd.Series(x).to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            v = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{fun}(x): x must be numeric; got {type(x).__name__}") from None
    v = v.reshape(1) if v.ndim == 0 else v
    if v.ndim != 1:
        raise ValueError(f"{fun}(x): x must be one numeric variable (1-d); got shape {v.shape}")
    return v


def _whole(value: Any, name: str, fun: str, minimum: int, why: str = "") -> int:
    """``value`` as an int; a ValueError naming ``name`` unless it is a whole number >= ``minimum``."""
    try:
        ok = not isinstance(value, (bool, np.bool_)) and float(value).is_integer()
    except (TypeError, ValueError):
        ok = False
    if not ok or value < minimum:
        raise ValueError(f"{fun}(): {name} must be a whole number >= {minimum}{why}; got {value!r}")
    return int(value)


def _flag(value: Any, name: str, fun: str) -> bool:
    """``value`` as R's logical ``TRUE``/``FALSE`` (bool, or 0/1)."""
    if isinstance(value, (bool, np.bool_)) or value in (0, 1):
        return bool(value)
    raise ValueError(f"{fun}(): {name} must be True or False; got {value!r}")


def _numbers(value: Any, name: str, fun: str) -> np.ndarray:
    """Finite numbers given for ``name`` as a 1-d float array."""
    try:
        v = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{fun}(): {name} must be numbers; got {value!r}") from None
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{fun}(): {name} must be finite numbers; got {value!r}")
    return v


def _given_boundary(value: Any, fun: str) -> np.ndarray:
    """Explicit ``Boundary_knots``: two distinct finite numbers, sorted (R sorts them)."""
    b = np.sort(_numbers(value, "Boundary_knots", fun))
    if b.size != 2 or b[0] == b[1]:
        raise ValueError(f"{fun}(): Boundary_knots must be two different numbers; got {value!r}")
    return b


def _default_boundary(x_ok: np.ndarray, fun: str) -> np.ndarray:
    """R's default ``range(x)`` (``ns`` of a single value: ``x * c(7, 9)/8``, in that order)."""
    if x_ok.size == 0:
        raise ValueError(f"{fun}(x): x has no non-missing values")
    if fun == "ns" and x_ok.size == 1:
        b = x_ok[0] * np.array([7.0, 9.0]) / 8
    else:
        b = np.array([x_ok.min(), x_ok.max()])
    if not np.all(np.isfinite(b)) or b[0] == b[1]:
        raise ValueError(f"{fun}(x): the range of x, {b.tolist()}, cannot be the boundary knots "
                         "(all x equal, or infinite); give Boundary_knots")
    return b


# -------------------------------------------------------------------- knots
def _r_quantile(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """R's ``quantile(x, probs, type = 7)``, with R's arithmetic."""
    xs = np.sort(x)
    index = 1 + (xs.size - 1) * probs
    lo = np.floor(index).astype(np.int64)
    hi = np.ceil(index).astype(np.int64)
    qs = xs[lo - 1]
    h = index - lo
    blend = (index > lo) & (xs[hi - 1] != qs)
    return np.where(blend, (1 - h) * qs + h * xs[hi - 1], qs)


def _quantile_knots(x_ok: np.ndarray, boundary: np.ndarray, n_knots: int, fun: str) -> np.ndarray:
    """``n_knots`` interior knots at R's quantiles of the ``x`` inside the boundary knots."""
    if n_knots == 0:
        return np.empty(0)
    lo, hi = np.sort(boundary)
    inside = x_ok[(x_ok >= lo) & (x_ok <= hi)]
    if inside.size == 0:
        raise ValueError(f"{fun}(): no x values inside Boundary_knots [{lo}, {hi}] to place the df knots")
    probs = np.arange(1, n_knots + 1) * (1.0 / (n_knots + 1))  # seq(0, 1, length = n + 2)[-c(1, n + 2)]
    return _r_quantile(inside, probs)


def _given_knots(value: Any, boundary: np.ndarray, fun: str) -> np.ndarray:
    """Explicit interior ``knots``: finite and within the boundary knots."""
    k = _numbers(value, "knots", fun)
    lo, hi = np.sort(boundary)
    if np.any((k < lo) | (k > hi)):
        raise ValueError(f"{fun}(): knots must lie within the boundary knots [{lo}, {hi}]; "
                         f"got {k.tolist()}")
    return k


def _check_ns_knots(interior: np.ndarray, boundary: np.ndarray) -> None:
    """``ns`` needs its interior knots below the upper boundary knot (R's
    ``ns`` fails there: its constraints are NaN)."""
    hi = max(boundary)
    if interior.size and interior.max() >= hi:
        raise ValueError(f"ns(): knots must lie below the upper boundary knot {hi}; got "
                         f"{interior.tolist()} (with df: x has too many ties at its maximum; "
                         "use a smaller df or give knots)")


def _first_state(v: np.ndarray, fun: str, df: Any, knots: Any, n_fixed: tuple[int, str],
                 Boundary_knots: Any) -> dict:
    """Knots and boundary knots of the training ``x``; ``n_fixed`` is the
    number of basis columns without interior knots (``df`` must reach it)
    and how it is made up."""
    x_ok = v[~np.isnan(v)]
    boundary = (_given_boundary(Boundary_knots, fun) if Boundary_knots is not None
                else _default_boundary(x_ok, fun))
    if knots is not None:
        interior = _given_knots(knots, boundary, fun)
    elif df is not None:
        n_knots = _whole(df, "df", fun, n_fixed[0], f" ({n_fixed[1]})") - n_fixed[0]
        interior = _quantile_knots(x_ok, boundary, n_knots, fun)
    else:
        interior = np.empty(0)
    if fun == "ns":
        _check_ns_knots(interior, boundary)
    return {"knots": interior.tolist(), "Boundary_knots": boundary.tolist()}


# ------------------------------------------------------------------ B-splines
def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, 0 where ``den`` is 0 (the recursion's 0/0 := 0 for empty knot spans)."""
    shape = np.broadcast_shapes(np.shape(num), np.shape(den))
    return np.divide(num, den, out=np.zeros(shape), where=np.broadcast_to(den != 0, shape))


def _interval(aknots: np.ndarray, x: np.ndarray, order: int) -> np.ndarray:
    """Index ``l`` of the knot span ``[t_l, t_l+1)`` of each ``x`` (right-continuous,
    as R's ``splineDesign``); ``x`` at the upper boundary knot takes the last
    non-empty span, so the basis there is its left limit, as in R."""
    upper = aknots[aknots.size - order]
    last = np.searchsorted(aknots, upper, side="left") - 1
    return np.where(x >= upper, last, np.searchsorted(aknots, x, side="right") - 1)


def _raise_order(aknots: np.ndarray, x: np.ndarray, b: np.ndarray, m: int) -> np.ndarray:
    """Cox-de Boor step: the B-splines of order ``m`` from those of order ``m - 1``."""
    i = np.arange(aknots.size - m)
    left = _ratio(x[:, None] - aknots[i], aknots[i + m - 1] - aknots[i])
    right = _ratio(aknots[i + m] - x[:, None], aknots[i + m] - aknots[i + 1])
    return left * b[:, :-1] + right * b[:, 1:]


def _differentiate(aknots: np.ndarray, b: np.ndarray, m: int) -> np.ndarray:
    """Derivative step: ``d/dx`` of the order-``m`` B-splines from ``b``, order ``m - 1``."""
    i = np.arange(aknots.size - m)
    return (m - 1) * (_ratio(b[:, :-1], aknots[i + m - 1] - aknots[i])
                      - _ratio(b[:, 1:], aknots[i + m] - aknots[i + 1]))


def _spline_design(aknots: np.ndarray, x: np.ndarray, order: int, deriv: int = 0) -> np.ndarray:
    """R's ``splineDesign(aknots, x, order, deriv)`` for ``x`` within the
    boundary knots: the ``deriv``-th derivative of every B-spline of order
    ``order`` (Cox-de Boor recursion, then de Boor's derivative formula)."""
    x = np.asarray(x, dtype=np.float64)
    b = np.zeros((x.size, aknots.size - 1))
    b[np.arange(x.size), _interval(aknots, x, order)] = 1.0
    for m in range(2, order - deriv + 1):
        b = _raise_order(aknots, x, b, m)
    for m in range(order - deriv + 1, order + 1):
        b = _differentiate(aknots, b, m)
    return b


def _all_knots(interior: np.ndarray, boundary: np.ndarray, order: int) -> np.ndarray:
    """R's ``Aknots``: the boundary knots ``order`` times each, and the interior ones, sorted."""
    return np.sort(np.concatenate([np.repeat(boundary, order), interior]))


def _taylor(aknots: np.ndarray, x: np.ndarray, order: int, pivot: float) -> np.ndarray:
    """``bs`` beyond a boundary: the basis' Taylor polynomial (degree ``order - 1``) at ``pivot``."""
    at = np.array([pivot])
    coefs = np.vstack([_spline_design(aknots, at, order, d) / math.factorial(d) for d in range(order)])
    return ((x - pivot)[:, None] ** np.arange(order)) @ coefs


def _linear(aknots: np.ndarray, x: np.ndarray, pivot: float) -> np.ndarray:
    """``ns`` beyond a boundary: the cubic basis' tangent line at the boundary knot ``pivot``."""
    at = np.array([pivot])
    return _spline_design(aknots, at, 4) + (x - pivot)[:, None] * _spline_design(aknots, at, 4, 1)


def _outside(x: np.ndarray, boundary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the ``x`` below and above the boundary knots."""
    lo, hi = np.sort(boundary)
    return x < lo, x > hi


def _bs_basis(x: np.ndarray, interior: np.ndarray, boundary: np.ndarray, degree: int,
              intercept: bool) -> np.ndarray:
    """R's ``bs`` basis of the non-missing ``x``."""
    order = degree + 1
    aknots = _all_knots(interior, boundary, order)
    left, right = _outside(x, boundary)
    basis = np.zeros((x.size, aknots.size - order))
    basis[~(left | right)] = _spline_design(aknots, x[~(left | right)], order)
    if left.any() or right.any():
        warnings.warn(OUTSIDE_WARNING, MixedModelsWarning, stacklevel=user_stacklevel())
        lo, hi = np.sort(boundary)
        share = _PIVOT_SHARE
        basis[left] = _taylor(aknots, x[left], order, (1 - share) * lo + share * aknots[order])
        basis[right] = _taylor(aknots, x[right], order, (1 - share) * hi + share * aknots[-order - 1])
    return basis if intercept else basis[:, 1:]


# ------------------------------------------------------------ natural splines
def _householders(a: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Householder vectors of LINPACK's ``dqrdc2`` (R's ``qr``) for ``a``
    (m x p, m > p, full column rank: ``ns``'s constraints)."""
    a = np.array(a, dtype=np.float64)
    out = []
    for col in range(min(a.shape[0] - 1, a.shape[1])):
        norm = float(np.sqrt(a[col:, col] @ a[col:, col]))
        if norm == 0.0:
            continue
        norm = math.copysign(norm, a[col, col]) if a[col, col] != 0 else norm
        v = a[col:, col] * (1.0 / norm)
        v[0] += 1.0
        for j in range(col + 1, a.shape[1]):
            a[col:, j] += -(v @ a[col:, j]) / v[0] * v
        out.append((col, v))
    return out


def _null_space_columns(basis: np.ndarray, constraints: np.ndarray) -> np.ndarray:
    """R's ``t(qr.qty(qr(t(const)), t(basis)))[, -(1:2)]``: the basis in
    the coordinates of Q, without the columns of the constraints."""
    out = np.array(basis, dtype=np.float64)
    for col, v in _householders(constraints.T):
        t = -(out[:, col:] @ v) / v[0]
        out[:, col:] += np.outer(t, v)
    return out[:, constraints.shape[0]:]


def _ns_basis(x: np.ndarray, interior: np.ndarray, boundary: np.ndarray, intercept: bool) -> np.ndarray:
    """R's ``ns`` basis of the non-missing ``x``; ``boundary`` in R's order
    (it orders the rows of the constraints)."""
    aknots = _all_knots(interior, boundary, 4)
    left, right = _outside(x, boundary)
    basis = np.zeros((x.size, aknots.size - 4))
    basis[~(left | right)] = _spline_design(aknots, x[~(left | right)], 4)
    lo, hi = np.sort(boundary)
    basis[left] = _linear(aknots, x[left], lo)
    basis[right] = _linear(aknots, x[right], hi)
    constraints = _spline_design(aknots, boundary, 4, 2)
    first = 0 if intercept else 1
    return _null_space_columns(basis[:, first:], constraints[:, first:])


def _with_missing(basis: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Rows of ``basis`` at the ``ok`` positions, rows of NaN elsewhere."""
    out = np.full((ok.size, basis.shape[1]), np.nan)
    out[ok] = basis
    return out


# ------------------------------------------------------------------ transforms
@stateful_transform
def bs(x: Any, df: int | None = None, knots: Any = None, degree: int = 3, intercept: bool = False,
       Boundary_knots: Any = None, _state: dict | None = None) -> np.ndarray:
    """R's ``splines::bs``: B-spline basis for a polynomial spline.

    Parameters
    ----------
    x : array-like
        The predictor; NaN gives a row of NaN and is ignored for the knots.
    df : int, optional
        Degrees of freedom (columns): ``df - degree - intercept`` interior
        knots at R's (type 7) quantiles of the non-missing ``x`` inside the
        boundary knots. Ignored when ``knots`` is given.
    knots : array-like, optional
        The interior knots, within the boundary knots.
    degree : int
        Degree of the piecewise polynomial (3: cubic), at least 1.
    intercept : bool
        Keep the first basis column (R's ``intercept = TRUE``).
    Boundary_knots : array-like of 2, optional
        R's ``Boundary.knots``; the range of ``x`` by default. ``x`` beyond
        them gets R's Taylor extrapolation, with R's warning.
    _state : dict, optional
        The transform's state (formulaic's): the knots found on the first
        call, reused for new data.

    Returns
    -------
    numpy.ndarray
        The ``(n, df)`` basis (``len(knots) + degree + intercept`` columns).
    """
    state = {} if _state is None else _state
    v = _as_vector(x, "bs")
    if not state:
        deg = _whole(degree, "degree", "bs", 1)
        icpt = _flag(intercept, "intercept", "bs")
        state.update(_first_state(v, "bs", df, knots, (deg + icpt, "degree + intercept"), Boundary_knots),
                     degree=deg, intercept=icpt)
    ok = ~np.isnan(v)
    basis = _bs_basis(v[ok], np.asarray(state["knots"]), np.asarray(state["Boundary_knots"]),
                      state["degree"], state["intercept"])
    return _with_missing(basis, ok)


@stateful_transform
def ns(x: Any, df: int | None = None, knots: Any = None, intercept: bool = False,
       Boundary_knots: Any = None, _state: dict | None = None) -> np.ndarray:
    """R's ``splines::ns``: B-spline basis for a natural cubic spline.

    Cubic B-splines constrained to a zero second derivative at the boundary
    knots (R's construction: the null space of the constraints from the QR
    decomposition of their transpose), linear beyond the boundary knots.

    Parameters
    ----------
    x : array-like
        The predictor; NaN gives a row of NaN and is ignored for the knots.
    df : int, optional
        Degrees of freedom (columns): ``df - 1 - intercept`` interior knots
        at R's (type 7) quantiles of the non-missing ``x`` inside the
        boundary knots. Ignored when ``knots`` is given.
    knots : array-like, optional
        The interior knots, within the boundary knots.
    intercept : bool
        Keep the intercept in the basis (R's ``intercept = TRUE``).
    Boundary_knots : array-like of 2, optional
        R's ``Boundary.knots``; the range of ``x`` by default.
    _state : dict, optional
        The transform's state (formulaic's): the knots found on the first
        call, reused for new data.

    Returns
    -------
    numpy.ndarray
        The ``(n, df)`` basis (``len(knots) + 1 + intercept`` columns).
    """
    state = {} if _state is None else _state
    v = _as_vector(x, "ns")
    boundary = None
    if not state:
        icpt = _flag(intercept, "intercept", "ns")
        state.update(_first_state(v, "ns", df, knots, (1 + icpt, "1 + intercept"), Boundary_knots),
                     intercept=icpt)
        boundary = np.asarray(state["Boundary_knots"])  # R's order on this call (new data: sorted)
    if boundary is None:
        boundary = np.sort(state["Boundary_knots"])
    ok = ~np.isnan(v)
    basis = _ns_basis(v[ok], np.asarray(state["knots"]), boundary, state["intercept"])
    return _with_missing(basis, ok)
