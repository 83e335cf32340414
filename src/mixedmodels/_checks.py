"""Post-fit and pre-fit checks as lme4 does them, each with a settable level."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixedmodels._control import Control
from mixedmodels._warnings import (
    ConvergenceWarning,
    ScaleWarning,
    SingularFitWarning,
    signal,
)
from mixedmodels.core._derivs import gradient_hessian

Derivatives = Callable[..., "tuple[np.ndarray, np.ndarray]"]

SINGULAR_MESSAGE = "boundary (singular) fit: see help('isSingular')"


def check_scale_x(X: np.ndarray, names: list[str], level: str, tol: float = 1e3) -> list[str]:
    """lme4's checkScaleX: non-dummy columns whose SDs differ (or differ from 1) by > tol."""
    if level == "ignore" or X.shape[1] == 0:
        return []
    continuous = [j for j in range(X.shape[1]) if not np.all(np.isin(X[:, j], (0.0, 1.0)))]
    if not continuous:
        return []
    sd = X[:, continuous].std(axis=0, ddof=1)
    with np.errstate(divide="ignore"):
        log_sd = np.abs(np.log(sd))
        log_ratio = np.abs(np.subtract.outer(np.log(sd), np.log(sd)))
    if np.any(log_sd > np.log(tol)) or np.any(log_ratio > np.log(tol)):
        cols = ", ".join(names[j] for j in continuous)
        msg = (
            "Some predictor variables are on very different scales: consider rescaling "
            f"(standard deviations of {cols}: {', '.join(f'{v:.3g}' for v in sd)})."
        )
        signal(msg, level, ScaleWarning)
        return [msg]
    return []


def check_few_levels(nlevels: dict[str, int], level: str) -> list[str]:
    """lme4's check.nlev.gtreq.5: grouping factors with fewer than 5 levels."""
    few = {g: n for g, n in nlevels.items() if n < 5}
    if not few or level == "ignore":
        return []
    msg = "grouping factors with < 5 sampled levels may give unreliable estimates: " + ", ".join(
        f"{g} ({n})" for g, n in few.items()
    )
    signal(msg, level, ConvergenceWarning)
    return [msg]


def check_optimizer_code(opt, control: Control) -> list[str]:
    """lme4's "convergence code N from optimizer" when the optimizer itself gave up."""
    if not opt.failed:
        return []
    msg = f"convergence code {opt.return_code} from {opt.method} after {opt.feval} evaluations"
    signal(msg, control.check_conv_grad, ConvergenceWarning)
    return [msg]


def convergence_derivatives(
    devfun: Callable[[np.ndarray], float],
    params: np.ndarray,
    fmin: float | None,
    lower: np.ndarray,
    singular: bool,
    nobs: float,
    control: Control,
    *,
    derivatives: Derivatives = gradient_hessian,
    need_hessian: bool = False,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Gradient and Hessian of the objective at the optimum for lme4's checks,
    or None where lme4 takes none.

    Parameters
    ----------
    devfun, params, fmin, lower
        The objective, the optimum, its value (None: ``devfun`` there, when
        the derivatives are taken) and the lower bounds.
    singular : bool
        A singular fit gets no derivative checks.
    nobs : float
        Checks are taken below ``control.check_conv_nobsmax`` observations.
    control : Control
        The limits on observations and on parameters, all of ``params``
        (lmer's theta; glmer's theta and beta).
    derivatives : callable
        ``(fn, x, fx=, lower=) -> (gradient, Hessian)``: lme4's ``deriv12``
        (:func:`~mixedmodels.core._derivs.gradient_hessian`) or a variant
        of :mod:`mixedmodels.core._hessian` (two evaluations per pair).
    need_hessian : bool
        Compute them for a singular fit too (glmer's covariance of beta).
    """
    if singular and not need_hessian:
        return None
    if nobs >= control.check_conv_nobsmax or params.size >= control.check_conv_nparmax:
        return None
    return derivatives(devfun, params, fx=fmin, lower=lower)


def convergence_messages(derivs: tuple[np.ndarray, np.ndarray] | None, singular: bool,
                         control: Control) -> list[str]:
    """Signal the singular-fit message and, for a fit that is not singular,
    lme4's messages about the gradient and Hessian ``derivs`` (None: none
    taken); return them."""
    messages: list[str] = []
    if singular:
        signal(SINGULAR_MESSAGE, control.check_singular, SingularFitWarning)
        messages.append(SINGULAR_MESSAGE)
    if singular or derivs is None:
        return messages
    grad, hess = derivs
    found = _gradient_message(grad, hess, control) + _hessian_messages(hess, control.hess_tol)
    for msg in found:
        level = control.check_conv_grad if "max|grad|" in msg else control.check_conv_hess
        signal(msg, level, ConvergenceWarning)
    return messages + found


def failed_convergence(derivs: tuple[np.ndarray, np.ndarray] | None, control: Control) -> bool:
    """Whether lme4's derivative checks find the optimum ``derivs`` (gradient,
    Hessian; None: not taken) short of a minimum, whatever their levels: a
    Hessian eigenvalue below ``-hess_tol`` (not a minimum), or a scaled
    gradient above ``grad_tol`` (or none: a Hessian not positive definite)."""
    if derivs is None or not np.all(np.isfinite(derivs[1])):
        return False
    grad, hess = derivs
    if np.linalg.eigvalsh(hess).min() < -control.hess_tol:
        return True
    mingrad = _scaled_gradient(grad, hess)
    return mingrad is None or bool(mingrad.max() > control.grad_tol)


def _gradient_message(grad: np.ndarray, hess: np.ndarray, control: Control) -> list[str]:
    if control.check_conv_grad == "ignore":
        return []
    mingrad = _scaled_gradient(grad, hess)
    if mingrad is None:
        return ["unable to evaluate scaled gradient"]
    if mingrad.max() > control.grad_tol:
        return [(
            f"Model failed to converge with max|grad| = {mingrad.max():.6g} "
            f"(tol = {control.grad_tol:g}, component {int(np.argmax(mingrad)) + 1})"
        )]
    return []


def _scaled_gradient(grad: np.ndarray, hess: np.ndarray) -> np.ndarray | None:
    """lme4's gradient check quantity: the smaller of ``|H^-1/2 g|`` (through
    the Cholesky factor of the Hessian) and ``|g|``, per parameter; None when
    the Hessian is not positive definite."""
    try:
        scaled = np.linalg.solve(np.linalg.cholesky(hess).T, grad)
    except np.linalg.LinAlgError:
        return None
    return np.minimum(np.abs(scaled), np.abs(grad))


def _hessian_messages(hess: np.ndarray, tol: float) -> list[str]:
    try:
        ev = np.linalg.eigvalsh(hess)
    except np.linalg.LinAlgError:
        return ["Problem with Hessian check (infinite or missing values?)"]
    negative = int(np.sum(ev < -tol))
    if negative:
        return [f"Model failed to converge: degenerate Hessian with {negative} negative eigenvalues"]
    if np.any(np.abs(ev) < tol):
        return ["Hessian is numerically singular: parameters are not uniquely determined"]
    out = []
    if ev.max() * tol > 1:
        out.append("Model is nearly unidentifiable: very large eigenvalue - Rescale variables?")
    elif ev.min() / ev.max() < tol:
        out.append("Model is nearly unidentifiable: large eigenvalue ratio - Rescale variables?")
    return out
