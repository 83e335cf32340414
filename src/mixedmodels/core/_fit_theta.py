"""Optimizing theta: the optimizer run, lme4's edge restart and boundary check."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixedmodels.core._logscale import log_scale_applies, minimize_log_scale
from mixedmodels.core._optimize import OptSummary, minimize


def optimize_theta(
    devfun: Callable[[np.ndarray], float],
    initial: np.ndarray,
    lower: np.ndarray,
    method: str = "bobyqa",
    options: dict | None = None,
    restart_edge: bool = True,
    boundary_tol: float = 1e-5,
    log_scale: bool | np.ndarray = False,
) -> OptSummary:
    """Minimize ``devfun`` over theta as lme4's ``optimizeLmer`` does.

    After the first run, if a parameter sits exactly on its bound and the
    one-sided slope into the interior is negative, the optimizer restarts
    from there; then parameters within ``boundary_tol`` of a bound are tried
    exactly on it and kept there if the objective does not increase.
    With ``log_scale`` an all-diagonal theta is searched on a log scale
    (:mod:`mixedmodels.core._logscale`); given as a mask, the masked
    elements are (the caller has checked they are diagonal elements of
    theta).  A restart, and the boundary check, are on the parameters themselves.
    """
    initial = np.asarray(initial, float)
    if isinstance(log_scale, np.ndarray):
        summary = minimize_log_scale(devfun, initial, lower, method, options or {}, log_scale)
    elif log_scale and log_scale_applies(lower, options or {}):
        summary = minimize_log_scale(devfun, initial, lower, method, options or {})
    else:
        summary = minimize(devfun, OptSummary(method, initial, lower, **(options or {})))
    if restart_edge and _downhill_from_edge(devfun, summary.final, summary.fmin, lower):
        first = summary
        summary = minimize(devfun, OptSummary(method, first.final, lower, **(options or {})))
        summary.feval += first.feval
        summary.initial = first.initial
        if first.scale != "theta":
            summary.scale = f"{first.scale}, restarted on theta"
        summary.messages.append("some theta parameters on the boundary, restarted")
    if boundary_tol > 0:
        snap_to_boundary(devfun, summary, lower, boundary_tol)
    return summary


def _downhill_from_edge(devfun, theta, fmin, lower, step: float = 1e-5) -> bool:
    on_edge = np.flatnonzero(theta == lower)
    for i in on_edge:
        trial = theta.copy()
        trial[i] = lower[i] + step
        if (devfun(trial) - fmin) / step < 0:
            return True
    return False


def snap_to_boundary(devfun, summary: OptSummary, lower, tol) -> None:
    """Parameters within ``tol`` of their bound go exactly on it if the objective does not increase."""
    near = (summary.final - lower < tol) & (summary.final != lower)
    if not np.any(near):
        return
    trial = summary.final.copy()
    trial[near] = lower[near]
    value = devfun(trial)
    if value <= summary.fmin:
        summary.final, summary.fmin = trial, value
