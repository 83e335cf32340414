"""R's elementwise operators in formula expressions: comparisons, ``&``,
``|``, ``!`` and ``%in%``, with R's missing values.

numpy's ``NaN > 0`` is False, so ``I(x > 0)`` or ``ifelse(x > 0, 1, 0)``
would keep a row R drops; these give NA there (a nullable boolean), as R
does, and :func:`~mixedmodels.formula._deparse.python_code` evaluates R's
operators through them.  ``%in%`` is R's ``match``: never NA.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pandas as pd

from mixedmodels.formula._errors import FormulaError
from mixedmodels.formula._values import r_label

__all__ = ["OPERATORS"]

_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge}


def _missing(value: Any) -> np.ndarray | bool:
    return pd.isna(value) if np.ndim(value) else bool(pd.isna(value))


def _plain(value: Any) -> Any:
    """A vector as numbers where it holds numbers (NA as NaN), else as it is."""
    if not np.ndim(value):
        return value
    series = pd.Series(value)
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return series.astype(object).to_numpy()


def _logical(values: Any, missing: Any) -> pd.Series:
    """R's logical vector: ``values`` with NA where ``missing``."""
    out = pd.Series(pd.array(np.asarray(values, dtype=bool), dtype="boolean"))
    return out.mask(np.broadcast_to(missing, out.shape)) if np.any(missing) else out


def _is_text(value: Any) -> bool:
    if not np.ndim(value):
        return isinstance(value, str)
    return getattr(np.asarray(value), "dtype", None) == object


def _as_text(value: Any) -> Any:
    """Numbers as R's text of them (R compares a number with text as text)."""
    if not np.ndim(value):
        return value if pd.isna(value) else r_label(value)
    return np.array([None if pd.isna(v) else r_label(v) for v in value], dtype=object)


def r_compare(left: Any, right: Any, op: str) -> pd.Series | bool:
    """``left op right`` elementwise, NA where either side is NA; a number
    and text compare as text, as in R."""
    if not np.ndim(left) and not np.ndim(right):
        return _COMPARE[op](left, right)
    missing = np.logical_or(_missing(left), _missing(right))
    left, right = _plain(left), _plain(right)
    if _is_text(left) != _is_text(right):
        left, right = _as_text(left), _as_text(right)
    with np.errstate(invalid="ignore"):
        values = _COMPARE[op](left, right)
    return _logical(values, missing)


def _logical_parts(value: Any) -> tuple[np.ndarray, np.ndarray]:
    """A logical or numeric operand (non-zero is TRUE) as (values, missing)."""
    if not np.ndim(value):
        missing = bool(pd.isna(value))
        return np.asarray(not missing and bool(value)), np.asarray(missing)
    series = pd.Series(value)
    if not (pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype)):
        raise FormulaError(f"&, | and ! need logical or numeric values; got {series.dtype} values")
    numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(numbers)
    return np.where(missing, False, numbers != 0), missing


def _logical_of(values: np.ndarray, missing: np.ndarray) -> pd.Series | bool:
    if values.ndim == 0:
        return pd.NA if missing else bool(values)
    return _logical(values, missing)


def _three_valued(operands: tuple, is_and: bool) -> pd.Series | bool:
    """R's ``&`` (FALSE & NA is FALSE) or ``|`` (TRUE | NA is TRUE), broadcast."""
    parts = [_logical_parts(v) for v in operands]
    values = np.broadcast_arrays(*[p[0] for p in parts])
    missing = np.broadcast_arrays(*[p[1] for p in parts])
    decisive = np.logical_or.reduce([(v != is_and) & ~m for v, m in zip(values, missing)])  # a known FALSE (&)
    undecided = ~decisive & np.logical_or.reduce(missing)
    return _logical_of(np.where(decisive, not is_and, is_and), undecided)


def r_and(*values: Any) -> pd.Series | bool:
    """R's ``&`` (three-valued: FALSE & NA is FALSE)."""
    return _three_valued(values, is_and=True)


def r_or(*values: Any) -> pd.Series | bool:
    """R's ``|`` (three-valued: TRUE | NA is TRUE)."""
    return _three_valued(values, is_and=False)


def r_not(value: Any) -> pd.Series | bool:
    """R's ``!`` (of a number: whether it is 0)."""
    values, missing = _logical_parts(value)
    return _logical_of(~values, missing)


def r_in(values: Any, table: Any) -> pd.Series:
    """R's ``x %in% table`` (``match``: NA matches NA, never NA itself; a
    number and text match as text)."""
    series = pd.Series(values)
    wanted = list(table) if np.ndim(table) else [table]
    if _is_text(series.astype(object).to_numpy()) != any(isinstance(w, str) for w in wanted):
        series, wanted = pd.Series(_as_text(series.to_numpy())), [_as_text(w) for w in wanted]
    found = series.isin(wanted) | (series.isna() & any(pd.isna(w) for w in wanted))
    return pd.Series(pd.array(found.to_numpy(dtype=bool), dtype="boolean"))


def is_na(value: Any) -> pd.Series:
    """R's ``is.na``: TRUE where the value is missing (never NA)."""
    return pd.Series(pd.array(np.asarray(pd.isna(pd.Series(value))), dtype="boolean"))


OPERATORS: dict[str, Any] = {"_compare": r_compare, "_and": r_and, "_or": r_or, "_not": r_not, "_in": r_in,
                             "is.na": is_na}
"""The names :func:`~mixedmodels.formula._deparse.python_code` calls them by (and R's ``is.na``)."""
