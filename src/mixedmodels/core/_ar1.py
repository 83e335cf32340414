"""Cross-products of ``[Z X y]`` under an AR(1) residual precision, as a function of the
neighbours' correlations (``phi^gap``).

Within a group sorted by time an AR(1) process is a Markov chain, so its
precision ``Q = R^-1`` (unit variance) is tridiagonal: with ``r = phi^gap``
between neighbours ``a`` and ``b``,
``Q = I + sum over neighbours of c(r) (e_a e_a' + e_b e_b') + w(r) (e_a - s e_b)(e_a - s e_b)'``
and ``log |R| = sum log(1 - r^2)``.  Two equal forms: differences
(``s = 1``: ``c = -r / (1 + r)``, ``w = r / (1 - r^2)``) and sums (``s = -1``:
``c = r / (1 - r)``, ``w = -r / (1 - r^2)``).  The one taken has ``w >= 0`` and
``-1/2 <= c <= 0``, so nothing large cancels as ``|phi| -> 1`` (differences
for ``r >= 0``, sums for ``r < 0``) and every row keeps a weight
``1 + sum c >= 0``.

With few distinct gaps the pieces -- per gap, the neighbours' rows, their
differences and their sums -- are formed once and an evaluation only
weights and adds them (its cost does not grow with the rows).  With many
(irregular times: holding the pieces would take more than a pass over the
rows), or with a variance function's scale on the rows (which the pieces
would have to hold per pair of strata), each evaluation forms the weighted
cross-products from the rows instead, as nlme does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixedmodels.core._crossprod import (
    CrossProducts,
    pair_cross_products,
    row_cross_products,
    scaled_rows,
)
from mixedmodels.core._reblock import RandomEffectsBlock


def pair_weights(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per neighbours' correlation ``r``: the rows' weight ``c``, the pair's
    weight ``w`` and whether the pair enters by differences (see the module)."""
    r = np.asarray(r, dtype=float)
    differences = r >= 0
    c = np.where(differences, -r / (1.0 + r), r / (1.0 - r))
    return c, np.abs(r) / (1.0 - r * r), differences


def entries(xp: CrossProducts) -> int:
    """Stored numbers of a set of cross-products."""
    a_rr = xp.a_rr.nnz if hasattr(xp.a_rr, "nnz") else xp.a_rr.size
    return xp.a11.size + xp.a_r1.nnz + a_rr


class AR1CrossProducts:
    """``[Z X y]' Q(phi) [Z X y]`` and ``log |R(phi)|`` for the neighbours
    ``first[i]``, ``second[i]`` (rows of one group, adjacent in time) with
    time gaps ``gaps[i]``; ``rows`` is the rows' own (unweighted) cross-products.
    ``pieces=False``: never hold pieces (every evaluation scales the rows)."""

    def __init__(self, blocks: list[RandomEffectsBlock], X: np.ndarray, y: np.ndarray, first: np.ndarray,
                 second: np.ndarray, gaps: np.ndarray, rows: CrossProducts, pieces: bool = True):
        self._data = (blocks, X, y)
        self.first, self.second, self.gaps, self.rows = first, second, gaps, rows
        self.unique_gaps, self.counts = np.unique(gaps, return_counts=True)
        width = X.shape[1] + 1 + sum(b.k for b in blocks)
        self.pieces = None
        if pieces and 3 * self.unique_gaps.size * entries(rows) <= y.size * width:
            self.pieces = [self._piece(gaps == gap) for gap in self.unique_gaps]

    def _piece(self, take: np.ndarray) -> tuple[CrossProducts, CrossProducts, CrossProducts]:
        """The neighbours' rows (each once per pair it is in), their differences and their sums."""
        blocks, X, y = self._data
        a, b = self.first[take], self.second[take]
        used = np.bincount(np.concatenate([a, b]), minlength=y.size)
        rows = np.flatnonzero(used)
        return (row_cross_products(blocks, X, y, rows, used[rows]),
                pair_cross_products(blocks, X, y, a, b, -1.0), pair_cross_products(blocks, X, y, a, b, 1.0))

    def at(self, correlation: Callable[[np.ndarray], np.ndarray],
           scale: np.ndarray | None = None) -> tuple[CrossProducts, float]:
        """The cross-products under ``Q`` and ``log |R|`` where neighbours
        ``gap`` apart have correlation ``correlation(gap)`` (``phi ** gap``,
        vectorized); with ``scale``, of the rows multiplied by it (``1 / delta``
        of a variance function: its precision ``D Q D``), formed from the rows."""
        r = correlation(self.unique_gaps.astype(float))
        log_det_r = float(self.counts @ np.log1p(-r * r))
        if self.pieces is None or scale is not None:
            return self._from_rows(correlation, scale), log_det_r
        c, w, differences = pair_weights(r)
        xp = self.rows
        for (neighbours, diffs, sums), ci, wi, d in zip(self.pieces, c, w, differences):
            xp = xp + neighbours.scaled(ci) + (diffs if d else sums).scaled(wi)
        return xp, log_det_r

    def _from_rows(self, correlation: Callable[[np.ndarray], np.ndarray],
                   scale: np.ndarray | None = None) -> CrossProducts:
        """The cross-products formed from the rows (multiplied by ``scale``) with ``Q``'s weights."""
        blocks, X, y = self._data if scale is None else scaled_rows(*self._data, scale)
        c, w, differences = pair_weights(correlation(self.gaps.astype(float)))
        row_w = 1.0 + np.bincount(self.first, c, y.size) + np.bincount(self.second, c, y.size)
        xp = row_cross_products(blocks, X, y, np.arange(y.size), np.maximum(row_w, 0.0))
        for take, sign in ((differences, -1.0), (~differences, 1.0)):
            if take.any():
                xp = xp + pair_cross_products(blocks, X, y, self.first[take], self.second[take], sign, w[take])
        return xp
