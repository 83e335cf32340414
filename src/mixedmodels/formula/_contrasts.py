"""Contrast matrices and R's rule for choosing contrasts or indicators.

A factor in a term is coded by contrasts when the term without that factor
is already spanned by a preceding term (or is empty), and by one indicator
column per level otherwise (R's ``TermCode``); without an intercept, the
first factor of the first term that has one gets indicators.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CONTRAST",
    "INDICATOR",
    "NUMERIC",
    "contrast_matrix",
    "poly_contrasts",
    "term_codings",
]

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


def contrast_matrix(levels: list[str], ordered: bool, coding: str) -> tuple[np.ndarray, list[str]]:
    """Coding matrix (levels x columns) and column suffixes for one factor.

    Treatment contrasts (first level is the baseline) for unordered factors,
    polynomial contrasts (``.L``, ``.Q``, ...) for ordered ones, and identity
    for indicator coding.
    """
    n = len(levels)
    if coding == INDICATOR:
        return np.eye(n), list(levels)
    if ordered:
        return poly_contrasts(n), _poly_names(n)
    return np.eye(n)[:, 1:], list(levels[1:])
