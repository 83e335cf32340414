"""The rest block held as the values of its lower triangle at fixed positions.

Used when every term after the first is scalar: scaling by Lambda is then
elementwise, and an update is a few vector operations on the values --
``A_rr`` minus the downdate ``A_r1 M A_r1'`` (read off the outer map),
scaled, plus the identity on the random effects.  The values are scattered
into a dense matrix, or handed as they are to the sparse elimination of
leading diagonal blocks (:mod:`mixedmodels.core._cutchol`).
"""

from __future__ import annotations

import copy

import numpy as np
import scipy.sparse as sp


class PackedPositionsError(ValueError):
    """A non-zero of the rest lies outside the packed positions (a row with no
    first-term effect); the rest must then be held dense."""


def with_diagonal(rows: np.ndarray, cols: np.ndarray, n_diagonal: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The positions ``(rows, cols)`` (sorted by row, then column) and the first
    ``n_diagonal`` diagonal positions, in the same order: a random effect
    whose column of ``Z`` is all zero has no entry in the outer map, but its
    diagonal still gets the identity's 1."""
    keys = rows.astype(np.int64) * size + cols
    diagonal = np.arange(n_diagonal, dtype=np.int64) * (size + 1)
    at = np.searchsorted(keys, diagonal)
    present = at < keys.size
    present[present] = keys[at[present]] == diagonal[present]
    keys = np.insert(keys, at[~present], diagonal[~present])  # merge two sorted lists: no sort
    return keys // size, keys % size


def lower_entries(a) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values of the non-zeros in the lower triangle of a
    dense or sparse matrix."""
    if sp.issparse(a):
        low = sp.tril(a).tocoo()
        keep = low.data != 0
        return low.row[keep], low.col[keep], low.data[keep]
    rows, cols = np.nonzero(a)  # both triangles: no copy of a for np.tril
    lower = rows >= cols
    rows, cols = rows[lower], cols[lower]
    return rows, cols, a[rows, cols]


class PackedRest:
    """Values of the rest's lower triangle at the positions ``(rows, cols)``.

    Build with :meth:`build`, which returns None when ``A_rr`` has a non-zero
    outside the positions (possible only if some row has no first-term
    effect).
    """

    def __init__(self, factor, rows: np.ndarray, cols: np.ndarray, outer_index: np.ndarray | None,
                 base: np.ndarray) -> None:
        self.size = factor.xp.a_rr.shape[0]
        self.rows, self.cols = rows, cols
        self.outer_index, self.base = outer_index, base
        self.re_diagonal = np.flatnonzero((rows == cols) & (rows < factor.n_re_rest))
        nterms = len(factor.rest_layout)
        term_of = np.full(self.size, nterms)  # X and y columns: the last "term", scale 1
        for t, (o, q, _) in enumerate(factor.rest_layout):
            term_of[o : o + q] = t
        # which pair of terms each entry belongs to, as an index into the outer product of the scales
        self.term_pair = term_of[rows] * (nterms + 1) + term_of[cols]
        self.flat = rows.astype(np.int64) * self.size + cols

    def with_response(self, response_rest: np.ndarray) -> PackedRest:
        """The packed rest for another response: the base values of the last
        row (the response's) become ``response_rest`` at their columns."""
        out = copy.copy(self)
        last = slice(np.searchsorted(self.rows, self.size - 1), None)  # positions are sorted by row
        out.base = self.base.copy()
        out.base[last] = response_rest[self.cols[last]]
        return out

    def pair_scale(self, scale: np.ndarray) -> np.ndarray:
        """``scale[row term] * scale[column term]`` of every entry, for ``scale``
        with one value per further term and one for the X and y columns."""
        return np.outer(scale, scale).ravel()[self.term_pair]

    @classmethod
    def build(cls, factor, rows: np.ndarray | None = None, cols: np.ndarray | None = None) -> PackedRest | None:
        """Positions ``(rows, cols)`` (sorted by row, then column; default: the
        outer map's), holding every non-zero of ``A_rr`` and of the downdate."""
        outer, s = factor.outer, factor.xp.a_rr.shape[0]
        outer_index = None
        if rows is None:
            rows, cols = outer.rows, outer.cols
        else:
            outer_index = positions_of(rows, cols, outer.rows, outer.cols, s)
            if outer_index is None:
                return None
            if outer_index.size == rows.size:  # the same positions: no gather needed
                outer_index = None
        ar, ac, av = lower_entries(factor.xp.a_rr)
        found = positions_of(rows, cols, ar, ac, s)
        if found is None:
            return None
        base = np.zeros(rows.size)
        base[found] = av
        return cls(factor, rows, cols, outer_index, base)

    def values(self, downdate: np.ndarray, lambdas: list[np.ndarray]) -> np.ndarray:
        """The scaled, downdated values (a new array)."""
        if self.outer_index is None:
            values = self.base - downdate
        else:
            values = self.base.copy()
            values[self.outer_index] -= downdate
        if lambdas:
            values *= self.pair_scale(np.append([lam[0, 0] for lam in lambdas], 1.0))
        values[self.re_diagonal] += 1.0
        return values

    def matrix(self, values: np.ndarray) -> np.ndarray:
        """Dense matrix whose lower triangle holds ``values``."""
        c = np.zeros((self.size, self.size))
        c.ravel()[self.flat] = values
        return c


def positions_of(rows: np.ndarray, cols: np.ndarray, want_rows: np.ndarray, want_cols: np.ndarray,
                 size: int) -> np.ndarray | None:
    """Indices of the entries ``(want_rows, want_cols)`` among the sorted
    positions ``(rows, cols)``; None if one is missing."""
    keys = rows.astype(np.int64) * size + cols
    want = want_rows.astype(np.int64) * size + want_cols
    found = np.searchsorted(keys, want)
    if want.size and (found.max() >= keys.size or np.any(keys[found] != want)):
        return None
    return found
