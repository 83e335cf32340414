"""The blocked Cholesky factor of the penalized system, updated per theta.

With ``Lambda = blockdiag(Lambda_1, Lambda_rest)`` the scaled system is

    [ D   B' ]      D = Lambda_1' A_11 Lambda_1 + I       (block diagonal)
    [ B   C  ]      B = Lambda_r' A_r1 Lambda_1           (sparse)
                    C = Lambda_r' A_rr Lambda_r + I_re    (dense; X, y unscaled)

Its Cholesky factor is ``[[L_1, 0], [B L_1^-T, L_r]]`` with
``L_r L_r' = C - B D^{-1} B' = Lambda_r' (A_rr - A_r1 M A_r1') Lambda_r + I_re``
and ``M = blockdiag(lambda_1 D_l^{-1} lambda_1')``.  One update touches only
these blocks; its cost does not depend on the number of rows.

How the rest is held: when every further term is scalar, as the values of
its lower triangle at fixed positions (:mod:`._packed`); leading blocks that
are diagonal (nested terms) are then eliminated by division, in a dense
array or -- when they are large -- on the packed values (:mod:`._cutchol`),
so that only the trailing part is factored densely (:mod:`._restfactor`
holds either kind of factor).  Vector-valued further terms take the dense
path throughout.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.linalg import lapack

from mixedmodels.core._crossprod import CrossProducts
from mixedmodels.core._cutchol import CutElimination, EliminationTooCostly
from mixedmodels.core._densedowndate import DenseDowndate, prefer_dense
from mixedmodels.core._denserows import SplitOuterMap
from mixedmodels.core._diagchol import cholesky_diagonal_blocks, rest_diagonal_cuts
from mixedmodels.core._levelclass import LevelClassMap
from mixedmodels.core._packed import PackedRest, with_diagonal
from mixedmodels.core._restfactor import CutRest, DenseRest
from mixedmodels.core._scale import scale_columns, scale_rows

# Leading diagonal blocks of a scalar rest (diagonal_cuts finds none shorter than 16 rows) are held
# sparse -- packed, their elimination is as fast as the dense one on a few dozen rows and twice as
# fast from a few hundred (grouseticks: 0.21 -> 0.13 s) -- unless it takes more pairs of entries
# than this many per entry of the dense rest: a crossed term after a nested one puts many entries
# below every column (60,000 rows, 400 schools above 2,000 students, 100 items crossed: 2.1M pairs
# for a 503-row rest, 11 s against 7 s); the blocks are then divided out of the dense rest.
MAX_PAIRS_PER_ENTRY = 1.0


@dataclass
class FactorState:
    """The blocked factor at one theta.

    Attributes
    ----------
    lambdas : list of numpy.ndarray
        Relative covariance factors, one per term.
    d_inv : numpy.ndarray
        ``(q1, k1, k1)`` inverses of the first term's diagonal blocks ``D_l``.
    logdet_d : float
        ``log det D``.
    rest : DenseRest or CutRest
        Lower Cholesky factor of the rest (other terms, X, y).
    n_re_rest : int
        Number of random effects in the rest (rows of the rest before X).
    """

    lambdas: list[np.ndarray]
    d_inv: np.ndarray
    logdet_d: float
    rest: DenseRest | CutRest
    n_re_rest: int

    @property
    def L_rest(self) -> np.ndarray:
        """The rest's factor as a dense array (for checks; the core uses :attr:`rest`)."""
        return self.rest.dense()

    @property
    def logdet_re(self) -> float:
        """``log |L_Z|^2``, the log-determinant of the random-effects part."""
        diag = self.rest.diagonal()[: self.n_re_rest]
        return self.logdet_d + 2.0 * float(np.sum(np.log(diag)))

    def logdet_rx(self, p: int) -> float:
        """``log |R_X|^2`` for ``p`` fixed effects."""
        diag = np.diagonal(self.rest.tail(self.n_re_rest))[:p]
        return 2.0 * float(np.sum(np.log(diag)))

    @property
    def pwrss(self) -> float:
        """Penalized weighted residual sum of squares ``r^2``."""
        return float(self.rest.tail(self.rest.size - 1)[0, 0] ** 2)

    def r_x(self, p: int) -> np.ndarray:
        """Lower Cholesky factor ``R_X`` of beta's precision, for ``p`` fixed effects."""
        return self.rest.tail(self.n_re_rest)[:p, :p]

    def r_x_inverse(self, p: int) -> np.ndarray:
        """``R_X^{-1}``: ``R_X^{-T}`` maps standard-normal coordinates to beta's scale."""
        return la.solve_triangular(self.r_x(p), np.eye(p), lower=True, check_finite=False)

    def unscaled_vcov(self, p: int) -> np.ndarray:
        """``(R_X R_X')^{-1}`` for ``p`` fixed effects; cov(beta) is sigma^2 times it."""
        r_inv = self.r_x_inverse(p)
        return r_inv.T @ r_inv


