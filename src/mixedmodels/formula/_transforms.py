"""Functions available inside formulas, with R's semantics.

``scale`` follows R (NA-aware mean and sd, state kept for new data); ``poly``
is formulaic's orthogonal polynomial (the same basis as R's ``poly``);
``factor``/``C`` make a categorical; ``offset`` marks an offset term.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from formulaic.transforms import poly
from formulaic.utils.stateful_transforms import stateful_transform

__all__ = ["TRANSFORMS", "factor", "r_scale"]


@stateful_transform
def r_scale(x: Any, center: bool = True, scale: bool = True, _state: dict = {}) -> np.ndarray:  # noqa: B006
    """R's ``scale(x)``: subtract the mean, divide by the sd (NA values ignored)."""
    v = np.asarray(x, dtype=np.float64)
    if "center" not in _state:
        _state["center"] = float(np.nanmean(v)) if center is True else (
            float(center) if center is not False else 0.0)
        centred = v - _state["center"]
        ok = centred[~np.isnan(centred)]
        _state["scale"] = (float(np.sqrt(np.sum(ok**2) / max(1, ok.size - 1)))
                           if scale is True else (float(scale) if scale is not False else 1.0))
    return (v - _state["center"]) / _state["scale"]


def factor(x: Any, levels: Any = None) -> pd.Categorical:
    """R's ``factor(x)``: categories are ``levels`` or the sorted distinct values."""
    if levels is None and isinstance(getattr(x, "dtype", None), pd.CategoricalDtype):
        return pd.Categorical(x)
    values = pd.Series(np.asarray(x, dtype=object) if not hasattr(x, "dtype") else x)
    if levels is None:
        levels = sorted(values.dropna().unique().tolist())
    return pd.Categorical(values, categories=list(levels))


def contrast_factor(x: Any, contr: Any = None) -> pd.Categorical:
    """R's ``C(x)`` without a contrasts argument (treatment coding)."""
    if contr is not None:
        raise ValueError("C(x, contrasts) is not supported; use C(x) or factor(x) "
                         "(treatment contrasts, first level as baseline)")
    return factor(x)


def offset(x: Any) -> Any:
    """Mark ``x`` as an offset; evaluates to ``x``."""
    return x


def log(x: Any, base: float | None = None) -> Any:
    """Natural logarithm, or logarithm to ``base`` as R's ``log(x, base)``."""
    out = np.log(np.asarray(x, dtype=np.float64))
    return out if base is None else out / np.log(base)


def identity(x: Any) -> Any:
    """R's ``I(x)``."""
    return x


TRANSFORMS: dict[str, Any] = {
    "np": np, "I": identity, "log": log, "log10": np.log10, "log2": np.log2,
    "log1p": np.log1p, "exp": np.exp, "expm1": np.expm1, "sqrt": np.sqrt,
    "abs": np.abs, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "scale": r_scale, "poly": poly, "factor": factor, "C": contrast_factor,
    "offset": offset, "TRUE": True, "FALSE": False, "T": True, "F": False, "pi": np.pi,
}
