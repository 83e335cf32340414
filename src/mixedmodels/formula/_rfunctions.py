"""R's base functions that formulas call: conversions (``as.factor``,
``as.numeric``, ...), factor helpers (``relevel``, ``ordered``, ``cut``) and
elementwise arithmetic (``pmin``, ``pmax``, ``round``, ``ifelse``, ...), with
R's semantics where they differ from numpy's (a factor's ``as.numeric`` is
its level codes, ``relevel`` takes a level or a position, ``cut``'s labels).

``cut`` keeps its breaks for new data (a stateful transform), so a
prediction puts new values in the training intervals; R recomputes a
number of breaks from the new values instead.
"""

from __future__ import annotations

import warnings
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from formulaic.utils.stateful_transforms import stateful_transform

from mixedmodels._warnings import MixedModelsWarning, user_stacklevel
from mixedmodels.formula._errors import FormulaError
from mixedmodels.formula._values import as_value, in_time_unit, r_label

__all__ = ["R_FUNCTIONS", "factor"]


def factor(x: Any, levels: Any = None, ordered: bool = False) -> pd.Categorical:
    """R's ``factor(x, levels)``: ``x`` as a categorical with its own
    categories, ``levels``, or its sorted distinct values."""
    if levels is None and isinstance(getattr(x, "dtype", None), pd.CategoricalDtype):
        return pd.Categorical(x, ordered=ordered or bool(x.dtype.ordered))
    values = pd.Series(np.asarray(x, dtype=object) if not hasattr(x, "dtype") else x)
    if levels is None:
        levels = sorted(values.dropna().unique().tolist())
    return pd.Categorical(values, categories=list(levels), ordered=ordered)


def ordered(x: Any, levels: Any = None) -> pd.Categorical:
    """R's ``ordered(x, levels)``: an ordered factor (polynomial contrasts)."""
    return factor(x, levels, ordered=True)


def relevel(x: Any, ref: Any) -> pd.Categorical:
    """R's ``relevel(x, ref)``: the level ``ref`` (a label, or a 1-based
    position given as a number) first, the others in their order."""
    cat = factor(x)
    if cat.ordered:
        raise FormulaError("relevel() is only for unordered factors (R's rule); use factor(x, levels = c(...))")
    levels = list(cat.categories)
    labels = [r_label(v) for v in levels]
    if isinstance(ref, str):
        if ref not in labels:
            raise FormulaError(f"relevel(): 'ref' must be an existing level; {ref!r} is not one of {labels}")
        position = labels.index(ref)
    elif isinstance(ref, (int, float, np.integer, np.floating)) and float(ref).is_integer() and 1 <= ref <= len(levels):
        position = int(ref) - 1
    else:
        raise FormulaError(f"relevel(): ref must be a level of {labels} or a position 1..{len(levels)}; got {ref!r}")
    return cat.reorder_categories([levels[position]] + levels[:position] + levels[position + 1:])


def as_numeric(x: Any) -> np.ndarray:
    """R's ``as.numeric``: a factor gives its level codes (1, 2, ...), text
    that is not a number NA (with R's warning)."""
    if pd.api.types.is_datetime64_any_dtype(getattr(x, "dtype", None)):
        return as_value(x, len(x)).values[:, 0]  # R's numbers of a Date (days) or POSIXct (seconds)
    if isinstance(getattr(x, "dtype", None), pd.CategoricalDtype):
        codes = np.asarray(pd.Categorical(x).codes, dtype=np.float64) + 1.0
        codes[codes == 0] = np.nan
        return codes
    series = pd.Series(x)
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    out = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(out).sum() > series.isna().sum():
        warnings.warn("as.numeric(): NAs introduced by coercion", MixedModelsWarning, stacklevel=user_stacklevel())
    return out


@stateful_transform
def as_numeric_in_formula(x: Any, _state: dict = {}) -> np.ndarray:  # noqa: B006 - formulaic's state
    """:func:`as_numeric` in a formula: dates and times count in the unit of
    the training data for new data too (days, or seconds)."""
    if pd.api.types.is_datetime64_any_dtype(getattr(x, "dtype", None)):
        value = as_value(x, len(x))
        return in_time_unit(value, _state.setdefault("time_unit", value.time_unit)).values[:, 0]
    return as_numeric(x)


