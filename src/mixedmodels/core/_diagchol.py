"""Cholesky factor of a matrix that starts with diagonal blocks.

In nested designs (observations within broods within locations) the rest
block of the penalized system starts with terms whose levels never
co-occur: the brood block is diagonal once the first term is eliminated,
and the location block stays diagonal once the broods are.  Eliminating
such a leading block by division leaves a smaller Schur complement; only
what remains needs a dense factorization.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.linalg import blas

from mixedmodels.core._packed import lower_entries


def diagonal_cuts(pattern: sp.spmatrix, limit: int, min_block: int = 16) -> list[int]:
    """Ends of the successive leading blocks that are diagonal when the
    blocks before them are eliminated (symbolically, on the symmetric
    sparsity ``pattern``), none past ``limit``.

    Blocks shorter than ``min_block`` end the search: the first row of any
    matrix is a diagonal block of one, and eliminating a dense (crossed)
    block row by row would be far slower than one dense factorization.
    """
    p = (abs(sp.csr_matrix(pattern)) > 0).astype(np.float64).tocsr()
    cuts, start = [], 0
    while start < limit:
        lower = sp.tril(p[start:limit, start:limit], k=-1).tocoo()
        stop = start + int(lower.row.min() if lower.nnz else limit - start)
        if stop - start < min_block:
            break
        edge = p[stop:, start:stop]
        block = (edge @ edge.T).tocoo()
        fill = sp.csr_matrix((block.data, (block.row + stop, block.col + stop)), shape=p.shape)
        p = ((p + fill) > 0).astype(np.float64).tocsr()
        cuts.append(stop)
        start = stop
    return cuts


def cholesky_diagonal_blocks(c: np.ndarray, cuts: list[int]) -> np.ndarray:
    """Lower Cholesky factor of the symmetric ``c`` (both triangles filled)
    whose leading blocks, ending at ``cuts``, are diagonal in turn (see
    :func:`diagonal_cuts`); ``c`` is overwritten and returned.  Only the
    lower triangle of the result is meaningful (as for the blocked factor's
    dense Cholesky), and only the lower triangle of ``c`` is read: the
    leading blocks' upper part is not cleared.

    Raises
    ------
    numpy.linalg.LinAlgError
        If ``c`` is not positive definite.
    """
    start = 0
    for stop in cuts:
        d = np.diagonal(c)[start:stop].copy()
        if not d.min() > 0:
            raise np.linalg.LinAlgError("a diagonal block is not positive definite")
        d = np.sqrt(d)
        low = c[stop:, start:stop]
        low /= d
        # the lower triangle of low low' (syrk: half gemm's work, and far less
        # thread overhead than gemm on the small blocks of GLMM fits)
        c[stop:, stop:] -= blas.dsyrk(1.0, low, lower=1)
        c[np.arange(start, stop), np.arange(start, stop)] = d
        start = stop
    rest, info = la.lapack.dpotrf(c[start:, start:], lower=1, clean=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"{info}-th leading minor of the matrix is not positive definite")
    c[start:, start:] = rest
    return c


def rest_diagonal_cuts(xp, rest_layout, n_re_rest: int, downdate_positions=None, min_block: int = 16) -> list[int]:
    """Leading blocks of the rest block that are diagonal in turn (scalar terms
    whose levels never co-occur, directly or through earlier terms), for the
    cross-products ``xp`` of a blocked factor.

    ``downdate_positions``, the ``(rows, cols)`` of the lower triangle of
    ``A_r1 A_r1'`` when already known (the outer map's), answer first
    whether the leading block is diagonal at all: a crossed design then
    costs one pass over them instead of the symbolic product.
    """
    vector = [o for o, _, k in rest_layout if k > 1]
    limit = min(vector + [n_re_rest])
    if limit == 0:
        return []
    if downdate_positions is not None and _first_coupled_row(xp.a_rr, *downdate_positions, limit) < min_block:
        return []
    a = abs(xp.a_r1)
    return diagonal_cuts(a @ a.T + abs(sp.csr_matrix(xp.a_rr)), limit, min_block)


def _first_coupled_row(a_rr, rows: np.ndarray, cols: np.ndarray, limit: int) -> int:
    """First row before ``limit`` with an entry left of the diagonal (within
    the first ``limit`` columns) in the downdate positions or in ``A_rr``."""
    ar, ac, _ = lower_entries(a_rr)
    first = limit
    for r, c in ((rows, cols), (ar, ac)):
        coupled = r[(r < limit) & (c < r)]
        if coupled.size:
            first = min(first, int(coupled.min()))
    return first
