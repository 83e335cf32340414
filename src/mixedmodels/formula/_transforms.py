"""Functions available inside formulas, with R's semantics.

``scale`` follows R (NA-aware mean and sd, state kept for new data); ``poly``
is formulaic's orthogonal polynomial (the same basis as R's ``poly``);
``factor``/``C`` make a categorical, ``C(f, sum)`` with R's contrasts
(``contr.sum``, ``"contr.sum"``, ``sum``; ``helmert``, ``treatment``, ``poly``,
``SAS`` likewise); ``bs`` and ``ns`` are R's splines (:mod:`._splines`);
``offset`` marks an offset term.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from formulaic.transforms import poly
from formulaic.utils.stateful_transforms import stateful_transform

from mixedmodels.formula._contrasts import Contrasts, as_contrasts
from mixedmodels.formula._errors import FormulaError
from mixedmodels.formula._rfunctions import R_FUNCTIONS, factor
from mixedmodels.formula._roperators import OPERATORS
from mixedmodels.formula._splines import bs, ns
from mixedmodels.formula._values import ContrastedFactor

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


_KINDS = {short: Contrasts(f"contr.{short}") for short in ("treatment", "sum", "helmert", "poly", "SAS")}
"""R's short names of its contrasts (``C(f, sum)``); ``contr.sum`` and the rest are also names in formulas."""


def contrast_factor(x: Any, contr: Any = None, how_many: int | None = None) -> pd.Categorical | ContrastedFactor:
    """R's ``C(x, contr, how.many)``: ``x`` as a factor with the contrasts
    ``contr`` (R's default ones without it), the first ``how_many`` of them if given."""
    if contr is None:
        return factor(x)
    if contr is poly:
        contr = _KINDS["poly"]
    if not isinstance(contr, (Contrasts, str)):
        raise FormulaError(f"C(x, contr): contr must be one of R's contrasts (treatment, sum, helmert, poly, "
                           f"SAS, or contr.sum and the like); got {type(contr).__name__}")
    contrasts = as_contrasts(contr, "C()")
    if how_many is not None:
        if not float(how_many).is_integer() or how_many < 1:
            raise FormulaError(f"C(x, contr, how.many): how.many must be a positive whole number; got {how_many!r}")
        contrasts = Contrasts(contrasts.kind, contrasts.matrix, contrasts.names, int(how_many))
    return ContrastedFactor(factor(x), contrasts)


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
    **{k: v for k, v in _KINDS.items() if k != "poly"}, **{f"contr.{k}": v for k, v in _KINDS.items()},
    **R_FUNCTIONS, **OPERATORS, "bs": bs, "ns": ns, "splines::bs": bs, "splines::ns": ns, "stats::poly": poly,
}
"""Names available in formulas, as written in R (``as.factor``: dotted names
are made Python identifiers by :func:`~mixedmodels.formula._rnames.python_name`)."""