def first_term_blocks(a11: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """``D_l^{-1}``, ``log det D`` and ``M_l = lam D_l^{-1} lam'`` for all levels."""
    k = lam.shape[0]
    if k == 1:
        d = lam[0, 0] ** 2 * a11[:, 0, 0] + 1.0
        d_inv = (1.0 / d)[:, None, None]
        return d_inv, float(np.sum(np.log(d))), d_inv * lam[0, 0] ** 2
    if k == 2 and a11.shape[0] >= _ELEMENTWISE_MIN_LEVELS:
        return _blocks_of_two(a11, lam)
    d = lam.T @ a11 @ lam + np.eye(k)
    if k == 2:  # closed form: no batched LAPACK call for the common intercept + slope
        det = d[:, 0, 0] * d[:, 1, 1] - d[:, 0, 1] ** 2
        if np.any(det <= 0):
            raise np.linalg.LinAlgError("first-term block is not positive definite")
        d_inv = np.empty_like(d)
        d_inv[:, 0, 0], d_inv[:, 1, 1] = d[:, 1, 1] / det, d[:, 0, 0] / det
        d_inv[:, 0, 1] = d_inv[:, 1, 0] = -d[:, 0, 1] / det
        return d_inv, float(np.sum(np.log(det))), lam @ d_inv @ lam.T
    chol = np.linalg.cholesky(d)
    logdet = 2.0 * float(np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2))))
    d_inv = np.linalg.inv(d)
    return d_inv, logdet, lam @ d_inv @ lam.T


_ELEMENTWISE_MIN_LEVELS = 256  # levels from which 2 x 2 blocks are worked out entry by entry


