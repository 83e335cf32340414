"""Evaluated variables: numeric matrices and factors, with their NA rows.

A formula variable (``sex``, ``log(x)``, ``poly(x, 2)``) evaluates to either a
:class:`Numeric` block of columns or a :class:`Factor` (integer codes into
string level labels, R's ``as.character`` of the values).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from mixedmodels._unique import sorted_unique
from mixedmodels.formula._contrasts import Contrasts

__all__ = ["ContrastedFactor", "Factor", "Numeric", "as_factor", "as_value", "numeric_factor", "r_label"]


@dataclass
class Numeric:
    """A numeric variable: ``values`` (n, k) and optional column labels;
    ``time_unit`` ``"days"`` or ``"seconds"`` (since 1970-01-01) for dates
    and times, R's numbers for a ``Date`` and a ``POSIXct``, and the
    ``time_zone`` their labels are shown in (None: as given)."""

    values: np.ndarray
    colnames: list[str] | None = None
    time_unit: str | None = None
    time_zone: str | None = None

    def na_rows(self) -> np.ndarray:
        return np.isnan(self.values).any(axis=1)

    def take(self, rows: np.ndarray) -> Numeric:
        return replace(self, values=self.values[rows])


_SECONDS = {"days": 86_400.0, "seconds": 1.0}


def _from_datetimes(obj: Any) -> Numeric:
    """Dates (naive, all at midnight) as R's ``Date``, days since 1970-01-01;
    other times as R's ``POSIXct``, seconds since then (naive times as UTC;
    times with a time zone keep it for their labels)."""
    times = pd.Series(obj)
    zone = None if times.dt.tz is None else str(times.dt.tz)
    if zone is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    seconds = (times - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    ok = ~np.isnan(seconds)
    unit = "days" if zone is None and np.all(seconds[ok] % 86_400.0 == 0) else "seconds"
    return Numeric((seconds / _SECONDS[unit]).reshape(-1, 1), None, unit, zone)


def in_time_unit(value: Numeric, unit: str) -> Numeric:
    """Times re-expressed in ``unit`` (``"days"`` or ``"seconds"``)."""
    if value.time_unit == unit:
        return value
    return replace(value, values=value.values * _SECONDS[value.time_unit] / _SECONDS[unit], time_unit=unit)


def _time_labels(values: np.ndarray, unit: str, zone: str | None = None) -> list[str]:
    """R's ``as.character`` of ``Date`` (``2020-01-31``) or ``POSIXct``
    values (``2020-01-31 10:30:00``, in their time zone; the date alone when
    all are at midnight there; fractions of seconds where they tell levels apart)."""
    stamps = pd.to_datetime(values * _SECONDS[unit], unit="s", utc=zone is not None)
    if zone is not None:
        stamps = stamps.tz_convert(zone)
    midnight = all(t.hour == t.minute == t.second == t.microsecond == 0 for t in stamps)
    labels = [t.strftime("%Y-%m-%d" if unit == "days" or midnight else "%Y-%m-%d %H:%M:%S") for t in stamps]
    if unit == "seconds" and len(set(labels)) < len(labels):  # (a date's fraction of a day is its date)
        labels = [t.strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".") for t in stamps]
    return labels


@dataclass
class Factor:
    """A categorical variable: ``codes`` (n,) into ``levels``; -1 is missing;
    ``contrasts`` other than R's default (from ``C(x, contr)``); ``logical``
    for TRUE/FALSE values, which R's model matrix codes on both levels
    whether or not both occur."""

    codes: np.ndarray
    levels: list[str]
    ordered: bool = False
    contrasts: Contrasts | None = None
    logical: bool = False

    def na_rows(self) -> np.ndarray:
        return self.codes < 0

    def take(self, rows: np.ndarray) -> Factor:
        return replace(self, codes=self.codes[rows])

    def drop_unused(self) -> Factor:
        """Drop levels that do not occur (R's ``drop.unused.levels``)."""
        used = sorted_unique(self.codes[self.codes >= 0])
        remap = np.full(len(self.levels) + 1, -1, dtype=np.int64)
        remap[used] = np.arange(used.size)
        return replace(self, codes=remap[self.codes], levels=[self.levels[i] for i in used])

    def recode(self, levels: list[str]) -> tuple[Factor, list[str]]:
        """Re-express on ``levels``; also return labels not among them."""
        index = {lev: i for i, lev in enumerate(levels)}
        mine = np.array([index.get(lev, -2) for lev in self.levels] + [-1], dtype=np.int64)
        codes = mine[self.codes]
        unknown = sorted({self.levels[c] for c in self.codes[codes == -2]})
        codes[codes == -2] = -1
        return replace(self, codes=codes, levels=levels), unknown


def r_label(value: Any) -> str:
    """R's ``as.character`` of one value (``TRUE``, ``3``, ``1.5``, text)."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.15g}"
    return str(value)


def _from_categorical(cat: pd.Categorical) -> Factor:
    kind = cat.categories.inferred_type  # text and whole numbers (most factors) need no per-level checks
    if pd.api.types.is_datetime64_any_dtype(cat.categories.dtype):  # factor(date): R's labels
        times = _from_datetimes(pd.Series(cat.categories))
        return Factor(np.asarray(cat.codes, dtype=np.int64),
                      _time_labels(times.values[:, 0], times.time_unit, times.time_zone),
                      bool(cat.ordered))
    if kind in ("string", "integer"):
        labels = [str(v) for v in cat.categories.tolist()]  # (np.str_ to str)
    else:
        labels = [r_label(c) for c in cat.categories]
    return Factor(np.asarray(cat.codes, dtype=np.int64), labels, bool(cat.ordered))


def _from_numbers(arr: np.ndarray, time_unit: str | None = None, time_zone: str | None = None) -> Factor:
    """Numbers as a factor: levels sorted numerically (labelled as dates or
    times for a ``time_unit``), NaN as missing."""
    ok = ~np.isnan(arr)
    levels, inverse = np.unique(arr[ok], return_inverse=True)
    codes = np.full(arr.shape[0], -1, dtype=np.int64)
    codes[ok] = inverse
    labels = _time_labels(levels, time_unit, time_zone) if time_unit else [r_label(v) for v in levels]
    return Factor(codes, labels, False)


def numeric_factor(value: Numeric) -> Factor:
    """A numeric variable's first column as a factor (a grouping factor)."""
    return _from_numbers(value.values[:, 0], value.time_unit, value.time_zone)


def as_factor(values: Any) -> Factor:
    """Turn any 1-d values into a :class:`Factor` as R's ``factor()`` would."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _from_categorical(series.array)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return numeric_factor(_from_datetimes(series))
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return _from_numbers(series.to_numpy(dtype=np.float64, na_value=np.nan))
    present = series.dropna()
    if len(present) and pd.api.types.infer_dtype(present, skipna=False) == "boolean":
        return replace(_from_categorical(pd.Categorical(series, categories=[False, True])), logical=True)
    else:
        try:
            cats = sorted(present.unique().tolist())
        except TypeError:
            cats = sorted(present.unique().tolist(), key=str)
    return _from_categorical(pd.Categorical(series, categories=cats))


@dataclass(frozen=True, eq=False)
class ContrastedFactor:
    """What R's ``C(x, contr)`` evaluates to: a factor's values with its contrasts."""

    values: pd.Categorical
    contrasts: Contrasts


_NUMBER_KINDS = frozenset({"integer", "floating", "mixed-integer-float"})
"""What pandas' ``infer_dtype`` calls data whose entries are all (non-bool) numbers."""


def _all_numbers(obj: Any) -> bool:
    """True for object data whose non-missing entries are all (non-bool) real
    numbers (pandas' ``infer_dtype``, in C: a million strings in
    milliseconds, where a test per entry in Python took half a second;
    complex numbers and time deltas, which that test let through to fail
    as floats, now make a factor)."""
    present = pd.Series(obj).dropna()
    return len(present) > 0 and pd.api.types.infer_dtype(present, skipna=False) in _NUMBER_KINDS


def as_value(obj: Any, n: int) -> Numeric | Factor:
    """Classify an evaluated expression as :class:`Numeric` or :class:`Factor`."""
    if isinstance(obj, ContrastedFactor):
        return replace(as_factor(obj.values), contrasts=obj.contrasts)
    meta = getattr(obj, "__formulaic_metadata__", None)
    colnames = list(meta.column_names) if meta is not None and meta.column_names else None
    dtype = getattr(obj, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):
        return _from_categorical(pd.Categorical(obj))
    if dtype is not None and pd.api.types.is_datetime64_any_dtype(dtype):
        return _from_datetimes(obj)
    if (dtype is not None and (pd.api.types.is_bool_dtype(dtype) or dtype == object
                               or pd.api.types.is_string_dtype(dtype)) and not _all_numbers(obj)):
        return as_factor(obj)
    if isinstance(obj, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        arr = pd.Series(obj).to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = np.asarray(obj, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    arr = arr.reshape(len(arr), -1)
    if colnames is not None and len(colnames) != arr.shape[1]:
        colnames = None
    return Numeric(arr, colnames)
