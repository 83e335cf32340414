"""The profiled (RE)ML deviance of a linear mixed model as a function of theta."""

from __future__ import annotations

import copy

import numpy as np

from mixedmodels._likelihood import LOG_2PI
from mixedmodels.core._crossprod import (
    CrossProducts,
    chunked_cross_products,
    scaled_rows,
)
from mixedmodels.core._factor import BlockedFactor, FactorState
from mixedmodels.core._reblock import RandomEffectsBlock, rest_layout
from mixedmodels.core._theta import ThetaMap
from mixedmodels.core._thetascale import theta_scales


class LinearMixedProblem:
    """Data of a linear mixed model reduced to its cross-products.

    Parameters
    ----------
    blocks : list of RandomEffectsBlock
        Random-effects terms in lme4's order (the first is the largest).
    X : numpy.ndarray
        ``(n, p)`` fixed-effects model matrix.
    y : numpy.ndarray
        ``(n,)`` response (any offset already subtracted).
    weights : numpy.ndarray, optional
        Prior weights.
    sparse_cuts : bool, optional
        Passed to :class:`BlockedFactor` (default: its automatic choice).

    Notes
    -----
    The cross-products of ``[Z X y]`` are formed here, once; every call of
    :meth:`deviance` only updates the blocked Cholesky factor.
    """

    def __init__(
        self,
        blocks: list[RandomEffectsBlock],
        X: np.ndarray,
        y: np.ndarray,
        weights: np.ndarray | None = None,
        sparse_cuts: bool | None = None,
    ) -> None:
        if not blocks:
            raise ValueError("a linear mixed model needs at least one random-effects term")
        self.blocks = blocks
        self.n, self.p = X.shape
        self.weights = weights
        self.theta_map = ThetaMap([b.covariance for b in blocks])
        self.theta_scales = theta_scales(self.theta_map, blocks)  # None: theta's own units
        self._X = X  # (a reference) for with_response
        sw_blocks, Xw, yw = _weighted(blocks, X, y, weights)
        xp = chunked_cross_products(sw_blocks, Xw, yw)
        self._sparse_cuts = sparse_cuts
        self.factor = BlockedFactor(xp, *rest_layout(blocks), sparse_cuts=sparse_cuts)
        self.log_weights = 0.0 if weights is None else float(np.sum(np.log(weights)))

    def with_cross_products(self, xp: CrossProducts, log_weights: float) -> LinearMixedProblem:
        """The same model with the cross-products ``xp`` of its rows under other
        weights whose logarithms sum to ``log_weights``: for a variance
        function's parameters, searched outside theta's search, with the
        cross-products weighted per stratum (the rows are not read again; the
        factor's maps are formed again, at a cost set by the cross-products'
        size).  For the deviance only: the problem keeps no weights of its
        rows, so it has no :meth:`with_response`."""
        out = copy.copy(self)
        out.factor = BlockedFactor(xp, *rest_layout(self.blocks), sparse_cuts=self._sparse_cuts)
        out.weights, out.log_weights, out._X = None, float(log_weights), None
        return out

    def with_response(self, y: np.ndarray) -> LinearMixedProblem:
        """The same model with the response ``y`` (any offset subtracted), for
        ``refit`` and the bootstrap: only the cross-products with ``y`` are
        formed; the downdate map and the rest's layout are shared."""
        if self._X is None:
            raise ValueError("a problem made by with_cross_products holds no rows to take a new response from")
        blocks, X, y = _weighted(self.blocks, self._X, np.asarray(y, dtype=float), self.weights)
        response_rest = np.concatenate([*(b.transpose_apply(y).ravel() for b in blocks[1:]), y @ X, [y @ y]])
        out = copy.copy(self)
        out.factor = self.factor.with_response(blocks[0].transpose_apply(y).ravel(), response_rest)
        return out

    def update(self, theta: np.ndarray) -> FactorState:
        """Blocked factor at ``theta``."""
        return self.factor.update(self.theta_map.lambdas(np.asarray(theta, dtype=float)))

    def deviance_of(self, state: FactorState, reml: bool) -> float:
        """Profiled deviance (ML) or REML criterion read off a factor."""
        logdet_rx = state.logdet_rx(self.p) if reml else 0.0
        return self.deviance_from(state.logdet_re, logdet_rx, state.pwrss, reml)

    def deviance_from(self, logdet_re: float, logdet_rx: float, pwrss: float, reml: bool) -> float:
        """Profiled deviance (ML) or REML criterion from ``log|L_Z|^2``,
        ``log|R_X|^2`` (read by REML only) and the penalized residual sum of squares."""
        if reml:
            dof = self.n - self.p
            return logdet_re + logdet_rx + dof * (1.0 + LOG_2PI + np.log(pwrss / dof)) - self.log_weights
        return logdet_re + self.n * (1.0 + LOG_2PI + np.log(pwrss / self.n)) - self.log_weights

    def deviance(self, theta: np.ndarray, reml: bool = True) -> float:
        """Objective for the optimizer: set theta, update the factor, read the deviance."""
        return self.deviance_and_state(theta, reml)[0]

    def deviance_and_state(self, theta: np.ndarray, reml: bool = True) -> tuple[float, FactorState | None]:
        """:meth:`deviance` and the factor it was read off (None, with a huge
        deviance, where the factorization failed)."""
        try:
            state = self.update(theta)
        except np.linalg.LinAlgError:
            return float(np.finfo(float).max / 1e10), None
        return self.deviance_of(state, reml), state


def _weighted(blocks, X, y, weights):
    """The rows multiplied by the square roots of the prior weights."""
    if weights is None:
        return blocks, X, y
    return scaled_rows(blocks, X, y, np.sqrt(np.asarray(weights, dtype=float)))
