"""Precomputed map for the downdate ``A_r1 M A_r1'`` of the rest block.

``M`` is block diagonal (one ``k1 x k1`` block per level of the first term),
so entry ``(i, j)`` of the downdate is a fixed linear combination of the
entries of ``M``.  The combination is sparse and depends only on the data;
it is built once here, and each evaluation is a single sparse matrix-vector
product instead of a sparse-sparse matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class OuterProductMap:
    """Lower triangle of ``A M A'`` as ``P @ M.ravel()``.

    Attributes
    ----------
    rows, cols : numpy.ndarray
        Positions ``(i, j)``, ``i >= j``, of the entries that can be non-zero.
    P : scipy.sparse.csr_matrix
        ``(len(rows), q1 * k1 * k1)`` coefficients.
    """

    rows: np.ndarray
    cols: np.ndarray
    P: sp.csr_matrix

    def lower(self, m: np.ndarray) -> np.ndarray:
        """Values of the lower triangle of ``A M A'`` at ``(rows, cols)``."""
        return self.P @ m.ravel()


def _entries_by_level(a_r1: sp.spmatrix, k: int):
    """Entries of ``A`` grouped by level: row, effect index, value, group bounds."""
    coo = a_r1.tocoo()
    level, effect = np.divmod(coo.col, k)
    order = np.lexsort((coo.row, effect, level))
    level, effect = level[order], effect[order]
    counts = np.bincount(level, minlength=a_r1.shape[1] // k)
    starts = np.concatenate([[0], np.cumsum(counts)])
    return coo.row[order], effect, coo.data[order], level, starts, counts


def _pairs(level, starts, counts):
    """All ordered pairs ``(e1, e2)`` of entries within the same level."""
    pos = np.arange(level.size) - starts[level]
    cnt = counts[level]
    first, second = [], []
    candidates = np.arange(level.size)
    d = 0
    while candidates.size:
        p, c = pos[candidates], cnt[candidates]
        fwd = candidates[p + d < c]
        first.append(fwd)
        second.append(fwd + d)
        if d:
            back = candidates[p - d >= 0]
            first.append(back)
            second.append(back - d)
        d += 1
        candidates = candidates[cnt[candidates] > d]
    return np.concatenate(first), np.concatenate(second)


def build_outer_map(a_r1: sp.spmatrix, k: int) -> OuterProductMap:
    """Build the map for ``A = a_r1`` (``s x q1 k``) and first-term size ``k``."""
    row, effect, value, level, starts, counts = _entries_by_level(a_r1, k)
    e1, e2 = _pairs(level, starts, counts)
    keep = row[e1] >= row[e2]
    e1, e2 = e1[keep], e2[keep]
    s = a_r1.shape[0]
    key = row[e1].astype(np.int64) * s + row[e2]
    unique, pair_index = np.unique(key, return_inverse=True)
    coef = (level[e1] * k + effect[e1]) * k + effect[e2]
    ncoef = a_r1.shape[1] * k
    P = sp.csr_matrix(
        (value[e1] * value[e2], (pair_index.ravel(), coef)), shape=(unique.size, ncoef)
    )
    P.sum_duplicates()
    return OuterProductMap(unique // s, unique % s, P)
