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


def r_compare(left: Any, right: Any, op: str) -> pd.Series | bool:
    """``left op right`` elementwise, NA where either side is NA."""
    if not np.ndim(left) and not np.ndim(right):
        return _COMPARE[op](left, right)
    missing = np.logical_or(_missing(left), _missing(right))
    with np.errstate(invalid="ignore"):
        values = _COMPARE[op](_plain(left), _plain(right))
    return _logical(values, missing)


def _as_logical(value: Any) -> pd.Series:
    series = pd.Series(value)
    return series.astype("boolean") if not isinstance(series.dtype, pd.BooleanDtype) else series


def r_and(*values: Any) -> pd.Series:
    """R's ``&`` (three-valued: FALSE & NA is FALSE)."""
    out = _as_logical(values[0])
    for value in values[1:]:
        out = out & _as_logical(value)
    return out


def r_or(*values: Any) -> pd.Series:
    """R's ``|`` (three-valued: TRUE | NA is TRUE)."""
    out = _as_logical(values[0])
    for value in values[1:]:
        out = out | _as_logical(value)
    return out


def r_not(value: Any) -> pd.Series:
    """R's ``!``."""
    return ~_as_logical(value)


def r_in(values: Any, table: Any) -> pd.Series:
    """R's ``x %in% table`` (``match``: NA matches NA, never NA itself)."""
    series = pd.Series(values)
    wanted = list(table) if np.ndim(table) else [table]
    found = series.isin(wanted) | (series.isna() & any(pd.isna(w) for w in wanted))
    return pd.Series(pd.array(found.to_numpy(dtype=bool), dtype="boolean"))


def is_na(value: Any) -> pd.Series:
    """R's ``is.na``: TRUE where the value is missing (never NA)."""
    return pd.Series(pd.array(np.asarray(pd.isna(pd.Series(value))), dtype="boolean"))


OPERATORS: dict[str, Any] = {"_compare": r_compare, "_and": r_and, "_or": r_or, "_not": r_not, "_in": r_in,
                             "is.na": is_na}
"""The names :func:`~mixedmodels.formula._deparse.python_code` calls them by (and R's ``is.na``)."""
