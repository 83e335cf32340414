"""Estimates read off the blocked factor at the optimum: beta, modes, sigma."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixedmodels.core._factor import FactorState
from mixedmodels.core._lmm import LinearMixedProblem
from mixedmodels.core._scale import scale_rows, scale_vector
from mixedmodels.core._selinv import packed_conditional_variances


@dataclass
class LmmSolution:
    """Fixed effects, conditional modes and scale at one theta.

    Attributes
    ----------
    beta : numpy.ndarray
        ``(p,)`` fixed effects.
    u : list of numpy.ndarray
        Spherical conditional modes per term, ``(nlevels, k)``.
    b : list of numpy.ndarray
        Conditional modes ``Lambda u`` per term, ``(nlevels, k)``.
    sigma : float
        Residual standard deviation (REML or ML estimate).
    pwrss : float
        Penalized weighted residual sum of squares.
    vcov_unscaled : numpy.ndarray
        ``(R_X R_X')^{-1}`` (``R_X`` the lower-triangular fixed-effects block
        of the factor); the covariance of beta is ``sigma^2`` times it.
    """

    beta: np.ndarray
    u: list[np.ndarray]
    b: list[np.ndarray]
    sigma: float
    pwrss: float
    vcov_unscaled: np.ndarray


def _rest_segments(problem: LinearMixedProblem, lambdas: list[np.ndarray]):
    return [(o, q, lam) for (o, q, _), lam in zip(problem.factor.rest_layout, lambdas[1:])]


def spherical_modes(problem: LinearMixedProblem, state: FactorState) -> tuple[list[np.ndarray], np.ndarray]:
    """Spherical modes ``u`` per term ``(nlevels, k)`` and beta, by back-substitution."""
    rest, s_re = state.rest, state.n_re_rest
    x = rest.solve(rest.last_row(), rest.size - 1, trans=True)
    segments = _rest_segments(problem, state.lambdas)
    u_rest, beta = x[:s_re], x[s_re:]
    w = np.concatenate([scale_vector(u_rest, segments, transpose=False), beta, [-1.0]])
    first = problem.blocks[0]
    v = -_transpose_times(problem.factor.xp.a_r1, w).reshape(first.nlevels, first.k) @ state.lambdas[0]
    u1 = np.einsum("lab,lb->la", state.d_inv, v)
    return [u1] + [u_rest[o : o + q * k].reshape(q, k) for o, q, k in problem.factor.rest_layout], beta


_TRANSPOSE_VIEW_MIN_NNZ = 4096


def _transpose_times(a, w: np.ndarray) -> np.ndarray:
    """``a' w`` for a CSR ``a``: through scipy's transposed (CSC) view when
    ``a`` is large (3x faster at 180,000 non-zeros), else by a ``bincount``
    over its entries (making that view costs more than a small product;
    PIRLS calls this once per iteration)."""
    if a.nnz >= _TRANSPOSE_VIEW_MIN_NNZ:
        return a.T @ w
    scaled = a.data * np.repeat(w, np.diff(a.indptr))
    return np.bincount(a.indices, weights=scaled, minlength=a.shape[1])


def solve(problem: LinearMixedProblem, state: FactorState, reml: bool) -> LmmSolution:
    """Back-substitute through the factor for beta and the modes."""
    p = problem.p
    u, beta = spherical_modes(problem, state)
    b = [ui @ lam.T for ui, lam in zip(u, state.lambdas)]
    dof = problem.n - p if reml else problem.n
    sigma = float(np.sqrt(state.pwrss / dof))
    return LmmSolution(beta, u, b, sigma, state.pwrss, state.unscaled_vcov(p))


def conditional_variances(
    problem: LinearMixedProblem, state: FactorState, sigma: float, chunk: int = 4096
) -> list[np.ndarray]:
    """lme4's ``condVar``: per term ``(nlevels, k, k)`` conditional covariances of b.

    Diagonal blocks of ``sigma^2 Lambda (Lambda' Z' Z Lambda + I)^{-1} Lambda'``:
    from a selected inverse when the further terms are scalar and held
    packed (:mod:`._selinv`), otherwise by solves with the rest's factor
    in chunks of ``chunk`` columns.
    """
    if state.n_re_rest and getattr(problem.factor, "_packed", None) is not None:
        return packed_conditional_variances(problem, state, sigma)
    return solved_conditional_variances(problem, state, sigma, chunk)


def solved_conditional_variances(
    problem: LinearMixedProblem, state: FactorState, sigma: float, chunk: int = 4096
) -> list[np.ndarray]:
    """:func:`conditional_variances` by triangular solves (any term sizes)."""
    s_re = state.n_re_rest
    first_blocks = state.d_inv.copy()
    rest_blocks = []
    if s_re:
        for o, q, k in problem.factor.rest_layout:
            rest_blocks.append(_inverse_column_blocks(state.rest, s_re, o, q, k, chunk))
        first_blocks += _first_term_correction(problem, state, chunk)
    blocks = [first_blocks] + rest_blocks
    return [sigma**2 * lam @ blk @ lam.T for blk, lam in zip(blocks, state.lambdas)]


def _inverse_column_blocks(rest, s_re: int, offset: int, q: int, k: int, chunk: int) -> np.ndarray:
    """``(q, k, k)`` blocks ``C_l' C_l`` of the columns ``C_l`` of ``L^-1`` (the
    random-effects part of the rest's factor) that belong to one term's levels."""
    out = np.empty((q, k, k))
    levels_per_chunk = max(1, chunk // k)
    for start in range(0, q, levels_per_chunk):
        stop = min(q, start + levels_per_chunk)
        unit = np.zeros((s_re, (stop - start) * k))
        unit[offset + start * k + np.arange(unit.shape[1]), np.arange(unit.shape[1])] = 1.0
        cols = rest.solve(unit, s_re).reshape(s_re, stop - start, k)
        out[start:stop] = np.einsum("ila,ilb->lab", cols, cols)
    return out


def _first_term_correction(problem, state, chunk):
    """Diagonal blocks of ``D^-1 B' S^-1 B D^-1`` in column chunks."""
    s_re = state.n_re_rest
    first = problem.blocks[0]
    q1, k1 = first.nlevels, first.k
    a_re = problem.factor.xp.a_r1[:s_re].tocsc()
    segments = _rest_segments(problem, state.lambdas)
    out = np.empty((q1, k1, k1))
    levels_per_chunk = max(1, chunk // k1)
    for start in range(0, q1, levels_per_chunk):
        stop = min(q1, start + levels_per_chunk)
        dense = a_re[:, start * k1 : stop * k1].toarray()
        scale_rows(dense, segments)
        shaped = dense.reshape(s_re, stop - start, k1) @ state.lambdas[0]
        shaped = np.einsum("ila,lab->ilb", shaped, state.d_inv[start:stop])
        v = state.rest.solve(shaped.reshape(s_re, -1), s_re).reshape(s_re, stop - start, k1)
        out[start:stop] = np.einsum("ila,ilb->lab", v, v)
    return out