def as_integer(x: Any) -> np.ndarray:
    """R's ``as.integer``: :func:`as_numeric`, truncated towards zero."""
    return np.trunc(as_numeric(x))


def as_character(x: Any) -> pd.Series:
    """R's ``as.character``: text (R's labels of numbers: ``5``, not ``5.0``),
    which a model frame makes a factor with sorted levels."""
    series = pd.Series(x)
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    return series.map(lambda v: v if pd.isna(v) else r_label(v)).astype(object)


def as_logical(x: Any) -> pd.Series:
    """R's ``as.logical`` of numbers (non-zero is TRUE) or booleans; NA stays NA
    (a logical variable: a factor with levels FALSE, TRUE in a model)."""
    values = as_numeric(x)
    return pd.Series(pd.array(values != 0, dtype="boolean")).mask(np.isnan(values))


def combine(*values: Any) -> Any:
    """R's ``c(...)``: scalars joined into a list (e.g. the ``levels`` of
    ``factor``); a single vector (``c(x)``) is itself."""
    if len(values) == 1 and np.ndim(values[0]) == 1:
        return values[0]
    if any(np.ndim(value) > 0 and not isinstance(value, (list, tuple)) for value in values):
        raise FormulaError("c() joins scalars (e.g. levels = c(3, 1, 2)); joining variables is not supported")
    return [v for value in values for v in (value if isinstance(value, (list, tuple)) else [value])]


def ifelse(test: Any, yes: Any, no: Any) -> np.ndarray:
    """R's ``ifelse``: ``yes`` where ``test`` is true, ``no`` where false, NA where NA."""
    t = pd.Series(test).to_numpy(dtype=np.float64, na_value=np.nan)
    n = t.size
    if isinstance(yes, str) or isinstance(no, str):  # text: a factor in the model
        out = np.where(t != 0, np.broadcast_to(np.asarray(yes, dtype=object), n),
                       np.broadcast_to(np.asarray(no, dtype=object), n)).astype(object)
        out[np.isnan(t)] = None
        return pd.Series(out, dtype=object)
    out = np.where(t != 0, np.broadcast_to(np.asarray(yes, dtype=np.float64), n),
                   np.broadcast_to(np.asarray(no, dtype=np.float64), n))
    out[np.isnan(t)] = np.nan
    return out


def _numbers(x: Any) -> np.ndarray:
    return pd.Series(x).to_numpy(dtype=np.float64, na_value=np.nan) if np.ndim(x) else np.float64(x)


def pmin(*values: Any) -> np.ndarray:
    """R's ``pmin``: the elementwise minimum (NA if any is NA)."""
    return np.minimum.reduce(np.broadcast_arrays(*[_numbers(v) for v in values]))


def pmax(*values: Any) -> np.ndarray:
    """R's ``pmax``: the elementwise maximum (NA if any is NA)."""
    return np.maximum.reduce(np.broadcast_arrays(*[_numbers(v) for v in values]))


def r_round(x: Any, digits: int = 0) -> np.ndarray:
    """R's (>= 4.0) ``round(x, digits)``: of the two neighbours with ``digits``
    decimals, the one nearer the value as stored (``round(0.15, 1)`` is 0.1:
    0.15 is stored as 0.1499...), the even one when both are as near;
    ``digits <= 0`` rounds halves to even."""
    v, digits = _numbers(x), int(digits)
    if digits <= 0:
        return np.round(v, digits)
    p = 10.0**digits
    sign, a = np.sign(v), np.abs(v)
    low = np.floor(a * p)
    down, up = low / p, np.ceil(a * p) / p
    dd, du = a - down, up - a
    pick_up = (du < dd) | ((du == dd) & (np.fmod(low, 2.0) == 1.0))
    return sign * np.where(pick_up, up, down)


