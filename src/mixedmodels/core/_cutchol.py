"""Cholesky factorization of a packed sparse rest with leading diagonal blocks.

The rest matrix is held as the values of its lower triangle at a fixed set
of positions.  Eliminating a leading diagonal block (see
:func:`~mixedmodels.core._diagchol.diagonal_cuts`) divides its columns by
the square roots of its pivots and subtracts, for every pair of entries in
one column, their product from the entry where their rows meet.  Which
pairs meet where depends only on the positions, so it is worked out once
(:class:`CutElimination`); a factorization is then a few gathers and one
``bincount`` per block, and a dense Cholesky factorization of the
(small) trailing part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack

from mixedmodels._unique import sorted_union
from mixedmodels.core._outer import _pairs
from mixedmodels.core._packed import positions_of
from mixedmodels.core._restfactor import CutRest, DiagonalBlock


class EliminationTooCostly(ValueError):
    """The sparse elimination would take more pairs than allowed (columns
    below a leading block with many entries: a crossed term after a nested
    one); a dense factorization of the rest is then cheaper."""


@dataclass
class _BlockPlan:
    """Fixed indices of one leading block's elimination."""

    start: int
    stop: int
    diagonal: np.ndarray  # positions of the pivots
    below: np.ndarray  # positions of the entries below, in CSR order
    below_col: np.ndarray  # their column within the block
    indices: np.ndarray  # CSR column indices of the entries below
    indptr: np.ndarray  # CSR row pointers (rows stop..size-1)
    row_of: np.ndarray  # the row (from stop) of each entry below
    e1: np.ndarray  # pairs of entries below (indices into ``below``) sharing a column
    e2: np.ndarray
    targets: np.ndarray  # distinct positions the pairs update
    slot: np.ndarray  # the target of each pair, as an index into ``targets``


class CutElimination:
    """Positions of a packed rest (with the fill of eliminating its leading
    blocks) and the plan of each elimination.

    Parameters
    ----------
    rows, cols : numpy.ndarray
        Positions ``(i, j)``, ``i >= j``, that may be non-zero before elimination.
    size : int
        Order of the rest matrix.
    cuts : list of int
        Ends of the leading diagonal blocks (at least one).
    max_pairs : float, optional
        Raise :class:`EliminationTooCostly` as soon as the eliminations
        would take more pairs of entries than this.

    Attributes
    ----------
    rows, cols : numpy.ndarray
        All positions, sorted by row then column: the given ones, the fill,
        and the whole lower triangle of the trailing block.
    """

    def __init__(self, rows: np.ndarray, cols: np.ndarray, size: int, cuts: list[int],
                 max_pairs: float = np.inf) -> None:
        self.size, self.cut = size, cuts[-1]
        self._cuts = np.asarray(cuts)
        ti, tj = np.tril_indices(size - self.cut)
        block = self._block_of(rows)
        if np.any((rows != cols) & (rows < self.cut) & (block == self._block_of(cols))):
            raise ValueError("a leading block has an off-diagonal entry: it is not diagonal")
        keys = sorted_union(rows.astype(np.int64) * size + cols, (ti + self.cut) * size + (tj + self.cut))
        starts = [0] + list(cuts[:-1])
        pairs = []
        for start, stop in zip(starts, cuts):
            plan_keys, fill = self._pairs_below(keys, start, stop, max_pairs - sum(p[2].size for p in pairs))
            keys = sorted_union(keys, fill)
            pairs.append(plan_keys)
        self.rows, self.cols = np.divmod(keys, size)
        self.plans = [self._plan(start, stop, *p) for start, stop, p in zip(starts, cuts, pairs)]
        tail = self.cols >= self.cut
        self.tail_positions = np.flatnonzero(tail)
        self.tail_flat = (self.rows[tail] - self.cut) * (size - self.cut) + (self.cols[tail] - self.cut)

    def index(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Positions of the entries ``(rows, cols)`` (which must be among them)."""
        found = positions_of(self.rows, self.cols, rows, cols, self.size)
        if found is None:
            raise ValueError("an entry lies outside the packed positions")
        return found

    def _pairs_below(self, keys: np.ndarray, start: int, stop: int, max_pairs: float):
        """Entries below the block ``start:stop`` (CSR order) and the fill their pairs make."""
        r, c = np.divmod(keys, self.size)
        sel = (c >= start) & (c < stop) & (r >= stop)
        r, c = r[sel], c[sel]
        by_col = np.lexsort((r, c))
        level = c[by_col] - start
        counts = np.bincount(level, minlength=stop - start)
        if float(np.sum(counts * (counts + 1.0) / 2.0)) > max_pairs:
            raise EliminationTooCostly(f"eliminating rows {start}-{stop} takes more than {max_pairs:.0f} pairs")
        col_starts = np.concatenate([[0], np.cumsum(counts)])[:-1]
        e1, e2 = _pairs(level, col_starts)
        e1, e2 = by_col[e1], by_col[e2]
        fill = r[e1].astype(np.int64) * self.size + r[e2]
        within = (r[e1] < self.cut) & (r[e1] != r[e2]) & (self._block_of(r[e1]) == self._block_of(r[e2]))
        if np.any(within):
            raise ValueError("a leading block is not diagonal after the blocks before it")
        return (r, c, e1, e2, fill), fill

    def _block_of(self, i: np.ndarray) -> np.ndarray:
        """Index of the leading block row ``i`` falls in."""
        return np.searchsorted(self._cuts, i, side="right")

    def _plan(self, start, stop, r, c, e1, e2, fill) -> _BlockPlan:
        idx = np.arange(start, stop)
        counts = np.bincount(r - stop, minlength=self.size - stop)
        targets, slot = np.unique(self.index(*np.divmod(fill, self.size)), return_inverse=True)
        return _BlockPlan(start, stop, self.index(idx, idx), self.index(r, c), c - start, c - start,
                          np.concatenate([[0], np.cumsum(counts)]), r - stop, e1, e2, targets, slot.ravel())

    def factor(self, values: np.ndarray) -> CutRest:
        """The factor of the rest whose packed lower triangle is ``values`` (overwritten).

        Raises
        ------
        numpy.linalg.LinAlgError
            If the matrix is not positive definite.
        """
        blocks = []
        for plan in self.plans:
            pivots = values[plan.diagonal]
            if not pivots.min() > 0:
                raise np.linalg.LinAlgError("a diagonal block of the rest is not positive definite")
            root = np.sqrt(pivots)
            below = values[plan.below] / root[plan.below_col]
            values[plan.targets] -= np.bincount(plan.slot, weights=below[plan.e1] * below[plan.e2],
                                                minlength=plan.targets.size)
            blocks.append(DiagonalBlock(plan.start, plan.stop, root, below, plan.indices, plan.indptr,
                                        plan.row_of))
        d = self.size - self.cut
        tail = np.zeros((d, d))
        tail.ravel()[self.tail_flat] = values[self.tail_positions]
        upper, info = lapack.dpotrf(tail.T, lower=0, overwrite_a=1, clean=0)
        if info != 0:
            raise np.linalg.LinAlgError(f"the trailing block of the rest is not positive definite (dpotrf info={info})")
        return CutRest(blocks, upper.T)
