"""Optimizing theta: the optimizer run, lme4's edge restart and boundary check."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixedmodels.core._logscale import log_scale_applies, minimize_log_scale
from mixedmodels.core._optimize import OptSummary, minimize

ZERO_PROBE = 1e-3
"""Diagonal elements of theta below this are also tried at 0, one at a time,
after lme4's boundary check (which tries those within ``boundary_tol``).
Near a singular optimum the deviance is flat to 1e-8 over ``1e-4``, the
singular-fit tolerance, and where a search stops there decides whether the
fit is called singular: on simulated fits (``tools/logscale_check.py``) the
log-scale search and lme4's stopped on different sides of it in 5 of 480
(none with the probe), and against lme4 itself (``tools/lme4_diff``, 280
regular LMMs) 2 singular flags differed (none with it).  An element is
put on 0 only if the deviance does not increase: one evaluation each."""


def optimize_theta(
    devfun: Callable[[np.ndarray], float],
    initial: np.ndarray,
    lower: np.ndarray,
    method: str = "bobyqa",
    options: dict | None = None,
    restart_edge: bool = True,
    boundary_tol: float = 1e-5,
    log_scale: bool | np.ndarray = False,
    scales: np.ndarray | None = None,
) -> OptSummary:
    """Minimize ``devfun`` over theta as lme4's ``optimizeLmer`` does.

    After the first run, if a parameter sits exactly on its bound and the
    one-sided slope into the interior is negative, the optimizer restarts
    from there; then parameters within ``boundary_tol`` of a bound are tried
    exactly on it and kept there if the objective does not increase, and
    then so is each diagonal element below :data:`ZERO_PROBE` in turn.
    With ``log_scale`` an all-diagonal theta is searched on a log scale
    (:mod:`mixedmodels.core._logscale`); given as a mask, the masked
    elements are (the caller has checked they are diagonal elements of
    theta).  A restart, and the boundary check, are on the parameters themselves.
    With ``scales`` (:mod:`mixedmodels.core._thetascale`) the leading
    elements are searched multiplied by them, all of the above in those units.
    """
    initial = np.asarray(initial, float)
    if scales is not None:
        return _in_column_units(devfun, initial, lower, method, options, restart_edge, boundary_tol,
                                log_scale, scales)
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
        snap_to_boundary(devfun, summary, lower, ZERO_PROBE, one_at_a_time=True)
    return summary


def _in_column_units(devfun, initial, lower, method, options, restart_edge, boundary_tol, log_scale,
                     scales) -> OptSummary:
    """:func:`optimize_theta` over ``phi = theta * scales`` (any further
    elements -- a GLMM's whitened beta -- as they are); ``initial``, and an
    ``initial_step`` or ``upper`` in ``options``, are given in theta's units."""
    factor = np.ones(initial.size)
    factor[: scales.size] = scales
    options = dict(options or {})
    for key in ("initial_step", "upper"):
        if key in options:
            options[key] = np.asarray(options[key], dtype=float) * factor
    summary = optimize_theta(lambda phi: devfun(phi / factor), initial * factor, lower, method, options,
                             restart_edge, boundary_tol, log_scale)
    summary.final, summary.initial = summary.final / factor, initial
    summary.scale = summary.scale.replace("theta", "theta x column RMS", 1)
    return summary


def _downhill_from_edge(devfun, theta, fmin, lower, step: float = 1e-5) -> bool:
    on_edge = np.flatnonzero(theta == lower)
    for i in on_edge:
        trial = theta.copy()
        trial[i] = lower[i] + step
        if (devfun(trial) - fmin) / step < 0:
            return True
    return False


def snap_to_boundary(devfun, summary: OptSummary, lower, tol, one_at_a_time: bool = False) -> None:
    """Parameters within ``tol`` of their bound go exactly on it if the objective
    does not increase: all together (lme4's check), or each in turn."""
    near = np.flatnonzero((summary.final - lower < tol) & (summary.final != lower))
    for group in ([i] for i in near) if one_at_a_time else ([near] if near.size else []):
        trial = summary.final.copy()
        trial[group] = lower[group]
        value = devfun(trial)
        if value <= summary.fmin:
            summary.final, summary.fmin = trial, value
