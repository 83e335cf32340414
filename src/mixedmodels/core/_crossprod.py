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

    def with_response(self, response_r1: np.ndarray, response_rest: np.ndarray) -> CrossProducts:
        """The cross-products of the same ``[Z X]`` with another response:
        ``response_r1 = Z_1' y`` (``q1 k1``) and ``response_rest = [Z_rest X y]' y``
        (``s``) replace the last row of ``a_r1`` and the last row and column of ``a_rr``."""
        s = self.a_r1.shape[0]
        if sp.issparse(self.a_rr):
            head = self.a_rr[: s - 1, : s - 1]
            column = dense_rows(response_rest[: s - 1, None])
            a_rr = sp.bmat([[head, column], [column.T, dense_rows(response_rest[None, s - 1 :])]], format="csr")
        else:
            a_rr = self.a_rr.copy()
            a_rr[-1, :] = a_rr[:, -1] = response_rest
        return CrossProducts(self.a11, _with_last_row(self.a_r1, response_r1), a_rr, self.n)

    def scaled(self, factor: float) -> CrossProducts:
        """The cross-products with every row's weight multiplied by ``factor``."""
        return CrossProducts(factor * self.a11, (factor * self.a_r1).tocsr(), factor * self.a_rr, self.n)

    def __add__(self, other: CrossProducts) -> CrossProducts:
        return CrossProducts(
            self.a11 + other.a11,
            (self.a_r1 + other.a_r1).tocsr(),
            self.a_rr + other.a_rr,
            self.n + other.n,
        )


def _with_last_row(a: sp.csr_matrix, row: np.ndarray) -> sp.csr_matrix:
    """``a`` with its last row replaced by the dense ``row`` (every entry stored)."""
    head = a.indptr[-2]
    indptr = np.concatenate([a.indptr[:-1], [head + row.size]])
    indices = np.concatenate([a.indices[:head], np.arange(row.size, dtype=a.indices.dtype)])
    return sp.csr_matrix((np.concatenate([a.data[:head], row]), indices, indptr), shape=a.shape)


def rest_design(blocks: list[RandomEffectsBlock], rows: slice, n: int) -> sp.csr_matrix:
    """Sparse ``[Z_2 ... Z_m]`` for a slice of ``n`` rows."""
    cols, vals, offset = [], [], 0
    for block in blocks:
        cols.append(block.columns(rows) + offset)
        vals.append(block.Z[rows])
        offset += block.size
    if not blocks:
        return sp.csr_matrix((n, 0))
    col = np.concatenate(cols, axis=1)
    val = np.concatenate(vals, axis=1)
    width = col.shape[1]
    indptr = np.arange(0, n * width + 1, width)
    return sp.csr_matrix((val.ravel(), col.ravel(), indptr), shape=(n, offset))


def dense_rows(values: np.ndarray) -> sp.csr_matrix:
    """A dense ``(r, c)`` array as CSR rows with every entry stored (zeros too),
    so that the structure does not depend on the values."""
    r, c = values.shape
    if c == 0:
        return sp.csr_matrix((r, 0))
    return sp.csr_matrix((values.ravel(), np.tile(np.arange(c), r), np.arange(0, r * c + 1, c)), shape=(r, c))


