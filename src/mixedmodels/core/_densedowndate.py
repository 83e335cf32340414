"""The downdate ``A_r1 M A_r1'`` as one dense product, instead of the sparse map.

The sparse map (:mod:`._outer`) pays per pair of entries of ``A_r1`` that
share a first-term level; when the levels are long (every subject meets
every item) the pairs outnumber the flops of a dense product, and the map
also costs its construction.  A GLMM with a few thousand levels crossed
with a few hundred, or an LMM whose further terms are vector-valued
(``(1 + x | subj) + (1 + x | item)``), then takes this path.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.linalg import blas

from mixedmodels._threads import blas_threads_for_product
from mixedmodels.core._crossprod import CrossProducts
from mixedmodels.core._scale import times_block_diagonal

_DENSE_MAX_ENTRIES = 20_000_000
_FLOPS_PER_PAIR = 40.0


def prefer_dense(xp: CrossProducts) -> bool:
    """Whether the dense downdate is expected to beat the sparse map."""
    s, width = xp.a_r1.shape
    k = xp.a11.shape[1]
    if s * width > _DENSE_MAX_ENTRIES:
        return False
    return s * s * width * k / 2 < _FLOPS_PER_PAIR * level_pairs(xp.a_r1, k) * k * k


def level_pairs(a_r1: sp.csr_matrix, k: int) -> float:
    """Pairs of entries of ``a_r1`` that share a level of the first term (of
    ``k`` effects): the products the sparse downdate map sums."""
    per_level = np.bincount(a_r1.indices // k, minlength=a_r1.shape[1] // k).astype(float)
    return float(np.sum(per_level * (per_level + 1) / 2))


class DenseDowndate:
    """``c <- c - A_r1 M A_r1'`` in place, for the rest of a blocked factor.

    Parameters
    ----------
    size : int
        Order of the rest block ``c``.
    mixes_triangles : bool
        Whether the rest is later scaled by a vector term's ``Lambda``, which
        reads both triangles (the ``dsyrk`` of a first term of one or two
        effects fills only the lower one, which is then mirrored).
    """

    def __init__(self, size: int, mixes_triangles: bool) -> None:
        self.size, self.mixes_triangles = size, mixes_triangles
        self._scaled = None  # A_r1 with scaled columns, of A_r1's (fixed) structure

    def fresh(self) -> DenseDowndate:
        """The same downdate with scratch space of its own."""
        return DenseDowndate(self.size, self.mixes_triangles)

    def apply(self, c: np.ndarray, a_r1: sp.csr_matrix, mid: np.ndarray) -> None:
        """Subtract ``a_r1 blockdiag(mid) a_r1'`` from ``c`` (C-contiguous: ``dsyrk``
        writes through its transposed view)."""
        if not c.flags.c_contiguous:
            raise ValueError("the rest block must be C-contiguous for the downdate in place")
        k = mid.shape[1]
        if k == 1:
            B = self._scaled_columns(a_r1, np.sqrt(mid[:, 0, 0])).toarray()
        elif k == 2:
            B = _times_block_roots(a_r1.toarray(), mid)
        else:
            A = a_r1.toarray()
            c -= times_block_diagonal(A, mid) @ A.T
            return
        # B B' in place on c's lower triangle (the upper of the Fortran view c.T), in scipy's BLAS
        with blas_threads_for_product(float(B.shape[0]) ** 2 * B.shape[1]):
            blas.dsyrk(-1.0, B.T, beta=1.0, c=c.T, trans=1, lower=0, overwrite_c=1)
        if self.mixes_triangles:
            c[self._upper] = c.T[self._upper]

    def _scaled_columns(self, a: sp.csr_matrix, scale: np.ndarray) -> sp.csr_matrix:
        """``A_r1 diag(scale)``, still sparse, so that the dense copy is made
        once, scaled (the matrix kept for it gets its values replaced)."""
        if self._scaled is None:
            self._scaled = a.copy()
        np.multiply(a.data, scale[self._scaled.indices], out=self._scaled.data)
        return self._scaled

    @cached_property
    def _upper(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the rest's strict upper triangle (formed once)."""
        return np.triu_indices(self.size, 1)


def _times_block_roots(A: np.ndarray, mid: np.ndarray) -> np.ndarray:
    """``A F`` with ``F = blockdiag(F_l)``, ``F_l F_l' = M_l`` for the 2 x 2
    blocks ``mid`` (positive semi-definite; a lower-triangular root, by
    entries), so that ``A M A' = (A F)(A F)'`` is one ``dsyrk``: half the
    flops of ``(A M) A'`` and no reshaped copies (a 303 x 1,000 ``A``:
    5.8 -> about 2 ms)."""
    m00, m01, m11 = mid[:, 0, 0], mid[:, 0, 1], mid[:, 1, 1]
    f00 = np.sqrt(np.maximum(m00, 0.0))
    f10 = np.divide(m01, f00, out=np.zeros_like(m01), where=f00 > 0)
    f11 = np.sqrt(np.maximum(m11 - f10 * f10, 0.0))
    A3 = A.reshape(A.shape[0], -1, 2)
    first = A3[:, :, 0] * f00
    first += A3[:, :, 1] * f10
    A3[:, :, 1] *= f11
    A3[:, :, 0] = first
    return A
