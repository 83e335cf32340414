"""The deviance and cov(beta) of a linear mixed model in ``varpar = (theta, sigma)``.

lmer profiles sigma out of its objective; lmerTest's Satterthwaite method
needs the deviance with sigma as a free parameter (``devfun_vp``) and the
covariance of the fixed effects at any ``(theta, sigma)`` (``get_covbeta``).
"""

from __future__ import annotations

import numpy as np

from mixedmodels._likelihood import LOG_2PI
from mixedmodels.core import LinearMixedProblem


def split_varpar(varpar: np.ndarray) -> tuple[np.ndarray, float]:
    """``(theta, sigma)`` from ``varpar``."""
    varpar = np.asarray(varpar, dtype=float)
    return varpar[:-1], float(varpar[-1])


def varpar_deviance(problem: LinearMixedProblem, varpar: np.ndarray, reml: bool) -> float:
    """-2 (REML) log-likelihood at ``varpar`` (beta at its estimate given theta)."""
    theta, sigma = split_varpar(varpar)
    state = problem.update(theta)
    sigma2 = sigma**2
    dev = state.logdet_re + state.pwrss / sigma2 + problem.n * (LOG_2PI + np.log(sigma2))
    dev -= problem.log_weights
    if reml:
        dev += state.logdet_rx(problem.p) - problem.p * (LOG_2PI + np.log(sigma2))
    return float(dev)


def varpar_vcov_beta(problem: LinearMixedProblem, varpar: np.ndarray) -> np.ndarray:
    """``(p, p)`` covariance of the fixed effects at ``varpar``."""
    theta, sigma = split_varpar(varpar)
    return sigma**2 * problem.update(theta).unscaled_vcov(problem.p)
