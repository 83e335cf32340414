"""Contrast matrices and R's rule for choosing contrasts or indicators.

A factor in a term is coded by contrasts when the term without that factor
is already spanned by a preceding term (or is empty), and by one indicator
column per level otherwise (R's ``TermCode``); without an intercept, the
first factor of the first term that has one gets indicators.

Contrasts are R's defaults (``contr.treatment`` for unordered factors,
``contr.poly`` for ordered ones) unless a factor is given others
(:class:`Contrasts`: ``C(f, sum)`` in the formula or the ``contrasts``
argument of the fitting functions): ``contr.sum``, ``contr.helmert``,
``contr.SAS``, ``contr.treatment``, ``contr.poly`` or a matrix.  Columns are
named as R's ``model.matrix`` names them: by the contrast matrix's column
names (the levels for treatment and SAS contrasts, ``.L``, ``.Q``, ... for
polynomial ones) or, where it has none (sum, Helmert, an unnamed matrix),
by the numbers ``1, 2, ...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mixedmodels.formula._errors import FormulaError

__all__ = [
    "CONTRAST",
    "CONTRAST_KINDS",
    "INDICATOR",
    "NUMERIC",
    "Contrasts",
    "as_contrasts",
    "contrast_matrix",
    "poly_contrasts",
    "term_codings",
]

CONTRAST_KINDS = ("contr.treatment", "contr.sum", "contr.helmert", "contr.poly", "contr.SAS")
"""R's named contrasts."""


@dataclass(frozen=True, eq=False)
class Contrasts:
    """A factor's contrasts other than R's default.

    Attributes
    ----------
    kind : str or None
        One of :data:`CONTRAST_KINDS`, or None for ``matrix``.
    matrix : numpy.ndarray or None
        A coding matrix, one row per level.
    names : tuple of str or None
        Column names of ``matrix`` (None: ``1, 2, ...``).
    how_many : int or None
        Keep only the first ``how_many`` columns (R's ``C(f, contr, how.many)``).
    """

    kind: str | None = None
    matrix: np.ndarray | None = None
    names: tuple[str, ...] | None = None
    how_many: int | None = None

    def __repr__(self) -> str:
        return f"Contrasts({self.kind or 'matrix'})"

    def __call__(self, *args, **kwargs):
        """R's ``contr.treatment(4, base = 2)`` inside a formula: not supported, said clearly."""
        raise FormulaError(f"{self.kind}(...) with arguments is not supported in a formula; write C(f, {self.kind}) "
                           "for R's default, relevel(f, ref = ...) for another baseline, or pass a matrix in "
                           "the contrasts argument")


def as_contrasts(spec: Any, where: str) -> Contrasts:
    """Contrasts from a name (``"contr.sum"`` or R's short ``"sum"``), a
    :class:`Contrasts`, or a matrix (numpy array, or DataFrame whose columns
    name the contrasts); ``where`` names the factor in errors."""
    if isinstance(spec, Contrasts):
        return spec
    if isinstance(spec, str):
        kind = spec if spec.startswith("contr.") else f"contr.{spec}"
        if kind not in CONTRAST_KINDS:
            raise FormulaError(f"unknown contrasts {spec!r} for {where}; use one of "
                               f"{', '.join(CONTRAST_KINDS)} (or sum, helmert, treatment, poly, SAS) or a matrix")
        return Contrasts(kind)
    names = [str(c) for c in spec.columns] if isinstance(spec, pd.DataFrame) else None
    try:
        matrix = np.asarray(spec, dtype=np.float64)
    except (TypeError, ValueError):
        raise FormulaError(f"contrasts for {where} must be a name such as 'contr.sum' or a numeric "
                           f"matrix with one row per level; got {type(spec).__name__}") from None
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2 or matrix.shape[1] == 0 or not np.all(np.isfinite(matrix)):
        raise FormulaError(f"contrasts for {where} must be a finite matrix with one row per level "
                           f"and at least one column; got shape {matrix.shape}")
    return Contrasts(None, matrix, tuple(names) if names else None)

