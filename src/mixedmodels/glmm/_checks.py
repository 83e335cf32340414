"""Post-fit checks of a glmer fit: lme4's derivative checks over (theta, beta),
PIRLS convergence, and the Hessian the fixed-effects covariance comes from."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixedmodels._checks import convergence_derivatives
from mixedmodels._warnings import ConvergenceWarning, signal
from mixedmodels.core._hessian import (
    gradient_hessian_symmetric,
    gradient_with_hessian_of,
)
from mixedmodels.core._pirls import PIRLS_FAILURES
from mixedmodels.core._restarted import restarted_deviance
from mixedmodels.glmm._control import GlmerControl


def glmm_derivatives(devfun: Callable[[np.ndarray], float], params: np.ndarray,
                     lower: np.ndarray, singular: bool, nobs: float, control: GlmerControl,
                     hessian: Callable[[], np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """lme4's derivatives for its convergence checks
    (:func:`~mixedmodels._checks.convergence_derivatives`) over (theta, beta)
    with the symmetric finite differences, across bounds as lme4's glmer
    takes them (:func:`_across_bounds`) -- or, given ``hessian``, the
    gradient of ``devfun`` with that Hessian (lme4's, behind the standard
    errors); None where lme4 takes none.  Taken for a singular fit too, as
    the covariance of beta comes from the Hessian.

    The objective at ``params`` is evaluated afresh, not taken from the
    optimizer as lme4 takes it: lme4's stage-2 function restarts PIRLS at
    every call and gives the same value again, ours starts warm, and the
    Laplace deviance's log-determinant carries PIRLS's tolerance in the
    linear predictor (about 1e-9).  The optimizer's value, reached from
    elsewhere, sits that far off the differences' other points, and divided
    by ``delta^2 = 1e-8`` it moved inverse-Gaussian standard errors by up
    to 2 % (``tools/lme4_diff`` seeds 30-34)."""
    derivatives = _across_bounds if hessian is None else gradient_with_hessian_of(hessian)
    return convergence_derivatives(devfun, params, None, lower, singular, nobs, control,
                                   derivatives=derivatives, need_hessian=True)


def _across_bounds(fn: Callable[[np.ndarray], float], x: np.ndarray, fx: float | None = None,
                   lower: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~mixedmodels.core._hessian.gradient_hessian_symmetric`, ``lower``
    set aside: lme4's glmer passes no bounds to ``deriv12``, whose steps
    cross them (only a singular fit has a parameter on its bound, and it
    gets no gradient check)."""
    return gradient_hessian_symmetric(fn, x, fx=fx)


def restarted_hessian(problem, params: np.ndarray, nagq: int,
                      unit: np.ndarray | float = 1.0) -> np.ndarray:
    """The Hessian behind lme4's standard errors of a glmer fit: that of its
    stage-2 deviance function (PIRLS restarted from the stage-1 linear
    predictor, :func:`~mixedmodels.core._restarted.restarted_deviance`),
    over ``params`` given in units of ``unit`` (the parameters times it).

    Taken with the symmetric differences (:mod:`mixedmodels.core._hessian`,
    57 evaluations instead of ``deriv12``'s 99 for seven parameters), across
    bounds as lme4 takes them.  A failed PIRLS gives NaN entries, which
    :func:`fixed_effects_vcov` reports."""
    eta0 = problem.stage1_eta

    def devfun(x: np.ndarray) -> float:
        try:
            return restarted_deviance(problem, x / unit, eta0, nagq)
        except PIRLS_FAILURES:
            return np.nan

    return gradient_hessian_symmetric(devfun, params)[1]


HESSIAN_FALLBACK = ("variance-covariance matrix computed from finite-difference Hessian is not positive definite "
                    "or contains NA values: falling back to var-cov estimated from RX")


def fixed_effects_vcov(hess: np.ndarray | None, ntheta: int, vcov_rx: np.ndarray,
                       control: GlmerControl) -> tuple[np.ndarray, list[str]]:
    """lme4's ``vcov`` of a glmer fit: from the Hessian over (theta, beta) when one
    was computed and is usable, else from ``R_X`` -- with lme4's warning (at
    ``control.check_conv_hess``) when a computed Hessian had to be set aside."""
    if hess is None:
        return vcov_rx, []
    vcov = hessian_vcov(hess, ntheta)
    if vcov is not None:
        return vcov, []
    msg = f"{HESSIAN_FALLBACK} ({_hessian_problem(hess)}); standard errors assume beta independent of theta"
    signal(msg, control.check_conv_hess, ConvergenceWarning)
    return vcov_rx, [msg]


def _hessian_problem(hess: np.ndarray) -> str:
    """What was wrong with the Hessian, with the value seen."""
    if not np.all(np.isfinite(hess)):
        return f"{int(np.sum(~np.isfinite(hess)))} non-finite entries"
    ev = np.linalg.eigvalsh((hess + hess.T) / 2)
    return f"eigenvalues from {ev.min():.3g} to {ev.max():.3g}"


def hessian_vcov(hess: np.ndarray | None, ntheta: int) -> np.ndarray | None:
    """lme4's Hessian-based covariance of beta: the beta block of ``2 H^-1``
    (None if the Hessian is missing or not positive definite)."""
    if hess is None or not np.all(np.isfinite(hess)):
        return None
    try:
        inverse = 2.0 * np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return None
    if np.min(np.linalg.eigvalsh((inverse + inverse.T) / 2)) <= 0:
        return None
    v = inverse[ntheta:, ntheta:]
    return (v + v.T) / 2


def check_pirls(result, control: GlmerControl) -> list[str]:
    """Message when PIRLS stopped without converging at the optimum."""
    if result.converged:
        return []
    msg = (f"PIRLS did not converge in {result.iterations} iterations at the optimum "
           f"(penalized deviance {result.pdev:.6g}); increase GlmerControl(pirls_maxit=...)")
    signal(msg, control.check_pirls, ConvergenceWarning)
    return [msg]
