"""Helpers shared by the Python adapters."""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from importlib import metadata
from typing import Any

import pandas as pd

from benchmarks.adapters import Result, normalize_name


def python_package(module: str, dist: str | None = None) -> tuple[Callable[[], bool], Callable[[], str]]:
    """``available()`` and ``version()`` of an adapter for an importable package."""
    dist = dist or module.split(".")[0]

    def available() -> bool:
        try:
            __import__(module)
        except ImportError:
            return False
        return True

    def version() -> str:
        return package_version(dist)

    available.__doc__ = f"True when {module} imports."
    version.__doc__ = f"Installed version of {dist}."
    return available, version


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``call()`` with warnings silenced; return (wall seconds, value)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        value = call()
        return time.perf_counter() - start, value


def result(seconds: float, loglik: float, names, values, converged) -> Result:
    """A successful :class:`Result` with lme4-style coefficient names."""
    fixef = {normalize_name(n): float(v) for n, v in zip(names, values)}
    conv = None if converged is None else bool(converged)
    return Result(seconds=seconds, loglik=float(loglik), fixef=fixef, converged=conv)


def package_version(name: str) -> str:
    """Installed distribution version, or ``""`` when not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def binary_response(data: pd.DataFrame, column: str) -> pd.DataFrame:
    """Copy of ``data`` with a two-level factor response recoded 0/1.

    The first level is 0 (failure), as in R's glmer.
    """
    col = data.get(column)
    if col is not None and isinstance(col.dtype, pd.CategoricalDtype):
        data = data.copy()
        data[column] = col.cat.codes.astype("int64")
    return data


def cbind_failures(formula: str, data: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """Rewrite ``cbind(s, n - s)`` as ``cbind(s, _failures)`` with that column.

    For libraries whose ``cbind`` takes column names only.
    """
    match = re.match(r"\s*cbind\(\s*(\w+)\s*,\s*(\w+)\s*-\s*(\w+)\s*\)(.*)", formula)
    if not match or match.group(1) != match.group(3):
        return formula, data
    success, total, _, rest = match.groups()
    data = data.assign(_failures=data[total] - data[success])
    return f"cbind({success}, _failures){rest}", data
