"""Precomputed map for the downdate ``A_r1 M A_r1'`` of the rest block.

``M`` is block diagonal (one ``k1 x k1`` block per level of the first term),
so entry ``(i, j)`` of the downdate is a fixed linear combination of the
entries of ``M``.  The combination is sparse and depends only on the data;
it is built once here, and each evaluation is a single sparse matrix-vector
product instead of a sparse-sparse matrix product.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from mixedmodels.core._outer_scalar import scalar_outer_map


class OuterProductMap:
    """Lower triangle of ``A M A'`` as ``P @ M.ravel()``.

    Give ``P`` or its transpose ``by_column`` (CSR, one row per column of
    ``P``); ``P`` is converted from ``by_column`` when first asked for.  A
    scalar first term's map is built by column, and an LMM whose levels
    merge into classes (:mod:`._levelclass`) never needs it by row: the
    conversion (22 ms for InstEval's 1.8 million non-zeros) is skipped.

    Attributes
    ----------
    rows, cols : numpy.ndarray
        Positions ``(i, j)``, ``i >= j``, of the entries that can be non-zero.
    refresh_values : callable, optional
        New ``P.data`` for new values of ``A`` (see :meth:`refresh`).
    column_order : numpy.ndarray, optional
        Entry of ``M.ravel()`` that column ``j`` of ``P`` stands for (None: ``j``).
    """

    def __init__(self, rows: np.ndarray, cols: np.ndarray, P: sp.csr_matrix | None = None,
                 refresh_values: Callable[[sp.csr_matrix], np.ndarray] | None = None,
                 column_order: np.ndarray | None = None, by_column: sp.csr_matrix | None = None) -> None:
        if (P is None) == (by_column is None):
            raise ValueError("give the map as P or as by_column, not both")
        self.rows, self.cols = rows, cols
        self.refresh_values, self.column_order = refresh_values, column_order
        self._P, self._by_column = P, by_column

    @property
    def P(self) -> sp.csr_matrix:
        """``(len(rows), q1 * k1 * k1)`` coefficients, CSR."""
        if self._P is None:
            self._P = self._by_column.T.tocsr()
        return self._P

    def transposed(self) -> sp.spmatrix:
        """``P'``: the map as built by column, else a transposed view of ``P``
        (CSC; nothing is converted or kept)."""
        return self._by_column if self._by_column is not None else self._P.T

    def lower(self, m: np.ndarray) -> np.ndarray:
        """Values of the lower triangle of ``A M A'`` at ``(rows, cols)``."""
        m = m.ravel()
        return self.P @ (m if self.column_order is None else m[self.column_order])

    def adjoint(self, w: np.ndarray) -> np.ndarray:
        """``P' w`` in the layout of ``M.ravel()`` (the transpose of :meth:`lower`)."""
        out = self.P.T @ w
        if self.column_order is None:
            return out
        natural = np.empty_like(out)
        natural[self.column_order] = out
        return natural

    def refresh(self, a_r1: sp.csr_matrix) -> None:
        """New coefficients for an ``A`` with new values but the same sparsity
        structure (built with ``refreshable=True``); nothing is re-sorted."""
        if self.refresh_values is None:
            raise ValueError("this map was built without refreshable=True")
        self.P.data = self.refresh_values(a_r1)
        self._by_column = None  # held no longer: it would be stale


def _entries_by_level(a_r1: sp.spmatrix, k: int, with_order: bool = False):
    """Entries of ``A`` sorted by (level, row, effect), with group starts
    (and, with ``with_order``, the positions of the sorted entries in ``A``'s data)."""
    coo = a_r1.tocoo()
    level, effect = np.divmod(coo.col, k)
    order = np.lexsort((effect, coo.row, level))
    level = level[order]
    counts = np.bincount(level, minlength=a_r1.shape[1] // k)
    starts = np.concatenate([[0], np.cumsum(counts)])[:-1]
    out = (coo.row[order], effect[order], coo.data[order], level, starts)
    return out + (order,) if with_order else out


def _pairs(level: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(e1, e2)`` of entries of one level with ``e2`` at or before ``e1``."""
    position = np.arange(level.size) - starts[level]
    per_entry = position + 1
    e1 = np.repeat(np.arange(level.size), per_entry)
    first_of_run = np.cumsum(per_entry) - per_entry
    e2 = starts[level[e1]] + (np.arange(e1.size) - np.repeat(first_of_run, per_entry))
    return e1, e2


_TABLE_MAX = 64_000_000  # key spaces up to this size are compacted through a lookup table ...
_TABLE_PER_KEY = 16  # ... when they hold at least one key per this many slots (5 bytes a slot)


def _compact(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and the index of every key among them (int32 when it
    fits): through a lookup table over the key space when the keys fill it
    well, else by sorting (a nested design's 8,000-row rest has a space of 64
    million positions for 400,000 keys: a 320 MB table)."""
    if space <= min(_TABLE_MAX, _TABLE_PER_KEY * max(key.size, 1) + 1_000_000):
        present = np.zeros(space, dtype=bool)
        present[key] = True
        unique = np.flatnonzero(present)
        lookup = np.empty(space, dtype=np.int32 if unique.size < 2**31 else np.int64)
        lookup[unique] = np.arange(unique.size)
        return unique, lookup[key]
    unique, index = np.unique(key, return_inverse=True)
    return unique, index.ravel()


def build_outer_map(a_r1: sp.spmatrix, k: int, refreshable: bool = False) -> OuterProductMap:
    """Build the map for ``A = a_r1`` (``s x q1 k``) and first-term size ``k``.

    A scalar first term (``k = 1``) takes the class-by-class construction of
    :mod:`._outer_scalar`.  Otherwise entries of a level are sorted by row,
    so every pair ``(e1, e2)`` with ``e2`` at or before ``e1`` lands in the
    lower triangle; a pair of two different entries on the same row stands
    for both orders (``M`` is symmetric) and counts twice.  With
    ``refreshable`` the map keeps what :meth:`OuterProductMap.refresh` needs
    (``a_r1`` must then be canonical CSR, and keep its structure).
    """
    if k == 1:
        return OuterProductMap(**scalar_outer_map(sp.csr_matrix(a_r1), _compact, refreshable))
    row, effect, value, level, starts, order = _entries_by_level(a_r1, k, with_order=True)
    e1, e2 = _pairs(level, starts)
    s = a_r1.shape[0]
    unique, pair_index = _compact(row[e1].astype(np.int64) * s + row[e2], s * s)
    coef = (level[e1] * k + effect[e1]) * k + effect[e2]
    weight = np.where((row[e1] == row[e2]) & (e1 != e2), 2.0, 1.0)
    shape = (unique.size, a_r1.shape[1] * k)
    P = sp.csr_matrix((weight * value[e1] * value[e2], (pair_index, coef)), shape=shape)
    P.sum_duplicates()
    if not refreshable:
        return OuterProductMap(unique // s, unique % s, P)
    slot = np.unique(pair_index.astype(np.int64) * shape[1] + coef, return_inverse=True)[1].ravel()

    def refresh(a: sp.csr_matrix) -> np.ndarray:
        value = a.data[order]
        return np.bincount(slot, weights=weight * value[e1] * value[e2], minlength=P.nnz)

    return OuterProductMap(unique // s, unique % s, P, refresh)
