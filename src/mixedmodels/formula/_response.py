"""The response: a numeric expression, a logical or two-level factor, or cbind().

``cbind(successes, failures)`` gives an (n, 2) array, as glmer's binomial
response; logicals and two-level factors become 0/1 (first level 0).  A
column of strings is a factor, as R's ``model.frame`` makes it: levels
sorted, so the first in sorted order is 0 (failure).
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pandas as pd

from mixedmodels.formula._deparse import parse_expr, r_deparse
from mixedmodels.formula._errors import FormulaError
from mixedmodels.formula._evaluate import evaluate_raw, variable

__all__ = ["check_not_constant", "evaluate_response", "response_column", "response_name"]


def response_name(text: str) -> str:
    """R's name for the response expression, e.g. ``log(Spobee + 1)``."""
    return r_deparse(parse_expr(text))


def response_column(raw: Any, name: str) -> np.ndarray:
    """One response column as float64 (NaN for missing); a two-level factor
    or a column of two distinct strings as 0/1 (first level, in sorted order
    for strings, 0)."""
    series = raw if isinstance(raw, pd.Series) else pd.Series(np.asarray(raw).ravel())
    if _is_strings(series) and series.nunique() == 2:
        series = series.astype("category")
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = series.cat.categories
        if len(cats) != 2:
            raise FormulaError(f"response {name!r} is a factor with {len(cats)} levels "
                               f"({', '.join(map(repr, list(cats)[:5]))}); a factor response needs "
                               "exactly 2 levels (first = 0, second = 1)")
        codes = series.cat.codes.to_numpy()
        return np.where(codes < 0, np.nan, (codes == 1).astype(np.float64))
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    present = series.dropna()
    if dtype == bool or (len(present) and pd.api.types.infer_dtype(present, skipna=False) == "boolean"):
        out = np.full(len(series), np.nan)
        known = series.notna().to_numpy()
        out[known] = series[known].astype(bool).to_numpy(dtype=np.float64)
        return out
    try:
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        example = present.iloc[0] if len(present) else None
        raise FormulaError(f"response {name!r} is not numeric (dtype {dtype}, e.g. {example!r}); "
                           "use a numeric column, a logical, two distinct strings or a two-level factor "
                           "(pd.Categorical(values, categories=[failure, success]))") from None


def check_not_constant(y: np.ndarray, name: str, as_what: str = "", note: str = "") -> None:
    """A :class:`FormulaError` naming the response when every value of ``y``
    is the same (there is nothing to model); ``as_what`` says what the values
    are (a binomial proportion), ``note`` is appended."""
    if y.size and np.all(y == y[0]):
        raise FormulaError(
            f"The response {name!r} is constant ({y[0]:g}{as_what} in every row used); there is nothing "
            f"to model{note}."
        )


def _is_strings(series: pd.Series) -> bool:
    """Whether every non-missing value is a string (R's character vector)."""
    if not (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)):
        return False
    present = series.dropna()
    return bool(len(present)) and pd.api.types.infer_dtype(present, skipna=False) == "string"


def evaluate_response(text: str, data: pd.DataFrame) -> np.ndarray:
    """Evaluate the response on every row: (n,) or, for ``cbind``, (n, 2)."""
    node = parse_expr(text)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "cbind":
        if len(node.args) != 2 or node.keywords:
            raise FormulaError(f"{r_deparse(node)}: cbind() in the response takes exactly two "
                               "columns, successes and failures")
        cols = []
        for arg in node.args:
            var = variable(r_deparse(arg))
            cols.append(response_column(evaluate_raw(var, data, {}), var.name))
        return np.column_stack(cols)
    var = variable(text)
    out = response_column(evaluate_raw(var, data, {}), var.name)
    if out.shape != (len(data),):
        raise FormulaError(f"response {var.name!r} must give one value per row")
    return out