def first_design(block: RandomEffectsBlock, rows: slice) -> sp.csr_matrix:
    """Sparse ``Z_1`` for a slice of rows."""
    cols = block.columns(rows)
    n, k = cols.shape
    indptr = np.arange(0, n * k + 1, k)
    return sp.csr_matrix((block.Z[rows].ravel(), cols.ravel(), indptr), shape=(n, block.size))


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
    n = z1.shape[0]
    R = rest_design(rest, rows, n)
    Xr, yr = X[rows], y[rows]  # D = [X y], never copied into one array

    def times_d(M) -> np.ndarray:
        return np.column_stack([M @ Xr, M @ yr])

    Rt = R.T.tocsr()
    rd = times_d(Rt)
    # X'y and y'y by einsum: two more calls into numpy's threaded BLAS leave its workers
    # spinning against the next steps (200k-row nested fit: every other setup 30 ms slower)
    xty = np.einsum("ij,i->j", Xr, yr)
    dd = np.block([[Xr.T @ Xr, xty[:, None]], [xty[None, :], np.array([[np.einsum("i,i->", yr, yr)]])]])
    a_r1 = sp.vstack([Rt @ z1, dense_rows(times_d(z1.T).T)], format="csr")
    s = R.shape[1] + dd.shape[0]
    if s <= DENSE_REST_MAX:
        a_rr = np.block([[(Rt @ R).toarray(), rd], [rd.T, dd]])
    else:
        a_rr = sp.bmat([[Rt @ R, dense_rows(rd)], [dense_rows(rd.T), dense_rows(dd)]], format="csr")
    return CrossProducts(first.level_gram(rows=rows), a_r1, a_rr, n)


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


def scaled_rows(blocks: list[RandomEffectsBlock], X: np.ndarray, y: np.ndarray, scale: np.ndarray | None,
                rows: np.ndarray | slice = slice(None)):
    """The rows ``rows`` of ``[Z X y]`` multiplied by ``scale`` (one per row
    taken; None: as they are): the square roots of weights, or a variance
    function's ``1 / s``."""
    if scale is None:
        return [RandomEffectsBlock(b.codes[rows], b.nlevels, b.Z[rows], b.covariance) for b in blocks], X[rows], y[rows]
    scale = np.asarray(scale, dtype=float)
    return ([RandomEffectsBlock(b.codes[rows], b.nlevels, b.Z[rows] * scale[:, None], b.covariance) for b in blocks],
            X[rows] * scale[:, None], y[rows] * scale)


def row_cross_products(
    blocks: list[RandomEffectsBlock], X: np.ndarray, y: np.ndarray, rows: np.ndarray,
    weights: np.ndarray | None = None,
) -> CrossProducts:
    """Cross-products of the rows ``rows`` alone, each with its weight
    (``weights``, one per row taken; default 1), the other rows' weight 0:
    pieces that, weighted and added, give the cross-products under weights
    that change in a search (nlme's variance and correlation functions)
    without reading the rows again."""
    root = None if weights is None else np.sqrt(np.asarray(weights, dtype=float))
    return chunked_cross_products(*scaled_rows(blocks, X, y, root, rows))


def stratum_cross_products(
    blocks: list[RandomEffectsBlock], X: np.ndarray, y: np.ndarray, strata: np.ndarray, nstrata: int
) -> list[CrossProducts]:
    """Cross-products of the rows of each stratum apart (``strata``: a code
    ``0 .. nstrata - 1`` per row).  Their sum weighted by ``w_k`` is the
    cross-products under prior weight ``w_k`` in stratum ``k`` (nlme's
    ``varIdent`` at new ratios)."""
    return [row_cross_products(blocks, X, y, np.flatnonzero(strata == k)) for k in range(nstrata)]


def pair_cross_products(
    blocks: list[RandomEffectsBlock], X: np.ndarray, y: np.ndarray, first: np.ndarray, second: np.ndarray,
    sign: float = 1.0, weights: np.ndarray | None = None,
) -> CrossProducts:
    """Cross-products of the sums (``sign`` 1) or differences (``sign`` -1)
    of the rows ``first[i]`` and ``second[i]``, each pair with its weight
    (default 1): ``sum_i w_i (d_a + sign d_b)(d_a + sign d_b)'``, which with the
    rows' own carry the products between them (an AR(1) precision's
    off-diagonal).  The rows of a pair must share every term's level."""
    root = np.ones(len(first)) if weights is None else np.sqrt(np.asarray(weights, dtype=float))

    def combined(values: np.ndarray) -> np.ndarray:
        shape = (-1,) + (1,) * (values.ndim - 1)
        return (values[first] + sign * values[second]) * root.reshape(shape)

    part = [RandomEffectsBlock(b.codes[first], b.nlevels, combined(b.Z), b.covariance) for b in blocks]
    return chunked_cross_products(part, combined(X), combined(y))
