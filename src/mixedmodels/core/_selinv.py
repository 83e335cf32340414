"""Conditional variances from a selected inverse of the packed rest.

lme4's ``condVar`` needs the diagonal blocks of ``(Lambda' Z' Z Lambda + I)^-1``.
With the blocked factor they are, for the rest's terms, diagonal entries of
``S^-1`` (``S = L_re L_re'`` the random-effects part of the rest), and for
the first term ``D^-1 + D^-1 B' S^-1 B D^-1``, whose middle needs ``S^-1``
only where ``B B'`` can be non-zero: at the outer map's positions.  So the
entries of ``S^-1`` at the packed positions suffice (a *selected* inverse):
from the dense inverse when the rest is dense, and otherwise by the
Takahashi recursion backwards through the leading diagonal blocks, which
reuses the pairs of their elimination.  The first term's blocks are then
one product with the transposed outer map.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

from mixedmodels.core._restfactor import CutRest


def _inverse_of_product(L: np.ndarray) -> np.ndarray:
    """``(L L')^-1`` for the lower triangle of ``L`` (lower triangle of the result meaningful)."""
    if L.shape[0] == 0:
        return np.zeros((0, 0))
    inv, info = lapack.dpotri(L.T, lower=0, overwrite_c=0)
    if info != 0:
        raise np.linalg.LinAlgError(f"singular factor (dpotri info={info})")
    return inv.T


def packed_inverse(factor, state) -> np.ndarray:
    """Entries of ``S^-1`` at the packed rest's positions (zero outside the
    random effects)."""
    packed, s_re, rest = factor._packed, state.n_re_rest, state.rest
    rows, cols = packed.rows, packed.cols
    z = np.zeros(rows.size)
    if not isinstance(rest, CutRest):
        inside = rows < s_re
        z[inside] = _inverse_of_product(rest.L[:s_re, :s_re])[rows[inside], cols[inside]]
        return z
    c = rest.cut
    inside = (cols >= c) & (rows < s_re)
    z[inside] = _inverse_of_product(rest.tail_L[: s_re - c, : s_re - c])[rows[inside] - c, cols[inside] - c]
    for plan, block in zip(reversed(factor._elimination.plans), reversed(rest.blocks)):
        _takahashi_block(z, plan, block, rows, s_re)
    return z


def _takahashi_block(z: np.ndarray, plan, block, rows: np.ndarray, s_re: int) -> None:
    """Fill ``z`` in the columns of one leading diagonal block from the entries
    below it (already filled): ``Z_ij = -(1/l_jj) sum_k Z_ik l_kj`` and
    ``Z_jj = 1/l_jj^2 - (1/l_jj) sum_k l_kj Z_kj``."""
    lvals = block.data
    below_rows = rows[plan.below]
    keep = below_rows[plan.e1] < s_re
    e1, e2 = plan.e1[keep], plan.e2[keep]
    zt = z[plan.targets][plan.slot[keep]]
    n = lvals.size
    acc = np.bincount(e1, weights=zt * lvals[e2], minlength=n)
    off = e1 != e2
    acc += np.bincount(e2[off], weights=zt[off] * lvals[e1[off]], minlength=n)
    root = block.root
    zb = np.where(below_rows < s_re, -acc / root[plan.below_col], 0.0)
    z[plan.below] = zb
    width = root.size
    z[plan.diagonal] = 1.0 / root**2 - np.bincount(plan.below_col, weights=lvals * zb, minlength=width) / root


def packed_conditional_variances(problem, state, sigma: float) -> list[np.ndarray]:
    """lme4's ``condVar`` per term, ``(nlevels, k, k)``, for a factor whose
    further terms are scalar and held packed (see :mod:`._packed`)."""
    factor, s_re = problem.factor, state.n_re_rest
    packed = factor._packed
    z = packed_inverse(factor, state)
    scale = np.append([lam[0, 0] for lam in state.lambdas[1:]], 0.0)
    w = z * packed.pair_scale(scale)
    w[packed.rows != packed.cols] *= 2.0
    at_outer = w if packed.outer_index is None else w[packed.outer_index]
    q1, k1, _ = state.d_inv.shape
    g = factor.outer.adjoint(at_outer).reshape(q1, k1, k1)
    lam1 = state.lambdas[0]
    middle = lam1.T @ ((g + g.transpose(0, 2, 1)) / 2) @ lam1
    first = state.d_inv + state.d_inv @ middle @ state.d_inv
    diag = _packed_diagonal(packed, z, s_re)
    out = [sigma**2 * lam1 @ first @ lam1.T]
    for (o, q, _), lam in zip(factor.rest_layout, state.lambdas[1:]):
        out.append((sigma**2 * lam[0, 0] ** 2 * diag[o : o + q])[:, None, None])
    return out


def _packed_diagonal(packed, z: np.ndarray, s_re: int) -> np.ndarray:
    """``diag(S^-1)``: the entries of ``z`` on the diagonal of the random effects."""
    d = np.zeros(s_re)
    on = (packed.rows == packed.cols) & (packed.rows < s_re)
    d[packed.rows[on]] = z[on]
    return d
