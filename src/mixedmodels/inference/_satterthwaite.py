"""Satterthwaite's denominator degrees of freedom, as lmerTest computes them.

For a contrast ``l`` the variance ``l' V(varpar) l`` of ``l' beta`` depends on
the variance parameters ``varpar = (theta, sigma)``; with ``A`` their
asymptotic covariance (twice the inverse Hessian of the deviance) and ``g``
the gradient of ``l' V l`` in varpar, ``df = 2 (l' V l)^2 / (g' A g)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from mixedmodels._warnings import ConvergenceWarning, user_stacklevel
from mixedmodels.inference._richardson import hessian, jacobian
from mixedmodels.inference._varpar import VarparFunctions

_EIGEN_TOL = 1e-8


@dataclass
class VarparCovariance:
    """What Satterthwaite's method needs of a fit (lmerTest's ``lmerModLmerTest`` slots).

    Attributes
    ----------
    beta : numpy.ndarray
        ``(p,)`` fixed effects.
    vcov_beta : numpy.ndarray
        ``(p, p)`` covariance of beta.
    vcov_varpar : numpy.ndarray
        ``(k, k)`` asymptotic covariance of ``varpar = (theta, sigma)``.
    jacobian : numpy.ndarray
        ``(k, p, p)`` derivative of cov(beta) in each variance parameter.
    sigma : float
        Residual standard deviation.
    """

    beta: np.ndarray
    vcov_beta: np.ndarray
    vcov_varpar: np.ndarray
    jacobian: np.ndarray
    sigma: float

    def variance(self, l: np.ndarray) -> float:
        """``l' V l``, the variance of the contrast ``l' beta``."""
        return float(l @ self.vcov_beta @ l)

    def ddf(self, l: np.ndarray) -> float:
        """Satterthwaite's degrees of freedom of the contrast ``l' beta``."""
        grad = np.einsum("i,kij,j->k", l, self.jacobian, l)
        return float(2.0 * self.variance(l) ** 2 / (grad @ self.vcov_varpar @ grad))


def varpar_covariance(fit) -> VarparCovariance:
    """lmerTest's ``as_lmerModLmerTest``: Hessian and Jacobian in ``(theta, sigma)``."""
    problem, reml = fit.problem, fit.reml
    varpar = np.append(np.asarray(fit.optsummary.final, dtype=float), fit.sigma)
    functions = VarparFunctions(problem, reml)
    h = hessian(functions.deviance, varpar)
    jac = jacobian(functions.vcov_beta, varpar)
    p = problem.p
    return VarparCovariance(
        beta=fit.fixef.to_numpy(),
        vcov_beta=fit.vcov.to_numpy(),
        vcov_varpar=2.0 * _positive_pinv(h),
        jacobian=jac.T.reshape(varpar.size, p, p),
        sigma=fit.sigma,
    )


def _positive_pinv(h: np.ndarray) -> np.ndarray:
    """Moore-Penrose inverse on the eigenvalues above tolerance; warns as lmerTest."""
    values, vectors = np.linalg.eigh(h)
    for mask, what in ((values < -_EIGEN_TOL, "negative"), (np.abs(values) <= _EIGEN_TOL, "close to zero")):
        if mask.any():
            shown = " ".join(f"{v:.1e}" for v in values[mask])
            warnings.warn(
                f"Model failed to converge with {mask.sum()} {what} eigenvalue(s) of the Hessian "
                f"in (theta, sigma): {shown}; Satterthwaite degrees of freedom may be unreliable.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
    pos = values > _EIGEN_TOL
    return (vectors[:, pos] / values[pos]) @ vectors[:, pos].T


def fstat_ddf(nu: np.ndarray, tol: float = 1e-8) -> float:
    """Denominator df of an F statistic that averages q t-squares with df ``nu``."""
    nu = np.asarray(nu, dtype=float)
    if nu.size == 1:
        return float(nu[0])
    if np.all(np.abs(np.diff(nu)) < tol):
        return float(nu.mean())
    if np.any(nu <= 2):
        return 2.0
    e = float(np.sum(nu / (nu - 2.0)))
    return 2.0 * e / (e - nu.size)
