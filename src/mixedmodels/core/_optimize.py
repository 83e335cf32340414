"""Derivative-free bounded minimization with one record of what happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

_NLOPT_METHODS = {"bobyqa": "LN_BOBYQA", "newuoa": "LN_NEWUOA_BOUND", "neldermead": "LN_NELDERMEAD", "cobyla": "LN_COBYLA", "sbplx": "LN_SBPLX"}
_NLOPT_CODES = {
    1: "SUCCESS", 2: "STOPVAL_REACHED", 3: "FTOL_REACHED", 4: "XTOL_REACHED",
    5: "MAXEVAL_REACHED", 6: "MAXTIME_REACHED", -1: "FAILURE", -2: "INVALID_ARGS",
    -3: "OUT_OF_MEMORY", -4: "ROUNDOFF_LIMITED", -5: "FORCED_STOP",
}
FAILED_CODES = frozenset({"MAXEVAL_REACHED", "MAXTIME_REACHED", "FAILURE", "ROUNDOFF_LIMITED", "FORCED_STOP"})
"""nlopt return codes meaning the optimizer gave up rather than met a tolerance."""
_SCIPY_METHODS = {"scipy-powell": "Powell", "scipy-lbfgsb": "L-BFGS-B", "scipy-neldermead": "Nelder-Mead"}
OPTIMIZERS = (*_NLOPT_METHODS, *_SCIPY_METHODS)
"""Every optimizer name ``Control(optimizer=...)`` takes."""


@dataclass
class OptSummary:
    """Settings, path and outcome of one optimization.

    Attributes
    ----------
    method : str
        Optimizer name (``"bobyqa"``, ``"newuoa"``, ``"scipy-powell"``, ...).
    initial : numpy.ndarray
        Starting parameters.
    lower : numpy.ndarray
        Lower bounds.
    upper : numpy.ndarray, optional
        Upper bounds (None: unbounded above).
    xtol_abs, ftol_abs, xtol_rel, ftol_rel : float
        Stopping tolerances (nlopt's meaning).
    maxeval : int
        Evaluation limit.
    initial_step : float or numpy.ndarray, optional
        nlopt's initial step (None: nlopt's default).
    final : numpy.ndarray
        Parameters at the optimum.
    fmin : float
        Objective at the optimum.
    feval : int
        Number of the optimizer's objective evaluations, its restarts'
        included; the few of the boundary checks and the rotated-face and
        zero-probe tests (:mod:`mixedmodels.core._fit_theta`) are not counted.
    return_code : str
        The optimizer's own return value (e.g. ``"FTOL_REACHED"``).
    elapsed : float
        Wall seconds spent optimizing.
    messages : list of str
        Convergence and check messages attached afterwards.
    scale : str
        The coordinates searched: ``"theta"``, or the transformation of a
        log-scale search (:mod:`mixedmodels.core._logscale`), with ``theta x
        column RMS`` for theta in its columns' units
        (:mod:`mixedmodels.core._thetascale`).  ``initial``, ``lower`` and
        ``final`` are in theta; ``initial_step``, ``upper`` and the x
        tolerances are in the searched coordinates.
    inner_feval : int
        Evaluations of the small terms' deviance made inside the evaluations,
        when their parameters are profiled out (:mod:`mixedmodels.core._smallterms`).
    """

    method: str
    initial: np.ndarray
    lower: np.ndarray
    xtol_abs: float = 1e-8
    ftol_abs: float = 1e-8
    xtol_rel: float = 1e-4
    ftol_rel: float = 0.0
    maxeval: int = 100_000
    initial_step: float | None = None
    upper: np.ndarray | None = None
    final: np.ndarray = field(default=None)  # type: ignore[assignment]
    fmin: float = np.nan
    feval: int = 0
    return_code: str = ""
    elapsed: float = 0.0
    messages: list[str] = field(default_factory=list)
    inner_feval: int = 0
    scale: str = "theta"

    @property
    def failed(self) -> bool:
        """Whether the optimizer gave up (an nlopt code in :data:`FAILED_CODES`)."""
        return self.return_code in FAILED_CODES

    def __str__(self) -> str:
        inner = f" (and {self.inner_feval} of the small terms' deviance inside them)" if self.inner_feval else ""
        scale = "" if self.scale == "theta" else f" over {self.scale}"
        return (
            f"optimizer {self.method}{scale}: {self.feval} evaluations{inner}, {self.elapsed:.3f} s, "
            f"objective {self.fmin:.6f}, return code {self.return_code}"
        )


def minimize(objective: Callable[[np.ndarray], float], summary: OptSummary) -> OptSummary:
    """Minimize ``objective`` from ``summary.initial`` within ``summary.lower``
    (and ``summary.upper`` if given).

    The summary is filled in and returned.
    """
    counter = _Counter(objective)
    start = time.perf_counter()
    if summary.method in _NLOPT_METHODS:
        x, code = _run_nlopt(counter, summary)
    elif summary.method in _SCIPY_METHODS:
        x, code = _run_scipy(counter, summary)
    else:
        known = ", ".join(sorted(OPTIMIZERS))
        raise ValueError(f"Unknown optimizer {summary.method!r}; choose one of {known}.")
    summary.elapsed = time.perf_counter() - start
    if x is None or not np.isfinite(counter.best_f):
        raise FloatingPointError(
            f"the objective was not finite at any of the {counter.count} points tried "
            f"(e.g. {counter.first_f!r} at {summary.initial.tolist()}); check the data for "
            "degenerate weights or a response the fixed effects reproduce exactly."
        )
    summary.final = np.asarray(x, dtype=float)
    # nlopt returns the best point seen, whose value is known; scipy's x may differ.
    summary.fmin = counter.best_f if x is counter.best_x else float(objective(summary.final))
    summary.feval = counter.count
    summary.return_code = code
    return summary


class _Counter:
    """Counts evaluations and remembers the best point seen."""

    def __init__(self, fn: Callable[[np.ndarray], float]) -> None:
        self.fn, self.count = fn, 0
        self.best_x: np.ndarray | None = None
        self.best_f = np.inf
        self.first_f: float | None = None

    def __call__(self, x: np.ndarray, *_args) -> float:
        self.count += 1
        x = np.array(x, dtype=float)
        f = float(self.fn(x))
        if self.first_f is None:
            self.first_f = f
        if f < self.best_f:
            self.best_x, self.best_f = x, f
        return f


def _run_nlopt(fn: _Counter, s: OptSummary) -> tuple[np.ndarray, str]:
    import nlopt

    n = len(s.initial)
    if s.method == "newuoa" and n < 2:
        raise ValueError("optimizer 'newuoa' needs at least two parameters, and this search has one (a single "
                         "scalar random-effects term; glmer's first stage searches theta alone); use 'bobyqa' "
                         "(lme4's default), or for glmer GlmerControl(stage2_optimizer='newuoa')")
    opt = nlopt.opt(getattr(nlopt, _NLOPT_METHODS[s.method]), n)
    opt.set_lower_bounds(np.asarray(s.lower, dtype=float))
    opt.set_min_objective(lambda x, grad: fn(x))
    opt.set_xtol_abs(s.xtol_abs)
    opt.set_ftol_abs(s.ftol_abs)
    opt.set_xtol_rel(s.xtol_rel)
    opt.set_ftol_rel(s.ftol_rel)
    opt.set_maxeval(int(s.maxeval))
    if s.initial_step is not None:
        opt.set_initial_step(s.initial_step)
    x0 = np.maximum(np.asarray(s.initial, dtype=float), s.lower)
    if s.upper is not None:
        opt.set_upper_bounds(np.asarray(s.upper, dtype=float))
        x0 = np.minimum(x0, s.upper)
    try:
        opt.optimize(x0)
    except nlopt.RoundoffLimited:
        return fn.best_x, "ROUNDOFF_LIMITED"
    return fn.best_x, _NLOPT_CODES.get(opt.last_optimize_result(), str(opt.last_optimize_result()))


def _run_scipy(fn: _Counter, s: OptSummary) -> tuple[np.ndarray, str]:
    from scipy.optimize import minimize as sp_minimize

    upper = np.full(len(s.lower), np.inf) if s.upper is None else s.upper
    bounds = [(lo if np.isfinite(lo) else None, hi if np.isfinite(hi) else None) for lo, hi in zip(s.lower, upper)]
    res = sp_minimize(fn, np.asarray(s.initial, dtype=float), method=_SCIPY_METHODS[s.method], bounds=bounds)
    return res.x, str(res.message)
