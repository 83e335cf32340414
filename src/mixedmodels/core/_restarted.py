"""lme4's stage-2 deviance function, as its finite-difference Hessian sees it.

lme4 takes the covariance of a glmer fit's fixed effects from ``deriv12``
of its stage-2 deviance function over (theta, beta).  That function is not
the converged Laplace deviance: every evaluation restarts PIRLS (u only,
beta fixed) from the linear predictor at the end of stage 1, stops as soon
as the penalized deviance changes by less than ``tolPwrss = 1e-7``
relative, and reads the log-determinant off the factor of the iterate
before the last.  At the step of ``deriv12`` (1e-4) the truncation moves
the Hessian -- on the small cbpp herds the standard errors by 1-1.5 %.
:func:`restarted_deviance` evaluates that function, so that
``GlmerControl(vcov_hessian="lme4")`` reproduces lme4's standard errors.
"""

from __future__ import annotations

import numpy as np

from mixedmodels.core._agq import agq_deviance
from mixedmodels.core._pirls import PirlsError, PirlsResult, _pls_step, _ussq

LME4_TOL_PWRSS = 1e-7
_MAX_HALVINGS = 10


def restarted_deviance(problem, params: np.ndarray, eta0: np.ndarray, nagq: int = 1) -> float:
    """lme4's stage-2 deviance (Laplace, or AGQ for ``nagq > 1``) at ``params = (theta, beta)``
    after PIRLS restarted from ``eta0`` (see :func:`restarted_modes`)."""
    ntheta = problem.theta_map.size
    theta, beta = params[:ntheta], params[ntheta:]
    result = restarted_modes(problem, theta, beta, eta0)
    return agq_deviance(problem, result, theta, nagq) if nagq > 1 else problem.laplace_of(result)


def restarted_modes(problem, theta: np.ndarray, beta: np.ndarray, eta0: np.ndarray,
                    tol: float = LME4_TOL_PWRSS, maxit: int = 100) -> PirlsResult:
    """lme4's PIRLS over u (beta fixed) from the linear predictor ``eta0``.

    Parameters
    ----------
    problem : GeneralizedMixedProblem
        The model; its stored modes are not touched.
    theta, beta : numpy.ndarray
        Covariance parameters and fixed effects.
    eta0 : numpy.ndarray
        Linear predictor the iteration starts from (lme4's ``lp0``).
    tol : float
        Relative change of the penalized deviance that stops the iteration.
    maxit : int
        Maximum number of iterations.

    Returns
    -------
    PirlsResult
        The last iterate, with the factor formed at the weights of that
        iteration's starting point (from which lme4 reads ``log|L|^2``).
    """
    lambdas = problem.theta_map.lambdas(np.asarray(theta, dtype=float))
    design, resp = problem.uonly, problem.response
    fixed_part = problem.X @ beta
    eta, pdev_old, u_old = eta0, np.finfo(float).max, None
    for it in range(1, maxit + 1):
        u, _, state = _pls_step(design, resp, lambdas, eta, fixed_part)
        eta_new = problem.linear_predictor(u, beta, lambdas)
        pdev = resp.deviance(eta_new) + _ussq(u)
        if abs(pdev_old - pdev) < tol * abs(pdev):
            return PirlsResult(u, beta, eta_new, state, pdev, it, True)
        if u_old is None and not np.isfinite(pdev):
            raise PirlsError("the first PIRLS step from the stage-1 linear predictor is not finite")
        for _ in range(_MAX_HALVINGS):
            if np.isfinite(pdev) and pdev <= pdev_old:
                break
            u = [(a + b) / 2 for a, b in zip(u_old, u)]
            eta_new = problem.linear_predictor(u, beta, lambdas)
            pdev = resp.deviance(eta_new) + _ussq(u)
        if not np.isfinite(pdev) or pdev - pdev_old > tol:
            raise PirlsError("PIRLS step-halvings failed to reduce the penalized deviance")
        eta, pdev_old, u_old = eta_new, pdev, u
    raise PirlsError(f"PIRLS did not converge in {maxit} iterations")
