"""Cross-products of ``[Z X y]``, formed once per fit (summable over row chunks).

The first random-effects term is kept apart: its diagonal block is
block-diagonal (one ``k1 x k1`` block per level) and its product with
everything else is sparse.  Everything else -- the other terms, X and y --
is "the rest", whose cross-product is held dense -- or sparse when the rest
has more than ``DENSE_REST_MAX`` columns (the factor then reads only its
non-zeros, or densifies it itself when it must).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from mixedmodels.core._reblock import RandomEffectsBlock

DENSE_REST_MAX = 2000


@dataclass
class CrossProducts:
    """Blocks of ``[Z_1 Z_rest X y]' [Z_1 Z_rest X y]`` (weighted).

    Attributes
    ----------
    a11 : numpy.ndarray
        ``(q1, k1, k1)`` per-level blocks of ``Z_1' Z_1``.
    a_r1 : scipy.sparse.csr_matrix
        ``(s, q1 * k1)`` product of the rest with the first term.
    a_rr : numpy.ndarray or scipy.sparse.csr_matrix
        ``(s, s)`` cross-product of the rest (other terms, X, y); sparse
        when ``s > DENSE_REST_MAX``.
    n : int
        Number of rows accumulated.
    """

    a11: np.ndarray
    a_r1: sp.csr_matrix
    a_rr: np.ndarray | sp.csr_matrix
    n: int

    def __add__(self, other: "CrossProducts") -> "CrossProducts":
        return CrossProducts(
            self.a11 + other.a11,
            (self.a_r1 + other.a_r1).tocsr(),
            self.a_rr + other.a_rr,
            self.n + other.n,
        )


def rest_design(
    blocks: list[RandomEffectsBlock], X: np.ndarray, y: np.ndarray, rows: slice
) -> sp.csr_matrix:
    """Sparse ``[Z_2 ... Z_m X y]`` for a slice of rows."""
    Xr, yr = X[rows], y[rows]
    n = Xr.shape[0]
    cols, vals, offset = [], [], 0
    for block in blocks:
        cols.append(block.columns(rows) + offset)
        vals.append(block.Z[rows])
        offset += block.size
    dense = np.column_stack([Xr, yr])
    cols.append(np.broadcast_to(offset + np.arange(dense.shape[1]), dense.shape))
    vals.append(dense)
    col = np.concatenate(cols, axis=1)
    val = np.concatenate(vals, axis=1)
    width = col.shape[1]
    indptr = np.arange(0, n * width + 1, width)
    shape = (n, offset + dense.shape[1])
    return sp.csr_matrix((val.ravel(), col.ravel(), indptr), shape=shape)


def first_design(block: RandomEffectsBlock, rows: slice) -> sp.csr_matrix:
    """Sparse ``Z_1`` for a slice of rows."""
    cols = block.columns(rows)
    n, k = cols.shape
    indptr = np.arange(0, n * k + 1, k)
    return sp.csr_matrix((block.Z[rows].ravel(), cols.ravel(), indptr), shape=(n, block.size))


def first_diagonal(block: RandomEffectsBlock, rows: slice) -> np.ndarray:
    """Per-level ``k1 x k1`` blocks of ``Z_1' Z_1``."""
    z = block.Z[rows]
    codes = block.codes[rows]
    k = block.k
    out = np.empty((block.nlevels, k, k))
    for a in range(k):
        for b in range(a, k):
            s = np.bincount(codes, weights=z[:, a] * z[:, b], minlength=block.nlevels)
            out[:, a, b] = s
            out[:, b, a] = s
    return out


def cross_products(
    blocks: list[RandomEffectsBlock],
    X: np.ndarray,
    y: np.ndarray,
    rows: slice = slice(None),
) -> CrossProducts:
    """Cross-products of one chunk of rows; chunks add with ``+``.

    ``blocks``, ``X`` and ``y`` must already carry the square roots of any
    prior weights (rows multiplied by ``sqrt(w)``).
    """
    first, rest = blocks[0], blocks[1:]
    z1 = first_design(first, rows)
    r = rest_design(rest, X, y, rows)
    rt = r.T.tocsr()
    a_rr = (rt @ r).tocsr()
    if a_rr.shape[0] <= DENSE_REST_MAX:
        a_rr = a_rr.toarray()
    a_r1 = (rt @ z1).tocsr()
    n = z1.shape[0]
    return CrossProducts(first_diagonal(first, rows), a_r1, a_rr, n)


def chunked_cross_products(
    blocks: list[RandomEffectsBlock], X: np.ndarray, y: np.ndarray, chunk_rows: int = 250_000
) -> CrossProducts:
    """Cross-products accumulated over chunks of ``chunk_rows`` rows."""
    n = X.shape[0]
    total = None
    for start in range(0, max(n, 1), chunk_rows):
        part = cross_products(blocks, X, y, slice(start, min(n, start + chunk_rows)))
        total = part if total is None else total + part
    return total
