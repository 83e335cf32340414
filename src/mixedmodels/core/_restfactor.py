"""The lower Cholesky factor of the rest block, behind one small interface.

:class:`DenseRest` holds it as one dense array.  :class:`CutRest` holds
leading blocks that are diagonal -- nested scalar terms, eliminated by
division -- as their pivots plus the sparse columns below them, and only
the trailing part densely: a nested term with tens of thousands of levels
then costs memory and time in proportion to its non-zeros, not to its
square.  Both answer what the rest of the core asks of the factor: its
diagonal, its trailing block (``R_X`` and the residual), the response row,
and triangular solves with a leading part.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack


def _triangular_solve(L: np.ndarray, b: np.ndarray, trans: bool) -> np.ndarray:
    """``L[:m, :m] x = b`` (or ``L[:m, :m]' x = b``) for the lower triangle of
    ``L`` and ``m = len(b)``.

    A leading block of a large factor is not contiguous, and LAPACK's wrapper
    would copy it (18 ms for InstEval's 1,145 rows).  The whole triangle is
    solved instead, with ``b`` padded by zeros: the leading part of the
    solution is unchanged (forward substitution never reads the later rows;
    backward substitution finds zeros there first).  This needs the whole
    triangle nonsingular and finite, as every factor here is: each passed
    ``dpotrf`` or the pivot check of the cut elimination.  A C-ordered ``L``
    is passed as its Fortran-ordered transpose, an upper triangle.
    """
    m, n = b.shape[0], L.shape[0]
    if m < n:
        b = np.concatenate([b, np.zeros((n - m,) + b.shape[1:])])
    if L.flags.c_contiguous and not L.flags.f_contiguous:
        x, info = lapack.dtrtrs(L.T, b, lower=0, trans=int(not trans))
    else:
        x, info = lapack.dtrtrs(L, b, lower=1, trans=int(trans))
    if info != 0:
        raise np.linalg.LinAlgError(f"singular triangular factor (dtrtrs info={info})")
    return x[:m]


class DenseRest:
    """The factor as one dense array (only its lower triangle is meaningful)."""

    def __init__(self, L: np.ndarray) -> None:
        self.L = L
        self.size = L.shape[0]

    def diagonal(self) -> np.ndarray:
        """The pivots ``L_ii``."""
        return np.diagonal(self.L)

    def tail(self, start: int) -> np.ndarray:
        """``L[start:, start:]`` (lower triangle meaningful)."""
        return self.L[start:, start:]

    def last_row(self) -> np.ndarray:
        """``L[-1, :-1]``: the response row."""
        return self.L[-1, :-1]

    def solve(self, b: np.ndarray, m: int, trans: bool = False) -> np.ndarray:
        """``x`` with ``L[:m, :m] x = b`` (``trans``: ``L[:m, :m]' x = b``); ``b`` is ``(m,)`` or ``(m, r)``."""
        if m == 0:
            return np.array(b, dtype=float)
        return _triangular_solve(self.L, b, trans)

    def dense(self) -> np.ndarray:
        """The factor as a dense array."""
        return self.L


@dataclass
class DiagonalBlock:
    """Columns ``start:stop`` of a :class:`CutRest`: a diagonal block of pivots
    and the sparse ``(size - stop, stop - start)`` entries below it, as the
    data of a CSR matrix of fixed structure (``indices``, ``indptr``;
    ``row_of`` gives each entry's row).  Products with a vector are one
    ``bincount``: no sparse matrix is built per factorization (building one
    costs more than the product on small models)."""

    start: int
    stop: int
    root: np.ndarray
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    row_of: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows below, columns of the block)``."""
        return self.indptr.size - 1, self.stop - self.start

    @cached_property
    def below(self) -> sp.csr_matrix:
        """The entries below as a CSR matrix (for products with matrices)."""
        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def times(self, v: np.ndarray) -> np.ndarray:
        """``below @ v``."""
        if v.ndim > 1:
            return self.below @ v
        return np.bincount(self.row_of, weights=self.data * v[self.indices], minlength=self.shape[0])

    def transpose_times(self, x: np.ndarray) -> np.ndarray:
        """``below' @ x`` (``x`` with one row per row below)."""
        if x.ndim > 1:
            return self.below.T @ x
        return np.bincount(self.indices, weights=self.data * x[self.row_of], minlength=self.shape[1])

    def last_row(self) -> np.ndarray:
        """The last row below, dense (the response row)."""
        out = np.zeros(self.shape[1])
        entries = slice(self.indptr[-2], self.indptr[-1])
        out[self.indices[entries]] = self.data[entries]
        return out


class CutRest:
    """Leading diagonal blocks with sparse columns below, then a dense lower tail.

    Parameters
    ----------
    blocks : list of DiagonalBlock
        The leading blocks, in order; the last ends at ``cut``.
    tail : numpy.ndarray
        ``(size - cut, size - cut)`` lower factor of what remains (lower triangle meaningful).
    """

    def __init__(self, blocks: list[DiagonalBlock], tail: np.ndarray) -> None:
        self.blocks, self.tail_L = blocks, tail
        self.cut = blocks[-1].stop
        self.size = self.cut + tail.shape[0]

    def diagonal(self) -> np.ndarray:
        """The pivots ``L_ii``."""
        return np.concatenate([b.root for b in self.blocks] + [np.diagonal(self.tail_L)])

    def tail(self, start: int) -> np.ndarray:
        """``L[start:, start:]`` for ``start`` at or after the cut."""
        if start < self.cut:
            raise ValueError(f"rows before {self.cut} are held sparse; asked from {start}")
        return self.tail_L[start - self.cut :, start - self.cut :]

    def last_row(self) -> np.ndarray:
        """``L[-1, :-1]``: the response row."""
        out = np.empty(self.size - 1)
        for b in self.blocks:
            out[b.start : b.stop] = b.last_row()
        out[self.cut :] = self.tail_L[-1, :-1]
        return out

    def solve(self, b: np.ndarray, m: int, trans: bool = False) -> np.ndarray:
        """``x`` with ``L[:m, :m] x = b`` (``trans``: ``L[:m, :m]' x = b``); ``b`` is ``(m,)`` or ``(m, r)``.

        Forward: divide each block by its pivots and subtract its columns
        from the rows below; backward: the same in reverse order.  ``m``
        must not end inside the leading blocks (the core solves with all
        random effects, or all but the response row).  The work runs on all
        ``size`` rows, those from ``m`` on zero (backward) or ignored
        (forward), so that no block is cut to ``m`` rows.
        """
        c = self.cut
        if m < c:
            raise ValueError(f"solves must include the leading blocks (m >= {c}); got m = {m}")
        b = np.asarray(b, dtype=float)
        x = np.zeros((self.size,) + b.shape[1:])
        x[:m] = b
        if not trans:
            for blk in self.blocks:
                x[blk.start : blk.stop] /= _column(blk.root, x.ndim)
                x[blk.stop :] -= blk.times(x[blk.start : blk.stop])
            if m > c:
                x[c:m] = _triangular_solve(self.tail_L, x[c:m], False)
            return x[:m]
        if m > c:
            x[c:m] = _triangular_solve(self.tail_L, x[c:m], True)
        for blk in reversed(self.blocks):
            x[blk.start : blk.stop] -= blk.transpose_times(x[blk.stop :])
            x[blk.start : blk.stop] /= _column(blk.root, x.ndim)
        return x[:m]

    def dense(self) -> np.ndarray:
        """The factor as a dense array (for checks on small problems)."""
        L = np.zeros((self.size, self.size))
        for b in self.blocks:
            idx = np.arange(b.start, b.stop)
            L[idx, idx] = b.root
            L[b.stop :, b.start : b.stop] = b.below.toarray()
        L[self.cut :, self.cut :] = np.tril(self.tail_L)
        return L


def _column(v: np.ndarray, ndim: int) -> np.ndarray:
    return v if ndim == 1 else v[:, None]
