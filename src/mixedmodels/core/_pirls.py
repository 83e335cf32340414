"""Penalized iteratively reweighted least squares (PIRLS), lme4's ``pwrssUpdate``.

At fixed theta (and, for the second optimizer stage, fixed beta) PIRLS finds
the conditional modes ``u`` (and beta) that minimize the penalized deviance
``sum of deviance residuals + ||u||^2``.  Each iteration forms the weighted
cross-products anew (their structure is fixed), updates the blocked factor,
solves the penalized weighted least-squares problem for the working
response, and halves the step while the penalized deviance goes up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixedmodels.core._factor import FactorState
from mixedmodels.core._solution import spherical_modes


_ROUNDING = 64 * np.finfo(float).eps


class PirlsError(RuntimeError):
    """PIRLS could not reduce the penalized deviance (lme4's step-halving failure)."""


@dataclass
class PirlsResult:
    """Conditional modes at one theta.

    Attributes
    ----------
    u : list of numpy.ndarray
        Spherical modes per term, ``(nlevels, k)``.
    beta : numpy.ndarray
        Fixed effects (solved for, or as given).
    eta : numpy.ndarray
        Linear predictor including the offset.
    state : FactorState
        Factor at the weights of the last iteration.
    pdev : float
        Penalized deviance ``sum dev_resids + ||u||^2``.
    iterations : int
        Number of PIRLS iterations.
    converged : bool
        Whether the relative change fell below the tolerance.
    """

    u: list[np.ndarray]
    beta: np.ndarray
    eta: np.ndarray
    state: FactorState
    pdev: float
    iterations: int
    converged: bool

    @property
    def ussq(self) -> float:
        """``||u||^2``."""
        return _ussq(self.u)


def pirls(problem, lambdas, u, beta, eta=None, fixed_beta: bool = False,
          tol: float = 1e-10, maxit: int = 100, max_halvings: int = 10) -> PirlsResult:
    """Iterate weighted PLS steps from ``(u, beta)`` to the conditional modes.

    Converged when the distance still to go, extrapolated from the last two
    steps (``s_k r / (1 - r)`` with ``r = s_k / s_{k-1}``: exact for the
    linear convergence of Fisher scoring, an overestimate for Newton's
    quadratic one), is below ``tol`` in the linear predictor, or the step is
    at the level of rounding.  (The penalized deviance is no criterion: it
    is flat at the modes, so it stops changing while the linear predictor,
    and with it the log-determinant, is still off by ``sqrt(eps)``.)  The returned
    factor is formed at the weights of the returned modes, so the Laplace
    deviance read off it is a smooth function of theta and beta (needed by
    the finite-difference Hessian behind the standard errors).

    ``eta`` may give a starting linear predictor not of the form
    ``X beta + Z Lambda u`` (R's ``mustart``); the first step is then
    accepted whatever its penalized deviance.
    """
    design = problem.uonly if fixed_beta else problem.full
    resp = problem.response
    fixed_part = problem.X @ beta if fixed_beta else 0.0
    pdev_old = np.inf
    if eta is None:
        eta = problem.linear_predictor(u, beta, lambdas)
        pdev_old = resp.deviance(eta) + _ussq(u)
    converged, it, last_step = False, 0, np.inf
    for it in range(1, maxit + 1):
        u_new, beta_new = _pls_step(design, resp, lambdas, eta, fixed_part)
        beta_new = beta if fixed_beta else beta_new
        eta_new = problem.linear_predictor(u_new, beta_new, lambdas)
        pdev = resp.deviance(eta_new) + _ussq(u_new)
        for _ in range(max_halvings):
            if np.isfinite(pdev) and pdev - pdev_old <= 1e-12 * abs(pdev):
                break
            u_new = [(a + b) / 2 for a, b in zip(u, u_new)]
            beta_new = (beta + beta_new) / 2
            eta_new = (eta + eta_new) / 2
            pdev = resp.deviance(eta_new) + _ussq(u_new)
        if not np.isfinite(pdev) or pdev - pdev_old > 1e-7 * abs(pdev):
            raise PirlsError("PIRLS step-halvings failed to reduce the penalized deviance "
                             f"(from {pdev_old:.6g} to {pdev:.6g}) at theta = {_theta_text(lambdas)}")
        step = float(np.max(np.abs(eta_new - eta))) if eta.size else 0.0
        converged = _remaining(step, last_step) < tol or step <= _ROUNDING * float(np.max(np.abs(eta_new)))
        last_step = step
        u, beta, eta, pdev_old = u_new, beta_new, eta_new, pdev
        if converged:
            break
    w, z = resp.working(eta)
    design.factor.reweight(design.cross.compute(w, z - fixed_part))
    state = design.factor.update(lambdas)
    return PirlsResult(u, beta, eta, state, float(pdev_old), it, converged)


def _pls_step(design, resp, lambdas, eta, fixed_part):
    """Modes (and beta) of the weighted PLS problem for the working response at ``eta``."""
    w, z = resp.working(eta)
    design.factor.reweight(design.cross.compute(w, z - fixed_part))
    return spherical_modes(design, design.factor.update(lambdas))


def _remaining(step: float, last_step: float) -> float:
    """Distance still to go after steps ``last_step``, ``step`` of a converging iteration."""
    if not 0 < last_step < np.inf:
        return step
    rate = step / last_step
    return step * rate / (1.0 - rate) if rate < 0.5 else step


def _ussq(u: list[np.ndarray]) -> float:
    """``||u||^2`` of the modes, one array per block."""
    return float(sum(np.sum(ui * ui) for ui in u))


def _theta_text(lambdas) -> str:
    return "[" + ", ".join(np.array2string(lam.ravel(), precision=4) for lam in lambdas) + "]"
