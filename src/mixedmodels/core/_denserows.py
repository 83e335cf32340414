"""The fixed-effects and response rows of the downdate, computed densely.

The downdate map of :mod:`._outer` lists every pair of entries of ``A_r1``
that share a level of the first term.  The rows of ``A_r1`` for ``X`` and
``y`` are dense -- every level has them -- so with many fixed effects most
pairs are theirs, and they all change with the response.  Their part of
the downdate, ``A_x M A_r1'`` (``d x s`` for the ``d = p + 1`` rows), is
one sparse-times-dense product per evaluation instead; the sparse map keeps
only the random effects' rows, and a new response changes only ``A_x``.
"""

from __future__ import annotations

import copy

import numpy as np
import scipy.sparse as sp

from mixedmodels.core._outer import OuterProductMap, build_outer_map
from mixedmodels.core._scale import times_block_diagonal


class DenseRowsDowndate:
    """``A M A'`` on the rows ``start ..`` of ``A = a_r1`` (all of their
    lower-triangle entries).

    Parameters
    ----------
    a_r1 : scipy.sparse.csr_matrix
        ``(s, q1 k)`` product of the rest with the first term.
    start : int
        First dense row (the number of random effects in the rest).
    k : int
        Size of the first term's blocks.
    """

    def __init__(self, a_r1: sp.csr_matrix, start: int, k: int) -> None:
        s = a_r1.shape[0]
        self.start, self.k, self.d = start, k, s - start
        self.a_re = a_r1[:start]
        self.a_x = a_r1[start:].toarray()
        counts = start + 1 + np.arange(self.d)  # row start + t holds columns 0 .. start + t
        t = np.repeat(np.arange(self.d), counts)
        self.rows = start + t
        self.cols = np.arange(t.size) - np.repeat(np.cumsum(counts) - counts, counts)
        self._flat = self.cols * self.d + t  # into the (s, d) product A (A_x M)'

    def refresh(self, data: np.ndarray) -> None:
        """New values of ``A`` with its structure (PIRLS's new weights): its
        CSR ``data``, the random effects' rows first, then the dense rows
        whole, in column order (as :class:`~mixedmodels.core._reweight.ReweightedCrossProducts`
        lays them out)."""
        nnz_re, width = self.a_re.nnz, self.a_x.shape[1]
        if data.size != nnz_re + self.d * width:
            raise ValueError(f"new values of A: {data.size} for {nnz_re} sparse entries and {self.d} dense rows "
                             f"of {width}; the dense rows must be stored whole")
        self.a_re.data[:] = data[:nnz_re]
        self.a_x = data[nnz_re:].reshape(self.d, width)

    def with_rows(self, a_x: np.ndarray) -> DenseRowsDowndate:
        """The same positions for new dense rows (a new response)."""
        out = copy.copy(self)
        out.a_x = a_x
        return out

    def _weighted(self, m: np.ndarray) -> np.ndarray:
        """``A_x M`` (``d x q1 k``)."""
        if self.k == 1:
            return self.a_x * m.ravel()
        return times_block_diagonal(self.a_x, m)

    def lower(self, m: np.ndarray) -> np.ndarray:
        """Values of the downdate at ``(rows, cols)`` for blocks ``m`` (``(q1, k, k)``)."""
        w = self._weighted(m).T
        product = np.empty((self.start + self.d, self.d))
        if self.start:
            product[: self.start] = self.a_re @ w
        product[self.start :] = self.a_x @ w
        return product.ravel()[self._flat]

    def adjoint(self, values: np.ndarray) -> np.ndarray:
        """The transpose of :meth:`lower`: ``sum over (i, j) of values_ij A_i,l' A_j,l``
        per level, in the layout of ``M.ravel()``."""
        weights = np.zeros((self.start + self.d, self.d))
        weights.ravel()[self._flat] = values
        h = self.a_x.T @ weights[self.start :]
        if self.start:
            h += self.a_re.T @ weights[: self.start]
        if self.k == 1:
            return np.einsum("tl,lt->l", self.a_x, h)
        q = self.a_x.shape[1] // self.k
        # h_l a_l' per level, a batched matmul (see mixedmodels.core._scale)
        return np.matmul(h.reshape(q, self.k, self.d), self.a_x.reshape(self.d, q, self.k).transpose(1, 0, 2)
                         ).transpose(0, 2, 1).ravel()


class SplitOuterMap:
    """The downdate map as a sparse map over the random effects' rows and
    :class:`DenseRowsDowndate` over the rows of ``X`` and ``y``, with the
    interface of :class:`~mixedmodels.core._outer.OuterProductMap` (``rows``,
    ``cols``, ``lower``, ``adjoint``); ``sparse`` is the sparse part."""

    def __init__(self, a_r1: sp.csr_matrix, n_re: int, k: int, refreshable: bool = False) -> None:
        self.sparse = build_outer_map(a_r1[:n_re], k, refreshable) if n_re else _empty_map(a_r1.shape[1] * k)
        self.dense = DenseRowsDowndate(a_r1, n_re, k)
        self.rows = np.concatenate([self.sparse.rows, self.dense.rows])
        self.cols = np.concatenate([self.sparse.cols, self.dense.cols])

    def refresh(self, a_r1: sp.csr_matrix) -> None:
        """New values of ``A`` with its structure (built with ``refreshable``;
        see :meth:`DenseRowsDowndate.refresh` for the layout).  The sparse
        map reads only the random effects' rows, the head of ``A``'s data."""
        if self.sparse.rows.size:
            self.sparse.refresh(a_r1)
        self.dense.refresh(a_r1.data)

    def with_response(self, response_r1: np.ndarray) -> SplitOuterMap:
        """The map for another response ``Z_1' y``: the sparse part is shared."""
        a_x = self.dense.a_x.copy()
        a_x[-1] = response_r1
        out = copy.copy(self)
        out.dense = self.dense.with_rows(a_x)
        return out

    def lower(self, m: np.ndarray, sparse_values: np.ndarray | None = None) -> np.ndarray:
        """Values at ``(rows, cols)``; ``sparse_values``, when given, stand for
        the sparse part (e.g. from a merged map)."""
        if not self.sparse.rows.size:  # no random effects in the rest (one term)
            return self.dense.lower(m)
        head = self.sparse.lower(m) if sparse_values is None else sparse_values
        return np.concatenate([head, self.dense.lower(m)])

    def adjoint(self, w: np.ndarray) -> np.ndarray:
        """``P' w`` in the layout of ``M.ravel()``."""
        n = self.sparse.rows.size
        return self.sparse.adjoint(w[:n]) + self.dense.adjoint(w[n:])


def _empty_map(width: int) -> OuterProductMap:
    empty = np.zeros(0, dtype=np.int64)
    return OuterProductMap(empty, empty, sp.csr_matrix((0, width)))
