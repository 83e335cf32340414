"""The rows of a ``CorAR1`` structure: each row's group and time (dates,
durations and numbers read as nlme reads them), the neighbours in time
within each group and the chains they form (:mod:`mixedmodels.lmm._corar1`)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from mixedmodels.formula import FormulaError
from mixedmodels.formula._values import as_factor

__all__ = ["chain", "check_nested", "default_by", "groups_and_times", "pairs", "positions"]


def default_by(frame) -> str:
    """The model's one grouping factor, when it is a column (nlme's default group)."""
    names = sorted({t.group for t in frame.re_terms})
    if len(names) != 1:
        raise FormulaError(f"CorAR1: the model has grouping factors {names}; name the one the residuals are "
                           "correlated within: CorAR1(time, by=...)")
    return names[0]


def groups_and_times(data, by: str, time: str | None, whole: bool = True,
                     structure: str = "CorAR1") -> tuple[np.ndarray, np.ndarray]:
    """Each row's group code (-1 where missing) and time (NaN where missing;
    0 without a time: the positions are then :func:`positions` of the rows
    used); the times must be finite, and whole numbers when ``whole``
    (``structure`` names the structure in the errors)."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    for name in filter(None, (by, time)):
        if name not in frame.columns:
            raise FormulaError(f"{structure}: {name!r} is not a column of the data; name it with "
                               f"{structure}(time, by=...)")
    groups = as_factor(frame[by].reset_index(drop=True)).codes
    if time is None:
        return groups, np.zeros(len(frame))
    column = frame[time].reset_index(drop=True)
    times = _numeric_times(column, time, structure)
    if np.isinf(times).any():
        k = int(np.flatnonzero(np.isinf(times))[0])
        raise FormulaError(f"{structure}: the times in {time!r} must be finite; the row labelled "
                           f"{frame.index[k]!r} has {column.iloc[k]!r}")
    bad = ~np.isnan(times) & (times != np.round(times)) & whole
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise FormulaError(f"{structure}: the times in {time!r} must be whole numbers (nlme's corAR1); the row "
                           f"labelled {frame.index[k]!r} has {column.iloc[k]!r}. Give them in a unit in which "
                           "they are whole (days, visits), use the positions (CorAR1(by=...)), or "
                           "real times with CorCAR1")
    return groups, times


def _numeric_times(column: pd.Series, name: str, structure: str) -> np.ndarray:
    """The times as numbers; missing values NaN.  Dates and times count days
    from the first (only differences matter): by the calendar (the local
    clock, as R's ``Date``), or in elapsed time when only that makes them
    whole days (a time zone's clock change between them); durations in days.
    Text that is not a number is an error."""
    present = column.dropna()
    if column.dtype == object and len(present) and isinstance(present.iloc[0], date):
        column = pd.to_datetime(column)  # datetime.date / datetime.datetime objects
    if pd.api.types.is_datetime64_any_dtype(column):
        elapsed = _days_from_first(column)
        if getattr(column.dt, "tz", None) is None:
            return elapsed
        calendar = _days_from_first(column.dt.tz_localize(None))
        whole = np.all(np.isnan(calendar) | (calendar == np.round(calendar)))
        return calendar if whole else elapsed
    if pd.api.types.is_timedelta64_dtype(column):
        return (column / pd.Timedelta(days=1)).to_numpy(dtype=float)
    numbers = pd.to_numeric(column, errors="coerce")
    wrong = numbers.isna() & column.notna()
    if wrong.any():
        raise FormulaError(f"{structure}: the times in {name!r} must be numbers; {column[wrong].iloc[0]!r} is not")
    return numbers.to_numpy(dtype=float)


def _days_from_first(stamps: pd.Series) -> np.ndarray:
    """Days since the earliest of ``stamps`` (NaN where missing)."""
    return ((stamps - stamps.min()) / pd.Timedelta(days=1)).to_numpy(dtype=float)


def check_nested(frame, groups: np.ndarray, by: str) -> None:
    """Every random-effects term constant within each group of ``by``."""
    order = np.argsort(groups, kind="stable")
    same = groups[order][1:] == groups[order][:-1]
    for term in frame.re_terms:
        codes = term.codes[order]
        if np.any(same & (codes[1:] != codes[:-1])):
            raise NotImplementedError(
                f"CorAR1 within {by!r}: the random-effects term's group {term.group!r} varies within a group of "
                f"{by!r}; the correlation's groups must be nested in every grouping factor (as in nlme).")


def positions(groups: np.ndarray) -> np.ndarray:
    """Each row's position among its group's rows, in the rows' order (0, 1, ...)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    counts = np.diff(np.r_[starts, groups.size])
    out = np.empty(groups.size)
    out[order] = np.arange(groups.size) - np.repeat(starts, counts)
    return out


def pairs(groups: np.ndarray, times: np.ndarray, by: str,
          structure: str = "CorAR1") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbours in time within each group: the earlier row, the later
    row and the gap between their times."""
    order = np.lexsort([times, groups])
    first, second = order[:-1], order[1:]
    same = groups[first] == groups[second]
    first, second = first[same], second[same]
    if first.size == 0:
        raise FormulaError(f"{structure}: no group of {by!r} has two rows used: there is nothing to correlate")
    gaps = times[second] - times[first]
    if np.any(gaps == 0):
        row = int(first[gaps == 0][0])
        raise FormulaError(f"{structure}: the times must be unique within a group of {by!r} (as nlme's); "
                           f"two rows of that group share time {times[row]:g}")
    return first, second, gaps


def chain(groups: np.ndarray, first: np.ndarray, second: np.ndarray, gaps: np.ndarray):
    """The neighbours ordered by their step along their group's chain (1 for
    the pair that starts it), and where each step's pairs begin and end, so
    that draws follow all chains a step at a time."""
    pair_groups = groups[first]
    starts = np.r_[True, pair_groups[1:] != pair_groups[:-1]]
    start_of = np.maximum.accumulate(np.where(starts, np.arange(first.size), 0))
    steps = np.arange(first.size) - start_of + 1
    order = np.argsort(steps, kind="stable")
    bounds = np.searchsorted(steps[order], np.arange(1, steps.max(initial=0) + 2))  # step k: bounds[k-1:k+1]
    return first[order], second[order], gaps[order], bounds
