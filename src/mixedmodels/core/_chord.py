"""PIRLS steps through a factor formed earlier (a chord method).

A PIRLS step is a Newton step for the penalized deviance: with
``H = Lambda' Z' W Z Lambda + I`` (and X beside it) and the score
``g = Lambda' Z' r - u`` (``r = W (y - mu) / mu_eta``), the new modes are
``u + H^{-1} g``.  Forming ``H`` costs a pass over the rows plus the dense
downdate and Cholesky factorization of the rest; solving with a factor of
``H`` already at hand costs two sparse products and two triangular solves.
Steps through a factor from nearby weights and theta converge linearly to
the same modes (where ``g = 0``), so PIRLS takes them while they converge
fast and forms a new factor only when they do not.
"""

from __future__ import annotations

import numpy as np

from mixedmodels.core._factor import FactorState
from mixedmodels.core._scale import scale_vector
from mixedmodels.core._solution import _transpose_times


class ChordFactor:
    """The blocked factor of ``H`` at some weights and theta, for solves.

    Parameters
    ----------
    design
        The reweighted system (``blocks``, ``factor``, ``p``) whose factor
        ``state`` was formed from its current cross-products.
    state : FactorState
        The factor.

    Attributes
    ----------
    state : FactorState
        The factor (its lambdas are the theta it was formed at).
    """

    def __init__(self, design, state: FactorState) -> None:
        self.design, self.state = design, state
        self.a_r1 = design.factor.xp.a_r1.copy()  # the next reweight overwrites the shared one
        self.n_rest = state.rest.size - 1  # rest effects and beta, not the response

    def step(self, r: np.ndarray, u: list[np.ndarray], lambdas: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
        """Increments of the modes and beta, ``H_chord^{-1} g``, for the score at
        row residuals ``r = W (y - mu) / mu_eta`` and modes ``u`` at ``lambdas``."""
        design = self.design
        blocks = design.blocks
        g1 = blocks[0].transpose_apply(r) @ lambdas[0] - u[0]
        layout = design.factor.rest_layout
        rest = [b.transpose_apply(r) @ lam - ui for b, lam, ui in zip(blocks[1:], lambdas[1:], u[1:])]
        g2 = np.concatenate([x.ravel() for x in rest] + [design.cross.X_transpose_times(r)])
        x1, x2 = self._solve(g1, g2)
        s_re = self.state.n_re_rest
        du = [x1] + [x2[o : o + q * k].reshape(q, k) for o, q, k in layout]
        return du, x2[s_re:]

    def _solve(self, r1: np.ndarray, r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``[[D, B'], [B, C]]^{-1} [r1; r2]`` by the blocked factor (``B`` from
        the stored ``A_r1``; the response row is left out)."""
        state = self.state
        lam1 = state.lambdas[0]
        segments = [(o, q, lam) for (o, q, _), lam in zip(self.design.factor.rest_layout, state.lambdas[1:])]
        y1 = np.einsum("lab,lb->la", state.d_inv, r1)
        t = r2 - scale_vector((self.a_r1 @ (y1 @ lam1.T).ravel())[:-1], segments, transpose=True)
        m = self.n_rest
        x2 = state.rest.solve(state.rest.solve(t, m), m, trans=True) if t.size else t
        w = np.append(scale_vector(x2, segments, transpose=False), 0.0)
        back = _transpose_times(self.a_r1, w).reshape(r1.shape) @ lam1
        return np.einsum("lab,lb->la", state.d_inv, r1 - back), x2
