"""The downdate map with the levels of equal first-term cross-products merged.

In a linear mixed model the blocks ``M_l = lambda D_l^{-1} lambda'`` of the
downdate depend on a level only through its cross-product block ``A_11,l``
(with a scalar intercept: its number of rows).  Levels with equal blocks
share ``M_l``, so their columns of the outer map
(:class:`~mixedmodels.core._outer.OuterProductMap`) can be summed once; each
evaluation then multiplies by one value per class of levels.  InstEval's
2,972 students fall into 86 classes, and the map (random effects' rows)
shrinks from 1.83 to 1.06 million non-zeros.  The merged map is summed from
the map's transpose, the form a scalar first term's map is built in, so the
map itself is never converted.  (A GLMM's blocks change with its weights: it
keeps the full map.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from mixedmodels.core._outer import OuterProductMap

MAX_CLASS_SHARE = 0.25  # classes above this share of the levels: not worth merging
MAX_KEPT_NNZ = 0.75  # merged maps above this share of the map's non-zeros are not kept


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
    def build(cls, outer: OuterProductMap, a11: np.ndarray) -> LevelClassMap | None:
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
        by_column = outer.transposed()  # P' (rows: P's columns)
        entry = np.arange(by_column.shape[0]) if outer.column_order is None else outer.column_order
        level, within = np.divmod(entry, k * k)
        target = inverse.ravel()[level] * (k * k) + within
        merge_t = sp.csr_matrix((np.ones(entry.size), (target, np.arange(entry.size))),
                                shape=(nclass * k * k, entry.size))
        merged_t = merge_t @ by_column  # rows of P' summed over each class
        if merged_t.nnz > MAX_KEPT_NNZ * by_column.nnz:
            return None
        return cls(merged_t.T.tocsr(), representatives)

    def lower(self, m: np.ndarray) -> np.ndarray:
        """Values of the downdate's lower triangle (as :meth:`OuterProductMap.lower`)
        for blocks ``m`` that are equal within every class."""
        return self.G @ m[self.representatives].ravel()
