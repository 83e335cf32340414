"""Model matrices with R's column order, coding and names.

A :class:`DesignPlan` records everything needed to rebuild a matrix: the
terms, how each variable of each term is coded, the factor levels seen in
training and the column labels of matrix-valued variables.  Within an
interaction the first variable varies fastest and names join with ``:``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mixedmodels.formula._contrasts import (
    INDICATOR,
    Contrasts,
    contrast_matrix,
    term_codings,
)
from mixedmodels.formula._errors import FormulaError
from mixedmodels.formula._terms import Terms
from mixedmodels.formula._values import Factor, Numeric

__all__ = ["DesignPlan", "build_columns", "design_matrix", "plan_design"]


@dataclass(frozen=True)
class DesignPlan:
    """How to build one model matrix.

    Attributes
    ----------
    intercept : bool
        Leading ``(Intercept)`` column.
    terms : list of tuple of str
        Variables of each term, R order.
    codings : list of tuple of str
        Coding of each variable of each term (numeric, contrast, indicator).
    levels : dict
        ``factor name -> (levels, ordered)`` as seen in training.
    colnames : dict
        ``numeric name -> column labels`` (None for single columns).
    names : list of str
        lme4's column names of the full (not yet rank-reduced) matrix.
    assign : tuple of int
        Term of every column, R's ``attr(X, "assign")``: 0 for the intercept,
        ``t + 1`` for a column of ``terms[t]``.
    contrasts : dict
        ``factor name -> Contrasts`` for factors not coded by R's default contrasts.
    """

    intercept: bool
    terms: list[tuple[str, ...]]
    codings: list[tuple[str, ...]]
    levels: dict[str, tuple[list[str], bool]]
    colnames: dict[str, list[str] | None]
    names: list[str]
    assign: tuple[int, ...] = ()
    contrasts: dict[str, Contrasts] = field(default_factory=dict)


def _part(var: str, coding: str, value: Numeric | Factor, plan_levels: tuple[list[str], bool] | None,
          contrasts: Contrasts | None) -> tuple[np.ndarray, list[str]]:
    """Columns and names contributed by one variable of one term."""
    if isinstance(value, Numeric):
        k = value.values.shape[1]
        labels = value.colnames or [str(j + 1) for j in range(k)]
        return value.values, [var] if k == 1 else [var + lab for lab in labels]
    levels, ordered = plan_levels
    if coding != INDICATOR and len(levels) < 2:
        raise FormulaError(f"factor {var!r} has only one level ({levels[0]!r}) in the rows used; "
                           "contrasts need 2 or more levels — drop it from the formula")
    matrix, suffixes = contrast_matrix(levels, ordered, coding, contrasts, var)
    padded = np.vstack([matrix, np.full((1, matrix.shape[1]), np.nan)])
    return padded[value.codes], [var + s for s in suffixes]


def _term_columns(term, codings, values, levels, contrasts) -> tuple[list[np.ndarray], list[str]]:
    """All columns of one term; the first variable varies fastest."""
    cols, names = [None], [""]
    for var, coding in zip(term, codings):
        block, labels = _part(var, coding, values[var], levels.get(var), contrasts.get(var))
        cols = [block[:, j] if c is None else c * block[:, j]
                for j in range(block.shape[1]) for c in cols]
        names = [f"{n}:{labels[j]}" if n else labels[j]
                 for j in range(block.shape[1]) for n in names]
    return cols, names


def _build(plan_like, values, levels, n, contrasts=None) -> tuple[np.ndarray, list[str], tuple[int, ...]]:
    intercept, terms, codings = plan_like
    contrasts = contrasts or {}
    cols = [np.ones(n)] if intercept else []
    names = ["(Intercept)"] if intercept else []
    assign = [0] if intercept else []
    for t, (term, coding) in enumerate(zip(terms, codings)):
        c, nm = _term_columns(term, coding, values, levels, contrasts)
        cols += c
        names += nm
        assign += [t + 1] * len(c)
    # stacked as rows (contiguous writes), then transposed in one blocked copy:
    # a third of column_stack's time for InstEval's 73,421 x 28
    X = np.vstack([np.asarray(c, dtype=np.float64) for c in cols]).T if cols else np.empty((n, 0))
    return np.ascontiguousarray(X), names, tuple(assign)


def build_columns(plan_like, values, levels, n, contrasts=None) -> tuple[np.ndarray, list[str], list[int]]:
    """Matrix, column names and term of every column for ``(intercept, terms, codings)``."""
    X, names, assign = _build(plan_like, values, levels, n, contrasts)
    return X, names, list(assign)


def plan_design(terms: Terms, values: dict[str, Numeric | Factor], n: int,
                contrasts: dict[str, Contrasts] | None = None) -> tuple[DesignPlan, np.ndarray]:
    """Plan and build the model matrix of ``terms`` on training ``values``;
    ``contrasts`` (factor name -> Contrasts) override the factors' own
    (R's ``contrasts.arg`` of ``model.matrix``)."""
    used = {v for t in terms.terms for v in t}
    factors = {v for v in used if isinstance(values[v], Factor)}
    codings = term_codings(terms.terms, terms.intercept, factors)
    levels = {v: (values[v].levels, values[v].ordered) for v in factors}
    colnames = {v: values[v].colnames for v in used - factors}
    chosen = {v: values[v].contrasts for v in factors if values[v].contrasts is not None}
    chosen.update({v: c for v, c in (contrasts or {}).items() if v in factors})
    X, names, assign = _build((terms.intercept, terms.terms, codings), values, levels, n, chosen)
    return DesignPlan(terms.intercept, terms.terms, codings, levels, colnames, names, assign, chosen), X


def design_matrix(plan: DesignPlan, values: dict[str, Numeric | Factor], n: int) -> np.ndarray:
    """Rebuild the matrix of ``plan`` on new ``values`` (factors on plan levels)."""
    X, _, _ = _build((plan.intercept, plan.terms, plan.codings), values, plan.levels, n, plan.contrasts)
    if X.shape[1] != len(plan.names):
        raise FormulaError("new data give a different number of model-matrix columns "
                           f"({X.shape[1]}) than the training data ({len(plan.names)})")
    return X
