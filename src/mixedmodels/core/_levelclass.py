"""The downdate map with the levels of equal first-term cross-products merged.

In a linear mixed model the blocks ``M_l = lambda D_l^{-1} lambda'`` of the
downdate depend on a level only through its cross-product block ``A_11,l``
(with a scalar intercept: its number of rows).  Levels with equal blocks
share ``M_l``, so their columns of the outer map
(:class:`~mixedmodels.core._outer.OuterProductMap`) can be summed once; each
evaluation then multiplies by one value per class of levels.  InstEval's
2,972 students fall into 86 classes, and the map (random effects' rows)
shrinks from 1.83 to 1.06 million non-zeros.  (A GLMM's blocks change with its weights: it keeps the full map.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from mixedmodels._unique import sorted_unique
from mixedmodels.core._outer import OuterProductMap

MAX_CLASS_SHARE = 0.25  # classes above this share of the levels: not worth merging
MAX_KEPT_NNZ = 0.75  # merged maps above this share of the map's non-zeros are not built
SAMPLE_NONZEROS = 8192  # non-zeros of the map whose rows estimate the merged share


@dataclass
class LevelClassMap:
    """``P @ M.ravel()`` as ``G @ M[representatives].ravel()``.

    Attributes
    ----------
    G : scipy.sparse.csr_matrix
        ``(entries, classes * k * k)`` the map's columns summed over each class.
    representatives : numpy.ndarray
        One level of every class.
    """

    G: sp.csr_matrix
    representatives: np.ndarray

    @classmethod
    def build(cls, outer: OuterProductMap, a11: np.ndarray) -> "LevelClassMap | None":
        """The merged map of ``outer`` for the first-term blocks ``a11``
        (``(q, k, k)``), or None when merging would save little."""
        q, k, _ = a11.shape
        if q == 0:
            return None
        _, representatives, inverse = np.unique(a11.reshape(q, k * k), axis=0, return_index=True,
                                                return_inverse=True)
        nclass = representatives.size
        if nclass > MAX_CLASS_SHARE * q:
            return None
        P = outer.P
        entry = np.arange(P.shape[1]) if outer.column_order is None else outer.column_order
        level, within = np.divmod(entry, k * k)
        target = inverse.ravel()[level] * (k * k) + within
        if _merged_share(P, target, nclass * k * k) > MAX_KEPT_NNZ:
            return None
        merge = sp.csr_matrix((np.ones(entry.size), (np.arange(entry.size), target)),
                              shape=(entry.size, nclass * k * k))
        return cls((P @ merge).tocsr(), representatives)

    def lower(self, m: np.ndarray) -> np.ndarray:
        """Values of the downdate's lower triangle (as :meth:`OuterProductMap.lower`)
        for blocks ``m`` that are equal within every class."""
        return self.G @ m[self.representatives].ravel()


def _merged_share(P: sp.csr_matrix, target: np.ndarray, width: int) -> float:
    """Share of the non-zeros of ``P`` left after summing its columns into
    ``target``, estimated on rows drawn in proportion to their non-zeros
    (evenly spaced non-zeros pick the rows; each row's own share is exact)."""
    if P.nnz == 0:
        return 1.0
    picks = np.linspace(0, P.nnz - 1, min(P.nnz, SAMPLE_NONZEROS)).astype(np.int64)
    rows, picked = np.unique(np.searchsorted(P.indptr, picks, side="right") - 1, return_counts=True)
    sample = P[rows]
    row = np.repeat(np.arange(rows.size, dtype=np.int64), np.diff(sample.indptr))
    keys = row * width + target[sample.indices]
    if rows.size * width <= 1 << 24:  # mark (row, class) in a table: no sort
        seen = np.zeros(rows.size * width, dtype=bool)
        seen[keys] = True
        distinct = seen.reshape(rows.size, width).sum(axis=1)
    else:
        distinct = np.bincount(sorted_unique(keys) // width, minlength=rows.size)
    return float(np.sum(picked * distinct / np.diff(sample.indptr)) / picks.size)