NUMERIC, CONTRAST, INDICATOR = "numeric", "contrast", "indicator"


def term_codings(terms: list[tuple[str, ...]], intercept: bool,
                 factors: set[str]) -> list[tuple[str, ...]]:
    """For each term, how each of its variables is coded.

    Parameters
    ----------
    terms : list of tuple of str
        Terms in R's order.
    intercept : bool
        Whether the model has an intercept.
    factors : set of str
        Names of the categorical variables.

    Returns
    -------
    list of tuple of str
        ``NUMERIC``, ``CONTRAST`` or ``INDICATOR`` per variable of each term.
    """
    out = []
    for t, term in enumerate(terms):
        row = []
        for var in term:
            rest = set(term) - {var}
            spanned = not rest or any(rest <= set(prev) for prev in terms[:t])
            row.append(NUMERIC if var not in factors else CONTRAST if spanned else INDICATOR)
        out.append(row)
    if not intercept:
        for row in out:
            if CONTRAST in row or INDICATOR in row:
                first = next(i for i, c in enumerate(row) if c != NUMERIC)
                row[first] = INDICATOR
                break
    return [tuple(row) for row in out]


def poly_contrasts(n: int) -> np.ndarray:
    """R's ``contr.poly(n)``: orthonormal polynomial contrasts for n levels."""
    scores = np.arange(1, n + 1, dtype=np.float64)
    vander = np.vander(scores - scores.mean(), n, increasing=True)
    q, r = np.linalg.qr(vander)
    q = q * np.sign(np.diag(r))
    return q[:, 1:]


def _poly_names(n: int) -> list[str]:
    return [".L", ".Q", ".C"][: n - 1] + [f"^{k}" for k in range(4, n)]


def _numbered(k: int) -> list[str]:
    return [str(j + 1) for j in range(k)]


def _named_contrasts(kind: str, levels: list[str]) -> tuple[np.ndarray, list[str]]:
    """R's ``contr.*(levels)`` and the names ``model.matrix`` gives its columns."""
    n = len(levels)
    if kind == "contr.poly":
        return poly_contrasts(n), _poly_names(n)
    if kind == "contr.treatment":
        return np.eye(n)[:, 1:], list(levels[1:])
    if kind == "contr.SAS":
        return np.eye(n)[:, :-1], list(levels[:-1])
    if kind == "contr.sum":
        return np.vstack([np.eye(n - 1), -np.ones((1, n - 1))]), _numbered(n - 1)
    helmert = np.zeros((n, n - 1))  # contr.helmert: column j is -1 (j + 1 times), then j + 1
    for j in range(n - 1):
        helmert[: j + 1, j] = -1.0
        helmert[j + 1, j] = j + 1.0
    return helmert, _numbered(n - 1)


def contrast_matrix(levels: list[str], ordered: bool, coding: str,
                    contrasts: Contrasts | None = None, name: str = "") -> tuple[np.ndarray, list[str]]:
    """Coding matrix (levels x columns) and column suffixes for one factor.

    Identity for indicator coding; otherwise ``contrasts``, or by default
    treatment contrasts (first level is the baseline) for unordered factors
    and polynomial contrasts (``.L``, ``.Q``, ...) for ordered ones.
    ``name`` (the factor's) is for errors.
    """
    n = len(levels)
    if coding == INDICATOR:
        return np.eye(n), list(levels)
    if contrasts is None:
        return _named_contrasts("contr.poly" if ordered else "contr.treatment", levels)
    if contrasts.matrix is None:
        matrix, names = _named_contrasts(contrasts.kind, levels)
    else:
        matrix = contrasts.matrix
        if matrix.shape[0] != n:
            raise FormulaError(f"the contrast matrix for {name!r} has {matrix.shape[0]} rows but the factor "
                               f"has {n} levels ({levels}); give one row per level")
        names = list(contrasts.names) if contrasts.names else _numbered(matrix.shape[1])
    if contrasts.how_many is not None:
        matrix, names = matrix[:, : contrasts.how_many], names[: contrasts.how_many]
    return matrix, names
