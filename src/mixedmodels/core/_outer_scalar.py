"""The downdate map for a scalar first term, built class by class.

With one effect per level, the downdate ``A diag(m) A'`` sums, over the
levels, ``m_l`` times the products of pairs of entries in column ``l`` of
``A``.  Levels with the same number ``c`` of entries share the pattern of
their pairs (the lower triangle of a ``c x c`` matrix), so the pairs of all
such levels are one broadcast over a small ``(levels, c)`` array of their
rows and values -- no per-pair index arrays and no sort.  The pairs are
laid out class by class (the transpose of the map, in CSR form, its rows
the levels ordered by count), and one linear conversion gives the map by
position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class _CountClass:
    """Levels with ``c`` entries each, consecutive in the class-major order."""

    entries: np.ndarray  # (levels, c) positions of the entries in A's CSC data
    first: np.ndarray  # (c (c + 1) / 2,) the pairs' first entry (column of ``entries``)
    second: np.ndarray  # and second entry, first >= second
    start: int  # where the class's pairs begin in the class-major layout
    stop: int


class ScalarPairs:
    """The pairs of entries of ``A`` that share a level, grouped by count class.

    Levels are taken in ``level_order`` (by number of entries), so that each
    class's pairs are one contiguous slice of the layout.

    Parameters
    ----------
    a_r1 : scipy.sparse.csr_matrix
        ``(s, q1)`` product of the rest with a scalar first term.
    """

    def __init__(self, a_r1: sp.csr_matrix) -> None:
        self.s, self.q = a_r1.shape
        order = sp.csr_matrix((np.arange(a_r1.nnz, dtype=float), a_r1.indices, a_r1.indptr), shape=a_r1.shape)
        csc = order.tocsc()
        csc.sort_indices()
        self.key_dtype = np.int64 if self.s * self.s >= 2**31 else np.int32
        self.rows = csc.indices.astype(self.key_dtype)
        column = np.repeat(np.arange(self.q, dtype=np.int64), np.diff(csc.indptr))
        if np.any(np.diff(column * self.s + self.rows) == 0):
            raise ValueError("the first term's cross-products hold duplicate entries; sum them first")
        self.data_order = csc.data.astype(np.int64)  # CSC position -> position in a_r1.data
        counts = np.diff(csc.indptr)
        self.level_order = np.argsort(counts, kind="stable")
        npairs = (counts * (counts + 1) // 2)[self.level_order]
        self.level_ptr = np.concatenate([[0], np.cumsum(npairs)])
        self.classes = []
        sorted_counts = counts[self.level_order]
        for c in np.unique(sorted_counts[sorted_counts > 0]):
            lo, hi = np.searchsorted(sorted_counts, [c, c + 1])
            first, second = np.tril_indices(c)
            entries = csc.indptr[self.level_order[lo:hi]][:, None] + np.arange(c)
            self.classes.append(_CountClass(entries, first, second, int(self.level_ptr[lo]), int(self.level_ptr[hi])))

    def _over_pairs(self, per_entry: np.ndarray, combine, dtype) -> np.ndarray:
        """``combine(first, second)`` of the two values of every pair, taken
        from ``per_entry`` (one value per CSC entry of ``A``), class-major."""
        out = np.empty(int(self.level_ptr[-1]), dtype=dtype)
        for cls in self.classes:
            v = per_entry[cls.entries]
            out[cls.start : cls.stop] = combine(v[:, cls.first], v[:, cls.second]).ravel()
        return out

    def keys(self) -> np.ndarray:
        """``row_1 * s + row_2`` of every pair, class-major."""
        return self._over_pairs(self.rows, lambda a, b: a * self.s + b, self.key_dtype)

    def pair_indices(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions in ``A``'s CSR data of the two entries of every pair,
        class-major: :meth:`products` is ``a_data[i1] * a_data[i2]``."""
        dtype = np.int32 if self.data_order.size < 2**31 else np.int64
        return (self._over_pairs(self.data_order, lambda a, b: a, dtype),
                self._over_pairs(self.data_order, lambda a, b: b, dtype))

    def products(self, a_data: np.ndarray) -> np.ndarray:
        """Products of the paired values of ``A`` (its CSR data), class-major."""
        return self._over_pairs(a_data[self.data_order], np.multiply, float)


def scalar_outer_map(a_r1: sp.csr_matrix, compact, refreshable: bool = False):
    """The arguments of :class:`~mixedmodels.core._outer.OuterProductMap`
    for a scalar first term: ``rows``, ``cols``, and ``P`` or its transpose
    ``by_column`` (left to be converted when needed), ``column_order``
    (``P``'s column ``j`` is level ``column_order[j]``) and, with
    ``refreshable``, ``refresh_values`` for new values of ``A`` with the
    same structure.  ``compact`` is :func:`mixedmodels.core._outer._compact`.
    """
    pairs = ScalarPairs(a_r1)
    s = pairs.s
    unique, position = compact(pairs.keys(), s * s)
    data = np.arange(position.size, dtype=float) if refreshable else pairs.products(a_r1.data)
    by_column = sp.csr_matrix((data, position, pairs.level_ptr), shape=(pairs.q, unique.size))
    if not refreshable:
        return {"rows": unique // s, "cols": unique % s, "by_column": by_column, "column_order": pairs.level_order}
    by_position = by_column.T.tocsr()  # linear: CSC of P to CSR
    # the pairs' entries in the map's order: a refresh is two gathers and a product (no class loop)
    permutation = by_position.data.astype(np.int64)
    first, second = (i[permutation] for i in pairs.pair_indices())

    def refresh(a: sp.csr_matrix) -> np.ndarray:
        return a.data[first] * a.data[second]

    by_position.data = refresh(a_r1)
    return {"rows": unique // s, "cols": unique % s, "P": by_position, "refresh_values": refresh,
            "column_order": pairs.level_order}
