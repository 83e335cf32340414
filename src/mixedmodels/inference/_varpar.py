"""The deviance and cov(beta) of a linear mixed model in ``varpar = (theta, sigma)``.

lmer profiles sigma out of its objective; lmerTest's Satterthwaite method
needs the deviance with sigma as a free parameter (``devfun_vp``) and the
covariance of the fixed effects at any ``(theta, sigma)`` (``get_covbeta``).
Both depend on theta only through a few numbers of the factor at theta,
which are kept: the finite differences revisit the same theta with other
sigmas (InstEval: 113 evaluations, 73 distinct theta).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from mixedmodels._likelihood import LOG_2PI
from mixedmodels.core import LinearMixedProblem


class _AtTheta(NamedTuple):
    logdet_re: float
    logdet_rx: float
    pwrss: float
    unscaled_vcov: np.ndarray  # (R_X R_X')^-1, p x p


def split_varpar(varpar: np.ndarray) -> tuple[np.ndarray, float]:
    """``(theta, sigma)`` from ``varpar``."""
    varpar = np.asarray(varpar, dtype=float)
    return varpar[:-1], float(varpar[-1])


class VarparFunctions:
    """:meth:`deviance` and :meth:`vcov_beta` of ``problem`` in ``varpar``,
    one factorization per distinct theta."""

    def __init__(self, problem: LinearMixedProblem, reml: bool) -> None:
        self.problem, self.reml = problem, reml
        self._at: dict[bytes, _AtTheta] = {}

    def _factor_at(self, theta: np.ndarray) -> _AtTheta:
        """What the two functions read off the factor at ``theta``, kept per
        theta (the covariance too: it is small, and the Hessian's and the
        Jacobian's points share theta values)."""
        key = theta.tobytes()
        if key not in self._at:
            state, p = self.problem.update(theta), self.problem.p
            self._at[key] = _AtTheta(state.logdet_re, state.logdet_rx(p), state.pwrss, state.unscaled_vcov(p))
        return self._at[key]

    def deviance(self, varpar: np.ndarray) -> float:
        """-2 (REML) log-likelihood at ``varpar`` (beta at its estimate given theta)."""
        theta, sigma = split_varpar(varpar)
        at, problem = self._factor_at(theta), self.problem
        sigma2 = sigma**2
        dev = at.logdet_re + at.pwrss / sigma2 + problem.n * (LOG_2PI + np.log(sigma2))
        dev -= problem.log_weights
        if self.reml:
            dev += at.logdet_rx - problem.p * (LOG_2PI + np.log(sigma2))
        return float(dev)

    def vcov_beta(self, varpar: np.ndarray) -> np.ndarray:
        """``(p, p)`` covariance of the fixed effects at ``varpar``."""
        theta, sigma = split_varpar(varpar)
        return sigma**2 * self._factor_at(theta).unscaled_vcov