def _breaks(v: np.ndarray, breaks: Any) -> np.ndarray:
    """R's ``cut`` breaks: a number of intervals over the range, widened by
    a thousandth of it at both ends, or the sorted values given."""
    if np.ndim(breaks) == 0:
        nb = int(breaks)
        if nb < 2 or nb != breaks:
            raise FormulaError(f"cut(): a number of intervals must be a whole number >= 2; got {breaks!r}")
        lo, hi = np.nanmin(v), np.nanmax(v)
        dx = hi - lo if hi > lo else abs(lo)
        out = np.linspace(lo, hi, nb + 1)
        out[0], out[-1] = lo - dx / 1000, hi + dx / 1000
        return out
    out = np.sort(np.asarray(breaks, dtype=np.float64))
    if out.size < 2 or np.any(np.diff(out) == 0):
        raise FormulaError(f"cut(): breaks must be at least two distinct values; got {list(breaks)}")
    return out


def _interval_labels(breaks: np.ndarray, right: bool, include_lowest: bool, dig_lab: int) -> list[str]:
    """R's labels ``(a,b]``: the breaks with ``dig_lab`` significant digits
    (more until neighbours differ, up to 12), as ``formatC``."""
    for digits in range(dig_lab, max(12, dig_lab) + 1):
        text = [f"{b + 0.0:.{digits}g}" for b in breaks]
        if all(a != b for a, b in pairwise(text)):
            break
    left, close = ("(", "]") if right else ("[", ")")
    labels = [f"{left}{a},{b}{close}" for a, b in pairwise(text)]
    if include_lowest:
        if right:
            labels[0] = "[" + labels[0][1:]
        else:
            labels[-1] = labels[-1][:-1] + "]"
    return labels


@stateful_transform
def cut(x: Any, breaks: Any, labels: Any = None, right: bool = True, include_lowest: bool = False,
        dig_lab: int = 3, _state: dict = {}) -> pd.Categorical:  # noqa: B006 - formulaic's state
    """R's ``cut(x, breaks)``: the interval of every value, as a factor with
    R's labels; the breaks found on the training data are kept for new data."""
    if pd.api.types.is_datetime64_any_dtype(getattr(x, "dtype", None)):
        raise FormulaError("cut() of dates or times is not supported; cut a number, e.g. cut(as.numeric(date), 3)")
    v = _numbers(x)
    if "breaks" not in _state:
        _state["breaks"] = _breaks(v, breaks)
    edges = _state["breaks"]
    if labels is False:  # R: the interval numbers 1, 2, ... (NA outside), a numeric variable
        numbers = _codes(v, edges, right, include_lowest).astype(np.float64) + 1.0
        numbers[numbers == 0] = np.nan
        return numbers
    names = _interval_labels(edges, right, include_lowest, dig_lab) if labels is None else [str(s) for s in labels]
    if len(names) != edges.size - 1:
        raise FormulaError(f"cut(): {len(names)} labels for {edges.size - 1} intervals")
    return pd.Categorical.from_codes(_codes(v, edges, right, include_lowest), categories=names)


def _codes(v: np.ndarray, edges: np.ndarray, right: bool, include_lowest: bool) -> np.ndarray:
    """The interval of every value (0-based; -1 outside the breaks or NA), as R's ``.bincode``."""
    codes = np.searchsorted(edges, v, side="left" if right else "right") - 1
    if include_lowest:
        codes[v == (edges[0] if right else edges[-1])] = 0 if right else edges.size - 2
    codes[(codes < 0) | (codes >= edges.size - 1) | np.isnan(v)] = -1
    return codes


R_FUNCTIONS: dict[str, Any] = {
    "as.factor": factor, "as.numeric": as_numeric_in_formula, "as.double": as_numeric_in_formula,
    "as.integer": as_integer,
    "as.character": as_character, "as.logical": as_logical, "ordered": ordered, "relevel": relevel,
    "c": combine, "ifelse": ifelse, "pmin": pmin, "pmax": pmax, "round": r_round, "cut": cut,
    "floor": np.floor, "ceiling": np.ceil, "trunc": np.trunc, "sign": np.sign,
}
"""Names as written in R formulas (dots and all: see :func:`~mixedmodels.formula._rnames.python_name`)."""
