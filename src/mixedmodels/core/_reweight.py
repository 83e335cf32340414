"""Cross-products of ``[Z X z]`` for row weights and a response that change.

PIRLS needs ``[Z X z]' W [Z X z]`` once per iteration with new weights ``W``
and working response ``z``.  Which entries can be non-zero depends only on
which levels co-occur, so that structure is found once here; each
:meth:`ReweightedCrossProducts.compute` is then a few ``bincount`` and
sparse-times-dense products over the ``n`` rows, with nothing re-sorted.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mixedmodels.core._crossprod import CrossProducts
from mixedmodels.core._outer import _compact
from mixedmodels.core._reblock import RandomEffectsBlock


def _transposed(cols: np.ndarray, n_cols: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """CSR pattern of the ``(n_cols, n)`` transpose of a design whose row ``i``
    has entries in ``cols[i]``, and the order its data takes from ``vals.ravel()``."""
    n, k = cols.shape
    flat = cols.ravel()
    order = np.argsort(flat, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(flat, minlength=n_cols))])
    rows = np.repeat(np.arange(n), k)[order]
    return sp.csr_matrix((np.zeros(flat.size), rows, indptr), shape=(n_cols, n)), order


class _WeightedRows:
    """Per-row values ``(n, m)`` times the row weights, raveled row-major and
    optionally permuted by ``order``: the data of a reweighted sparse product.
    Values all 1 (random intercepts) take the weights as they are, with no
    product; permuted values are permuted once, and only the weights are
    gathered each time."""

    def __init__(self, values: np.ndarray, order: np.ndarray | None = None) -> None:
        m = max(values.shape[1], 1)
        self.ones = values.shape[1] > 0 and bool(np.all(values == 1.0))
        self.values = values if order is None else values.ravel()[order]
        self.rows = None if order is None else order // m
        if self.ones and order is None and m > 1:
            self.rows = np.arange(values.size) // m

    def times(self, w: np.ndarray) -> np.ndarray:
        """The values times the weights of their rows."""
        if self.ones:
            return w if self.rows is None else w[self.rows]
        if self.rows is None:
            return (self.values * w[:, None]).ravel()
        return self.values * w[self.rows]


class ReweightedCrossProducts:
    """Weighted cross-products of ``[Z_1 Z_rest X z]`` with a fixed structure.

    Parameters
    ----------
    blocks : list of RandomEffectsBlock
        Random-effects terms (unweighted), the first kept block diagonal.
    X : numpy.ndarray
        ``(n, p)`` fixed-effects columns placed before the response (``p``
        may be 0: then the rest holds only the other terms and ``z``).

    Notes
    -----
    ``A_rr`` comes as a dense symmetric array, or -- after
    :meth:`set_lower_sparse` -- as the CSR matrix of its lower triangle.
    """

    def __init__(self, blocks: list[RandomEffectsBlock], X: np.ndarray) -> None:
        first, rest = blocks[0], blocks[1:]
        self.first = first
        self.n, self.p = X.shape
        self.q1k1 = first.size
        self.z1 = first.Z
        cols, vals, offset = [], [], 0
        for block in rest:
            cols.append(block.columns() + offset)
            vals.append(block.Z)
            offset += block.size
        self.s_re = offset
        self.s = offset + self.p + 1
        self.re_cols = np.concatenate(cols, axis=1) if cols else np.empty((self.n, 0), np.int64)
        self.re_vals = np.concatenate(vals, axis=1) if vals else np.empty((self.n, 0))
        self._D = np.empty((self.n, self.p + 1))
        self._D[:, : self.p] = X
        self._z1t, order = _transposed(first.columns(), self.q1k1)
        self._z1t_values = _WeightedRows(self.z1, order)
        self._zrt, order = _transposed(self.re_cols, max(self.s_re, 0))
        self._zrt_values = _WeightedRows(self.re_vals, order)
        self._build_r1(first)
        self._build_rr()
        self._lower = None

    def _build_r1(self, first: RandomEffectsBlock) -> None:
        """Pattern of ``A_r1``: sparse rows for the other terms, dense rows for X and z."""
        c1 = first.columns()
        key = (self.re_cols[:, :, None] * self.q1k1 + c1[:, None, :]).ravel()
        unique, self._r1_slot = _compact(key, max(self.s_re * self.q1k1, 1))
        self._r1_prod = _WeightedRows((self.re_vals[:, :, None] * self.z1[:, None, :]).reshape(self.n, -1))
        rows, cols = np.divmod(unique, self.q1k1)
        counts = np.concatenate([np.bincount(rows, minlength=self.s_re), np.full(self.p + 1, self.q1k1)])
        indices = np.concatenate([cols, np.tile(np.arange(self.q1k1), self.p + 1)])
        indptr = np.concatenate([[0], np.cumsum(counts)])
        self._r1_nnz_re = unique.size
        # one matrix whose values each compute() replaces (building it costs more than filling it)
        self._a_r1 = sp.csr_matrix((np.zeros(indices.size), indices, indptr),
                                   shape=(self.s, self.q1k1))

    def _build_rr(self) -> None:
        """Pattern of the other terms' block of ``A_rr`` (pairs of entries on a row)."""
        k = self.re_cols.shape[1]
        a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        key = (self.re_cols[:, a.ravel()] * self.s + self.re_cols[:, b.ravel()]).ravel()
        unique, self._rr_slot = _compact(key, max(self.s_re * self.s, 1))
        self._rr_rows, self._rr_cols = np.divmod(unique, self.s)
        self._rr_prod = _WeightedRows(self.re_vals[:, a.ravel()] * self.re_vals[:, b.ravel()])

    def set_lower_sparse(self, lower_sparse: bool) -> None:
        """Give ``A_rr`` as the CSR matrix of its lower triangle, with the same
        structure every time (True: for a large rest of scalar terms, whose
        factor reads the values packed), or as a dense array (False)."""
        self._lower = _LowerRest(self) if lower_sparse else None

    def compute(self, w: np.ndarray, z: np.ndarray) -> CrossProducts:
        """Cross-products with row weights ``w`` (not square roots) and response ``z``."""
        D = self._D
        D[:, self.p] = z
        a11 = self.first.level_gram(w)
        self._z1t.data = self._z1t_values.times(w)
        dense_r1 = (self._z1t @ D).T
        sparse_r1 = np.bincount(self._r1_slot, weights=self._r1_prod.times(w), minlength=self._r1_nnz_re)
        a_r1 = self._a_r1
        a_r1.data = np.concatenate([sparse_r1, dense_r1.ravel()])
        if self._lower is not None:
            return CrossProducts(a11, a_r1, self._lower.compute(w, D), self.n)
        a_rr = np.empty((self.s, self.s))
        dd = (D * w[:, None]).T @ D
        a_rr[self.s_re :, self.s_re :] = dd
        if self.s_re:
            self._rest_blocks(a_rr, w, D)
        return CrossProducts(a11, a_r1, a_rr, self.n)

    def structure(self) -> CrossProducts:
        """Cross-products with 1 at every entry some weights can make non-zero
        (at unit weights a sum can cancel to 0, e.g. with a +-0.5 coded slope):
        what the search for leading diagonal blocks must look at."""
        a_r1 = self._a_r1.copy()
        a_r1.data = np.ones_like(a_r1.data)
        s, s_re = self.s, self.s_re
        re, dz = np.arange(s_re), np.arange(s_re, s)
        rows = np.concatenate([self._rr_rows, np.repeat(re, dz.size), np.repeat(dz, s_re), np.repeat(dz, dz.size)])
        cols = np.concatenate([self._rr_cols, np.tile(dz, s_re), np.tile(re, dz.size), np.tile(dz, dz.size)])
        a_rr = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(s, s))
        k = self.z1.shape[1]
        return CrossProducts(np.ones((self.q1k1 // k, k, k)), a_r1, a_rr, self.n)

    def X_transpose_times(self, r: np.ndarray) -> np.ndarray:
        """``X' r`` (length ``p``)."""
        return r @ self._D[:, : self.p]

    def _rest_blocks(self, a_rr: np.ndarray, w: np.ndarray, D: np.ndarray) -> None:
        s_re = self.s_re
        a_rr[:s_re, :s_re] = 0.0
        a_rr[self._rr_rows, self._rr_cols] = self.re_pairs(w)
        cross = self.re_cross(w, D)
        a_rr[:s_re, s_re:] = cross
        a_rr[s_re:, :s_re] = cross.T

    def re_pairs(self, w: np.ndarray) -> np.ndarray:
        """Values of the other terms' block at ``(_rr_rows, _rr_cols)``."""
        return np.bincount(self._rr_slot, weights=self._rr_prod.times(w), minlength=self._rr_rows.size)

    def re_cross(self, w: np.ndarray, D: np.ndarray) -> np.ndarray:
        """``(s_re, p + 1)`` product of the other terms with ``[X z]``."""
        self._zrt.data = self._zrt_values.times(w)
        return self._zrt @ D


class _LowerRest:
    """``A_rr``'s lower triangle as a CSR matrix of fixed structure: the other
    terms' pairs on or below the diagonal, their products with ``[X z]``,
    and the lower triangle of ``[X z]' W [X z]``."""

    def __init__(self, cross: ReweightedCrossProducts) -> None:
        self.cross = cross
        s, s_re, d = cross.s, cross.s_re, cross.p + 1
        self.re_lower = np.flatnonzero(cross._rr_rows >= cross._rr_cols)
        self.dd_rows, self.dd_cols = np.tril_indices(d)
        rows = np.concatenate([cross._rr_rows[self.re_lower], np.repeat(np.arange(d), s_re) + s_re,
                               self.dd_rows + s_re])
        cols = np.concatenate([cross._rr_cols[self.re_lower], np.tile(np.arange(s_re), d),
                               self.dd_cols + s_re])
        self.order = np.lexsort((cols, rows))
        counts = np.bincount(rows, minlength=s)
        indptr = np.concatenate([[0], np.cumsum(counts)])
        # one matrix whose values each compute() replaces, as for A_r1 (building it costs more than filling it)
        self._matrix = sp.csr_matrix((np.zeros(rows.size), cols[self.order], indptr), shape=(s, s))

    def compute(self, w: np.ndarray, D: np.ndarray) -> sp.csr_matrix:
        """The lower triangle of ``A_rr`` at weights ``w`` (``D = [X z]``): the
        same matrix object every call, its values replaced (as ``A_r1``'s)."""
        cross = self.cross
        dd = (D * w[:, None]).T @ D
        parts = [cross.re_pairs(w)[self.re_lower], cross.re_cross(w, D).T.ravel(), dd[self.dd_rows, self.dd_cols]]
        self._matrix.data = np.concatenate(parts)[self.order]
        return self._matrix
