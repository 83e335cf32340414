"""``glmer_nb``: negative binomial GLMM with its size parameter estimated (lme4's ``glmer.nb``).

As lme4: fit the Poisson GLMM, estimate theta from its means (MASS's
``theta.ml``), then minimize ``-2 logLik`` of the NB GLMM over ``log theta``
in ``log(theta_0) +- 3`` with Brent's method (R's ``optimize``); unlike
lme4, when the minimum is at the lower end of that interval the search goes
on in the one below (:data:`MAX_INTERVAL_SHIFTS`).  As lme4's
``refit``, every evaluation runs only the last optimizer stage, from the
previous estimates, on the model's cross-products; the final refit at the
optimum runs the checks and gives the Hessian behind the standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import special

from mixedmodels._control import control_of
from mixedmodels._warnings import ConvergenceWarning, signal
from mixedmodels.families import NegativeBinomial, Poisson
from mixedmodels.glmm._control import GlmerControl
from mixedmodels.glmm._fit import (
    fit_glmer,
    glmer_frame,
    glmer_problem,
    refit_last_stage,
)
from mixedmodels.glmm._result import GlmerFit
from mixedmodels.glmm._stages import restage
from mixedmodels.lmm._fit import _data_name

THETA_ML_LIMIT = 20
"""Iterations of the initial ``theta.ml`` (lme4's ``glmer.nb``: ``initCtrl$limit``)."""

ITERATION_LIMIT = "iteration limit reached"


@dataclass
class ThetaML:
    """MASS's ``theta.ml`` result: the estimate and whether it stopped at its
    iteration limit (MASS then warns ``"iteration limit reached"``)."""

    theta: float
    limit_reached: bool


def theta_ml(y: np.ndarray, mu: np.ndarray, weights: np.ndarray, limit: int = THETA_ML_LIMIT,
             eps: float = np.finfo(float).eps ** 0.25) -> ThetaML:
    """MASS's ``theta.ml``: Newton iterations for the NB size at fixed means.

    As MASS, at most ``limit - 1`` steps, stopping once a step is at most
    ``eps``; reaching the last one is "iteration limit reached" whatever
    its size (MASS tests the count first).

    Raises
    ------
    ValueError
        If the estimate is negative (MASS truncates it at 0 with a warning,
        after which lme4's search interval ``log(0) +- 3`` is not defined).
    """
    n = np.sum(weights)
    t0 = n / np.sum(weights * (y / mu - 1) ** 2)
    steps = 0
    for steps in range(1, limit):
        t0 = abs(t0)
        score = np.sum(weights * (special.digamma(t0 + y) - special.digamma(t0) + np.log(t0) + 1
                                  - np.log(t0 + mu) - (y + t0) / (mu + t0)))
        info = np.sum(weights * (-special.polygamma(1, t0 + y) + special.polygamma(1, t0) - 1 / t0
                                 + 2 / (mu + t0) - (y + t0) / (mu + t0) ** 2))
        delta = score / info
        t0 = t0 + delta
        if abs(delta) <= eps:
            break
    if np.isnan(t0):
        raise ValueError("the initial NB size estimated at the Poisson fit's means (MASS's theta.ml) is not a "
                         "number: give glmer_nb an interval for log(theta)")
    if t0 < 0:
        raise ValueError(f"the initial NB size estimated at the Poisson fit's means (MASS's theta.ml) is "
                         f"{t0:.4g} < 0 (MASS truncates it at 0), so lme4's search interval log(theta_0) +- 3 "
                         "is undefined: give glmer_nb an interval for log(theta), or fit "
                         "glmer(..., family='poisson') if the counts are not overdispersed")
    return ThetaML(float(max(t0, np.finfo(float).tiny)), steps == limit - 1)


def glmer_nb(formula: str, data, nagq: int = 1, *, weights=None, offset=None, na_action: str = "omit",
             contrasts: dict | None = None, control: GlmerControl | None = None, start=None, tol: float = 5e-5,
             interval: tuple[float, float] | None = None) -> GlmerFit:
    """Fit a negative binomial (NB2, log link) GLMM estimating its size theta.

    Parameters
    ----------
    formula, data, nagq, weights, offset, na_action, contrasts, control, start
        As for :func:`~mixedmodels.glmer`.
    tol : float
        Tolerance of the search over ``log(theta)`` (lme4: 5e-5).
    interval : (float, float), optional
        Search interval for ``log(theta)``, kept as given; default
        ``log(theta_0) +- 3``, moved down by its width while the optimum is
        at its lower end (lme4 stops there; the optimizer summary says when
        it moved).

    Returns
    -------
    GlmerFit
        With ``family`` a :class:`~mixedmodels.families.NegativeBinomial`
        at the estimate (``fit.family.theta``); logLik's df counts theta.
        The final refit at that theta runs the checks and may restart its
        search when they fail (``Control.restart_unconverged``), as a glmer
        fit does; its deviance can then be a little below the one the
        search over theta saw there.
    """
    control = control_of(control, GlmerControl)
    frame = glmer_frame(formula, data, weights=weights, offset=offset, na_action=na_action, contrasts=contrasts)
    problem = glmer_problem(frame, Poisson(), control)
    quiet = _quiet(control)
    name = _data_name(data)
    fit = fit_glmer(frame, problem, nagq, quiet, start, name, data)
    messages = []
    if interval is None:
        theta0, messages = _initial_theta(problem.response, fit, tol, control)
        lo, hi = np.log(theta0) - 3.0, np.log(theta0) + 3.0
    else:
        lo, hi = interval
    state = {"params": fit.optsummary.final}
    params_at = {}  # log(theta) -> the last stage's estimates there

    def objective(log_theta: float) -> float:
        _set_family(problem, NegativeBinomial(float(np.exp(log_theta))))
        opt = restage(problem, state["params"], nagq, quiet)
        state["params"] = params_at[float(log_theta)] = opt.final
        return opt.fmin

    search = _search_log_theta(objective, lo, hi, tol, fixed=interval is not None)
    _set_family(problem, NegativeBinomial(float(np.exp(search.log_theta))))
    start = params_at.get(search.log_theta, state["params"])
    fit = refit_last_stage(frame, problem, nagq, control, start, name, data)
    fit.optsummary.messages.extend(messages)
    if search.moves:
        still = "; its optimum is still at the lower end" if search.at_end else ""
        fit.optsummary.messages.append(
            f"the NB size's optimum was below the search interval log(theta_0) +- 3 (theta_0 = {theta0:.4g}, "
            f"from the Poisson fit's means); searched {search.moves} interval(s) of that width below it{still}")
    fit.extra_params = 1
    fit.nb_arguments = {"tol": tol, "interval": interval}  # for update
    return fit


MAX_INTERVAL_SHIFTS = 5
"""How many times the search for ``log(theta)`` moves on to the interval of
the same width below when its optimum is at the lower end.  lme4 searches
``log(theta_0) +- 3`` only and returns the end: with ``theta_0`` from MASS's
``theta.ml`` at the Poisson fit's means, which stops at its iteration limit
when those means leave little overdispersion, the interval can miss a
strongly overdispersed optimum (``tools/lme4_diff`` seed 14, ``nb_003``:
``theta_0 = 257``; lme4 and the search within the interval end at the lower
end, 12.8; the optimum is at 6.46, 0.77 higher in log-likelihood).  An
optimum at the upper end is left there, as lme4 leaves it: the NB model then
approaches the Poisson one, the optimum is at infinity, and the deviance
differences up there are rounding."""


@dataclass
class LogThetaSearch:
    """Where :func:`_search_log_theta` ended: the minimizer, how many intervals
    below the first one it searched, and whether its minimum is still at a
    lower end (after :data:`MAX_INTERVAL_SHIFTS` moves)."""

    log_theta: float
    moves: int
    at_end: bool


def _search_log_theta(objective, lo: float, hi: float, tol: float, fixed: bool) -> LogThetaSearch:
    """Brent's minimum of ``objective`` over ``[lo, hi]`` (R's ``optimize``);
    unless the interval was the user's (``fixed``), moved down by its width
    while the minimum is at the lower end (within ``10 tol``, at most a
    hundredth of the width) and lower than any found before."""
    from scipy import optimize  # here, not at the top: slow to import

    width = hi - lo
    near = min(10 * tol, width / 100)
    best, moves, at_end = None, 0, False
    for shift in range(MAX_INTERVAL_SHIFTS + 1):
        found = optimize.minimize_scalar(objective, bounds=(lo, hi), method="bounded", options={"xatol": tol})
        if best is not None and found.fun >= best.fun:
            break
        best, moves, at_end = found, shift, found.x - lo < near
        if fixed or not at_end:
            break
        lo, hi = lo - width, lo
    return LogThetaSearch(float(best.x), moves, at_end and not fixed and moves == MAX_INTERVAL_SHIFTS)


def _initial_theta(response, poisson_fit: GlmerFit, tol: float, control: GlmerControl) -> tuple[float, list[str]]:
    """lme4's ``theta_0``: MASS's ``theta.ml`` at the Poisson fit's means with
    lme4's ``initCtrl`` (20 iterations, ``eps = 2 tol``), and MASS's warning
    when it stops at its iteration limit (signalled, and returned as a message)."""
    found = theta_ml(response.y, poisson_fit.fitted().to_numpy(), response.weights, eps=2 * tol)
    if not found.limit_reached:
        return found.theta, []
    msg = (f"theta.ml: {ITERATION_LIMIT} (limit {THETA_ML_LIMIT}) estimating the initial NB size "
           f"theta_0 = {found.theta:.4g} at the Poisson fit's means")
    signal(msg, control.check_nb_start, ConvergenceWarning)
    return found.theta, [msg]


def _set_family(problem, family) -> None:
    problem.response.family = family
    problem.response.refresh()


def _quiet(control: GlmerControl) -> GlmerControl:
    """The control for the inner refits: no derivative checks, no messages."""
    return replace(control, check_conv_nobsmax=-1, check_singular="ignore", check_scale_x="ignore",
                   check_pirls="ignore", check_separation="ignore", check_conv_grad="ignore",
                   check_conv_hess="ignore")