def _blocks_of_two(a11: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """:func:`first_term_blocks` for ``k = 2``, entry by entry over the levels:
    one pass per entry instead of stacked 2 x 2 matrix products (4.5x faster
    for 3,000 levels; slower below a few hundred, where the calls dominate)."""
    (l00, l01), (l10, l11) = lam
    a00, a01, a11_ = a11[:, 0, 0], a11[:, 0, 1], a11[:, 1, 1]
    t00, t01 = a00 * l00 + a01 * l10, a00 * l01 + a01 * l11  # A lam
    t10, t11 = a01 * l00 + a11_ * l10, a01 * l01 + a11_ * l11
    d00, d01, d11 = l00 * t00 + l10 * t10 + 1.0, l00 * t01 + l10 * t11, l01 * t01 + l11 * t11 + 1.0
    det = d00 * d11 - d01 * d01
    if np.any(det <= 0):
        raise np.linalg.LinAlgError("first-term block is not positive definite")
    i00, i01, i11 = d11 / det, -d01 / det, d00 / det
    u00, u01 = l00 * i00 + l01 * i01, l00 * i01 + l01 * i11  # lam D^-1
    u10, u11 = l10 * i00 + l11 * i01, l10 * i01 + l11 * i11
    m00, m01, m11 = u00 * l00 + u01 * l01, u00 * l10 + u01 * l11, u10 * l10 + u11 * l11
    q = a11.shape[0]
    d_inv = np.stack([i00, i01, i01, i11], axis=1).reshape(q, 2, 2)
    mid = np.stack([m00, m01, m01, m11], axis=1).reshape(q, 2, 2)
    return d_inv, float(np.sum(np.log(det))), mid


class BlockedFactor:
    """Updates the blocked Cholesky factor of fixed cross-products.

    Parameters
    ----------
    xp : CrossProducts
        Cross-products of ``[Z X y]`` (formed once).
    rest_layout : list of (offset, nlevels, k)
        Position of each further term inside the rest block.
    n_re_rest : int
        Number of random effects in the rest.
    sparse_cuts : bool, optional
        Hold leading diagonal blocks of the rest sparse (:mod:`._cutchol`)
        rather than dense; default: when every further term is scalar and
        their elimination takes at most ``MAX_PAIRS_PER_ENTRY`` pairs per
        entry of the rest.
    """

    def __init__(self, xp: CrossProducts, rest_layout: list[tuple[int, int, int]], n_re_rest: int,
                 sparse_cuts: bool | None = None):
        self.xp = xp
        self.rest_layout = rest_layout
        self.n_re_rest = n_re_rest
        # a rest with vector terms is factored densely anyway; its downdate may be one dense product
        self.dense = not self._all_scalar() and prefer_dense(xp)
        if self.dense:
            self._dense_downdate = DenseDowndate(xp.a_rr.shape[0], mixes_triangles=True)  # a vector term
            self.outer, self._classes = None, None
            self.cuts = rest_diagonal_cuts(xp, rest_layout, n_re_rest)
        else:
            self.outer = SplitOuterMap(xp.a_r1, n_re_rest, xp.a11.shape[1])
            self._classes = LevelClassMap.build(self.outer.sparse, xp.a11)
            self.cuts = rest_diagonal_cuts(xp, rest_layout, n_re_rest, (self.outer.rows, self.outer.cols))
        self._packed, self._elimination = self._packing(sparse_cuts)

    def _all_scalar(self) -> bool:
        """Whether every further term is scalar (the rest can then be held packed)."""
        return all(k == 1 for _, _, k in self.rest_layout)

    def dense_order(self) -> int:
        """Order of the part of the rest that is factored densely (after any
        leading diagonal blocks)."""
        return self.xp.a_rr.shape[0] - (self.cuts[-1] if self.cuts else 0)

    def _packing(self, sparse_cuts: bool | None):
        """The packed rest (all further terms scalar), and the sparse
        elimination of its leading diagonal blocks when they are held sparse."""
        if not self._all_scalar():
            return None, None
        size = self.xp.a_rr.shape[0]
        max_pairs = np.inf  # as asked for
        if sparse_cuts is None:
            sparse_cuts = bool(self.cuts)
            max_pairs = MAX_PAIRS_PER_ENTRY * size * size
        rows, cols = with_diagonal(self.outer.rows, self.outer.cols, self.n_re_rest, size)
        if sparse_cuts and self.cuts:
            try:
                elimination = CutElimination(rows, cols, size, self.cuts, max_pairs)
            except EliminationTooCostly:
                return PackedRest.build(self, rows, cols), None
            packed = PackedRest.build(self, elimination.rows, elimination.cols)
            if packed is not None:
                return packed, elimination
        return PackedRest.build(self, rows, cols), None

    def with_response(self, response_r1: np.ndarray, response_rest: np.ndarray) -> BlockedFactor:
        """The factor of the same model with another response (see
        :meth:`CrossProducts.with_response`): the maps, their classes and the
        packed positions are shared; only what holds the response is new."""
        out = copy.copy(self)
        out.xp = self.xp.with_response(response_r1, response_rest)
        if self.dense:
            out._dense_downdate = self._dense_downdate.fresh()
        else:
            out.outer = self.outer.with_response(response_r1)
        if self._packed is not None:
            out._packed = self._packed.with_response(response_rest)
        return out

    def update(self, lambdas: list[np.ndarray]) -> FactorState:
        """Factor at the relative covariance factors ``lambdas`` (one per term)."""
        d_inv, logdet_d, mid = first_term_blocks(self.xp.a11, lambdas[0])
        if self._packed is None:
            rest = DenseRest(self._cholesky(self._general_matrix(mid, lambdas[1:])))
        else:
            values = self._packed.values(self._downdate_values(mid), lambdas[1:])
            if self._elimination is not None:
                rest = self._elimination.factor(values)
            else:
                rest = DenseRest(self._cholesky(self._packed.matrix(values)))
        return FactorState(lambdas, d_inv, logdet_d, rest, self.n_re_rest)

    def _general_matrix(self, mid: np.ndarray, lambdas: list[np.ndarray]) -> np.ndarray:
        """``Lambda_r' (A_rr - A_r1 M A_r1') Lambda_r + I_re`` in full (any term sizes)."""
        a_rr = self.xp.a_rr
        c = a_rr.toarray() if sp.issparse(a_rr) else a_rr.copy()
        self._downdate(c, mid)
        segments = [(o, q, lam) for (o, q, _), lam in zip(self.rest_layout, lambdas)]
        scale_columns(c, segments)
        scale_rows(c, segments)
        idx = np.arange(self.n_re_rest)
        c[idx, idx] += 1.0
        return c

    def _downdate_values(self, mid: np.ndarray) -> np.ndarray:
        """The downdate's lower triangle at the outer map's positions (through
        the merged map when the first term's levels fall into few classes)."""
        if self._classes is None:
            return self.outer.lower(mid)
        return self.outer.lower(mid, self._classes.lower(mid))

    def _downdate(self, c: np.ndarray, mid: np.ndarray) -> None:
        """In place ``c <- c - A_r1 M A_r1'``: one dense product, or from the outer map.

        The map's downdate goes to both triangles, the dense one when the
        rest holds a vector term: scaling by its Lambda mixes them
        (otherwise only the lower triangle, the one factored, is needed).
        """
        if self.dense:
            self._dense_downdate.apply(c, self.xp.a_r1, mid)
            return
        lower, off, upper = self._downdate_positions
        downdate = self._downdate_values(mid)
        if not c.flags.c_contiguous:
            raise ValueError("the rest block must be C-contiguous for the downdate in place")
        flat = c.reshape(-1)  # a view: 1-d indexing with positions found once
        flat[lower] -= downdate
        flat[upper] -= downdate[off]

    @cached_property
    def _downdate_positions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat positions in the rest of the outer map's entries, which of
        them lie off the diagonal, and the flat positions of their mirror images."""
        rows, cols, size = self.outer.rows, self.outer.cols, self.xp.a_rr.shape[0]
        off = rows != cols
        return rows * size + cols, off, cols[off] * size + rows[off]

    def _cholesky(self, c: np.ndarray) -> np.ndarray:
        """Dense lower Cholesky factor of the rest matrix, in place.

        Only the lower triangle of ``c`` is read and only the lower triangle
        of the result is meaningful (the upper is left as it was): LAPACK's
        ``dpotrf`` runs on the Fortran view ``c.T`` as an upper factor, with
        no copy and no clean-up pass (about a quarter of scipy's time).
        Leading blocks that stay diagonal (nested scalar terms) are
        eliminated by division first, so only the rest is factored densely.
        """
        if self.cuts:
            return cholesky_diagonal_blocks(c, self.cuts)
        upper, info = lapack.dpotrf(c.T, lower=0, overwrite_a=1, clean=0)
        if info != 0:
            raise np.linalg.LinAlgError(f"the rest block is not positive definite (dpotrf info={info})")
        return upper.T
