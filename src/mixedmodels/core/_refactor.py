"""A blocked factor whose cross-products can be replaced (new PIRLS weights).

The downdate ``A_r1 M A_r1'`` is either read off the precomputed sparse map
over the random effects' rows with the rows of X and z multiplied densely
(:class:`~mixedmodels.core._denserows.SplitOuterMap`, as for an LMM; both
refreshed in place when ``A_r1`` gets new values: grouseticks' PLS step with
beta free 200 -> 162 us, the X and z rows having paired with every level)
or, when ``A_r1`` is small
enough to hold densely and the map has many pairs, computed as one dense
matrix product (:mod:`._densedowndate`) -- the faster choice for a few
thousand levels crossed with a few hundred.
"""

from __future__ import annotations

import scipy.sparse as sp

from mixedmodels.core._crossprod import CrossProducts
from mixedmodels.core._densedowndate import DenseDowndate, level_pairs, prefer_dense
from mixedmodels.core._denserows import SplitOuterMap
from mixedmodels.core._diagchol import rest_diagonal_cuts
from mixedmodels.core._factor import BlockedFactor
from mixedmodels.core._packed import PackedPositionsError, positions_of


class ReweightableFactor(BlockedFactor):
    """:class:`BlockedFactor` for cross-products that change but keep their structure.

    Parameters
    ----------
    xp : CrossProducts
        Initial cross-products (any weights); later ones come via :meth:`reweight`.
    rest_layout, n_re_rest
        As for :class:`BlockedFactor`.
    dense : bool, optional
        Force the dense (True) or sparse-map (False) downdate.
    cuts : list of int, optional
        The leading diagonal blocks, if already found.

    Notes
    -----
    When ``A_rr`` comes as the CSR matrix of its lower triangle (a large
    rest of scalar terms, see :class:`ReweightedCrossProducts`), the rest is
    held packed, as in :class:`BlockedFactor`, and every :meth:`reweight`
    refills the packed values from the CSR data; leading diagonal blocks
    are then eliminated sparsely when they are large.
    """

    def __init__(self, xp: CrossProducts, rest_layout, n_re_rest: int, dense: bool | None = None,
                 cuts: list[int] | None = None) -> None:
        self.xp, self.rest_layout, self.n_re_rest = xp, rest_layout, n_re_rest
        self._classes = None  # the first term's blocks change with the weights: no merged map
        lower = sp.issparse(xp.a_rr)
        self.dense = False if lower else (prefer_dense(xp) if dense is None else dense)
        if self.dense:
            self._dense_downdate = DenseDowndate(xp.a_rr.shape[0], mixes_triangles=not self._all_scalar())
        else:
            # the rows of X and z pair with every level: their part of the downdate densely
            self.outer = SplitOuterMap(xp.a_r1, n_re_rest, xp.a11.shape[1], refreshable=True)
        self.cuts = rest_diagonal_cuts(xp, rest_layout, n_re_rest) if cuts is None else cuts
        self._packed, self._elimination, self._a_rr_index = None, None, None
        if lower:
            self._packed, self._elimination = self._packing(None)
            if self._packed is None:
                raise PackedPositionsError("the rest's cross-products reach outside the packed positions "
                                           "(a row without a first-term effect); use the dense rest")
            stored = xp.a_rr.tocoo()
            self._a_rr_index = positions_of(self._packed.rows, self._packed.cols, stored.row, stored.col,
                                            xp.a_rr.shape[0])
            if self._a_rr_index is None:
                raise PackedPositionsError("the rest's cross-products reach outside the packed positions")

    def update_flops(self) -> float:
        """Rough floating-point operations of one :meth:`update` (downdate and
        the dense Cholesky factorization after the diagonal blocks)."""
        s, width = self.xp.a_r1.shape
        # the map's pairs, the dense rows' included (now multiplied densely; the chord-step threshold was set with them)
        downdate = s * s * width / 2 if self.dense else 2.0 * level_pairs(self.xp.a_r1, self.xp.a11.shape[1])
        dense = s - (self.cuts[-1] if self.cuts else 0)
        return downdate + dense**3 / 3

    def reweight(self, xp: CrossProducts) -> ReweightableFactor:
        """Use new cross-products with the structure of the first ones."""
        self.xp = xp
        if not self.dense:
            self.outer.refresh(xp.a_r1)
        if self._a_rr_index is not None:
            base = self._packed.base
            base[:] = 0.0
            base[self._a_rr_index] = xp.a_rr.data
        return self

