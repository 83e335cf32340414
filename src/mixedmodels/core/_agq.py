"""Adaptive Gauss-Hermite quadrature for one scalar random-effects term.

With a single scalar term the integral over the random effects factorises
by level.  Each level's integrand is centred at its conditional mode and
scaled by ``1 / L_jj`` (the conditional standard deviation of ``u_j``);
the deviance is lme4's ``glmerAGQ``::

    sum_j devc0_j + log|L|^2 - 2 sum_j log(sum_k w_k exp(-(devc_jk - devc0_j)/2 + z_k^2/2))

where ``devc`` is the per-level sum of deviance residuals plus ``u_j^2``.
As lme4 (1.1-x) it omits the saturated log-likelihood.
"""

from __future__ import annotations

from functools import cache

import numpy as np


@cache
def gauss_hermite(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the ``k``-point rule for the standard normal density."""
    z, w = np.polynomial.hermite_e.hermegauss(k)
    z[np.abs(z) < 1e-12] = 0.0
    return z, w / w.sum()


def check_agq(problem) -> None:
    """AGQ needs exactly one scalar random-effects term (lme4's rule)."""
    if len(problem.blocks) != 1 or problem.blocks[0].k != 1:
        raise ValueError(
            "nAGQ > 1 is only available for models with a single, scalar random-effects term "
            f"(e.g. (1 | group)); this model has {len(problem.blocks)} term(s) with "
            f"{[b.k for b in problem.blocks]} effects. Use nagq=1 (Laplace) instead."
        )


def agq_deviance(problem, result, theta: np.ndarray, nagq: int) -> float:
    """AGQ deviance at the conditional modes ``result`` (u-only PIRLS at theta, beta)."""
    block = problem.blocks[0]
    resp = problem.response
    lam = float(theta[0])
    codes, q = block.codes, block.nlevels
    u0 = result.u[0][:, 0]
    sd = np.sqrt(result.state.d_inv[:, 0, 0])
    devc0 = np.bincount(codes, weights=resp.dev_resids(resp.mu(result.eta)), minlength=q) + u0**2
    zcol = block.Z[:, 0] * lam
    mult = np.zeros(q)
    nodes, weights = gauss_hermite(nagq)
    for zk, wk in zip(nodes, weights):
        if zk == 0.0:
            mult += wk
            continue
        uk = u0 + zk * sd
        eta = result.eta + zcol * (zk * sd)[codes]
        devc = np.bincount(codes, weights=resp.dev_resids(resp.mu(eta)), minlength=q) + uk**2
        mult += wk * np.exp(-(devc - devc0) / 2 + zk * zk / 2)
    return float(devc0.sum() + result.state.logdet_re - 2.0 * np.sum(np.log(mult)))
