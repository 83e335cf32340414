"""Data at the boundary: convert inputs once, resolve weights/offset arguments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mixedmodels.formula._errors import FormulaError, UnknownVariableError

__all__ = ["argument_vector", "as_dataframe"]


def _from_polars(data: Any) -> pd.DataFrame:
    """A polars DataFrame column by column (no pyarrow needed); Enum keeps its level order."""
    columns = {}
    for name in data.columns:
        series = data.get_column(name)
        categories = getattr(series.dtype, "categories", None)
        if categories is not None and len(categories):  # polars Enum
            columns[name] = pd.Categorical(series.cast(str).to_list(), categories=list(categories))
        elif series.dtype.__class__.__name__ in ("Categorical", "String", "Utf8"):
            columns[name] = np.asarray(series.cast(str).to_list(), dtype=object)
        else:
            columns[name] = series.to_numpy()
    return pd.DataFrame(columns)


def as_dataframe(data: Any) -> pd.DataFrame:
    """A pandas DataFrame (0..n-1 index) from a DataFrame, dict of arrays or polars frame."""
    if isinstance(data, pd.DataFrame):
        frame = data
    elif type(data).__module__.startswith("polars"):
        frame = _from_polars(data)
    elif hasattr(data, "to_pandas") and callable(data.to_pandas):
        frame = data.to_pandas()
    elif isinstance(data, dict):
        try:
            frame = pd.DataFrame({k: (v if isinstance(v, pd.Series) else np.asarray(v))
                                  for k, v in data.items()})
        except ValueError as exc:
            raise FormulaError(f"the columns of the data dictionary do not fit together: {exc}") from None
    else:
        raise FormulaError(f"data must be a pandas DataFrame, a dict of arrays or a polars "
                           f"DataFrame, got {type(data).__name__}")
    if not frame.columns.is_unique:
        dup = frame.columns[frame.columns.duplicated()].tolist()
        raise FormulaError(f"the data have duplicated column names: {dup}")
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def argument_vector(arg: Any, data: pd.DataFrame, what: str) -> np.ndarray | None:
    """The ``weights`` or ``offset`` argument as a float array over all rows."""
    if arg is None:
        return None
    if isinstance(arg, str):
        if arg not in data.columns:
            raise UnknownVariableError(arg, data.columns)
        arg = data[arg]
    try:
        values = (arg.to_numpy(dtype=np.float64, na_value=np.nan) if isinstance(arg, pd.Series)
                  else np.asarray(arg, dtype=np.float64))
    except (TypeError, ValueError):
        raise FormulaError(f"{what} must be numeric") from None
    if values.shape != (len(data),):
        raise FormulaError(f"{what} must have one value per row of the data "
                           f"({len(data)}), got shape {values.shape}")
    return values
